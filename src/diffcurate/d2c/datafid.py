"""Data-FID: how close a subset's own real images are to the data, before any model is trained.

A condensed subset is a sample of the corpus; a user wants to see, before paying for training,
whether it sits closer to the data distribution than random subsets of the same size do. Two
distances against the held-out reference, each beside a null distribution of `null_draws` random
subsets with the same images per class:

- the probe FD (`probe.py`'s features, cheap): the null subsets are drawn from the whole corpus;
- the Inception FID (the headline metric's features, ~0.1 s an image on a CPU): the null subsets
  are drawn from a stratified pool of training images whose features `refstats` caches. Null
  subsets drawn from a finite pool overlap more than subsets of the whole corpus, so that null's
  spread is a lower bound (reported with the pool's size).

`percentile` is the share of null subsets at or below the subset's distance: near 0 means closer
to the data than almost every random subset, near 1 farther.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from diffcurate.d2c.fid import frechet_distance, stats
from diffcurate.errors import DiffcurateError

POOL_KEYS = ("rows", "labels", "features")  # refstats' pool.npz: corpus rows, their labels, Inception pool features
NULL_LOW, NULL_HIGH = 5, 95  # the null's percentiles reported
ROUND = 4


class DataFidError(DiffcurateError, ValueError):
    """A pool file or subset the data-FID cannot use (the message names it)."""


@dataclass(frozen=True)
class Reference:
    """A Gaussian the subsets are compared with."""

    mu: np.ndarray
    sigma: np.ndarray

    @classmethod
    def of(cls, features: np.ndarray) -> Reference:
        return cls(*stats(np.asarray(features, dtype=np.float64)))

    def distance(self, features: np.ndarray) -> float:
        return frechet_distance(*stats(np.asarray(features, dtype=np.float64)), self.mu, self.sigma)


def per_class_counts(labels: np.ndarray) -> dict[int, int]:
    values, counts = np.unique(labels, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def random_subsets(labels: np.ndarray, counts: dict[int, int], draws: int, seed: int) -> list[np.ndarray]:
    """`draws` random subsets (positions into `labels`) with `counts[c]` items of each class c."""
    by_class = {c: np.flatnonzero(labels == c) for c in counts}
    short = {c: (len(by_class[c]), n) for c, n in counts.items() if len(by_class[c]) < n}
    if short:
        raise DataFidError(f"the null needs more images per class than there are: {short} (have, need)")
    rng = np.random.default_rng(seed)
    return [np.concatenate([rng.choice(by_class[c], n, replace=False) for c, n in sorted(counts.items())]) for _ in range(draws)]


def null_summary(value: float, null: list[float]) -> dict:
    arr = np.asarray(null)
    return {
        "value": round(value, ROUND),
        "null_mean": round(float(arr.mean()), ROUND),
        f"null_p{NULL_LOW}": round(float(np.percentile(arr, NULL_LOW)), ROUND),
        f"null_p{NULL_HIGH}": round(float(np.percentile(arr, NULL_HIGH)), ROUND),
        "null_draws": len(arr),
        "percentile": round(float((arr <= value).mean()), ROUND),
    }


def against_null(
    subset_features: np.ndarray,
    subset_labels: np.ndarray,
    candidates: np.ndarray,
    candidate_labels: np.ndarray,
    ref: Reference,
    draws: int,
    seed: int,
) -> dict:
    """The subset's distance to `ref` and the null from `draws` random same-per-class subsets of the candidates."""
    counts = per_class_counts(subset_labels)
    null = [ref.distance(candidates[pos]) for pos in random_subsets(candidate_labels, counts, draws, seed)]
    return null_summary(ref.distance(subset_features), null)


def read_pool(path: Path | str) -> dict[str, np.ndarray]:
    """refstats' pool.npz: `rows` (corpus rows), `labels`, Inception `features` (N, 2048)."""
    path = Path(path)
    if not path.is_file():
        raise DataFidError(f"{path}: no Inception pool (run the refstats stage)")
    try:
        with np.load(path) as npz:
            pool = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataFidError(f"{path}: not a readable .npz ({exc})") from None
    missing = [k for k in POOL_KEYS if k not in pool]
    if missing:
        raise DataFidError(f"{path}: no {missing} (written by an older refstats; re-run it)")
    if not len(pool["rows"]) == len(pool["labels"]) == len(pool["features"]):
        raise DataFidError(f"{path}: rows, labels and features differ in length")
    return pool


def stratified_pool(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    """Sorted corpus rows: `per_class` random images of every class (all of a smaller class)."""
    rng = np.random.default_rng(seed)
    rows = [
        rng.choice(np.flatnonzero(labels == c), min(per_class, int((labels == c).sum())), replace=False)
        for c in np.unique(labels)
    ]
    return np.sort(np.concatenate(rows))
