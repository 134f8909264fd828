"""The seeded (logistic) head against zero-shot: agreement by cross-validation, and throughput.

    python benchmarks/bench_seeded_head.py [--reference ../shared/labels/reference_dev.jsonl] [--sweep-c 0.5,2]

On the LLM-labelled reference prompts, each configuration's predictions for every prompt come
from `run.reference_predictions`: zero-shot on all of them, or a head fitted on the other folds
(5-fold cross-validation, the stage's split; the blend weights of the head are chosen by an inner
cross-validation inside each training fold, so no prompt is ever scored by a head, or a weight,
fitted on it). Per configuration: subject accuracy (all / en / zh), style and camera macro-F1 and
accuracy, and for style and camera the paired bootstrap interval (95%, over prompts) of the
macro-F1 difference from zero-shot. The prompts are embedded once (the backend memoises them per
process), so the configurations cost only their fits.

Throughput, at `--threads` (1 by default) torch / BLAS threads over the reference prompts: MiniLM
alone, USE alone, and the whole seeded labelling (MiniLM + USE + head + the fp64 close calls).
Timed in CPU seconds of this process, which on a one-thread run is its wall time on an idle
machine (the wall seconds are recorded too: another job may share the cores).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from diffcurate import schemas as S
from diffcurate.classify.embedding import EmbeddingClassifier, EmbeddingConfig, SeedFeatures, clear_embedding_memo
from diffcurate.classify.encoders import EncoderName, EncoderPrecision, get_encoder
from diffcurate.classify.evaluate import evaluate
from diffcurate.classify.run import ClassifyConfig, label_table, load_labelled, make_classifier, reference_predictions
from diffcurate.llm import ClaudeConfig
from diffcurate.taxonomy import CODES, Axis

app = typer.Typer(add_completion=False)

BOOTSTRAP = 1000  # paired resamples of the prompts for the difference intervals
ZERO_SHOT = EmbeddingConfig()  # the shipped zero-shot classifier (params.yaml's classify.embedding)
# The head settings of each row, spelled out (so a row keeps its meaning when the defaults change).
HEAD_BEFORE = dict(seed_features=SeedFeatures.MINILM, head_c=4.0, head_balanced="", blend_axes="")  # before issue 20
USE_BLEND = dict(seed_features=SeedFeatures.MINILM_USE, head_c=1.0, head_balanced="camera", blend_axes="style,camera")
# name -> (seeded?, configuration)
CONFIGS: dict[str, tuple[bool, EmbeddingConfig]] = {
    "zero_shot": (False, ZERO_SHOT),
    "zero_shot_use": (False, dataclasses.replace(ZERO_SHOT, encoder_en=EncoderName.USE, encoder_zh=EncoderName.USE)),
    "head_before": (True, dataclasses.replace(ZERO_SHOT, **HEAD_BEFORE)),
    "use_alone": (True, dataclasses.replace(ZERO_SHOT, **{**USE_BLEND, "blend_axes": ""})),
    "phrases_blend": (True, dataclasses.replace(ZERO_SHOT, **{**USE_BLEND, "seed_features": SeedFeatures.MINILM_PHRASES})),
    "use_blend_balanced_style": (True, dataclasses.replace(ZERO_SHOT, **{**USE_BLEND, "head_balanced": "style,camera"})),
    "use_blend": (True, dataclasses.replace(ZERO_SHOT, **USE_BLEND)),
}


def macro_f1(gold: np.ndarray, pred: np.ndarray, n: int) -> float:
    """Macro-F1 over the codes (0..n-1) present in gold or pred: `evaluate`'s figure, from counts."""
    counts = np.bincount(gold * n + pred, minlength=n * n).reshape(n, n)  # (gold, pred)
    tp = np.diag(counts).astype(float)
    support, predicted = counts.sum(axis=1), counts.sum(axis=0)
    seen = (support + predicted) > 0
    f1 = np.divide(2 * tp, support + predicted, out=np.zeros(n), where=seen)
    return float(f1[seen].mean())


def paired_interval(axis: Axis, gold: pd.Series, pred: pd.Series, base: pd.Series, rng: np.random.Generator) -> list[float]:
    """95% bootstrap interval of macro-F1(pred) - macro-F1(base), prompts resampled in pairs."""
    index = {code: i for i, code in enumerate(CODES[axis])}
    g, p, b = (s.map(index).to_numpy() for s in (gold, pred, base))
    n = len(CODES[axis])
    diffs = []
    for _ in range(BOOTSTRAP):
        i = rng.integers(0, len(g), len(g))
        diffs.append(macro_f1(g[i], p[i], n) - macro_f1(g[i], b[i], n))
    return [round(float(q), 4) for q in np.quantile(diffs, [0.025, 0.975])]


def summary(report: dict) -> dict:
    subject = report[S.SUBJECT]
    return {
        "subject_accuracy": subject["overall"]["accuracy"],
        "subject_accuracy_by_language": {k: v["accuracy"] for k, v in subject["by_language"].items()},
        "subject_macro_f1": subject["overall"]["macro_f1"],
        **{f"{axis}_{m}": report[axis]["overall"][m] for axis in (S.STYLE, S.CAMERA) for m in ("macro_f1", "accuracy")},
    }


class Clock:
    """Wall and process-CPU seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def throughput(ref: pd.DataFrame, cfg: ClassifyConfig) -> dict:
    """Prompts/s (by CPU seconds; wall beside) of MiniLM alone, USE alone, and the seeded labelling."""
    texts, langs = ref[S.TEXT].tolist(), ref[S.LANGUAGE].tolist()
    n = len(texts)
    clf = EmbeddingClassifier(cfg.embedding)
    get_encoder(EncoderName.MINILM, cfg.embedding.max_seq_length, EncoderPrecision.FP32)  # loading is not timed
    get_encoder(EncoderName.USE, cfg.embedding.max_seq_length, EncoderPrecision.FP32)
    clear_embedding_memo()
    with Clock() as minilm:
        clf.embed(texts, langs)
    with Clock() as use:
        clf.encode(EncoderName.USE, texts, EncoderPrecision.FP32)
    with Clock() as fit:
        seeded = make_classifier(cfg, ref)
    clear_embedding_memo()
    with Clock() as label:
        label_table(seeded, ref)

    def rate(c: Clock) -> dict:
        return {"prompts_per_s_cpu": round(n / c.cpu, 1), "prompts_per_s_wall": round(n / c.wall, 1)}

    return {
        "n_prompts": n,
        "minilm": rate(minilm),
        "use": rate(use),
        "minilm_plus_use": {"prompts_per_s_cpu": round(n / (minilm.cpu + use.cpu), 1)},
        "seeded_labelling": {**rate(label), "fp64_checked": seeded.n_checked},
        "seeded_fit_all_seconds": {"cpu": round(fit.cpu, 1), "wall": round(fit.wall, 1)},
        "blend_weight_fitted_on_all": {axis.value: head.blend for axis, head in seeded.heads.items()},
        "inner_cv_scores_fitted_on_all": {
            axis.value: {str(w): round(s, 4) for w, s in scores.items()} for axis, scores in seeded.blend_scores.items()
        },
    }


@app.command()
def main(
    reference: Annotated[Path, typer.Option(help="LLM-labelled prompts.")] = Path("../shared/labels/reference_dev.jsonl"),
    out: Annotated[Path, typer.Option(help="Record to write.")] = Path("benchmarks/results/seeded_head.json"),
    threads: Annotated[int, typer.Option(min=1, help="torch / BLAS threads.")] = 1,
    sweep_c: Annotated[str, typer.Option(help="Other head_c values to cross-validate use_blend at, e.g. 0.5,2.")] = "",
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
) -> None:
    import torch

    torch.set_num_threads(threads)
    ref = load_labelled(reference)
    base = ClassifyConfig(claude=ClaudeConfig(temperature=None))
    result: dict = {"n_reference": len(ref), "cpus": os.cpu_count(), "threads": threads, "bootstrap": BOOTSTRAP}
    with Clock() as total:
        result["throughput"] = throughput(ref, base)
        configs = dict(CONFIGS)
        for c in [float(v) for v in sweep_c.split(",") if v.strip()]:
            configs[f"use_blend_c{c:g}"] = (True, dataclasses.replace(ZERO_SHOT, **{**USE_BLEND, "head_c": c}))
        preds, rows = {}, {}
        for name, (seeded, emb) in configs.items():
            with Clock() as clock:
                preds[name], _ = reference_predictions(dataclasses.replace(base, embedding=emb), ref, ref if seeded else None)
            rows[name] = {
                "seeded": seeded,
                "config": {k: str(v) for k, v in dataclasses.asdict(emb).items()},
                **summary(evaluate(ref, preds[name])),
                "seconds": {"cpu": round(clock.cpu, 1), "wall": round(clock.wall, 1)},
            }
            typer.echo(f"{name}: {json.dumps({k: v for k, v in rows[name].items() if k != 'config'})}")
        rng = np.random.default_rng(seed)
        for name, row in rows.items():
            if name != "zero_shot":
                zero = preds["zero_shot"]
                row["vs_zero_shot_macro_f1_95"] = {
                    axis.value: paired_interval(axis, ref[axis.value], preds[name][axis.value], zero[axis.value], rng)
                    for axis in (Axis.STYLE, Axis.CAMERA)
                }
    result["agreement"] = rows
    # The row that is params.yaml's seeded classifier (the defaults of EmbeddingConfig).
    result["shipped_seeded"] = next((n for n, (seeded, emb) in configs.items() if seeded and emb == EmbeddingConfig()), None)
    result["seconds_total"] = {"cpu": round(total.cpu), "wall": round(total.wall)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    typer.echo(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    app()
