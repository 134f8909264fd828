"""A small, exact-resume training loop for the diffusion models (`pretrain` now, `train` later).

AdamW, gradient clipping, an EMA copy of the weights, classifier-free-guidance label dropout, and
checkpoints that hold everything needed to continue *exactly*: weights, EMA, optimiser state,
step, and the RNG state of the batch / noise generator. On CPU a run killed and resumed ends
with the same weights as an uninterrupted one (tested).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from diffcurate.d2c.diffusion import NUM_TIMESTEPS, eps_loss_per_sample

CKPT = "checkpoint.pt"


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 1500
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    cfg_dropout: float = 0.1  # share of labels replaced by the null class (classifier-free guidance)
    seed: int = 0
    ckpt_every: int = 500
    log_every: int = 50


def _resumable(config: dict) -> dict:
    """The settings a checkpoint must share to be continued (more steps, other logging: fine)."""
    return {k: v for k, v in config.items() if k not in ("steps", "ckpt_every", "log_every")}


def log_warning(message: str) -> None:
    logging.getLogger(__name__).warning(message)


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomic: written under a temporary name, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.mul_(decay).add_(p.detach(), alpha=1 - decay)


def eps_objective(model, x0, y, gen: torch.Generator) -> torch.Tensor:
    """DiT's ε-prediction objective: uniform t, Gaussian ε, MSE."""
    t = torch.randint(0, NUM_TIMESTEPS, (x0.shape[0],), generator=gen)
    eps = torch.randn(x0.shape, generator=gen)
    return eps_loss_per_sample(model, x0, y, t, eps).mean()


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
) -> tuple[torch.nn.Module, torch.nn.Module, list[dict]]:
    """Train `model` on (x, y) for `cfg.steps` steps, resuming from `out/checkpoint.pt` if present.

    `objective(model, x0, y, generator)` returns the loss; `stop_after` ends the call early (tests
    simulate a kill). Returns (model, EMA model, history of logged rows).
    """
    out = Path(out)
    null_class = model.cfg.num_classes
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = copy.deepcopy(model).eval()
    gen = torch.Generator().manual_seed(cfg.seed)
    step, history = 0, []
    state = torch.load(out / CKPT, weights_only=False) if (out / CKPT).is_file() else None
    if state is not None and _resumable(state["config"]) != _resumable(asdict(cfg)):
        log_warning(f"{out / CKPT}: written with other settings {state['config']}; starting over")
        state = None
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["rng"])
        step, history = state["step"], state["history"]
    model.train()
    t0, seen = time.perf_counter(), 0
    while step < cfg.steps:
        if stop_after is not None and seen >= stop_after:
            break
        idx = torch.randint(0, len(x), (cfg.batch_size,), generator=gen)
        yb = y[idx].clone()
        drop = torch.rand(cfg.batch_size, generator=gen) < cfg.cfg_dropout
        yb[drop] = null_class
        loss = objective(model, x[idx], yb, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        ema_update(ema, model, cfg.ema_decay)
        step += 1
        seen += 1
        if step % cfg.log_every == 0 or step == cfg.steps:
            row = {
                "step": step,
                "loss": round(float(loss.detach()), 6),
                "grad_norm": round(float(grad_norm), 4),
                "steps_per_s": round(seen / (time.perf_counter() - t0), 3),
            }
            history.append(row)
            if log:
                log(step, row)
        if step % cfg.ckpt_every == 0 or step == cfg.steps:
            save_checkpoint(
                out / CKPT,
                {
                    "model": model.state_dict(),
                    "ema": ema.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": gen.get_state(),
                    "step": step,
                    "history": history,
                    "config": asdict(cfg),
                    **(extra_state or {}),
                },
            )
    model.eval()
    return model, ema, history


def write_json(path: Path, obj: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")
