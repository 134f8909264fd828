"""`select` stage: a small subset per class (D2C interval sampling, or a baseline).

(Named select_subset.py: a script called select.py would shadow the standard library `select`
module for every script in stages/.)

    python stages/select_subset.py --scores data/scores/scores.parquet --out data/subset/subset.parquet \
        [--method interval|random|herding|kcenter|min|max] [--budget 0.008] [--interval 50]

`--budget` is a count (>= 1) or a fraction of the corpus (< 1). Options mirror `select` in params.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from diffcurate.d2c.select import NEEDS_FEATURES, Method, select_subset, selection_metrics
from diffcurate.io import atomic_outputs, read_table

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    scores: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path("data/scores/scores.parquet"),
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False, help="For class names.")] = Path("data/encoded"),
    features: Annotated[Path, typer.Option(help="(N, D) .npy in corpus order (herding / kcenter).")] = Path("data/features/features.npy"),
    out: Annotated[Path, typer.Option()] = Path("data/subset/subset.parquet"),
    method: Annotated[Method, typer.Option()] = Method.INTERVAL,
    budget: Annotated[float, typer.Option(help="Count (>= 1) or fraction of the corpus (< 1).")] = 0.008,
    interval: Annotated[int, typer.Option(min=1, help="interval: take every k-th sample of the class sorted by score.")] = 50,
    seed: Annotated[int, typer.Option()] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/select.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/select"),
) -> None:
    """Select the subset."""
    try:
        sc = read_table(scores)
        missing = [c for c in ("id", "index", "label", "score") if c not in sc]
        if missing:
            raise ValueError(f"{scores}: missing columns {missing}")
        feats = None
        if method in NEEDS_FEATURES:
            if not features.is_file():
                raise ValueError(f"{features}: no features (run the features stage) — needed by {method.value}")
            allf = np.load(features)
            feats = allf[sc["index"].to_numpy()]
        class_names = json.loads((encoded / "meta.json").read_text())["class_names"]
        subset, info = select_subset(sc, method, budget, interval, seed, feats)
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    m = selection_metrics(sc, subset, info, class_names, method, interval)
    # The score histogram with the selected samples marked (per 40 bins: all vs selected).
    edges = np.linspace(sc["score"].quantile(0.001), sc["score"].quantile(0.999), 41)
    hist = pd.DataFrame({"score": np.round((edges[:-1] + edges[1:]) / 2, 6),
                         "all": np.histogram(sc["score"].clip(edges[0], edges[-1]), edges)[0],
                         "selected": np.histogram(subset["score"].clip(edges[0], edges[-1]), edges)[0]})
    with atomic_outputs() as w:
        w.parquet(subset, out)
        w.json(m, metrics)
        w.csv(hist, plots / "score_hist.csv")
    console.print(f"select ({method.value}): {m['n_selected']} of {m['n_corpus']} ({m['fraction']:.2%}); "
                  f"score median {m['score_selected']['median']} vs corpus {m['score_corpus']['median']}")


if __name__ == "__main__":
    app()
