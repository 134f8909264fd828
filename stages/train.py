"""`train` stage: a D2C student (DiT / SiT + DC-Embedding + REPA) on the selected subset.

    python stages/train.py --encoded data/encoded --subset data/subset/subset.parquet --attach data/attach \
        --out models/student [--model DiT-T/4] [--objective eps|sit] [--conditioning both|class|text] [--proj-coeff 0.5]

Resumes exactly from models/student/checkpoint.pt; logs with dvclive (dvclive/train). Options
mirror the `train` section of params.yaml.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import torch
import typer
from rich.console import Console
from rich.progress import Progress
from safetensors.numpy import load_file

from diffcurate.d2c.dit import DIT_CONFIGS, DiTConfig
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.checkpoints import list_snapshots, save_snapshot, save_student, set_threads
from diffcurate.d2c.sampling import Sampler, grid_image, sample
from diffcurate.d2c.student import Conditioning, Objective, Student, StudentConfig, student_objective
from diffcurate.d2c.training import Device, MixedPrecision, TrainConfig, check_precision, train

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def data_digest(index: np.ndarray, text: dict, visual: torch.Tensor | None) -> str:
    h = hashlib.sha256(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    for arr in (text["tokens"], text["mask"], None if visual is None else visual.numpy()):
        if arr is not None:
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/encoded"),
    subset: Annotated[str, typer.Option(help="Subset parquet; empty: the full corpus (the full-data baseline).")] = "data/subset/subset.parquet",
    attach: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/attach"),
    out: Annotated[Path, typer.Option()] = Path("models/student"),
    model: Annotated[str, typer.Option(help=f"DiT size: {', '.join(DIT_CONFIGS)}.")] = "DiT-T/4",
    objective: Annotated[Objective, typer.Option(help="eps (DiT) or sit (linear interpolant, velocity).")] = Objective.EPS,
    conditioning: Annotated[Conditioning, typer.Option(help="class, text or both (DC-Embedding).")] = Conditioning.BOTH,
    encoder_depth: Annotated[int, typer.Option(min=1, help="REPA: align the tokens after this block.")] = 2,
    proj_coeff: Annotated[float, typer.Option(min=0.0, help="REPA weight (0: no visual alignment).")] = 0.5,
    steps: Annotated[int, typer.Option(min=1)] = 1000,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    lr: Annotated[float, typer.Option(min=0.0)] = 1e-4,
    ema_decay: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.999,
    cfg_dropout: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.1,
    grad_clip: Annotated[float, typer.Option(min=0.0)] = 1.0,
    seed: Annotated[int, typer.Option()] = 0,
    snapshot_every: Annotated[int, typer.Option(min=0, help="Save the EMA weights every N steps (FID-vs-steps curves in eval); 0: none.")] = 0,
    device: Annotated[Device, typer.Option(help="cpu, or cuda (multi-GPU: `accelerate launch stages/train.py …`).")] = Device.CPU,
    precision: Annotated[MixedPrecision, typer.Option(help="no, or bf16 / fp16 autocast on GPU.")] = MixedPrecision.NO,
    threads: Annotated[int, typer.Option(min=0)] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/train.json"),
    live_dir: Annotated[Path, typer.Option(help="dvclive folder.")] = Path("dvclive/train"),
) -> None:
    """Train the student."""
    set_threads(threads)
    torch.manual_seed(seed)
    try:
        check_precision(device, precision)
    except ValueError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    if model not in DIT_CONFIGS:
        console.print(f"[bold red]error:[/bold red] unknown model {model!r}; expected one of {list(DIT_CONFIGS)}")
        raise typer.Exit(1)
    # Setup data: the subset's images and, row for row, their attached visual tokens.
    rows = pd.read_parquet(subset)["index"].to_numpy() if subset else None
    data = load_encoded(encoded, rows=rows)
    keep = np.flatnonzero(data.flip == 0)
    x, y, index = data.x[keep], data.labels[keep], data.index[keep]
    text = load_file(str(attach / "text.safetensors"))
    extras = {}
    if proj_coeff > 0:
        if not (attach / "visual.safetensors").is_file():
            console.print(f"[bold red]error:[/bold red] {attach}: no visual.safetensors (attach.visual_encoder none?); REPA needs them, or set --proj-coeff 0")
            raise typer.Exit(1)
        vis = load_file(str(attach / "visual.safetensors"))
        pos = {int(i): k for k, i in enumerate(vis["index"])}
        missing = [int(i) for i in index if int(i) not in pos]
        if missing:
            console.print(f"[bold red]error:[/bold red] {attach}/visual.safetensors has no tokens for corpus rows {missing[:5]}… (re-run attach)")
            raise typer.Exit(1)
        extras["visual"] = torch.from_numpy(vis["tokens"][[pos[int(i)] for i in index]])
    # Create model: DiT + DC-Embedding (+ the REPA projector).
    dcfg = DiTConfig(name=model, input_size=data.meta["shape"][1], in_channels=data.meta["shape"][0], num_classes=len(data.meta["class_names"]))
    visual_dim = extras["visual"].shape[-1] if extras else 1280
    scfg = StudentConfig(dcfg, conditioning, objective, encoder_depth, proj_coeff, visual_dim)
    net = Student(scfg, torch.from_numpy(text["tokens"]), torch.from_numpy(text["mask"]))
    tcfg = TrainConfig(steps=steps, batch_size=batch_size, lr=lr, ema_decay=ema_decay, cfg_dropout=cfg_dropout, grad_clip=grad_clip, seed=seed,
                       ckpt_every=max(1, min(500, steps)), device=device.value, precision=precision.value)
    params = {"model": model, "objective": objective.value, "conditioning": conditioning.value, "encoder_depth": encoder_depth,
              "proj_coeff": proj_coeff, "steps": steps, "batch_size": batch_size, "lr": lr, "ema_decay": ema_decay, "cfg_dropout": cfg_dropout,
              "grad_clip": grad_clip, "seed": seed, "n_train": len(x), "subset": subset or "full corpus",
              # What the model is trained on: a checkpoint of another subset or other attached tokens is never resumed.
              "data_digest": data_digest(index, text, extras.get("visual"))}
    # Training loop (exact resume from out/checkpoint.pt).
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"train {model} ({objective.value}, {conditioning.value})", total=steps)
        def snapshot(step: int, _net, ema_net) -> None:
            if snapshot_every and step % snapshot_every == 0 and step < steps:
                save_snapshot(out, step, ema_net)

        net, ema, history = train(net, x, y, tcfg, out, objective=student_objective, extras=extras, extra_state={"params": params},
                                  log=lambda step, row: bar.update(task, completed=step), on_step=snapshot)
    for step, path in list_snapshots(out).items():  # from an earlier, longer or other run
        if not snapshot_every or step % snapshot_every or step >= steps:
            path.unlink()
    save_student(out, net, ema, params)
    # A sample grid of the EMA model (one row per class) for dvclive.
    labels = torch.arange(dcfg.num_classes).repeat_interleave(8)
    grid = grid_image(sample(ema, labels, tuple(data.meta["shape"]), Sampler.DDIM if objective is Objective.EPS else Sampler.EULER, 25, 2.0, seed), 8)
    from dvclive import Live

    with Live(dir=str(live_dir), save_dvc_exp=False, dvcyaml=None) as live:
        for k, v in params.items():
            live.log_param(k, v)
        for row in history:
            live.step = row["step"]
            live.log_metric("train/loss", row["loss"], plot=True)
            live.log_metric("train/grad_norm", row["grad_norm"], plot=True)
        live.log_image("samples.png", grid)
    m = {**params, "parameters": sum(p.numel() for p in net.parameters()), "final_loss": history[-1]["loss"] if history else None,
         "loss_last_10pct": round(float(pd.DataFrame(history)["loss"].tail(max(1, len(history) // 10)).mean()), 6) if history else None,
         "steps_per_s": history[-1]["steps_per_s"] if history else None, "snapshots": sorted(list_snapshots(out))}
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    console.print(f"train: {model} {objective.value}/{conditioning.value}, {len(x)} images, {steps} steps, final loss {m['final_loss']}")


if __name__ == "__main__":
    app()
