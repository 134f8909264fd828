"""Every `dvc` and `git` command the grid runs, behind one small class.

`Dvc` takes a runner, `run(*args, check=True) -> stdout`: `Shell` runs the commands in the
repository; tests pass a fake that answers from canned output. Parsing of what the commands print
(`parse_exp_refs`, `parse_exp_show`, `parse_queue_status`) is separate and pure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from . import GridError

DVC = str(Path(sys.executable).parent / "dvc")
POLL_S = 30  # seconds between two `dvc queue status` while waiting for the queue to drain
ACTIVE = ("Queued", "Running")  # queue states of an experiment that is not finished yet


class CommandFailed(GridError):
    """A command the grid depends on exited non-zero."""


class Runner(Protocol):
    def __call__(self, *args: str, check: bool = True) -> str: ...


class Shell:
    """Runs a command in `cwd` and returns its stdout; with `check`, a non-zero exit is `CommandFailed`."""

    def __init__(self, cwd: Path):
        self.cwd = cwd

    def __call__(self, *args: str, check: bool = True) -> str:
        res = subprocess.run(args, cwd=self.cwd, capture_output=True, text=True)
        if check and res.returncode != 0:
            raise CommandFailed(f"{' '.join(args[:4])} … failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
        return res.stdout


def parse_exp_refs(text: str) -> list[str]:
    """The baseline commits of `git for-each-ref refs/exps` (refs are refs/exps/<2 hex>/<38 hex>/<name>)."""
    parts = (line.split("/") for line in text.splitlines())
    return sorted({p[2] + p[3] for p in parts if len(p) >= 5 and len(p[2]) == 2 and len(p[3]) == 38})


def flatten(d: dict, prefix: str = "") -> dict:
    """Nested dicts as one level of dotted keys (`{"a": {"b": 1}}` → `{"a.b": 1}`), each key after `prefix`."""
    flat = {}
    for k, v in d.items():
        if isinstance(v, dict):
            flat.update(flatten(v, f"{prefix}{k}."))
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def parse_exp_show(shown: Any) -> list[dict]:
    """Every named, finished experiment of `dvc exp show --json`: name, rev, timestamp, then its
    params.yaml values (`train.seed`) and metrics (`<metrics file stem>:<key>`, e.g. `eval:fid_at.250`)."""
    rows: list[dict] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            state = (node.get("executor") or {}).get("state")
            if "revs" in node and state not in (None, "success"):
                return  # queued, running or failed: its params are set but its metrics are not its own
            data = node.get("data")
            if isinstance(data, dict) and node.get("name") and "params" in data:
                row = {"name": node["name"], "rev": data.get("rev"), "timestamp": data.get("timestamp")}
                row.update(flatten((data.get("params") or {}).get("params.yaml", {}).get("data", {})))
                for path, m in (data.get("metrics") or {}).items():
                    row.update(flatten(m.get("data", {}), f"{Path(path).stem}:"))
                rows.append(row)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(shown)
    return rows


def parse_queue_status(text: str) -> set[str]:
    """Names of `dvc queue status`'s experiments that are queued or running."""
    return {parts[1] for parts in (line.split() for line in text.splitlines()) if len(parts) >= 4 and parts[-1] in ACTIVE}


class Dvc:
    """The DVC experiments of the repository: what exists, what is queued, and running more."""

    def __init__(self, run: Runner, dvc: str = DVC, target: str = "eval"):
        self.run, self.dvc, self.target = run, dvc, target

    def baselines(self) -> list[str]:
        """The commits that experiments were run from."""
        return parse_exp_refs(self.run("git", "for-each-ref", "--format=%(refname)", "refs/exps", check=False))

    def experiments(self) -> list[dict]:
        """Every named, finished experiment (`parse_exp_show`)."""
        # `--rev` for each baseline that has experiments: `--all-commits` walks every commit of the
        # history and took over 10 minutes beside two queue workers; this reads only what exists.
        revs = [a for rev in self.baselines() for a in ("--rev", rev)] or ["--all-commits"]
        return parse_exp_show(json.loads(self.run(self.dvc, "exp", "show", "--json", *revs) or "[]"))

    def queue_status(self) -> str:
        return self.run(self.dvc, "queue", "status", check=False)

    def queued(self) -> set[str]:
        """Experiments waiting or running in the DVC queue (not to be queued twice)."""
        return parse_queue_status(self.queue_status())

    def seen(self) -> set[str]:
        """Names queued, running or finished."""
        # The queue first: a run that finishes while `dvc exp show` is read (minutes on a busy machine)
        # is then still seen, as queued or as finished, and not queued a second time.
        waiting = self.queued()
        return {r["name"] for r in self.experiments()} | waiting

    def exp_run(self, name: str, params: dict, queue: bool = True, target: str | None = None) -> None:
        """`dvc exp run [--queue] -n NAME -S key=value … <target>` (default target: the client's)."""
        sets = [a for k, v in params.items() for a in ("-S", f"{k}={v}")]
        self.run(self.dvc, "exp", "run", *(["--queue"] if queue else []), "-n", name, *sets, target or self.target)

    def queue_start(self, jobs: int) -> None:
        self.run(self.dvc, "queue", "start", "--jobs", str(jobs))

    def wait(self, sleep: Callable[[float], None] | None = None) -> str:
        """Wait until nothing is queued or running (`sleep`: `time.sleep`); the last `dvc queue status`."""
        while True:
            status = self.queue_status()
            if not any(w in status for w in ACTIVE):
                return status
            (sleep or time.sleep)(POLL_S)

    def restore_workspace(self) -> None:
        """Workspace runs leave the last -S values in params.yaml and their outputs in the workspace."""
        self.run("git", "checkout", "--", "params.yaml")
        self.run(self.dvc, "checkout", check=False)


class Named(Protocol):
    """A planned experiment (`plan.Exp`, `plan2.Exp`); one with a `target` attribute runs that stage."""

    name: str

    def params(self) -> dict: ...


def pending(exps: Iterable[Named], done: set[str], limit: int = 0) -> list:
    """The experiments not in `done`, in plan order, at most `limit` of them (0: all)."""
    return [e for e in exps if e.name not in done][: limit or None]


def launch(
    dvc: Dvc,
    todo: Sequence[Named],
    queue: bool = True,
    start: bool = True,
    jobs: int = 1,
    log: Callable[[str], None] = print,
    sleep: Callable[[float], None] | None = None,
) -> None:
    """Queue `todo` and (with `start`) run the queue with `jobs` workers until it drains; or, without
    `queue`, run each in the workspace one after the other and put the workspace back after."""
    for e in todo:
        target = getattr(e, "target", None)
        if queue:
            dvc.exp_run(e.name, e.params(), queue=True, target=target)
        else:
            t0 = time.perf_counter()
            dvc.exp_run(e.name, e.params(), queue=False, target=target)
            log(f"{e.name}: {time.perf_counter() - t0:.0f} s")
    if queue and start and (todo or dvc.queued()):
        dvc.queue_start(jobs)
        log(dvc.wait(sleep))
    if not queue:
        dvc.restore_workspace()
