"""`pretrain` stage: the offline scorer, a small class-conditional DiT trained on the full corpus.

    python stages/pretrain.py --encoded data/encoded --out models/scorer [--model DiT-T/4] [--steps 1500]

Resumes from models/scorer/checkpoint.pt (a killed run continues exactly; a checkpoint of other
settings or data, or of more steps than asked, is discarded with a warning and training starts
over). Options default to the `pretrain` section of params.yaml. Timings and the git revision go
to the metrics only: the model folder and loss.csv are the same bytes for the same training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.checkpoints import git_revision, save_dit
from diffcurate.d2c.dit import DiT, DiTConfig, DiTName
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.training import LRSchedule, Stopwatch, TrainConfig, array_digest, summarize_history, train
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults
from diffcurate.schemas import Bool

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("pretrain", __file__)


def print_warning(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(file_okay=False, help="The encode stage's folder (meta.json and shards).")] = Path(
        "data/encoded"
    ),
    out: Annotated[Path, typer.Option(help="Model folder (config.json, model/ema safetensors, checkpoint.pt).")] = Path(
        "models/scorer"
    ),
    model: Annotated[DiTName, typer.Option(help="DiT size (registry in d2c/dit.py).")] = P("model", DiTName),
    steps: Annotated[int, typer.Option(min=1, help="Optimiser steps (a resumed run continues to this many).")] = P("steps"),
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step.")] = P("batch_size"),
    lr: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = P("lr"),
    ema_decay: Annotated[float, typer.Option(min=0.0, max=1.0, help="EMA decay of the weights the scorer uses (warmed up).")] = P(
        "ema_decay"
    ),
    cfg_dropout: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of labels replaced by the null class.")] = P(
        "cfg_dropout"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the initial weights, batches and noise.")] = P("seed"),
    lr_schedule: Annotated[
        LRSchedule, typer.Option(help="constant, or cosine: decayed to 0 at the last step (after the warm-up).")
    ] = P("lr_schedule", LRSchedule),
    warmup_steps: Annotated[int, typer.Option(min=0, help="Linear learning-rate warm-up steps (0: none).")] = P("warmup_steps"),
    hflip: Annotated[
        Bool, typer.Option(case_sensitive=False, help="Flip a random half of each batch left-right (augmentation).")
    ] = P("hflip"),
    compile: Annotated[Bool, typer.Option(case_sensitive=False, help="torch.compile the forward pass (speed only).")] = P(
        "compile"
    ),
    ckpt_every: Annotated[
        int,
        typer.Option(min=1, help="Steps between checkpoints (a killed run loses at most this many; no effect on the weights)."),
    ] = P("ckpt_every"),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON.")] = Path("metrics/pretrain.json"),
    plots: Annotated[Path, typer.Option(help="Folder for loss.csv (the loss curve).")] = Path("plots/pretrain"),
) -> None:
    """Train the scorer."""
    set_threads(threads)
    torch.manual_seed(seed)  # the initial weights
    try:
        data = load_encoded(encoded)  # every row, flipped copies too
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    # Create model: a class-conditional DiT on the corpus' shape and classes.
    net = DiT(DiTConfig.for_data(model, data.meta["shape"], len(data.meta["class_names"])))
    tcfg = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        ema_decay=ema_decay,
        cfg_dropout=cfg_dropout,
        seed=seed,
        ckpt_every=ckpt_every,
        lr_schedule=lr_schedule.value,
        warmup_steps=warmup_steps,
        hflip=hflip is Bool.TRUE,
        compile=compile is Bool.TRUE,
    )
    params = {
        "model": model.value,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "ema_decay": ema_decay,
        "cfg_dropout": cfg_dropout,
        "seed": seed,
        "lr_schedule": lr_schedule.value,
        "warmup_steps": warmup_steps,
        "hflip": hflip is Bool.TRUE,
        # What the scorer is trained on: a checkpoint of another corpus is never resumed.
        "data_digest": array_digest(data.x, data.labels),
    }
    # Training loop (exact resume from out/checkpoint.pt).
    clock = Stopwatch()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"pretrain {model.value}", total=steps)

        def on_step(step: int, *_: torch.nn.Module) -> None:
            clock.tick()
            bar.update(task, completed=step)

        net, ema, history = train(
            net, data.x, data.labels, tcfg, out, extra_state={"params": params}, on_step=on_step, warn=print_warning
        )
    m = {
        "model": model.value,
        "parameters": sum(p.numel() for p in net.parameters()),
        "n_train": len(data.x),
        **params,
        **summarize_history(history),
        "steps_per_s": clock.steps_per_s(),  # this process' steps (None: a finished checkpoint was resumed)
        "git_revision": git_revision(),
    }
    with atomic_outputs() as w:
        save_dit(out, net, ema, params, writer=w)
        w.json(m, metrics)
        w.csv(pd.DataFrame(history), plots / "loss.csv")
    console.print(f"pretrain: {model.value}, {steps} steps, final loss {m['final_loss']}, {m['steps_per_s']} steps/s")


if __name__ == "__main__":
    app()
