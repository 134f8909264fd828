"""Grid v2's arithmetic: paired differences over seeds, their t intervals and tests, the verdicts.

Seed s of every method and Attach setting shares the train seed (initial weights, classes, batch
positions, t and ε of every step) and the eval noise, so a comparison is made seed by seed:
d_s = A_s − B_s, and the question is whether the mean of d differs from 0.

- `t_interval`: mean of d with its 95% t confidence interval (n − 1 degrees of freedom) and the
  paired t-test's two-sided p; the Wilcoxon signed-rank p and the count of seeds where A is lower
  are secondary (with 4 seeds the smallest two-sided Wilcoxon p is 0.125: it cannot reach 0.05).
- Measures (`MEASURES`), lower is better for each: the final Inception FID, the final probe FD, and
  the area under the probe-FD curve (trapezoid over the evaluated steps divided by the step range:
  the curve's mean FD, so it is on the FD's scale).
- A verdict (`Paired.verdict`): "yes" when A is lower at p < alpha (the CI lies below 0), "no" when A
  is higher at p < alpha (the CI lies above 0), "cannot tell" otherwise (or with fewer than 2 seeds).

Question 1 (`select_question`): interval against each alternative at 48 per class, Attach fixed.
"yes" for a measure when interval beats every alternative (an intersection-union test: each at
alpha, no correction needed for "beats all"). The question's word combines the two primary
measures (final FID and AUC): yes only if both say yes (again intersection-union, still at alpha).
"no" (some alternative beats interval) is a union over the 3 alternatives × 2 primary measures, so
it is read from Holm-adjusted p-values over those 6 tests (`holm`): uncorrected, a false "no" came
out 7-13% of the time under the null (measures moving together / independent) instead of 5%. A
question's word is "no" if a measure says no and none yes, "cannot tell" otherwise, also when the
measures disagree (`combine`).
A question's word waits for every planned seed of every cell (`planned_seeds_in`): the record is
read as runs finish, and a verdict that could appear at any count of seeds would be optional
stopping. Until then the paired rows are shown, the word is "cannot tell".

Question 2 (`attach_question`): {random, interval} × {class, class + text, class + text + REPA}.
D2C's whole gain over random without Attach, per seed, T = random·class − interval·repa, splits
exactly into an Attach part and a Select part, each averaged over the two orders in which they can
be added (a Shapley split): A = ½[(random·class − random·repa) + (interval·class − interval·repa)],
S = T − A. The share of the gain that is Attach, mean(A) / mean(T), gets Fieller's 95% interval for
a ratio of paired means (unbounded when T itself is not distinguishable from 0). A share only
means something when there is a gain to share: each measure's word needs T's own interval above 0
(D2C better than random without Attach), else "cannot tell" (a negative T over a negative Attach part
also gives a bounded share). Then "yes, most of the gain is Attach" when the share's interval lies
above ½ on both primary measures; "no" when it lies below ½ on one of them, each read at alpha / 2
(a union over the two measures, Bonferroni).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import GridError
from .plan2 import ATTACH, ATTACH_METHODS, ATTACH_SEEDS, METHODS, PER_CLASS, SELECT_ATTACH, SELECT_SEEDS, K

ALPHA = 0.05
YES, NO, CANNOT = "yes", "no", "cannot tell"
MEASURES = {
    "fid": "final Inception FID",
    "auc": "probe-FD AUC (mean FD over steps)",
    "probe_fd": "final probe FD",
}
PRIMARY = ("fid", "auc")  # the measures a question's word rests on
FLOORS = {"fid": "fid_floor", "probe_fd": "probe_fd_floor", "auc": "probe_fd_floor"}
BASELINE = "interval"  # the method whose advantage is asked about
HALF = 0.5  # question 2: "most of the gain" is a share above a half


def auc(curve: Sequence[Sequence[float]]) -> float:
    """Mean of a (step, FD) curve over its step range: trapezoid area / (last step − first step);
    a single point is its own mean; NaN without points."""
    pts = sorted((float(s), float(v)) for s, v in curve)
    if not pts:
        return math.nan
    if len(pts) == 1:
        return pts[0][1]
    s, v = np.array(pts).T
    return float(np.sum((v[1:] + v[:-1]) / 2 * np.diff(s)) / (s[-1] - s[0]))


class UnequalCurves(GridError):
    """Runs whose probe-FD curves were measured at different steps: their AUCs are means over
    different ranges and cannot be paired."""


def with_auc(df: pd.DataFrame) -> pd.DataFrame:
    """The record's rows with an `auc` column from each row's probe-FD curve (JSON); every curve of
    `df` must be measured at the same steps (`UnequalCurves` names the odd runs)."""
    out = df.copy()
    curves = [json.loads(c) if isinstance(c, str) else None for c in out.get("curve", pd.Series(dtype=object))]
    grids = pd.Series([tuple(sorted(float(s) for s, _ in c)) if c else None for c in curves], index=out.index)
    if grids.dropna().nunique() > 1:
        usual = grids.dropna().mode()[0]
        odd = out.loc[grids.notna() & (grids != usual)]
        raise UnequalCurves(
            f"probe-FD curves at other steps than {[int(x) for x in usual]}: "
            + ", ".join(f"{n} {[int(x) for x in grids[i]]}" for i, n in odd["name"].items())
        )
    out["auc"] = [auc(c) if c else math.nan for c in curves]
    return out


@dataclass(frozen=True)
class Interval:
    n: int
    mean: float
    lo: float  # 95% t interval of the mean (NaN below 2 values)
    hi: float
    sd: float
    p: float  # two-sided one-sample t-test of mean 0 (NaN below 2 values or without spread)


def t_interval(d: Sequence[float], alpha: float = ALPHA) -> Interval:
    """Mean of `d` with its (1 − alpha) t confidence interval and the t-test's two-sided p."""
    from scipy import stats

    d = np.asarray(d, dtype=float)
    n = len(d)
    if n == 0:
        return Interval(0, math.nan, math.nan, math.nan, math.nan, math.nan)
    mean = float(d.mean())
    if n < 2:
        return Interval(n, mean, math.nan, math.nan, math.nan, math.nan)
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    half = float(stats.t.ppf(1 - alpha / 2, n - 1)) * se
    if sd == 0:  # every seed the same difference: no spread to test against
        p = math.nan if mean == 0 else 0.0
    else:  # the one-sample (paired) t-test, two-sided
        p = float(2 * stats.t.sf(abs(mean) / se, n - 1))
    return Interval(n, mean, mean - half, mean + half, sd, p)


def verdict(iv: Interval, alpha: float = ALPHA) -> str:
    """yes: the mean is below 0 at p < alpha; no: above 0 at p < alpha; cannot tell otherwise."""
    if iv.n < 2 or math.isnan(iv.p) or iv.p >= alpha:
        return CANNOT
    return YES if iv.mean < 0 else NO


@dataclass(frozen=True)
class Paired:
    """A − B over the seeds both have, for one measure (lower is better)."""

    a: str
    b: str
    measure: str
    seeds: tuple
    a_values: tuple
    b_values: tuple
    diff: Interval
    wins: int  # seeds where A is lower
    wilcoxon_p: float  # NaN below 2 seeds or when every difference is 0
    alpha: float = ALPHA

    @property
    def n(self) -> int:
        return len(self.seeds)

    @property
    def a_mean(self) -> float:
        return float(np.mean(self.a_values)) if self.a_values else math.nan

    @property
    def b_mean(self) -> float:
        return float(np.mean(self.b_values)) if self.b_values else math.nan

    @property
    def relative(self) -> float:
        """The mean difference as a share of B's mean."""
        return self.diff.mean / self.b_mean if self.b_mean else math.nan

    @property
    def dz(self) -> float:
        """Standardised paired effect: mean difference over the differences' standard deviation."""
        return self.diff.mean / self.diff.sd if self.diff.sd else math.nan

    @property
    def verdict(self) -> str:
        return verdict(self.diff, self.alpha)


def paired(a: pd.Series, b: pd.Series, a_name: str, b_name: str, measure: str, alpha: float = ALPHA) -> Paired:
    """A − B per seed (series indexed by seed), over the seeds both have a value for."""
    from scipy import stats

    a, b = a.dropna(), b.dropna()
    seeds = sorted(set(a.index) & set(b.index))
    x = np.array([a[s] for s in seeds], dtype=float)
    y = np.array([b[s] for s in seeds], dtype=float)
    d = x - y
    w = math.nan
    if len(d) >= 2 and np.any(d != 0):
        w = float(stats.wilcoxon(d).pvalue)
    return Paired(a_name, b_name, measure, tuple(seeds), tuple(x), tuple(y), t_interval(d, alpha), int((d < 0).sum()), w, alpha)


def values(df: pd.DataFrame, measure: str, **where) -> pd.Series:
    """`measure` by seed of the rows matching every `where` (column = value); one row per seed."""
    m = pd.Series(True, index=df.index)
    for col, v in where.items():
        m &= df[col] == v
    g = df[m]
    if g.seed.duplicated().any():
        raise ValueError(f"more than one run per seed for {where}")
    return g.set_index("seed")[measure].astype(float)


def at_48(df: pd.DataFrame) -> pd.DataFrame:
    """Trained runs at 48 per class, interval at its k = 50 only (the k sweep is part 3)."""
    return df[(df.per_class == PER_CLASS) & df.fid.notna() & ((df.method != "interval") | (df.k == K))]


def holm(ps: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error at alpha over every test of `ps`);
    NaN stays NaN and counts in the family size."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: (math.isnan(ps[i]), ps[i]))
    adjusted, running = [math.nan] * m, 0.0
    for rank, i in enumerate(order):
        if math.isnan(ps[i]):
            continue
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted


def combine(words: Sequence[str]) -> str:
    """One word from several measures of one claim: yes if all say yes; no if some say no and none
    yes; cannot tell otherwise (also when the measures disagree)."""
    if words and all(w == YES for w in words):
        return YES
    if NO in words and YES not in words:
        return NO
    return CANNOT


# --- question 1: Select with Attach held fixed ----------------------------------------------------------
@dataclass
class SelectAnswer:
    cells: pd.DataFrame  # the rows compared (48 per class, class + text, no REPA)
    comparisons: dict  # (measure, alternative) -> Paired: interval − alternative
    alternatives: tuple
    complete: bool  # every method measured on every planned seed (`SELECT_SEEDS`)
    progress: tuple = (0, 0)  # (runs measured, runs planned) of the question's cells and planned seeds
    holm_p: dict = field(default_factory=dict)  # (measure, alternative) -> Holm-adjusted p of its family
    alpha: float = ALPHA

    def measure_verdict(self, measure: str) -> str:
        """yes: interval lower than every alternative, each at p < alpha; no: an alternative lower at
        Holm-adjusted p < alpha; cannot tell otherwise, and always before every planned seed is in."""
        keys = [(measure, m) for m in self.alternatives if (measure, m) in self.comparisons]
        if not self.complete or not keys:
            return CANNOT
        if all(self.comparisons[k].verdict == YES for k in keys):
            return YES
        beaten = [self.comparisons[k].diff.mean > 0 and self.holm_p.get(k, math.nan) < self.alpha for k in keys]
        return NO if any(beaten) else CANNOT

    @property
    def verdict(self) -> str:
        return combine([self.measure_verdict(m) for m in PRIMARY]) if self.complete else CANNOT


def planned_seeds_in(measured: pd.Series, seeds: Sequence[int]) -> bool:
    """Whether every planned seed has a value: a verdict waits for all of them, so that reading the
    record while runs finish (optional stopping) cannot pick a lucky moment."""
    return set(seeds) <= set(measured.dropna().index)


def seed_progress(measured: Sequence[pd.Series], seeds: Sequence[int]) -> tuple[int, int]:
    """(runs in, runs planned) over the cells `measured` (one series by seed each) and planned `seeds`."""
    return sum(len(set(seeds) & set(s.dropna().index)) for s in measured), len(measured) * len(seeds)


def select_question(df: pd.DataFrame, alpha: float = ALPHA, planned: Sequence[int] = SELECT_SEEDS) -> SelectAnswer:
    """Question 1 from the record's rows of one profile; its verdict waits for every one of `planned`."""
    df = at_48(with_auc(df))
    cells = df[(df.attach == SELECT_ATTACH) & df.method.isin(METHODS)]
    alternatives = tuple(m for m in METHODS if m != BASELINE)
    comparisons = {}
    for measure in MEASURES:
        base = values(cells, measure, method=BASELINE)
        for m in alternatives:
            comparisons[(measure, m)] = paired(base, values(cells, measure, method=m), BASELINE, m, measure, alpha)
    complete = all(planned_seeds_in(values(cells, measure, method=m), planned) for measure in PRIMARY for m in METHODS)
    holm_p = {}
    for family in (
        [(ms, m) for ms in PRIMARY for m in alternatives],
        [(ms, m) for ms in MEASURES if ms not in PRIMARY for m in alternatives],
    ):
        holm_p.update(zip(family, holm([comparisons[k].diff.p for k in family]), strict=True))
    progress = seed_progress([values(cells, "fid", method=m) for m in METHODS], planned)
    return SelectAnswer(cells, comparisons, alternatives, complete, progress, holm_p, alpha)


# --- question 2: how much of the gain is Attach -----------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """mean(A) / mean(T) of paired A, T with Fieller's interval (lo, hi NaN: unbounded)."""

    n: int
    share: float
    lo: float
    hi: float
    per_seed: tuple

    @property
    def bounded(self) -> bool:
        return not (math.isnan(self.lo) or math.isnan(self.hi))

    def verdict(self, threshold: float = HALF) -> str:
        """yes: the share's interval lies above `threshold`; no: below; cannot tell otherwise."""
        if not self.bounded:
            return CANNOT
        return YES if self.lo > threshold else NO if self.hi < threshold else CANNOT


def fieller(a: Sequence[float], t: Sequence[float], alpha: float = ALPHA) -> Share:
    """Fieller's (1 − alpha) interval for mean(a) / mean(t) from paired samples: every θ for which
    the paired t-test does not reject mean(a − θ·t) = 0."""
    from scipy import stats

    a, t = np.asarray(a, float), np.asarray(t, float)
    n = len(a)
    per_seed = tuple(float(x / y) if y else math.nan for x, y in zip(a, t, strict=True))
    share = float(a.mean() / t.mean()) if n and t.mean() else math.nan
    if n < 2:
        return Share(n, share, math.nan, math.nan, per_seed)
    q2 = float(stats.t.ppf(1 - alpha / 2, n - 1)) ** 2 / n
    saa, stt, sat = np.var(a, ddof=1), np.var(t, ddof=1), np.cov(a, t, ddof=1)[0, 1]
    qa = t.mean() ** 2 - q2 * stt  # θ² term
    qb = a.mean() * t.mean() - q2 * sat  # −½ θ term
    qc = a.mean() ** 2 - q2 * saa
    disc = qb * qb - qa * qc
    if qa <= 0 or disc < 0:  # T not distinguishable from 0: the ratio has no bounded interval
        return Share(n, share, math.nan, math.nan, per_seed)
    root = math.sqrt(disc)
    return Share(n, share, float((qb - root) / qa), float((qb + root) / qa), per_seed)


@dataclass
class AttachAnswer:
    cells: pd.DataFrame
    effects: dict  # (measure, label) -> Paired
    shares: dict  # measure -> Share of Attach in D2C's gain
    totals: dict  # measure -> Interval of T (D2C's gain over random without Attach, positive = better)
    parts: dict  # measure -> (Interval of A, Interval of S): the Attach and Select parts of T
    complete: bool  # every cell measured on every planned seed (`ATTACH_SEEDS`)
    progress: tuple = (0, 0)  # (runs measured, runs planned) of the question's cells and planned seeds
    strict: dict = field(default_factory=dict)  # measure -> Share at alpha / len(PRIMARY): the "no" side

    def measure_verdict(self, measure: str) -> str:
        """yes: D2C gains (T above 0) and Attach's share lies above ½; no: D2C gains and the share lies
        below ½ at alpha / 2; cannot tell otherwise (also with no gain to share)."""
        if not self.complete or measure not in self.shares or not self.totals[measure].lo > 0:
            return CANNOT
        if self.shares[measure].verdict() == YES:
            return YES
        return NO if measure in self.strict and self.strict[measure].verdict() == NO else CANNOT

    @property
    def verdict(self) -> str:
        return combine([self.measure_verdict(m) for m in PRIMARY]) if self.complete else CANNOT


ATTACH_EFFECTS = (  # (label, A's Attach, B's Attach): A − B within one method
    ("text", "text", "class"),
    ("REPA", "repa", "text"),
    ("all of Attach", "repa", "class"),
)


def attach_question(df: pd.DataFrame, alpha: float = ALPHA, planned: Sequence[int] = ATTACH_SEEDS) -> AttachAnswer:
    """Question 2 from the record's rows of one profile; its verdict waits for every one of `planned`."""
    df = at_48(with_auc(df))
    cells = df[df.method.isin(ATTACH_METHODS) & df.attach.isin(list(ATTACH))]
    effects, shares, strict, totals, parts = {}, {}, {}, {}, {}
    complete = True
    for measure in MEASURES:
        v = {(m, a): values(cells, measure, method=m, attach=a) for m in ATTACH_METHODS for a in ATTACH}
        for a in ATTACH:  # Select within each Attach setting
            effects[(measure, f"interval − random, {a}")] = paired(
                v[("interval", a)], v[("random", a)], f"interval·{a}", f"random·{a}", measure, alpha
            )
        for m in ATTACH_METHODS:
            for label, x, y in ATTACH_EFFECTS:
                effects[(measure, f"{label}, {m}")] = paired(v[(m, x)], v[(m, y)], f"{m}·{x}", f"{m}·{y}", measure, alpha)
        seeds = sorted(set.intersection(*(set(s.dropna().index) for s in v.values())))
        complete &= all(planned_seeds_in(s, planned) for s in v.values()) if measure in PRIMARY else True
        at = {k: s.reindex(seeds).to_numpy(dtype=float) for k, s in v.items()}
        total = at[("random", "class")] - at[("interval", "repa")]
        attach_random = at[("random", "class")] - at[("random", "repa")]
        attach = 0.5 * (attach_random + at[("interval", "class")] - at[("interval", "repa")])
        totals[measure] = t_interval(total, alpha)
        parts[measure] = (t_interval(attach, alpha), t_interval(total - attach, alpha))
        shares[measure] = fieller(attach, total, alpha)
        strict[measure] = fieller(attach, total, alpha / len(PRIMARY))
    progress = seed_progress([values(cells, "fid", method=m, attach=a) for m in ATTACH_METHODS for a in ATTACH], planned)
    return AttachAnswer(cells, effects, shares, totals, parts, complete, progress, strict)
