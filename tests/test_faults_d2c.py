"""Fault injection: the real `pretrain` and `train` stages, run as processes on the tiny corpus and
killed with SIGKILL at several points, then run again to completion. After every kill each file
in sight is complete (temporary files may remain, hidden, until the next run); after the last run
there is no temporary file left, and every output (weights, EMA weights, config.json, the
checkpoint, snapshots, loss curves, dvclive files) is byte for byte an uninterrupted run's; the
metrics match but for the speed.

Kill points: by watching the files (the first checkpoint appears; the next one appears, then a
moment later, between checkpoints) and, for points too short to hit from outside, from inside the
process (`KILL_AT`: SIGKILL just before or just after a given file is renamed into place).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import REPO, load_stage
from safetensors.numpy import load_file, save_file
from typer.testing import CliRunner

pytestmark = pytest.mark.faults

POLL_S = 0.005  # how often the files are looked at
BETWEEN_S = 0.15  # "mid-run": this long after a checkpoint appeared (steps take longer than this allows to finish)
TIMEOUT_S = 300
TIMINGS = ("steps_per_s",)  # metrics that may differ between runs
TEMP_SUFFIXES = (".tmp", ".bak")  # diffcurate.io's temporary files

# SIGKILL from inside the stage process: `python -c KILL_AT before|after:NAME stages/x.py args…`
# kills it just before the first rename that touches a file called NAME (its new content complete
# in a temporary file, nothing renamed yet), or just after the first rename onto NAME.
KILL_AT = """
import os, runpy, signal, sys
when, _, name = sys.argv[1].partition(":")
real = os.replace
def replace(src, dst, *args, **kwargs):
    onto = os.path.basename(os.fspath(dst)) == name
    if when == "before" and (onto or os.path.basename(os.fspath(src)) == name):
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst, *args, **kwargs)
    if when == "after" and onto:
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


class Stage:
    """One stage with fixed arguments, run as a process in `cwd`."""

    def __init__(self, name: str, cwd: Path, *args: object):
        self.script = str(REPO / "stages" / f"{name}.py")
        self.cwd, self.args = cwd, [str(a) for a in args]
        self.runs = 0

    def start(self, kill_at: str | None = None) -> tuple[subprocess.Popen, Path]:
        self.runs += 1
        log = self.cwd / f"{Path(self.script).stem}-{self.runs}.log"
        inject = ["-c", KILL_AT, kill_at] if kill_at else []
        with open(log, "w") as fh:
            proc = subprocess.Popen([sys.executable, *inject, self.script, *self.args], cwd=self.cwd, stdout=fh, stderr=fh)
        return proc, log

    def complete(self) -> None:
        proc, log = self.start()
        assert proc.wait(TIMEOUT_S) == 0, log.read_text()

    def killed_at(self, kill_at: str) -> None:
        """Killed from inside, at a rename (see KILL_AT)."""
        proc, log = self.start(kill_at)
        assert proc.wait(TIMEOUT_S) == -signal.SIGKILL, f"not killed at {kill_at}: {log.read_text()}"

    def killed_when(self, ready: Callable[[], bool], delay: float = 0.0) -> None:
        """Killed from outside, `delay` seconds after `ready()` first holds."""
        proc, log = self.start()
        deadline = time.monotonic() + TIMEOUT_S
        while not ready():
            assert proc.poll() is None, f"the stage ended (rc {proc.returncode}) before the kill point: {log.read_text()}"
            assert time.monotonic() < deadline, "timed out waiting for the kill point"
            time.sleep(POLL_S)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(TIMEOUT_S) == -signal.SIGKILL, f"finished before the kill: {log.read_text()}"


def checkpoint_step(folder: Path) -> int:
    return torch.load(folder / "checkpoint.pt", weights_only=False, map_location="cpu")["step"]


def mtime(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.is_file() else None


def temp_files(*folders: Path) -> list[Path]:
    return [p for f in folders if f.exists() for p in f.rglob("*") if p.name.endswith(TEMP_SUFFIXES)]


def assert_complete(*folders: Path) -> None:
    """Every file in sight reads back whole (temporary files aside: hidden, cleaned by the next run)."""
    for folder in folders:
        for p in sorted(folder.rglob("*")) if folder.exists() else []:
            if not p.is_file() or p.name.endswith(TEMP_SUFFIXES):
                continue
            if p.suffix == ".safetensors":
                load_file(str(p))
            elif p.suffix == ".pt":
                torch.load(p, weights_only=False, map_location="cpu")
            elif p.suffix == ".json":
                json.loads(p.read_text())
            elif p.suffix == ".csv":
                pd.read_csv(p)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def metrics(path: Path) -> dict:
    return {k: v for k, v in json.loads(path.read_text()).items() if k not in TIMINGS}


@pytest.fixture
def encoded(tiny_fmnist, tmp_path) -> Path:
    res = CliRunner().invoke(
        load_stage("encode").app,
        ["--root", str(tiny_fmnist), "--out", str(tmp_path / "enc"), "--shard-size", "60", "--metrics", str(tmp_path / "e.json")],
    )
    assert res.exit_code == 0, res.output
    return tmp_path / "enc"


def test_pretrain_killed_anywhere_ends_as_an_uninterrupted_run(encoded, tmp_path):
    def pretrain(name: str) -> Stage:
        return Stage("pretrain", tmp_path, "--encoded", encoded, "--out", tmp_path / name, "--steps", 20, "--batch-size", 4,
                     "--ckpt-every", 4, "--threads", 1, "--metrics", tmp_path / f"m-{name}/pretrain.json",
                     "--plots", tmp_path / f"plots-{name}")  # fmt: skip

    pretrain("ref").complete()
    run, out = pretrain("run"), tmp_path / "run"
    folders = (out, tmp_path / "m-run", tmp_path / "plots-run")
    # 1. As soon as the first checkpoint is there.
    run.killed_when(lambda: (out / "checkpoint.pt").is_file())
    assert_complete(*folders)
    assert checkpoint_step(out) < 20 and sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["checkpoint.pt"]
    # 2. Between checkpoints: a moment after the next one appeared.
    before = mtime(out / "checkpoint.pt")
    run.killed_when(lambda: mtime(out / "checkpoint.pt") != before, delay=BETWEEN_S)
    assert_complete(*folders)
    step = checkpoint_step(out)
    assert 4 < step < 20 and not (out / "model.safetensors").exists()
    # 3. Writing the next checkpoint: written in full, not yet renamed into place.
    run.killed_at("before:checkpoint.pt")
    assert_complete(*folders)
    assert checkpoint_step(out) == step and temp_files(out)
    # 4. During the final writes: the weights renamed into place, the EMA weights, config, metrics and plot not yet.
    run.killed_at("after:model.safetensors")
    assert_complete(*folders)
    assert (
        checkpoint_step(out) == 20
        and (out / "model.safetensors").read_bytes() == (tmp_path / "ref/model.safetensors").read_bytes()
    )
    assert not (out / "config.json").exists() and not (tmp_path / "m-run/pretrain.json").exists()
    # Run to completion: an uninterrupted run's bytes, no temporary file left.
    run.complete()
    assert tree(out) == tree(tmp_path / "ref") and sorted(tree(out)) == [
        "checkpoint.pt",
        "config.json",
        "ema.safetensors",
        "model.safetensors",
    ]
    assert tree(tmp_path / "plots-run") == tree(tmp_path / "plots-ref")
    assert metrics(tmp_path / "m-run/pretrain.json") == metrics(tmp_path / "m-ref/pretrain.json")
    assert not temp_files(*folders)


def test_train_killed_anywhere_ends_as_an_uninterrupted_run(encoded, tmp_path):
    # The subset and attach's tokens, made up (their content does not matter here; REPA is on).
    rows = np.arange(0, 120, 6)
    pd.DataFrame({"index": rows}).to_parquet(tmp_path / "subset.parquet")
    rng = np.random.default_rng(0)
    (tmp_path / "att").mkdir()
    text = {"tokens": rng.normal(size=(10, 4, 8)).astype(np.float32), "mask": np.ones((10, 4), np.uint8)}
    save_file(text, str(tmp_path / "att/text.safetensors"))
    visual = {"index": rows.astype(np.int64), "tokens": rng.normal(size=(len(rows), 64, 8)).astype(np.float16)}
    save_file(visual, str(tmp_path / "att/visual.safetensors"))

    def train(name: str) -> Stage:
        return Stage("train", tmp_path, "--encoded", encoded, "--subset", tmp_path / "subset.parquet", "--attach",
                     tmp_path / "att", "--out", tmp_path / name, "--steps", 18, "--batch-size", 4, "--ckpt-every", 6,
                     "--snapshot-every", 6, "--threads", 1, "--metrics", tmp_path / f"m-{name}/train.json",
                     "--live-dir", tmp_path / f"live-{name}")  # fmt: skip

    train("ref").complete()
    run, out = train("run"), tmp_path / "run"
    folders = (out, tmp_path / "m-run", tmp_path / "live-run")
    # 1. Just after the first checkpoint is renamed into place (step 6, a snapshot step: the snapshot is there).
    run.killed_at("after:checkpoint.pt")
    assert_complete(*folders)
    assert checkpoint_step(out) == 6 and (out / "snapshots/ema_0000006.safetensors").is_file()
    # 2. Between checkpoints: a moment after the next one appeared.
    before = mtime(out / "checkpoint.pt")
    run.killed_when(lambda: mtime(out / "checkpoint.pt") != before, delay=BETWEEN_S)
    assert_complete(*folders)
    assert 6 < checkpoint_step(out) < 18 and not (out / "model.safetensors").exists()
    # 3. During the final writes.
    run.killed_at("after:model.safetensors")
    assert_complete(*folders)
    assert checkpoint_step(out) == 18 and not (out / "config.json").exists() and not (tmp_path / "m-run/train.json").exists()
    # Run to completion: an uninterrupted run's bytes (snapshots and dvclive's files too), no temporary file left.
    run.complete()
    assert tree(out) == tree(tmp_path / "ref") and sorted(tree(out)) == [
        "checkpoint.pt",
        "config.json",
        "ema.safetensors",
        "model.safetensors",
        "snapshots/ema_0000006.safetensors",
        "snapshots/ema_0000012.safetensors",
    ]
    assert tree(tmp_path / "live-run") == tree(tmp_path / "live-ref")
    assert metrics(tmp_path / "m-run/train.json") == metrics(tmp_path / "m-ref/train.json")
    assert not temp_files(*folders)


KILL_BETWEEN_RENAMES = """
import os, signal, sys
from pathlib import Path
from diffcurate.d2c.training import save_checkpoint
path = Path(sys.argv[1])
save_checkpoint(path, {"step": 1})
real = os.replace
def replace(src, dst, *args, **kwargs):
    if os.fspath(dst) == os.fspath(path):  # the old checkpoint already moved aside, the new one not yet in place
        os.kill(os.getpid(), signal.SIGKILL)
    real(src, dst, *args, **kwargs)
os.replace = replace
save_checkpoint(path, {"step": 2})
"""


def test_a_kill_between_the_renames_of_a_commit_keeps_the_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.pt"
    proc = subprocess.run([sys.executable, "-c", KILL_BETWEEN_RENAMES, str(path)], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert path.is_file() and torch.load(path, weights_only=False)["step"] in (1, 2)
