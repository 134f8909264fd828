"""The probe: a small corpus classifier whose features give FD / KID and whose predictions give class consistency."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import load_stage, write_idx
from typer.testing import CliRunner

from diffcurate.d2c.probe import (
    ProbeConfig,
    ProbeError,
    ProbeTrainConfig,
    kid,
    load_probe,
    load_reference_features,
    probe_outputs,
    probe_quality,
    train_probe,
)


def squares(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Class c: a bright square at a class-specific place on a black 32×32 image, in [-1, 1]."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    x = -np.ones((n, 1, 32, 32), np.float32)
    for i, c in enumerate(y):
        r, k = divmod(int(c), 2)
        x[i, 0, 4 + 14 * r : 14 + 14 * r, 4 + 14 * k : 14 + 14 * k] = rng.uniform(0.5, 1.0)
    return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))


CFG = ProbeConfig(num_classes=4, width=8, feature_dim=16)
TRAIN = ProbeTrainConfig(epochs=3, batch_size=16, lr=0.01, seed=0)


def test_probe_learns_and_is_deterministic() -> None:
    x, y = squares(160, 0)
    a, history = train_probe(x, y, TRAIN, CFG)
    b, _ = train_probe(x, y, TRAIN, CFG)
    for (k, va), (_, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert torch.equal(va, vb), f"same seed, different {k}"
    xt, yt = squares(80, 1)
    _, pred = probe_outputs(a, xt)
    assert (pred == yt.numpy()).mean() == 1.0
    assert history[-1]["loss"] < history[0]["loss"]


def test_kid_is_unbiased_and_grows_with_distance() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(600, 8))
    same = rng.normal(size=(600, 8))
    shifted = rng.normal(loc=0.5, size=(600, 8))
    assert abs(kid(real, same, subset_size=300)) < 0.02
    assert kid(real, shifted, subset_size=300) > 10 * abs(kid(real, same, subset_size=300))
    with pytest.raises(ProbeError, match="at least 2"):
        kid(real[:1], same)


def test_probe_quality_reads_class_consistency() -> None:
    x, y = squares(160, 0)
    net, _ = train_probe(x, y, TRAIN, CFG)
    real, _ = probe_outputs(net, squares(200, 2)[0])
    q = probe_quality(net, x, y, real)
    assert q["class_consistency"] == 1.0
    wrong = probe_quality(net, x, (y + 1) % 4, real)
    assert wrong["class_consistency"] == 0.0
    noise = probe_quality(net, torch.rand_like(x) * 2 - 1, None, real)
    assert noise["probe_fd"] > q["probe_fd"] and "class_consistency" not in noise
    with pytest.raises(ProbeError, match="reads"):
        probe_outputs(net, torch.zeros(2, 1, 28, 28))


def fmnist_like(root: Path, n_train: int = 400, n_test: int = 200) -> Path:
    """Fashion-MNIST's files (train and t10k) with easily separable classes."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = np.zeros((n, 28, 28), np.uint8)
        for i, c in enumerate(labels):
            r, k = divmod(int(c), 5)
            images[i, 2 + 12 * r : 12 + 12 * r, 1 + 5 * k : 5 + 5 * k] = 200 + rng.integers(0, 50)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return root


def test_probe_stage_trains_saves_and_fails_below_the_accuracy_floor(tmp_path: Path) -> None:
    root = fmnist_like(tmp_path / "fmnist")
    stage = load_stage("probe")
    out, metrics = tmp_path / "probe", tmp_path / "probe.json"
    args = ["--root", str(root), "--batch-size", "32", "--lr", "0.005", "--out", str(out), "--metrics", str(metrics)]
    args += ["--plots", str(tmp_path / "plots")]
    res = CliRunner().invoke(stage.app, [*args, "--epochs", "3"])
    assert res.exit_code == 0, res.output
    m = json.loads(metrics.read_text())
    assert m["test_accuracy"] >= 0.9 and m["n_test"] == 200
    assert load_reference_features(out).shape == (200, load_probe(out).cfg.feature_dim)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # lr 0 never learns: the stage fails with a one-line error and leaves the earlier probe as it was.
    res = CliRunner().invoke(stage.app, [*args, "--epochs", "1", "--lr", "0"])
    assert res.exit_code == 1 and "probe test accuracy" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
