"""Saving and loading our DiT models: `config.json` (the DiTConfig and the resolved params) beside
`model.safetensors` and `ema.safetensors`, and the EMA snapshots a training run keeps for
FID-vs-steps curves. Every file is written atomically (`diffcurate.io`); a model's three files
appear together or not at all. Nothing in them depends on the commit or the clock (the git
revision goes to the stage's metrics), so the same training gives a model folder with the same
DVC hash and the stages after it do not re-run."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from diffcurate.d2c.dit import DiT, DiTConfig
from diffcurate.errors import DiffcurateError
from diffcurate.io import AtomicWriter, atomic_outputs, atomic_path, clean_stale_temps

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
EMA_WEIGHTS = "ema.safetensors"
DIGEST_CHARS = 16


class MissingModel(DiffcurateError, FileNotFoundError):
    """A model folder without the config.json a training stage writes."""

    def __init__(self, folder: Path | str, stage: str):
        self.folder = Path(folder)
        super().__init__(f"{self.folder}: no {CONFIG} (run the {stage} stage first)")


def git_revision() -> str | None:
    """The commit the code ran at (for the metrics), or None outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def save_weights(module: torch.nn.Module, path: Path) -> None:
    """A module's state dict as safetensors (detached, on the CPU, contiguous); `path` as given
    (callers pass a temporary path from `diffcurate.io`)."""
    save_file({k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}, str(path))


@contextmanager
def _writer(writer: AtomicWriter | None) -> Iterator[AtomicWriter]:
    """The caller's writer (its outputs commit together with the caller's), or a new one."""
    if writer is not None:
        yield writer
    else:
        with atomic_outputs() as own:
            yield own


def _save_model(folder: Path, model, ema, config: dict, writer: AtomicWriter | None) -> None:
    folder = Path(folder)
    with _writer(writer) as w:
        save_weights(model, w.path(folder / WEIGHTS))
        save_weights(ema, w.path(folder / EMA_WEIGHTS))
        w.json(config, folder / CONFIG)


def save_dit(folder: Path, model: DiT, ema: DiT, params: dict, writer: AtomicWriter | None = None) -> None:
    """The scorer: weights, EMA weights and config.json (with `writer`: committed with its other outputs)."""
    _save_model(folder, model, ema, {"dit": asdict(model.cfg), "params": params}, writer)


def read_config(folder: Path, stage: str) -> dict:
    folder = Path(folder)
    if not (folder / CONFIG).is_file():
        raise MissingModel(folder, stage)
    return json.loads((folder / CONFIG).read_text())


def load_dit(folder: Path, ema: bool = True) -> tuple[DiT, str]:
    """(model with the EMA or raw weights, sha256 of the weights file)."""
    folder = Path(folder)
    cfg = DiTConfig(**read_config(folder, "pretrain")["dit"])
    weights = folder / (EMA_WEIGHTS if ema else WEIGHTS)
    model = DiT(cfg)
    model.load_state_dict(load_file(str(weights)))
    return model.eval(), hashlib.sha256(weights.read_bytes()).hexdigest()[:DIGEST_CHARS]


def save_student(folder: Path, model, ema, params: dict, writer: AtomicWriter | None = None) -> None:
    """A D2C student (DiT + DC-Embedding + REPA projector): weights, EMA, and its full configuration."""
    c = model.scfg
    config = {
        "dit": asdict(c.dit),
        "conditioning": c.conditioning.value,
        "objective": c.objective.value,
        "encoder_depth": c.encoder_depth,
        "proj_coeff": c.proj_coeff,
        "visual_dim": c.visual_dim,
        "weighting": c.weighting.value,
        "params": params,
    }
    _save_model(folder, model, ema, config, writer)


SNAPSHOTS = "snapshots"  # EMA weights at intermediate steps: snapshots/ema_<step>.safetensors


def snapshot_path(folder: Path, step: int) -> Path:
    return Path(folder) / SNAPSHOTS / f"ema_{step:07d}.safetensors"


def list_snapshots(folder: Path) -> dict[int, Path]:
    """{step: path} of the EMA snapshots a training run saved, by step."""
    return {int(p.stem.split("_")[1]): p for p in sorted((Path(folder) / SNAPSHOTS).glob("ema_*.safetensors"))}


def save_snapshot(folder: Path, step: int, ema) -> None:
    with atomic_path(snapshot_path(folder, step)) as tmp:
        save_weights(ema, tmp)


def keeps_snapshot(step: int, every: int, steps: int) -> bool:
    """A run of `steps` steps snapshots every `every` steps (0: never), not at the end (the final
    EMA weights are the model itself)."""
    return every > 0 and step % every == 0 and step < steps


def snapshot_saver(folder: Path, every: int, steps: int) -> Callable[[int, torch.nn.Module, torch.nn.Module], None]:
    """An `on_step(step, model, ema)` callback for `training.train` that saves the EMA snapshots."""

    def on_step(step: int, _model: torch.nn.Module, ema: torch.nn.Module) -> None:
        if keeps_snapshot(step, every, steps):
            save_snapshot(folder, step, ema)

    return on_step


def prune_snapshots(folder: Path, every: int, steps: int) -> list[int]:
    """Delete snapshots this run would not have written (from an earlier, longer or other run) and
    a killed run's temporary files; the steps of those that remain."""
    clean_stale_temps(Path(folder) / SNAPSHOTS)
    kept = []
    for step, path in list_snapshots(folder).items():
        if keeps_snapshot(step, every, steps):
            kept.append(step)
        else:
            path.unlink()
    return kept


def load_student(folder: Path, ema: bool = True, weights: Path | None = None):
    """The trained student (EMA weights by default; `weights`: another file, e.g. a snapshot) and its config."""
    from diffcurate.d2c.student import Conditioning, LossWeighting, Objective, Student, StudentConfig

    folder = Path(folder)
    c = read_config(folder, "train")
    state = load_file(str(weights or folder / (EMA_WEIGHTS if ema else WEIGHTS)))
    cfg = StudentConfig(
        DiTConfig(**c["dit"]),
        Conditioning(c["conditioning"]),
        Objective(c["objective"]),
        c["encoder_depth"],
        c["proj_coeff"],
        c["visual_dim"],
        LossWeighting(c.get("weighting", LossWeighting.NONE)),  # older models: unweighted
    )
    text = state.get("dit.y_embedder.text")
    mask = state.get("dit.y_embedder.mask")
    model = Student(cfg, text, mask)
    model.load_state_dict(state)
    return model.eval(), c
