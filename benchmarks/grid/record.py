"""`results/d2c_grid.csv`: the committed record of every finished run.

One row per (profile, name): the run's planned params, what `dvc exp show` measured, its
FID-vs-steps curve (JSON), the machine that produced it and the day it finished. `collect` merges
new rows into it: a re-run replaces its own row, nothing else is dropped.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from diffcurate.io import atomic_path

from . import GridError
from .plan import Exp, per_class

RECORD = "d2c_grid.csv"
REQUIRED = {"name", "profile", "fid", "curve"}
ORDER = ["profile", "group", "per_class", "method", "k", "seed", "name"]  # the record's row order


class NotARecord(GridError):
    """A file where the record should be that is not one."""


def machine_label(cuda: bool = False) -> str:
    """The machine this process runs on, in words: CPU model and cores, and the GPU when `cuda`."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    label = f"{platform.machine()} {cpu}, {os.cpu_count()} cores"
    if cuda:
        try:
            import torch

            label += f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no CUDA device visible"
        except Exception as exc:  # noqa: BLE001 — a label, never a reason to lose results
            label += f", GPU unknown ({exc.__class__.__name__})"
    return label


def curve_of(shown: dict) -> list[tuple[int, float]]:
    """The FID-vs-steps curve of one `dvc exp show` row (`eval:fid_at.<step>`), by step."""
    pts = sorted(
        (int(k.split(".")[-1]), v) for k, v in shown.items() if k.startswith("eval:fid_at.") and isinstance(v, (int, float))
    )
    return [(s, float(f)) for s, f in pts]


def row_of(exp: Exp, shown: dict, machine: str, today: str) -> dict:
    """One record row: the experiment's planned params and what `dvc exp show` measured."""
    p = exp.params()
    reduced = [v for k, v in shown.items() if k.startswith("select:interval_reduced.") and isinstance(v, (int, float))]
    k_used = (min(reduced) if reduced else p["select.interval"]) if p["select.method"] == "interval" else None
    return {
        "name": exp.name,
        "profile": exp.profile,
        "group": exp.group,
        "method": p["select.method"],
        "per_class": per_class(p["select.budget"]),
        "k": p["select.interval"],
        "seed": p["train.seed"],
        "conditioning": p["train.conditioning"],
        "proj_coeff": p["train.proj_coeff"],
        "fid": shown.get("eval:fid"),
        "sfid": shown.get("eval:sfid"),
        "precision": shown.get("eval:precision"),
        "recall": shown.get("eval:recall"),
        "steps_per_s": shown.get("train:steps_per_s"),
        "n_train": shown.get("select:n_selected"),
        "k_used": k_used,  # interval: k shrinks when budget × k exceeds a class (4%: 25, 8%: 12)
        # Diffusion difficulty of the selected images (the scorer's loss): what each method picks.
        "score_q10": shown.get("select:score_selected.q10"),
        "score_median": shown.get("select:score_selected.median"),
        "score_q90": shown.get("select:score_selected.q90"),
        "score_median_corpus": shown.get("select:score_corpus.median"),
        "curve": json.dumps(curve_of(shown)),
        "machine": machine,
        # The day the run finished (its experiment commit), not the day it was collected.
        "finished": str(shown.get("timestamp") or today)[:10],
    }


def new_rows(
    shown: Iterable[dict], known: dict[str, Exp], machine: Callable[[str], str], today: str, row: Callable = row_of
) -> pd.DataFrame:
    """Record rows (`row(exp, shown, machine, today)`: the first grid's `row_of`, v2's `record2.row_of`)
    of the `dvc exp show` rows whose name the grid knows; a name run twice (from another commit)
    gives its newest run. `machine(profile)` is asked once per profile."""
    ours = sorted((r for r in shown if r["name"] in known), key=lambda r: str(r.get("timestamp") or ""))
    latest = {r["name"]: r for r in ours}
    machines = {p: machine(p) for p in {known[n].profile for n in latest}}
    return pd.DataFrame([row(known[n], r, machines[known[n].profile], today) for n, r in latest.items()])


def read_record(path: Path) -> pd.DataFrame:
    """The committed record of finished runs (empty when there is none yet)."""
    if not path.exists():
        return pd.DataFrame()
    df = pd.read_csv(path).rename(columns={"collected": "finished"})  # records before 2026-11-26
    missing = REQUIRED - set(df.columns)
    if missing:
        raise NotARecord(f"{path}: not a grid record, columns {sorted(missing)} missing")
    return df


def recorded_names(record: pd.DataFrame, profile: str, measures: tuple[str, ...] = ("fid",)) -> set[str]:
    """Names of `profile` with one of `measures` in the record (a FID; v2's select-only runs: a
    data-FID): finished, not to be run again."""
    if record.empty:
        return set()
    done = pd.concat([record[m].notna() for m in measures if m in record], axis=1).any(axis=1)
    return set(record.loc[(record.profile == profile) & done, "name"])


def merge_record(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of `new` replace the rows of `old` with the same (profile, name); every other old row stays.

    A row collected again with the same curve is the same run: it keeps the machine it was first
    recorded with."""
    if old.empty:
        return new.reset_index(drop=True)
    if new.empty:
        return old.reset_index(drop=True)
    keep = ~old.set_index(["profile", "name"]).index.isin(new.set_index(["profile", "name"]).index)
    new = new.copy()
    if {"machine", "curve"} <= set(old.columns) and {"machine", "curve"} <= set(new.columns):
        # The same run collected again (same curve): the machine first recorded for it stays; the
        # local exp refs may have been fetched from another machine since.
        first = old.drop_duplicates(["profile", "name"]).set_index(["profile", "name"])
        for i, r in new.iterrows():
            k = (r["profile"], r["name"])
            if k in first.index and first.at[k, "curve"] == r["curve"] and isinstance(first.at[k, "machine"], str):
                new.at[i, "machine"] = first.at[k, "machine"]
    return pd.concat([old[keep], new], ignore_index=True)


def in_order(record: pd.DataFrame) -> pd.DataFrame:
    """The record sorted as it is committed (profile, group, budget, method, k, seed, name)."""
    return record.sort_values(ORDER).reset_index(drop=True)


def write_record(record: pd.DataFrame, path: Path) -> None:
    """Write the record in one piece (an interrupt leaves the previous one)."""
    with atomic_path(path) as tmp:
        record.to_csv(tmp, index=False)
