"""The registry of prompt sources: name, mirror folder, network fetch and parser, in blog order.

Adding a source is one `SourceSpec` here and one parser in `parsers.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    # sha256 of the published files at the pinned commit, by path (or glob: the files' bytes
    # concatenated in name order) inside the source's folder; `download.verify` checks them.
    pinned: Mapping[str, str] = field(default_factory=dict)


# Pinned revisions. GitHub commits are the snapshots whose files the offline mirror holds
# byte for byte; Hub datasets are resolved to a commit at fetch time and the commit is recorded.
PARTI_COMMIT = "5a657978134374ce28973948331b319adef164bd"
GENEVAL_COMMIT = "af4902f24d3ca90ebbb446dd9891a59e0f82725f"
ELLA_COMMIT = "3c228f1dc6c4d3cad0a47493816151a419f14db3"
ONEIG_COMMIT = "41b49831e79e6dde5323618c164da1c4cf0f699d"
XOMNI_COMMIT = "2b8237bb3789638c290eeda3e83ed81bd3652c3b"
OPENSORA_COMMIT = "6c7295d3fa7ed9f56fa149cbcca02c40054071ec"  # DrawBench.tsv in the mirror (branch t2i)
HF_REVISION = "main"

# sha256 of the published files at the commits above, as the mirror's MANIFEST.md lists them.
# Hub files and datasets are not pinned (their revision is resolved at fetch time and recorded),
# nor is a mirror's normalized prompts.jsonl.
PINNED_SHA256 = {
    SourceName.PARTIPROMPTS: {"PartiPrompts.tsv": "fab29e41bb512a169b56acab4cf2a41dcb675e285df2efcde6640c7dd3c440eb"},
    SourceName.DRAWBENCH: {"DrawBench.tsv": "7b15a7771229808df72ac01667d520774c273d8d975fffb66f8215a07c1d5fa8"},
    SourceName.GENEVAL: {"evaluation_metadata.jsonl": "5c48e0813e812e3c373fa5c8ed07a8f0a483be30272b4427b0559c8048e67c13"},
    SourceName.DPG_BENCH: {"prompts/*.txt": "094188dfe3e52517d20cebbfb7a47b5fb5e35376a1e344d76e377944cc6efc30"},
    SourceName.ONEIG_ZH: {"OneIG-Bench-ZH.csv": "8fc4ae1403db32dbb1203cc457361c3215500b34e741194a53f5002c9d824700"},
    SourceName.LONGTEXT_BENCH: {
        "text_prompts.jsonl": "a2130769e72bd8560470a066114cdac87f80f1eb071ba6bc0f7033225a9be0d8",
        "text_prompts_zh.jsonl": "6512cd121ac093e8113e114d76eb2c0ce967c220b18e2049e1063554ce496758",
    },
}

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
            PINNED_SHA256[SourceName.PARTIPROMPTS],
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
            PINNED_SHA256[SourceName.DRAWBENCH],
        ),
        SourceSpec(
            SourceName.GENEVAL,
            "GenEval",
            "geneval",
            lambda f, d: f.github_raw("djghosh13/geneval", GENEVAL_COMMIT, "prompts/evaluation_metadata.jsonl", d),
            parsers.parse_geneval,
            f"github:djghosh13/geneval@{GENEVAL_COMMIT}/prompts/evaluation_metadata.jsonl",
            PINNED_SHA256[SourceName.GENEVAL],
        ),
        SourceSpec(
            SourceName.DPG_BENCH,
            "DPG-Bench",
            "dpg-bench",
            lambda f, d: f.github_tarball("TencentQQGYLab/ELLA", ELLA_COMMIT, "dpg_bench/prompts", d),
            parsers.parse_dpg,
            f"github:TencentQQGYLab/ELLA@{ELLA_COMMIT}/dpg_bench/prompts/*.txt",
            PINNED_SHA256[SourceName.DPG_BENCH],
        ),
        SourceSpec(
            SourceName.ONEIG_ZH,
            "OneIG-Bench-ZH",
            "oneig-bench-zh",
            lambda f, d: f.github_raw("OneIG-Bench/OneIG-Benchmark", ONEIG_COMMIT, "OneIG-Bench-ZH.csv", d),
            parsers.parse_oneig_zh,
            f"github:OneIG-Bench/OneIG-Benchmark@{ONEIG_COMMIT}/OneIG-Bench-ZH.csv",
            PINNED_SHA256[SourceName.ONEIG_ZH],
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
            PINNED_SHA256[SourceName.LONGTEXT_BENCH],
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
