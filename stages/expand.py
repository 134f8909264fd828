"""`expand` stage: lengthen short prompts with concrete visual detail, keeping subject, style and camera.

    python stages/expand.py --input data/classified/prompts.parquet --generated data/gapfill/prompts.parquet \
        --classifier models/classifier --output data/expanded/prompts.parquet [--backend offline|claude]

Writes all prompts (benchmark + generated) with `text`, `text_original` and `expanded`. Options
mirror the `expand` section of params.yaml.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console

from diffcurate.cache import JsonlCache
from diffcurate.classify.artifact import load_classifier
from diffcurate.errors import DiffcurateError
from diffcurate.generate.claude import ClaudeExpander
from diffcurate.generate.expand import ExpandConfig, ExpandScope, OfflineExpander, run_expand
from diffcurate.generate.gapfill import GenBackend
from diffcurate.io import atomic_outputs, read_table
from diffcurate.llm import ClaudeClient, ClaudeConfig, LLMMode

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Classified benchmark prompts.")] = Path("data/classified/prompts.parquet"),
    generated: Annotated[str, typer.Option(help="Generated prompts (gapfill output); empty: none.")] = "data/gapfill/prompts.parquet",
    classifier: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The classifier artifact `classify` saved.")] = Path("models/classifier"),
    output: Annotated[Path, typer.Option(help="All prompts with text, text_original, expanded (.parquet).")] = Path("data/expanded/prompts.parquet"),
    backend: Annotated[GenBackend, typer.Option(help="offline (detail phrase banks) or claude.")] = GenBackend.OFFLINE,
    scope: Annotated[ExpandScope, typer.Option(help="generated prompts only, or all prompts.")] = ExpandScope.GENERATED,
    min_words: Annotated[int, typer.Option(min=1, help="English prompts shorter than this are expanded.")] = 25,
    target_min: Annotated[int, typer.Option(min=1, help="Target length, lower end (English words).")] = 30,
    target_max: Annotated[int, typer.Option(min=1, help="Target length, upper end (English words).")] = 40,
    min_chars_zh: Annotated[int, typer.Option(min=1, help="Chinese prompts shorter than this are expanded.")] = 40,
    zh_min_chars: Annotated[int, typer.Option(min=1, help="Target length, lower end (Chinese characters).")] = 50,
    zh_max_chars: Annotated[int, typer.Option(min=1, help="Target length, upper end (Chinese characters).")] = 80,
    max_attempts: Annotated[int, typer.Option(min=1, help="Expansions tried per prompt before keeping the original.")] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the offline expander.")] = 0,
    claude_model: Annotated[str, typer.Option(help="Claude model.")] = "claude-sonnet-4-6",
    claude_temperature: Annotated[str, typer.Option(help="Sampling temperature; empty: the model's default.")] = "",
    claude_mode: Annotated[LLMMode, typer.Option(help="sync (Messages) or batch (Message Batches, half price).")] = LLMMode.SYNC,
    claude_concurrency: Annotated[int, typer.Option(min=1)] = 4,
    claude_max_retries: Annotated[int, typer.Option(min=0)] = 6,
    prompts_per_request: Annotated[int, typer.Option(min=1)] = 10,
    max_reasks: Annotated[int, typer.Option(min=0)] = 2,
    cache: Annotated[Path, typer.Option(help="LLM response cache (JSONL, a persistent DVC output).")] = Path("data/cache/llm/expand.jsonl"),
    metrics: Annotated[Path, typer.Option()] = Path("metrics/expand.json"),
) -> None:
    """Expand short prompts to the target length."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    llm_cache = JsonlCache(cache)
    try:
        cfg = ExpandConfig(scope=scope, min_words=min_words, target_min=target_min, target_max=target_max, min_chars_zh=min_chars_zh,
                           zh_min_chars=zh_min_chars, zh_max_chars=zh_max_chars, max_attempts=max_attempts, seed=seed)
        frames = [read_table(input)]
        if generated:
            frames.append(read_table(Path(generated)))
        for path, frame in zip([input, generated], frames, strict=False):
            missing = [c for c in ("id", "source", "text", "language", "subject", "style", "camera") if c not in frame]
            if missing:
                raise DiffcurateError(f"{path}: missing columns {missing}")
        df = pd.concat(frames, ignore_index=True)
        _, clf = load_classifier(classifier, cache=cache)
        if backend is GenBackend.CLAUDE:
            client = ClaudeClient(ClaudeConfig(model=claude_model, temperature=float(claude_temperature) if claude_temperature else None,
                                               mode=claude_mode, concurrency=claude_concurrency, max_retries=claude_max_retries))
            expander = ClaudeExpander(client, llm_cache, per_request=prompts_per_request, max_reasks=max_reasks)
        else:
            expander = OfflineExpander(seed=seed)
        out, m = run_expand(df, clf, expander, cfg)
    except (DiffcurateError, ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    if isinstance(expander, ClaudeExpander):
        s = expander.stats
        m["claude"] = {"model": claude_model, "mode": claude_mode.value, **client.usage.as_dict(client.cfg),
                       "reasked": s.reasked, "invalid_answers": s.invalid, "gave_up": s.gave_up, "cache_entries": len(llm_cache)}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
    g0, g1 = m["generated_before"], m["generated_after"]
    console.print(f"expand ({backend.value}): {m['expanded']} of {m['candidates']} expanded, {m['fell_back_to_original']} kept original; "
                  f"generated prompts {g0['mean_words_en']} → {g1['mean_words_en']} words (en), "
                  f"{g0['mean_chars_zh']} → {g1['mean_chars_zh']} chars (zh)")


if __name__ == "__main__":
    app()
