"""benchmarks/grid/report.py: the markdown tables and the worded headline."""

from __future__ import annotations

import sys

import pandas as pd
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import known_experiments  # noqa: E402
from grid.record import row_of  # noqa: E402
from grid.report import headline, mean_std, render, seeds  # noqa: E402

KNOWN = known_experiments()


def row(name: str, fid: float, curve: list[tuple[int, float]], **shown) -> dict:
    shown = {"eval:fid": fid, "eval:sfid": fid + 90, **{f"eval:fid_at.{s}": f for s, f in curve}, **shown}
    return row_of(KNOWN[name], shown, "test machine, 2 cores", "2026-11-25")


def main_rows(per_class: int = 48) -> list[dict]:
    # interval reaches random's final FID at 750 of 1000 steps in seed 0, never in seed 1.
    rows = []
    for seed, (iv, rd, hd, kc) in enumerate([(150.0, 200.0, 190.0, 210.0), (220.0, 202.0, 192.0, 212.0)]):
        rows += [
            row(f"main-interval-b48-s{seed}", iv, [(500, 250.0), (1000, iv)]),
            row(f"main-random-b48-s{seed}", rd, [(500, 260.0), (1000, rd)]),
            row(f"main-herding-b48-s{seed}", hd, [(500, 255.0), (1000, hd)]),
            row(f"main-kcenter-b48-s{seed}", kc, [(500, 265.0), (1000, kc)]),
        ]
    return [dict(r, per_class=per_class) for r in rows]


def test_table_cells_and_seed_counts():
    assert mean_std(pd.Series([200.0, 201.0, None])) == "200.5 ± 0.7 (n=2)"
    assert mean_std(pd.Series([230.0])) == "230.0 (n=1)" and mean_std(pd.Series([None], dtype=float)) == "—"
    assert (seeds(1), seeds(2), seeds(0)) == ("1 seed", "2 seeds", "0 seeds")


def test_headline_reports_ratios_spread_and_losses_honestly():
    text = "\n".join(headline(pd.DataFrame(main_rows()), 1000))
    assert "- **48 per class**" in text
    assert "seed 0: random ends at FID 200.0; interval reaches it at 750 steps → 1.33×" in text
    assert "seed 1: random ends at FID 202.0; interval never reaches it within 1000 steps" in text
    assert "speed-up over random: 1.33× over 1 seed; never reached in 1 of 2 seeds" in text
    assert "interval 185.0 vs herding 191.0: lower by mean, lower in 1 of 2 seeds, Welch p = " in text
    # Lower by mean, but not significantly: seeds 150 and 220 against 190 and 192.
    assert "interval beats every baseline here (by mean): yes; significantly (Welch p < 0.05): no" in text
    # One budget where herding wins: the overall verdict is no.
    rows2 = main_rows(240)
    for r in rows2:
        if r["method"] == "herding":
            r["fid"] = 100.0 + r["seed"]
    text = "\n".join(headline(pd.DataFrame(main_rows() + rows2), 1000))
    assert "interval 185.0 vs herding 100.5: not lower by mean" in text
    assert text.endswith("\n\n**interval beats every baseline at every budget measured: no by mean; no at Welch p < 0.05**")
    # A baseline run with fewer seeds is compared over the seeds both methods have, not mean against mean.
    rows3 = [r for r in main_rows(480) if not (r["method"] == "kcenter" and r["seed"] == 1)]
    text = "\n".join(headline(pd.DataFrame(rows3), 1000))
    assert "interval 150.0 vs kcenter 210.0 (over seed 0, which both have): lower by mean, lower in 1 of 1 seed" in text
    assert "vs kcenter 210.0 (over seed 0, which both have): lower by mean, lower in 1 of 1 seed\n" in text  # no test


def test_render_writes_every_table_of_one_profile():
    rows = main_rows()
    rows[0].update({"score_median": 0.031, "score_q10": 0.01, "score_q90": 0.06, "score_median_corpus": 0.035})
    rows += [
        row("full-s0", 187.8, [(1000, 187.8)]),
        row("ablation-text-s0", 177.3, [(1000, 177.3)]),
        row("ksweep-k1-s0", 188.2, [(1000, 188.2)]),
    ]
    md = render(pd.DataFrame(rows), "cpu")
    assert md.startswith("# D2C grid, profile `cpu` (Fashion-MNIST, DiT-T/4, 1000 steps of 64, FID on 300 samples")
    assert md.endswith("\n") and "Machines: test machine, 2 cores (11 runs)" in md
    assert "| per class | interval | random | herding | kcenter |" in md
    assert "| 48 | 185.0 ± 49.5 (n=2) | 201.0 ± 1.4 (n=2) | 191.0 ± 1.4 (n=2) | 211.0 ± 1.4 (n=2) |" in md
    assert "### FID at each evaluated step" in md and "What each method selects" in md
    for title in ("## Headline", "## Full data", "## Attach ablation", "## Interval-k sweep"):
        assert title in md
    # The k sweep shows k = 50 from the main comparison (seed 0), sorted by k.
    sweep = md.split("## Interval-k sweep")[1]
    assert "| ksweep-k1-s0         |   1 | 188.20 | 278.20 |\n| main-interval-b48-s0 |  50 | 150.00 | 240.00 |" in sweep
    gpu = render(pd.DataFrame([dict(row("gpu-full-s0", 60.0, [(20000, 60.0)]), machine=None)]), "gpu")
    assert "DiT-S/2, 20000 steps of 256, FID on 2000 samples" in gpu and "Machines: unrecorded (1 runs)" in gpu
    assert "## Main comparison" not in gpu and "gpu-full-s0" in gpu
