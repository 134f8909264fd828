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
    assert (
        grid.per_class(full["select.budget"]) == 6000
        and full["train.proj_coeff"] == 0.0
        and full["attach.visual_encoder"] == "none"
    )
    assert [grid.per_class(b) for b in (0.008, 0.04, 0.08)] == [48, 240, 480]
    with pytest.raises(Exception, match="unknown group"):
        grid.plan(["mian"], [0], [0.008])
    gpu = grid.plan(["main"], [0], [0.008], "gpu")
    assert [e.name for e in gpu][:1] == ["gpu-main-interval-b48-s0"]
    assert gpu[0].params()["train.device"] == "cuda" and gpu[0].params()["train.precision"] == "bf16"
    with pytest.raises(Exception, match="unknown profile"):
        grid.plan(["main"], [0], [0.008], "tpu")


def test_steps_to_reach_interpolates_between_evaluated_steps(grid):
    curve = [(250, 300.0), (500, 200.0), (750, 150.0), (1000, 120.0)]
    assert grid.steps_to_reach(curve, 300.0) == 250.0
    assert grid.steps_to_reach(curve, 175.0) == pytest.approx(625.0)
    assert grid.steps_to_reach(curve, 100.0) is None
    assert grid.curve_of({"eval:fid_at.1000": 120.0, "eval:fid_at.250": 300.0, "eval:fid": 120.0}) == [
        (250, 300.0),
        (1000, 120.0),
    ]


def test_exp_rows_reads_dvc_exp_show_json(grid, monkeypatch):
    shown = [
        {"rev": "workspace", "name": None, "data": {"rev": "workspace", "params": {}, "metrics": {}}},
        {
            "rev": "abc",
            "name": "main",
            "data": {"rev": "abc", "params": {}, "metrics": {}},
            "experiments": [
                {
                    "revs": [
                        {
                            "rev": "def",
                            "name": "main-random-b48-s0",
                            "data": {
                                "rev": "def",
                                "params": {"params.yaml": {"data": {"select": {"method": "random"}}}},
                                "metrics": {"metrics/eval.json": {"data": {"fid": 210.5, "fid_at": {"250": 300.0}}}},
                            },
                        }
                    ]
                },
                # Queued: its params are set, its metrics are still the baseline's: never a result.
                {
                    "revs": [
                        {
                            "rev": "ghi",
                            "name": "main-herding-b48-s0",
                            "data": {"rev": "ghi", "params": {}, "metrics": {"metrics/eval.json": {"data": {"fid": 999.0}}}},
                        }
                    ],
                    "executor": {"state": "queued"},
                },
            ],
        },
    ]

    class Done:
        stdout = json.dumps(shown)
        returncode = 0

    monkeypatch.setattr(grid, "_run", lambda *a, **k: Done())
    assert "main-herding-b48-s0" not in {r["name"] for r in grid.exp_rows()}
    rows = [r for r in grid.exp_rows() if r["name"] == "main-random-b48-s0"]
    assert rows == [
        {
            "name": "main-random-b48-s0",
            "rev": "def",
            "timestamp": None,
            "select.method": "random",
            "eval:fid": 210.5,
            "eval:fid_at.250": 300.0,
        }
    ]


def _row(grid, name, fid, curve, profile="cpu"):
    e = next(
        e for e in grid.plan(["main", "full", "ablation", "ksweep"], [0, 1, 2], [0.008, 0.04, 0.08], profile) if e.name == name
    )
    shown = {"eval:fid": fid, **{f"eval:fid_at.{s}": f for s, f in curve}}
    return grid.row_of(e, shown, "test machine, 2 cores", "2026-11-25")


def test_record_merge_keeps_earlier_runs_and_replaces_reruns(grid, tmp_path):
    pd = pytest.importorskip("pandas")
    old = pd.DataFrame(
        [_row(grid, "main-random-b48-s0", 201.0, [(1000, 201.0)]), _row(grid, "ksweep-k1-s0", 188.0, [(1000, 188.0)])]
    )
    new = pd.DataFrame(
        [
            _row(grid, "main-random-b48-s0", 199.0, [(1000, 199.0)]),
            _row(grid, "main-random-b48-s1", 205.0, [(1000, 205.0)]),
            _row(grid, "gpu-main-random-b48-s0", 50.0, [(20000, 50.0)], "gpu"),
        ]
    )
    merged = grid.merge_record(old, new)
    assert sorted(merged.name) == ["gpu-main-random-b48-s0", "ksweep-k1-s0", "main-random-b48-s0", "main-random-b48-s1"]
    assert merged.set_index("name").loc["main-random-b48-s0", "fid"] == 199.0  # the re-run replaced its row
    assert grid.recorded_names(merged, "cpu") == {"ksweep-k1-s0", "main-random-b48-s0", "main-random-b48-s1"}
    assert grid.merge_record(pd.DataFrame(), new).equals(new) and grid.merge_record(old, pd.DataFrame()).equals(old)
    # The same run collected again on another machine (same curve) keeps the machine that first recorded it;
    # a re-run (another curve) is stamped with the collecting machine.
    again = pd.DataFrame(
        [_row(grid, "ksweep-k1-s0", 188.0, [(1000, 188.0)]), _row(grid, "main-random-b48-s0", 198.0, [(1000, 198.0)])]
    )
    again["machine"] = "another machine"
    m = grid.merge_record(merged, again).set_index("name")
    assert (
        m.loc["ksweep-k1-s0", "machine"] == "test machine, 2 cores"
        and m.loc["main-random-b48-s0", "machine"] == "another machine"
    )
    # Round trip through the CSV; a file that is not a record is refused by name.
    merged.to_csv(tmp_path / "d2c_grid.csv", index=False)
    assert grid.recorded_names(grid.read_record(tmp_path / "d2c_grid.csv"), "gpu") == {"gpu-main-random-b48-s0"}
    assert grid.read_record(tmp_path / "none.csv").empty
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SystemExit, match="bad.csv: not a grid record"):
        grid.read_record(tmp_path / "bad.csv")


def test_headline_reports_ratios_spread_and_losses_honestly(grid):
    pd = pytest.importorskip("pandas")
    rows = []
    # interval reaches random's final FID at 750 of 1000 steps in seed 0, never in seed 1.
    for seed, (iv, rd, hd, kc) in enumerate([(150.0, 200.0, 190.0, 210.0), (220.0, 202.0, 192.0, 212.0)]):
        rows += [
            _row(grid, f"main-interval-b48-s{seed}", iv, [(500, 250.0), (1000, iv)]),
            _row(grid, f"main-random-b48-s{seed}", rd, [(500, 260.0), (1000, rd)]),
            _row(grid, f"main-herding-b48-s{seed}", hd, [(500, 255.0), (1000, hd)]),
            _row(grid, f"main-kcenter-b48-s{seed}", kc, [(500, 265.0), (1000, kc)]),
        ]
    text = "\n".join(grid.headline(pd.DataFrame(rows), 1000))
    assert "seed 0: random ends at FID 200.0; interval reaches it at 750 steps → 1.33×" in text
    assert "seed 1: random ends at FID 202.0; interval never reaches it within 1000 steps" in text
    assert "speed-up over random: 1.33× over 1 seed; never reached in 1 of 2 seeds" in text
    assert "interval 185.0 vs herding 191.0: lower by mean, lower in 1 of 2 seeds, Welch p = " in text
    # Lower by mean, but not significantly: seeds 150 and 220 against 190 and 192.
    assert "interval beats every baseline here (by mean): yes; significantly (Welch p < 0.05): no" in text
    # One budget where herding wins: the overall verdict is no.
    rows2 = [dict(r, per_class=240) for r in rows]
    for r in rows2:
        if r["method"] == "herding":
            r["fid"] = 100.0 + r["seed"]
    text = "\n".join(grid.headline(pd.DataFrame(rows + rows2), 1000))
    assert "interval 185.0 vs herding 100.5: not lower by mean" in text
    assert "interval beats every baseline at every budget measured: no by mean; no at Welch p < 0.05" in text
    # A baseline run with fewer seeds is compared over the seeds both methods have, not mean against mean.
    rows3 = [dict(r, per_class=480) for r in rows if not (r["method"] == "kcenter" and r["seed"] == 1)]
    text = "\n".join(grid.headline(pd.DataFrame(rows3), 1000))
    assert "interval 150.0 vs kcenter 210.0 (over seed 0, which both have): lower by mean, lower in 1 of 1 seed" in text


def test_collect_merges_dvc_exp_show_into_the_record_and_writes_tables_and_figure(grid, monkeypatch, tmp_path):
    pd = pytest.importorskip("pandas")
    pd.DataFrame([_row(grid, "ablation-text-s0", 177.0, [(500, 240.0), (1000, 177.0)])]).to_csv(
        tmp_path / "d2c_grid.csv", index=False
    )
    shown = []
    for seed in (0, 1):
        for i, m in enumerate(grid.METHODS):
            fid = 200.0 + 5 * i + seed
            shown.append(
                {
                    "name": f"main-{m}-b48-s{seed}",
                    "timestamp": f"2026-11-25T10:0{seed}",
                    "eval:fid": fid,
                    "eval:fid_at.500": fid + 50,
                    "eval:fid_at.1000": fid,
                    "train:steps_per_s": 2.0,
                    "select:n_selected": 480,
                    "select:score_selected.median": 0.030 + 0.001 * i,
                    "select:score_corpus.median": 0.035,
                }
            )
    # 4%: k = 50 does not fit 240 per class; select reports the k it used per class.
    shown.append(
        {
            "name": "main-interval-b240-s0",
            "eval:fid": 230.0,
            "eval:fid_at.1000": 230.0,
            "select:interval_reduced.Trouser": 25,
            "select:interval_reduced.Bag": 25,
        }
    )
    # The same name from an older commit: the newest run wins.
    shown.append({"name": "main-interval-b48-s0", "timestamp": "2026-11-24T09:00", "eval:fid": 999.0})
    shown.append({"name": "ksweep-k1-s0", "timestamp": "2026-11-25T11:00", "eval:fid": 190.0, "eval:fid_at.1000": 190.0})
    shown.append({"name": "someone-elses-exp", "eval:fid": 1.0})
    monkeypatch.setattr(grid, "exp_rows", lambda: shown)
    grid.collect(out=tmp_path, profile="cpu")
    rec = pd.read_csv(tmp_path / "d2c_grid.csv").set_index("name")
    assert len(rec) == 8 + 1 + 1 + 1 and "someone-elses-exp" not in rec.index
    assert rec.loc["main-interval-b48-s0", "k_used"] == 50 and rec.loc["main-interval-b240-s0", "k_used"] == 25
    assert pd.isna(rec.loc["main-random-b48-s0", "k_used"]) and rec.loc["main-random-b48-s0", "n_train"] == 480
    assert rec.loc["main-interval-b48-s0", "fid"] == 200.0 and rec.loc["ablation-text-s0", "fid"] == 177.0
    assert rec.loc["main-kcenter-b48-s1", "machine"] == grid.machine_label("cpu")
    # The day each run finished (its experiment's timestamp), not the day of collection.
    assert rec.loc["main-kcenter-b48-s1", "finished"] == "2026-11-25" and rec.loc["ksweep-k1-s0", "finished"] == "2026-11-25"
    md = (tmp_path / "d2c_grid.md").read_text()
    assert "| 48 | 200.5 ± 0.7 (n=2) | 205.5 ± 0.7 (n=2) | 210.5 ± 0.7 (n=2) | 215.5 ± 0.7 (n=2) |" in md
    # 200.5 ± 0.7 against 205.5 ± 0.7 and worse, 2 seeds each: lower by mean and at Welch p < 0.05.
    assert "interval beats every baseline at every budget measured: yes by mean; yes at Welch p < 0.05" in md
    assert "ablation-text-s0" in md
    assert "| 240 | 230.0 (n=1) | — | — | — |" in md and "What each method selects" in md
    assert (tmp_path / "d2c_fid_vs_steps.png").stat().st_size > 10_000
    with pytest.raises(SystemExit, match="no runs of profile 'gpu'"):
        grid.collect(out=tmp_path, profile="gpu")
