"""`score` stage: diffusion difficulty of every sample (class-conditional denoising loss).

    python stages/score.py --encoded data/encoded --out data/scores [--scorer pretrain|dit-xl-2] [--n-draws 4]

Resumable by shard; with `accelerate launch stages/score.py …` each process scores its shards.
Options mirror the `score` section of params.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.checkpoints import set_threads
from diffcurate.d2c.score import ScoreConfig, Scorer, run_score, score_histogram
from diffcurate.io import atomic_outputs

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/encoded"),
    out: Annotated[Path, typer.Option(help="Folder for scores.parquet (and per-shard files while running).")] = Path("data/scores"),
    scorer: Annotated[Scorer, typer.Option(help="pretrain (our DiT, offline) or dit-xl-2 (ImageNet latents).")] = Scorer.PRETRAIN,
    model_dir: Annotated[str, typer.Option(help="pretrain: its model folder; dit-xl-2: Hub repo or local folder.")] = "models/scorer",
    revision: Annotated[str, typer.Option(help="dit-xl-2 Hub revision (resolved to a commit).")] = "main",
    n_draws: Annotated[int, typer.Option(min=1, help="(timestep, noise) pairs averaged per sample.")] = 4,
    batch_size: Annotated[int, typer.Option(min=1)] = 500,
    seed: Annotated[int, typer.Option()] = 0,
    device: Annotated[str, typer.Option()] = "cpu",
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: default).")] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/score.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/score"),
) -> None:
    """Score every sample."""
    set_threads(threads)
    cfg = ScoreConfig(scorer=scorer, n_draws=n_draws, batch_size=batch_size, seed=seed, model_dir=model_dir, revision=revision, device=device)
    try:
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"score ({scorer.value})", total=None)
            scores, m = run_score(encoded, out, cfg, progress=lambda done, total: bar.update(task, completed=done, total=total))
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    class_names = json.loads((encoded / "meta.json").read_text())["class_names"]
    with atomic_outputs() as w:
        w.parquet(scores[["id", "index", "label", "score"]], out / "scores.parquet")
        w.json(m, metrics)
        w.csv(score_histogram(scores, class_names), plots / "per_class_hist.csv")
    console.print(f"score: {m['n']} samples, {m['n_draws']} draws, {m['samples_per_s']} samples/s, {m['seconds']} s")


if __name__ == "__main__":
    app()
