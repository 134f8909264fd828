"""The `classify` stage's logic: build a backend, label a table, measure against reference labels."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache
from diffcurate.classify.base import Backend, Classifier, Progress, predictions_frame
from diffcurate.classify.claude import LLMClassifier
from diffcurate.classify.embedding import EmbeddingClassifier, EmbeddingConfig
from diffcurate.classify.evaluate import confusion_pairs, evaluate
from diffcurate.classify.keyword import KeywordClassifier
from diffcurate.errors import InputError
from diffcurate.io import read_table
from diffcurate.llm import ClaudeConfig, make_client
from diffcurate.llm_openai import OpenAIConfig
from diffcurate.taxonomy import CODES, Axis
from diffcurate.text import detect_language, normalize

OPENAI_UNSET = {"temperature": None, "price_input_per_mtok": None, "price_output_per_mtok": None}  # params' "" values


@dataclass(kw_only=True)
class ClassifyConfig:
    backend: Backend = Backend.EMBEDDING
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    claude: ClaudeConfig  # saved with the artifact even when another backend runs
    openai: OpenAIConfig = field(default_factory=lambda: OpenAIConfig(**OPENAI_UNSET))  # likewise
    cache: Path | None = None
    prompts_per_request: int = 25
    max_reasks: int = 2
    cv_folds: int = 5
    seed: int = 0


def load_labelled(path: Path) -> pd.DataFrame:
    """Labelled prompts: a table with `text` and the three axis columns, or a Claude response cache.

    Every row must carry valid codes; the error names the file, the row and the bad value.
    """
    path = Path(path)
    try:
        df = read_table(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read as labelled prompts ({exc})") from None
    if set(df.columns) == {"key", "value"}:  # a response cache: one {"text", codes} value per prompt
        df = pd.DataFrame([v for v in JsonlCache(path, readonly=True).values() if isinstance(v, dict) and S.TEXT in v])
    missing = [c for c in [S.TEXT, *S.CODE_COLUMNS] if c not in df]
    if missing:
        raise InputError(f"{path}: expected columns {', '.join([S.TEXT, *S.CODE_COLUMNS])}; missing {missing}")
    for axis in Axis:
        bad = ~df[axis.value].isin(CODES[axis])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{path}, row {row + 1}: {axis.value} {df[axis.value].iloc[row]!r} is not one of {CODES[axis]}")
    if S.LANGUAGE not in df:
        df[S.LANGUAGE] = [detect_language(t).value for t in df[S.TEXT]]
    return df.reset_index(drop=True)


def _shown(value: object) -> str:
    return "null" if value is None or (isinstance(value, float) and value != value) else repr(value)


def check_texts(df: pd.DataFrame, path: Path | str) -> None:
    """InputError unless `df` has rows and every `text` is a string; names the bad rows (1-based)."""
    if S.TEXT not in df:
        raise InputError(f"{path}: expected a `{S.TEXT}` column, got {list(df.columns)}")
    if len(df) == 0:
        raise InputError(f"{path}: no prompts to classify (the table has 0 rows)")
    bad = np.flatnonzero([not isinstance(t, str) for t in df[S.TEXT]])
    if len(bad):
        shown = ", ".join(f"row {i + 1} ({_shown(df[S.TEXT].iloc[i])})" for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise InputError(f"{path}: `{S.TEXT}` must be a string; {len(bad)} row(s) are not: {shown}{more}")


LLM_CONFIGS = {Backend.CLAUDE: "claude", Backend.OPENAI: "openai"}  # LLM backend → its ClassifyConfig field


def llm_config(cfg: ClassifyConfig) -> ClaudeConfig | OpenAIConfig:
    """The client settings of an LLM backend."""
    return getattr(cfg, LLM_CONFIGS[cfg.backend])


def make_classifier(cfg: ClassifyConfig, seed_labels: pd.DataFrame | None = None) -> Classifier:
    if cfg.backend is Backend.KEYWORD:
        return KeywordClassifier()
    if cfg.backend in LLM_CONFIGS:
        client = make_client(llm_config(cfg))
        return LLMClassifier(client, JsonlCache(cfg.cache), cfg.prompts_per_request, cfg.max_reasks)
    clf = EmbeddingClassifier(cfg.embedding)
    if seed_labels is not None:
        clf.fit(seed_labels[S.TEXT].tolist(), seed_labels, seed_labels[S.LANGUAGE].tolist())
    clf.warm_up()
    return clf


def label_table(clf: Classifier, df: pd.DataFrame, progress: Progress | None = None) -> pd.DataFrame:
    """`df` with the prediction columns appended (languages detected where the table has none)."""
    langs = df[S.LANGUAGE].tolist() if S.LANGUAGE in df else [detect_language(t).value for t in df[S.TEXT]]
    preds = predictions_frame(clf.classify(df[S.TEXT].tolist(), langs, progress))
    base = df.drop(columns=[c for c in preds.columns if c in df]).reset_index(drop=True)
    return pd.concat([base, preds], axis=1)


def reference_predictions(
    cfg: ClassifyConfig, reference: pd.DataFrame, seed: pd.DataFrame | None, progress: Progress | None = None
) -> tuple[pd.DataFrame, str]:
    """Predictions for every reference prompt, never by a head fitted on it, and how they were made.

    No seed labels: the zero-shot classifier on every reference prompt. Seed labels that overlap
    the reference: k-fold cross-validation over the reference (seed rows outside it stay in every
    training fold). `progress(n)` as reference prompts are labelled (each once, whatever the folds).
    """
    if cfg.backend is not Backend.EMBEDDING or seed is None:
        pred = label_table(make_classifier(cfg, seed), reference, progress)
        return pred, "zero-shot" if cfg.backend is Backend.EMBEDDING else cfg.backend.value
    ref_keys = reference[S.TEXT].map(normalize)
    extra = seed[~seed[S.TEXT].map(normalize).isin(set(ref_keys))]
    parts = []
    folds = KFold(cfg.cv_folds, shuffle=True, random_state=cfg.seed)
    for train, test in folds.split(reference):
        fit_on = pd.concat([reference.iloc[train], extra], ignore_index=True)
        clf = make_classifier(cfg, fit_on)
        parts.append(label_table(clf, reference.iloc[test], progress).set_index(reference.index[test]))
    return pd.concat(parts).sort_index(), f"seed-labelled, {cfg.cv_folds}-fold cross-validation"


def evaluate_reference(
    cfg: ClassifyConfig, reference: pd.DataFrame, seed: pd.DataFrame | None, progress: Progress | None = None
) -> tuple[dict, pd.DataFrame]:
    """Agreement with reference labels of `reference_predictions` (never scoring a prompt a head was
    fitted on); the keyword baseline is measured on the same prompts for comparison."""
    pred, mode = reference_predictions(cfg, reference, seed, progress)
    keyword = label_table(KeywordClassifier(), reference)
    report = {
        "mode": mode,
        "n": len(reference),
        "agreement": evaluate(reference, pred),
        "keyword_baseline": evaluate(reference, keyword, by=(S.LANGUAGE,)),
    }
    return report, confusion_pairs(reference[S.SUBJECT], pred[S.SUBJECT])


def distribution(df: pd.DataFrame) -> dict:
    return {axis.value: {code: int((df[axis.value] == code).sum()) for code in CODES[axis]} for axis in Axis}


def classify_table(
    cfg: ClassifyConfig,
    df: pd.DataFrame,
    seed: pd.DataFrame | None,
    progress: Progress | None = None,
    min_answered_share: float = 0.0,
) -> tuple[pd.DataFrame, dict, Classifier]:
    """Label `df` (`progress(n)` as prompts are labelled); also returns the classifier (saved as the
    stage's artifact for later stages). Backends claude / openai: LLMError when fewer than
    `min_answered_share` of the distinct prompts got labels (the API unreachable, a bad key ...)."""
    t0 = time.perf_counter()
    clf = make_classifier(cfg, seed)
    t_setup = time.perf_counter() - t0
    out = label_table(clf, df, progress)
    if isinstance(clf, LLMClassifier):
        clf.require_labelled(min_answered_share)
    t_label = time.perf_counter() - t0 - t_setup
    metrics = {
        "backend": cfg.backend.value,
        "n_in": len(df),
        "n_out": len(out),
        "n_flagged": int(out[S.LABEL_FLAG].notna().sum()),
        "n_seed_labels": 0 if seed is None else len(seed),
        "distribution": distribution(out),
        "cells_nonempty": int(out.dropna(subset=[S.SUBJECT, S.STYLE]).groupby([S.SUBJECT, S.STYLE]).ngroups),
        "seconds": {"setup": round(t_setup, 2), "label": round(t_label, 2)},
        "prompts_per_second": round(len(df) / t_label, 1) if t_label > 0 else None,
    }
    if hasattr(clf, "n_checked"):  # the embedding backend: close calls redone in float64 (labels stable across CPUs)
        metrics["fp64_checked"] = clf.n_checked
    if isinstance(clf, EmbeddingClassifier) and clf.heads:
        metrics["seed_head"] = {
            "features": cfg.embedding.seed_features.value,
            "blend_weight": {axis.value: head.blend for axis, head in clf.heads.items()},  # the head's share vs zero-shot
        }
    if isinstance(clf, LLMClassifier):
        llm = llm_config(cfg)
        metrics[clf.client.name] = {  # "claude" / "openai"
            **({"provider": llm.provider.value, "base_url": llm.base_url} if cfg.backend is Backend.OPENAI else {}),
            "model": llm.model,
            "mode": llm.mode.value,
            **clf.client.usage.as_dict(llm),
            "reasked": clf.reasked,
            "flagged": clf.flagged,
            "labelled_share": round(clf.labelled_share(), 4),
            "cache_entries": len(clf.cache),
            "cache_dropped_lines": clf.cache.dropped_lines,
        }
    return out, metrics, clf
