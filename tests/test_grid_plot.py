"""benchmarks/grid/plot.py: the FID-vs-steps figure."""

from __future__ import annotations

import io
import json
import sys

import pandas as pd
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plot import figure, save  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def frame(rows: list[tuple[str, str, int, int, int, float]]) -> pd.DataFrame:
    """(group, method, per_class, k, seed, final FID) → record rows with a two-point curve."""
    return pd.DataFrame(
        [
            {
                "group": g,
                "method": m,
                "per_class": pc,
                "k": k,
                "seed": s,
                "fid": f,
                "curve": json.dumps([[500, f + 50], [1000, f]]),
            }
            for g, m, pc, k, s, f in rows
        ]
    )


def test_one_panel_per_budget_and_one_for_the_k_sweep(tmp_path):
    df = frame(
        [("main", m, pc, 50, s, 200.0 + i + s) for pc in (48, 240) for i, m in enumerate(("interval", "random")) for s in (0, 1)]
        + [
            ("full", "random", 6000, 50, 0, 190.0),
            ("ksweep", "interval", 48, 1, 0, 195.0),
            ("ksweep", "interval", 48, 10, 0, 197.0),
        ]
    )
    fig = figure(df, "cpu")
    assert [ax.get_title() for ax in fig.axes] == [
        "48 per class (0.8%)",
        "240 per class (4.0%)",
        "interval k sweep at 48 per class (seed 0)",
    ]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "interval (n=2)",
        "random (n=2)",
        "full data, no REPA",
    ]
    save(fig, tmp_path / "fig.tmp")  # PNG whatever the name ends with (atomic writes use temporary names)
    data = (tmp_path / "fig.tmp").read_bytes()
    assert data.startswith(PNG) and len(data) > 10_000


def test_a_single_run_still_draws_a_figure():
    buf = io.BytesIO()
    save(figure(frame([("ablation", "interval", 48, 50, 0, 180.0)]), "gpu"), buf)
    assert buf.getvalue().startswith(PNG)
