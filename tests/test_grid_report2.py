"""benchmarks/grid/report2.py and plot2.py: v2's verdicts, tables (every FID beside its floor) and figure."""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan2 import GROUPS, describe, plan  # noqa: E402
from grid.plot import save  # noqa: E402
from grid.plot2 import figure  # noqa: E402
from grid.record2 import row_of  # noqa: E402
from grid.report2 import render  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def synthetic(select: dict | None = None, attach: dict | None = None, noise: float = 2.0, groups=GROUPS) -> pd.DataFrame:
    """A record of every planned run: FID = seed effect + method effect + Attach effect + noise."""
    rng = np.random.default_rng(0)
    seed_effect = {0: 200.0, 1: 230.0, 2: 185.0, 3: 215.0}
    method = {"interval": -10.0, "random": 0.0, "herding": -2.0, "kcenter": 15.0} | (select or {})
    setting = {"class": 25.0, "text": 0.0, "repa": -8.0} | (attach or {})
    rows = []
    for e in plan(groups):
        d = describe(e.params())
        if e.target == "select":
            shown = {
                "select:data_fid.fid.value": 20.0,
                "select:data_fid.fid.null_mean": 21.0,
                "select:data_fid.fid.percentile": 0.4,
            }
        else:
            fid = (
                seed_effect[d["seed"]]
                + method[d["method"]]
                + setting[d["attach"]]
                + rng.normal(0, noise)
                + 40 * (d["per_class"] == 10)
            )
            fd = fid - 90
            shown = {
                "eval:fid": fid,
                "eval:fid_floor": 28.0,
                "eval:probe_fd": fd,
                "eval:probe_fd_floor": 4.9,
                "eval:class_consistency": 0.7,
                **{f"eval:probe_fd_at.{s}": fd * m for s, m in ((500, 4.0), (1000, 2.0), (1500, 1.4), (2000, 1.0))},
            }
        rows.append(row_of(e, shown, "x86_64 test, 2 cores", "2026-12-01"))
    return pd.DataFrame(rows)


def test_render_states_both_verdicts_with_effect_sizes_and_floors():
    md = render(synthetic(), "cpu")
    assert md.startswith("# D2C grid v2 (issue 19), profile `cpu`") and md.endswith("\n")
    assert "Machines: x86_64 test, 2 cores (49 runs)" in md
    assert (
        "- **Q1, Select with Attach fixed: interval beats random, herding and kcenter — yes**. interval − random over 4 paired seeds: final FID -"
        in md
    )
    assert (
        "- **Q2, how much of the gain is Attach: most of it — yes**." in md
        and "Table 4 (interval without Attach, FID 37.07)" in md
    )
    # Every FID beside its real-data floor.
    assert "| interval | 195.8 ± 19.0 (n=4); floor 28.0, 7.0× |" in md
    for title in (
        "## Question 1",
        "### Paired differences, interval − alternative",
        "## Question 2",
        "### Split of D2C's gain",
        "## Part 3: 10 per class",
        "## Part 3: interval's k",
        "## Part 3: data-FID",
    ):
        assert title in md, title
    assert "| interval vs random | interval − random | final Inception FID |" in md


def test_render_says_cannot_tell_when_the_seeds_drown_the_effect():
    md = render(synthetic(select={"interval": -1.0}, attach={"class": 1.0, "repa": -1.0}, noise=6.0), "cpu")
    assert "interval beats random, herding and kcenter — cannot tell**" in md
    assert "most of it — cannot tell**" in md


def test_render_of_part_one_alone():
    md = render(synthetic(groups=["select"]), "gpu")
    assert "profile `gpu`" in md and "— yes**" in md and "## Part 3" not in md
    # Part 2's own cells are not measured.
    assert "most of it — cannot tell** (waits for every planned seed: 6 of 18 runs in)" in md
    # Read while runs finish: the last seed not in yet, no word on Q1 though its paired rows lean one way.
    early = render(synthetic(groups=["select"]).query("seed < 3"), "gpu")
    assert "kcenter — cannot tell** (waits for every planned seed: 12 of 16 runs in)." in early
    assert "**cannot tell** (waits for every planned seed: 12 of 16 runs in) at p < 0.05" in early


def test_figure_has_the_five_panels_and_draws_with_any_subset_of_runs(tmp_path):
    fig = figure(synthetic(), "cpu")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Q1: Select at 48/class") and titles[1].startswith("Q1 paired")
    assert titles[2].startswith("Q2") and titles[4] == "part 3: interval k sweep at 48/class"
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["interval (n=4)", "random (n=4)", "herding (n=4)", "kcenter (n=4)", "real-data floor 4.9"]
    save(fig, tmp_path / "fig.tmp")
    assert (tmp_path / "fig.tmp").read_bytes().startswith(PNG)
    buf = io.BytesIO()
    save(figure(synthetic(groups=["data"]), "cpu"), buf)  # no trained run yet
    assert buf.getvalue().startswith(PNG)


def test_runs_under_two_profiles_are_compared_run_by_run():
    cpu = synthetic(groups=["select"])
    gpu = cpu.assign(profile="gpu", fid=cpu.fid + np.where(cpu.method == "kcenter", 3.0, -1.0), probe_fd=cpu.probe_fd + 0.5)
    md = render(gpu, "gpu", cpu.query("seed < 2"))
    assert "## The same runs under profile `cpu`" in md
    assert "8 runs are recorded under both `gpu` and `cpu`" in md
    # 2 of 8 kcenter runs moved +3, the others −1: mean 0.0, largest 3.0; probe FD +0.5 everywhere.
    assert "- final Inception FID: gpu − other mean +0.0 (sd 1.9, largest |difference| 3.0)" in md
    assert "- final probe FD: gpu − other mean +0.5 (sd 0.0, largest |difference| 0.5)" in md
    assert "same runs under" not in render(gpu, "gpu") and "same runs under" not in render(gpu, "gpu", cpu.iloc[:0])
