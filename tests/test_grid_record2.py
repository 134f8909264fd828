"""benchmarks/grid/record2.py: v2's record rows (the probe-FD curve, floors, data-FID), beside the first grid's record."""

from __future__ import annotations

import json
import sys

import pandas as pd
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan2 import known_experiments  # noqa: E402
from grid.record import in_order, merge_record, read_record, write_record  # noqa: E402
from grid.record2 import curve_of, new_rows, recorded_names, row_of  # noqa: E402

KNOWN = known_experiments()


def shown(fid: float = 150.0, **extra) -> dict:
    return {
        "eval:fid": fid,
        "eval:fid_floor": 28.0,
        "eval:fid_over_floor": round(fid / 28.0, 3),
        "eval:probe_fd": 100.0,
        "eval:probe_fd_floor": 4.9,
        "eval:fid_at.2000": fid,  # since issue 18: the final step only
        "eval:probe_fd_at.500": 400.0,
        "eval:probe_fd_at.1000": 200.0,
        "eval:probe_fd_at.2000": 100.0,
        "eval:probe_fd_at.bad": "n/a",
        "train:steps_per_s": 3.1,
        "select:n_selected": 480,
        **extra,
    }


def test_the_curve_is_the_probe_fd_at_every_step():
    assert curve_of(shown()) == [(500, 400.0), (1000, 200.0), (2000, 100.0)]


def test_rows_hold_the_plan_the_floors_and_the_curve():
    r = row_of(KNOWN["g2-attach-interval-repa-s2"], shown(timestamp="2026-12-01T10:00"), "box", "2026-12-02")
    assert (r["group"], r["method"], r["per_class"], r["k"], r["k_used"], r["seed"], r["select_seed"]) == (
        "attach",
        "interval",
        48,
        50,
        50,
        2,
        2,
    )
    assert (r["attach"], r["conditioning"], r["proj_coeff"], r["visual_encoder"]) == ("repa", "both", 0.5, "efficientnet-lite0")
    assert (r["fid"], r["fid_floor"], r["probe_fd_floor"], r["steps_per_s"]) == (150.0, 28.0, 4.9, 3.1)
    assert json.loads(r["curve"]) == [[500, 400.0], [1000, 200.0], [2000, 100.0]] and r["finished"] == "2026-12-01"
    small = row_of(KNOWN["g2-small-interval-s0"], shown(**{"select:interval_reduced.Bag": 400}), "box", "2026-12-02")
    assert (small["per_class"], small["k"], small["k_used"]) == (10, 443, 400)


def test_a_select_only_run_keeps_its_data_fid_and_not_the_baselines_eval_metrics():
    data = {"select:data_fid.fid.value": 12.5, "select:data_fid.fid.percentile": 0.02, "select:data_fid.probe_fd.value": 1.5}
    r = row_of(KNOWN["g2-data-min-b48"], shown(**data), "box", "2026-12-02")
    assert r["target"] == "select" and r["fid"] is None and r["steps_per_s"] is None and json.loads(r["curve"]) == []
    assert (r["data_fid"], r["data_fid_percentile"], r["data_probe_fd"], r["n_train"]) == (12.5, 0.02, 1.5, 480)


def test_finished_runs_are_those_with_a_fid_or_a_data_fid(tmp_path):
    new = new_rows(
        [
            {"name": "g2-select-random-s0", **shown()},
            {"name": "g2-data-max-b10", "select:data_fid.fid.value": 40.0},
            {"name": "g2-select-random-s1", "select:n_selected": 480},  # queued or failed: no measures yet
            {"name": "main-random-b48-s0", "eval:fid": 1.0},  # the first grid's: not v2's
        ],
        KNOWN,
        lambda p: f"{p} box",
        "2026-12-02",
    )
    assert sorted(new.name) == ["g2-data-max-b10", "g2-select-random-s0", "g2-select-random-s1"]
    assert recorded_names(new, "cpu") == {"g2-data-max-b10", "g2-select-random-s0"}
    record = in_order(merge_record(pd.DataFrame(), new))
    write_record(record, tmp_path / "d2c_grid2.csv")
    back = read_record(tmp_path / "d2c_grid2.csv")
    assert back.name.tolist() == record.name.tolist() and recorded_names(back, "cpu") == recorded_names(new, "cpu")
