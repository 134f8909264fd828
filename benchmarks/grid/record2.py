"""`results/d2c_grid2.csv`: grid v2's record, one row per (profile, name).

The first grid's record (`results/d2c_grid.csv`, read by `record.py`) stays as it was: history.
v2's rows hold the run's planned params (`plan2.describe`), its curve — the probe FD at every EMA
snapshot and the final weights (`eval:probe_fd_at.<step>`; since issue 18 `eval:fid_at` holds the
final step only) — the final Inception FID / sFID / precision / recall and the probe measures, each
beside its real-data floor, the subset's data-FID (select-only runs of the `data` group), the
machine and the day the run finished. Merging, ordering and writing are `record.py`'s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pandas as pd

from . import record
from .plan2 import Exp, describe

CURVE_KEY = "eval:probe_fd_at."
MEASURES = ("fid", "data_fid", "data_probe_fd")  # a run is finished when it has one of these (`record.recorded_names`)
# record column -> `dvc exp show` key: the final weights' measures and their real-data floors.
EVAL = {
    "fid": "eval:fid",
    "fid_floor": "eval:fid_floor",
    "fid_over_floor": "eval:fid_over_floor",
    "sfid": "eval:sfid",
    "sfid_floor": "eval:sfid_floor",
    "precision": "eval:precision",
    "precision_floor": "eval:precision_floor",
    "recall": "eval:recall",
    "recall_floor": "eval:recall_floor",
    "probe_fd": "eval:probe_fd",
    "probe_fd_floor": "eval:probe_fd_floor",
    "probe_kid": "eval:probe_kid",
    "probe_kid_floor": "eval:probe_kid_floor",
    "class_consistency": "eval:class_consistency",
    "class_consistency_floor": "eval:class_consistency_floor",
    "steps_per_s": "train:steps_per_s",
    "eval_seconds": "eval:seconds.total",
    "n_train": "select:n_selected",
    # Diffusion difficulty of the selected images (the scorer's loss): what each method picks.
    "score_q10": "select:score_selected.q10",
    "score_median": "select:score_selected.median",
    "score_q90": "select:score_selected.q90",
    "score_median_corpus": "select:score_corpus.median",
}
# The subset's own images against the test split (select's data-FID), beside its random-subset null.
DATA = {
    f"data_{m}{suffix}": f"select:data_fid.{m}.{key}"
    for m in ("probe_fd", "fid")
    for suffix, key in (("", "value"), ("_null_mean", "null_mean"), ("_null_p5", "null_p5"), ("_percentile", "percentile"))
}


def curve_of(shown: dict) -> list[tuple[int, float]]:
    """The probe-FD-vs-steps curve of one `dvc exp show` row, by step."""
    pts = sorted(
        (int(k[len(CURVE_KEY) :]), v) for k, v in shown.items() if k.startswith(CURVE_KEY) and isinstance(v, (int, float))
    )
    return [(s, float(f)) for s, f in pts]


def k_used(p: dict, shown: dict) -> int | None:
    """interval's k as select used it (it shrinks when budget × k exceeds a class); None for other methods."""
    if p["select.method"] != "interval":
        return None
    reduced = [v for k, v in shown.items() if k.startswith("select:interval_reduced.") and isinstance(v, (int, float))]
    return int(min(reduced)) if reduced else int(p["select.interval"])


def row_of(exp: Exp, shown: dict, machine: str, today: str) -> dict:
    """One record row: the run's planned params and what `dvc exp show` measured. A select-only run
    keeps its select metrics only: its experiment commit still holds the baseline's train and eval
    metrics files, which are not its own."""
    p = exp.params()
    if exp.target == "select":
        shown = {k: v for k, v in shown.items() if not k.startswith(("eval:", "train:"))}
    return {
        "name": exp.name,
        "profile": exp.profile,
        "group": exp.group,
        "target": exp.target,
        **describe(p),
        "k_used": k_used(p, shown),
        **{col: shown.get(key) for col, key in EVAL.items()},
        **{col: shown.get(key) for col, key in DATA.items()},
        "curve": json.dumps(curve_of(shown)),
        "machine": machine,
        # The day the run finished (its experiment commit), not the day it was collected.
        "finished": str(shown.get("timestamp") or today)[:10],
    }


def new_rows(shown: Iterable[dict], known: dict[str, Exp], machine: Callable[[str], str], today: str) -> pd.DataFrame:
    return record.new_rows(shown, known, machine, today, row=row_of)


def recorded_names(rec: pd.DataFrame, profile: str) -> set[str]:
    return record.recorded_names(rec, profile, MEASURES)
