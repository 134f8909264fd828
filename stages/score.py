"""`score` stage: diffusion difficulty of every sample (class-conditional denoising loss).

    python stages/score.py --encoded data/encoded --out data/scores [--scorer pretrain|dit-xl-2] [--n-draws 16]

Resumable by shard; with `accelerate launch stages/score.py …` each process scores its shards.
Options default to the `score` section of params.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.encode import read_meta
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.score import ScoreConfig, Scorer, run_score, score_histogram
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("score", __file__)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(file_okay=False, help="The encode stage's folder (meta.json and shards).")] = Path(
        "data/encoded"
    ),
    out: Annotated[Path, typer.Option(help="Folder for scores.parquet (and per-shard files while running).")] = Path(
        "data/scores"
    ),
    scorer: Annotated[Scorer, typer.Option(help="pretrain (our DiT, offline) or dit-xl-2 (ImageNet latents).")] = P(
        "scorer", Scorer
    ),
    model_dir: Annotated[str, typer.Option(help="pretrain: its model folder; dit-xl-2: Hub repo or local folder.")] = P(
        "model_dir"
    ),
    revision: Annotated[str, typer.Option(help="dit-xl-2 Hub revision (resolved to a commit).")] = P("revision"),
    n_draws: Annotated[int, typer.Option(min=1, help="(timestep, noise) pairs averaged per sample.")] = P("n_draws"),
    batch_size: Annotated[int, typer.Option(min=1, help="Images per forward pass.")] = P("batch_size"),
    seed: Annotated[int, typer.Option(help="Seed of the (timestep, noise) pairs shared by all samples.")] = P("seed"),
    stability_draws: Annotated[
        int, typer.Option(min=1, help="Rank stability: Spearman of the score from this many of the draws vs all.")
    ] = P("stability_draws"),
    stability_rows: Annotated[
        int, typer.Option(min=0, help="Rank stability: random rows scored again with seed + 1 (Spearman between seeds).")
    ] = P("stability_rows"),
    device: Annotated[str, typer.Option(help="Where the scorer runs: cpu, cuda, cuda:N.")] = P("device"),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON.")] = Path("metrics/score.json"),
    plots: Annotated[Path, typer.Option(help="Folder for per_class_hist.csv (score histograms per class).")] = Path(
        "plots/score"
    ),
) -> None:
    """Score every sample."""
    set_threads(threads)
    cfg = ScoreConfig(
        scorer=scorer,
        n_draws=n_draws,
        batch_size=batch_size,
        seed=seed,
        model_dir=model_dir,
        revision=revision,
        device=device,
        stability_draws=stability_draws,
        stability_rows=stability_rows,
    )
    try:
        class_names = read_meta(encoded)["class_names"]
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"score ({scorer.value}), shards", total=None)
            scores, m = run_score(encoded, out, cfg, progress=lambda done, total: bar.update(task, completed=done, total=total))
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    with atomic_outputs() as w:
        w.parquet(scores[["id", "index", "label", "score"]], out / "scores.parquet")
        w.json(m, metrics)
        w.csv(score_histogram(scores, class_names), plots / "per_class_hist.csv")
    rs = m["rank_stability"]
    console.print(
        f"score: {m['n']} samples, {m['n_draws']} draws, {m['samples_per_s']} samples/s, {m['seconds']} s; rank stability "
        f"(Spearman within class): {rs['draws'][0]} vs {rs['draws'][1]} draws {rs['spearman_draws_within_class']}, "
        f"seed {rs['seeds'][0]} vs {rs['seeds'][1]} {rs.get('spearman_seeds_within_class')}"
    )


if __name__ == "__main__":
    app()
