"""How the real-data FID floor falls with N: why the CPU default evaluates 500 samples (issue 18).

The Fréchet distance of N real images to a reference is biased upwards at small N. This reads the
Inception features the pipeline already cached (no Inception pass): refstats' pool of training
images (`data/eval/pool.npz`) against refstats' test-split reference (`data/eval/ref.npz`), and for
each N draws `--draws` random same-per-class subsets of the pool and reports the FID's mean and
spread. The same for the probe's features (`models/probe`) on the whole corpus, where N can reach
the test split's size.

    python benchmarks/bench_fid_floor.py [--draws 10]
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from diffcurate.d2c.datafid import Reference, random_subsets, read_pool
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.fid import load_reference
from diffcurate.d2c.probe import load_probe, load_reference_features, probe_outputs
from diffcurate.io import atomic_outputs

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

SIZES = (100, 250, 500, 1000, 2000, 5000)


def floor_curve(features: np.ndarray, labels: np.ndarray, ref: Reference, sizes: list[int], draws: int, seed: int) -> list[dict]:
    rows = []
    classes = np.unique(labels)
    for n in sizes:
        per = n // len(classes)
        if per * len(classes) > len(features) or any((labels == c).sum() < per for c in classes):
            continue
        k = 1 if per * len(classes) == len(features) else draws
        values = [ref.distance(features[pos]) for pos in random_subsets(labels, {int(c): per for c in classes}, k, seed)]
        rows.append(
            {
                "n": per * len(classes),
                "mean": round(float(np.mean(values)), 3),
                "std": round(float(np.std(values)), 3),
                "draws": k,
            }
        )
        print(f"  N = {rows[-1]['n']}: {rows[-1]['mean']} ± {rows[-1]['std']} ({k} draws)", flush=True)
    return rows


@app.command()
def main(
    draws: Annotated[int, typer.Option(help="Random subsets per N.")] = 10,
    seed: Annotated[int, typer.Option()] = 0,
    pool: Annotated[Path, typer.Option()] = Path("data/eval/pool.npz"),
    reference: Annotated[Path, typer.Option()] = Path("data/eval/ref.npz"),
    probe: Annotated[Path, typer.Option()] = Path("models/probe"),
    encoded: Annotated[Path, typer.Option()] = Path("data/encoded"),
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/fid_floor.json"),
) -> None:
    ref = load_reference(reference)
    inc = read_pool(pool)
    print(f"Inception FID of real training images vs {len(ref['features'])} test images (pool of {len(inc['rows'])}):")
    inception = floor_curve(
        inc["features"].astype(np.float64), inc["labels"], Reference(ref["mu"], ref["sigma"]), list(SIZES), draws, seed
    )
    corpus = load_encoded(encoded).unflipped()
    feats, _ = probe_outputs(load_probe(probe), corpus.x)
    probe_ref = load_reference_features(probe)
    print(f"probe FD of real training images vs {len(probe_ref)} test images:")
    probe_fd = floor_curve(feats, corpus.labels.numpy(), Reference.of(probe_ref), list(SIZES), draws, seed)
    result = {
        "inception_fid": {"n_ref": int(len(ref["features"])), "pool": int(len(inc["rows"])), "rows": inception},
        "probe_fd": {"n_ref": int(len(probe_ref)), "rows": probe_fd},
        "draws": draws,
        "seed": seed,
    }
    with atomic_outputs() as w:
        w.json(result, out)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    app()
