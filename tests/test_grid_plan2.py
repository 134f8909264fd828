"""benchmarks/grid/plan2.py: grid v2's experiments, each run planned once, paired seeds, the pinned recipe."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import UnknownChoice  # noqa: E402
from grid.plan2 import (  # noqa: E402
    ATTACH,
    CPU,
    DEFAULTS,
    GROUPS,
    PARTS,
    RECIPE,
    SMALL_K,
    attach_of,
    cost_minutes,
    describe,
    known_experiments,
    plan,
)


def test_the_full_plan_queues_part_one_first_and_every_run_once():
    exps = plan(GROUPS)
    names = [e.name for e in exps]
    assert len(names) == len(set(names)) == 16 + 12 + 4 + 5 + 12
    assert Counter(e.group for e in exps) == {"select": 16, "attach": 12, "small": 4, "ksweep": 5, "data": 12}
    assert names[:5] == [
        "g2-select-interval-s0",
        "g2-select-random-s0",
        "g2-select-herding-s0",
        "g2-select-kcenter-s0",
        "g2-select-interval-s1",
    ]
    # Part 2's class + text cells are part 1's runs; its other cells are new.
    assert [e.name for e in exps if e.group == "attach"][:4] == [
        "g2-attach-random-class-s0",
        "g2-attach-interval-class-s0",
        "g2-attach-random-repa-s0",
        "g2-attach-interval-repa-s0",
    ]
    assert "g2-ksweep-k50-s0" not in names and "g2-ksweep-k125-s0" in names  # k = 50 is part 1's seed-0 run
    assert [PARTS[e.group] for e in exps] == sorted(PARTS[e.group] for e in exps)


def test_part_two_alone_still_plans_the_shared_cells_under_part_ones_names():
    attach = plan(["attach"])
    assert len(attach) == 18 and sum(e.name.startswith("g2-select-") for e in attach) == 6
    both = plan(["select", "attach"])
    assert len(both) == 16 + 12  # nothing queued twice
    shared = {e.name: e for e in attach} | {e.name: e for e in both}
    assert all(e.params() == shared[e.name].params() for e in both)


def test_paired_seeds_and_the_attach_settings():
    for e in plan(GROUPS):
        p = e.params()
        assert p["select.seed"] == p["train.seed"] and set(DEFAULTS) | set(RECIPE) | set(CPU) <= set(p)
        assert all(p[k] == v for k, v in RECIPE.items())  # issue 18's recipe, pinned
    cells = {describe(e.params())["attach"] for e in plan(["attach"])}
    assert cells == set(ATTACH)
    select = [describe(e.params()) for e in plan(["select"])]
    assert {(d["attach"], d["conditioning"], d["proj_coeff"], d["visual_encoder"]) for d in select} == {
        ("text", "both", 0.0, "none")
    }
    assert {d["per_class"] for d in select} == {48} and {d["seed"] for d in select} == {0, 1, 2, 3}
    assert attach_of({"train.conditioning": "class", "train.proj_coeff": 0.5, "attach.visual_encoder": "none"}) is None


def test_ten_per_class_scales_the_papers_k_and_data_runs_are_select_only():
    # The paper's k = 96 of ~1,300 per class is a step of 7.4% of the ranks; of 6,000: 443.
    assert SMALL_K == 443
    small = [describe(e.params()) for e in plan(["small"])]
    assert {(d["per_class"], d["k"], d["seed"]) for d in small} == {(10, 443, 0)} and len(small) == 4
    data = plan(["data"])
    assert {e.target for e in data} == {"select"} and {describe(e.params())["method"] for e in data} >= {"min", "max"}
    assert all(e.params()["select.null_draws"] > 0 for e in data)
    assert all(e.params()["select.null_draws"] == 0 for e in plan(["select", "attach", "small", "ksweep"]))


def test_seeds_override_every_group_and_unknown_names_are_refused():
    assert [e.name for e in plan(["select"], [7])] == [f"g2-select-{m}-s7" for m in ("interval", "random", "herding", "kcenter")]
    with pytest.raises(UnknownChoice, match="unknown group 'selct'"):
        plan(["selct"])
    with pytest.raises(UnknownChoice, match="unknown profile 'tpu'"):
        plan(["select"], profile="tpu")
    assert plan(["select"], profile="gpu")[0].params()["train.device"] == "cuda"
    known = known_experiments()
    assert "g2-select-kcenter-s9" in known and "g2-data-max-b10" in known and known["g2-select-random-s0"].group == "select"


def test_cost_estimate_sizes_each_run_under_half_an_hour():
    costs = {e.name: cost_minutes(e) for e in plan(GROUPS)}
    assert 18 < costs["g2-select-random-s0"] < 22 and 26 < costs["g2-attach-random-repa-s0"] < 30
    assert costs["g2-data-min-b48"] < 5
    parts12 = sum(c for e, c in zip(plan(GROUPS), costs.values(), strict=True) if PARTS[e.group] < 3)
    assert parts12 / 60 < 12  # the budget for parts 1 and 2


def test_every_key_a_run_sets_is_a_params_yaml_key():
    """`dvc exp run -S` adds a key params.yaml lacks without a word: a typo would silently change nothing."""
    import yaml

    from diffcurate.params import lookup

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for profile in ("cpu", "gpu"):
        for key in plan(GROUPS, profile=profile)[0].params():
            lookup(params, key)  # raises ParamsError for an unknown key
