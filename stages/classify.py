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
from rich.markup import escape
from rich.progress import Progress

from diffcurate import schemas as S
from diffcurate.classify.artifact import save_classifier
from diffcurate.classify.base import Backend
from diffcurate.classify.embedding import EmbeddingConfig, SeedFeatures, SeedHead, parse_axes
from diffcurate.classify.encoders import EncoderName, EncoderPrecision
from diffcurate.classify.run import ClassifyConfig, check_texts, classify_table, evaluate_reference, load_labelled
from diffcurate.cli import read_input
from diffcurate.errors import ConfigError, DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.llm_cli import (
    ClaudeOptions,
    LLMOptions,
    claude_defaults,
    claude_options,
    openai_defaults,
    openai_options,
    options_for,
)
from diffcurate.params import stage_defaults

P = stage_defaults("classify", __file__)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def check_axes(ctx: typer.Context, param: typer.CallbackParam, value: str) -> str:
    """A comma-separated subset of subject,style,camera (may be empty); a typo fails at parse time."""
    try:
        parse_axes(value, f"--{param.name.replace('_', '-')}")
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
@claude_options
@openai_options
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Table with a `text` column.")] = Path(
        "data/raw/prompts.parquet"
    ),
    output: Annotated[Path, typer.Option(help="Labelled table to write (.parquet).")] = Path("data/classified/prompts.parquet"),
    backend: Annotated[Backend, typer.Option(help="Classifier backend.")] = P("backend", Backend),
    seed_labels: Annotated[
        str, typer.Option(help="Labelled prompts to fit the embedding head on (table or Claude cache); empty: zero-shot.")
    ] = P("seed_labels"),
    reference: Annotated[str, typer.Option(help="Reference labels to measure agreement with; empty or absent: skipped.")] = P(
        "reference"
    ),
    cv_folds: Annotated[int, typer.Option(min=2, help="Folds when seed labels overlap the reference.")] = P("cv_folds"),
    seed: Annotated[int, typer.Option(help="Seed of the cross-validation split.")] = P("seed"),
    encoder_en: Annotated[EncoderName, typer.Option(help="Encoder for English prompts.")] = P(
        "embedding.encoder_en", EncoderName
    ),
    encoder_zh: Annotated[EncoderName, typer.Option(help="Encoder for Chinese prompts.")] = P(
        "embedding.encoder_zh", EncoderName
    ),
    max_seq_length: Annotated[int, typer.Option(min=16, help="Tokens per prompt the encoder reads.")] = P(
        "embedding.max_seq_length"
    ),
    precision: Annotated[
        EncoderPrecision,
        typer.Option(
            help="fp32 (close calls redone in fp64: the same labels on any x86 CPU), int8 (faster, CPU-dependent) or fp64."
        ),
    ] = P("embedding.precision", EncoderPrecision),
    temperature: Annotated[float, typer.Option(min=0.001, help="Similarity temperature of the zero-shot logits.")] = P(
        "embedding.temperature"
    ),
    cue_bonus: Annotated[float, typer.Option(help="Logit bonus of the S11 / S1 priority cues.")] = P("embedding.cue_bonus"),
    default_bonus: Annotated[float, typer.Option(help="Logit bonus of the default style and camera.")] = P(
        "embedding.default_bonus"
    ),
    phrase_bonus: Annotated[float, typer.Option(help="Logit bonus of a code whose phrase list matches.")] = P(
        "embedding.phrase_bonus"
    ),
    seed_head: Annotated[
        SeedHead, typer.Option(help="With seed labels: logistic head on frozen embeddings, or fine-tune the encoder.")
    ] = P("embedding.seed_head", SeedHead),
    seed_features: Annotated[
        SeedFeatures,
        typer.Option(
            help="Logistic head's features: minilm (+ cue flags), minilm+phrases (+ phrase-list flags), minilm+use (+ USE too)."
        ),
    ] = P("embedding.seed_features", SeedFeatures),
    head_c: Annotated[float, typer.Option(min=1e-6, help="Inverse regularisation of the logistic seed head.")] = P(
        "embedding.head_c"
    ),
    head_balanced: Annotated[
        str,
        typer.Option(
            callback=check_axes, help="Axes whose logistic head weighs codes by inverse frequency (comma-separated; empty: none)."
        ),
    ] = P("embedding.head_balanced"),
    blend_axes: Annotated[
        str,
        typer.Option(
            callback=check_axes,
            help="Axes whose logistic head is blended with zero-shot, the weight by inner CV on the seed labels (comma-separated; empty: none).",
        ),
    ] = P("embedding.blend_axes"),
    finetune_epochs: Annotated[int, typer.Option(min=1, help="Epochs of the fine-tuned seed head.")] = P(
        "embedding.finetune_epochs"
    ),
    claude: ClaudeOptions = claude_defaults(P),  # --claude-model ... --max-reasks (diffcurate.llm_cli)
    openai: LLMOptions = openai_defaults(P),  # --openai-model, --openai-base-url ... (diffcurate.llm_cli)
    cache: Annotated[Path, typer.Option(help="LLM response cache (JSONL, a persistent DVC output).")] = Path(
        "data/cache/llm/classify.jsonl"
    ),
    model_dir: Annotated[
        Path, typer.Option(help="Where to save the classifier (config + fitted head) for gapfill/expand.")
    ] = Path("models/classifier"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write.")] = Path("metrics/classify.json"),
    plots: Annotated[Path, typer.Option(help="Folder for plot data (CSV) DVC renders.")] = Path("plots/classify"),
) -> None:
    """Label every prompt with the taxonomy."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    llm = options_for(backend, claude, openai)  # the section of the LLM backend (claude when another backend runs)
    cfg = ClassifyConfig(
        backend=backend,
        embedding=EmbeddingConfig(
            encoder_en=encoder_en,
            encoder_zh=encoder_zh,
            max_seq_length=max_seq_length,
            precision=precision,
            temperature=temperature,
            cue_bonus=cue_bonus,
            default_bonus=default_bonus,
            phrase_bonus=phrase_bonus,
            seed_head=seed_head,
            seed_features=seed_features,
            head_c=head_c,
            head_balanced=head_balanced,
            blend_axes=blend_axes,
            finetune_epochs=finetune_epochs,
        ),
        claude=claude.config,
        openai=openai.config,
        cache=cache,
        prompts_per_request=llm.prompts_per_request,
        max_reasks=llm.max_reasks,
        cv_folds=cv_folds,
        seed=seed,
    )
    try:
        df = read_input(input)
        check_texts(df, input)
        seed_df = load_labelled(Path(seed_labels)) if seed_labels else None
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"classify ({backend.value})", total=len(df))
            out, m, clf = classify_table(
                cfg, df, seed_df, progress=lambda n: bar.advance(task, n), min_answered_share=llm.min_answered_share
            )
        confusion = None
        if reference and Path(reference).is_file():
            ref = load_labelled(Path(reference))
            with Progress(console=console, transient=True) as bar:
                task = bar.add_task("reference agreement", total=len(ref))
                report, confusion = evaluate_reference(cfg, ref, seed_df, progress=lambda n: bar.advance(task, n))
            m["reference"] = {"path": reference, **report}
        elif reference:
            console.print(f"[yellow]reference {reference} not found: agreement not measured")
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()  # a persistent DVC output even when no LLM call was made
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
        save_classifier(model_dir, cfg, clf, w.path_text, lambda p, b: w.path(p).write_bytes(b))
        # Always written (a declared DVC output): header only when no reference was measured.
        w.csv(
            confusion if confusion is not None else pd.DataFrame(columns=["actual", "predicted"]), plots / "confusion_subject.csv"
        )
    console.print(
        f"classify ({backend.value}): {m['n_out']} prompts, {m['n_flagged']} flagged, {m['prompts_per_second']} prompts/s"
    )
    if "reference" in m:
        agr = m["reference"]["agreement"]
        console.print(
            "reference agreement ({}): subject acc {}, style F1 {}, camera F1 {}".format(
                m["reference"]["mode"],
                agr[S.SUBJECT]["overall"]["accuracy"],
                agr[S.STYLE]["overall"]["macro_f1"],
                agr[S.CAMERA]["overall"]["macro_f1"],
            )
        )


if __name__ == "__main__":
    app()
