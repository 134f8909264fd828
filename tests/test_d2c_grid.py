"""The D2C experiment grid script (benchmarks/d2c_grid.py): its plan, headline arithmetic and
`dvc exp show --json` parsing (the grid itself runs by hand: hours of CPU)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def grid():
    spec = importlib.util.spec_from_file_location("d2c_grid", REPO / "benchmarks/d2c_grid.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["d2c_grid"] = mod  # its dataclasses look their module up there
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("d2c_grid", None)


def test_plan_names_are_unique_and_every_run_sets_every_varied_key(grid):
    exps = grid.plan(["main", "full", "ablation", "ksweep"], [0, 1, 2], [0.008, 0.04, 0.08])
    names = [e.name for e in exps]
    assert len(names) == len(set(names)) == 3 * 4 * 3 + 1 + 3 + 5
    for e in exps:
        assert set(grid.DEFAULTS) <= set(e.params()) and set(grid.COMMON) <= set(e.params())
    full = next(e for e in exps if e.group == "full").params()
    assert grid.per_class(full["select.budget"]) == 6000 and full["train.proj_coeff"] == 0.0 and full["attach.visual_encoder"] == "none"
    assert [grid.per_class(b) for b in (0.008, 0.04, 0.08)] == [48, 240, 480]
    with pytest.raises(Exception, match="unknown group"):
        grid.plan(["mian"], [0], [0.008])


def test_steps_to_reach_interpolates_between_evaluated_steps(grid):
    curve = [(250, 300.0), (500, 200.0), (750, 150.0), (1000, 120.0)]
    assert grid.steps_to_reach(curve, 300.0) == 250.0
    assert grid.steps_to_reach(curve, 175.0) == pytest.approx(625.0)
    assert grid.steps_to_reach(curve, 100.0) is None
    assert grid.curve_of({"eval:fid_at.1000": 120.0, "eval:fid_at.250": 300.0, "eval:fid": 120.0}) == [(250, 300.0), (1000, 120.0)]


def test_exp_rows_reads_dvc_exp_show_json(grid, monkeypatch):
    shown = [{"rev": "workspace", "name": None, "data": {"rev": "workspace", "params": {}, "metrics": {}}},
             {"rev": "abc", "name": "main", "data": {"rev": "abc", "params": {}, "metrics": {}},
              "experiments": [{"revs": [{"rev": "def", "name": "main-random-b48-s0", "data": {
                  "rev": "def", "params": {"params.yaml": {"data": {"select": {"method": "random"}}}},
                  "metrics": {"metrics/eval.json": {"data": {"fid": 210.5, "fid_at": {"250": 300.0}}}}}}]},
                  # Queued: its params are set, its metrics are still the baseline's: never a result.
                  {"revs": [{"rev": "ghi", "name": "main-herding-b48-s0", "data": {"rev": "ghi", "params": {}, "metrics": {
                      "metrics/eval.json": {"data": {"fid": 999.0}}}}}], "executor": {"state": "queued"}}]}]

    class Done:
        stdout = json.dumps(shown)
        returncode = 0

    monkeypatch.setattr(grid, "_run", lambda *a, **k: Done())
    assert "main-herding-b48-s0" not in {r["name"] for r in grid.exp_rows()}
    rows = [r for r in grid.exp_rows() if r["name"] == "main-random-b48-s0"]
    assert rows == [{"name": "main-random-b48-s0", "rev": "def", "select.method": "random", "eval:fid": 210.5, "eval:fid_at.250": 300.0}]
