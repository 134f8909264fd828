"""`expand`: lengthen short prompts to 30–40 words of concrete visual detail, keeping their codes.

Which prompts: those in scope (`generated` prompts only by default, or `all`) shorter than
`min_words` (English) / `min_chars_zh` (Chinese). Each gets a target length drawn from
[`target_min`, `target_max`] words (Chinese: characters, [`zh_min_chars`, `zh_max_chars`]).

The offline expander adds whole sentences from banks keyed by the prompt's subject, style and
camera plus generic colour / lighting / atmosphere / composition banks (details.py): one category
at a time in a seeded order (the subject first), never the same sentence twice, never past the
upper bound, only sentences that apply to what the prompt shows (feathers for a bird) and whose
tags make no incompatible pair with the prompt's (compat.py: no morning light in a night scene, no
soft blur in pixel art). So an expansion reads as a few more sentences, not a list of tags.

Every expansion is re-classified with the pipeline's classifier; one whose subject, style or
camera differs from the prompt's codes is retried with a fresh draw (`max_attempts`), then the
prompt keeps its original text and the failure is counted.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from diffcurate import schemas as S
from diffcurate.classify.base import Classifier
from diffcurate.errors import ConfigError, InputError
from diffcurate.generate.compat import Tag, compatible, conflicts, tags_of
from diffcurate.generate.compose import _upper, realize
from diffcurate.generate.details import CAMERA_DETAIL, GENERIC, STYLE_DETAIL, SUBJECT_DETAIL
from diffcurate.schemas import GENERATED, DropReason, Language
from diffcurate.text import n_chars, n_words


class ExpandScope(StrEnum):
    GENERATED = "generated"  # only prompts written by gapfill
    ALL = "all"  # benchmark prompts too


@dataclass(frozen=True)
class ExpandConfig:
    scope: ExpandScope = ExpandScope.GENERATED
    min_words: int = 25  # English prompts shorter than this are expanded
    target_min: int = 30
    target_max: int = 40
    min_chars_zh: int = 40  # Chinese prompts shorter than this are expanded
    zh_min_chars: int = 50
    zh_max_chars: int = 80
    max_attempts: int = 3
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.target_min <= self.target_max:
            raise ConfigError(f"expand target words: need 0 < target_min <= target_max, got {self.target_min}..{self.target_max}")
        if not 0 < self.zh_min_chars <= self.zh_max_chars:
            raise ConfigError(f"expand Chinese characters: need 0 < min <= max, got {self.zh_min_chars}..{self.zh_max_chars}")


@dataclass(frozen=True, slots=True)
class Job:
    """One prompt to expand: text, codes, language and the length window to reach."""

    key: str  # the row's id
    text: str
    subject: str
    style: str
    camera: str
    language: Language
    lo: int
    hi: int


def length(text: str, language: Language) -> int:
    return n_chars(text) if language is Language.ZH else n_words(text)


_CATEGORIES = (S.SUBJECT, S.STYLE, S.CAMERA, "colour", "lighting", "composition", "atmosphere")  # detail banks
# What a subject's heads are, for details that do not fit every head (no horizon behind a teacup).
SUBJECT_TAGS: dict[str, frozenset[Tag]] = {
    "S3": frozenset({Tag.SMALL}),
    "S4": frozenset({Tag.INDOOR}),
    "S5": frozenset({Tag.VAST}),
    "S6": frozenset({Tag.VAST}),
    "S9": frozenset({Tag.SMALL}),
    "S10": frozenset({Tag.SMALL}),
}


def expand_offline(job: Job, rng: random.Random) -> str:
    """Add detail sentences until the target length in [lo, hi] is reached (never beyond hi)."""
    lang = job.language
    banks = {
        S.SUBJECT: SUBJECT_DETAIL[lang][job.subject],
        S.STYLE: STYLE_DETAIL[lang][job.style],
        S.CAMERA: CAMERA_DETAIL[lang][job.camera],
        **GENERIC[lang],
    }
    zh = lang is Language.ZH
    target = rng.randint(job.lo, job.hi)
    text = job.text.rstrip(" ,.;，。；")
    if not text.endswith(("!", "?", "！", "？")):
        text += "。" if zh else "."
    tags = set(tags_of(text, lang)) | SUBJECT_TAGS.get(job.subject, frozenset())
    used: set[str] = set()
    # Subject first (it anchors the class), then the rest in a seeded order; a second pass over
    # the categories if the first did not reach the target.
    order = [S.SUBJECT, *rng.sample(_CATEGORIES[1:], len(_CATEGORIES) - 1)]
    for _ in range(2):
        for cat in order:
            if length(text, lang) >= target:
                break
            options = [d for d in banks[cat] if d.text not in used and (d.needs is None or d.needs.search(job.text))]
            rng.shuffle(options)
            for detail in options:
                sentence = _upper(realize(detail.text, rng))
                t = tags_of(sentence, lang)
                candidate = text + sentence if zh else f"{text} {sentence}"
                fits = compatible(t, tags) and not conflicts(t) and sentence.lower() not in text.lower()
                if fits and length(candidate, lang) <= job.hi:
                    text, tags = candidate, tags | t
                    used.add(detail.text)
                    break
    return text


class Expander:
    name: str

    def expand(self, jobs: Sequence[Job], attempt: int) -> dict[str, str]:
        """{job key: expanded text}; a job may be missing (the backend gave up on it)."""
        ...


class OfflineExpander(Expander):
    name = "offline"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def expand(self, jobs: Sequence[Job], attempt: int) -> dict[str, str]:
        return {j.key: expand_offline(j, random.Random(f"{self.seed}|{j.key}|{attempt}")) for j in jobs}


def jobs_for(df: pd.DataFrame, cfg: ExpandConfig) -> list[Job]:
    """The rows to expand: in scope, labelled, and shorter than the minimum for their language."""
    out = []
    for row in df.itertuples(index=False):
        lang = Language(row.language)
        if cfg.scope is ExpandScope.GENERATED and row.source != GENERATED:
            continue
        if not isinstance(row.subject, str) or not isinstance(row.style, str) or not isinstance(row.camera, str):
            continue  # flagged by the classifier: no codes to preserve
        short = n_chars(row.text) < cfg.min_chars_zh if lang is Language.ZH else n_words(row.text) < cfg.min_words
        if short:
            lo, hi = (cfg.zh_min_chars, cfg.zh_max_chars) if lang is Language.ZH else (cfg.target_min, cfg.target_max)
            out.append(Job(row.id, row.text, row.subject, row.style, row.camera, lang, lo, hi))
    return out


def run_expand(df: pd.DataFrame, classifier: Classifier, expander: Expander, cfg: ExpandConfig) -> tuple[pd.DataFrame, dict]:
    """All rows of `df` with `text` (expanded where it worked), `text_original` and `expanded`."""
    t0 = time.perf_counter()
    if df[S.ID].duplicated().any():
        dup = df.loc[df[S.ID].duplicated(), S.ID].iloc[0]
        raise InputError(f"expand input: id {dup!r} appears more than once")
    jobs = jobs_for(df, cfg)
    done: dict[str, str] = {}
    fails = Counter()
    pending = list(jobs)
    for attempt in range(cfg.max_attempts):
        if not pending:
            break
        texts = expander.expand(pending, attempt)
        got = [j for j in pending if j.key in texts]
        fails[DropReason.NO_ANSWER.value] += len(pending) - len(got)
        preds = classifier.classify([texts[j.key] for j in got], [j.language.value for j in got])
        retry = [j for j in pending if j.key not in texts]
        for j, p in zip(got, preds, strict=True):
            new = texts[j.key]
            if not j.lo <= length(new, j.language) <= j.hi:
                fails[DropReason.LENGTH_OUT_OF_RANGE.value] += 1
                retry.append(j)
            elif (p.subject, p.style, p.camera) != (j.subject, j.style, j.camera):
                fails[DropReason.CODES_CHANGED.value] += 1
                retry.append(j)
            else:
                done[j.key] = new
        pending = retry
    out = df.copy().reset_index(drop=True)
    out[S.TEXT_ORIGINAL] = out[S.TEXT]
    out[S.EXPANDED] = out[S.ID].map(lambda i: i in done).astype(bool)
    out[S.TEXT] = [done.get(i, t) for i, t in zip(out[S.ID], out[S.TEXT], strict=True)]
    out[S.N_WORDS] = out[S.TEXT].map(n_words).astype("int64")
    out[S.N_CHARS] = out[S.TEXT].map(n_chars).astype("int64")

    def words(frame: pd.DataFrame, col: str) -> dict:
        en = frame[frame[S.LANGUAGE] == Language.EN.value][col].map(n_words)
        zh = frame[frame[S.LANGUAGE] == Language.ZH.value][col].map(n_chars)
        return {
            "mean_words_en": round(float(en.mean()), 2) if len(en) else None,
            "median_words_en": float(en.median()) if len(en) else None,
            "mean_chars_zh": round(float(zh.mean()), 2) if len(zh) else None,
        }

    gen = out[out[S.SOURCE] == GENERATED]
    metrics = {
        "expander": expander.name,
        "scope": cfg.scope.value,
        "n_in": len(df),
        "n_out": len(out),
        "candidates": len(jobs),
        "expanded": len(done),
        "fell_back_to_original": len(jobs) - len(done),
        "failed_attempts": dict(sorted(fails.items())),
        "target_words": [cfg.target_min, cfg.target_max],
        "target_chars_zh": [cfg.zh_min_chars, cfg.zh_max_chars],
        "generated_before": words(gen, S.TEXT_ORIGINAL),
        "generated_after": words(gen, S.TEXT),
        "all_before": words(out, S.TEXT_ORIGINAL),
        "all_after": words(out, S.TEXT),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return out, metrics
