"""`expand` stage: lengthen short prompts with concrete visual detail, keeping subject, style and camera.

    python stages/expand.py --input data/classified/prompts.parquet --generated data/gapfill/prompts.parquet \
        --classifier models/classifier --output data/expanded/prompts.parquet [--backend offline|claude|openai]

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
from rich.markup import escape

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache
from diffcurate.classify.artifact import load_classifier
from diffcurate.classify.claude import ClaudeClassifier
from diffcurate.cli import read_input
from diffcurate.errors import DiffcurateError
from diffcurate.generate.claude import ClaudeExpander
from diffcurate.generate.expand import ExpandConfig, ExpandScope, OfflineExpander, run_expand
from diffcurate.generate.gapfill import GenBackend
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
from diffcurate.params import stage_defaults

P = stage_defaults("expand", __file__)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)

INPUT_COLUMNS = [S.ID, S.SOURCE, S.TEXT, S.LANGUAGE, *S.CODE_COLUMNS]


@app.command()
@claude_options
@openai_options
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Classified benchmark prompts.")] = Path(
        "data/classified/prompts.parquet"
    ),
    generated: Annotated[
        str, typer.Option(help="Generated prompts (gapfill output); empty: none.")
    ] = "data/gapfill/prompts.parquet",
    classifier: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="The classifier artifact `classify` saved.")
    ] = Path("models/classifier"),
    output: Annotated[Path, typer.Option(help="All prompts with text, text_original, expanded (.parquet).")] = Path(
        "data/expanded/prompts.parquet"
    ),
    backend: Annotated[
        GenBackend, typer.Option(help="offline (detail phrase banks), claude or openai (an OpenAI-compatible server).")
    ] = P("backend", GenBackend),
    scope: Annotated[ExpandScope, typer.Option(help="generated prompts only, or all prompts.")] = P("scope", ExpandScope),
    min_words: Annotated[int, typer.Option(min=1, help="English prompts shorter than this are expanded.")] = P("min_words"),
    target_min: Annotated[int, typer.Option(min=1, help="Target length, lower end (English words).")] = P("target_min"),
    target_max: Annotated[int, typer.Option(min=1, help="Target length, upper end (English words).")] = P("target_max"),
    min_chars_zh: Annotated[int, typer.Option(min=1, help="Chinese prompts shorter than this are expanded.")] = P("min_chars_zh"),
    zh_min_chars: Annotated[int, typer.Option(min=1, help="Target length, lower end (Chinese characters).")] = P("zh_min_chars"),
    zh_max_chars: Annotated[int, typer.Option(min=1, help="Target length, upper end (Chinese characters).")] = P("zh_max_chars"),
    max_attempts: Annotated[int, typer.Option(min=1, help="Expansions tried per prompt before keeping the original.")] = P(
        "max_attempts"
    ),
    seed: Annotated[int, typer.Option(help="Seed of the offline expander.")] = P("seed"),
    claude: ClaudeOptions = claude_defaults(P),  # --claude-model ... --max-reasks (diffcurate.llm_cli)
    openai: LLMOptions = openai_defaults(P),  # --openai-model, --openai-base-url ... (diffcurate.llm_cli)
    cache: Annotated[Path, typer.Option(help="LLM response cache (JSONL, a persistent DVC output).")] = Path(
        "data/cache/llm/expand.jsonl"
    ),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write.")] = Path("metrics/expand.json"),
) -> None:
    """Expand short prompts to the target length."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        llm_cache = JsonlCache(cache)
        llm = options_for(backend, claude, openai)
        cfg = ExpandConfig(
            scope=scope,
            min_words=min_words,
            target_min=target_min,
            target_max=target_max,
            min_chars_zh=min_chars_zh,
            zh_min_chars=zh_min_chars,
            zh_max_chars=zh_max_chars,
            max_attempts=max_attempts,
            seed=seed,
        )
        frames = [read_input(input, INPUT_COLUMNS)]
        if generated:
            frames.append(read_input(generated, INPUT_COLUMNS))
        df = pd.concat(frames, ignore_index=True)
        _, clf = load_classifier(classifier, cache=cache)
        if backend in (GenBackend.CLAUDE, GenBackend.OPENAI):
            expander = ClaudeExpander(
                make_client(llm.config), llm_cache, per_request=llm.prompts_per_request, max_reasks=llm.max_reasks
            )
        else:
            expander = OfflineExpander(seed=seed)
        out, m = run_expand(df, clf, expander, cfg)
        # A dead API, a wrong URL or a bad key answers nothing: fail with the cause rather than write that.
        if isinstance(expander, ClaudeExpander):
            expander.require_answered(llm.min_answered_share, f"expand: prompts {expander.client.label} expanded validly")
        if isinstance(clf, ClaudeClassifier):
            clf.require_labelled(options_for(clf.backend, claude, openai).min_answered_share, "expand (re-classifying)")
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from None
    if isinstance(expander, ClaudeExpander):
        m[expander.client.name] = expander.usage_metrics()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.touch()
    with atomic_outputs() as w:
        w.parquet(out, output)
        w.json(m, metrics)
    g0, g1 = m["generated_before"], m["generated_after"]
    console.print(
        f"expand ({backend.value}): {m['expanded']} of {m['candidates']} expanded, {m['fell_back_to_original']} kept original; "
        f"generated prompts {g0['mean_words_en']} → {g1['mean_words_en']} words (en), "
        f"{g0['mean_chars_zh']} → {g1['mean_chars_zh']} chars (zh)"
    )


if __name__ == "__main__":
    app()
