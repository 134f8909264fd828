"""Issue 18's goal runs, collected from their DVC experiments into one committed record.

The runs (each a `dvc exp run --temp -n NAME -S …` of the default pipeline, on 2 CPU cores):
  goal-full: select.method=random select.budget=60000 select.null_draws=0 attach.visual_encoder=none
             train.proj_coeff=0.0 train.steps=4500 train.snapshot_every=1500
  goal-48:   attach.visual_encoder=none train.proj_coeff=0.0 train.steps=4500 train.snapshot_every=1500
             (the default interval subset, 48 per class)
Goal: Inception FID ≤ 3× the real-data floor at the same N (full data), ≤ 4× (48 per class), in ≤ 20
training minutes each.

    python benchmarks/goal_runs.py goal-full goal-48
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Annotated

import typer
from grid.record import machine_label  # benchmarks/ is on sys.path when this script runs

from diffcurate.io import atomic_outputs

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
GOAL = {"goal-full": 3.0, "goal-48": 4.0}
EVAL_KEYS = (
    "fid",
    "fid_floor",
    "fid_over_floor",
    "sfid",
    "precision",
    "recall",
    "probe_fd",
    "probe_fd_floor",
    "class_consistency",
    "background_share",
    "seam_ratio",
    "n_samples",
    "n_ref",
    "probe_fd_at",
)


def exp_ref(name: str) -> str:
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(objectname) %(refname)", "refs/exps"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    hits = [line.split()[0] for line in refs if line.endswith("/" + name)]
    if not hits:
        raise typer.BadParameter(f"no DVC experiment named {name!r} (dvc exp list -A)")
    return hits[0]


def show(rev: str, path: str) -> dict:
    return json.loads(subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True).stdout)


@app.command()
def main(
    names: Annotated[list[str], typer.Argument(help="Experiment names.")],
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/goal_runs.json"),
) -> None:
    runs = []
    for name in names:
        rev = exp_ref(name)
        ev, tr = show(rev, "metrics/eval.json"), show(rev, "metrics/train.json")
        train_min = round(tr["steps"] / tr["steps_per_s"] / 60, 1) if tr.get("steps_per_s") else None
        row = {
            "name": name,
            "rev": rev,
            "n_train": tr["n_train"],
            "steps": tr["steps"],
            "steps_per_s": tr["steps_per_s"],
            "train_min": train_min,
            **{k: ev.get(k) for k in EVAL_KEYS},
        }
        if name in GOAL:
            row["goal_over_floor"] = GOAL[name]
            row["goal_met"] = bool(ev["fid_over_floor"] <= GOAL[name] and train_min is not None and train_min <= 20)
        runs.append(row)
        print(
            f"{name}: {tr['n_train']} images, {tr['steps']} steps ({train_min} train-min), FID {ev['fid']} = "
            f"{ev['fid_over_floor']}x the floor {ev['fid_floor']} (N = {ev['n_samples']})"
        )
    # The collector runs where the experiments ran (their refs are local), so its machine is theirs.
    record = {"runs": runs, "machine": machine_label()}
    with atomic_outputs() as w:
        w.json(record, out)


if __name__ == "__main__":
    app()
