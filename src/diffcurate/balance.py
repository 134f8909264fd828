"""`balance`: the blog's `build_dataset.py` as a library: the final prompt set, coverage first.

Order of operations (each drop is counted by reason; nothing disappears silently):
1. rows without codes (flagged by the classifier) → `unlabelled`; prompts in the holdout file →
   `holdout`; MJHQ-30K with `no_mjhq` → `mjhq_excluded`; `subjects` / `styles` filters.
2. `sample`: SOURCE=N keeps a seeded random N of that source (`sampled_out`).
3. Hard length cutoffs: English by whitespace words [`min_words`, `max_words`], Chinese by
   characters [`min_chars_zh`, `max_chars_zh`] (`too_short_en` / `too_long_en` / `…_zh`).
4. MJHQ-30K is set aside: it only enters through the mid-range fill (step 6).
5. `balance_lengths`: stratified keep per Subject × Style cell: a cell at or below
   `min_per_cell` keeps everything; a cell with surplus keeps its longest prompts, the top half
   (as the blog did) but never fewer than `min_per_cell` (`length_balance`). Never random
   rejection, so a sparse cell is never emptied.
6. MJHQ mid-range fill: a seeded random `mjhq_fill_count` of MJHQ prompts of
   [`mjhq_min_words`, `mjhq_max_words`] words.
7. Source cap: while a source holds more than `max_source_share` of the set, drop its shortest
   prompt from the cell with the largest surplus over `min_per_cell`; a source that cannot be
   capped without pushing a cell below the minimum stays above the cap and is reported.

Lengths compared across languages (step 5, 7) are English words and Chinese characters / 2
(about two characters per English word).
"""

from __future__ import annotations

import heapq
import json
import math
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diffcurate import schemas as S
from diffcurate.errors import ConfigError, InputError, SourceFormatError
from diffcurate.schemas import GENERATED, DropReason, Language
from diffcurate.sources import SourceName
from diffcurate.taxonomy import CODES, Axis, cells
from diffcurate.text import normalize

MJHQ = SourceName.MJHQ_30K.value
KNOWN_SOURCES = [s.value for s in SourceName] + [GENERATED]
JSONL_COLUMNS = [S.TEXT, S.SUBJECT, S.STYLE, S.CAMERA, S.SOURCE, S.LANGUAGE]
KEEP_FRACTION = 0.5  # the blog's "keep the top half" in cells with surplus
ZH_CHARS_PER_WORD = 2.0


def parse_sample(items: list[str]) -> dict[str, int]:
    """["partiprompts=500", "cvtg-2k=300,generated=1000"] → {source: N}; unknown names raise."""
    out: dict[str, int] = {}
    for item in (x.strip() for raw in items for x in raw.split(",") if x.strip()):
        name, sep, n = item.partition("=")
        name = name.strip()
        if not sep or name not in KNOWN_SOURCES:
            raise ConfigError(f"--sample {item!r}: expected SOURCE=N with SOURCE one of {KNOWN_SOURCES}")
        try:
            count = int(n)
        except ValueError:
            raise ConfigError(f"--sample {item!r}: {n!r} is not a whole number") from None
        if count < 0:
            raise ConfigError(f"--sample {item!r}: N must be >= 0")
        out[name] = count
    return out


def parse_codes(value: str, axis: Axis) -> tuple[str, ...] | None:
    """'S1,S13' → ('S1', 'S13'); '' → None (no filter); unknown codes raise naming them."""
    codes = tuple(c.strip() for c in value.split(",") if c.strip())
    bad = [c for c in codes if c not in CODES[axis]]
    if bad:
        raise ConfigError(f"unknown {axis.value} codes {bad}; expected codes from {CODES[axis]}")
    return codes or None


def read_holdout(path) -> set[str]:
    """Prompts to exclude: a .txt (one per line), or a parquet/jsonl table with a `text` column.

    An empty file reads as no prompts: the stage warns loudly and records it (see `holdout_warning`).
    """
    from pathlib import Path

    from diffcurate.io import read_table
    from diffcurate.sources.readers import decode_utf8, read_bytes, split_lines

    path = Path(path)
    if not path.exists():
        raise InputError(f"holdout {path}: no such file")
    if path.suffix not in {".txt", ".jsonl", ".parquet"}:
        raise InputError(f"holdout {path}: expected .txt (one prompt a line), .jsonl or .parquet")
    try:
        if path.suffix == ".parquet":
            read_bytes(path)  # a directory or an unreadable file: named
        else:
            lines = split_lines(decode_utf8(read_bytes(path), path, allow_empty=True))
    except SourceFormatError as exc:
        raise InputError(f"holdout {exc}") from None
    if path.suffix == ".txt":
        return {normalize(line) for line in lines if line.strip()}
    if path.suffix == ".jsonl":
        records = []
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"holdout {path}, line {lineno}: not a JSON object ({exc.msg})") from None
        if not records:
            return set()
        df = pd.DataFrame.from_records(records)
    else:
        try:
            df = read_table(path)
        except Exception as exc:  # noqa: BLE001 — a malformed file: say which and why
            raise InputError(f"holdout {path}: cannot be read as parquet: {exc}") from None
    if S.TEXT not in df:
        raise InputError(f"holdout {path}: expected a `{S.TEXT}` column, got {list(df.columns)}")
    bad = df[S.TEXT].map(lambda t: not isinstance(t, str))
    if bad.any():
        raise InputError(f"holdout {path}, row {int(np.flatnonzero(bad.to_numpy())[0]) + 1}: `{S.TEXT}` is not a string")
    return {normalize(t) for t in df[S.TEXT]}


def holdout_warning(holdout: str, texts: frozenset[str]) -> str | None:
    """The loud warning for a holdout file that holds no prompts (nothing is held out), else None."""
    if not holdout or texts:
        return None
    return (
        f"holdout {holdout} holds no prompts: nothing is held out, so the final set may contain the eval "
        'prompts (eval leakage). Fill the file, or set balance.holdout to "" to run without a holdout'
    )


@dataclass(frozen=True)
class BalanceConfig:
    """The `balance` section: `sample` parsed (parse_sample), `subjects` / `styles` as params.yaml
    spells them (comma-separated codes, empty: all), the `holdout` file and its texts (read_holdout)."""

    sample: dict[str, int] = field(default_factory=dict)
    min_words: int = 10
    max_words: int = 80
    min_chars_zh: int = 10
    max_chars_zh: int = 200
    balance_lengths: bool = False
    min_per_cell: int = 30
    mjhq_fill_count: int = 5000
    mjhq_min_words: int = 25
    mjhq_max_words: int = 50
    subjects: str = ""
    styles: str = ""
    no_mjhq: bool = False
    max_source_share: float = 0.40
    holdout: str = ""  # the holdout file's path, for metrics and warnings ("": no holdout file)
    holdout_texts: frozenset[str] = frozenset()  # its normalised prompts to exclude (read_holdout)
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.max_source_share <= 1:
            raise ConfigError(f"max_source_share must be in (0, 1], got {self.max_source_share}")
        if self.min_words > self.max_words or self.min_chars_zh > self.max_chars_zh or self.mjhq_min_words > self.mjhq_max_words:
            raise ConfigError("length bounds: each minimum must be <= its maximum")
        parse_codes(self.subjects, Axis.SUBJECT)
        parse_codes(self.styles, Axis.STYLE)


def length_score(df: pd.DataFrame) -> np.ndarray:
    """English words, or Chinese characters / 2: one scale to rank prompts of mixed cells by length."""
    zh = (df[S.LANGUAGE] == Language.ZH.value).to_numpy()
    return np.where(zh, df[S.N_CHARS].to_numpy() / ZH_CHARS_PER_WORD, df[S.N_WORDS].to_numpy()).astype(float)


def _sample(df: pd.DataFrame, n: int, seed: int, salt: str) -> pd.DataFrame:
    """A seeded random `n` rows (all if fewer), drawn from rows in id order so input order does not matter."""
    if n >= len(df):
        return df
    ordered = df.sort_values(S.ID, kind="stable")
    rng = np.random.default_rng([seed, *salt.encode()])
    pick = np.sort(rng.choice(len(ordered), size=n, replace=False))
    return ordered.iloc[pick]


def stratified_keep(df: pd.DataFrame, min_per_cell: int) -> pd.Series:
    """Boolean mask: per cell, everything up to `min_per_cell`; above it the longest top half (≥ min)."""
    keep = pd.Series(False, index=df.index)
    score = pd.Series(length_score(df), index=df.index)
    for _, idx in df.groupby([S.SUBJECT, S.STYLE], sort=True).groups.items():
        n = len(idx)
        k = n if n <= min_per_cell else max(min_per_cell, math.ceil(n * KEEP_FRACTION))
        # Longest first; ties by id so the choice is deterministic.
        order = sorted(idx, key=lambda i: (-score[i], df.at[i, S.ID]))
        keep[order[:k]] = True
    return keep


def cap_sources(df: pd.DataFrame, max_share: float, min_per_cell: int) -> tuple[pd.Series, dict[str, int]]:
    """Boolean keep mask after the source cap, and sources left above it (with their excess)."""
    keep = pd.Series(True, index=df.index)
    cell_of = list(zip(df[S.SUBJECT], df[S.STYLE], strict=True))
    count = Counter(cell_of)
    score = length_score(df)
    ids = df[S.ID].to_numpy()
    unmet: dict[str, int] = {}
    for _ in range(len(KNOWN_SOURCES) + 1):  # dropping one source raises the others' shares
        total = int(keep.sum())
        shares = df.loc[keep, S.SOURCE].value_counts()
        over = [s for s, n in shares.items() if n > max_share * total and s not in unmet]
        if not over:
            break
        src = sorted(over, key=lambda s: (-shares[s], s))[0]
        n_src = int(shares[src])
        # n - d <= share * (total - d)  →  d >= (n - share * total) / (1 - share)
        need = n_src - max_share * total
        drop = math.ceil(need / (1 - max_share) - 1e-9) if max_share < 1 else 0
        rows_by_cell: dict[tuple[str, str], list[int]] = {}
        for pos in np.flatnonzero((df[S.SOURCE] == src).to_numpy() & keep.to_numpy()):
            rows_by_cell.setdefault(cell_of[pos], []).append(pos)
        for rows in rows_by_cell.values():  # shortest last → popped first
            rows.sort(key=lambda p: (score[p], ids[p]), reverse=True)
        heap = [(-(count[c] - min_per_cell), c) for c in rows_by_cell]
        heapq.heapify(heap)
        dropped = 0
        while dropped < drop and heap:
            neg_surplus, cell = heapq.heappop(heap)
            if -neg_surplus <= 0:
                break  # every remaining cell of this source is at the minimum
            pos = rows_by_cell[cell].pop()
            keep.iloc[pos] = False
            count[cell] -= 1
            dropped += 1
            if rows_by_cell[cell]:
                heapq.heappush(heap, (-(count[cell] - min_per_cell), cell))
        if dropped < drop:
            unmet[src] = drop - dropped
    return keep, unmet


@dataclass
class BalanceResult:
    prompts: pd.DataFrame
    metrics: dict
    drops: pd.DataFrame  # every dropped row with its `reason`


def run_balance(df: pd.DataFrame, cfg: BalanceConfig) -> BalanceResult:
    t0 = time.perf_counter()
    missing = [c for c in (S.ID, S.SOURCE, S.TEXT, S.LANGUAGE, S.N_WORDS, S.N_CHARS, *S.CODE_COLUMNS) if c not in df]
    if missing:
        raise InputError(f"balance input: missing columns {missing}")
    unknown = sorted(set(cfg.sample) - set(df[S.SOURCE]))
    if unknown:
        raise ConfigError(f"--sample names sources not in the input: {unknown} (input has {sorted(df[S.SOURCE].unique())})")
    df = df.reset_index(drop=True)
    reason = pd.Series(None, index=df.index, dtype=object)

    def drop(mask, why: DropReason) -> None:
        reason[mask & reason.isna()] = why.value

    alive = lambda: reason.isna()  # noqa: E731
    drop(df[S.SUBJECT].isna() | df[S.STYLE].isna() | df[S.CAMERA].isna(), DropReason.UNLABELLED)
    if cfg.holdout_texts:
        drop(df[S.TEXT].map(normalize).isin(cfg.holdout_texts), DropReason.HOLDOUT)
    if cfg.no_mjhq:
        drop(df[S.SOURCE] == MJHQ, DropReason.MJHQ_EXCLUDED)
    if subjects := parse_codes(cfg.subjects, Axis.SUBJECT):
        drop(~df[S.SUBJECT].isin(subjects), DropReason.SUBJECT_FILTER)
    if styles := parse_codes(cfg.styles, Axis.STYLE):
        drop(~df[S.STYLE].isin(styles), DropReason.STYLE_FILTER)
    for src, n in cfg.sample.items():
        pool = df[alive() & (df[S.SOURCE] == src)]
        kept = _sample(pool, n, cfg.seed, src).index
        drop(df.index.isin(pool.index) & ~df.index.isin(kept), DropReason.SAMPLED_OUT)
    zh = df[S.LANGUAGE] == Language.ZH.value
    drop(~zh & (df[S.N_WORDS] < cfg.min_words), DropReason.TOO_SHORT_EN)
    drop(~zh & (df[S.N_WORDS] > cfg.max_words), DropReason.TOO_LONG_EN)
    drop(zh & (df[S.N_CHARS] < cfg.min_chars_zh), DropReason.TOO_SHORT_ZH)
    drop(zh & (df[S.N_CHARS] > cfg.max_chars_zh), DropReason.TOO_LONG_ZH)

    is_mjhq = df[S.SOURCE] == MJHQ
    core = df[alive() & ~is_mjhq]
    if cfg.balance_lengths:
        keep = stratified_keep(core, cfg.min_per_cell)
        drop(df.index.isin(core.index[~keep.to_numpy()]), DropReason.LENGTH_BALANCE)
    mjhq = df[alive() & is_mjhq]
    in_range = mjhq[S.N_WORDS].between(cfg.mjhq_min_words, cfg.mjhq_max_words) & (mjhq[S.LANGUAGE] == Language.EN.value)
    drop(df.index.isin(mjhq.index[~in_range.to_numpy()]), DropReason.MJHQ_OUT_OF_MID_RANGE)
    fill = _sample(mjhq[in_range.to_numpy()], cfg.mjhq_fill_count, cfg.seed, "mjhq-fill").index
    drop(df.index.isin(mjhq.index) & ~df.index.isin(fill), DropReason.MJHQ_NOT_SELECTED)

    kept = df[alive()]
    cap_keep, unmet = cap_sources(kept, cfg.max_source_share, cfg.min_per_cell)
    drop(df.index.isin(kept.index[~cap_keep.to_numpy()]), DropReason.SOURCE_CAP)

    # Output order: source order of the registry (generated last), then id: independent of input order.
    rank = {s: i for i, s in enumerate(KNOWN_SOURCES)}
    out = df[alive()].copy()
    out = out.assign(_r=out[S.SOURCE].map(lambda s: rank.get(s, len(rank))))
    out = out.sort_values(["_r", S.ID], kind="stable").drop(columns="_r")
    out = out.reset_index(drop=True)
    dropped = df[reason.notna()].assign(**{S.REASON: reason[reason.notna()]}).reset_index(drop=True)
    metrics = dataset_metrics(out, cfg)
    metrics.update(
        {
            "n_in": len(df),
            "dropped": {k: int(v) for k, v in sorted(Counter(dropped[S.REASON]).items())},
            "source_cap_unmet": unmet,
            "seconds": round(time.perf_counter() - t0, 3),
        }
    )
    if cfg.holdout:  # only with a holdout file, so metrics without one stay as they were
        metrics["holdout"] = {
            "file": cfg.holdout,
            "prompts": len(cfg.holdout_texts),
            "dropped": int((reason == DropReason.HOLDOUT.value).sum()),
            "warning": holdout_warning(cfg.holdout, cfg.holdout_texts),
        }
    return BalanceResult(out, metrics, dropped)


def dataset_metrics(out: pd.DataFrame, cfg: BalanceConfig) -> dict:
    en = out[out[S.LANGUAGE] == Language.EN.value]
    zh = out[out[S.LANGUAGE] == Language.ZH.value]
    counts = Counter(zip(out[S.SUBJECT], out[S.STYLE], strict=True))
    per_cell = [counts.get(c, 0) for c in cells()]
    n = len(out)
    per_source = out[S.SOURCE].value_counts()
    return {
        "n_prompts": n,
        "n_en": len(en),
        "n_zh": len(zh),
        "zh_share": round(len(zh) / n, 4) if n else 0.0,
        "mean_words_en": round(float(en[S.N_WORDS].mean()), 2) if len(en) else None,
        "median_words_en": float(en[S.N_WORDS].median()) if len(en) else None,
        "mean_chars_zh": round(float(zh[S.N_CHARS].mean()), 2) if len(zh) else None,
        "median_chars_zh": float(zh[S.N_CHARS].median()) if len(zh) else None,
        "cells_total": len(per_cell),
        "min_per_cell": cfg.min_per_cell,
        "cells_at_min": int(sum(c >= cfg.min_per_cell for c in per_cell)),
        "cells_below_min": int(sum(c < cfg.min_per_cell for c in per_cell)),
        "min_cell_count": int(min(per_cell)),
        "max_source_share": round(float(per_source.max() / n), 4) if n else 0.0,
        "max_source": str(per_source.idxmax()) if n else None,
        "per_source": {s: int(v) for s, v in sorted(per_source.items())},
        "per_subject": {c: int((out[S.SUBJECT] == c).sum()) for c in CODES[Axis.SUBJECT]},
        "per_style": {c: int((out[S.STYLE] == c).sum()) for c in CODES[Axis.STYLE]},
        "per_camera": {c: int((out[S.CAMERA] == c).sum()) for c in CODES[Axis.CAMERA]},
        "expanded": int(out[S.EXPANDED].sum()) if S.EXPANDED in out else None,
    }


WORD_BIN = 5  # words per histogram bin
CHAR_BIN = 10  # Chinese characters per histogram bin


def plot_tables(out: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Tables DVC renders: word / character histograms, source shares, one row per prompt for the heatmap."""
    en = out[out[S.LANGUAGE] == Language.EN.value][S.N_WORDS]
    zh = out[out[S.LANGUAGE] == Language.ZH.value][S.N_CHARS]

    def hist(values: pd.Series, width: int, unit: str) -> pd.DataFrame:
        if values.empty:
            return pd.DataFrame({unit: pd.Series(dtype="int64"), "prompts": pd.Series(dtype="int64")})
        edges = (values // width * width).value_counts().sort_index()
        full = range(int(edges.index.min()), int(edges.index.max()) + width, width)
        return pd.DataFrame({unit: list(full), "prompts": [int(edges.get(b, 0)) for b in full]})

    sources = out[S.SOURCE].value_counts().rename_axis(S.SOURCE).reset_index(name="prompts").sort_values(S.SOURCE)
    sources["share"] = (sources["prompts"] / max(len(out), 1)).round(4)
    return {
        "words_en": hist(en, WORD_BIN, "words"),
        "chars_zh": hist(zh, CHAR_BIN, "chars"),
        "sources": sources.reset_index(drop=True),
        "cells": out[[S.SUBJECT, S.STYLE]].reset_index(drop=True),
    }
