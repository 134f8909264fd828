"""Reproduce D2C's claims in miniature (issue 8): a DVC experiment grid over the D2C stages.

    python benchmarks/d2c_grid.py plan    [--groups main,full,ablation,ksweep] [--seeds 0,1,2] [--budgets 0.008,0.04,0.08]
    python benchmarks/d2c_grid.py run     [same options] [--profile cpu|gpu] [--jobs 2] [--limit N] [--from-scratch]
    python benchmarks/d2c_grid.py collect [--profile cpu|gpu] [--out results]

Each experiment is `dvc exp run [--queue] -n NAME -S key=value … eval`: only the D2C branch
(select → attach → train → eval) runs; encode / pretrain / score / features / refstats are shared
and come from the DVC cache. Every experiment sets every key the grid varies, so none inherits
another's values.

Results are kept in two places: the local DVC experiment refs (`dvc exp show`), and
`results/d2c_grid.csv`, the committed record of every finished run (name, profile, the machine that
produced it, its metrics and FID-vs-steps curve). `collect` merges the experiments `dvc exp show`
has into that record (a re-run replaces its own row, nothing else is dropped) and writes
`results/d2c_grid.md` (tables, headline) and `results/d2c_fid_vs_steps.png` from it. `run` skips
names already finished, queued or recorded for the same profile, so an interrupted grid resumes,
also on a fresh clone; `--from-scratch` ignores the record and re-runs everything (`make grid-fresh`).

Groups:
- main: budgets × methods (interval, random, herding, kcenter) × seeds (select and train seed;
  interval, herding and kcenter pick the same images for every seed, only training differs);
- full: the full corpus (60,000 images) at the same steps — without REPA (attaching visual
  tokens to 60K images does not fit a CPU run), so compare it with ablation `text` (same
  conditioning, no visual alignment) at 0.8%;
- ablation (paper Table 4) at 0.8% interval: none (class only, no REPA), text (class + text,
  no REPA), visual (class + REPA), both (class + text + REPA = main);
- ksweep (paper Fig. 6) at 0.8%: interval k in 1, 10, 25, 50, 100, 125.

Profiles: `cpu` (the one measured here: DiT-T/4, 1,000 steps, 2 queue workers with one thread
each) and `gpu` (one CUDA device, bf16, DiT-S/2, 20,000 steps of 256; names get a `gpu-` prefix so
both live side by side in `dvc exp show` and in the record).

This file is the command line only; the pieces are the package `benchmarks/grid/`: `plan` (the
experiments), `queue` (every dvc/git command, behind `Dvc`), `record` (the CSV), `stats` (the
headline's arithmetic), `report` (the markdown) and `plot` (the figure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from grid import GridError
from grid import plot as grid_plot
from grid.plan import GROUPS, JOBS, Exp, UnknownChoice, check_profile, known_experiments, plan, uses_cuda
from grid.queue import Dvc, Shell, launch, pending
from grid.record import RECORD, in_order, machine_label, merge_record, new_rows, read_record, recorded_names, write_record
from grid.report import render

from diffcurate.io import atomic_outputs

REPO = Path(__file__).resolve().parents[1]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def dvc_client() -> Dvc:
    """The repository's DVC experiments (tests replace this with a fake runner)."""
    return Dvc(Shell(REPO))


@contextmanager
def user_errors() -> Iterator[None]:
    """A `GridError` ends the command with its message on stderr and exit status 1, no traceback."""
    try:
        yield
    except GridError as exc:
        raise SystemExit(str(exc)) from None


def _profile(value: str) -> str:
    try:
        return check_profile(value)
    except UnknownChoice as exc:
        raise typer.BadParameter(str(exc)) from None


def _plan(groups: str, seeds: str, budgets: str, profile: str) -> list[Exp]:
    try:
        return plan(groups.split(","), [int(s) for s in seeds.split(",")], [float(b) for b in budgets.split(",")], profile)
    except UnknownChoice as exc:
        raise typer.BadParameter(str(exc)) from None


ALL_GROUPS = ",".join(GROUPS)
Groups = Annotated[str, typer.Option(help="Comma-separated, in this order.")]
Seeds = Annotated[str, typer.Option(help="Comma-separated select and train seeds (main group; full takes the first).")]
Budgets = Annotated[str, typer.Option(help="Comma-separated budgets, fractions of the corpus (main group).")]


@app.command("plan")
def plan_cmd(
    groups: Groups = ALL_GROUPS,
    seeds: Seeds = "0,1,2",
    budgets: Budgets = "0.008,0.04,0.08",
    profile: Annotated[str, typer.Option(callback=_profile, help="cpu | gpu (the -S values every run shares).")] = "cpu",
) -> None:
    """Print the experiments and their -S overrides."""
    for e in _plan(groups, seeds, budgets, profile):
        print(e.group, e.name, " ".join(f"{k}={v}" for k, v in e.overrides.items()))


@app.command()
def run(
    groups: Groups = ALL_GROUPS,
    seeds: Seeds = "0,1,2",
    budgets: Budgets = "0.008,0.04,0.08",
    profile: Annotated[str, typer.Option(callback=_profile, help="cpu | gpu (the -S values every run shares).")] = "cpu",
    queue: Annotated[
        bool, typer.Option(help="dvc exp run --queue, then dvc queue start (else one workspace run at a time).")
    ] = True,
    jobs: Annotated[int, typer.Option(min=0, help="dvc queue start --jobs (0: the profile's, cpu 2, gpu 1).")] = 0,
    limit: Annotated[int, typer.Option(min=0, help="Run at most N new experiments (0: all).")] = 0,
    start: Annotated[
        bool, typer.Option(help="With --queue: start the queue's workers and wait (--no-start: only queue).")
    ] = True,
    from_scratch: Annotated[
        bool, typer.Option(help="Re-run experiments already in results/d2c_grid.csv (the committed record).")
    ] = False,
    record: Annotated[Path, typer.Option(help="The record of finished runs.")] = REPO / "results" / RECORD,
) -> None:
    """Queue (or run) every experiment of the grid not yet finished, queued, or recorded."""
    exps = _plan(groups, seeds, budgets, profile)
    with user_errors():
        dvc = dvc_client()
        done = dvc.seen()
        if not from_scratch:
            done |= recorded_names(read_record(record), profile)
        todo = pending(exps, done, limit)
        print(f"{len(exps)} experiments, {sum(e.name in done for e in exps)} done, recorded or queued; running {len(todo)}")
        launch(dvc, todo, queue=queue, start=start, jobs=jobs or JOBS[profile], log=partial(print, flush=True))


@app.command()
def collect(
    out: Annotated[Path, typer.Option(help="Folder of the record, the tables and the figure.")] = REPO / "results",
    profile: Annotated[str, typer.Option(callback=_profile, help="cpu | gpu: the profile of the tables and figure.")] = "cpu",
) -> None:
    """Merge `dvc exp show --json` into results/d2c_grid.csv, then tables, headline and figure from it."""
    with user_errors():
        today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        new = new_rows(dvc_client().experiments(), known_experiments(), lambda p: machine_label(uses_cuda(p)), today)
        out.mkdir(parents=True, exist_ok=True)
        record = merge_record(read_record(out / RECORD), new)
        if record.empty:
            raise GridError("no grid experiments in `dvc exp show` or the record yet (run `python benchmarks/d2c_grid.py run`)")
        record = in_order(record)
        write_record(record, out / RECORD)
        df = record[record.profile == profile]
        if df.empty:
            raise GridError(f"no runs of profile {profile!r} recorded yet")
        suffix = "" if profile == "cpu" else f"_{profile}"
        text = render(df, profile)
        with atomic_outputs() as w:
            w.path_text(out / f"d2c_grid{suffix}.md", text)
            grid_plot.save(grid_plot.figure(df, profile), w.path(out / f"d2c_fid_vs_steps{suffix}.png"))
        print(f"{len(new)} experiments from dvc exp show; {len(record)} rows recorded")
        print(text)


if __name__ == "__main__":
    app()
