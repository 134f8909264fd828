"""benchmarks/grid/queue.py: dvc/git commands behind `Dvc`, driven here by a fake runner."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid.plan import plan  # noqa: E402
from grid.queue import (  # noqa: E402
    CommandFailed,
    Dvc,
    Shell,
    launch,
    parse_exp_refs,
    parse_exp_show,
    parse_queue_status,
    pending,
)

STATUS_HEADER = "Task     Name                  Created    Status\n"
QUEUED = STATUS_HEADER + "abc123   main-interval-b48-s1  10:00 AM   Queued\ndef456   main-random-b48-s1    10:01 AM   Running\n"
DONE = STATUS_HEADER + "ghi789   main-herding-b48-s1   10:01 AM   Success\n"
BASE = "c" * 40


class FakeRunner:
    """Answers `git for-each-ref`, `dvc exp show` and `dvc queue status` from canned text; records every call."""

    def __init__(self, refs: str = "", shown: list | None = None, statuses: tuple[str, ...] = ()):
        self.refs, self.shown, self.statuses, self.calls = refs, shown or [], list(statuses), []

    def __call__(self, *args: str, check: bool = True) -> str:
        self.calls.append(args)
        if args[:2] == ("git", "for-each-ref"):
            return self.refs
        if args[1:3] == ("exp", "show"):
            return json.dumps(self.shown)
        if args[1:3] == ("queue", "status"):
            return self.statuses.pop(0) if self.statuses else STATUS_HEADER
        return ""

    def verbs(self) -> list[str]:
        return [" ".join(a[1:3]) for a in self.calls]


def exp(name: str, fid: float, state: str | None = "success") -> dict:
    node = {"revs": [{"rev": name, "name": name, "data": {"rev": name, "params": {}, "metrics": {}}}]}
    node["revs"][0]["data"]["metrics"] = {"metrics/eval.json": {"data": {"fid": fid}}}
    return {**node, "executor": {"state": state}} if state else node


def test_parse_exp_refs_gives_the_baselines_of_experiment_refs():
    refs = f"refs/exps/{BASE[:2]}/{BASE[2:]}/main-x\nrefs/exps/{BASE[:2]}/{BASE[2:]}/main-y\nrefs/exps/celery/stash\n"
    assert parse_exp_refs(refs) == [BASE] and parse_exp_refs("") == []


def test_parse_queue_status_keeps_queued_and_running_names():
    assert parse_queue_status(QUEUED + DONE.split("\n", 1)[1]) == {"main-interval-b48-s1", "main-random-b48-s1"}
    assert parse_queue_status(STATUS_HEADER) == set()


def test_parse_exp_show_flattens_params_and_metrics_of_finished_experiments():
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
                                "timestamp": "2026-11-25T10:00:00",
                                "params": {"params.yaml": {"data": {"select": {"method": "random"}}}},
                                "metrics": {"metrics/eval.json": {"data": {"fid": 210.5, "fid_at": {"250": 300.0}}}},
                            },
                        }
                    ]
                },
                # Queued: its params are set, its metrics are still the baseline's: never a result.
                exp("main-herding-b48-s0", 999.0, "queued"),
            ],
        },
    ]
    rows = parse_exp_show(shown)
    assert "main-herding-b48-s0" not in {r["name"] for r in rows}
    assert [r for r in rows if r["name"] == "main-random-b48-s0"] == [
        {
            "name": "main-random-b48-s0",
            "rev": "def",
            "timestamp": "2026-11-25T10:00:00",
            "select.method": "random",
            "eval:fid": 210.5,
            "eval:fid_at.250": 300.0,
        }
    ]


def test_experiments_read_only_the_baselines_that_have_some():
    run = FakeRunner(refs=f"refs/exps/{BASE[:2]}/{BASE[2:]}/main-x\n", shown=[{"experiments": [exp("a", 1.0)]}])
    assert [r["name"] for r in Dvc(run, dvc="dvc").experiments()] == ["a"]
    assert run.calls[-1] == ("dvc", "exp", "show", "--json", "--rev", BASE)
    run = FakeRunner()
    assert Dvc(run, dvc="dvc").experiments() == []
    assert run.calls[-1] == ("dvc", "exp", "show", "--json", "--all-commits")


def test_seen_reads_the_queue_before_the_finished_experiments():
    run = FakeRunner(shown=[{"experiments": [exp("main-interval-b48-s0", 190.0)]}], statuses=(QUEUED,))
    seen = Dvc(run, dvc="dvc").seen()
    assert seen == {"main-interval-b48-s0", "main-interval-b48-s1", "main-random-b48-s1"}
    assert run.verbs()[0] == "queue status" and run.verbs()[-1] == "exp show"


def test_pending_skips_what_is_done_and_keeps_plan_order_up_to_the_limit():
    exps = plan(["main"], [0, 1], [0.008])
    done = {"main-interval-b48-s0", "main-herding-b48-s1", "someone-elses"}
    todo = pending(exps, done)
    assert len(todo) == 6 and todo[0].name == "main-random-b48-s0" and all(e.name not in done for e in todo)
    assert [e.name for e in pending(exps, done, limit=2)] == ["main-random-b48-s0", "main-herding-b48-s0"]


def test_launch_queues_starts_the_workers_and_waits_until_the_queue_drains():
    todo = plan(["ksweep"], [0], [0.008])[:2]
    run, naps, log = FakeRunner(statuses=(QUEUED, QUEUED, DONE)), [], []
    launch(Dvc(run, dvc="dvc"), todo, jobs=3, log=log.append, sleep=naps.append)
    queued = [a for a in run.calls if a[1:3] == ("exp", "run")]
    assert [a[a.index("-n") + 1] for a in queued] == ["ksweep-k1-s0", "ksweep-k10-s0"]
    assert queued[0][:4] == ("dvc", "exp", "run", "--queue") and queued[0][-1] == "eval"
    assert "select.interval=1" in queued[0] and queued[0].count("-S") == len(todo[0].params())
    assert ("dvc", "queue", "start", "--jobs", "3") in run.calls
    assert naps == [30, 30] and log == [DONE]
    assert ("git", "checkout", "--", "params.yaml") not in run.calls


def test_launch_starts_nothing_when_nothing_is_new_or_queued_or_when_told_not_to():
    run = FakeRunner()
    launch(Dvc(run, dvc="dvc"), [], log=print, sleep=lambda s: None)
    assert run.verbs() == ["queue status"]  # is anything still queued from before?
    run = FakeRunner(statuses=(QUEUED,))
    launch(Dvc(run, dvc="dvc"), [], log=print, sleep=lambda s: None)
    assert "queue start" in run.verbs()  # an earlier `--no-start` left runs queued
    run = FakeRunner()
    launch(Dvc(run, dvc="dvc"), plan(["full"], [0], [0.008]), start=False)
    assert run.verbs() == ["exp run"]


def test_workspace_runs_go_one_by_one_and_put_params_yaml_back():
    run, log = FakeRunner(), []
    launch(Dvc(run, dvc="dvc"), plan(["full", "ablation"], [0], [0.008])[:2], queue=False, log=log.append)
    assert run.verbs() == ["exp run", "exp run", "checkout --", "checkout"]
    assert "--queue" not in run.calls[0] and run.calls[2] == ("git", "checkout", "--", "params.yaml")
    assert [line.split(":")[0] for line in log] == ["full-s0", "ablation-none-s0"]


def test_shell_returns_stdout_and_names_a_failed_command(tmp_path):
    sh = Shell(tmp_path)
    assert sh(sys.executable, "-c", "import os; print(os.getcwd())").strip() == str(tmp_path)
    assert sh(sys.executable, "-c", "raise SystemExit(3)", check=False) == ""
    with pytest.raises(CommandFailed, match=r"-c import sys; print\('out'\); sys.exit\(2\) … failed:\nout\n"):
        sh(sys.executable, "-c", "import sys; print('out'); sys.exit(2)")
