"""Classifier quality and speed: agreement with the LLM reference labels, throughput, cached re-run.

    python benchmarks/bench_classify.py [--mirror ../shared/sources] [--reference ../shared/labels/reference_dev.jsonl]

Measures, on this machine:
- agreement (accuracy / macro-F1 per axis, per language) of the zero-shot embedding default, the
  seed-labelled head (5-fold cross-validation on the reference) and the keyword baseline;
- prompts/s of each offline backend over the mirror's 7,811 prompts (encoders loaded beforehand;
  `--threads` torch threads, 1 by default): the embedding default (fp32, close calls redone in
  fp64; how many were) and int8 (faster, labels CPU-dependent);
- the `claude` backend's cached re-run of all 7,811 prompts (the cache is filled first through
  the local Messages API server of the tests, so no request leaves the machine).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache
from diffcurate.classify.base import Backend
from diffcurate.classify.claude import ClaudeClassifier
from diffcurate.classify.embedding import EmbeddingClassifier, EmbeddingConfig, SeedHead, clear_embedding_memo
from diffcurate.classify.encoders import EncoderPrecision
from diffcurate.classify.keyword import KeywordClassifier
from diffcurate.classify.run import ClassifyConfig, evaluate_reference, label_table, load_labelled, make_classifier
from diffcurate.download import DownloadConfig, run_download
from diffcurate.llm import ClaudeClient, ClaudeConfig
from diffcurate.schemas import OnUnavailable
from diffcurate.sources import SOURCE_ORDER

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakeanthropic import FakeAnthropic  # noqa: E402

app = typer.Typer(add_completion=False)


def _summary(report: dict) -> dict:
    return {
        axis: {
            "accuracy": v["overall"]["accuracy"],
            "macro_f1": v["overall"]["macro_f1"],
            "accuracy_by_language": {k: x["accuracy"] for k, x in v.get("by_language", {}).items()},
        }
        for axis, v in report.items()
    }


@app.command()
def main(
    mirror: Annotated[Path, typer.Option(envvar="DIFFCURATE_MIRROR")] = Path("../shared/sources"),
    reference: Annotated[Path, typer.Option()] = Path("../shared/labels/reference_dev.jsonl"),
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/classify.json"),
    with_finetune: Annotated[bool, typer.Option(help="Also cross-validate the fine-tuned seed head (~21 min).")] = False,
    threads: Annotated[int, typer.Option(min=1, help="torch threads for the speed measurement.")] = 1,
) -> None:
    import torch

    torch.set_num_threads(threads)
    prompts = run_download(DownloadConfig(SOURCE_ORDER, mirror=mirror, on_unavailable=OnUnavailable.SKIP)).prompts
    ref = load_labelled(reference)
    result: dict = {"n_prompts": len(prompts), "n_reference": len(ref), "cpus": os.cpu_count(), "threads": threads}

    zero, _ = evaluate_reference(ClassifyConfig(claude=ClaudeConfig(temperature=None)), ref, None)
    seeded, _ = evaluate_reference(ClassifyConfig(claude=ClaudeConfig(temperature=None)), ref, ref)
    result["agreement"] = {
        "zero_shot": _summary(zero["agreement"]),
        "seed_labelled_cv": _summary(seeded["agreement"]),
        "keyword": _summary(zero["keyword_baseline"]),
    }
    if with_finetune:
        t0 = time.perf_counter()
        tuned, _ = evaluate_reference(
            ClassifyConfig(embedding=EmbeddingConfig(seed_head=SeedHead.FINETUNE), claude=ClaudeConfig(temperature=None)),
            ref,
            ref,
        )
        result["agreement"]["seed_finetuned_cv"] = _summary(tuned["agreement"])
        result["seconds_finetuned_cv"] = round(time.perf_counter() - t0)

    speed = {}
    clear_embedding_memo()  # the reference prompts overlap the mirror's: encode from scratch
    backends = {
        "embedding": ClassifyConfig(claude=ClaudeConfig(temperature=None)),
        "embedding_int8": ClassifyConfig(
            embedding=EmbeddingConfig(precision=EncoderPrecision.INT8), claude=ClaudeConfig(temperature=None)
        ),
        "keyword": ClassifyConfig(backend=Backend.KEYWORD, claude=ClaudeConfig(temperature=None)),
    }
    for name, cfg in backends.items():
        clf = make_classifier(cfg)
        t0 = time.perf_counter()
        label_table(clf, prompts)
        speed[name] = round(len(prompts) / (time.perf_counter() - t0), 1)
        if isinstance(clf, EmbeddingClassifier) and cfg.embedding.precision is EncoderPrecision.FP32:
            result["embedding_fp64_checked"] = clf.n_checked  # close calls redone in fp64
    result["prompts_per_second"] = speed

    def oracle(text: str) -> dict:  # the local server answers with the keyword baseline's codes
        p = KeywordClassifier().classify([text])[0]
        return {S.SUBJECT: p.subject, S.STYLE: p.style, S.CAMERA: p.camera}

    with tempfile.TemporaryDirectory() as tmp, FakeAnthropic(oracle) as api:
        os.environ.setdefault("ANTHROPIC_API_KEY", "sk-bench-local")
        cfg = ClaudeConfig(base_url=api.url, concurrency=8, temperature=None)
        cache_path = Path(tmp) / "classify.jsonl"
        ClaudeClassifier(ClaudeClient(cfg), JsonlCache(cache_path), prompts_per_request=50).classify(prompts["text"].tolist())
        requests_before = sum(api.requests.values())
        t0 = time.perf_counter()
        clf = ClaudeClassifier(ClaudeClient(cfg), JsonlCache(cache_path), prompts_per_request=50)
        label_table(clf, prompts)
        result["claude_cached_rerun_seconds"] = round(time.perf_counter() - t0, 2)
        result["claude_requests_during_rerun"] = sum(api.requests.values()) - requests_before

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    app()
