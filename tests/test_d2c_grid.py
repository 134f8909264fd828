"""The D2C experiment grid's command line (benchmarks/d2c_grid.py): plan, run and collect end to end,
with every dvc/git command answered by a fake (the grid itself runs by hand: hours of CPU). Each piece
of benchmarks/grid/ has its own tests/test_grid_*.py."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPO
from typer.testing import CliRunner

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import METHODS, known_experiments  # noqa: E402
from grid.queue import Dvc  # noqa: E402
from grid.record import machine_label, row_of  # noqa: E402

KNOWN = known_experiments()
HEADER = "Task     Name                  Created    Status\n"


@pytest.fixture(scope="module")
def cli():
    spec = importlib.util.spec_from_file_location("d2c_grid", REPO / "benchmarks/d2c_grid.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class FakeDvc(Dvc):
    """`dvc exp show` as already-parsed rows, `dvc queue status` from canned text; every command recorded."""

    def __init__(self, rows: list[dict], statuses: tuple[str, ...] = ()):
        super().__init__(self.answer, dvc="dvc")
        self.rows, self.statuses, self.calls = rows, list(statuses), []

    def answer(self, *args: str, check: bool = True) -> str:
        self.calls.append(args)
        return (self.statuses.pop(0) if self.statuses else HEADER) if args[1:3] == ("queue", "status") else ""

    def experiments(self) -> list[dict]:
        return self.rows

    def queued_runs(self) -> list[str]:
        return [a[a.index("-n") + 1] for a in self.calls if a[1:3] == ("exp", "run")]


def use(monkeypatch, cli, dvc: FakeDvc) -> FakeDvc:
    monkeypatch.setattr(cli, "dvc_client", lambda: dvc)
    return dvc


def record_row(name: str, fid: float, curve: list[tuple[int, float]]) -> dict:
    return row_of(KNOWN[name], {"eval:fid": fid, **{f"eval:fid_at.{s}": f for s, f in curve}}, "test machine", "2026-11-25")


def test_collect_merges_dvc_exp_show_into_the_record_and_writes_tables_and_figure(cli, monkeypatch, tmp_path):
    pd.DataFrame([record_row("ablation-text-s0", 177.0, [(500, 240.0), (1000, 177.0)])]).to_csv(
        tmp_path / "d2c_grid.csv", index=False
    )
    shown = []
    for seed in (0, 1):
        for i, m in enumerate(METHODS):
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
    use(monkeypatch, cli, FakeDvc(shown))
    res = CliRunner().invoke(cli.app, ["collect", "--out", str(tmp_path), "--profile", "cpu"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("10 experiments from dvc exp show; 11 rows recorded\n# D2C grid, profile `cpu`")
    rec = pd.read_csv(tmp_path / "d2c_grid.csv").set_index("name")
    assert len(rec) == 8 + 1 + 1 + 1 and "someone-elses-exp" not in rec.index
    assert rec.loc["main-interval-b48-s0", "k_used"] == 50 and rec.loc["main-interval-b240-s0", "k_used"] == 25
    assert pd.isna(rec.loc["main-random-b48-s0", "k_used"]) and rec.loc["main-random-b48-s0", "n_train"] == 480
    assert rec.loc["main-interval-b48-s0", "fid"] == 200.0 and rec.loc["ablation-text-s0", "fid"] == 177.0
    assert (
        rec.loc["main-kcenter-b48-s1", "machine"] == machine_label() and rec.loc["ablation-text-s0", "machine"] == "test machine"
    )
    # The day each run finished (its experiment's timestamp), not the day of collection.
    assert rec.loc["main-kcenter-b48-s1", "finished"] == "2026-11-25" and rec.loc["ksweep-k1-s0", "finished"] == "2026-11-25"
    md = (tmp_path / "d2c_grid.md").read_text()
    assert "| 48 | 200.5 ± 0.7 (n=2) | 205.5 ± 0.7 (n=2) | 210.5 ± 0.7 (n=2) | 215.5 ± 0.7 (n=2) |" in md
    # 200.5 ± 0.7 against 205.5 ± 0.7 and worse, 2 seeds each: lower by mean and at Welch p < 0.05.
    assert "interval beats every baseline at every budget measured: yes by mean; yes at Welch p < 0.05" in md
    assert "ablation-text-s0" in md
    assert "| 240 | 230.0 (n=1) | — | — | — |" in md and "What each method selects" in md
    assert (tmp_path / "d2c_fid_vs_steps.png").stat().st_size > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d2c_fid_vs_steps.png", "d2c_grid.csv", "d2c_grid.md"]
    # No GPU runs: the record is still written, the GPU tables are not.
    res = CliRunner().invoke(cli.app, ["collect", "--out", str(tmp_path), "--profile", "gpu"])
    assert res.exit_code == 1 and res.output == "no runs of profile 'gpu' recorded yet\n"
    assert not (tmp_path / "d2c_grid_gpu.md").exists()


def test_collect_stops_with_one_line_when_there_is_nothing_or_the_record_is_not_one(cli, monkeypatch, tmp_path):
    use(monkeypatch, cli, FakeDvc([]))
    res = CliRunner().invoke(cli.app, ["collect", "--out", str(tmp_path)])
    assert res.exit_code == 1 and res.output.startswith("no grid experiments in `dvc exp show` or the record yet")
    (tmp_path / "d2c_grid.csv").write_text("a,b\n1,2\n")
    res = CliRunner().invoke(cli.app, ["collect", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "d2c_grid.csv: not a grid record" in res.output
    res = CliRunner().invoke(cli.app, ["collect", "--out", str(tmp_path), "--profile", "tpu"])
    assert res.exit_code == 2 and "unknown profile 'tpu'" in res.output


def test_run_queues_only_what_is_not_finished_queued_or_recorded(cli, monkeypatch, tmp_path):
    record = tmp_path / "d2c_grid.csv"
    pd.DataFrame([record_row("main-random-b48-s0", 201.0, [(1000, 201.0)])]).to_csv(record, index=False)
    queued = HEADER + "abc123   main-herding-b48-s0  10:00 AM   Running\n"
    args = ["run", "--groups", "main", "--seeds", "0", "--budgets", "0.008", "--record", str(record)]
    dvc = use(monkeypatch, cli, FakeDvc([{"name": "main-interval-b48-s0"}], statuses=(queued,)))
    res = CliRunner().invoke(cli.app, args)
    assert res.exit_code == 0, res.output
    assert res.output.startswith("4 experiments, 3 done, recorded or queued; running 1\n")
    assert dvc.queued_runs() == ["main-kcenter-b48-s0"] and ("dvc", "queue", "start", "--jobs", "2") in dvc.calls
    # --from-scratch ignores the record (not what dvc has finished or queued); gpu: one worker, its own names.
    dvc = use(monkeypatch, cli, FakeDvc([{"name": "main-interval-b48-s0"}], statuses=(queued,)))
    res = CliRunner().invoke(cli.app, [*args, "--from-scratch", "--no-start"])
    assert res.exit_code == 0 and dvc.queued_runs() == ["main-random-b48-s0", "main-kcenter-b48-s0"]
    assert not any(a[1:3] == ("queue", "start") for a in dvc.calls)
    dvc = use(monkeypatch, cli, FakeDvc([{"name": "main-interval-b48-s0"}]))
    res = CliRunner().invoke(cli.app, [*args, "--profile", "gpu", "--limit", "1"])
    assert res.exit_code == 0 and dvc.queued_runs() == ["gpu-main-interval-b48-s0"]
    assert ("dvc", "queue", "start", "--jobs", "1") in dvc.calls


def test_plan_prints_each_run_and_refuses_an_unknown_group(cli):
    res = CliRunner().invoke(cli.app, ["plan", "--groups", "full,ksweep", "--profile", "gpu"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert len(lines) == 1 + 5 and lines[1] == "ksweep gpu-ksweep-k1-s0 select.interval=1"
    assert lines[0].startswith("full gpu-full-s0 select.method=random select.budget=60000 train.seed=0")
    res = CliRunner().invoke(cli.app, ["run", "--groups", "mian"])
    assert res.exit_code == 2 and "unknown group 'mian'" in res.output


def test_the_script_runs_from_the_command_line():
    # `python benchmarks/d2c_grid.py` (the Makefile's call) finds the `grid` package beside it.
    res = subprocess.run(
        [sys.executable, "benchmarks/d2c_grid.py", "plan", "--groups", "full"], cwd=REPO, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("full full-s0 select.method=random")


# --- grid v2 (issue 19) ----------------------------------------------------------------------------------------
def v2_shown(name: str, fid: float, seed_time: str = "2026-12-01T10:00") -> dict:
    fd = fid - 90
    return {
        "name": name,
        "timestamp": seed_time,
        "eval:fid": fid,
        "eval:fid_floor": 28.0,
        "eval:probe_fd": fd,
        "eval:probe_fd_floor": 4.9,
        **{f"eval:probe_fd_at.{s}": fd * m for s, m in ((500, 3.0), (1000, 1.5), (2000, 1.0))},
    }


def test_v2_plan_prints_every_run_once_and_the_cost(cli):
    res = CliRunner().invoke(cli.app, ["plan", "--grid", "v2"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert len(lines) == 49 + 2 and lines[0].startswith("select g2-select-interval-s0 select.method=interval select.budget=480")
    assert "data g2-data-min-b48 [select] select.method=min" in res.output
    assert lines[-2].startswith("# parts 1 and 2: 28 runs, ≈ 10.2 CPU-hours (≈ 5.1 h on 2 workers")
    assert lines[-1].startswith("# part 3: 21 runs")
    res = CliRunner().invoke(cli.app, ["plan", "--grid", "v2", "--groups", "attach", "--seeds", "5"])
    assert res.exit_code == 0 and "attach g2-select-random-s5 " in res.output and res.output.count("\nattach ") == 5


def test_v2_run_skips_what_is_recorded_and_queues_data_runs_as_select_only(cli, monkeypatch, tmp_path):
    record = tmp_path / "d2c_grid2.csv"
    from grid.plan2 import known_experiments as known2
    from grid.record2 import row_of as row2

    rows = [row2(known2()["g2-data-min-b48"], {"select:data_fid.fid.value": 30.0}, "box", "2026-12-01")]
    rows.append(row2(known2()["g2-select-interval-s0"], v2_shown("g2-select-interval-s0", 190.0), "box", "2026-12-01"))
    pd.DataFrame(rows).to_csv(record, index=False)
    dvc = use(monkeypatch, cli, FakeDvc([{"name": "g2-select-random-s0"}]))
    res = CliRunner().invoke(
        cli.app, ["run", "--grid", "v2", "--groups", "select,data", "--seeds", "0", "--record", str(record), "--no-start"]
    )
    assert res.exit_code == 0, res.output
    assert res.output.startswith("16 experiments, 3 done, recorded or queued; running 13\n")
    queued = [a for a in dvc.calls if a[1:3] == ("exp", "run")]
    assert [a[a.index("-n") + 1] for a in queued][:2] == ["g2-select-herding-s0", "g2-select-kcenter-s0"]
    assert queued[0][-1] == "eval" and queued[-1][-1] == "select" and "select.null_draws=25" in queued[-1]
    assert "train.weighting=min-snr" in queued[0] and "train.hflip=False" in queued[0]
    res = CliRunner().invoke(cli.app, ["run", "--grid", "v2", "--profile", "gpu"])
    assert res.exit_code == 2 and "d2c_grid.py gpu" in res.output


def test_v2_collect_writes_its_own_record_tables_and_figure_beside_the_first_grids(cli, monkeypatch, tmp_path):
    (tmp_path / "d2c_grid.csv").write_text("the first grid's record stays as it is\n")
    base = {0: 200.0, 1: 230.0, 2: 185.0, 3: 215.0}
    shown = [
        v2_shown(f"g2-select-{m}-s{s}", base[s] + d + 0.3 * ((s * 7 + i) % 3))
        for s in range(4)
        for i, (m, d) in enumerate((("interval", -10.0), ("random", 0.0), ("herding", -3.0), ("kcenter", 12.0)))
    ]
    shown.append({"name": "main-random-b48-s0", "eval:fid": 1.0})  # the first grid's: not v2's
    use(monkeypatch, cli, FakeDvc(shown))
    res = CliRunner().invoke(cli.app, ["collect", "--grid", "v2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("16 experiments from dvc exp show; 16 rows recorded\n# D2C grid v2 (issue 19), profile `cpu`")
    assert "interval beats random, herding and kcenter — yes**" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "d2c_grid.csv",
        "d2c_grid2.csv",
        "d2c_grid2.md",
        "d2c_grid2_fd_vs_steps.png",
    ]
    assert (tmp_path / "d2c_grid.csv").read_text() == "the first grid's record stays as it is\n"
    rec = pd.read_csv(tmp_path / "d2c_grid2.csv")
    assert len(rec) == 16 and set(rec.attach) == {"text"} and rec.fid_floor.eq(28.0).all()
    res = CliRunner().invoke(cli.app, ["collect", "--grid", "v2", "--out", str(tmp_path), "--profile", "gpu"])
    assert res.exit_code == 1 and res.output == "no v2 runs of profile 'gpu' recorded yet\n"
