"""The markdown of `results/d2c_grid.md`: tables of one profile's rows of the record, and the headline."""

from __future__ import annotations

import json

import pandas as pd

from . import stats
from .plan import METHODS, PROFILES


def mean_std(v: pd.Series) -> str:
    """`mean ± std (n=…)` of a table cell; `—` when there is no value."""
    v = v.dropna()
    if v.empty:
        return "—"
    mean, std = stats.mean_std(v)
    return f"{mean:.1f} ± {std:.1f} (n={len(v)})" if len(v) > 1 else f"{v.iloc[0]:.1f} (n=1)"


def seeds(n: int) -> str:
    return f"{n} seed{'s' * (n != 1)}"


def _yes(b: bool) -> str:
    return "yes" if b else "no"


def headline_lines(h: stats.Headline) -> list[str]:
    """The headline in words: per budget, the speed-up per seed and overall, each comparison, the verdict."""
    method, baseline, steps, alpha = h.method, h.baseline, h.steps, h.alpha
    lines: list[str] = []
    for b in h.budgets:
        lines.append(f"- **{b.per_class} per class**")
        for r in b.reaches:
            if r.step is None:
                lines.append(
                    f"  - seed {r.seed}: {baseline} ends at FID {r.target:.1f}; {method} never reaches it within {steps} steps"
                )
            else:
                lines.append(
                    f"  - seed {r.seed}: {baseline} ends at FID {r.target:.1f}; {method} reaches it at {r.step:.0f} steps → "
                    f"{r.ratio:.2f}×"
                )
        ratios, never = b.ratios, b.never
        if ratios or never:
            mean, std = stats.mean_std(ratios)
            spread = f" ± {std:.2f}" if std is not None else ""
            tail = f"; never reached in {never} of {seeds(len(ratios) + never)}" if never else ""
            lines.append(
                f"  - speed-up over {baseline}: {mean:.2f}×{spread} over {seeds(len(ratios))}{tail}"
                if ratios
                else f"  - speed-up over {baseline}: none (never reached in {seeds(never)})"
            )
        if not b.judged:
            continue
        for c in b.comparisons:
            test = f", Welch p = {c.p:.2f}" if c.p is not None else ""
            shared = ", ".join(str(x) for x in c.seeds)
            over = "" if c.all_seeds else f" (over seed{'s' * (len(c.seeds) > 1)} {shared}, which both have)"
            lines.append(
                f"  - {method} {c.mean:.1f} vs {c.other} {c.other_mean:.1f}{over}: {'lower' if c.better else 'not lower'} "
                f"by mean, lower in {c.wins} of {seeds(len(c.seeds))}{test}"
            )
        lines.append(
            f"  - {method} beats every baseline here (by mean): {_yes(b.beats_all)}; "
            f"significantly (Welch p < {alpha}): {_yes(b.significant)}"
        )
    judged = h.judged
    if judged:
        lines.append("")
        lines.append(
            f"**{method} beats every baseline at every budget measured: {_yes(all(b.beats_all for b in judged))} by mean; "
            f"{_yes(all(b.significant for b in judged))} at Welch p < {alpha}**"
        )
    return lines


def headline(main: pd.DataFrame, steps: int) -> list[str]:
    """The issue's two questions, per budget, from the main group's rows (one row per method × seed):
    steps for `interval` to reach `random`'s final FID (per seed, as a ratio), and whether `interval`
    beats every baseline (by mean over the seeds both methods have, seed by seed, and with Welch's t-test)."""
    return headline_lines(stats.headline(main, steps))


def tables(df: pd.DataFrame, profile: str) -> list[str]:
    """Markdown of the record's rows of one profile: main table, headline, full, ablation, k sweep."""
    prof = PROFILES[profile]
    steps = prof["train.steps"]
    md = [
        f"# D2C grid, profile `{profile}` (Fashion-MNIST, {prof.get('train.model', 'DiT-T/4')}, {steps} steps of "
        f"{prof.get('train.batch_size', 64)}, FID on {prof['eval.n_samples']} samples vs 2,000 test images, "
        f"DDIM {prof['eval.steps']} steps, cfg 1.5)",
        "",
        "Machines: " + "; ".join(f"{m} ({n} runs)" for m, n in df.machine.fillna("unrecorded").value_counts().items()),
        "",
    ]
    main = df[df.group == "main"]
    if len(main):
        md += [
            "## Main comparison: final FID (mean ± std over seeds, n = seeds)",
            "",
            "| per class | " + " | ".join(METHODS) + " |",
            "|---|" + "---|" * len(METHODS),
        ]
        for pc, g in main.groupby("per_class"):
            md.append(f"| {pc} | " + " | ".join(mean_std(g[g.method == m].fid) for m in METHODS) + " |")
        md += ["", "### FID at each evaluated step (mean over seeds)", ""]
        curves = []
        for _, r in main.iterrows():
            for s, f in json.loads(r.curve):
                curves.append({"per_class": r.per_class, "method": r.method, "step": s, "fid": f})
        if curves:
            c = pd.DataFrame(curves).groupby(["per_class", "method", "step"]).fid.mean().unstack("step")
            md += [c.reset_index().to_markdown(index=False, floatfmt=".1f")]
        sel = main.dropna(subset=["score_median"]) if "score_median" in main else main.iloc[:0]
        if len(sel):
            md += ["", "### What each method selects: diffusion difficulty of the subset (scorer loss; q10 / median / q90)", ""]
            s = sel.groupby(["per_class", "method"])[["k_used", "score_q10", "score_median", "score_q90", "score_median_corpus"]]
            t = s.first().reset_index()
            t["k_used"] = t["k_used"].map(lambda v: "—" if pd.isna(v) else str(int(v)))
            md += [t.to_markdown(index=False, floatfmt=".4f")]
        md += ["", "## Headline: steps for `interval` to reach `random`'s final FID; does `interval` beat every baseline?", ""]
        md += headline(main, steps)
    for group, title, cols in (
        ("full", "Full data (60,000 images, no REPA) at the same steps", ["name", "fid", "sfid", "precision", "recall"]),
        (
            "ablation",
            "Attach ablation at 0.8% interval (both = main-interval-b48-s0)",
            ["name", "conditioning", "proj_coeff", "fid", "sfid", "precision", "recall"],
        ),
        ("ksweep", "Interval-k sweep at 0.8% (k = 50 is main-interval-b48-s0)", ["name", "k", "fid", "sfid"]),
    ):
        g = df[df.group == group]
        if group == "ksweep" and len(g):
            g = pd.concat([g, main[(main.method == "interval") & (main.per_class == 48) & (main.seed == 0)]])
            g = g.sort_values("k")
        if len(g):
            md += ["", f"## {title}", "", g[cols].to_markdown(index=False, floatfmt=".2f")]
    return md


def render(df: pd.DataFrame, profile: str) -> str:
    """The whole markdown file of one profile."""
    return "\n".join(tables(df, profile)) + "\n"
