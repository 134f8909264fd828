"""Near-duplicate detection at scale: N synthetic prompt variants (default 1M) on this machine.

Variants are made from the real benchmark prompts (the mirror, via `download`'s parsers) by
random word edits (drop, repeat, swap, replace, re-case), so the corpus has the near-duplicate
structure the detector must find. Reports wall time per phase and the share of variants that
were grouped with another prompt.

    python benchmarks/bench_neardup.py [--n 1000000] [--mirror ../shared/sources]
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from diffcurate import neardup
from diffcurate.download import DownloadConfig, run_download
from diffcurate.neardup import NearDupConfig
from diffcurate.schemas import OnUnavailable
from diffcurate.sources import SOURCE_ORDER

app = typer.Typer(add_completion=False)


def synthesize(base: list[str], n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    vocab = sorted({w for t in base[:2000] for w in t.split()})
    picks = rng.integers(0, len(base), size=n)
    n_edits = rng.integers(0, 4, size=n)
    out = []
    for i in range(n):
        words = base[picks[i]].split()
        for _ in range(n_edits[i]):
            if len(words) < 3:
                break
            j = int(rng.integers(0, len(words) - 1))
            op = int(rng.integers(0, 5))
            if op == 0:
                del words[j]
            elif op == 1:
                words.insert(j, words[j])
            elif op == 2:
                words[j], words[j + 1] = words[j + 1], words[j]
            elif op == 3:
                words[j] = vocab[int(rng.integers(0, len(vocab)))]
            else:
                words[j] = words[j].upper()
        out.append(" ".join(words))
    return out


@app.command()
def main(
    n: Annotated[int, typer.Option(help="Number of synthetic prompts.")] = 1_000_000,
    mirror: Annotated[Path, typer.Option(envvar="DIFFCURATE_MIRROR", help="Mirror of the published prompt files.")] = Path(
        "../shared/sources"
    ),
    out: Annotated[Path, typer.Option(help="Where to write the JSON result.")] = Path("benchmarks/results/neardup.json"),
) -> None:
    base = run_download(DownloadConfig(SOURCE_ORDER, mirror=mirror, on_unavailable=OnUnavailable.SKIP)).prompts["text"].tolist()
    t0 = time.perf_counter()
    texts = synthesize(base, n, seed=0)
    t_synth = time.perf_counter() - t0
    cfg = NearDupConfig()
    t0 = time.perf_counter()
    sig = neardup.minhash_signatures(texts, cfg)
    t_sig = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = neardup.find_near_duplicates(texts, cfg)
    t_total = time.perf_counter() - t0
    result = {
        "n_prompts": n,
        "mean_words": round(float(np.mean([len(t.split()) for t in texts[:100_000]])), 1),
        "seconds_synthesize": round(t_synth, 1),
        "seconds_signatures": round(t_sig, 1),
        "seconds_find_near_duplicates_total": round(t_total, 1),
        "prompts_per_second": round(n / t_total),
        "flagged_share": round(float(res.is_dup.mean()), 4),
        "groups": int(len(np.unique(res.rep))),
        "signature_mb": round(sig.nbytes / 2**20),
        "config": {"threshold": cfg.threshold, "num_perm": cfg.num_perm, "bands": cfg.bands, "ngram": cfg.ngram},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "processor": platform.processor()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    app()
