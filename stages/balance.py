"""`balance` stage: the final prompt dataset (the blog's build_dataset.py), coverage first.

    python stages/balance.py --input data/expanded/prompts.parquet --out-dir data/prompts \
        [--sample SOURCE=N,...] [--min-words 10] [--max-words 80] [--balance-lengths true] \
        [--min-per-cell 30] [--mjhq-fill-count 5000] [--subjects S1,S2] [--no-mjhq true] [--dry-run]

Options mirror the `balance` section of params.yaml (booleans take true/false, as DVC writes them).
Writes data/prompts/prompts.parquet, data/prompts/prompts.jsonl (text, subject, style, camera,
source, language), data/prompts/dropped.parquet (every dropped row and why), metrics/dataset.json
and the plots DVC renders; `--dry-run` prints the summary and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from diffcurate.balance import (
    JSONL_COLUMNS,
    BalanceConfig,
    holdout_warning,
    parse_sample,
    plot_tables,
    read_holdout,
    run_balance,
)
from diffcurate.cli import read_input
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults
from diffcurate.schemas import Bool

P = stage_defaults("balance", __file__)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="All prompts (expand's output).")] = Path(
        "data/expanded/prompts.parquet"
    ),
    out_dir: Annotated[Path, typer.Option(help="Folder for prompts.parquet, prompts.jsonl, dropped.parquet.")] = Path(
        "data/prompts"
    ),
    sample: Annotated[str, typer.Option(help="SOURCE=N[,SOURCE=N...]: a seeded random N of that source; empty: all.")] = P(
        "sample"
    ),
    min_words: Annotated[int, typer.Option(min=0, help="English prompts: fewest whitespace words.")] = P("min_words"),
    max_words: Annotated[int, typer.Option(min=1, help="English prompts: most whitespace words.")] = P("max_words"),
    min_chars_zh: Annotated[int, typer.Option(min=0, help="Chinese prompts: fewest characters.")] = P("min_chars_zh"),
    max_chars_zh: Annotated[int, typer.Option(min=1, help="Chinese prompts: most characters.")] = P("max_chars_zh"),
    # Booleans take a value (true/false), as DVC writes a YAML boolean into the command line; the
    # default is params.yaml's YAML boolean, which typer reads as Bool.TRUE / Bool.FALSE.
    balance_lengths: Annotated[
        Bool, typer.Option(case_sensitive=False, help="Cells above --min-per-cell keep their longest half.")
    ] = P("balance_lengths"),
    min_per_cell: Annotated[int, typer.Option(min=0, help="Never drop a Subject x Style cell below this.")] = P("min_per_cell"),
    mjhq_fill_count: Annotated[int, typer.Option(min=0, help="MJHQ-30K mid-range prompts added after the keep.")] = P(
        "mjhq_fill_count"
    ),
    mjhq_min_words: Annotated[int, typer.Option(min=0, help="MJHQ-30K fill: fewest words.")] = P("mjhq_min_words"),
    mjhq_max_words: Annotated[int, typer.Option(min=0, help="MJHQ-30K fill: most words.")] = P("mjhq_max_words"),
    subjects: Annotated[str, typer.Option(help="Keep only these subject codes (comma-separated); empty: all.")] = P("subjects"),
    styles: Annotated[str, typer.Option(help="Keep only these style codes; empty: all.")] = P("styles"),
    no_mjhq: Annotated[Bool, typer.Option(case_sensitive=False, help="Leave MJHQ-30K out entirely.")] = P("no_mjhq"),
    max_source_share: Annotated[float, typer.Option(min=0.01, max=1.0, help="No source above this share.")] = P(
        "max_source_share"
    ),
    holdout: Annotated[str, typer.Option(help="Prompts to exclude: .txt (one a line) or a table with `text`; empty: none.")] = P(
        "holdout"
    ),
    seed: Annotated[int, typer.Option(help="Seed of --sample and the MJHQ fill.")] = P("seed"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the summary; write nothing.")] = False,
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write.")] = Path("metrics/dataset.json"),
    plots: Annotated[Path, typer.Option(help="Folder for plot data (CSV) DVC renders.")] = Path("plots/dataset"),
) -> None:
    """Build the final, balanced prompt dataset."""
    try:
        holdout_texts = frozenset(read_holdout(holdout)) if holdout else frozenset()
        if warning := holdout_warning(holdout, holdout_texts):
            console.rule("[bold red]WARNING: EMPTY HOLDOUT")
            console.print(f"[bold red]{warning}", soft_wrap=True)
            console.rule()
        cfg = BalanceConfig(
            sample=parse_sample([sample]),
            min_words=min_words,
            max_words=max_words,
            min_chars_zh=min_chars_zh,
            max_chars_zh=max_chars_zh,
            balance_lengths=balance_lengths is Bool.TRUE,
            min_per_cell=min_per_cell,
            mjhq_fill_count=mjhq_fill_count,
            mjhq_min_words=mjhq_min_words,
            mjhq_max_words=mjhq_max_words,
            subjects=subjects,
            styles=styles,
            no_mjhq=no_mjhq is Bool.TRUE,
            max_source_share=max_source_share,
            holdout=holdout,
            holdout_texts=holdout_texts,
            seed=seed,
        )
        res = run_balance(read_input(input), cfg)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = res.metrics
    summary = Table(title="balance" + (" (dry run: nothing written)" if dry_run else ""))
    summary.add_column("measure")
    summary.add_column("value", justify="right")
    for key in (
        "n_in",
        "n_prompts",
        "mean_words_en",
        "median_words_en",
        "mean_chars_zh",
        "zh_share",
        "cells_at_min",
        "min_cell_count",
        "max_source_share",
        "max_source",
    ):
        summary.add_row(key, str(m[key]))
    summary.add_row("dropped", json.dumps(m["dropped"]))
    summary.add_row("per source", json.dumps(m["per_source"]))
    console.print(summary)
    if m["source_cap_unmet"]:
        console.print(
            f"[yellow]sources above the cap (capping them would push cells below {min_per_cell}): {m['source_cap_unmet']}"
        )
    if m["cells_below_min"]:
        console.print(f"[yellow]{m['cells_below_min']} cells below {min_per_cell} (smallest: {m['min_cell_count']})")
    if dry_run:
        return
    with atomic_outputs() as w:
        w.parquet(res.prompts, out_dir / "prompts.parquet")
        w.path_text(
            out_dir / "prompts.jsonl", res.prompts[JSONL_COLUMNS].to_json(orient="records", lines=True, force_ascii=False)
        )
        w.parquet(res.drops, out_dir / "dropped.parquet")
        w.json(m, metrics)
        for name, table in plot_tables(res.prompts).items():
            w.csv(table, plots / f"{name}.csv")


if __name__ == "__main__":
    app()
