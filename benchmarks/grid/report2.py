"""The markdown of `results/d2c_grid2.md`: grid v2's verdicts, tables and effect sizes for one profile."""

from __future__ import annotations

import json
import math

import pandas as pd

from . import stats2
from .plan2 import (
    ATTACH,
    ATTACH_METHODS,
    ATTACH_WORDS,
    DATA_METHODS,
    METHODS,
    PER_CLASS,
    RECIPE,
    SMALL_K,
    SMALL_PER_CLASS,
    K,
)
from .stats2 import MEASURES, PRIMARY, AttachAnswer, Paired, SelectAnswer


def num(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def pval(p: float) -> str:
    return "—" if math.isnan(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def ci(lo: float, hi: float, digits: int = 1) -> str:
    return "—" if math.isnan(lo) else f"[{lo:.{digits}f}, {hi:.{digits}f}]"


def mean_sd(v: pd.Series, digits: int = 1) -> str:
    """`mean ± sd (n=…)`; `—` without values."""
    v = v.dropna().astype(float)
    if v.empty:
        return "—"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f} (n={len(v)})" if len(v) > 1 else f"{v.iloc[0]:.{digits}f} (n=1)"


def with_floor(v: pd.Series, floor: pd.Series, digits: int = 1) -> str:
    """A mean beside its real-data floor and their ratio: `152.3 ± 4.1 (n=4); floor 28.0, 5.4×`."""
    v, floor = v.dropna().astype(float), floor.dropna().astype(float)
    if v.empty:
        return "—"
    if floor.empty:
        return mean_sd(v, digits) + "; floor —"
    return f"{mean_sd(v, digits)}; floor {floor.mean():.{digits}f}, {v.mean() / floor.mean():.1f}×"


def effect(c: Paired, digits: int = 1) -> str:
    """`−12.3 [−20.1, −4.5] (−6.1%, p = 0.020)`: the mean paired difference, its 95% interval, relative size, p."""
    d = c.diff
    p = pval(d.p)
    p = p if p.startswith("<") else f"= {p}"
    rel = "" if math.isnan(c.relative) else f"{c.relative:+.1%}, "
    return f"{d.mean:+.{digits}f} {ci(d.lo, d.hi, digits)} ({rel}p {p})"


def paired_rows(comparisons: list[tuple[str, Paired]], final: bool, holm_p: dict | None = None) -> list[str]:
    """A markdown table of paired differences, one row per (label, comparison); A and B are means over
    the seeds both have. A row's own word (its p alone) shows once every planned seed is in (`final`);
    `holm_p` ((measure, B) -> Holm-adjusted p, as `SelectAnswer.holm_p`) adds the column the question's
    "no" is read from."""
    head = ["comparison", "A − B", "measure", "A", "B", "mean A − B [95% CI]", "relative", "d_z", "paired t p"]
    head += ["Holm p"] if holm_p is not None else []
    head += ["A lower in", "Wilcoxon p", "this row alone"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, c in comparisons:
        d = c.diff
        rel = "—" if math.isnan(c.relative) else f"{c.relative:+.1%}"
        cells = [name, f"{c.a} − {c.b}", MEASURES[c.measure], num(c.a_mean), num(c.b_mean), f"{num(d.mean)} {ci(d.lo, d.hi)}"]
        cells += [rel, num(c.dz, 2), pval(d.p)]
        cells += [pval(holm_p.get((c.measure, c.b), math.nan))] if holm_p is not None else []
        cells += [f"{c.wins} of {c.n}", pval(c.wilcoxon_p), c.verdict if final else "waits for its seeds"]
        out.append("| " + " | ".join(cells) + " |")
    return out


def method_table(cells: pd.DataFrame, by: list[str]) -> list[str]:
    """Per cell: final FID and probe FD beside their floors, AUC, class consistency."""
    rows = []
    for key, g in cells.groupby(by, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append(
            "| "
            + " | ".join(str(k) for k in key)
            + f" | {with_floor(g.fid, g.fid_floor)} | {with_floor(g.probe_fd, g.probe_fd_floor)} | {mean_sd(g.auc)} | "
            f"{mean_sd(g.class_consistency, 3)} |"
        )
    measures = ["final Inception FID; floor, × floor", "final probe FD; floor, × floor", "probe-FD AUC", "class consistency"]
    return ["| " + " | ".join([*by, *measures]) + " |", "|" + "---|" * (len(by) + len(measures)), *rows]


def curve_table(cells: pd.DataFrame, by: list[str]) -> str:
    """Probe FD at each evaluated step, mean over seeds."""
    pts = [{**{b: r[b] for b in by}, "step": s, "fd": f} for _, r in cells.iterrows() for s, f in json.loads(r.curve)]
    if not pts:
        return "(no curves)"
    t = pd.DataFrame(pts).groupby([*by, "step"], sort=False).fd.mean().unstack("step")
    return t.reset_index().to_markdown(index=False, floatfmt=".1f")


def waiting(a: SelectAnswer | AttachAnswer) -> str:
    """Why a question has no word yet: its verdict waits for every planned seed of every cell."""
    done, planned = a.progress
    return "" if a.complete else f" (waits for every planned seed: {done} of {planned} runs in)"


def select_section(a: SelectAnswer) -> list[str]:
    md = [
        f"## Question 1: does difficulty-aware Select beat the alternatives, Attach held fixed? ({PER_CLASS} per class, "
        f"{ATTACH_WORDS['text']}, no REPA, interval k = {K})",
        "",
        f"**{a.verdict}**{waiting(a)} at p < {stats2.ALPHA} — "
        + "; ".join(f"{MEASURES[m]}: {a.measure_verdict(m)}" for m in (*PRIMARY, "probe_fd"))
        + f" (yes: interval lower than every alternative on final FID and on AUC, each paired t-test at p < {stats2.ALPHA}, an "
        "intersection-union test; no: some alternative lower at Holm-adjusted p < 0.05 over the 6 tests of the two measures). "
        "The AUC is the probe FD's mean over the evaluated steps: it weighs how fast a model learns as much as where it ends.",
        "",
        *method_table(a.cells.sort_values("method", key=lambda s: s.map(METHODS.index), kind="stable"), ["method"]),
        "",
        "### Paired differences, interval − alternative, seed by seed (negative: interval lower, better; A, B: means over "
        "the seeds both have)",
        "",
        *paired_rows(
            [(f"interval vs {alt}", a.comparisons[(m, alt)]) for alt in a.alternatives for m in MEASURES],
            a.complete,
            a.holm_p,
        ),
        "",
        "### Probe FD at each evaluated step (mean over seeds)",
        "",
        curve_table(a.cells, ["method"]),
    ]
    sel = a.cells.dropna(subset=["score_median"]) if "score_median" in a.cells else a.cells.iloc[:0]
    if len(sel):
        t = sel.groupby("method", sort=False)[["score_q10", "score_median", "score_q90", "score_median_corpus"]].first()
        md += ["", "### What each method selects: diffusion difficulty of the subset (scorer loss)", ""]
        md += [t.reset_index().to_markdown(index=False, floatfmt=".4f")]
    return md


def attach_section(a: AttachAnswer) -> list[str]:
    md = [
        f"## Question 2: how much of the gain is Attach? ({PER_CLASS} per class, {{random, interval}} × "
        + "{"
        + ", ".join(ATTACH_WORDS.values())
        + "})",
        "",
        f"Most of D2C's gain over random without Attach is Attach: **{a.verdict}**{waiting(a)} at p < {stats2.ALPHA} — "
        + "; ".join(f"{MEASURES[m]}: {a.measure_verdict(m)}" for m in (*PRIMARY, "probe_fd"))
        + " (yes: D2C's gain T lies above 0 and the Attach share's 95% interval above ½, on final FID and on AUC; no: T above 0 "
        "and the share's 97.5% interval below ½ on either, Bonferroni over the two; cannot tell otherwise, also when D2C "
        "gains nothing over random without Attach).",
        "",
    ]
    order = {m: i for i, m in enumerate(ATTACH_METHODS)} | {k: 10 + i for i, k in enumerate(ATTACH)}
    cells = a.cells.assign(setting=a.cells.attach.map(ATTACH_WORDS)).sort_values(
        ["method", "attach", "seed"], key=lambda s: s.map(order) if s.name != "seed" else s
    )
    md += method_table(cells, ["method", "setting"])
    md += [
        "",
        "### Split of D2C's gain over random without Attach (per seed T = random·class − interval·repa; positive: D2C better)",
        "",
        "| measure | D2C's gain T [95% CI] | Attach part [95% CI] | Select part [95% CI] | Attach share [Fieller 95%] "
        "| per seed | most is Attach? |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in MEASURES:
        t, (att, sel), sh = a.totals[m], a.parts[m], a.shares[m]
        if sh.n < 2:
            share = f"{num(sh.share, 2)} (not measured: {sh.n} seed{'s' * (sh.n != 1)})"
        else:
            share = f"{num(sh.share, 2)} " + (ci(sh.lo, sh.hi, 2) if sh.bounded else "(unbounded: T not distinguishable from 0)")
        row = [MEASURES[m], *(f"{num(iv.mean)} {ci(iv.lo, iv.hi)}" for iv in (t, att, sel)), share]
        row += [", ".join(num(s, 2) for s in sh.per_seed), a.measure_verdict(m) if a.complete else "waits for its seeds"]
        md.append("| " + " | ".join(row) + " |")
    md += [
        "",
        "Attach part: ½[(random·class − random·repa) + (interval·class − interval·repa)]; Select part: T − Attach part "
        "(each averaged over both orders of adding Select and Attach).",
        "",
        "### Paired effects (A − B seed by seed over the seeds both have; negative: A lower, better)",
        "",
        *paired_rows([(label, c) for (m, label), c in a.effects.items() if m in PRIMARY], a.complete),
        "",
        "### Probe FD at each evaluated step (mean over seeds)",
        "",
        curve_table(cells, ["method", "setting"]),
    ]
    return md


def paper_sentence(a: AttachAnswer) -> str:
    """What our numbers say next to the paper's Tables 1 and 4."""
    no_attach = a.effects.get(("fid", "interval − random, class"))
    full = a.effects.get(("fid", "all of Attach, interval"))
    sh = a.shares.get("fid")
    if no_attach is None or full is None or sh is None or no_attach.n == 0:
        return "Not measured yet."
    return (
        f"The paper's Table 4 (interval without Attach, FID 37.07) beside its Table 1 (random, 35.86) suggests most of its gain "
        f"is Attach. Here ({no_attach.n} paired seeds), without Attach, interval − random in final FID is {effect(no_attach)}: "
        f"{no_attach.verdict}; Attach on interval (class only → class + text + REPA) moves it by {effect(full)}: {full.verdict}; "
        f"Attach's share of D2C's final-FID gain over random without Attach is {num(sh.share, 2)} "
        + (f"[{sh.lo:.2f}, {sh.hi:.2f}]" if sh.bounded else "(no bounded interval)")
        + "."
    )


def part3_section(df: pd.DataFrame, q1: SelectAnswer) -> list[str]:
    df = stats2.with_auc(df)
    md: list[str] = []
    spread = q1.comparisons.get(("fid", "random"))
    yard = (
        f" A one-seed difference is read against part 1's seed spread: interval − random's final FID differences "
        f"have a standard deviation of {num(spread.diff.sd)} over {spread.n} seeds."
        if spread is not None and spread.n >= 2
        else ""
    )
    small = df[(df.per_class == SMALL_PER_CLASS) & df.fid.notna()]
    if len(small):
        md += [
            f"## Part 3: {SMALL_PER_CLASS} per class (one seed; interval k = {SMALL_K}: the paper's k = 96 of ~1,300 as a share "
            "of each class's 6,000 difficulty ranks)",
            "",
            yard.strip(),
            "",
            *method_table(small.sort_values("method", key=lambda s: s.map(METHODS.index)), ["method", "seed"]),
        ]
    sweep = df[(df.per_class == PER_CLASS) & (df.method == "interval") & (df.attach == "text") & (df.seed == 0) & df.fid.notna()]
    if len(sweep) > 1:
        t = sweep.sort_values("k")[["name", "k", "fid", "fid_floor", "probe_fd", "probe_fd_floor", "auc"]]
        md += [
            "",
            f"## Part 3: interval's k at {PER_CLASS} per class (paper Fig. 6; seed 0, k = {K} is part 1's run)",
            "",
            yard.strip(),
            "",
            t.to_markdown(index=False, floatfmt=".1f"),
        ]
    data = df[df.target == "select"] if "target" in df else df.iloc[:0]
    if len(data):
        cols = [f"data_{m}{x}" for m in ("probe_fd", "fid") for x in ("", "_null_mean", "_percentile")]
        t = data.assign(order=data.method.map(lambda m: DATA_METHODS.index(m) if m in DATA_METHODS else 99)).sort_values(
            ["per_class", "order"], ascending=[False, True]
        )
        md += [
            "",
            "## Part 3: data-FID of each method's subset, no training (min / max only here)",
            "",
            "The subset's own images against the test split; null: random subsets with the same images per class "
            "(percentile near 0: closer to the data than almost every random subset).",
            "",
            t.assign(k_used=t.k_used.map(lambda v: "—" if pd.isna(v) else str(int(v))))[
                ["per_class", "method", "k_used", *cols]
            ].to_markdown(index=False, floatfmt=".3g"),
        ]
    return md


def q1_effects(q1: SelectAnswer, alt: str) -> str:
    fid, area = q1.comparisons[("fid", alt)], q1.comparisons[("auc", alt)]
    return f"interval − {alt} over {fid.n} paired seed{'s' * (fid.n != 1)}: final FID {effect(fid)}, AUC {effect(area)}"


def profiles_section(df: pd.DataFrame, other: pd.DataFrame, profile: str) -> list[str]:
    """The runs recorded under both this profile and another (same names: same plan, seeds and
    subsets, other hardware and kernels): how far their measures move between machines."""
    if other is None or other.empty:
        return []
    cols = ["name", "fid", "probe_fd"]
    both = df[cols].merge(other[[*cols, "profile"]], on="name", suffixes=("", "_other")).dropna(subset=["fid", "fid_other"])
    if both.empty:
        return []
    names = " and ".join(f"`{p}`" for p in sorted(set(both.profile)))
    lines = []
    for m, label in (("fid", "final Inception FID"), ("probe_fd", "final probe FD")):
        d = both[m] - both[f"{m}_other"]
        r = both[m].corr(both[f"{m}_other"]) if len(both) > 2 else float("nan")
        lines.append(
            f"- {label}: {profile} − other mean {d.mean():+.1f} (sd {d.std():.1f}, largest |difference| {d.abs().max():.1f}); "
            f"Pearson r across runs {num(r, 3)}"
        )
    t = both.assign(fid_diff=both.fid - both.fid_other, probe_fd_diff=both.probe_fd - both.probe_fd_other)
    return [
        f"## The same runs under profile {names}",
        "",
        f"{len(both)} runs are recorded under both `{profile}` and {names}: the same plan, seeds, subsets, initial weights "
        "and draws, on other hardware and kernels (not bit-identical: float sums in another order, and the small "
        "differences grow over 2,000 steps). How far a run's measures move between machines is the yardstick for any "
        "one-seed difference in either record:",
        "",
        *lines,
        "",
        t[["name", "fid", "fid_other", "fid_diff", "probe_fd", "probe_fd_other", "probe_fd_diff"]]
        .rename(
            columns={
                "fid": f"fid ({profile})",
                "fid_other": "fid (other)",
                "probe_fd": f"probe_fd ({profile})",
                "probe_fd_other": "probe_fd (other)",
            }
        )
        .to_markdown(index=False, floatfmt=".1f"),
    ]


def render(df: pd.DataFrame, profile: str, other: pd.DataFrame | None = None) -> str:
    """The whole markdown file of one profile's rows (`other`: other profiles' rows, for the runs both hold)."""
    machines = "; ".join(f"{m} ({n} runs)" for m, n in df.machine.fillna("unrecorded").value_counts().items())
    md = [
        f"# D2C grid v2 (issue 19), profile `{profile}`",
        "",
        f"Fashion-MNIST; {RECIPE['train.model']} + Min-SNR-5, {RECIPE['train.steps']} steps of {RECIPE['train.batch_size']}, "
        f"lr {RECIPE['train.lr']} constant; eval: {RECIPE['eval.n_samples']} samples, DDIM {RECIPE['eval.steps']}, guidance "
        f"{RECIPE['eval.cfg']}; the probe FD at every EMA snapshot (every {RECIPE['train.snapshot_every']} steps) and the "
        "Inception FID of the final weights against 2,000 test images, each beside the same measure of as many real training "
        "images (its floor). Seed s of every run shares the train seed (initial weights, classes, batch positions, t and ε) "
        "and the eval noise: differences are paired by seed. Record: `d2c_grid2.csv`; the first grid (history) is "
        "`d2c_grid.md`.",
        "",
        f"Machines: {machines}",
        "",
    ]
    q1, q2 = stats2.select_question(df), stats2.attach_question(df)
    md += [
        "## Verdicts",
        "",
        f"- **Q1, Select with Attach fixed: interval beats random, herding and kcenter — {q1.verdict}**{waiting(q1)}. "
        + "; ".join(q1_effects(q1, alt) for alt in q1.alternatives),
        f"- **Q2, how much of the gain is Attach: most of it — {q2.verdict}**{waiting(q2)}. {paper_sentence(q2)}",
        "",
    ]
    md += select_section(q1) + [""] + attach_section(q2)
    part3 = part3_section(df, q1)
    if part3:
        md += [""] + part3
    across = profiles_section(df, other, profile)
    if across:
        md += [""] + across
    return "\n".join(md) + "\n"
