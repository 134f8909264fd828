"""One interface for every taxonomy classifier backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import pandas as pd

from diffcurate import schemas as S
from diffcurate.taxonomy import Axis

# Called with the number of prompts just labelled; a classifier's calls add up to len(texts).
Progress = Callable[[int], None]


class Backend(StrEnum):
    CLAUDE = "claude"  # the Anthropic API (params `claude`)
    OPENAI = "openai"  # an OpenAI-compatible server: the OpenAI API, vLLM, llama.cpp, Ollama (params `openai`)
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

    def classify(self, texts: Sequence[str], languages: Sequence[str], progress: Progress | None = None) -> list[Prediction]:
        """One prediction per text, in order; `progress(n)` as prompts are labelled."""
        ...


def predictions_frame(preds: Sequence[Prediction]) -> pd.DataFrame:
    """The prediction columns (schemas.PREDICTION_COLUMNS) of `preds`, one row each."""
    return pd.DataFrame(
        {
            S.SUBJECT: [p.subject for p in preds],
            S.STYLE: [p.style for p in preds],
            S.CAMERA: [p.camera for p in preds],
            S.SUBJECT_CONF: pd.Series([p.subject_conf for p in preds], dtype="float64"),
            S.STYLE_CONF: pd.Series([p.style_conf for p in preds], dtype="float64"),
            S.CAMERA_CONF: pd.Series([p.camera_conf for p in preds], dtype="float64"),
            S.LABEL_FLAG: [p.flag for p in preds],
        },
        columns=S.PREDICTION_COLUMNS,
    )
