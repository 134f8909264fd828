"""`select` stage: a small subset per class (D2C interval sampling, or a baseline).

(Named select_subset.py: a script called select.py would shadow the standard library `select`
module for every script in stages/.)

    python stages/select_subset.py --scores data/scores/scores.parquet --out data/subset/subset.parquet \
        [--method interval|random|herding|kcenter|min|max] [--budget 0.008] [--interval 50]

`--budget` is a count (>= 1) or a fraction of the corpus (< 1). Options default to the `select`
section of params.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer
from rich.console import Console

from diffcurate.d2c.datafid import DataFidError, Reference, against_null, read_pool
from diffcurate.d2c.encode import load_encoded, read_meta
from diffcurate.d2c.fid import inception_outputs, load_reference
from diffcurate.d2c.probe import load_probe, load_reference_features, probe_outputs
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.select import (
    NEEDS_FEATURES,
    Method,
    read_features,
    read_scores,
    score_histogram,
    select_subset,
    selection_metrics,
)
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("select", __file__)


@app.command()
def main(
    scores: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Difficulty scores (score's output).")] = Path(
        "data/scores/scores.parquet"
    ),
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False, help="Encoded corpus (for class names).")] = Path(
        "data/encoded"
    ),
    features: Annotated[Path, typer.Option(help="(N, D) .npy in corpus order (herding / kcenter).")] = Path(
        "data/features/features.npy"
    ),
    out: Annotated[Path, typer.Option(help="The subset: the selected rows of the scores table, with their rank.")] = Path(
        "data/subset/subset.parquet"
    ),
    method: Annotated[Method, typer.Option(help="interval (D2C), or a baseline: random, herding, kcenter, min, max.")] = P(
        "method", Method
    ),
    budget: Annotated[float, typer.Option(help="Count (>= 1) or fraction of the corpus (< 1).")] = P("budget"),
    interval: Annotated[int, typer.Option(min=1, help="interval: take every k-th sample of the class sorted by score.")] = P(
        "interval"
    ),
    seed: Annotated[int, typer.Option(help="random: the seed of the draw; the data-FID null's seed.")] = P("seed"),
    null_draws: Annotated[
        int, typer.Option(min=0, help="Data-FID: random same-per-class subsets in the null (0: no data-FID).")
    ] = P("null_draws"),
    probe: Annotated[Path, typer.Option(help="Data-FID: the probe stage's folder (features, test-split reference).")] = Path(
        "models/probe"
    ),
    reference: Annotated[Path, typer.Option(help="Data-FID: refstats' Inception reference of the test split.")] = Path(
        "data/eval/ref.npz"
    ),
    pool: Annotated[Path, typer.Option(help="Data-FID: refstats' pool of training images' Inception features.")] = Path(
        "data/eval/pool.npz"
    ),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (counts per class, score quantiles).")] = Path(
        "metrics/select.json"
    ),
    plots: Annotated[Path, typer.Option(help="Folder for score_hist.csv (all vs selected).")] = Path("plots/select"),
) -> None:
    """Select the subset."""
    set_threads(threads)
    try:
        sc = read_scores(scores)
        feats = read_features(features, sc["index"].to_numpy(), method) if method in NEEDS_FEATURES else None
        meta = read_meta(encoded)
        class_names = meta["class_names"]
        subset, info = select_subset(sc, method, budget, interval, seed, feats)
        m = selection_metrics(sc, subset, info, class_names, method, interval)
        if null_draws:
            m["data_fid"] = data_fid(subset, encoded, meta, probe, reference, pool, null_draws, seed)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    with atomic_outputs() as w:
        w.parquet(subset, out)
        w.json(m, metrics)
        w.csv(score_histogram(sc, subset), plots / "score_hist.csv")
    console.print(
        f"select ({method.value}): {m['n_selected']} of {m['n_corpus']} ({m['fraction']:.2%}); "
        f"score median {m['score_selected']['median']} vs corpus {m['score_corpus']['median']}"
    )
    for key, d in m.get("data_fid", {}).items():
        if isinstance(d, dict):
            console.print(
                f"  data {key}: {d['value']} (random subsets: mean {d['null_mean']}, 5-95% {d['null_p5']}-{d['null_p95']}; "
                f"percentile {d['percentile']})"
            )


def data_fid(subset, encoded: Path, meta: dict, probe: Path, reference: Path, pool: Path, draws: int, seed: int) -> dict:
    """The subset's probe FD and Inception FID against the test split, each beside its random-subset null."""
    if meta["space"] != "pixels":
        return {"skipped": f"the probe and the Inception reference read pixel corpora, not {meta['space']}"}
    corpus = load_encoded(encoded).unflipped()
    rows = subset["index"].to_numpy()
    labels = corpus.labels.numpy()
    with console.status(f"data-FID: probe features of {len(corpus.x)} images, {draws} random subsets"):
        probe_feats, _ = probe_outputs(load_probe(probe), corpus.x)
        probe_fd = against_null(
            probe_feats[rows], labels[rows], probe_feats, labels, Reference.of(load_reference_features(probe)), draws, seed
        )
    ref = load_reference(reference)
    inc = read_pool(pool)
    if not len(inc["rows"]):
        return {"probe_fd": probe_fd, "n": len(rows)}
    at = {int(r): i for i, r in enumerate(inc["rows"])}
    fresh = np.array([r for r in rows if int(r) not in at], dtype=np.int64)
    with console.status(f"data-FID: Inception features of {len(fresh)} selected images not in the pool"):
        new = inception_outputs(corpus.x[torch.from_numpy(fresh)])[0] if len(fresh) else np.zeros((0, inc["features"].shape[1]))
    lookup = {int(r): f for r, f in zip(fresh, new, strict=True)}
    sub_feats = np.stack([inc["features"][at[int(r)]] if int(r) in at else lookup[int(r)] for r in rows]).astype(np.float64)
    try:
        fid = against_null(
            sub_feats,
            labels[rows],
            inc["features"].astype(np.float64),
            inc["labels"],
            Reference(ref["mu"], ref["sigma"]),
            draws,
            seed,
        )
    except DataFidError as exc:
        raise DataFidError(f"{pool}: {exc} (raise refstats.pool_per_class above the subset's images per class)") from None
    fid["pool_per_class"] = int(np.bincount(inc["labels"]).max())
    return {"probe_fd": probe_fd, "fid": fid, "n": len(rows)}


if __name__ == "__main__":
    app()
