"""`gapfill` stage: generate exactly the deficit of every Subject × Style cell below the minimum.

    python stages/gapfill.py --input data/classified/prompts.parquet --classifier models/classifier \
        --output data/gapfill/prompts.parquet [--backend offline|claude|openai] [--min-per-cell 50]

Generated prompts are re-classified with the classifier `classify` saved; only those landing in
their intended cell, and not duplicates of any existing or generated prompt, are kept. Options
mirror the `gapfill` section of params.yaml.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache
from diffcurate.classify.artifact import load_classifier
from diffcurate.classify.claude import ClaudeClassifier
from diffcurate.cli import read_input
from diffcurate.errors import ConfigError, DiffcurateError
from diffcurate.generate.claude import ClaudeGenerator
from diffcurate.generate.gapfill import (
    GapfillConfig,
    GenBackend,
    OfflineGenerator,
    parse_distribution,
    parse_subjects,
    run_gapfill,
)
from diffcurate.io import atomic_outputs
from diffcurate.llm import make_client
from diffcurate.llm_cli import (
    ClaudeOptions,
    LLMOptions,
    claude_defaults,
    claude_options,
    openai_defaults,
    openai_options,
    options_for,
)
from diffcurate.neardup import NearDupConfig
from diffcurate.params import stage_defaults

P = stage_defaults("gapfill", __file__)
BALANCE = stage_defaults("balance", __file__)  # a cell counts only prompts within balance's hard length bounds
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def check_subjects(value: str) -> str:
    try:
        parse_subjects(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def check_cameras(value: str) -> str:
    try:
        parse_distribution(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
@claude_options
@openai_options
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Classified prompts.")] = Path(
        "data/classified/prompts.parquet"
    ),
    classifier: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="The classifier artifact `classify` saved.")
    ] = Path("models/classifier"),
    output: Annotated[Path, typer.Option(help="Generated prompts (.parquet).")] = Path("data/gapfill/prompts.parquet"),
    backend: Annotated[
        GenBackend, typer.Option(help="offline (compositional generator), claude or openai (an OpenAI-compatible server).")
    ] = P("backend", GenBackend),
    min_per_cell: Annotated[int, typer.Option(min=0, help="Cells below this get exactly their deficit.")] = P("min_per_cell"),
    max_total: Annotated[int, typer.Option(min=0, help="Cap on generated prompts (0: none), split by deficit.")] = P("max_total"),
    cameras: Annotated[
        str, typer.Option(callback=check_cameras, help="Camera distribution of generated prompts, CODE=weight,…")
    ] = P("cameras"),
    zh_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of Chinese prompts in the cells of --zh-subjects.")
    ] = P("zh_share"),
    zh_subjects: Annotated[
        str, typer.Option(callback=check_subjects, help="Subjects that get Chinese prompts: 'all' or codes, e.g. S13.")
    ] = P("zh_subjects"),
    oversample: Annotated[
        int, typer.Option(min=1, help="Offline candidates per open slot in the first round (doubling each round).")
    ] = P("oversample"),
    max_rounds: Annotated[int, typer.Option(min=1, help="Generate → classify → dedup rounds.")] = P("max_rounds"),
    zh_fallback_round: Annotated[
        int, typer.Option(min=0, help="From this round on, open Chinese slots are written in English (0: never).")
    ] = P("zh_fallback_round"),
    count_min_words: Annotated[
        int, typer.Option(min=0, help="Existing English prompts count towards a cell only from this length (balance.min_words).")
    ] = BALANCE("min_words"),
    count_max_words: Annotated[int, typer.Option(min=1, help="... and up to this length (balance.max_words).")] = BALANCE(
        "max_words"
    ),
    count_min_chars_zh: Annotated[
        int, typer.Option(min=0, help="Chinese prompts: from this many characters (balance.min_chars_zh).")
    ] = BALANCE("min_chars_zh"),
    count_max_chars_zh: Annotated[int, typer.Option(min=1, help="... up to this many (balance.max_chars_zh).")] = BALANCE(
        "max_chars_zh"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the generator and of near-dup hashing.")] = P("seed"),
    near_dup_threshold: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Estimated Jaccard at which a prompt is a near-duplicate.")
    ] = P("near_dup_threshold"),
    words_min: Annotated[
        int, typer.Option(min=1, help="claude: shortest English prompt accepted (shorter ones are re-asked).")
    ] = P("words_min"),
    words_max: Annotated[int, typer.Option(min=1, help="claude: length asked for, upper end (words).")] = P("words_max"),
    claude: ClaudeOptions = claude_defaults(P),  # --claude-model ... --max-reasks (diffcurate.llm_cli)
    openai: LLMOptions = openai_defaults(P),  # --openai-model, --openai-base-url ... (diffcurate.llm_cli)
    cache: Annotated[Path, typer.Option(help="LLM response cache (JSONL, a persistent DVC output).")] = Path(
        "data/cache/llm/gapfill.jsonl"
    ),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write.")] = Path("metrics/gapfill.json"),
    plots: Annotated[Path, typer.Option(help="Folder for plot data (CSV) DVC renders.")] = Path("plots/gapfill"),
) -> None:
    """Fill every sparse Subject × Style cell with class-true, new prompts."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        llm_cache = JsonlCache(cache)
        llm = options_for(backend, claude, openai)
        cfg = GapfillConfig(
            min_per_cell=min_per_cell,
            max_total=max_total,
            cameras=cameras,
            zh_share=zh_share,
            zh_subjects=zh_subjects,
            oversample=oversample,
            max_rounds=max_rounds,
            zh_fallback_round=zh_fallback_round,
            seed=seed,
            count_words=(count_min_words, count_max_words),
            count_chars_zh=(count_min_chars_zh, count_max_chars_zh),
            near_dup=NearDupConfig(threshold=near_dup_threshold, seed=seed),
        )
        df = read_input(input, [S.ID, S.TEXT, S.LANGUAGE, *S.CODE_COLUMNS], "the classify stage's output")
        _, clf = load_classifier(classifier, cache=cache)
        if backend in (GenBackend.CLAUDE, GenBackend.OPENAI):
            generator = ClaudeGenerator(
                make_client(llm.config),
                llm_cache,
                seed=seed,
                words=(words_min, words_max),
                per_request=llm.prompts_per_request,
                max_reasks=llm.max_reasks,
            )
        else:
            generator = OfflineGenerator(seed=seed, oversample=oversample)
        out, m, table = run_gapfill(
            df, clf, generator, cfg, progress=lambda r, a, o: console.print(f"gapfill round {r}: {a} accepted, {o} slots open")
        )
        # A dead API, a wrong URL or a bad key answers nothing: fail with the cause rather than write that.
        if isinstance(generator, ClaudeGenerator):
            generator.require_answered(
                llm.min_answered_share, f"gapfill: open slots {generator.client.label} wrote a valid prompt for"
            )
        if isinstance(clf, ClaudeClassifier):
            clf.require_labelled(options_for(clf.backend, claude, openai).min_answered_share, "gapfill (re-classifying)")
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if isinstance(generator, ClaudeGenerator):
        m[generator.client.name] = generator.usage_metrics()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()  # a persistent DVC output even when no LLM call was made
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
        w.csv(table, plots / "cells.csv")
    console.print(
        f"gapfill ({backend.value}): {m['generated']} generated for {m['quota_total']} slots; cells below "
        f"{min_per_cell}: {m['cells_below_min_before']} → {m['cells_below_min_after']}; acceptance {m['acceptance_rate']}"
    )
    if m["unfilled_cells"]:
        console.print(f"[yellow]cells still below the minimum: {m['unfilled_cells']}")


if __name__ == "__main__":
    app()
