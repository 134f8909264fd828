"""`train` stage: a D2C student (DiT / SiT + DC-Embedding + REPA) on the selected subset.

    python stages/train.py --encoded data/encoded --subset data/subset/subset.parquet --attach data/attach \
        --out models/student [--model DiT-T/4] [--objective eps|sit] [--conditioning both|class|text] [--proj-coeff 0.5]

Resumes exactly from models/student/checkpoint.pt (a checkpoint of other settings or data, or of
more steps than asked, is discarded with a warning and training starts over); logs with dvclive
(dvclive/train: loss and gradient-norm curves by step, no timings). Options default to the `train`
section of params.yaml. Timings and the git revision go to metrics/train.json only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.checkpoints import git_revision, prune_snapshots, save_student, snapshot_saver
from diffcurate.d2c.dit import DiTConfig, DiTName
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.sampling import class_grid
from diffcurate.d2c.student import (
    DEFAULT_VISUAL_DIM,
    Conditioning,
    LossWeighting,
    Objective,
    Student,
    StudentConfig,
    student_objective,
)
from diffcurate.d2c.student_data import load_student_data
from diffcurate.d2c.training import (
    Device,
    LRSchedule,
    MixedPrecision,
    Stopwatch,
    TrainConfig,
    check_precision,
    log_to_dvclive,
    summarize_history,
    train,
)
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults
from diffcurate.schemas import Bool

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("train", __file__)


def print_warning(message: str) -> None:
    console.print(f"[yellow]warning:[/yellow] {message}", soft_wrap=True)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(file_okay=False, help="The encode stage's folder (meta.json and shards).")] = Path(
        "data/encoded"
    ),
    subset: Annotated[
        str, typer.Option(help="Subset parquet; empty: the full corpus (the full-data baseline).")
    ] = "data/subset/subset.parquet",
    attach: Annotated[Path, typer.Option(file_okay=False, help="The attach stage's folder (text and visual tokens).")] = Path(
        "data/attach"
    ),
    out: Annotated[
        Path, typer.Option(help="Model folder (config.json, model/ema safetensors, checkpoint.pt, snapshots/).")
    ] = Path("models/student"),
    model: Annotated[DiTName, typer.Option(help="DiT size (registry in d2c/dit.py).")] = P("model", DiTName),
    objective: Annotated[Objective, typer.Option(help="eps (DiT) or sit (linear interpolant, velocity).")] = P(
        "objective", Objective
    ),
    conditioning: Annotated[Conditioning, typer.Option(help="class, text or both (DC-Embedding).")] = P(
        "conditioning", Conditioning
    ),
    weighting: Annotated[LossWeighting, typer.Option(help="Per-sample loss weights: none, or min-snr (Min-SNR-5).")] = P(
        "weighting", LossWeighting
    ),
    encoder_depth: Annotated[int, typer.Option(min=1, help="REPA: align the tokens after this block.")] = P("encoder_depth"),
    proj_coeff: Annotated[float, typer.Option(min=0.0, help="REPA weight (0: no visual alignment).")] = P("proj_coeff"),
    steps: Annotated[int, typer.Option(min=1, help="Optimiser steps (a resumed run continues to this many).")] = P("steps"),
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step.")] = P("batch_size"),
    lr: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = P("lr"),
    ema_decay: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="EMA decay of the weights eval samples from (warmed up).")
    ] = P("ema_decay"),
    cfg_dropout: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of labels replaced by the null class.")] = P(
        "cfg_dropout"
    ),
    grad_clip: Annotated[float, typer.Option(min=0.0, help="Gradient norm clip.")] = P("grad_clip"),
    seed: Annotated[int, typer.Option(help="Seed of the initial weights, batches, noise and the sample grid.")] = P("seed"),
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
    snapshot_every: Annotated[
        int, typer.Option(min=0, help="Save the EMA weights every N steps (FID-vs-steps curves in eval); 0: none.")
    ] = P("snapshot_every"),
    ckpt_every: Annotated[
        int,
        typer.Option(min=1, help="Steps between checkpoints (a killed run loses at most this many; no effect on the weights)."),
    ] = P("ckpt_every"),
    device: Annotated[Device, typer.Option(help="cpu, or cuda (multi-GPU: `accelerate launch stages/train.py …`).")] = P(
        "device", Device
    ),
    precision: Annotated[
        MixedPrecision, typer.Option(help="fp32 (no autocast), bf16 autocast (GPU, or a CPU with bf16 instructions), fp16 (GPU).")
    ] = P("precision", MixedPrecision),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON.")] = Path("metrics/train.json"),
    live_dir: Annotated[Path, typer.Option(help="dvclive folder (params, loss curves, a sample grid).")] = Path("dvclive/train"),
) -> None:
    """Train the student."""
    set_threads(threads)
    torch.manual_seed(seed)  # the initial weights
    try:
        check_precision(device, precision)
        # Setup data: the subset's images and, row for row, their attached visual tokens.
        data = load_student_data(encoded, subset, attach, visual=proj_coeff > 0)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    # Create model: DiT + DC-Embedding (+ the REPA projector).
    dcfg = DiTConfig.for_data(model, data.meta["shape"], len(data.meta["class_names"]))
    visual_dim = data.visual.shape[-1] if data.visual is not None else DEFAULT_VISUAL_DIM
    scfg = StudentConfig(dcfg, conditioning, objective, encoder_depth, proj_coeff, visual_dim, weighting)
    net = Student(scfg, torch.from_numpy(data.text["tokens"]), torch.from_numpy(data.text["mask"]))
    tcfg = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        ema_decay=ema_decay,
        cfg_dropout=cfg_dropout,
        grad_clip=grad_clip,
        seed=seed,
        ckpt_every=ckpt_every,
        device=device.value,
        precision=precision.value,
        lr_schedule=lr_schedule.value,
        warmup_steps=warmup_steps,
        hflip=hflip is Bool.TRUE,
        compile=compile is Bool.TRUE,
    )
    params = {
        "model": model.value,
        "objective": objective.value,
        "conditioning": conditioning.value,
        "weighting": weighting.value,
        "encoder_depth": encoder_depth,
        "proj_coeff": proj_coeff,
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "ema_decay": ema_decay,
        "cfg_dropout": cfg_dropout,
        "grad_clip": grad_clip,
        "seed": seed,
        "lr_schedule": lr_schedule.value,
        "warmup_steps": warmup_steps,
        "hflip": hflip is Bool.TRUE,
        "n_train": len(data.x),
        "subset": subset or "full corpus",
        # What the model is trained on: a checkpoint of another subset or other attached tokens is never resumed.
        "data_digest": data.digest,
    }
    # Training loop (exact resume from out/checkpoint.pt), EMA snapshots on the way.
    save_snapshot = snapshot_saver(out, snapshot_every, steps)
    clock = Stopwatch()
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"train {model.value} ({objective.value}, {conditioning.value})", total=steps)

        def on_step(step: int, net_: torch.nn.Module, ema_: torch.nn.Module) -> None:
            clock.tick()
            save_snapshot(step, net_, ema_)
            bar.update(task, completed=step)

        net, ema, history = train(
            net,
            data.x,
            data.y,
            tcfg,
            out,
            objective=student_objective,
            extras=data.extras,
            extra_state={"params": params},
            on_step=on_step,
            warn=print_warning,
        )
    snapshots = prune_snapshots(out, snapshot_every, steps)  # drop those of an earlier, longer or other run
    m = {
        **params,
        "parameters": sum(p.numel() for p in net.parameters()),
        **summarize_history(history),
        "steps_per_s": clock.steps_per_s(),  # this process' steps (None: a finished checkpoint was resumed)
        "snapshots": snapshots,
        "git_revision": git_revision(),
    }
    with atomic_outputs() as w:
        save_student(out, net, ema, params, writer=w)
        w.json(m, metrics)
    with console.status("sampling the preview grid (one row per class) for dvclive"):
        log_to_dvclive(live_dir, params, history, class_grid(ema, objective, seed))
    console.print(
        f"train: {model.value} {objective.value}/{conditioning.value}, {len(data.x)} images, {steps} steps, final loss {m['final_loss']}"
    )


if __name__ == "__main__":
    app()
