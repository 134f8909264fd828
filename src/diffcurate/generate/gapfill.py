"""`gapfill`: generate exactly the deficit of every sparse Subject × Style cell, class-true and new.

1. Plan: every cell below `min_per_cell` gets a quota equal to its deficit (scaled down to
   `max_total` if set, largest remainders first). A cell's quota is split into *slots*, each a
   (subject, style, camera, language) spec: cameras follow `cameras` (a distribution over C-codes,
   largest remainders), and a `zh_share` of the slots of `zh_subjects` are Chinese.
2. Rounds: every open slot gets candidates from the generator (offline: `oversample` prompts
   from the compositional generator; claude: one prompt per slot, asked per cell with the exact
   quota, the style's keywords and the camera of each slot). Candidates are re-classified with
   the pipeline's classifier; a slot takes its first candidate that lands in its intended cell and
   is not an exact duplicate. Those picks are then checked for near-duplicates (MinHash-LSH)
   against the existing prompts, the accepted ones and each other; duplicates reopen their slot.
3. Up to `max_rounds` rounds; slots still open are reported (cells that stay below the minimum).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pandas as pd

from diffcurate import schemas as S
from diffcurate.classify.base import Classifier
from diffcurate.errors import ConfigError
from diffcurate.generate.compose import Spec, generate
from diffcurate.neardup import NearDupConfig, find_near_duplicates
from diffcurate.schemas import GENERATED, DropReason, Language
from diffcurate.taxonomy import CODES, Axis, cells
from diffcurate.text import lang_id, n_chars, n_words, normalize, stable_id


class GenBackend(StrEnum):
    OFFLINE = "offline"
    CLAUDE = "claude"
    OPENAI = "openai"  # an OpenAI-compatible server (params `openai`)


def parse_distribution(spec: str, axis: Axis = Axis.CAMERA) -> dict[str, float]:
    """'C1=0.4,C2=0.1,…' → normalised weights; unknown codes or bad numbers raise naming the item."""
    weights: dict[str, float] = {}
    for item in (x.strip() for x in spec.split(",") if x.strip()):
        code, sep, value = item.partition("=")
        code = code.strip()
        if not sep or code not in CODES[axis]:
            raise ConfigError(f"{axis.value} distribution item {item!r}: expected CODE=weight with CODE one of {CODES[axis]}")
        try:
            w = float(value)
        except ValueError:
            raise ConfigError(f"{axis.value} distribution item {item!r}: {value!r} is not a number") from None
        if w < 0 or code in weights:
            raise ConfigError(f"{axis.value} distribution item {item!r}: weights must be >= 0 and codes given once")
        weights[code] = w
    total = sum(weights.values())
    if total <= 0:
        raise ConfigError(f"{axis.value} distribution {spec!r}: weights must sum to more than 0")
    return {c: weights[c] / total for c in CODES[axis] if weights.get(c, 0) > 0}


def parse_subjects(value: str) -> tuple[str, ...]:
    """'all' → every subject code; 'S13,S1' → those codes; unknown codes raise naming them."""
    if value.strip().lower() == "all":
        return tuple(CODES[Axis.SUBJECT])
    codes = tuple(c.strip() for c in value.split(",") if c.strip())
    bad = [c for c in codes if c not in CODES[Axis.SUBJECT]]
    if bad:
        raise ConfigError(f"unknown subject codes {bad}; expected 'all' or codes from {CODES[Axis.SUBJECT]}")
    return codes


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Integer counts summing to `total`, proportional to `weights` (ties broken by key order)."""
    raw = {k: total * w for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), list(weights).index(k)))[:rest]:
        out[k] += 1
    return out


@dataclass(frozen=True)
class GapfillConfig:
    min_per_cell: int = 50
    max_total: int = 0  # cap on generated prompts (0: no cap)
    cameras: str = "C1=0.35,C2=0.12,C3=0.1,C4=0.1,C5=0.08,C6=0.1,C7=0.05,C8=0.1"  # parse_distribution
    zh_share: float = 0.15
    zh_subjects: str = "all"  # subjects whose cells get Chinese slots: all | codes (parse_subjects)
    oversample: int = 3  # offline candidates per open slot in round 0, doubling each round
    max_rounds: int = 8
    zh_fallback_round: int = 4  # from this round on, open Chinese slots are written in English (0: never)
    # Existing prompts count towards their cell only within these lengths (balance's hard bounds).
    count_words: tuple[int, int] = (0, 10**9)
    count_chars_zh: tuple[int, int] = (0, 10**9)
    seed: int = 0
    near_dup: NearDupConfig = field(default_factory=NearDupConfig)

    def __post_init__(self) -> None:
        parse_distribution(self.cameras)
        parse_subjects(self.zh_subjects)


@dataclass(frozen=True, slots=True)
class Slot:
    id: str  # "S7-T4-003": cell and index within the cell's quota
    spec: Spec


def cell_counts(df: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Prompts per Subject × Style cell (all 98, zeros included); unlabelled (flagged) rows don't count."""
    counts = Counter(zip(df[S.SUBJECT], df[S.STYLE], strict=True))
    return {cell: int(counts.get(cell, 0)) for cell in cells()}


def plan(counts: dict[tuple[str, str], int], cfg: GapfillConfig) -> dict[tuple[str, str], int]:
    """Quota per cell: its deficit below `min_per_cell`, scaled down to `max_total` if that is set."""
    deficit = {cell: max(0, cfg.min_per_cell - n) for cell, n in counts.items()}
    deficit = {c: d for c, d in deficit.items() if d > 0}
    total = sum(deficit.values())
    if cfg.max_total and total > cfg.max_total:
        return {c: q for c, q in largest_remainder(cfg.max_total, {c: d / total for c, d in deficit.items()}).items() if q}
    return deficit


def slots_for(cell: tuple[str, str], quota: int, cfg: GapfillConfig) -> list[Slot]:
    """The cell's quota as specs: cameras by the distribution, a share of Chinese slots, interleaved."""
    subject, style = cell
    per_camera = largest_remainder(quota, parse_distribution(cfg.cameras))
    # Round-robin over cameras so that any prefix of the slots follows the distribution.
    cams: list[str] = []
    left = dict(per_camera)
    while len(cams) < quota:
        for code in left:
            if left[code]:
                cams.append(code)
                left[code] -= 1
    share = cfg.zh_share if subject in parse_subjects(cfg.zh_subjects) else 0.0
    out = []
    for j, cam in enumerate(cams):
        zh = math.floor((j + 1) * share) > math.floor(j * share)
        out.append(Slot(f"{subject}-{style}-{j:03d}", Spec(subject, style, cam, Language.ZH if zh else Language.EN)))
    return out


class Generator:
    """Candidates for open slots: {slot id: [prompt, …]} (a slot may get none)."""

    name: GenBackend

    def candidates(self, slots: Sequence[Slot], round_: int) -> dict[str, list[str]]: ...


class OfflineGenerator(Generator):
    name = GenBackend.OFFLINE

    def __init__(self, seed: int = 0, oversample: int = 3, max_per_round: int = 48):
        self.seed, self.oversample, self.max_per_round = seed, oversample, max_per_round

    def per_round(self, round_: int) -> int:
        # Slots still open after a round are the hard ones: double their candidates each round.
        return min(self.oversample * 2**round_, self.max_per_round)

    def candidates(self, slots: Sequence[Slot], round_: int) -> dict[str, list[str]]:
        k = self.per_round(round_)
        start = sum(self.per_round(r) for r in range(round_))  # never redraw an earlier round's prompts
        return {s.id: generate(s.spec, k, f"{self.seed}|{s.id}", start=start) for s in slots}


_HAN = re.compile(r"[\u4e00-\u9fff]")


def distinct_n(texts: Sequence[str], n: int) -> float | None:
    """Distinct n-grams / total n-grams over lower-cased whitespace tokens (Chinese prompts:
    characters), pooled over all texts: diversity. None if the texts have no n-gram."""
    grams: list[tuple[str, ...]] = []
    for t in texts:
        toks = list(t) if _HAN.search(t) else t.lower().split()
        grams += [tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)]
    return round(len(set(grams)) / len(grams), 4) if grams else None


def _key(text: str) -> str:
    return normalize(text).lower()


def run_gapfill(
    existing: pd.DataFrame,
    classifier: Classifier,
    generator: Generator,
    cfg: GapfillConfig,
    progress: Callable[[int, int, int], None] | None = None,
) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Generated prompts (one row per filled slot), metrics and a per-cell table (before/after/acceptance)."""
    t0 = time.perf_counter()
    labelled = existing[existing[S.SUBJECT].notna() & existing[S.STYLE].notna()]
    # Count only prompts `balance` will keep (its hard length bounds), so cells are filled for the final set.
    words = labelled[S.TEXT].map(n_words)
    chars = labelled[S.TEXT].map(n_chars)
    is_zh = labelled[S.LANGUAGE] == Language.ZH.value
    lo, hi = cfg.count_words
    zlo, zhi = cfg.count_chars_zh
    labelled = labelled[(is_zh & chars.between(zlo, zhi)) | (~is_zh & words.between(lo, hi))]
    before = cell_counts(labelled)
    quotas = plan(before, cfg)
    open_slots = [s for cell, q in quotas.items() for s in slots_for(cell, q, cfg)]
    seen = {_key(t) for t in existing[S.TEXT]}
    existing_texts = list(existing[S.TEXT])
    accepted: dict[str, tuple[Slot, str, object, int]] = {}  # slot id -> (slot, text, prediction, round)
    per_cell = {cell: Counter() for cell in quotas}
    drops = Counter()
    rounds = 0
    zh_to_en = 0
    for round_ in range(cfg.max_rounds):
        if not open_slots:
            break
        if round_ == cfg.zh_fallback_round and round_ > 0:
            # Chinese slots the classifier has not verified by now are written in English instead
            # (the offline classifier is weaker on Chinese); counted in the metrics.
            en = Language.EN
            switched = [Slot(s.id, replace(s.spec, language=en)) if s.spec.language is Language.ZH else s for s in open_slots]
            zh_to_en += sum(a is not b for a, b in zip(open_slots, switched, strict=True))
            open_slots = switched
        rounds += 1
        cands = generator.candidates(open_slots, round_)
        flat = [(s, t) for s in open_slots for t in cands.get(s.id, [])]
        preds = classifier.classify([t for _, t in flat], [s.spec.language.value for s, _ in flat])
        picks: dict[str, tuple[Slot, str, object]] = {}
        for (slot, text), pred in zip(flat, preds, strict=True):
            cell = (slot.spec.subject, slot.spec.style)
            if slot.id in picks:
                continue
            per_cell[cell]["candidates"] += 1
            if (pred.subject, pred.style) != cell:
                continue
            per_cell[cell]["class_true"] += 1
            if _key(text) in seen:
                drops[DropReason.DUPLICATE.value] += 1
                per_cell[cell]["duplicates"] += 1
                continue
            picks[slot.id] = (slot, text, pred)
        # Near-duplicates of existing prompts, of earlier rounds' picks, or of each other.
        pick_ids = list(picks)
        pool = existing_texts + [v[1] for v in accepted.values()] + [picks[i][1] for i in pick_ids]
        nd = find_near_duplicates(pool, cfg.near_dup)
        offset = len(pool) - len(pick_ids)
        for j, sid in enumerate(pick_ids):
            slot, text, pred = picks[sid]
            if nd.rep[offset + j] != offset + j:
                drops[DropReason.NEAR_DUPLICATE.value] += 1
                per_cell[(slot.spec.subject, slot.spec.style)]["duplicates"] += 1
                continue
            accepted[sid] = (slot, text, pred, round_)
            seen.add(_key(text))
        open_slots = [s for s in open_slots if s.id not in accepted]
        if progress:
            progress(round_, len(accepted), len(open_slots))
    # Output rows, in slot order (cell order, then index): independent of round timing.
    order = sorted(
        accepted, key=lambda sid: (CODES[Axis.SUBJECT].index(sid.split("-")[0]), CODES[Axis.STYLE].index(sid.split("-")[1]), sid)
    )
    rows = []
    for sid in order:
        slot, text, pred, round_ = accepted[sid]
        spec = slot.spec
        rows.append(
            {
                S.ID: stable_id(GENERATED, text),
                S.SOURCE: GENERATED,
                S.SOURCE_KEY: sid,
                S.TEXT: text,
                S.LANGUAGE: spec.language.value,
                S.LANG_ID: lang_id(text),
                S.SOURCE_CATEGORY: f"{spec.subject}/{spec.style}",
                S.N_WORDS: n_words(text),
                S.N_CHARS: n_chars(text),
                S.NEAR_DUP_OF: None,
                S.NEAR_DUP_SIM: None,
                S.SUBJECT: spec.subject,
                S.STYLE: spec.style,
                S.CAMERA: spec.camera,
                S.SUBJECT_CONF: pred.subject_conf,
                S.STYLE_CONF: pred.style_conf,
                S.CAMERA_CONF: pred.camera_conf,
                S.LABEL_FLAG: None,
                S.CAMERA_PRED: pred.camera,
                S.GEN_BACKEND: generator.name.value,
                S.GEN_ROUND: round_,
            }
        )
    out = pd.DataFrame(rows, columns=[*S.RAW_COLUMNS, *S.PREDICTION_COLUMNS, S.CAMERA_PRED, S.GEN_BACKEND, S.GEN_ROUND])
    out = out.astype({S.GEN_ROUND: "int64", S.N_WORDS: "int64", S.N_CHARS: "int64", S.NEAR_DUP_SIM: "float64"})
    after = dict(before)
    for sid in accepted:
        s, t = sid.split("-")[:2]
        after[(s, t)] += 1
    table = pd.DataFrame(
        [
            {
                "cell": f"{c[0]}/{c[1]}",
                S.SUBJECT: c[0],
                S.STYLE: c[1],
                "before": before[c],
                "quota": quotas.get(c, 0),
                "generated": after[c] - before[c],
                "after": after[c],
                "candidates": per_cell.get(c, Counter())["candidates"],
                "class_true": per_cell.get(c, Counter())["class_true"],
                "duplicates": per_cell.get(c, Counter())["duplicates"],
            }
            for c in cells()
        ]
    )
    table["acceptance_rate"] = np.where(
        table["candidates"] > 0, (table["class_true"] / table["candidates"].clip(lower=1)).round(4), np.nan
    )
    en = out[out[S.LANGUAGE] == Language.EN.value]
    zh = out[out[S.LANGUAGE] == Language.ZH.value]
    n_cand = int(table["candidates"].sum())
    unfilled = table[(table["quota"] > 0) & (table["generated"] < table["quota"])]
    metrics = {
        "generator": generator.name.value,
        "min_per_cell": cfg.min_per_cell,
        "n_existing": len(existing),
        "n_counted": len(labelled),
        "cells_total": len(before),
        "cells_below_min_before": int(sum(n < cfg.min_per_cell for n in before.values())),
        "cells_empty_before": int(sum(n == 0 for n in before.values())),
        "cells_below_min_after": int(sum(n < cfg.min_per_cell for n in after.values())),
        "cells_empty_after": int(sum(n == 0 for n in after.values())),
        "deficit_total": int(sum(max(0, cfg.min_per_cell - n) for n in before.values())),
        "quota_total": int(sum(quotas.values())),
        "generated": len(out),
        "generated_zh": len(zh),
        "candidates": n_cand,
        "class_true": int(table["class_true"].sum()),
        "acceptance_rate": round(int(table["class_true"].sum()) / n_cand, 4) if n_cand else None,
        "duplicates_dropped": dict(sorted(drops.items())),
        "rounds": rounds,
        "zh_slots_switched_to_en": zh_to_en,
        "unfilled_cells": {f"{r.subject}/{r.style}": int(r.quota - r.generated) for r in unfilled.itertuples()},
        "camera_distribution": {c: int((out[S.CAMERA] == c).sum()) for c in CODES[Axis.CAMERA]},
        "acceptance_by_cell": {r.cell: float(r.acceptance_rate) for r in table.itertuples() if r.candidates > 0},
        "camera_agreement": round(float((out[S.CAMERA] == out[S.CAMERA_PRED]).mean()), 4) if len(out) else None,
        "words_en": {
            "mean": round(float(en[S.N_WORDS].mean()), 2) if len(en) else None,
            "median": float(en[S.N_WORDS].median()) if len(en) else None,
        },
        "chars_zh": {"mean": round(float(zh[S.N_CHARS].mean()), 2) if len(zh) else None},
        "diversity": {
            "distinct_1": distinct_n(en[S.TEXT].tolist(), 1),
            "distinct_2": distinct_n(en[S.TEXT].tolist(), 2),
            "distinct_3": distinct_n(en[S.TEXT].tolist(), 3),
        },
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return out, metrics, table
