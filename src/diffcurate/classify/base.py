"""One interface for every taxonomy classifier backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import pandas as pd

from diffcurate.taxonomy import Axis


class Backend(StrEnum):
    CLAUDE = "claude"
    EMBEDDING = "embedding"
    KEYWORD = "keyword"


@dataclass(frozen=True, slots=True)
class Prediction:
    """Three codes and a confidence in [0, 1] per axis. `flag` says why a backend gave up on a prompt
    (e.g. the model kept answering invalid codes); flagged predictions carry no codes (None)."""

    subject: str | None
    style: str | None
    camera: str | None
    subject_conf: float = 1.0
    style_conf: float = 1.0
    camera_conf: float = 1.0
    flag: str | None = None

    def code(self, axis: Axis) -> str | None:
        return getattr(self, axis.value)


class Classifier(Protocol):
    backend: Backend

    def classify(self, texts: Sequence[str], languages: Sequence[str]) -> list[Prediction]:
        """One prediction per text, in order."""
        ...


PREDICTION_COLUMNS = ["subject", "style", "camera", "subject_conf", "style_conf", "camera_conf", "label_flag"]


def predictions_frame(preds: Sequence[Prediction]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": [p.subject for p in preds],
            "style": [p.style for p in preds],
            "camera": [p.camera for p in preds],
            "subject_conf": pd.Series([p.subject_conf for p in preds], dtype="float64"),
            "style_conf": pd.Series([p.style_conf for p in preds], dtype="float64"),
            "camera_conf": pd.Series([p.camera_conf for p in preds], dtype="float64"),
            "label_flag": [p.flag for p in preds],
        },
        columns=PREDICTION_COLUMNS,
    )
