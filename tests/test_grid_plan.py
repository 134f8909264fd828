"""benchmarks/grid/plan.py: the experiments of each group and profile, and the -S values each sets."""

from __future__ import annotations

import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import (  # noqa: E402
    COMMON,
    DEFAULTS,
    GPU,
    METHODS,
    UnknownChoice,
    known_experiments,
    per_class,
    plan,
    uses_cuda,
)

ALL = ["main", "full", "ablation", "ksweep"]


def test_every_group_at_three_seeds_and_budgets_is_45_runs_with_unique_names():
    exps = plan(ALL, [0, 1, 2], [0.008, 0.04, 0.08])
    names = [e.name for e in exps]
    assert len(names) == len(set(names)) == 3 * 4 * 3 + 1 + 3 + 5
    assert [e.group for e in exps] == ["main"] * 36 + ["full"] + ["ablation"] * 3 + ["ksweep"] * 5
    # Queued budget by budget, seed by seed, every method of a seed together.
    assert names[:5] == [
        "main-interval-b48-s0",
        "main-random-b48-s0",
        "main-herding-b48-s0",
        "main-kcenter-b48-s0",
        "main-interval-b48-s1",
    ]
    assert names[36:] == [
        "full-s0",
        "ablation-none-s0",
        "ablation-text-s0",
        "ablation-visual-s0",  # `both` is main-interval-b48-s0
        "ksweep-k1-s0",
        "ksweep-k10-s0",
        "ksweep-k25-s0",  # k = 50 is main-interval-b48-s0
        "ksweep-k100-s0",
        "ksweep-k125-s0",
    ]


def test_every_run_sets_every_varied_key_and_its_own_values_win():
    for e in plan(ALL, [0, 1], [0.008]):
        p = e.params()
        assert set(DEFAULTS) <= set(p) and set(COMMON) <= set(p)
        assert all(p[k] == v for k, v in e.overrides.items())
    run = next(e for e in plan(["main"], [2], [0.04]) if e.name == "main-herding-b240-s2").params()
    assert (run["select.method"], run["select.budget"], run["select.seed"], run["train.seed"]) == ("herding", 0.04, 2, 2)
    assert run["select.interval"] == 50 and run["train.steps"] == 1000
    # The -S order is fixed: the grid's keys first (overrides in place), then the profile's.
    assert list(run)[: len(DEFAULTS)] == list(DEFAULTS)


def test_full_data_is_the_whole_corpus_without_repa_at_the_first_seed():
    [full] = plan(["full"], [3, 4], [0.008])
    p = full.params()
    assert full.name == "full-s3" and p["train.seed"] == 3
    assert per_class(p["select.budget"]) == 6000 and p["train.proj_coeff"] == 0.0 and p["attach.visual_encoder"] == "none"


def test_budgets_are_fractions_or_counts_of_images():
    assert [per_class(b) for b in (0.008, 0.04, 0.08)] == [48, 240, 480]
    assert per_class(60_000) == 6000 and per_class(100) == 10


def test_gpu_profile_prefixes_names_and_sets_its_values():
    gpu = plan(["main"], [0], [0.008], "gpu")
    assert [e.name for e in gpu] == [f"gpu-main-{m}-b48-s0" for m in METHODS]
    assert all(gpu[0].params()[k] == v for k, v in GPU.items())
    assert uses_cuda("gpu") and not uses_cuda("cpu")


def test_unknown_group_or_profile_is_refused_by_name():
    with pytest.raises(UnknownChoice, match="unknown group 'mian'; expected main, full, ablation, ksweep"):
        plan(["main", "mian"], [0], [0.008])
    with pytest.raises(UnknownChoice, match="unknown profile 'tpu'; expected one of cpu, gpu"):
        plan(["main"], [0], [0.008], "tpu")


def test_known_experiments_cover_both_profiles_and_ten_seeds():
    known = known_experiments()
    assert len(known) == 2 * (3 * 4 * 10 + 1 + 3 + 5)
    assert known["main-kcenter-b480-s9"].profile == "cpu" and known["gpu-ksweep-k1-s0"].profile == "gpu"
