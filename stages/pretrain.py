"""`pretrain` stage: the offline scorer, a small class-conditional DiT trained on the full corpus.

    python stages/pretrain.py --encoded data/encoded --out models/scorer [--model DiT-T/4] [--steps 1500]

Resumes from models/scorer/checkpoint.pt (a killed run continues exactly). Options mirror the
`pretrain` section of params.yaml.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.dit import DIT_CONFIGS, DiT, DiTConfig
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.checkpoints import save_dit, set_threads
from diffcurate.d2c.training import TrainConfig, train

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
ModelName = StrEnum("ModelName", {k.replace("-", "_").replace("/", "_"): k for k in DIT_CONFIGS})
DEFAULT_MODEL = ModelName("DiT-T/4")


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/encoded"),
    out: Annotated[Path, typer.Option(help="Model folder (config.json, model/ema safetensors, checkpoint.pt).")] = Path("models/scorer"),
    model: Annotated[ModelName, typer.Option(help="DiT size (registry in d2c/dit.py).")] = DEFAULT_MODEL,
    steps: Annotated[int, typer.Option(min=1)] = 1500,
    batch_size: Annotated[int, typer.Option(min=1)] = 64,
    lr: Annotated[float, typer.Option(min=0.0)] = 3e-4,
    ema_decay: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.999,
    cfg_dropout: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.1,
    seed: Annotated[int, typer.Option()] = 0,
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/pretrain.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/pretrain"),
) -> None:
    """Train the scorer."""
    set_threads(threads)
    torch.manual_seed(seed)
    try:
        data = load_encoded(encoded)
    except FileNotFoundError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    meta = data.meta
    dcfg = DiTConfig(name=model.value, input_size=meta["shape"][1], in_channels=meta["shape"][0], num_classes=len(meta["class_names"]))
    net = DiT(dcfg)
    tcfg = TrainConfig(steps=steps, batch_size=batch_size, lr=lr, ema_decay=ema_decay, cfg_dropout=cfg_dropout, seed=seed)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task(f"pretrain {model.value}", total=steps)
        net, ema, history = train(net, data.x, data.labels, tcfg, out, log=lambda step, row: bar.update(task, completed=step))
    params = {"model": model.value, "steps": steps, "batch_size": batch_size, "lr": lr, "ema_decay": ema_decay, "cfg_dropout": cfg_dropout, "seed": seed}
    save_dit(out, net, ema, params)
    m = {"model": model.value, "parameters": sum(p.numel() for p in net.parameters()), "n_train": len(data.x), **params,
         "final_loss": history[-1]["loss"] if history else None,
         "loss_last_10pct": round(float(pd.DataFrame(history)["loss"].tail(max(1, len(history) // 10)).mean()), 6) if history else None,
         "steps_per_s": history[-1]["steps_per_s"] if history else None}
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    plots.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(history).to_csv(plots / "loss.csv", index=False)
    console.print(f"pretrain: {model.value}, {steps} steps, final loss {m['final_loss']}, {m['steps_per_s']} steps/s")


if __name__ == "__main__":
    app()
