"""benchmarks/grid/stats2.py: paired differences, t intervals, Fieller's interval and the verdicts, on synthetic records."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from scipy import stats

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan2 import known_experiments, name_of  # noqa: E402
from grid.record2 import row_of  # noqa: E402
from grid.stats2 import (  # noqa: E402
    CANNOT,
    NO,
    YES,
    UnequalCurves,
    attach_question,
    auc,
    combine,
    fieller,
    holm,
    paired,
    select_question,
    t_interval,
    with_auc,
)

KNOWN = known_experiments()


def run(
    method: str, seed: int, fid: float, attach: str = "text", pc: int = 48, k: int | None = None, fd: float | None = None
) -> dict:
    """A record row whose probe-FD curve falls to `fd` (default: fid − 50) at 2,000 steps."""
    fd = fid - 50 if fd is None else fd
    shown = {
        "eval:fid": fid,
        "eval:fid_floor": 28.0,
        "eval:probe_fd": fd,
        "eval:probe_fd_floor": 5.0,
        **{f"eval:probe_fd_at.{s}": fd * m for s, m in ((500, 4.0), (1000, 2.0), (1500, 1.5), (2000, 1.0))},
    }
    return row_of(KNOWN[name_of(method, seed, pc, attach, k)], shown, "test box", "2026-12-01")


def select_rows(fids: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([run(m, s, f) for m, values in fids.items() for s, f in enumerate(values)])


def test_auc_is_the_curves_mean_over_its_step_range():
    assert auc([(500, 400.0), (1000, 200.0), (1500, 150.0), (2000, 100.0)]) == pytest.approx(200.0)
    assert auc([(2000, 90.0)]) == 90.0 and math.isnan(auc([]))
    assert auc([(1000, 10.0), (500, 20.0)]) == pytest.approx(15.0)  # any order of points


def test_t_interval_and_paired_match_scipy():
    a, b = np.array([191.0, 196.0, 192.0, 194.0]), np.array([200.0, 204.0, 199.0, 203.0])
    iv = t_interval(a - b)
    d = a - b
    half = stats.t.ppf(0.975, 3) * d.std(ddof=1) / 2
    assert (iv.n, iv.mean, iv.lo, iv.hi) == (
        4,
        pytest.approx(d.mean()),
        pytest.approx(d.mean() - half),
        pytest.approx(d.mean() + half),
    )
    assert iv.p == pytest.approx(stats.ttest_rel(a, b).pvalue)
    c = paired(pd.Series(a), pd.Series(b), "interval", "random", "fid")
    assert (c.wins, c.n, c.verdict) == (4, 4, YES) and c.wilcoxon_p == pytest.approx(0.125)  # 4 seeds: Wilcoxon cannot reach 0.05
    assert c.relative == pytest.approx(d.mean() / b.mean()) and c.dz == pytest.approx(d.mean() / d.std(ddof=1))
    # Only the seeds both have; one seed: no interval, cannot tell.
    one = paired(pd.Series([1.0, 2.0], index=[0, 1]), pd.Series([5.0], index=[1]), "a", "b", "fid")
    assert one.seeds == (1,) and math.isnan(one.diff.lo) and one.verdict == CANNOT
    assert t_interval([3.0, 3.0]).p == 0.0 and math.isnan(t_interval([0.0, 0.0]).p)


def test_question_one_yes_when_interval_is_lower_than_every_alternative_seed_by_seed():
    # Seed effects shared by every method (the pairing) and a steady 12-point advantage.
    base = [200.0, 230.0, 185.0, 215.0]
    rows = select_rows(
        {
            "interval": [b - 12 + e for b, e in zip(base, (0.5, -0.4, 0.3, -0.2), strict=True)],
            "random": base,
            "herding": [b + 1 for b in base],
            "kcenter": [b + 20 for b in base],
        }
    )
    a = select_question(rows)
    assert a.complete and a.verdict == YES
    assert a.measure_verdict("fid") == a.measure_verdict("auc") == YES
    c = a.comparisons[("fid", "random")]
    assert c.diff.mean == pytest.approx(-11.95) and c.diff.hi < 0 and c.wins == 4
    # The seeds' spread is 45 FID: unpaired, Welch's test would not see it at 0.05.
    assert stats.ttest_ind(rows[rows.method == "interval"].fid, rows[rows.method == "random"].fid, equal_var=False).pvalue > 0.3


def test_question_one_cannot_tell_when_the_differences_straddle_zero():
    base = [200.0, 230.0, 185.0, 215.0]
    rows = select_rows(
        {
            "interval": [b + e for b, e in zip(base, (-10.0, 8.0, -12.0, 9.0), strict=True)],
            "random": base,
            "herding": base,
            "kcenter": base,
        }
    )
    a = select_question(rows)
    assert a.comparisons[("fid", "random")].diff.mean < 0 and a.verdict == CANNOT
    assert a.comparisons[("fid", "random")].diff.lo < 0 < a.comparisons[("fid", "random")].diff.hi


def test_question_one_no_when_an_alternative_beats_interval_and_incomplete_without_two_seeds():
    base = [200.0, 230.0, 185.0, 215.0]
    rows = select_rows({"interval": base, "random": [b + 10 for b in base], "herding": [b - 9.5 for b in base], "kcenter": base})
    rows.loc[rows.method == "herding", "fid"] += [0.1, -0.2, 0.3, 0.0]
    a = select_question(rows)
    assert a.comparisons[("fid", "herding")].verdict == NO and a.measure_verdict("fid") == NO
    partial = select_question(select_rows({"interval": base, "random": base[:1], "herding": base, "kcenter": base}))
    assert not partial.complete and partial.verdict == CANNOT
    # A verdict waits for every planned seed: 3 of 4 seeds that would say yes say nothing yet.
    lead = {"interval": [b - 12 for b in base], "random": base, "herding": base, "kcenter": base}
    early = select_question(select_rows({m: v[:3] for m, v in lead.items()}))
    assert early.comparisons[("fid", "random")].diff.hi < 0 and not early.complete and early.verdict == CANNOT
    assert early.progress == (12, 16) and a.progress == (16, 16)
    assert select_question(select_rows({m: v[:3] for m, v in lead.items()}), planned=(0, 1, 2)).verdict == YES
    # k-sweep runs of interval (seed 0, other k) are part 3's, never part 1's.
    swept = pd.concat([rows, pd.DataFrame([run("interval", 0, 1.0, k=10)])])
    assert select_question(swept).comparisons[("fid", "random")].n == 4


def test_holm_matches_its_step_down_definition():
    ps = [0.01, 0.04, 0.03, math.nan, 0.2, 0.001]
    # m = 6 (NaN counts): sorted 0.001, 0.01, 0.03, 0.04, 0.2 → ×6, ×5, ×4, ×3, ×2, running max.
    expected = [0.05, 0.12, 0.12, math.nan, 0.4, 0.006]
    got = holm(ps)
    assert all((math.isnan(e) and math.isnan(g)) or g == pytest.approx(e) for e, g in zip(expected, got, strict=True))
    assert holm([0.9, 0.8]) == [1.0, 1.0] and holm([]) == []


def test_a_no_needs_an_alternative_better_after_holm_over_the_six_tests():
    # Under the null, reading "no" from 6 uncorrected tests gave a false no 7-13% of the time; with
    # Holm's adjustment it stays at 5% (bound 6%: 300 draws).
    rng = np.random.default_rng(1)
    false_no = 0
    for _ in range(300):
        base = rng.normal(200, 20, 4)
        rows = select_rows({m: list(base + rng.normal(0, 3, 4)) for m in ("interval", "random", "herding", "kcenter")})
        false_no += select_question(rows).verdict == NO
    assert false_no / 300 <= 0.06
    # An alternative that is a little better on one seed-set, p just under 0.05 alone, is not a no after Holm.
    base = [200.0, 230.0, 185.0, 215.0]
    rows = select_rows(
        {
            "interval": base,
            "random": base,
            "herding": [b - 4 + e for b, e in zip(base, (1.5, -1.9, 2.4, -2.0), strict=True)],
            "kcenter": base,
        }
    )
    a = select_question(rows)
    c = a.comparisons[("fid", "herding")]
    assert c.verdict == NO and a.holm_p[("fid", "herding")] > 0.05 and a.measure_verdict("fid") == CANNOT


def test_unequal_curves_cannot_be_paired():
    rows = select_rows({"interval": [200.0, 210.0], "random": [205.0, 215.0]})
    cut = rows.copy()
    cut.loc[1, "curve"] = "[[500, 300.0], [1000, 200.0]]"
    with pytest.raises(UnequalCurves, match=r"g2-select-interval-s1 \[500, 1000\]"):
        with_auc(cut)
    assert with_auc(rows).auc.notna().all()


def test_words_combine_over_measures():
    # Measures: yes needs every yes; measures that disagree cannot tell.
    assert combine([YES, YES]) == YES and combine([YES, CANNOT]) == CANNOT and combine([NO, CANNOT]) == NO
    assert combine([YES, NO]) == CANNOT and combine([]) == CANNOT


def test_fieller_interval_is_every_ratio_the_paired_t_test_keeps():
    a, t = np.array([5.0, 6.0, 4.2]), np.array([8.0, 9.5, 7.0])
    sh = fieller(a, t)
    assert sh.share == pytest.approx(a.mean() / t.mean()) and sh.lo < sh.share < sh.hi
    q = stats.t.ppf(0.975, 2)
    kept = [th for th in np.linspace(-2, 3, 20001) if abs((a - th * t).mean()) <= q * (a - th * t).std(ddof=1) / math.sqrt(3)]
    assert sh.lo == pytest.approx(min(kept), abs=5e-4) and sh.hi == pytest.approx(max(kept), abs=5e-4)
    assert sh.verdict() == YES and fieller(a, t * 0.5).verdict(threshold=1.5) == NO
    loose = fieller([5.0, 6.0, 4.0], [1.0, -1.0, 0.5])  # the total itself is not told from 0
    assert not loose.bounded and loose.verdict() == CANNOT


def attach_rows(cells: dict[tuple[str, str], float], noise: tuple[float, ...] = (0.0, 0.6, -0.4)) -> pd.DataFrame:
    base = [210.0, 240.0, 195.0]
    return pd.DataFrame(
        [run(m, s, base[s] + v + noise[s] * (i + 1), attach=a) for i, ((m, a), v) in enumerate(cells.items()) for s in range(3)]
    )


def test_question_two_splits_the_gain_into_attach_and_select():
    # Attach is worth ~30 FID (text 20, REPA 10) for both methods, Select ~5: Attach's share ~0.86.
    cells = {
        ("random", "class"): 0.0,
        ("interval", "class"): -5.0,
        ("random", "text"): -20.0,
        ("interval", "text"): -25.0,
        ("random", "repa"): -30.0,
        ("interval", "repa"): -35.0,
    }
    a = attach_question(attach_rows(cells))
    assert a.complete
    total, (att, sel) = a.totals["fid"], a.parts["fid"]
    assert total.mean == pytest.approx(35.0, abs=1.5) and att.mean + sel.mean == pytest.approx(total.mean)
    assert att.mean == pytest.approx(30.0, abs=1.5) and a.shares["fid"].share == pytest.approx(30 / 35, abs=0.05)
    assert a.shares["fid"].lo > 0.5 and a.verdict == YES
    e = a.effects
    assert e[("fid", "all of Attach, random")].diff.mean == pytest.approx(-30.0, abs=1.5)
    assert e[("fid", "interval − random, class")].diff.mean == pytest.approx(-5.0, abs=1.5)
    assert e[("fid", "text, interval")].verdict == YES
    # Select alone doing the work: Attach's share is near 0, below a half.
    select_only = {k: (-30.0 if k[0] == "interval" else 0.0) for k in cells}
    b = attach_question(attach_rows(select_only))
    assert b.shares["fid"].hi < 0.5 and b.verdict == NO
    # D2C worse than random without Attach in every seed, and Attach worse too: a bounded share of
    # ~0.86 of a loss is not "most of the gain" — no gain, no word.
    worse = {k: -v for k, v in cells.items()}
    w = attach_question(attach_rows(worse))
    assert w.totals["fid"].hi < 0 and w.shares["fid"].bounded and w.shares["fid"].lo > 0.5
    assert w.measure_verdict("fid") == CANNOT and w.verdict == CANNOT
    # Two of the three planned seeds: no verdict yet, though the paired effects are there.
    early = attach_question(attach_rows(cells)[lambda d: d.seed < 2])
    assert not early.complete and early.verdict == CANNOT and early.effects[("fid", "text, interval")].n == 2
    assert early.progress == (12, 18) and a.progress == (18, 18)
    # Missing cells: cannot tell.
    assert attach_question(attach_rows({("random", "class"): 0.0, ("interval", "repa"): -5.0})).verdict == CANNOT
