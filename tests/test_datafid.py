"""Data-FID (issue 18): a subset's own images against the reference, beside a null of random
same-per-class subsets."""

from __future__ import annotations

import numpy as np
import pytest

from diffcurate.d2c.datafid import (
    DataFidError,
    Reference,
    against_null,
    null_summary,
    per_class_counts,
    random_subsets,
    read_pool,
    stratified_pool,
)
from diffcurate.d2c.fid import frechet_distance, stats


def test_random_subsets_keep_the_per_class_counts_and_are_seeded():
    labels = np.repeat(np.arange(3), 10)
    subsets = random_subsets(labels, {0: 2, 1: 3, 2: 1}, draws=5, seed=0)
    assert len(subsets) == 5
    for s in subsets:
        assert per_class_counts(labels[s]) == {0: 2, 1: 3, 2: 1} and len(set(s)) == 6
    again = random_subsets(labels, {0: 2, 1: 3, 2: 1}, draws=5, seed=0)
    assert all((a == b).all() for a, b in zip(subsets, again, strict=True))
    assert not all((a == b).all() for a, b in zip(subsets, random_subsets(labels, {0: 2, 1: 3, 2: 1}, 5, seed=1), strict=True))
    with pytest.raises(DataFidError, match="more images per class"):
        random_subsets(labels, {0: 11}, 1, 0)


def test_null_summary_percentile():
    s = null_summary(2.0, [1.0, 2.0, 3.0, 4.0])
    assert s["percentile"] == 0.5 and s["null_mean"] == 2.5 and s["null_draws"] == 4
    assert s["null_p5"] < s["null_mean"] < s["null_p95"]


def test_reference_distance_is_the_frechet_distance():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(200, 4)), rng.normal(1.0, 1.0, size=(150, 4))
    assert Reference.of(a).distance(b) == pytest.approx(frechet_distance(*stats(b), *stats(a)))


def test_a_subset_near_the_reference_beats_the_null_and_a_far_one_does_not():
    """Candidates: half drawn like the reference, half shifted. A subset of the reference-like half
    must sit below every random subset; a subset of the shifted half above."""
    rng = np.random.default_rng(1)
    ref = Reference.of(rng.normal(size=(2000, 3)))
    near, far = rng.normal(size=(300, 3)), rng.normal(2.0, 1.0, size=(300, 3))
    cand = np.concatenate([near, far])
    labels = np.tile(np.arange(3), 200)
    sub = np.arange(0, 300, 5)  # 60 of the near half, 20 per class
    good = against_null(cand[sub], labels[sub], cand, labels, ref, draws=100, seed=0)
    assert good["percentile"] == 0.0 and good["value"] < good["null_p5"] and good["null_draws"] == 100
    bad = against_null(cand[300 + sub], labels[300 + sub], cand, labels, ref, draws=100, seed=0)
    assert bad["percentile"] == 1.0 and bad["value"] > bad["null_p95"]


def test_pool_files(tmp_path):
    labels = np.repeat(np.arange(4), 5)
    rows = stratified_pool(labels, 3, seed=0)
    assert len(rows) == 12 and per_class_counts(labels[rows]) == {0: 3, 1: 3, 2: 3, 3: 3} and (np.diff(rows) > 0).all()
    assert len(stratified_pool(labels, 9, 0)) == 20  # a smaller class: all of it
    good = tmp_path / "pool.npz"
    np.savez(good, rows=rows, labels=labels[rows], features=np.zeros((12, 2), np.float32))
    assert read_pool(good)["features"].shape == (12, 2)
    with pytest.raises(DataFidError, match="run the refstats stage"):
        read_pool(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, rows=rows, labels=labels[rows])
    with pytest.raises(DataFidError, match="features"):
        read_pool(bad)
    short = tmp_path / "short.npz"
    np.savez(short, rows=rows, labels=labels[rows], features=np.zeros((3, 2)))
    with pytest.raises(DataFidError, match="differ in length"):
        read_pool(short)
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[:50])
    with pytest.raises(DataFidError, match="not a readable"):
        read_pool(tmp_path / "cut.npz")
