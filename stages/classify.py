"""`classify` stage: one Subject / Style / Camera code per prompt, with confidences.

    python stages/classify.py --input IN --output OUT [--backend B] [--seed-labels LABELS] [--reference LABELS]

IN is any parquet/jsonl table with a `text` column (and `language` if present). Options mirror
the `classify` section of params.yaml.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from diffcurate.classify.artifact import save_classifier
from diffcurate.classify.base import Backend
from diffcurate.classify.embedding import EmbeddingConfig, SeedHead
from diffcurate.classify.encoders import EncoderName, EncoderPrecision
from diffcurate.classify.run import ClassifyConfig, classify_table, evaluate_reference, load_labelled
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs, read_table
from diffcurate.llm import ClaudeConfig, LLMMode

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Table with a `text` column.")] = Path("data/raw/prompts.parquet"),
    output: Annotated[Path, typer.Option(help="Labelled table to write (.parquet).")] = Path("data/classified/prompts.parquet"),
    backend: Annotated[Backend, typer.Option(help="Classifier backend.")] = Backend.EMBEDDING,
    seed_labels: Annotated[str, typer.Option(help="Labelled prompts to fit the embedding head on (table or Claude cache); empty: zero-shot.")] = "",
    reference: Annotated[str, typer.Option(help="Reference labels to measure agreement with; empty or absent: skipped.")] = "",
    cv_folds: Annotated[int, typer.Option(min=2, help="Folds when seed labels overlap the reference.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed of the cross-validation split.")] = 0,
    encoder_en: Annotated[EncoderName, typer.Option(help="Encoder for English prompts.")] = EncoderName.MINILM,
    encoder_zh: Annotated[EncoderName, typer.Option(help="Encoder for Chinese prompts.")] = EncoderName.MINILM,
    max_seq_length: Annotated[int, typer.Option(min=16, help="Tokens per prompt the encoder reads.")] = 64,
    precision: Annotated[EncoderPrecision, typer.Option(help="fp32, or int8 dynamic quantisation of the encoder.")] = EncoderPrecision.INT8,
    temperature: Annotated[float, typer.Option(min=0.001, help="Similarity temperature of the zero-shot logits.")] = 0.05,
    cue_bonus: Annotated[float, typer.Option(help="Logit bonus of the S11 / S1 priority cues.")] = 6.0,
    default_bonus: Annotated[float, typer.Option(help="Logit bonus of the default style and camera.")] = 6.0,
    phrase_bonus: Annotated[float, typer.Option(help="Logit bonus of a code whose phrase list matches.")] = 8.0,
    seed_head: Annotated[SeedHead, typer.Option(help="With seed labels: logistic head on frozen embeddings, or fine-tune the encoder.")] = SeedHead.LOGISTIC,
    finetune_epochs: Annotated[int, typer.Option(min=1, help="Epochs of the fine-tuned seed head.")] = 3,
    claude_model: Annotated[str, typer.Option(help="Claude model.")] = "claude-sonnet-4-6",
    claude_temperature: Annotated[str, typer.Option(help="Sampling temperature; empty: the model's default.")] = "",
    claude_mode: Annotated[LLMMode, typer.Option(help="sync (Messages) or batch (Message Batches, half price).")] = LLMMode.SYNC,
    claude_concurrency: Annotated[int, typer.Option(min=1)] = 4,
    claude_max_retries: Annotated[int, typer.Option(min=0)] = 6,
    prompts_per_request: Annotated[int, typer.Option(min=1)] = 25,
    max_reasks: Annotated[int, typer.Option(min=0)] = 2,
    cache: Annotated[Path, typer.Option(help="Claude response cache (JSONL, a persistent DVC output).")] = Path("data/cache/llm/classify.jsonl"),
    model_dir: Annotated[Path, typer.Option(help="Where to save the classifier (config + fitted head) for gapfill/expand.")] = Path("models/classifier"),
    metrics: Annotated[Path, typer.Option()] = Path("metrics/classify.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/classify"),
) -> None:
    """Label every prompt with the taxonomy."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cfg = ClassifyConfig(
        backend=backend,
        embedding=EmbeddingConfig(encoder_en=encoder_en, encoder_zh=encoder_zh, max_seq_length=max_seq_length, precision=precision,
                                  temperature=temperature, cue_bonus=cue_bonus, default_bonus=default_bonus,
                                  phrase_bonus=phrase_bonus, seed_head=seed_head, finetune_epochs=finetune_epochs),
        claude=ClaudeConfig(model=claude_model, temperature=float(claude_temperature) if claude_temperature else None,
                            mode=claude_mode, concurrency=claude_concurrency, max_retries=claude_max_retries),
        cache=cache, prompts_per_request=prompts_per_request, max_reasks=max_reasks, cv_folds=cv_folds, seed=seed,
    )
    try:
        df = read_table(input)
        if "text" not in df:
            raise DiffcurateError(f"{input}: expected a `text` column, got {list(df.columns)}")
        seed_df = load_labelled(Path(seed_labels)) if seed_labels else None
        out, m, clf = classify_table(cfg, df, seed_df)
        confusion = None
        if reference and Path(reference).is_file():
            report, confusion = evaluate_reference(cfg, load_labelled(Path(reference)), seed_df)
            m["reference"] = {"path": reference, **report}
        elif reference:
            console.print(f"[yellow]reference {reference} not found: agreement not measured")
    except (DiffcurateError, ValueError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()  # a persistent DVC output even when no Claude call was made
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
        save_classifier(model_dir, cfg, clf, w.path_text, lambda p, b: w.path(p).write_bytes(b))
        # Always written (a declared DVC output): header only when no reference was measured.
        w.csv(confusion if confusion is not None else pd.DataFrame(columns=["actual", "predicted"]), plots / "confusion_subject.csv")
    console.print(f"classify ({backend.value}): {m['n_out']} prompts, {m['n_flagged']} flagged, {m['prompts_per_second']} prompts/s")
    if "reference" in m:
        agr = m["reference"]["agreement"]
        console.print("reference agreement ({}): subject acc {}, style F1 {}, camera F1 {}".format(
            m["reference"]["mode"], agr["subject"]["overall"]["accuracy"], agr["style"]["overall"]["macro_f1"],
            agr["camera"]["overall"]["macro_f1"]))


if __name__ == "__main__":
    app()
