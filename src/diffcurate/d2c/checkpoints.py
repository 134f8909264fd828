"""Saving and loading our DiT models: `config.json` (the DiTConfig, the resolved params, the git
revision) beside `model.safetensors` and `ema.safetensors`."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from diffcurate.d2c.dit import DiT, DiTConfig


def git_revision() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def save_weights(module: torch.nn.Module, path: Path) -> None:
    """A module's state dict as safetensors (detached, on the CPU, contiguous)."""
    save_file({k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}, str(path))


def save_dit(folder: Path, model: DiT, ema: DiT, params: dict) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_weights(model, folder / "model.safetensors")
    save_weights(ema, folder / "ema.safetensors")
    (folder / "config.json").write_text(
        json.dumps({"dit": asdict(model.cfg), "params": params, "git_revision": git_revision()}, indent=2) + "\n"
    )


def load_dit(folder: Path, ema: bool = True) -> tuple[DiT, str]:
    """(model with the EMA or raw weights, sha256 of the weights file)."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: no config.json (run the stage that trains this model first)")
    cfg = DiTConfig(**json.loads((folder / "config.json").read_text())["dit"])
    weights = folder / ("ema.safetensors" if ema else "model.safetensors")
    model = DiT(cfg)
    model.load_state_dict(load_file(str(weights)))
    return model.eval(), hashlib.sha256(weights.read_bytes()).hexdigest()[:16]


def set_threads(n: int) -> None:
    if n > 0:
        torch.set_num_threads(n)


def save_student(folder: Path, model, ema, params: dict) -> None:
    """A D2C student (DiT + DC-Embedding + REPA projector): weights, EMA, and its full configuration."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_weights(model, folder / "model.safetensors")
    save_weights(ema, folder / "ema.safetensors")
    c = model.scfg
    config = {
        "dit": asdict(c.dit),
        "conditioning": c.conditioning.value,
        "objective": c.objective.value,
        "encoder_depth": c.encoder_depth,
        "proj_coeff": c.proj_coeff,
        "visual_dim": c.visual_dim,
        "params": params,
        "git_revision": git_revision(),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")


SNAPSHOTS = "snapshots"  # EMA weights at intermediate steps: snapshots/ema_<step>.safetensors


def snapshot_path(folder: Path, step: int) -> Path:
    return Path(folder) / SNAPSHOTS / f"ema_{step:07d}.safetensors"


def list_snapshots(folder: Path) -> dict[int, Path]:
    """{step: path} of the EMA snapshots a training run saved, by step."""
    return {int(p.stem.split("_")[1]): p for p in sorted((Path(folder) / SNAPSHOTS).glob("ema_*.safetensors"))}


def save_snapshot(folder: Path, step: int, ema) -> None:
    path = snapshot_path(folder, step)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_weights(ema, path)


def load_student(folder: Path, ema: bool = True, weights: Path | None = None):
    """The trained student (EMA weights by default; `weights`: another file, e.g. a snapshot) and its config."""
    from diffcurate.d2c.student import Conditioning, Objective, Student, StudentConfig

    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder}: no config.json (run the train stage first)")
    c = json.loads((folder / "config.json").read_text())
    state = load_file(str(weights or folder / ("ema.safetensors" if ema else "model.safetensors")))
    cfg = StudentConfig(
        DiTConfig(**c["dit"]),
        Conditioning(c["conditioning"]),
        Objective(c["objective"]),
        c["encoder_depth"],
        c["proj_coeff"],
        c["visual_dim"],
    )
    text = state.get("dit.y_embedder.text")
    mask = state.get("dit.y_embedder.mask")
    model = Student(cfg, text, mask)
    model.load_state_dict(state)
    return model.eval(), c
