"""`select`: a small training subset per class.

- `interval` (D2C): sort the class ascending by difficulty score and take ranks 0, k, 2k, … until
  the class budget; if the class is too small for k × budget, k shrinks to ⌊n / budget⌋ (counted).
- `min` / `max`: the easiest / hardest; `random`: seeded.
- `herding` (Welling 2009 as used by iCaRL): greedily add the sample that keeps the running mean of
  the selected features closest to the class mean.
- `kcenter` (greedy farthest-first, Sener & Savarese 2018): start at the sample nearest the class
  mean, then repeatedly add the sample farthest from everything selected.

Herding and K-Center work per class on one shared feature space (`features.py`). The budget is a
count or a fraction of the corpus, split over classes by class size (largest remainders): the
per-class budgets sum to the total and never exceed a class's size. A budget is never coerced: one
that is not finite, a count that is not whole or exceeds the corpus, or a budget that leaves a
class without an image is an error that says so.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd

from diffcurate.errors import DiffcurateError
from diffcurate.io import read_table

SCORE_COLUMNS = ("id", "index", "label", "score")  # what `score` writes and `select` reads


class SelectError(DiffcurateError, ValueError):
    """A budget, interval or input of `select` is out of range (the message names it)."""


class Method(StrEnum):
    INTERVAL = "interval"
    RANDOM = "random"
    HERDING = "herding"
    KCENTER = "kcenter"
    MIN = "min"
    MAX = "max"


NEEDS_FEATURES = {Method.HERDING, Method.KCENTER}
HIST_BINS = 40  # score histogram of the corpus and the selection (plots/select/score_hist.csv)
HIST_RANGE = (0.001, 0.999)  # its range: these score quantiles of the corpus


def read_scores(path: Path | str) -> pd.DataFrame:
    """`score`'s table (id, index, label, score), checked."""
    try:
        scores = read_table(path)
    except (OSError, ValueError) as exc:
        raise SelectError(f"{path}: not a readable scores table ({exc})") from None
    missing = [c for c in SCORE_COLUMNS if c not in scores]
    if missing:
        raise SelectError(f"{path}: missing columns {missing}")
    return scores


def read_features(path: Path | str, index: np.ndarray, method: Method) -> np.ndarray:
    """Rows `index` of the (N, D) corpus-order features in `path` (the features stage's .npy)."""
    path = Path(path)
    if not path.is_file():
        raise SelectError(f"{path}: no features (run the features stage) — needed by {method.value}")
    try:
        features = np.load(path)
    except (OSError, ValueError, EOFError) as exc:
        raise SelectError(f"{path}: not a readable .npy ({exc})") from None
    if not isinstance(features, np.ndarray) or features.ndim != 2:
        raise SelectError(f"{path}: expected one (N, D) array of features")
    if len(index) and int(index.max()) >= len(features):
        raise SelectError(f"{path}: {len(features)} rows, but the scores reach corpus row {int(index.max())} (re-run features)")
    return features[index]


def total_budget(budget: float, n: int) -> int:
    """A count (a whole number ≥ 1, at most the corpus' size `n`) or a fraction of the corpus (< 1)."""
    if not math.isfinite(budget) or budget <= 0:
        raise SelectError(f"select budget must be > 0 and finite, got {budget}")
    if budget < 1:
        total = round(budget * n)
        if total == 0:
            raise SelectError(f"select budget {budget} of {n} images rounds to 0 images; at least {1 / n:.3g} is one image")
        return total
    if budget != int(budget):
        raise SelectError(
            f"select budget {budget}: a budget >= 1 is a count of images and must be whole (a fraction of the corpus is < 1)"
        )
    if budget > n:
        raise SelectError(f"select budget {int(budget)} exceeds the corpus ({n} images)")
    return int(budget)


def per_class_budget(counts: dict[int, int], total: int) -> dict[int, int]:
    """Split `total` over classes in proportion to their sizes; never above a class's size."""
    n = sum(counts.values())
    raw = {c: total * k / n for c, k in counts.items()}
    out = {c: min(counts[c], math.floor(v)) for c, v in raw.items()}
    rest = total - sum(out.values())
    order = sorted(counts, key=lambda c: (-(raw[c] - math.floor(raw[c])), c))
    while rest > 0 and any(out[c] < counts[c] for c in counts):
        for c in order:
            if rest and out[c] < counts[c]:
                out[c] += 1
                rest -= 1
    return out


def interval_ranks(n: int, k: int, budget: int) -> tuple[np.ndarray, int]:
    """Ranks 0, k, 2k, … (budget of them) in a list of n sorted items, and the k actually used."""
    if budget <= 0:
        return np.empty(0, dtype=np.int64), k
    k_eff = k if (budget - 1) * k < n else max(1, n // budget)
    return np.arange(budget, dtype=np.int64) * k_eff, k_eff


def herding(features: np.ndarray, m: int) -> np.ndarray:
    """Indices of m rows whose running mean tracks the mean of all rows, greedily."""
    mu = features.mean(0)
    chosen: list[int] = []
    running = np.zeros_like(mu)
    available = np.ones(len(features), dtype=bool)
    for t in range(1, min(m, len(features)) + 1):
        # Distance between the class mean and the mean after adding each candidate.
        dist = np.linalg.norm(mu[None] - (running[None] + features) / t, axis=1)
        dist[~available] = np.inf
        i = int(np.argmin(dist))
        chosen.append(i)
        available[i] = False
        running += features[i]
    return np.array(chosen, dtype=np.int64)


def kcenter(features: np.ndarray, m: int) -> np.ndarray:
    """Greedy farthest-first traversal starting at the row nearest the mean."""
    if m <= 0:
        return np.empty(0, dtype=np.int64)
    first = int(np.argmin(np.linalg.norm(features - features.mean(0), axis=1)))
    chosen = [first]
    mind = np.linalg.norm(features - features[first], axis=1)
    for _ in range(1, min(m, len(features))):
        i = int(np.argmax(mind))
        chosen.append(i)
        mind = np.minimum(mind, np.linalg.norm(features - features[i], axis=1))
    return np.array(chosen, dtype=np.int64)


def select_subset(
    scores: pd.DataFrame, method: Method, budget: float, interval: int = 1, seed: int = 0, features: np.ndarray | None = None
) -> tuple[pd.DataFrame, dict]:
    """Rows of `scores` (id, index, label, score) chosen by `method`, with a `rank` column (the
    row's position in its class sorted by score) and per-class metrics."""
    if method in NEEDS_FEATURES and features is None:
        raise SelectError(f"select method {method.value} needs features (one row per scores row)")
    if features is not None and len(features) != len(scores):
        raise SelectError(f"features have {len(features)} rows, scores {len(scores)}")
    if interval < 1:
        raise SelectError(f"select interval must be >= 1, got {interval}")
    scores = scores.reset_index(drop=True)
    counts = scores["label"].value_counts().sort_index().to_dict()
    total = total_budget(budget, len(scores))
    budgets = per_class_budget({int(c): int(n) for c, n in counts.items()}, total)
    empty = [c for c, b in budgets.items() if b == 0]
    if empty:
        raise SelectError(
            f"select budget {budget} ({total} of {len(scores)} images) gives {len(empty)} of {len(budgets)} classes "
            f"no image (labels {empty[:10]}); raise the budget to at least one image per class"
        )
    rng = np.random.default_rng(seed)
    picked, info = [], {}
    for c in sorted(budgets):
        rows = scores.index[scores["label"] == c].to_numpy()
        # Ascending by score; ties by corpus index, so the order is total and deterministic.
        order = rows[np.lexsort((scores.loc[rows, "index"].to_numpy(), scores.loc[rows, "score"].to_numpy()))]
        b = budgets[c]
        k_used = None
        if method is Method.INTERVAL:
            ranks, k_used = interval_ranks(len(order), interval, b)
        elif method is Method.MIN:
            ranks = np.arange(b)
        elif method is Method.MAX:
            ranks = np.arange(len(order) - b, len(order))
        elif method is Method.RANDOM:
            ranks = np.sort(rng.choice(len(order), size=b, replace=False))
        else:
            fn = herding if method is Method.HERDING else kcenter
            local = fn(features[order], b)
            ranks = np.sort(local)
        sel = order[ranks]
        picked.append(pd.DataFrame({"row": sel, "rank": ranks}))
        info[int(c)] = {"n": len(order), "budget": b, "interval_used": k_used}
    chosen = pd.concat(picked, ignore_index=True)
    subset = (
        scores.loc[chosen["row"]]
        .assign(rank=chosen["rank"].to_numpy())
        .sort_values("index", kind="stable")
        .reset_index(drop=True)
    )
    return subset, {"total_budget": total, "per_class": info}


def selection_metrics(
    scores: pd.DataFrame, subset: pd.DataFrame, info: dict, class_names: list[str], method: Method, interval: int
) -> dict:
    def q(s: pd.Series) -> dict:
        return {k: round(float(s.quantile(v)), 6) for k, v in (("q10", 0.1), ("median", 0.5), ("q90", 0.9))} | {
            "mean": round(float(s.mean()), 6)
        }

    reduced = {
        class_names[c]: v["interval_used"] for c, v in info["per_class"].items() if v["interval_used"] not in (None, interval)
    }
    return {
        "method": method.value,
        "interval": interval,
        "n_corpus": len(scores),
        "n_selected": len(subset),
        "fraction": round(len(subset) / len(scores), 5),
        "total_budget": info["total_budget"],
        "per_class": {class_names[c]: int((subset["label"] == c).sum()) for c in sorted(info["per_class"])},
        "interval_reduced": reduced,
        "score_corpus": q(scores["score"]),
        "score_selected": q(subset["score"]),
        "score_selected_per_class": {class_names[c]: q(g) for c, g in subset.groupby("label")["score"]},
    }


def score_histogram(scores: pd.DataFrame, subset: pd.DataFrame) -> pd.DataFrame:
    """The corpus' scores and the selected ones in `HIST_BINS` bins (bin centre, all, selected)."""
    edges = np.linspace(scores["score"].quantile(HIST_RANGE[0]), scores["score"].quantile(HIST_RANGE[1]), HIST_BINS + 1)
    return pd.DataFrame(
        {
            "score": np.round((edges[:-1] + edges[1:]) / 2, 6),
            "all": np.histogram(scores["score"].clip(edges[0], edges[-1]), edges)[0],
            "selected": np.histogram(subset["score"].clip(edges[0], edges[-1]), edges)[0],
        }
    )
