"""A small, exact-resume training loop for the diffusion models (`pretrain` and `train`).

AdamW, gradient clipping, an EMA copy of the weights, classifier-free-guidance label dropout, and
checkpoints that hold everything needed to continue *exactly*: weights, EMA, optimiser state,
step, and the RNG state of the batch / noise generator. On CPU a run killed and resumed ends
with the same weights as an uninterrupted one (tested, also by killing the stages: tests/test_faults_d2c.py),
whatever the checkpoint interval. A checkpoint is resumed only by a run of the same settings and
data that has not gone past the steps asked for; otherwise training starts over (with a warning),
so a model is never labelled with steps or data it was not trained on.

Nothing in the history or the checkpoint depends on the clock or the commit: a re-run with the same
results writes the same bytes (the speed is measured apart, `Stopwatch`, for the metrics only).

Devices go through `accelerate`: `device` picks cpu / cuda, `precision` bf16 / fp16 autocast on
GPU (fp16 with a gradient scaler), and under `accelerate launch` each process draws its own
batches (its generator seeded with seed + rank) and gradients are averaged by DDP; only the main
process writes checkpoints. Batches and noise are drawn on the CPU from the seeded generator, so
a run's randomness does not depend on the device. What a step's loss is comes from
`transport.py` (default: the scorer's ε objective).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from diffcurate.d2c.transport import eps_objective
from diffcurate.errors import ConfigError
from diffcurate.io import atomic_path, clean_stale_temps

CKPT = "checkpoint.pt"
CKPT_EVERY = 250  # steps between checkpoints (and at the last step); params.yaml pretrain / train.ckpt_every
LOG_EVERY = 50  # steps between logged rows of the history
LAST_SHARE = 10  # "loss_last_10pct": the mean loss over the last 1/LAST_SHARE of the logged rows
EMA_WARMUP = 10  # EMA decay warm-up: min(decay, (1 + step) / (EMA_WARMUP + step))
LOSS_DECIMALS, GRAD_DECIMALS, SPEED_DECIMALS = 6, 4, 3
DIGEST_CHARS = 16


class Device(StrEnum):
    CPU = "cpu"
    CUDA = "cuda"


class MixedPrecision(StrEnum):
    # Not accelerate's "no": `dvc exp run -S` rewrites params.yaml and drops the quotes, and YAML reads
    # a bare `no` as false (the value reaches accelerate as "no" through `accelerate_precision`).
    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"


class LRSchedule(StrEnum):
    CONSTANT = "constant"  # lr after the warm-up
    COSINE = "cosine"  # lr after the warm-up, decayed to 0 at the last step (half a cosine)


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
    precision: str = "fp32"  # fp32 | bf16 (CPU with bf16 instructions, or GPU) | fp16 (GPU) autocast
    lr_schedule: str = "constant"  # constant | cosine (LRSchedule)
    warmup_steps: int = 0  # linear lr warm-up from lr / warmup_steps
    hflip: bool = False  # flip a random half of each batch left-right (drawn from the batch generator)
    compile: bool = False  # torch.compile the forward pass (speed only: the same weights up to float rounding)


# Settings that change nothing a checkpoint holds, added after checkpoints were written: a stored
# config without them is read with these values (so older checkpoints still resume).
_LATER_DEFAULTS = {"lr_schedule": "constant", "warmup_steps": 0, "hflip": False, "compile": False}


def _resumable(config: dict) -> dict:
    """The settings a checkpoint must share to be continued (more steps, other logging: fine; but
    a decaying schedule's lr depends on the total steps, so there `steps` must match too)."""
    config = {**_LATER_DEFAULTS, **config}
    skip = {"ckpt_every", "log_every", "device", "precision", "compile"}
    if config["lr_schedule"] == LRSchedule.CONSTANT:
        skip.add("steps")
    return {k: v for k, v in config.items() if k not in skip}


def lr_at(cfg: TrainConfig, step: int) -> float:
    """The learning rate of optimiser step `step` (0-based): linear warm-up over `warmup_steps`,
    then constant or half a cosine down to 0 at `steps`. A function of the step only, so a resumed
    run continues the schedule exactly."""
    lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps > 0 else cfg.lr
    if cfg.lr_schedule == LRSchedule.COSINE and step >= cfg.warmup_steps:
        progress = (step - cfg.warmup_steps) / max(1, cfg.steps - cfg.warmup_steps)
        lr *= 0.5 * (1.0 + math.cos(math.pi * progress))
    return lr


def hflip_batch(x: torch.Tensor, flip: torch.Tensor, extras: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict]:
    """Images x (N, C, H, W) flipped left-right where `flip` (N,) is set, and per-sample token grids
    in `extras` (N, T, D) with T = g² flipped the same way (REPA's visual tokens stay aligned)."""
    m = flip.view(-1, 1, 1, 1)
    x = torch.where(m, x.flip(-1), x)
    out = {}
    for k, v in extras.items():
        g = math.isqrt(v.shape[1]) if v.dim() == 3 else 0
        if v.dim() != 3 or g * g != v.shape[1]:
            raise ConfigError(f"hflip: extra tensor {k} of shape {tuple(v.shape)} is not a square token grid")
        grid = v.reshape(v.shape[0], g, g, v.shape[2])
        out[k] = torch.where(flip.view(-1, 1, 1, 1), grid.flip(2), grid).reshape(v.shape)
    return x, out


def _stored(config: dict) -> dict:
    """The settings a checkpoint records: all but the interval it was written at, which changes
    nothing it holds (so the final checkpoint's bytes do not depend on it)."""
    return {k: v for k, v in config.items() if k != "ckpt_every"}


def array_digest(*arrays: np.ndarray | torch.Tensor | None) -> str:
    """sha256 (first DIGEST_CHARS hex digits) of the arrays' dtypes, shapes and bytes (None: skipped):
    what a run trains on, stored with its checkpoint so that other data never resumes it."""
    h = hashlib.sha256()
    for arr in arrays:
        if arr is None:
            continue
        a = np.ascontiguousarray(arr.numpy() if isinstance(arr, torch.Tensor) else arr)
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.reshape(-1).view(np.uint8))
    return h.hexdigest()[:DIGEST_CHARS]


@dataclass
class Stopwatch:
    """The steps this process ran and the seconds since it started: the speed metric. Timings go to
    the metrics only, never into the history, the plots or a checkpoint."""

    start: float = field(default_factory=time.perf_counter)
    steps: int = 0

    def tick(self, *_: object) -> None:
        """Count a step (usable as, or from, `train`'s `on_step`)."""
        self.steps += 1

    def steps_per_s(self) -> float | None:
        """None when this process ran no step (a finished checkpoint was resumed)."""
        seconds = time.perf_counter() - self.start
        return round(self.steps / seconds, SPEED_DECIMALS) if self.steps and seconds > 0 else None


def log_warning(message: str) -> None:
    logging.getLogger(__name__).warning(message)


def _interned(obj):
    """`obj` with every string interned (containers copied; tensors and other values as they are).
    Pickle writes a string once per object, so equal strings that come partly from our code and
    partly from a resumed checkpoint would otherwise give other bytes than an uninterrupted run."""
    if isinstance(obj, str):
        return sys.intern(obj)
    if isinstance(obj, dict):
        out = copy.copy(obj)  # the same type, with its attributes (a module state dict's `_metadata`)
        out.clear()
        out.update((_interned(k), _interned(v)) for k, v in obj.items())
        if hasattr(out, "_metadata"):
            out._metadata = _interned(out._metadata)
        return out
    if type(obj) in (list, tuple):
        return type(obj)(_interned(v) for v in obj)
    return obj


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomic: the file appears complete or not at all. The same state gives the same bytes, resumed
    or not: strings interned (`_interned`), and written through a file object (given a path,
    torch.save names the zip's folder after the random temporary file)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(_interned(state), fh)


def ema_decay_at(decay: float, step: int) -> float:
    """EMA decay with warm-up, min(decay, (1 + step) / (10 + step)): in short runs a fixed 0.999
    would leave the EMA weights mostly at their (zero-output) initialisation."""
    return min(decay, (1 + step) / (EMA_WARMUP + step))


@torch.no_grad()
def ema_update(ema: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.mul_(decay).add_(p.detach(), alpha=1 - decay)


def cpu_has_bf16() -> bool:
    """Whether this CPU has native bf16 instructions (AVX512-BF16 / AMX), which CPU autocast needs to be of use."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def accelerate_precision(precision: str) -> str:
    """accelerate's name of a precision (its `mixed_precision`: "no" for plain fp32)."""
    return "no" if precision == MixedPrecision.FP32 else str(precision)


def check_precision(device: str, precision: str) -> None:
    """fp16 autocast is GPU-only (a gradient scaler); bf16 runs on a GPU or on a CPU with bf16
    instructions (elsewhere it is emulated, many times slower: a configuration error)."""
    if device == Device.CPU and precision == MixedPrecision.FP16:
        raise PrecisionError("precision fp16 needs a GPU (device cuda); on CPU use fp32 or bf16")
    if device == Device.CPU and precision == MixedPrecision.BF16 and not cpu_has_bf16():
        raise PrecisionError("precision bf16 on CPU needs bf16 instructions (AVX512-BF16 or AMX), which this CPU lacks; use fp32")


def make_accelerator(cfg: TrainConfig):
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    check_precision(cfg.device, cfg.precision)
    mixed = accelerate_precision(cfg.precision)
    if AcceleratorState._shared_state and AcceleratorState._shared_state.get("_mixed_precision", mixed) != mixed:
        # accelerate keeps one precision per process; a later run in the same process (a benchmark
        # comparing precisions, the tests) asks for another: start its state afresh.
        AcceleratorState._reset_state()
    return Accelerator(cpu=cfg.device == Device.CPU, mixed_precision=mixed)


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
    warn: Callable[[str], None] = log_warning,
) -> tuple[torch.nn.Module, torch.nn.Module, list[dict]]:
    """Train `model` on (x, y) for `cfg.steps` steps, resuming from `out/checkpoint.pt` if present.

    `objective(model, x0, y, generator, **extras[idx])` returns the loss (`extras`: per-sample
    tensors such as REPA's visual tokens, indexed like x); `stop_after` ends the call early (tests
    simulate a kill); `on_step(step, model, ema)` runs after every step on the main process, before
    that step's checkpoint (e.g. EMA snapshots for FID-vs-steps curves: a resumed run has every
    snapshot up to its checkpoint; it must not draw from the generator). `extra_state["params"]`
    (the stage's settings and data digest) must match the checkpoint's, all but `steps`; `warn`
    says why a checkpoint is not resumed (stages print it). Returns
    (model, EMA model, history of logged rows: step, loss, grad_norm).
    """
    out = Path(out)
    acc = make_accelerator(cfg)
    if acc.is_main_process:
        clean_stale_temps(out)  # a killed run's half-written checkpoint
    null_class = model.cfg.num_classes
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = copy.deepcopy(model).eval()
    gen = torch.Generator().manual_seed(cfg.seed + acc.process_index)
    step, history = 0, []
    state = torch.load(out / CKPT, weights_only=False, map_location="cpu") if (out / CKPT).is_file() else None
    same_run = {k: v for k, v in (extra_state or {}).get("params", {}).items() if k != "steps"}
    if state is not None and {k: v for k, v in state.get("params", {}).items() if k != "steps"} != same_run:
        warn(f"{out / CKPT}: written for other model settings or data; starting over")
        state = None
    if state is not None and _resumable(state["config"]) != _resumable(asdict(cfg)):
        warn(f"{out / CKPT}: written with other settings {state['config']}; starting over")
        state = None
    if state is not None and state["step"] > cfg.steps:
        # Its weights are those of a longer run: returning them as a cfg.steps-step model would be a
        # lie. Starting over gives the cfg.steps-step model exactly (same seed, exact resume).
        warn(f"{out / CKPT}: {state['step']} steps, more than the {cfg.steps} asked; starting over")
        state = None
    if state is not None:
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["rng"])
        step = state["step"]
        # The rows this run logs: not the end row of an earlier, shorter run; the row of the step
        # the checkpoint ends at if this run ends there too (a longer run's checkpoint may not have logged it).
        history = [row for row in state["history"] if row["step"] % cfg.log_every == 0]
        if step == cfg.steps and (not history or history[-1]["step"] != step) and "last" in state:
            history.append(state["last"])
    ema.to(acc.device)
    model, opt = acc.prepare(model, opt)  # CPU, one process: the same objects; GPU: placed, DDP-wrapped
    net = acc.unwrap_model(model)
    model.train()
    forward = _Forward(torch.compile(model) if cfg.compile else model, net)
    seen = 0
    while step < cfg.steps:
        if stop_after is not None and seen >= stop_after:
            break
        idx = torch.randint(0, len(x), (cfg.batch_size,), generator=gen)
        yb = y[idx].clone()
        drop = torch.rand(cfg.batch_size, generator=gen) < cfg.cfg_dropout
        yb[drop] = null_class
        xb, batch = x[idx], {k: v[idx] for k, v in (extras or {}).items()}
        if cfg.hflip:
            xb, batch = hflip_batch(xb, torch.rand(cfg.batch_size, generator=gen) < 0.5, batch)
        batch = {k: v.to(acc.device) for k, v in batch.items()}
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, step)
        with acc.autocast():
            loss = objective(forward, xb.to(acc.device), yb.to(acc.device), gen, **batch)
        opt.zero_grad(set_to_none=True)
        acc.backward(loss)
        grad_norm = acc.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        ema_update(ema, net, ema_decay_at(cfg.ema_decay, step))
        step += 1
        seen += 1
        logged = step % cfg.log_every == 0 or step == cfg.steps
        checkpoint = (step % cfg.ckpt_every == 0 or step == cfg.steps) and acc.is_main_process
        if logged or checkpoint:
            row = {
                "step": step,
                "loss": round(float(loss.detach()), LOSS_DECIMALS),
                "grad_norm": round(float(grad_norm), GRAD_DECIMALS),
            }
        if logged:
            history.append(row)
            if log:
                log(step, row)
        if on_step is not None and acc.is_main_process:
            on_step(step, net, ema)
        if checkpoint:
            save_checkpoint(
                out / CKPT,
                {
                    "model": net.state_dict(),
                    "ema": ema.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": gen.get_state(),
                    "step": step,
                    "history": history,
                    "last": row,  # this step's row, logged or not
                    "config": _stored(asdict(cfg)),
                    **(extra_state or {}),
                },
            )
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
    """The metrics of a run's logged rows: the final loss and the mean over the last tenth."""
    if not history:
        return {"final_loss": None, "loss_last_10pct": None}
    last = pd.DataFrame(history)["loss"].tail(max(1, len(history) // LAST_SHARE))
    return {"final_loss": history[-1]["loss"], "loss_last_10pct": round(float(last.mean()), LOSS_DECIMALS)}


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
