"""A small, exact-resume training loop for the diffusion models (`pretrain` and `train`).

AdamW, gradient clipping, an EMA copy of the weights, classifier-free-guidance label dropout, and
checkpoints that hold everything needed to continue *exactly*: weights, EMA, optimiser state,
step, and the RNG state of the batch / noise generator. On CPU a run killed and resumed ends
with the same weights as an uninterrupted one (tested).

Devices go through `accelerate`: `device` picks cpu / cuda, `precision` bf16 / fp16 autocast on
GPU (fp16 with a gradient scaler), and under `accelerate launch` each process draws its own
batches (its generator seeded with seed + rank) and gradients are averaged by DDP; only the main
process writes checkpoints. Batches and noise are drawn on the CPU from the seeded generator, so
a run's randomness does not depend on the device. What a step's loss is comes from
`transport.py` (default: the scorer's ε objective).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import pandas as pd
import torch

from diffcurate.d2c.checkpoints import git_revision
from diffcurate.d2c.transport import eps_objective
from diffcurate.errors import ConfigError
from diffcurate.io import atomic_path

CKPT = "checkpoint.pt"
CKPT_EVERY = 500  # steps between checkpoints (and at the last step)
LOG_EVERY = 50  # steps between logged rows of the history
LAST_SHARE = 10  # "loss_last_10pct": the mean loss over the last 1/LAST_SHARE of the logged rows
EMA_WARMUP = 10  # EMA decay warm-up: min(decay, (1 + step) / (EMA_WARMUP + step))
LOSS_DECIMALS, GRAD_DECIMALS, SPEED_DECIMALS = 6, 4, 3


class Device(StrEnum):
    CPU = "cpu"
    CUDA = "cuda"


class MixedPrecision(StrEnum):
    NO = "no"
    BF16 = "bf16"
    FP16 = "fp16"


class PrecisionError(ConfigError):
    """A mixed precision the device cannot run."""


@dataclass(frozen=True)
class TrainConfig:
    """Defaults are params.yaml's (the pretrain and train sections agree on them); `steps` differs
    between the two, so it has none."""

    steps: int
    batch_size: int = 64
    lr: float = 0.001
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    cfg_dropout: float = 0.1  # share of labels replaced by the null class (classifier-free guidance)
    seed: int = 0
    ckpt_every: int = CKPT_EVERY
    log_every: int = LOG_EVERY
    device: str = "cpu"  # cpu | cuda (accelerate places the model; multi-GPU through `accelerate launch`)
    precision: str = "no"  # no | bf16 | fp16 (GPU autocast)


def _resumable(config: dict) -> dict:
    """The settings a checkpoint must share to be continued (more steps, other logging: fine)."""
    return {k: v for k, v in config.items() if k not in ("steps", "ckpt_every", "log_every", "device", "precision")}


def log_warning(message: str) -> None:
    logging.getLogger(__name__).warning(message)


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomic: the file appears complete or not at all."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def ema_decay_at(decay: float, step: int) -> float:
    """EMA decay with warm-up, min(decay, (1 + step) / (10 + step)): in short runs a fixed 0.999
    would leave the EMA weights mostly at their (zero-output) initialisation."""
    return min(decay, (1 + step) / (EMA_WARMUP + step))


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.mul_(decay).add_(p.detach(), alpha=1 - decay)


def check_precision(device: str, precision: str) -> None:
    """Mixed precision is a GPU feature: bf16 / fp16 on CPU is a configuration error."""
    if device == Device.CPU and precision != MixedPrecision.NO:
        raise PrecisionError(f"precision {precision} needs a GPU (device cuda); on CPU use precision no")


def make_accelerator(cfg: TrainConfig):
    from accelerate import Accelerator

    check_precision(cfg.device, cfg.precision)
    return Accelerator(cpu=cfg.device == Device.CPU, mixed_precision=cfg.precision)


def train(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: TrainConfig,
    out: Path,
    objective: Callable = eps_objective,
    stop_after: int | None = None,
    log: Callable[[int, dict], None] | None = None,
    extra_state: dict | None = None,
    extras: dict[str, torch.Tensor] | None = None,
    on_step: Callable[[int, torch.nn.Module, torch.nn.Module], None] | None = None,
) -> tuple[torch.nn.Module, torch.nn.Module, list[dict]]:
    """Train `model` on (x, y) for `cfg.steps` steps, resuming from `out/checkpoint.pt` if present.

    `objective(model, x0, y, generator, **extras[idx])` returns the loss (`extras`: per-sample
    tensors such as REPA's visual tokens, indexed like x); `stop_after` ends the call early (tests
    simulate a kill); `on_step(step, model, ema)` runs after every step on the main process (e.g.
    EMA snapshots for FID-vs-steps curves; it must not draw from the generator). Returns
    (model, EMA model, history of logged rows).
    """
    out = Path(out)
    acc = make_accelerator(cfg)
    null_class = model.cfg.num_classes
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = copy.deepcopy(model).eval()
    gen = torch.Generator().manual_seed(cfg.seed + acc.process_index)
    step, history = 0, []
    state = torch.load(out / CKPT, weights_only=False, map_location="cpu") if (out / CKPT).is_file() else None
    same_run = {k: v for k, v in (extra_state or {}).get("params", {}).items() if k != "steps"}
    if state is not None and {k: v for k, v in state.get("params", {}).items() if k != "steps"} != same_run:
        log_warning(f"{out / CKPT}: written for other model settings; starting over")
        state = None
    if state is not None and _resumable(state["config"]) != _resumable(asdict(cfg)):
        log_warning(f"{out / CKPT}: written with other settings {state['config']}; starting over")
        state = None
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["rng"])
        step, history = state["step"], state["history"]
    ema.to(acc.device)
    model, opt = acc.prepare(model, opt)  # CPU, one process: the same objects; GPU: placed, DDP-wrapped
    net = acc.unwrap_model(model)
    model.train()
    t0, seen = time.perf_counter(), 0
    revision = git_revision()  # recorded in every checkpoint
    while step < cfg.steps:
        if stop_after is not None and seen >= stop_after:
            break
        idx = torch.randint(0, len(x), (cfg.batch_size,), generator=gen)
        yb = y[idx].clone()
        drop = torch.rand(cfg.batch_size, generator=gen) < cfg.cfg_dropout
        yb[drop] = null_class
        batch = {k: v[idx].to(acc.device) for k, v in (extras or {}).items()}
        with acc.autocast():
            loss = objective(_Forward(model, net), x[idx].to(acc.device), yb.to(acc.device), gen, **batch)
        opt.zero_grad(set_to_none=True)
        acc.backward(loss)
        grad_norm = acc.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        ema_update(ema, net, ema_decay_at(cfg.ema_decay, step))
        step += 1
        seen += 1
        if step % cfg.log_every == 0 or step == cfg.steps:
            row = {
                "step": step,
                "loss": round(float(loss.detach()), LOSS_DECIMALS),
                "grad_norm": round(float(grad_norm), GRAD_DECIMALS),
                "steps_per_s": round(seen / (time.perf_counter() - t0), SPEED_DECIMALS),
            }
            history.append(row)
            if log:
                log(step, row)
        if (step % cfg.ckpt_every == 0 or step == cfg.steps) and acc.is_main_process:
            save_checkpoint(
                out / CKPT,
                {
                    "model": net.state_dict(),
                    "ema": ema.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": gen.get_state(),
                    "step": step,
                    "history": history,
                    "config": asdict(cfg),
                    "git_revision": revision,
                    **(extra_state or {}),
                },
            )
        if on_step is not None and acc.is_main_process:
            on_step(step, net, ema)
    acc.wait_for_everyone()
    net = net.cpu().eval()
    return net, ema.cpu(), history


class _Forward:
    """What objectives see: calls go through the (possibly DDP-wrapped) module, so gradients are
    synchronised; attribute reads (cfg, projector, eps …) come from the bare model."""

    def __init__(self, wrapped: torch.nn.Module, bare: torch.nn.Module):
        self._wrapped, self._bare = wrapped, bare

    def __call__(self, *args, **kwargs):
        return self._wrapped(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._bare, name)


def summarize_history(history: list[dict]) -> dict:
    """The metrics of a run's logged rows: the final loss, the mean over the last tenth, the speed."""
    if not history:
        return {"final_loss": None, "loss_last_10pct": None, "steps_per_s": None}
    last = pd.DataFrame(history)["loss"].tail(max(1, len(history) // LAST_SHARE))
    return {
        "final_loss": history[-1]["loss"],
        "loss_last_10pct": round(float(last.mean()), LOSS_DECIMALS),
        "steps_per_s": history[-1]["steps_per_s"],
    }


def log_to_dvclive(live_dir: Path, params: dict, history: list[dict], image=None, image_name: str = "samples.png") -> None:
    """A finished run in dvclive's layout (params, loss and grad-norm curves, a sample grid)."""
    from dvclive import Live

    with Live(dir=str(live_dir), save_dvc_exp=False, dvcyaml=None) as live:
        for k, v in params.items():
            live.log_param(k, v)
        for row in history:
            live.step = row["step"]
            live.log_metric("train/loss", row["loss"], plot=True)
            live.log_metric("train/grad_norm", row["grad_norm"], plot=True)
        if image is not None:
            live.log_image(image_name, image)
