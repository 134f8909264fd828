"""A cheap, in-domain metric for FID-vs-steps curves: a small Fashion-MNIST classifier (the probe).

Inception FID is the headline, but it costs ~0.1 s an image on a CPU and its features were never
trained on 32×32 grey clothes. The probe is a two-block CNN trained once by the pipeline (seconds to
minutes on 2 cores, ≥ 90% test accuracy). Its penultimate features give a Fréchet distance (FD) and
a kernel inception-style distance (KID, unbiased MMD² with the cubic polynomial kernel of Bińkowski
et al., 2018) against real images; its predictions give the share of conditional samples classified
as their conditioning class (`class_consistency`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from diffcurate.d2c.fid import frechet_distance, stats
from diffcurate.errors import DiffcurateError
from diffcurate.io import AtomicWriter

CONFIG = "config.json"
WEIGHTS = "probe.safetensors"
REFERENCE = "reference.npz"  # the probe features of the corpus' test split
EVAL_BATCH = 1000  # images per forward pass when extracting features
KID_SUBSETS = 10  # KID: mean over this many random subset pairs ...
KID_SUBSET_SIZE = 1000  # ... of at most this many images each (as torch-fidelity / clean-fid)


class ProbeError(DiffcurateError, ValueError):
    """A probe folder that is missing, or images it cannot read."""


@dataclass(frozen=True)
class ProbeConfig:
    num_classes: int
    in_channels: int = 1
    input_size: int = 32
    width: int = 32  # channels of the first conv block (the second has 2×)
    feature_dim: int = 128  # penultimate features: FD / KID live here


class ProbeNet(nn.Module):
    """conv-pool, conv-pool, fc (features), fc (logits)."""

    def __init__(self, cfg: ProbeConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        self.conv1 = nn.Conv2d(cfg.in_channels, w, 3, padding=1)
        self.conv2 = nn.Conv2d(w, 2 * w, 3, padding=1)
        self.fc = nn.Linear(2 * w * (cfg.input_size // 4) ** 2, cfg.feature_dim)
        self.head = nn.Linear(cfg.feature_dim, cfg.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, H, W) in [-1, 1] → (N, feature_dim)
        h = F.max_pool2d(F.relu(self.conv1(x)), 2)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        return F.relu(self.fc(h.flatten(1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@dataclass(frozen=True)
class ProbeTrainConfig:
    epochs: int
    batch_size: int
    lr: float
    seed: int


def train_probe(
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: ProbeTrainConfig,
    net_cfg: ProbeConfig,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ProbeNet, list[dict]]:
    """Adam on shuffled mini-batches with the learning rate decayed linearly to 0; every random draw
    (init, order) comes from `cfg.seed`."""
    if len(x) == 0 or len(x) != len(y):
        raise ProbeError(f"probe training needs images and labels of the same non-zero length, got {len(x)} and {len(y)}")
    with torch.random.fork_rng():
        torch.manual_seed(cfg.seed)
        net = ProbeNet(net_cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps_per_epoch = -(-len(x) // cfg.batch_size)
    total_steps = cfg.epochs * steps_per_epoch
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / total_steps)
    history = []
    net.train()
    for epoch in range(cfg.epochs):
        order = torch.randperm(len(x), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i, lo in enumerate(range(0, len(x), cfg.batch_size)):
            idx = order[lo : lo + cfg.batch_size]
            logits = net(x[idx])
            loss = F.cross_entropy(logits, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            decay.step()
            total += len(idx)
            correct += int((logits.detach().argmax(1) == y[idx]).sum())
            loss_sum += loss.item() * len(idx)
            if progress:
                progress(epoch * steps_per_epoch + i + 1, cfg.epochs * steps_per_epoch)
        history.append({"epoch": epoch + 1, "loss": round(loss_sum / total, 6), "train_accuracy": round(correct / total, 6)})
    net.eval()
    return net, history


@torch.no_grad()
def probe_outputs(net: ProbeNet, x: torch.Tensor, batch_size: int = EVAL_BATCH) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, feature_dim) float64, predicted class (N,))."""
    c = net.cfg
    if x.ndim != 4 or tuple(x.shape[1:]) != (c.in_channels, c.input_size, c.input_size):
        raise ProbeError(f"the probe reads (N, {c.in_channels}, {c.input_size}, {c.input_size}) images, got {tuple(x.shape)}")
    feats, preds = [], []
    for lo in range(0, len(x), batch_size):
        f = net.features(x[lo : lo + batch_size].float())
        feats.append(f.double().numpy())
        preds.append(net.head(f).argmax(1).numpy())
    return np.concatenate(feats), np.concatenate(preds)


def accuracy(pred: np.ndarray, y: torch.Tensor) -> tuple[float, dict[int, float]]:
    """Overall and per-class accuracy of predictions `pred` (from `probe_outputs`)."""
    truth = y.numpy()
    per_class = {int(c): round(float((pred[truth == c] == c).mean()), 4) for c in np.unique(truth)}
    return round(float((pred == truth).mean()), 4), per_class


def kid(
    real: np.ndarray, fake: np.ndarray, seed: int = 0, subsets: int = KID_SUBSETS, subset_size: int = KID_SUBSET_SIZE
) -> float:
    """Kernel distance: unbiased MMD² with k(a, b) = (a·b / d + 1)³, averaged over random subset pairs."""
    d = real.shape[1]
    m = min(subset_size, len(real), len(fake))
    if m < 2:
        raise ProbeError(f"KID needs at least 2 images on each side, got {len(real)} real and {len(fake)} generated")
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(subsets):
        a = real[rng.choice(len(real), m, replace=False)]
        b = fake[rng.choice(len(fake), m, replace=False)]
        kaa, kbb, kab = (a @ a.T / d + 1) ** 3, (b @ b.T / d + 1) ** 3, (a @ b.T / d + 1) ** 3
        off = m * (m - 1)
        values.append((kaa.sum() - np.trace(kaa)) / off + (kbb.sum() - np.trace(kbb)) / off - 2 * kab.mean())
    return float(np.mean(values))


def probe_quality(net: ProbeNet, x: torch.Tensor, labels: torch.Tensor | None, real_features: np.ndarray, seed: int = 0) -> dict:
    """FD and KID of images `x` against the real images' probe features; with `labels`, the share of
    images the probe puts in their conditioning class."""
    feats, pred = probe_outputs(net, x)
    out = {
        "probe_fd": round(frechet_distance(*stats(feats), *stats(real_features)), 4),
        "probe_kid": round(kid(real_features, feats, seed), 6),
    }
    if labels is not None:
        out["class_consistency"] = round(float((pred == labels.numpy()).mean()), 4)
    return out


def save_probe(folder: Path, net: ProbeNet, meta: dict, writer: AtomicWriter) -> None:
    """config.json (architecture + how it was trained) beside probe.safetensors, through `writer`."""
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(writer.path(folder / WEIGHTS)))
    writer.json({"probe": asdict(net.cfg), **meta}, folder / CONFIG)


def load_probe(folder: Path) -> ProbeNet:
    if not (folder / CONFIG).is_file() or not (folder / WEIGHTS).is_file():
        raise ProbeError(f"{folder}: no {CONFIG} / {WEIGHTS} (run the probe stage first)")
    conf = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
    net = ProbeNet(ProbeConfig(**conf["probe"]))
    net.load_state_dict(load_file(str(folder / WEIGHTS)))
    return net.eval()


def load_reference_features(folder: Path) -> np.ndarray:
    """The test split's probe features, as the probe stage stored them (float64)."""
    path = folder / REFERENCE
    if not path.is_file():
        raise ProbeError(f"{folder}: no {REFERENCE} (run the probe stage first)")
    with np.load(path) as data:
        return np.asarray(data["features"], dtype=np.float64)
