"""Everything `eval` measures on a set of images, generated or real, in one place.

Curve points (EMA snapshots) get the cheap measures (`curve_metrics`); the final weights all of them.

A FID means little alone at small N: real images score far from 0 against a 2,000-image reference
(the small-sample bias of the Fréchet distance). So every measure of the samples is also taken on
N real training images against the same references, the *floor*, and reported beside it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from diffcurate.d2c.corpus import Corpus
from diffcurate.d2c.diagnostics import artefacts
from diffcurate.d2c.encode import corpus_pixels
from diffcurate.d2c.fid import sample_quality
from diffcurate.d2c.probe import ProbeNet, probe_quality

FLOOR_KEYS = (
    "fid",
    "sfid",
    "precision",
    "recall",
    "probe_fd",
    "probe_kid",
    "class_consistency",
    "background_share",
    "seam_ratio",
)


def image_metrics(
    x: torch.Tensor,
    labels: torch.Tensor,
    ref: dict[str, np.ndarray],
    k: int,
    probe: ProbeNet,
    probe_ref: np.ndarray,
    patch: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    device: str = "cpu",
) -> dict:
    """Inception FID / sFID / precision / recall (the Inception on `device`), probe FD / KID / class
    consistency, artefacts."""
    return {
        **sample_quality(x, ref, k, progress=progress, device=device),
        **curve_metrics(x, labels, probe, probe_ref, patch, seed),
    }


def curve_metrics(x: torch.Tensor, labels: torch.Tensor, probe: ProbeNet, probe_ref: np.ndarray, patch: int, seed: int) -> dict:
    """The cheap measures of a curve point (an EMA snapshot): probe FD / KID, class consistency,
    artefacts; no Inception (~0.1 s an image on a CPU: the final weights only)."""
    return {**probe_quality(probe, x, labels, probe_ref, seed), **artefacts(x, patch)}


def real_sample(corpus: Corpus, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`n` real images of the corpus, drawn without replacement with `seed`, and their labels."""
    rows = np.sort(np.random.default_rng(seed).choice(len(corpus), size=min(n, len(corpus)), replace=False))
    x = corpus_pixels(corpus)[torch.from_numpy(rows)]
    return x, torch.from_numpy(np.asarray(corpus.labels)[rows])


def with_floor(metrics: dict, floor: dict) -> dict:
    """The samples' measures, each real-data floor beside it (`fid_floor`), and FID / floor."""
    out = dict(metrics)
    for key in FLOOR_KEYS:
        if key in floor:
            out[f"{key}_floor"] = floor[key]
    if floor.get("fid"):
        out["fid_over_floor"] = round(metrics["fid"] / floor["fid"], 3)
    return out
