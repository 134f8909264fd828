"""benchmarks/grid/record.py: record rows, the merge of new runs into the committed CSV, and its round trip."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import known_experiments  # noqa: E402
from grid.record import (  # noqa: E402
    NotARecord,
    curve_of,
    in_order,
    merge_record,
    new_rows,
    read_record,
    recorded_names,
    row_of,
    write_record,
)

KNOWN = known_experiments()
MACHINE = "test machine, 2 cores"


def row(name: str, fid: float, curve: list[tuple[int, float]], machine: str = MACHINE, **shown) -> dict:
    return row_of(KNOWN[name], {"eval:fid": fid, **{f"eval:fid_at.{s}": f for s, f in curve}, **shown}, machine, "2026-11-25")


def test_curve_of_reads_fid_at_each_step_in_step_order():
    shown = {"eval:fid_at.1000": 120.0, "eval:fid_at.250": 300, "eval:fid": 120.0, "eval:fid_at.500": "n/a"}
    assert curve_of(shown) == [(250, 300.0), (1000, 120.0)]


def test_row_of_holds_planned_params_and_measured_metrics():
    r = row("main-interval-b240-s1", 201.0, [(500, 260.0), (1000, 201.0)], **{"select:interval_reduced.Bag": 25})
    assert (r["group"], r["method"], r["per_class"], r["k"], r["seed"], r["profile"]) == ("main", "interval", 240, 50, 1, "cpu")
    assert r["k_used"] == 25 and r["fid"] == 201.0 and r["sfid"] is None and r["machine"] == MACHINE
    assert json.loads(r["curve"]) == [[500, 260.0], [1000, 201.0]]
    assert r["finished"] == "2026-11-25"  # no timestamp: the day of collection
    assert row("main-interval-b48-s0", 1.0, [])["k_used"] == 50  # k as planned when select did not shrink it
    r = row("main-random-b48-s0", 1.0, [], timestamp="2026-11-20T23:59:00")
    assert r["k_used"] is None and r["finished"] == "2026-11-20"  # the day the run finished


def test_new_rows_keep_the_grids_runs_newest_first_and_ask_the_machine_once_per_profile():
    shown = [
        {"name": "main-random-b48-s0", "timestamp": "2026-11-25T10:00", "eval:fid": 201.0},
        {"name": "main-random-b48-s0", "timestamp": "2026-11-24T10:00", "eval:fid": 999.0},  # an older commit's
        {"name": "main-herding-b48-s0", "eval:fid": 198.0},
        {"name": "gpu-main-random-b48-s0", "eval:fid": 50.0},
        {"name": "someone-elses-exp", "eval:fid": 1.0},
    ]
    asked = []
    new = new_rows(shown, KNOWN, lambda p: asked.append(p) or f"{p} box", "2026-11-26").set_index("name")
    assert sorted(new.index) == ["gpu-main-random-b48-s0", "main-herding-b48-s0", "main-random-b48-s0"]
    assert new.loc["main-random-b48-s0", "fid"] == 201.0 and new.loc["gpu-main-random-b48-s0", "machine"] == "gpu box"
    assert sorted(asked) == ["cpu", "gpu"]
    assert new_rows([], KNOWN, lambda p: p, "2026-11-26").empty


def test_merge_keeps_earlier_runs_replaces_reruns_and_keeps_the_first_machine_of_the_same_run():
    old = pd.DataFrame([row("main-random-b48-s0", 201.0, [(1000, 201.0)]), row("ksweep-k1-s0", 188.0, [(1000, 188.0)])])
    new = pd.DataFrame(
        [
            row("main-random-b48-s0", 199.0, [(1000, 199.0)]),
            row("main-random-b48-s1", 205.0, [(1000, 205.0)]),
            row("gpu-main-random-b48-s0", 50.0, [(20000, 50.0)]),
        ]
    )
    merged = merge_record(old, new)
    assert sorted(merged.name) == ["gpu-main-random-b48-s0", "ksweep-k1-s0", "main-random-b48-s0", "main-random-b48-s1"]
    assert merged.set_index("name").loc["main-random-b48-s0", "fid"] == 199.0  # the re-run replaced its row
    assert recorded_names(merged, "cpu") == {"ksweep-k1-s0", "main-random-b48-s0", "main-random-b48-s1"}
    assert recorded_names(pd.DataFrame(), "cpu") == set()
    assert merge_record(pd.DataFrame(), new).equals(new) and merge_record(old, pd.DataFrame()).equals(old)
    # Collected again elsewhere: the same curve keeps its first machine; a re-run (another curve) gets the new one.
    again = pd.DataFrame(
        [
            row("ksweep-k1-s0", 188.0, [(1000, 188.0)], machine="another machine"),
            row("main-random-b48-s0", 198.0, [(1000, 198.0)], machine="another machine"),
        ]
    )
    m = merge_record(merged, again).set_index("name")
    assert m.loc["ksweep-k1-s0", "machine"] == MACHINE and m.loc["main-random-b48-s0", "machine"] == "another machine"


def test_record_round_trip_in_its_committed_order(tmp_path):
    rows = [
        row("main-random-b48-s1", 205.0, [(1000, 205.0)]),
        row("gpu-main-random-b48-s0", 50.0, [(20000, 50.0)]),
        row("ablation-text-s0", 177.0, [(500, 240.0), (1000, 177.0)]),
        row("main-interval-b48-s0", 190.0, [(1000, 190.0)]),
    ]
    record = in_order(pd.DataFrame(rows))
    assert list(record.name) == ["ablation-text-s0", "main-interval-b48-s0", "main-random-b48-s1", "gpu-main-random-b48-s0"]
    write_record(record, tmp_path / "d2c_grid.csv")
    back = read_record(tmp_path / "d2c_grid.csv")
    assert list(back.columns) == list(record.columns) and back.name.tolist() == record.name.tolist()
    assert back.fid.tolist() == record.fid.tolist() and back.curve.tolist() == record.curve.tolist()
    assert [p.name for p in tmp_path.iterdir()] == ["d2c_grid.csv"]  # no temporary file left
    assert recorded_names(back, "gpu") == {"gpu-main-random-b48-s0"}


def test_read_record_renames_old_columns_and_refuses_what_is_not_a_record(tmp_path):
    assert read_record(tmp_path / "none.csv").empty
    (tmp_path / "old.csv").write_text("name,profile,fid,curve,collected\nfull-s0,cpu,1.0,[],2026-11-24\n")
    assert read_record(tmp_path / "old.csv").finished.tolist() == ["2026-11-24"]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(NotARecord, match=r"bad.csv: not a grid record, columns \['curve', 'fid', 'name', 'profile'\] missing"):
        read_record(tmp_path / "bad.csv")
