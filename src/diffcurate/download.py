"""The `download` stage's logic: fetch (or read from a mirror) all sources, clean, de-duplicate.

Cleaning is exactly the blog's, in the blog's source order: strip + NFC; exact de-duplication
across sources (first occurrence wins); then English prompts under `min_words` words and
Chinese prompts under `min_chars_zh` characters are dropped. Nothing is lost: every dropped row
goes to the rejected table with its reason (and, for duplicates, the id it duplicates).
Near-duplicates are flagged on the kept rows and, if asked, moved to the rejected table too.

Every published file with a pinned sha256 (`SourceSpec.pinned`) is checked before it is parsed,
so a file cut at a line boundary cannot lose rows silently (`verify`: strict fails, warn records
the mismatch in the metrics). A source file with no prompt fails, and so does a run that keeps
no prompt at all: an empty table is never written as a success.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from diffcurate import schemas as S
from diffcurate.errors import ChecksumMismatch, NothingKept, SourceUnavailable
from diffcurate.neardup import NearDupConfig, find_near_duplicates
from diffcurate.schemas import DOWNLOAD_DROPS, DropReason, Language, NearDupAction, OnUnavailable, RawRecord, VerifyMode
from diffcurate.sources import SOURCES, SourceName, SourceSpec
from diffcurate.sources.fetch import Endpoints, Fetcher, sha256_files
from diffcurate.sources.parsers import NotInFolder
from diffcurate.text import detect_language, lang_id, n_chars, n_words, normalize, stable_id

log = logging.getLogger(__name__)

MIRROR_ENV = "DIFFCURATE_MIRROR"  # a mirror folder to read when download.mirror is empty


@dataclass
class DownloadConfig:
    sources: list[SourceName]
    mirror: Path | None  # None: fetch from the network into cache_dir (params.yaml: "")
    on_unavailable: OnUnavailable
    min_words: int = 5
    min_chars_zh: int = 4
    near_dup: NearDupConfig = field(default_factory=NearDupConfig)
    near_dup_action: NearDupAction = NearDupAction.REPORT
    verify: VerifyMode = VerifyMode.STRICT
    cache_dir: Path = Path("data/cache/downloads")
    endpoints: Endpoints | None = None
    fetcher_factory: Callable[[str], Fetcher] | None = None  # tests inject retry timings


@dataclass
class LoadedSource:
    name: SourceName
    records: list[RawRecord]
    files: list[Path]
    provenance: list[dict]
    seconds: float
    checks: list[dict] = field(default_factory=list)  # one per pinned file (set): file, expected, sha256, ok


@dataclass
class DownloadResult:
    prompts: pd.DataFrame
    rejected: pd.DataFrame
    metrics: dict
    per_source: pd.DataFrame  # one row per source, for the DVC bar plot


def check_pinned(spec: SourceSpec, folder: Path, mode: VerifyMode) -> list[dict]:
    """sha256 of each pinned published file (or file set) present in `folder` against its pin.

    A file the folder does not hold (the source came as a normalized `prompts.jsonl`, or from the
    Hub) is not checked. strict: a mismatch raises ChecksumMismatch; warn: it is logged and returned.
    """
    checks = []
    for pattern, expected in spec.pinned.items():
        files = sorted((p for p in folder.glob(pattern) if p.is_file()), key=lambda p: p.name)
        if not files:
            continue
        got = sha256_files(files)
        checks.append({"file": pattern, "expected": expected, "sha256": got, "ok": got == expected})
        if got != expected:
            where = files[0] if len(files) == 1 else folder / pattern
            if mode is VerifyMode.STRICT:
                raise ChecksumMismatch(where, expected, got)
            log.info("%s: sha256 %s is not the pinned %s (download.verify: warn, used anyway)", where, got, expected)
    return checks


def load_source(spec: SourceSpec, cfg: DownloadConfig) -> LoadedSource:
    """Read one source from the mirror, or fetch its published files and read them.

    Raises SourceUnavailable (absent from the mirror, network failure), ChecksumMismatch (strict)
    or SourceFormatError (a malformed or empty file).
    """
    start = time.perf_counter()
    provenance: list[dict] = []
    if cfg.mirror is not None:
        folder = cfg.mirror / spec.mirror_dir
        checks = check_pinned(spec, folder, cfg.verify)
        try:
            records, files = spec.parse(folder)
        except NotInFolder as exc:
            raise SourceUnavailable(spec.name.value, f"not in the mirror ({exc})") from None
        provenance.append({"mirror": str(folder)})
    else:
        folder = cfg.cache_dir / spec.mirror_dir
        make = cfg.fetcher_factory or (lambda name: Fetcher(name, endpoints=cfg.endpoints or Endpoints.from_env()))
        fetcher = make(spec.name.value)
        spec.fetch(fetcher, folder)
        checks = check_pinned(spec, folder, cfg.verify)
        records, files = spec.parse(folder)
        provenance = fetcher.provenance
    return LoadedSource(spec.name, records, files, provenance, time.perf_counter() - start, checks)


def clean(loaded: list[LoadedSource], min_words: int, min_chars_zh: int) -> tuple[list[dict], list[dict]]:
    """The blog's cleaning over sources in order → (kept rows, rejected rows)."""
    kept: list[dict] = []
    rejected: list[dict] = []
    first_seen: dict[str, tuple[str, str]] = {}  # text → (id, source) of its first occurrence
    for src in loaded:
        source = src.name.value
        for rec in src.records:
            text = normalize(rec.text)
            row = {
                S.ID: stable_id(source, text),
                S.SOURCE: source,
                S.SOURCE_KEY: rec.key,
                S.TEXT: text,
                S.SOURCE_CATEGORY: rec.category,
            }
            if text:
                lang = detect_language(text)
                row |= {S.LANGUAGE: lang.value, S.LANG_ID: lang_id(text), S.N_WORDS: n_words(text), S.N_CHARS: n_chars(text)}
            else:
                row |= {S.LANGUAGE: None, S.LANG_ID: None, S.N_WORDS: 0, S.N_CHARS: 0}
            reason = None
            if not text:
                reason = DropReason.EMPTY
            elif text in first_seen:
                reason = DropReason.DUPLICATE
                row[S.DUP_OF], row[S.DUP_OF_SOURCE] = first_seen[text]
            else:
                first_seen[text] = (row[S.ID], source)
                if lang is Language.EN and row[S.N_WORDS] < min_words:
                    reason = DropReason.TOO_SHORT_EN
                elif lang is Language.ZH and row[S.N_CHARS] < min_chars_zh:
                    reason = DropReason.TOO_SHORT_ZH
            if reason is None:
                kept.append(row)
            else:
                rejected.append(row | {S.REASON: reason.value})
    return kept, rejected


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for col in (S.N_WORDS, S.N_CHARS):
        df[col] = df[col].astype("int64")
    if S.NEAR_DUP_SIM in df:
        df[S.NEAR_DUP_SIM] = df[S.NEAR_DUP_SIM].astype("float64")
    return df


def _mean(values: pd.Series) -> float | None:
    return round(float(values.mean()), 2) if len(values) else None


def run_download(cfg: DownloadConfig, on_source: Callable[[SourceName, str], None] | None = None) -> DownloadResult:
    """Load every configured source, clean, flag near-duplicates, and compute metrics.

    Writes nothing: the stage writes the result atomically.
    """
    t0 = time.perf_counter()
    loaded: list[LoadedSource] = []
    skipped: dict[str, str] = {}
    for name in cfg.sources:
        try:
            loaded.append(load_source(SOURCES[name], cfg))
            status = f"{len(loaded[-1].records)} rows"
        except SourceUnavailable as exc:
            if cfg.on_unavailable is OnUnavailable.FAIL:
                raise
            skipped[name.value] = exc.reason
            status = f"SKIPPED: {exc.reason}"
        if on_source:
            on_source(name, status)
    t_load = time.perf_counter() - t0
    if not loaded:
        reasons = "; ".join(f"{name}: {why}" for name, why in skipped.items())
        raise NothingKept(
            f"no prompts kept: every source was skipped ({reasons}). Point download.mirror (or ${MIRROR_ENV}) "
            "at a mirror of the published files such as ../shared/sources, or check the network"
        )

    kept, rejected = clean(loaded, cfg.min_words, cfg.min_chars_zh)
    t_clean = time.perf_counter() - t0 - t_load

    # Near-duplicates among the kept prompts (exact duplicates are already gone).
    near = find_near_duplicates([r[S.TEXT] for r in kept], cfg.near_dup)
    for i, row in enumerate(kept):
        j = int(near.rep[i])
        row[S.NEAR_DUP_OF] = kept[j][S.ID] if j != i else None
        row[S.NEAR_DUP_SIM] = float(near.similarity[i]) if j != i else float("nan")
    if cfg.near_dup_action is NearDupAction.DROP:
        for i in np.flatnonzero(near.is_dup):
            row = kept[i]
            rejected.append(
                row
                | {
                    S.REASON: DropReason.NEAR_DUPLICATE.value,
                    S.DUP_OF: row[S.NEAR_DUP_OF],
                    S.DUP_OF_SOURCE: kept[int(near.rep[i])][S.SOURCE],
                }
            )
        kept = [row for i, row in enumerate(kept) if not near.is_dup[i]]
    if not kept:
        drops = dict(sorted(Counter(r[S.REASON] for r in rejected).items()))
        raise NothingKept(
            f"no prompts kept: all {len(rejected)} rows of {[s.name.value for s in loaded]} were dropped {drops}; "
            "check download.min_words / min_chars_zh and the source files"
        )
    t_near = time.perf_counter() - t0 - t_load - t_clean

    prompts = _frame(kept, S.RAW_COLUMNS)
    rejected_df = _frame(rejected, S.REJECTED_COLUMNS)
    metrics, per_source = _metrics(cfg, loaded, skipped, prompts, rejected_df, near.is_dup.sum())
    metrics["elapsed_s"] = {
        "load": round(t_load, 3),
        "clean": round(t_clean, 3),
        "near_dup": round(t_near, 3),
        "total": round(time.perf_counter() - t0, 3),
    }
    return DownloadResult(prompts, rejected_df, metrics, per_source)


def _lang_stats(df: pd.DataFrame) -> dict:
    en = df[df[S.LANGUAGE] == Language.EN.value]
    zh = df[df[S.LANGUAGE] == Language.ZH.value]
    return {
        "language": {"en": len(en), "zh": len(zh)},
        "mean_words_en": _mean(en[S.N_WORDS]),
        "mean_chars_zh": _mean(zh[S.N_CHARS]),
    }


def _verified(checks: list[dict]) -> str:
    """ok: every pinned file matched; mismatch: one did not (verify: warn); unpinned: none checked."""
    if not checks:
        return "unpinned"
    return "ok" if all(c["ok"] for c in checks) else "mismatch"


def _metrics(cfg, loaded, skipped, prompts, rejected, n_near) -> tuple[dict, pd.DataFrame]:
    reasons = [r.value for r in DOWNLOAD_DROPS]
    per_source: dict[str, dict] = {}
    rows = []
    for src in loaded:
        name = src.name.value
        mine = prompts[prompts[S.SOURCE] == name]
        drops = Counter(rejected.loc[rejected[S.SOURCE] == name, S.REASON])
        per_source[name] = {
            "fetched": len(src.records),
            "kept": len(mine),
            "dropped": {r: int(drops.get(r, 0)) for r in reasons},
            **_lang_stats(mine),
            "near_duplicates": int(mine[S.NEAR_DUP_OF].notna().sum()),
            "files": len(src.files),
            "sha256": sha256_files(src.files),
            "verified": _verified(src.checks),
            "provenance": src.provenance,
            "seconds": round(src.seconds, 3),
        }
        rows.append({S.SOURCE: name, "kept": len(mine), **{r: int(drops.get(r, 0)) for r in reasons}})
    total_drops = Counter(rejected[S.REASON])
    metrics = {
        "mode": "mirror" if cfg.mirror is not None else "network",
        "mirror": str(cfg.mirror) if cfg.mirror is not None else None,
        "sources_requested": [s.value for s in cfg.sources],
        "skipped": sorted(skipped),
        "skipped_reasons": skipped,
        "n_fetched": sum(len(s.records) for s in loaded),
        "n_prompts": len(prompts),
        "n_rejected": len(rejected),
        "dropped": {r: int(total_drops.get(r, 0)) for r in reasons},
        **_lang_stats(prompts),
        "near_duplicates": {
            "threshold": cfg.near_dup.threshold,
            "num_perm": cfg.near_dup.num_perm,
            "bands": cfg.near_dup.bands,
            "ngram": cfg.near_dup.ngram,
            "flagged": int(n_near),
            "action": cfg.near_dup_action.value,
        },
        "params": {"min_words": cfg.min_words, "min_chars_zh": cfg.min_chars_zh},
        "verify": {
            "mode": cfg.verify.value,
            "checked": sum(len(s.checks) for s in loaded),
            "mismatches": [
                {"source": s.name.value, "file": c["file"], "expected": c["expected"], "sha256": c["sha256"]}
                for s in loaded
                for c in s.checks
                if not c["ok"]
            ],
        },
        "per_source": per_source,
    }
    return metrics, pd.DataFrame(rows, columns=[S.SOURCE, "kept", *reasons])
