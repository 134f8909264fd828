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


def save_dit(folder: Path, model: DiT, ema: DiT, params: dict) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(folder / "model.safetensors"))
    save_file({k: v.contiguous() for k, v in ema.state_dict().items()}, str(folder / "ema.safetensors"))
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
