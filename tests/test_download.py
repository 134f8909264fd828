"""Cleaning rules and the download run over a tiny mirror in the published formats."""

from __future__ import annotations

import pandas as pd
import pytest

from diffcurate import schemas as S
from diffcurate.download import DownloadConfig, LoadedSource, clean, run_download
from diffcurate.errors import ChecksumMismatch, NothingKept, SourceFormatError, SourceUnavailable
from diffcurate.schemas import NearDupAction, OnUnavailable, RawRecord, VerifyMode
from diffcurate.sources import SOURCE_ORDER, SOURCES, SourceName

# The tiny mirror's files are made up: their sha256 are not the pinned ones (verify: warn).
WARN = VerifyMode.WARN


def make_record(text: str, key: str = "k", category: str | None = None) -> RawRecord:
    return RawRecord(text, key, category)


def loaded(name: SourceName, *texts: str) -> LoadedSource:
    return LoadedSource(name, [make_record(t, f"{name.value}:{i}") for i, t in enumerate(texts)], [], [], 0.0)


def test_clean_rules_and_first_occurrence_wins():
    kept, rejected = clean(
        [
            loaded(SourceName.PARTIPROMPTS, " A red car on a wet street ", "bond", "A red car on a wet street"),
            loaded(SourceName.GENAI_BENCH, "A red car on a wet street", "   ", "Cafe\u0301 with neon signs at night"),
            loaded(SourceName.ONEIG_ZH, "猫", "一只小猫在睡觉", "Café with neon signs at night"),
        ],
        min_words=5,
        min_chars_zh=4,
    )
    assert [(r[S.SOURCE], r[S.TEXT]) for r in kept] == [
        ("partiprompts", "A red car on a wet street"),
        ("genai-bench", "Café with neon signs at night"),
        ("oneig-zh", "一只小猫在睡觉"),
    ]
    by_reason = {(r[S.SOURCE], r[S.REASON]) for r in rejected}
    assert by_reason == {
        ("partiprompts", "too_short_en"),
        ("partiprompts", "duplicate"),
        ("genai-bench", "duplicate"),
        ("genai-bench", "empty"),
        ("oneig-zh", "too_short_zh"),
        ("oneig-zh", "duplicate"),
    }
    first = kept[0][S.ID]
    dups = [r for r in rejected if r[S.REASON] == "duplicate"]
    assert {r[S.DUP_OF] for r in dups[:2]} == {first}  # within and across sources
    assert dups[2][S.DUP_OF_SOURCE] == "genai-bench"  # NFC made the two cafés equal
    assert len(kept) + len(rejected) == 9  # nothing lost


def test_run_on_tiny_mirror(tiny_mirror):
    result = run_download(DownloadConfig(SOURCE_ORDER, mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL, verify=WARN))
    p, r = result.prompts, result.rejected
    assert list(p.columns) == S.RAW_COLUMNS and list(r.columns) == S.REJECTED_COLUMNS
    assert p[S.ID].is_unique
    m = result.metrics
    assert m["n_fetched"] == len(p) + len(r) == 22
    assert m["per_source"]["partiprompts"]["dropped"]["too_short_en"] == 1  # "bond"
    assert m["per_source"]["genai-bench"]["dropped"]["duplicate"] == 1  # the ramen prompt
    assert m["per_source"]["drawbench"]["dropped"]["duplicate"] == 1  # the sloth, stripped
    assert m["per_source"]["oneig-zh"]["dropped"]["too_short_zh"] == 1  # 猫
    assert m["language"] == {"en": int((p[S.LANGUAGE] == "en").sum()), "zh": int((p[S.LANGUAGE] == "zh").sum())}
    assert m["per_source"]["longtext-bench"]["language"] == {"en": 1, "zh": 1}
    assert set(p.loc[p[S.SOURCE] == "mjhq-30k", S.SOURCE_CATEGORY]) == {"animals", "landscape", "logo"}
    assert result.per_source["kept"].sum() == len(p)


def test_mirror_missing_source(tiny_mirror):
    import shutil

    shutil.rmtree(tiny_mirror / "mjhq-30k")
    cfg = DownloadConfig(SOURCE_ORDER, mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL, verify=WARN)
    with pytest.raises(SourceUnavailable, match="mjhq-30k.*not in the mirror"):
        run_download(cfg)
    cfg.on_unavailable = OnUnavailable.SKIP
    assert run_download(cfg).metrics["skipped"] == ["mjhq-30k"]


def test_near_duplicates_reported_or_dropped(tiny_mirror):
    base = (
        "A cozy reading nook with a green velvet armchair, a brass floor lamp, stacks of old leather books, "
        "a knitted blanket and a sleeping cat by the rain-streaked window, warm light, quiet autumn evening"
    )
    (tiny_mirror / "genai-bench/prompts.jsonl").write_text(
        pd.DataFrame({"text": [base, base.replace("sleeping cat", "sleeping cats")]}).to_json(orient="records", lines=True)
    )
    report = run_download(DownloadConfig([SourceName.GENAI_BENCH], mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL))
    assert report.prompts[S.NEAR_DUP_OF].notna().sum() == 1
    assert report.prompts[S.NEAR_DUP_OF].dropna().iloc[0] == report.prompts[S.ID].iloc[0]
    drop = run_download(
        DownloadConfig(
            [SourceName.GENAI_BENCH], mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL, near_dup_action=NearDupAction.DROP
        )
    )
    assert len(drop.prompts) == 1 and drop.rejected[S.REASON].tolist() == ["near_duplicate"]
    assert drop.metrics["near_duplicates"]["flagged"] == 1


# --- empty or cut input ---------------------------------------------------------------------------
def test_nothing_kept_fails_when_every_source_is_skipped(tmp_path):
    empty = tmp_path / "mirror"
    empty.mkdir()
    cfg = DownloadConfig(SOURCE_ORDER, mirror=empty, on_unavailable=OnUnavailable.SKIP)
    with pytest.raises(NothingKept, match="every source was skipped.*partiprompts: not in the mirror.*DIFFCURATE_MIRROR"):
        run_download(cfg)


def test_nothing_kept_fails_when_every_row_is_dropped(tiny_mirror):
    cfg = DownloadConfig([SourceName.GENEVAL], mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL, min_words=50, verify=WARN)
    with pytest.raises(NothingKept, match=r"all 1 rows of \['geneval'\] were dropped \{'too_short_en': 1\}"):
        run_download(cfg)


def test_a_source_file_with_no_prompt_fails_even_when_skipping(tiny_mirror):
    (tiny_mirror / "mjhq-30k/meta_data.json").write_text("{}")
    cfg = DownloadConfig(SOURCE_ORDER, mirror=tiny_mirror, on_unavailable=OnUnavailable.SKIP, verify=WARN)
    with pytest.raises(SourceFormatError, match="meta_data.json: expected at least one prompt, found none"):
        run_download(cfg)


def _real_mirror(shared, tmp_path, *names: SourceName):
    """The named sources' published files from ../shared/sources, in a writable copy."""
    import shutil

    root = tmp_path / "real"
    for name in names:
        shutil.copytree(shared / "sources" / SOURCES[name].mirror_dir, root / SOURCES[name].mirror_dir)
    return root


def test_shipped_mirror_files_match_their_pins(shared):
    pinned = [name for name in SOURCE_ORDER if SOURCES[name].pinned]
    result = run_download(DownloadConfig(pinned, mirror=shared / "sources", on_unavailable=OnUnavailable.FAIL))
    m = result.metrics
    assert m["verify"] == {"mode": "strict", "checked": 7, "mismatches": []}
    assert {m["per_source"][n.value]["verified"] for n in pinned} == {"ok"}


def test_jsonl_cut_at_a_line_boundary_fails_strict_and_is_recorded_with_warn(shared, tmp_path):
    root = _real_mirror(shared, tmp_path, SourceName.GENEVAL, SourceName.LONGTEXT_BENCH)
    path = root / "geneval/evaluation_metadata.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-3]))  # three whole lines gone: still valid JSON Lines
    cfg = DownloadConfig([SourceName.GENEVAL, SourceName.LONGTEXT_BENCH], mirror=root, on_unavailable=OnUnavailable.SKIP)
    with pytest.raises(ChecksumMismatch, match="evaluation_metadata.jsonl: expected sha256 5c48e08") as info:
        run_download(cfg)
    assert info.value.path == path
    cfg.verify = WARN
    m = run_download(cfg).metrics
    assert m["per_source"]["geneval"]["fetched"] == len(lines) - 3
    assert m["per_source"]["geneval"]["verified"] == "mismatch" and m["per_source"]["longtext-bench"]["verified"] == "ok"
    (bad,) = m["verify"]["mismatches"]
    assert bad["source"] == "geneval" and bad["file"] == "evaluation_metadata.jsonl" and bad["expected"].startswith("5c48e08")


def test_a_missing_dpg_prompt_file_changes_the_set_hash(shared, tmp_path):
    root = _real_mirror(shared, tmp_path, SourceName.DPG_BENCH)
    (root / "dpg-bench/prompts/0.txt").unlink()
    cfg = DownloadConfig([SourceName.DPG_BENCH], mirror=root, on_unavailable=OnUnavailable.FAIL)
    with pytest.raises(ChecksumMismatch, match=r"prompts/\*\.txt"):
        run_download(cfg)


def test_normalized_prompts_jsonl_is_not_pinned(tiny_mirror):
    m = run_download(DownloadConfig([SourceName.GENAI_BENCH], mirror=tiny_mirror, on_unavailable=OnUnavailable.FAIL)).metrics
    assert m["per_source"]["genai-bench"]["verified"] == "unpinned" and m["verify"]["checked"] == 0
