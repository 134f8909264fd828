"""Grid v2's figure (`results/d2c_grid2_fd_vs_steps.png`): probe FD vs training steps with seed bands.

Panels: question 1 (the four methods at 48 per class, Attach fixed), its paired view (interval's
curve minus each alternative's, seed by seed: what the test sees), question 2 ({random, interval} ×
three Attach settings), part 3's 10 per class, and interval's k sweep (final Inception FID by k).
Each line is the mean over seeds; its band the 95% t interval of that mean (n ≥ 2); the dashed grey
line the real-data floor of the same measure.
"""

from __future__ import annotations

import json

import pandas as pd

from . import stats2
from .plan2 import ATTACH, ATTACH_METHODS, ATTACH_WORDS, METHODS, PER_CLASS, SELECT_ATTACH, SMALL_PER_CLASS, K
from .plot import COLOURS

STYLES = {"class": ":", "text": "-", "repa": "--"}


def mean_band(runs: list[dict]) -> tuple[list[int], list[float], list[float], list[float]]:
    """Steps, mean, and the 95% t interval of the mean over runs ({step: FD}); NaN bands for one run."""
    steps = sorted(set().union(*runs))
    mean, lo, hi = [], [], []
    for s in steps:
        iv = stats2.t_interval([r[s] for r in runs if s in r])
        mean.append(iv.mean)
        lo.append(iv.lo)
        hi.append(iv.hi)
    return steps, mean, lo, hi


def _curves(ax, g: pd.DataFrame, label: str, colour: str, style: str = "-") -> None:
    runs = [dict(json.loads(c)) for c in g.curve if isinstance(c, str)]
    runs = [{int(k): v for k, v in r.items()} for r in runs if r]
    if not runs:
        return
    steps, mean, lo, hi = mean_band(runs)
    ax.plot(steps, mean, style, marker="o", ms=3, color=colour, label=f"{label} (n={len(runs)})")
    if len(runs) > 1:
        ax.fill_between(steps, lo, hi, color=colour, alpha=0.15)


def _floor(ax, g: pd.DataFrame, column: str = "probe_fd_floor") -> None:
    floor = g[column].dropna() if column in g else pd.Series(dtype=float)
    if len(floor):
        ax.axhline(float(floor.mean()), color="grey", ls="--", lw=1, label=f"real-data floor {floor.mean():.1f}")


def _axes(ax, title: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("training step")
    ax.set_ylabel("probe FD (lower is better)")
    ax.set_yscale("log")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)


def figure(df: pd.DataFrame, profile: str):
    """The caller saves and closes it (`plot.save`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trained = df[df.fid.notna()] if "fid" in df else df.iloc[:0]
    at48 = trained[(trained.per_class == PER_CLASS) & ((trained.method != "interval") | (trained.k == K))]
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.2), squeeze=False)
    ax = axes[0][0]
    q1 = at48[at48.attach == SELECT_ATTACH]
    for m in METHODS:
        _curves(ax, q1[q1.method == m], m, COLOURS[m])
    _floor(ax, q1)
    _axes(ax, f"Q1: Select at {PER_CLASS}/class, {ATTACH_WORDS[SELECT_ATTACH]} (band: 95% CI over seeds)")
    ax = axes[0][1]
    base = {int(r.seed): dict(json.loads(r.curve)) for r in q1[q1.method == stats2.BASELINE].itertuples()}
    for m in METHODS:
        if m == stats2.BASELINE:
            continue
        diffs = []
        for r in q1[q1.method == m].itertuples():
            other = {int(k): v for k, v in json.loads(r.curve)}
            mine = {int(k): v for k, v in base.get(int(r.seed), {}).items()}
            diffs.append({s: mine[s] - other[s] for s in other if s in mine})
        diffs = [d for d in diffs if d]
        if diffs:
            steps, mean, lo, hi = mean_band(diffs)
            ax.plot(steps, mean, marker="o", ms=3, color=COLOURS[m], label=f"{stats2.BASELINE} − {m} (n={len(diffs)})")
            if len(diffs) > 1:
                ax.fill_between(steps, lo, hi, color=COLOURS[m], alpha=0.15)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_title("Q1 paired: interval − alternative, same seed (band: 95% CI)", fontsize=9)
    ax.set_xlabel("training step")
    ax.set_ylabel("probe FD difference (< 0: interval better)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)
    ax = axes[0][2]
    for m in ATTACH_METHODS:
        for a in ATTACH:
            _curves(ax, at48[(at48.method == m) & (at48.attach == a)], f"{m}, {ATTACH_WORDS[a]}", COLOURS[m], STYLES[a])
    _floor(ax, at48)
    _axes(ax, f"Q2: Attach at {PER_CLASS}/class (band: 95% CI over seeds)")
    ax = axes[0][3]
    small = trained[trained.per_class == SMALL_PER_CLASS]
    for m in METHODS:
        _curves(ax, small[small.method == m], m, COLOURS[m])
    _floor(ax, small)
    _axes(ax, f"part 3: {SMALL_PER_CLASS}/class (one seed)")
    ax = axes[0][4]
    interval = trained[(trained.method == "interval") & (trained.attach == SELECT_ATTACH)]
    sweep = interval[(interval.per_class == PER_CLASS) & (interval.seed == 0)].sort_values("k")
    if len(sweep):
        ax.plot(sweep.k, sweep.fid, marker="o", color=COLOURS["interval"], label="final Inception FID, seed 0")
        k50 = q1[q1.method == "interval"].fid.dropna()
        if len(k50) > 1:
            label = f"k = {K} over {len(k50)} seeds (min–max)"
            ax.axhspan(k50.min(), k50.max(), color=COLOURS["interval"], alpha=0.12, label=label)
        _floor(ax, sweep, "fid_floor")
        ax.set_xscale("log")
        ax.legend(fontsize=6)
    ax.set_title(f"part 3: interval k sweep at {PER_CLASS}/class", fontsize=9)
    ax.set_xlabel("k")
    ax.set_ylabel("final Inception FID")
    fig.suptitle(f"D2C grid v2, profile {profile}: probe FD vs training steps on Fashion-MNIST (mean over seeds)")
    fig.tight_layout()
    return fig
