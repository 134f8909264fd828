"""The offline prompt generator's text quality: `gapfill` and `expand` on the pipeline's real inputs.

    python benchmarks/bench_generate.py [--input data/classified/prompts.parquet] [--classifier models/classifier]
        [--max-total 0] [--baseline/--no-baseline] [--baseline-rev REV]

Runs the offline gap-fill generator and the offline expander with the shipped params (params.yaml's
`gapfill`, `expand` and `balance` bounds) on the classified prompts, then measures the generated
prompts before and after `expand`, English and Chinese apart:

- distinct 1/2/3-grams (distinct / total; English: lower-cased words, Chinese: characters) and the
  mean length (English words, Chinese characters);
- the share of candidates re-classified into their intended cell (gapfill's acceptance rate), the
  smallest Subject × Style cell after gapfill, and how many expansions kept their codes;
- contradictions: prompts with a pair of incompatible phrases by the library's table
  (`diffcurate.generate.compat`, the table the composer obeys), and, as an independent check, by
  this file's own short list of the issue's examples (snow with blooming flowers, bokeh with pixel
  art / vector / posters, dew drops with a minimalist grid);
- comma lists: prompts written as a list of comma-separated tags rather than sentences.

`--baseline` also runs the generator of `--baseline-rev` (the library before the rework, exported
with `git archive` into a temporary folder and run in a subprocess) on the same inputs, measured by
the same code; without it, the baseline's figures are carried over from the existing record.
`--max-total N` caps the generated prompts at N, split over the sparse cells by deficit (a quick,
representative run); 0 fills every cell. Figures go to `benchmarks/results/generate.json`.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import Counter
from io import BytesIO
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import yaml

REPO = Path(__file__).resolve().parents[1]
BASELINE_REV = "49c4fbb"  # the library before the offline generator was reworked (issue 20)

app = typer.Typer(add_completion=False)


@app.callback()
def _commands() -> None:
    """`run` measures (the default use); `produce` is its worker, run in a subprocess per library."""


# --- producing: only APIs the baseline library has too --------------------------------------------
@app.command()
def produce(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False)],
    classifier: Annotated[Path, typer.Option(exists=True, file_okay=False)],
    out_dir: Annotated[Path, typer.Option()],
    params_file: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = REPO / "params.yaml",
    max_total: Annotated[int, typer.Option(min=0)] = 0,
    threads: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Run gapfill and expand (offline) with the library on PYTHONPATH; write their outputs to OUT_DIR."""
    import torch

    from diffcurate.classify.artifact import load_classifier
    from diffcurate.generate.expand import ExpandConfig, ExpandScope, OfflineExpander, run_expand
    from diffcurate.generate.gapfill import GapfillConfig, OfflineGenerator, run_gapfill
    from diffcurate.neardup import NearDupConfig

    torch.set_num_threads(threads)
    params = yaml.safe_load(params_file.read_text())
    g, e, b = params["gapfill"], params["expand"], params["balance"]
    gcfg = GapfillConfig(
        min_per_cell=g["min_per_cell"],
        max_total=max_total or g["max_total"],
        cameras=g["cameras"],
        zh_share=g["zh_share"],
        zh_subjects=g["zh_subjects"],
        oversample=g["oversample"],
        max_rounds=g["max_rounds"],
        zh_fallback_round=g["zh_fallback_round"],
        seed=g["seed"],
        count_words=(b["min_words"], b["max_words"]),
        count_chars_zh=(b["min_chars_zh"], b["max_chars_zh"]),
        near_dup=NearDupConfig(threshold=g["near_dup_threshold"], seed=g["seed"]),
    )
    ecfg = ExpandConfig(
        scope=ExpandScope(e["scope"]),
        min_words=e["min_words"],
        target_min=e["target_min"],
        target_max=e["target_max"],
        min_chars_zh=e["min_chars_zh"],
        zh_min_chars=e["zh_min_chars"],
        zh_max_chars=e["zh_max_chars"],
        max_attempts=e["max_attempts"],
        seed=e["seed"],
    )
    df = pd.read_parquet(input)
    _, clf = load_classifier(classifier)
    t0 = time.perf_counter()
    gen, gm, table = run_gapfill(df, clf, OfflineGenerator(seed=gcfg.seed, oversample=gcfg.oversample), gcfg)
    t_gap = time.perf_counter() - t0
    cols = ["id", "source", "text", "language", "subject", "style", "camera"]
    t0 = time.perf_counter()
    exp, em = run_expand(pd.concat([df[cols], gen[cols]], ignore_index=True), clf, OfflineExpander(seed=ecfg.seed), ecfg)
    t_exp = time.perf_counter() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    exp[exp["source"] == "generated"].to_parquet(out_dir / "generated.parquet")
    table.to_csv(out_dir / "cells.csv", index=False)
    (out_dir / "metrics.json").write_text(
        json.dumps({"gapfill": gm, "expand": em, "seconds": {"gapfill": round(t_gap, 1), "expand": round(t_exp, 1)}}, indent=2)
    )


def run_produce(src: Path, out_dir: Path, input: Path, classifier: Path, max_total: int, threads: int) -> None:
    """`produce` in a subprocess with `src` (a library's src/ folder) first on PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=str(src), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "produce", "--input", str(input), "--classifier", str(classifier), "--out-dir", str(out_dir)]
    cmd += ["--max-total", str(max_total), "--threads", str(threads)]
    subprocess.run(cmd, env=env, check=True)


def export_src(rev: str, into: Path) -> Path:
    """The src/ folder of `rev` (git archive), unpacked under `into`."""
    data = subprocess.run(["git", "archive", rev, "src"], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


# --- measuring: the current library ---------------------------------------------------------------
# The issue's own examples, written here independently of the library's table (a second opinion on it):
# two patterns that must not both match one prompt.
ISSUE_CHECKS: dict[str, tuple[str, str]] = {
    "snow with blooming flowers": (
        r"\bsnow(?!y owl| leopard|-capped)\w*|\bfrost\w*|\bblizzard|雪(?!鸮|山|峰)|霜",
        r"\bbloom\w*|\bblossom\w*|peon(y|ies)|tulips?|sunflowers?|popp(y|ies)|lavender|盛开|花开|牡丹|郁金香|向日葵|樱花",
    ),
    "bokeh or blur with pixel art, vector or a poster": (
        r"bokeh|blurr(ed|y) background|depth of field|shallow focus|虚化|景深|散景",
        r"pixel|vector|poster|像素|矢量|海报",
    ),
    "dew drops with a minimalist grid": (r"dew ?drops?|露珠", r"minimalis\w*|\bgrid\b|极简|网格"),
}


def measure_texts(texts: list[str], language: str) -> dict:
    """Diversity, length, contradictions (library table and the issue's list) and comma lists of `texts`."""
    from diffcurate.generate.compat import contradictions
    from diffcurate.generate.compose import is_comma_list
    from diffcurate.generate.gapfill import distinct_n
    from diffcurate.schemas import Language

    lang = Language(language)
    pairs: Counter = Counter()
    flagged = 0
    for t in texts:
        found = contradictions(t, lang)
        flagged += bool(found)
        pairs.update(f"{a.value}+{b.value}" for a, b in found)
    issue = {
        name: sum(bool(re.search(a, t, re.IGNORECASE) and re.search(b, t, re.IGNORECASE)) for t in texts)
        for name, (a, b) in ISSUE_CHECKS.items()
    }
    lengths = [len(t) if lang is Language.ZH else len(t.split()) for t in texts]
    return {
        "n": len(texts),
        "distinct_1": distinct_n(texts, 1),
        "distinct_2": distinct_n(texts, 2),
        "distinct_3": distinct_n(texts, 3),
        ("mean_chars" if lang is Language.ZH else "mean_words"): round(sum(lengths) / len(lengths), 2) if lengths else None,
        "contradictions": {
            "prompts": flagged,
            "share": round(flagged / len(texts), 4) if texts else None,
            "pairs": dict(pairs.most_common()),
        },
        "issue_examples": issue,
        "comma_lists": {
            "prompts": (n := sum(is_comma_list(t, lang) for t in texts)),
            "share": round(n / len(texts), 4) if texts else None,
        },
    }


def measure(run_dir: Path) -> dict:
    """The figures of one produce run: per language, generated prompts before and after expand."""
    gen = pd.read_parquet(run_dir / "generated.parquet")
    m = json.loads((run_dir / "metrics.json").read_text())
    cells = pd.read_csv(run_dir / "cells.csv")
    g, e = m["gapfill"], m["expand"]
    draws = e["expanded"] + sum(e["failed_attempts"].values())
    out = {
        "gapfill": {
            "generated": g["generated"],
            "generated_zh": g["generated_zh"],
            "candidates": g["candidates"],
            "class_true": g["class_true"],
            "acceptance_rate": g["acceptance_rate"],
            "rounds": g["rounds"],
            "zh_slots_switched_to_en": g["zh_slots_switched_to_en"],
            "cells_below_min_after": g["cells_below_min_after"],
            "min_cell_after": int(cells["after"].min()),
            "camera_agreement": g["camera_agreement"],
            "seconds": m["seconds"]["gapfill"],
        },
        "expand": {
            "candidates": e["candidates"],
            "expanded": e["expanded"],
            "fell_back_to_original": e["fell_back_to_original"],
            "failed_attempts": e["failed_attempts"],
            "draws_keeping_codes": round(e["expanded"] / draws, 4) if draws else None,
            "seconds": m["seconds"]["expand"],
        },
    }
    for lang, n_samples in (("en", 8), ("zh", 4)):
        part = gen[gen["language"] == lang]
        out[lang] = {
            "before_expand": measure_texts(part["text_original"].tolist(), lang),
            "after_expand": measure_texts(part["text"].tolist(), lang),
            # A seeded sample to read: (cell and camera, gap-fill prompt, after expand).
            "samples": [
                [f"{r.subject}/{r.style}/{r.camera}", r.text_original, r.text]
                for r in part.sample(min(n_samples, len(part)), random_state=0).itertuples()
            ],
        }
    return out


def table(record: dict) -> str:
    """The comparison as a Markdown table (old = the baseline generator, new = this library)."""
    old, new = record.get("old"), record["new"]
    rows = [("", "old", "new")]

    def row(label: str, get) -> None:
        def fmt(r):
            try:
                v = get(r)
            except (KeyError, TypeError):
                return "–"
            if isinstance(v, float):
                return f"{v:.1f}" if v >= 10 else f"{v:.3f}"
            return f"{v:,}" if isinstance(v, int) else str(v)

        rows.append((label, fmt(old) if old else "–", fmt(new)))

    for lang, unit in (("en", "words"), ("zh", "chars")):
        for stage in ("before_expand", "after_expand"):
            tag = f"{lang.upper()} {'gap-fill' if stage == 'before_expand' else 'after expand'}"
            row(f"{tag}: prompts", lambda r, lang=lang, stage=stage: r[lang][stage]["n"])
            row(
                f"{tag}: distinct 1/2/3-grams",
                lambda r, lang=lang, stage=stage: " / ".join(f"{r[lang][stage][f'distinct_{k}']:.3f}" for k in (1, 2, 3)),
            )
            row(f"{tag}: mean {unit}", lambda r, lang=lang, stage=stage, unit=unit: r[lang][stage][f"mean_{unit}"])
            row(
                f"{tag}: prompts with a contradiction (table)",
                lambda r, lang=lang, stage=stage: r[lang][stage]["contradictions"]["prompts"],
            )
            row(f"{tag}: the issue's examples", lambda r, lang=lang, stage=stage: sum(r[lang][stage]["issue_examples"].values()))
            row(f"{tag}: comma lists", lambda r, lang=lang, stage=stage: r[lang][stage]["comma_lists"]["prompts"])
    row(
        "gapfill: candidates / re-classified into their cell",
        lambda r: f"{r['gapfill']['candidates']:,} / {r['gapfill']['class_true']:,}",
    )
    row("gapfill: acceptance rate", lambda r: r["gapfill"]["acceptance_rate"])
    row(
        "gapfill: smallest cell after / cells below min",
        lambda r: f"{r['gapfill']['min_cell_after']} / {r['gapfill']['cells_below_min_after']}",
    )
    row("gapfill: Chinese slots switched to English", lambda r: r["gapfill"]["zh_slots_switched_to_en"])
    row("expand: expanded / kept original", lambda r: f"{r['expand']['expanded']:,} / {r['expand']['fell_back_to_original']:,}")
    row("expand: draws keeping their codes", lambda r: r["expand"]["draws_keeping_codes"])
    row("seconds gapfill / expand (1 thread)", lambda r: f"{r['gapfill']['seconds']} / {r['expand']['seconds']}")
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["| " + " | ".join(c.ljust(width[i]) for i, c in enumerate(r)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) if i == 0 else "-" * (w + 1) + ":" for i, w in enumerate(width)) + "|")
    return "\n".join(lines)


@app.command()
def run(
    input: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Classified prompts (the classify stage's output).")
    ] = REPO / "data/classified/prompts.parquet",
    classifier: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The classifier artifact.")] = REPO
    / "models/classifier",
    out: Annotated[Path, typer.Option(help="Where to write the JSON record.")] = REPO / "benchmarks/results/generate.json",
    max_total: Annotated[int, typer.Option(min=0, help="Cap on generated prompts (0: fill every cell).")] = 0,
    threads: Annotated[int, typer.Option(min=1, help="torch threads of the classifier.")] = 1,
    baseline: Annotated[bool, typer.Option(help="Also run the baseline generator (else carry its figures over).")] = False,
    baseline_rev: Annotated[str, typer.Option(help="The git revision of the baseline library.")] = BASELINE_REV,
    baseline_dir: Annotated[
        Path | None, typer.Option(file_okay=False, help="Measure an earlier `produce` run of the baseline instead of running it.")
    ] = None,
    keep: Annotated[
        Path | None, typer.Option(file_okay=False, help="Keep the current generator's outputs in this folder.")
    ] = None,
) -> None:
    """Produce and measure the current generator (and the baseline); write the record and print the table."""
    record: dict = {
        "input": str(input),
        "max_total": max_total,
        "threads": threads,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "baseline_rev": baseline_rev,
    }
    with tempfile.TemporaryDirectory() as tmp:
        new_dir = keep or Path(tmp) / "new"
        run_produce(REPO / "src", new_dir, input, classifier, max_total, threads)
        record["new"] = measure(new_dir)
        if baseline_dir is not None:
            record["old"] = measure(baseline_dir)
        elif baseline:
            src = export_src(baseline_rev, Path(tmp) / "old_src")
            run_produce(src, Path(tmp) / "old", input, classifier, max_total, threads)
            record["old"] = measure(Path(tmp) / "old")
        elif out.is_file():
            prev = json.loads(out.read_text())
            if prev.get("old") and prev.get("baseline_rev") == baseline_rev and prev.get("max_total") == max_total:
                record["old"] = prev["old"]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(table(record))


if __name__ == "__main__":
    app()
