"""The headline's arithmetic, from the main group's rows (one row per method × budget × seed).

Two questions per budget: how many steps `method` needs to reach `baseline`'s final FID (per seed,
as a speed-up ratio), and whether `method` beats every other method, compared seed by seed over
the seeds both have (by mean, by wins, and with Welch's t-test). `report.headline` words the answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .plan import METHODS

ALPHA = 0.05  # the significance level of the headline's Welch tests


def steps_to_reach(curve: Sequence[tuple[int, float]], target: float) -> float | None:
    """First training step at which a FID curve reaches `target` (linear between evaluated steps)."""
    prev = None
    for step, fid in curve:
        if fid <= target:
            if prev is None or prev[1] == fid:
                return float(step)
            (s0, f0) = prev
            return s0 + (f0 - target) / (f0 - fid) * (step - s0)
        prev = (step, fid)
    return None


def mean_std(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None for fewer than two values)."""
    v = pd.Series(values, dtype=float)
    return v.mean(), (v.std(ddof=1) if len(v) > 1 else None)


@dataclass(frozen=True)
class Reach:
    """One seed: `baseline`'s final FID, and the step at which `method`'s curve first reaches it."""

    seed: Any
    target: float
    step: float | None  # None: never within the run
    steps: int  # the run's length

    @property
    def ratio(self) -> float | None:
        """Speed-up: the run's steps over the steps `method` needed (None: never reached)."""
        return None if self.step is None else self.steps / self.step


@dataclass(frozen=True)
class Comparison:
    """`method` against `other` over the seeds both have."""

    method: str
    other: str
    seeds: list  # the seeds both have, in `method`'s order
    all_seeds: bool  # every seed `method` has
    mean: float
    other_mean: float
    wins: int  # seeds where `method`'s FID is lower
    p: float | None  # Welch's t-test (None with a single seed)
    alpha: float

    @property
    def better(self) -> bool:
        """Lower FID by mean."""
        return bool(self.mean < self.other_mean)

    @property
    def significant(self) -> bool:
        return bool(self.better and (1.0 if self.p is None else self.p) < self.alpha)


@dataclass
class Budget:
    """Both questions at one budget."""

    per_class: Any
    reaches: list[Reach] = field(default_factory=list)
    baselines: list[str] = field(default_factory=list)  # methods measured here ([] when `method` has no FID here)
    comparisons: list[Comparison] = field(default_factory=list)  # those with seeds in common with `method`
    complete: bool = False  # every method of the grid measured here

    @property
    def ratios(self) -> list[float]:
        return [r.ratio for r in self.reaches if r.ratio is not None]

    @property
    def never(self) -> int:
        return sum(r.step is None for r in self.reaches)

    @property
    def judged(self) -> bool:
        """`method` and at least one other method were measured here."""
        return bool(self.baselines)

    @property
    def beats_all(self) -> bool:
        """Lower by mean than every method of the grid, each over the seeds both have."""
        return self._all(lambda c: c.better)

    @property
    def significant(self) -> bool:
        """Lower by mean than every method of the grid, each at Welch p < alpha."""
        return self._all(lambda c: c.significant)

    def _all(self, test) -> bool:
        compared = len(self.comparisons) == len(self.baselines)  # none without seeds in common
        return self.complete and compared and all(test(c) for c in self.comparisons)


@dataclass
class Headline:
    method: str
    baseline: str
    steps: int
    alpha: float
    budgets: list[Budget]

    @property
    def judged(self) -> list[Budget]:
        return [b for b in self.budgets if b.judged]


def reaches(g: pd.DataFrame, steps: int, method: str = "interval", baseline: str = "random") -> list[Reach]:
    """Per seed with both methods: `baseline`'s final FID and when `method`'s curve reaches it."""
    out = []
    for seed, gs in g.groupby("seed"):
        iv, rd = gs[gs.method == method], gs[gs.method == baseline]
        if iv.empty or rd.empty:
            continue
        target = float(rd.fid.iloc[0])
        out.append(Reach(seed, target, steps_to_reach([tuple(x) for x in json.loads(iv.curve.iloc[0])], target), steps))
    return out


def compare(g: pd.DataFrame, method: str, other: str, alpha: float = ALPHA) -> Comparison | None:
    """`method`'s final FIDs against `other`'s over the seeds both have (None: no seed in common)."""
    from scipy import stats

    a = g[g.method == method].set_index("seed").fid.dropna()
    o = g[g.method == other].set_index("seed").fid.dropna()
    # Compared over the seeds both have: a mean over seeds 0-2 against one over seed 0 alone
    # would mix training noise into the comparison.
    paired = a.index.intersection(o.index)
    if paired.empty:
        return None
    x, y = a[paired], o[paired]
    p = stats.ttest_ind(x, y, equal_var=False).pvalue if len(paired) > 1 else None
    return Comparison(method, other, list(paired), len(paired) == len(a), x.mean(), y.mean(), int((x < y).sum()), p, alpha)


def headline(
    main: pd.DataFrame,
    steps: int,
    method: str = "interval",
    baseline: str = "random",
    methods: Sequence[str] = METHODS,
    alpha: float = ALPHA,
) -> Headline:
    """Both questions at every budget of `main` (columns per_class, method, seed, fid, curve)."""
    budgets = []
    for pc, g in main.groupby("per_class"):
        b = Budget(pc, reaches(g, steps, method, baseline))
        if g[g.method == method].fid.notna().any():
            b.baselines = [m for m in methods if m != method and g[g.method == m].fid.notna().any()]
            b.comparisons = [c for m in b.baselines if (c := compare(g, method, m, alpha)) is not None]
            b.complete = len(b.baselines) == len(methods) - 1
        budgets.append(b)
    return Headline(method, baseline, steps, alpha, budgets)
