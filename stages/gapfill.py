"""`gapfill` stage: generate exactly the deficit of every Subject × Style cell below the minimum.

    python stages/gapfill.py --input data/classified/prompts.parquet --classifier models/classifier \
        --output data/gapfill/prompts.parquet [--backend offline|claude] [--min-per-cell 50]

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

from diffcurate.cache import JsonlCache
from diffcurate.classify.artifact import load_classifier
from diffcurate.errors import DiffcurateError
from diffcurate.generate.claude import ClaudeGenerator
from diffcurate.generate.gapfill import GapfillConfig, GenBackend, OfflineGenerator, parse_distribution, run_gapfill
from diffcurate.io import atomic_outputs, read_table
from diffcurate.llm import ClaudeClient, ClaudeConfig, LLMMode
from diffcurate.neardup import NearDupConfig
from diffcurate.taxonomy import CODES, Axis

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def parse_subjects(value: str) -> tuple[str, ...]:
    if value.strip().lower() == "all":
        return tuple(CODES[Axis.SUBJECT])
    codes = tuple(c.strip() for c in value.split(",") if c.strip())
    bad = [c for c in codes if c not in CODES[Axis.SUBJECT]]
    if bad:
        raise typer.BadParameter(f"unknown subject codes {bad}; expected 'all' or codes from {CODES[Axis.SUBJECT]}")
    return codes


def check_cameras(value: str) -> str:
    try:
        parse_distribution(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Classified prompts.")] = Path("data/classified/prompts.parquet"),
    classifier: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The classifier artifact `classify` saved.")] = Path("models/classifier"),
    output: Annotated[Path, typer.Option(help="Generated prompts (.parquet).")] = Path("data/gapfill/prompts.parquet"),
    backend: Annotated[GenBackend, typer.Option(help="offline (compositional generator) or claude.")] = GenBackend.OFFLINE,
    min_per_cell: Annotated[int, typer.Option(min=0, help="Cells below this get exactly their deficit.")] = 50,
    max_total: Annotated[int, typer.Option(min=0, help="Cap on generated prompts (0: none), split by deficit.")] = 0,
    cameras: Annotated[str, typer.Option(callback=check_cameras, help="Camera distribution of generated prompts, CODE=weight,…")] = GapfillConfig.cameras,
    zh_share: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of Chinese prompts in the cells of --zh-subjects.")] = 0.15,
    zh_subjects: Annotated[str, typer.Option(help="Subjects that get Chinese prompts: 'all' or codes, e.g. S13.")] = "all",
    oversample: Annotated[int, typer.Option(min=1, help="Offline candidates per open slot in the first round (doubling each round).")] = 3,
    max_rounds: Annotated[int, typer.Option(min=1, help="Generate → classify → dedup rounds.")] = 8,
    zh_fallback_round: Annotated[int, typer.Option(min=0, help="From this round on, open Chinese slots are written in English (0: never).")] = 4,
    count_min_words: Annotated[int, typer.Option(min=0, help="Existing English prompts count towards a cell only from this length (balance.min_words).")] = 0,
    count_max_words: Annotated[int, typer.Option(min=1, help="... and up to this length (balance.max_words).")] = 10**9,
    count_min_chars_zh: Annotated[int, typer.Option(min=0, help="Chinese prompts: from this many characters (balance.min_chars_zh).")] = 0,
    count_max_chars_zh: Annotated[int, typer.Option(min=1, help="... up to this many (balance.max_chars_zh).")] = 10**9,
    seed: Annotated[int, typer.Option(help="Seed of the generator and of near-dup hashing.")] = 0,
    near_dup_threshold: Annotated[float, typer.Option(min=0.01, max=1.0, help="Estimated Jaccard at which a prompt is a near-duplicate.")] = 0.8,
    words_min: Annotated[int, typer.Option(min=1, help="claude: shortest English prompt accepted (shorter ones are re-asked).")] = 10,
    words_max: Annotated[int, typer.Option(min=1, help="claude: length asked for, upper end (words).")] = 20,
    claude_model: Annotated[str, typer.Option(help="Claude model.")] = "claude-sonnet-4-6",
    claude_temperature: Annotated[str, typer.Option(help="Sampling temperature; empty: the model's default.")] = "",
    claude_mode: Annotated[LLMMode, typer.Option(help="sync (Messages) or batch (Message Batches, half price).")] = LLMMode.SYNC,
    claude_concurrency: Annotated[int, typer.Option(min=1)] = 4,
    claude_max_retries: Annotated[int, typer.Option(min=0)] = 6,
    prompts_per_request: Annotated[int, typer.Option(min=1)] = 10,
    max_reasks: Annotated[int, typer.Option(min=0)] = 2,
    cache: Annotated[Path, typer.Option(help="LLM response cache (JSONL, a persistent DVC output).")] = Path("data/cache/llm/gapfill.jsonl"),
    metrics: Annotated[Path, typer.Option()] = Path("metrics/gapfill.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/gapfill"),
) -> None:
    """Fill every sparse Subject × Style cell with class-true, new prompts."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    cfg = GapfillConfig(min_per_cell=min_per_cell, max_total=max_total, cameras=cameras, zh_share=zh_share,
                        zh_subjects=parse_subjects(zh_subjects), oversample=oversample, max_rounds=max_rounds,
                        zh_fallback_round=zh_fallback_round, seed=seed, count_words=(count_min_words, count_max_words),
                        count_chars_zh=(count_min_chars_zh, count_max_chars_zh),
                        near_dup=NearDupConfig(threshold=near_dup_threshold, seed=seed))
    llm_cache = JsonlCache(cache)
    try:
        df = read_table(input)
        missing = [c for c in ("id", "text", "language", "subject", "style", "camera") if c not in df]
        if missing:
            raise DiffcurateError(f"{input}: missing columns {missing} (expected the classify stage's output)")
        _, clf = load_classifier(classifier, cache=cache)
        if backend is GenBackend.CLAUDE:
            client = ClaudeClient(ClaudeConfig(model=claude_model, temperature=float(claude_temperature) if claude_temperature else None,
                                               mode=claude_mode, concurrency=claude_concurrency, max_retries=claude_max_retries))
            generator = ClaudeGenerator(client, llm_cache, seed=seed, words=(words_min, words_max), per_request=prompts_per_request,
                                        max_reasks=max_reasks)
        else:
            generator = OfflineGenerator(seed=seed, oversample=oversample)
        out, m, table = run_gapfill(df, clf, generator, cfg, progress=lambda r, a, o: console.print(
            f"gapfill round {r}: {a} accepted, {o} slots open"))
    except (DiffcurateError, ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    if isinstance(generator, ClaudeGenerator):
        g = generator.stats
        m["claude"] = {"model": claude_model, "mode": claude_mode.value, **client.usage.as_dict(client.cfg),
                       "reasked": g.reasked, "invalid_answers": g.invalid, "gave_up": g.gave_up, "cache_entries": len(llm_cache)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()  # a persistent DVC output even when no LLM call was made
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
        w.csv(table, plots / "cells.csv")
    console.print(f"gapfill ({backend.value}): {m['generated']} generated for {m['quota_total']} slots; cells below "
                  f"{min_per_cell}: {m['cells_below_min_before']} → {m['cells_below_min_after']}; acceptance {m['acceptance_rate']}")
    if m["unfilled_cells"]:
        console.print(f"[yellow]cells still below the minimum: {m['unfilled_cells']}")


if __name__ == "__main__":
    app()
