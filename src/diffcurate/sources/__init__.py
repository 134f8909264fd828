"""The registry of prompt sources: name, mirror folder, network fetch and parser, in blog order.

Adding a source is one `SourceSpec` here and one parser in `parsers.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from diffcurate.errors import ConfigError
from diffcurate.sources import parsers
from diffcurate.sources.fetch import Fetcher


class SourceName(StrEnum):
    PARTIPROMPTS = "partiprompts"
    GENAI_BENCH = "genai-bench"
    DRAWBENCH = "drawbench"
    GENEVAL = "geneval"
    DPG_BENCH = "dpg-bench"
    ONEIG_ZH = "oneig-zh"
    CVTG_2K = "cvtg-2k"
    LONGTEXT_BENCH = "longtext-bench"
    MJHQ_30K = "mjhq-30k"


@dataclass(frozen=True)
class SourceSpec:
    name: SourceName
    title: str
    mirror_dir: str  # folder of this source inside a mirror (and inside the download cache)
    fetch: Callable[[Fetcher, Path], None]  # writes the published files into a folder
    parse: Callable[[Path], parsers.Parsed]
    upstream: str  # where a user with internet gets it, for the README and metrics


# Pinned revisions. GitHub commits are the snapshots whose files the offline mirror holds
# byte for byte; Hub datasets are resolved to a commit at fetch time and the commit is recorded.
PARTI_COMMIT = "5a657978134374ce28973948331b319adef164bd"
GENEVAL_COMMIT = "af4902f24d3ca90ebbb446dd9891a59e0f82725f"
ELLA_COMMIT = "3c228f1dc6c4d3cad0a47493816151a419f14db3"
ONEIG_COMMIT = "41b49831e79e6dde5323618c164da1c4cf0f699d"
XOMNI_COMMIT = "2b8237bb3789638c290eeda3e83ed81bd3652c3b"
HF_REVISION = "main"

SOURCES: dict[SourceName, SourceSpec] = {
    s.name: s
    for s in [
        SourceSpec(
            SourceName.PARTIPROMPTS,
            "PartiPrompts",
            "partiprompts",
            lambda f, d: f.github_raw("google-research/parti", PARTI_COMMIT, "PartiPrompts.tsv", d),
            parsers.parse_parti,
            f"github:google-research/parti@{PARTI_COMMIT}/PartiPrompts.tsv",
        ),
        SourceSpec(
            SourceName.GENAI_BENCH,
            "GenAI-Bench",
            "genai-bench",
            lambda f, d: f.hf_dataset(
                "TIGER-Lab/GenAI-Bench", "image_generation", "test", ["prompt"], HF_REVISION, d, parsers.GENAI_PARQUET
            ),
            parsers.parse_genai,
            "hf-dataset:TIGER-Lab/GenAI-Bench[image_generation/test].prompt",
        ),
        SourceSpec(
            SourceName.DRAWBENCH,
            "DrawBench",
            "drawbench",
            lambda f, d: f.hf_dataset(
                "sayakpaul/drawbench",
                None,
                "train",
                ["Prompts", "Prompt", "prompt", "Category"],
                HF_REVISION,
                d,
                parsers.DRAWBENCH_PARQUET,
            ),
            parsers.parse_drawbench,
            "hf-dataset:sayakpaul/drawbench[train]",
        ),
        SourceSpec(
            SourceName.GENEVAL,
            "GenEval",
            "geneval",
            lambda f, d: f.github_raw("djghosh13/geneval", GENEVAL_COMMIT, "prompts/evaluation_metadata.jsonl", d),
            parsers.parse_geneval,
            f"github:djghosh13/geneval@{GENEVAL_COMMIT}/prompts/evaluation_metadata.jsonl",
        ),
        SourceSpec(
            SourceName.DPG_BENCH,
            "DPG-Bench",
            "dpg-bench",
            lambda f, d: f.github_tarball("TencentQQGYLab/ELLA", ELLA_COMMIT, "dpg_bench/prompts", d),
            parsers.parse_dpg,
            f"github:TencentQQGYLab/ELLA@{ELLA_COMMIT}/dpg_bench/prompts/*.txt",
        ),
        SourceSpec(
            SourceName.ONEIG_ZH,
            "OneIG-Bench-ZH",
            "oneig-bench-zh",
            lambda f, d: f.github_raw("OneIG-Bench/OneIG-Benchmark", ONEIG_COMMIT, "OneIG-Bench-ZH.csv", d),
            parsers.parse_oneig_zh,
            f"github:OneIG-Bench/OneIG-Benchmark@{ONEIG_COMMIT}/OneIG-Bench-ZH.csv",
        ),
        SourceSpec(
            SourceName.CVTG_2K,
            "CVTG-2K",
            "cvtg-2k",
            lambda f, d: f.hf_file("dnkdnk/CVTG-2K", "CVTG-2K.zip", HF_REVISION, d),
            parsers.parse_cvtg,
            "hf-dataset:dnkdnk/CVTG-2K/CVTG-2K.zip",
        ),
        SourceSpec(
            SourceName.LONGTEXT_BENCH,
            "LongText-Bench",
            "longtext-bench",
            lambda f, d: [
                f.github_raw("X-Omni-Team/X-Omni", XOMNI_COMMIT, f"textbench/{name}", d) for name in parsers.LONGTEXT_FILES
            ],
            parsers.parse_longtext,
            f"github:X-Omni-Team/X-Omni@{XOMNI_COMMIT}/textbench/text_prompts{{,_zh}}.jsonl",
        ),
        SourceSpec(
            SourceName.MJHQ_30K,
            "MJHQ-30K",
            "mjhq-30k",
            lambda f, d: f.hf_file("playgroundai/MJHQ-30K", "meta_data.json", HF_REVISION, d),
            parsers.parse_mjhq,
            "hf-dataset:playgroundai/MJHQ-30K/meta_data.json",
        ),
    ]
}

# The blog's order: exact de-duplication keeps the first occurrence in this order.
SOURCE_ORDER: list[SourceName] = list(SOURCES)


def parse_source_list(value: str) -> list[SourceName]:
    """`"partiprompts,geneval"` → [SourceName...] in blog order; unknown names raise ConfigError."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    valid = {s.value for s in SourceName}
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ConfigError(f"unknown source(s) {unknown}; expected some of {sorted(valid)}")
    chosen = {SourceName(n) for n in names}
    return [s for s in SOURCE_ORDER if s in chosen]
