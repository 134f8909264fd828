"""benchmarks/grid/stats.py: the headline's arithmetic on known numbers."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.stats import compare, headline, mean_std, reaches, steps_to_reach  # noqa: E402


def main_rows(fids: dict[str, list[float]], per_class: int = 48, half: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """Main-group rows: final FID per method and seed (index = seed), curves (500: `half`, else fid + 50; 1000: fid)."""
    rows = []
    for m, values in fids.items():
        for seed, fid in enumerate(values):
            at500 = (half or {}).get(m, [fid + 50] * len(values))[seed]
            rows.append(
                {"per_class": per_class, "method": m, "seed": seed, "fid": fid, "curve": json.dumps([[500, at500], [1000, fid]])}
            )
    return pd.DataFrame(rows)


def test_steps_to_reach_interpolates_between_evaluated_steps():
    curve = [(250, 300.0), (500, 200.0), (750, 150.0), (1000, 120.0)]
    assert steps_to_reach(curve, 300.0) == 250.0
    assert steps_to_reach(curve, 175.0) == pytest.approx(625.0)
    assert steps_to_reach(curve, 100.0) is None
    assert steps_to_reach([(250, 200.0), (500, 200.0)], 199.0) is None


def test_mean_std_is_the_sample_standard_deviation():
    assert mean_std([1.0, 2.0, 3.0]) == (2.0, 1.0) and mean_std([4.0]) == (4.0, None)


def test_reaches_gives_the_ratio_of_steps_per_seed():
    g = main_rows({"interval": [150.0, 220.0], "random": [200.0, 202.0]}, half={"interval": [250.0, 250.0]})
    r0, r1 = reaches(g, 1000)
    assert (r0.seed, r0.target, r0.step, r0.ratio) == (0, 200.0, 750.0, pytest.approx(1000 / 750))
    assert (r1.seed, r1.target, r1.step, r1.ratio) == (1, 202.0, None, None)
    # Any pair of methods: random (252 at 500, 202 at 1000) reaches interval's 220 at 820 steps.
    assert reaches(g[g.seed == 1], 1000, method="random", baseline="interval")[0].step == pytest.approx(820.0)


def test_compare_pairs_seeds_and_runs_welch():
    g = main_rows({"interval": [1.0, 2.0, 3.0], "herding": [4.0, 5.0, 6.0]})
    c = compare(g, "interval", "herding")
    assert (c.seeds, c.all_seeds, c.mean, c.other_mean, c.wins) == ([0, 1, 2], True, 2.0, 5.0, 3)
    assert c.p == pytest.approx(0.0213116, abs=1e-6) and c.better and c.significant
    # Over the seeds both have only; one seed: no test, never significant.
    c = compare(g[(g.method == "interval") | (g.seed == 1)], "interval", "herding")
    assert (c.seeds, c.all_seeds, c.mean, c.other_mean, c.p, c.better, c.significant) == ([1], False, 2.0, 5.0, None, True, False)
    assert compare(g[(g.method == "interval") | (g.seed == 5)], "interval", "herding") is None


def test_headline_judges_each_budget_and_only_complete_ones_as_beating_every_baseline():
    fids = {"interval": [190.0, 192.0], "random": [200.0, 204.0], "herding": [199.0, 201.0], "kcenter": [210.0, 212.0]}
    complete = main_rows(fids, 48)
    missing = main_rows({m: v for m, v in fids.items() if m != "kcenter"}, 240)  # kcenter not measured here
    no_interval = main_rows({"random": [200.0]}, 480)
    h = headline(pd.concat([complete, missing, no_interval]), 1000)
    b48, b240, b480 = h.budgets
    assert [c.other for c in b48.comparisons] == ["random", "herding", "kcenter"]
    assert b48.beats_all and not b48.significant  # interval vs random: Welch p = 0.069 at 2 seeds
    assert b48.comparisons[0].p == pytest.approx(0.0692862, abs=1e-6)
    assert b240.judged and not b240.complete and not b240.beats_all
    assert not b480.judged and b480.reaches == []
    assert h.judged == [b48, b240]
    assert b48.ratios == [pytest.approx(1000 / (500 + 500 * 40 / 50)), pytest.approx(1000 / (500 + 500 * 38 / 50))]
    assert b48.never == 0
