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

import typer
from rich.console import Console

from diffcurate.d2c.encode import read_meta
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
    seed: Annotated[int, typer.Option(help="random: the seed of the draw.")] = P("seed"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (counts per class, score quantiles).")] = Path(
        "metrics/select.json"
    ),
    plots: Annotated[Path, typer.Option(help="Folder for score_hist.csv (all vs selected).")] = Path("plots/select"),
) -> None:
    """Select the subset."""
    try:
        sc = read_scores(scores)
        feats = read_features(features, sc["index"].to_numpy(), method) if method in NEEDS_FEATURES else None
        class_names = read_meta(encoded)["class_names"]
        subset, info = select_subset(sc, method, budget, interval, seed, feats)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = selection_metrics(sc, subset, info, class_names, method, interval)
    with atomic_outputs() as w:
        w.parquet(subset, out)
        w.json(m, metrics)
        w.csv(score_histogram(sc, subset), plots / "score_hist.csv")
    console.print(
        f"select ({method.value}): {m['n_selected']} of {m['n_corpus']} ({m['fraction']:.2%}); "
        f"score median {m['score_selected']['median']} vs corpus {m['score_corpus']['median']}"
    )


if __name__ == "__main__":
    app()
