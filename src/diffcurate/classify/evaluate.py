"""Agreement of predicted taxonomy labels with reference labels: accuracy and macro-F1 per axis,
overall and per language and per source, plus confusion pairs for DVC's confusion plot."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import f1_score

from diffcurate import schemas as S
from diffcurate.taxonomy import Axis


def agreement(gold: pd.Series, pred: pd.Series) -> dict:
    """Accuracy and macro-F1 (over the labels seen in gold or pred) of one axis on one slice."""
    gold, pred = gold.astype(str).to_numpy(), pred.astype(str).to_numpy()
    if len(gold) == 0:
        return {"n": 0, "accuracy": None, "macro_f1": None}
    return {
        "n": int(len(gold)),
        "accuracy": round(float((gold == pred).mean()), 4),
        "macro_f1": round(float(f1_score(gold, pred, average="macro", zero_division=0)), 4),
    }


def evaluate(gold: pd.DataFrame, pred: pd.DataFrame, by: tuple[str, ...] = (S.LANGUAGE, S.SOURCE)) -> dict:
    """Per axis: overall agreement and the same per value of each `by` column of `gold`.

    `gold` and `pred` are row-aligned and both have the three axis columns.
    """
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} rows but predictions have {len(pred)}")
    report: dict = {}
    for axis in Axis:
        g, p = gold[axis.value].reset_index(drop=True), pred[axis.value].reset_index(drop=True)
        entry = {"overall": agreement(g, p)}
        for col in by:
            if col in gold:
                keys = gold[col].reset_index(drop=True)
                entry[f"by_{col}"] = {str(k): agreement(g[keys == k], p[keys == k]) for k in sorted(keys.unique())}
        report[axis.value] = entry
    return report


def confusion_pairs(gold: pd.Series, pred: pd.Series) -> pd.DataFrame:
    """One row per prompt (`actual`, `predicted`): the input DVC's `confusion` template expects."""
    return pd.DataFrame({"actual": gold.astype(str).to_numpy(), "predicted": pred.astype(str).to_numpy()})
