"""Reproduce D2C's claims in miniature: DVC experiment grids over the D2C stages.

Two grids, `--grid v1` (issue 8, the first grid: kept as history) and `--grid v2` (issue 19:
Select and Attach separated, paired seeds, read at p < 0.05):

    python benchmarks/d2c_grid.py plan    [--grid v1|v2] [--groups …] [--seeds …] [--budgets …(v1)]
    python benchmarks/d2c_grid.py run     [same options] [--profile cpu|gpu(v1)] [--jobs N] [--limit N] [--from-scratch]
    python benchmarks/d2c_grid.py collect [--grid v1|v2] [--profile cpu|gpu] [--out results]
    python benchmarks/d2c_grid.py gpu     [--groups select,attach] [--device cuda] [--precision fp32] [--set key=value …]
    python benchmarks/d2c_grid.py gpu-bundle | gpu-train | gpu-finish   (`gpu` split across two machines)

Each experiment is `dvc exp run [--queue] -n NAME -S key=value … <target>`: only the D2C branch
(select → attach → train → eval; v2's `data` group: select alone) runs; encode / pretrain / score /
features / probe / refstats are shared and come from the DVC cache. Every experiment sets every key
its grid varies (v2 also pins issue 18's recipe), so none inherits another's values.

Results are kept in two places: the local DVC experiment refs (`dvc exp show`), and the committed
record of every finished run (name, profile, the machine that produced it, its metrics and curve):
`results/d2c_grid.csv` (v1) and `results/d2c_grid2.csv` (v2). `collect` merges the experiments
`dvc exp show` has into the grid's record (a re-run replaces its own row, nothing else is dropped)
and writes the tables and the figure from it: v1 `results/d2c_grid.md` and
`results/d2c_fid_vs_steps.png`; v2 `results/d2c_grid2.md` (verdicts, paired differences with 95%
intervals, every FID beside its real-data floor) and `results/d2c_grid2_fd_vs_steps.png`. `run`
skips names already finished, queued or recorded for the same profile, so an interrupted grid
resumes, also on a fresh clone; `--from-scratch` ignores the record and re-runs everything.

v1 groups: main (budgets × interval, random, herding, kcenter × seeds), full (the whole corpus,
no REPA), ablation (paper Table 4 at 0.8% interval), ksweep (paper Fig. 6 at 0.8%); profiles `cpu`
(DiT-T/4, 1,000 steps, 2 queue workers with one thread each) and `gpu` (one CUDA device, bf16,
DiT-S/2, 20,000 steps of 256; names get a `gpu-` prefix).

v2 groups (`grid/plan2.py`): select (part 1: 4 methods × 4 paired seeds at 48 per class, class +
text, no REPA), attach (part 2: {random, interval} × {class, class + text, + REPA} × 3 seeds; the
class + text cells are part 1's runs), small (10 per class, interval k = 443), ksweep (48 per class),
data (select-only: every method's subset's data-FID, min and max included). Profile `cpu`, two
workers of one thread; `gpu` is the batched script (`gpu`: parts 1 and 2 on one device, many
students stacked, rows in the same record with profile `gpu`).

This file is the command line only; the pieces are the package `benchmarks/grid/`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import yaml
from grid import GridError, plan2, record2, report2
from grid import plot as grid_plot
from grid import plot2 as grid_plot2
from grid.plan import GROUPS, JOBS, UnknownChoice, check_profile, known_experiments, plan, uses_cuda
from grid.queue import Dvc, Shell, launch, pending
from grid.record import RECORD, in_order, machine_label, merge_record, new_rows, read_record, recorded_names, write_record
from grid.report import render

from diffcurate.io import atomic_outputs

REPO = Path(__file__).resolve().parents[1]

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


class Grid(StrEnum):
    V1 = "v1"  # issue 8: the first grid (its record is history)
    V2 = "v2"  # issue 19: Select and Attach separated, paired seeds


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


def _plan(grid: Grid, groups: str, seeds: str, budgets: str, profile: str) -> list:
    """The experiments of a grid's `groups` (empty: all of them); empty `seeds`: the grid's own."""
    try:
        if grid is Grid.V2:
            chosen = groups.split(",") if groups else list(plan2.GROUPS)
            return plan2.plan(chosen, [int(x) for x in seeds.split(",")] if seeds else None, profile)
        chosen = groups.split(",") if groups else list(GROUPS)
        return plan(chosen, [int(x) for x in (seeds or "0,1,2").split(",")], [float(b) for b in budgets.split(",")], profile)
    except UnknownChoice as exc:
        raise typer.BadParameter(str(exc)) from None


def _today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


# bf16 autocast failed in the backward of the stacked students on CUDA (H200, torch 2.11: "expected
# input and grad types to match"); fp32 ran parts 1 and 2 in about 5 minutes there.
PRECISIONS = ("fp32", "bf16")


def _precision(value: str) -> str:
    if value not in PRECISIONS:
        raise typer.BadParameter(f"{value!r}: the batched run has {' and '.join(PRECISIONS)}")
    return value


PrecisionOpt = Annotated[
    str, typer.Option(callback=_precision, help="fp32, or bf16 autocast (fails under vmap on CUDA, torch 2.11).")
]
GridOpt = Annotated[Grid, typer.Option(help="v1: the first grid (issue 8, history); v2: issue 19's.")]
Groups = Annotated[str, typer.Option(help="Comma-separated, in this order (empty: every group of the grid).")]
Seeds = Annotated[str, typer.Option(help="Comma-separated seeds (select and train seed); empty: v1 0,1,2, v2 each group's own.")]
Budgets = Annotated[str, typer.Option(help="v1: comma-separated budgets, fractions of the corpus (main group).")]
Profile = Annotated[str, typer.Option(callback=_profile, help="cpu | gpu (the -S values every run shares).")]


@app.command("plan")
def plan_cmd(
    grid: GridOpt = Grid.V1,
    groups: Groups = "",
    seeds: Seeds = "",
    budgets: Budgets = "0.008,0.04,0.08",
    profile: Profile = "cpu",
) -> None:
    """Print the experiments and their -S overrides (v2: and the estimated cost)."""
    exps = _plan(grid, groups, seeds, budgets, profile)
    for e in exps:
        target = f" [{e.target}]" if getattr(e, "target", "eval") != "eval" else ""
        print(e.group, e.name + target, " ".join(f"{k}={v}" for k, v in e.overrides.items()))
    if grid is Grid.V2:
        for label, part in (("parts 1 and 2", (1, 2)), ("part 3", (3,))):
            chosen = [e for e in exps if plan2.PARTS[e.group] in part]
            minutes = sum(plan2.cost_minutes(e) for e in chosen)
            print(
                f"# {label}: {len(chosen)} runs, ≈ {minutes / 60:.1f} CPU-hours "
                f"(≈ {minutes / 60 / plan2.JOBS:.1f} h on {plan2.JOBS} workers of one thread)"
            )


@app.command()
def run(
    grid: GridOpt = Grid.V1,
    groups: Groups = "",
    seeds: Seeds = "",
    budgets: Budgets = "0.008,0.04,0.08",
    profile: Profile = "cpu",
    queue: Annotated[
        bool, typer.Option(help="dvc exp run --queue, then dvc queue start (else one workspace run at a time).")
    ] = True,
    jobs: Annotated[int, typer.Option(min=0, help="dvc queue start --jobs (0: the grid's: cpu 2, v1 gpu 1).")] = 0,
    limit: Annotated[int, typer.Option(min=0, help="Run at most N new experiments (0: all).")] = 0,
    start: Annotated[
        bool, typer.Option(help="With --queue: start the queue's workers and wait (--no-start: only queue).")
    ] = True,
    from_scratch: Annotated[bool, typer.Option(help="Re-run experiments already in the grid's record.")] = False,
    record: Annotated[
        Path | None, typer.Option(help="The record of finished runs (default: results/d2c_grid.csv, v2 d2c_grid2.csv).")
    ] = None,
) -> None:
    """Queue (or run) every experiment of the grid not yet finished, queued, or recorded."""
    if grid is Grid.V2 and profile != "cpu":
        raise typer.BadParameter("grid v2 runs its GPU profile batched, not as DVC experiments: `d2c_grid.py gpu`")
    exps = _plan(grid, groups, seeds, budgets, profile)
    with user_errors():
        dvc = dvc_client()
        done = dvc.seen()
        if not from_scratch:
            if grid is Grid.V2:
                done |= record2.recorded_names(read_record(record or REPO / "results" / plan2.RECORD), profile)
            else:
                done |= recorded_names(read_record(record or REPO / "results" / RECORD), profile)
        todo = pending(exps, done, limit)
        print(f"{len(exps)} experiments, {sum(e.name in done for e in exps)} done, recorded or queued; running {len(todo)}")
        workers = jobs or (plan2.JOBS if grid is Grid.V2 else JOBS[profile])
        launch(dvc, todo, queue=queue, start=start, jobs=workers, log=partial(print, flush=True))


def write_v2(out: Path, record, profile: str) -> str:
    """The v2 record, then one profile's tables and figure from it; the markdown."""
    record = in_order(record)
    write_record(record, out / plan2.RECORD)
    df = record[record.profile == profile]
    if df.empty:
        raise GridError(f"no v2 runs of profile {profile!r} recorded yet")
    suffix = "" if profile == "cpu" else f"_{profile}"
    text = report2.render(df, profile, record[record.profile != profile])
    with atomic_outputs() as w:
        w.path_text(out / f"d2c_grid2{suffix}.md", text)
        grid_plot.save(grid_plot2.figure(df, profile), w.path(out / f"d2c_grid2_fd_vs_steps{suffix}.png"))
    return text


@app.command()
def collect(
    grid: GridOpt = Grid.V1,
    out: Annotated[Path, typer.Option(help="Folder of the record, the tables and the figure.")] = REPO / "results",
    profile: Profile = "cpu",
) -> None:
    """Merge `dvc exp show --json` into the grid's record, then tables, verdicts / headline and figure from it."""
    with user_errors():
        out.mkdir(parents=True, exist_ok=True)
        if grid is Grid.V2:
            shown = dvc_client().experiments()
            new = record2.new_rows(shown, plan2.known_experiments(), lambda p: machine_label(False), _today())
            rec = merge_record(read_record(out / plan2.RECORD), new)
            if rec.empty:
                raise GridError("no v2 experiments in `dvc exp show` or the record yet (`d2c_grid.py run --grid v2`)")
            text = write_v2(out, rec, profile)
            print(f"{len(new)} experiments from dvc exp show; {len(rec)} rows recorded")
            print(text)
            return
        new = new_rows(dvc_client().experiments(), known_experiments(), lambda p: machine_label(uses_cuda(p)), _today())
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


def _settings(values: list[str]) -> dict:
    """`key=value` pairs (values read as YAML, as `dvc exp run -S` reads them)."""
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--set {item!r}: expected key=value, e.g. train.steps=200")
        out[key] = yaml.safe_load(value)
    return out


@app.command()
def gpu(
    groups: Annotated[str, typer.Option(help="v2 groups to train batched (parts 1 and 2).")] = "select,attach",
    seeds: Seeds = "",
    device: Annotated[str, typer.Option(help="cuda (the point), or cpu (a toy check).")] = "cuda",
    precision: PrecisionOpt = "fp32",
    settings: Annotated[
        list[str] | None, typer.Option("--set", help="key=value over the plan's params (e.g. train.steps=200).")
    ] = None,
    repo: Annotated[Path, typer.Option(help="Repository with the shared stages' outputs and params.yaml.")] = REPO,
    out: Annotated[Path, typer.Option(help="Folder of the v2 record, tables and figure.")] = REPO / "results",
) -> None:
    """Grid v2's parts 1 and 2 on one device, many students at once; rows into the v2 record (profile gpu)."""
    from grid import gpu_batch

    exps = _plan(Grid.V2, groups, seeds, "", "gpu")
    overrides = _settings(settings or [])
    with user_errors():
        rows = gpu_batch.run(
            exps,
            gpu_batch.Paths.of(repo),
            device,
            precision,
            overrides,
            f"{machine_label(device == 'cuda')}, {precision}",
            _today(),
            partial(print, flush=True),
        )
        _record_gpu(out, rows)


def _record_gpu(out: Path, rows) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = write_v2(out, merge_record(read_record(out / plan2.RECORD), rows), "gpu")
    print(f"{len(rows)} batched runs recorded")
    print(text)


# The same run split across two machines, for a GPU machine that cannot hold the shared stages'
# outputs, the text encoder or the Inception (its weights and reference statistics are ~180 MB):
# `gpu-bundle` here (selection, text tokens: a few MB), `gpu-train` there (visual tokens, training,
# sampling, the probe's measures; final samples back), `gpu-finish` here (the Inception measures and
# the floor, on this machine's CPU; rows into the record).
@app.command("gpu-bundle")
def gpu_bundle(
    bundle: Annotated[Path, typer.Option(help="Where to write the bundle (one file).")] = REPO / ".dev/bundle.pt",
    groups: Annotated[str, typer.Option(help="v2 groups to train batched (parts 1 and 2).")] = "select,attach",
    seeds: Seeds = "",
    settings: Annotated[list[str] | None, typer.Option("--set", help="key=value over the plan's params.")] = None,
    repo: Annotated[Path, typer.Option(help="Repository with the shared stages' outputs and params.yaml.")] = REPO,
    skip: Annotated[str, typer.Option(help="Names not to train (besides those the record has for profile gpu).")] = "",
    out: Annotated[Path, typer.Option(help="Folder of the v2 record (runs it holds for profile gpu are left out).")] = REPO
    / "results",
) -> None:
    """Plan the batched run's students where the shared stages' outputs are: a bundle for `gpu-train`.
    Runs the record already holds for profile gpu are left out, as `run` leaves them out."""
    from grid import gpu_batch

    planned = _plan(Grid.V2, groups, seeds, "", "gpu")
    with user_errors():
        done = record2.recorded_names(read_record(out / plan2.RECORD), "gpu") | set(filter(None, skip.split(",")))
        exps = [e for e in planned if e.name not in done]
        b = gpu_batch.plan_students(exps, gpu_batch.Paths.of(repo), _settings(settings or []), partial(print, flush=True))
        b.save(bundle)
    print(f"{bundle}: {len(b.students)} students, {len(b.corpus.index)} images ({bundle.stat().st_size / 1e6:.1f} MB)")


@app.command("gpu-train")
def gpu_train(
    bundle: Annotated[Path, typer.Option(help="The bundle `gpu-bundle` wrote.")] = REPO / ".dev/bundle.pt",
    probe: Annotated[Path, typer.Option(help="The probe stage's folder.")] = REPO / "models/probe",
    out: Annotated[Path, typer.Option(help="Folder for pending.json and the final samples.")] = REPO / ".dev/pending",
    device: Annotated[str, typer.Option(help="cuda (the point), or cpu (a toy check).")] = "cuda",
    precision: PrecisionOpt = "fp32",
) -> None:
    """Train, sample and measure (without the Inception) a bundle's students, stack by stack."""
    from grid import gpu_batch

    with user_errors():
        b = gpu_batch.Bundle.load(bundle)
        log = partial(print, flush=True)
        t0 = time.perf_counter()
        jobs = gpu_batch.build(b, log)
        log(f"built {len(jobs)} students ({time.perf_counter() - t0:.0f} s)")
        info = {"machine": machine_label(device == "cuda"), "device": device, "precision": precision, "finished": _today()}
        out.mkdir(parents=True, exist_ok=True)
        meter = gpu_batch.meter_of(b, probe, device, None)
        trained = gpu_batch.train_and_sample(jobs, meter, device, precision, log, gpu_batch.PendingWriter(out, info))
    print(f"{len(trained)} students trained on {info['machine']} ({time.perf_counter() - t0:.0f} s): {out}")


@app.command("gpu-finish")
def gpu_finish(
    pending: Annotated[Path, typer.Option(help="The folder `gpu-train` wrote.")] = REPO / ".dev/pending",
    bundle: Annotated[Path, typer.Option(help="The bundle the run trained.")] = REPO / ".dev/bundle.pt",
    repo: Annotated[Path, typer.Option(help="Repository with the reference statistics and the probe.")] = REPO,
    out: Annotated[Path, typer.Option(help="Folder of the v2 record, tables and figure.")] = REPO / "results",
) -> None:
    """The Inception measures of `gpu-train`'s samples here, the floor beside them; rows into the v2 record."""
    from grid import gpu_batch

    from diffcurate.d2c.fid import load_reference

    with user_errors():
        b = gpu_batch.Bundle.load(bundle)
        info, trained = gpu_batch.read_pending(pending)
        if not trained:
            raise gpu_batch.BatchError(f"{pending}: no finished students")
        path = out / plan2.RECORD
        done = record2.recorded_names(read_record(path), "gpu")
        todo = [t for t in trained if t.name not in done]
        if len(todo) < len(trained):
            print(f"{len(trained) - len(todo)} of {len(trained)} already in {path} (profile gpu): not measured again")
        rows = pd.DataFrame()
        if todo:
            paths = gpu_batch.Paths.of(repo)
            meter = gpu_batch.meter_of(b, paths.probe, "cpu", load_reference(paths.ref))
            machine = f"{info['machine']}, {info['precision']} (Inception measures: {machine_label()})"
            out.mkdir(parents=True, exist_ok=True)

            def keep(row: dict) -> None:  # each row into the record as it is measured (an interrupt keeps them)
                write_record(in_order(merge_record(read_record(path), pd.DataFrame([row]))), path)

            rows = gpu_batch.finish(b, todo, meter, machine, info["finished"], partial(print, flush=True), keep)
        _record_gpu(out, rows)


if __name__ == "__main__":
    app()
