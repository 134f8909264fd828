"""`dashboard` stage: one self-contained reports/dashboard.html to inspect the final prompt dataset.

    python stages/dashboard.py --input data/prompts/prompts.parquet --dataset-metrics metrics/dataset.json \
        --output reports/dashboard.html

Open the file from disk: data, styles and scripts are embedded (no server, no CDN).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from diffcurate.cli import read_input
from diffcurate.dashboard import render
from diffcurate.errors import DiffcurateError, InputError
from diffcurate.io import atomic_outputs

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The final prompts (balance's output).")] = Path(
        "data/prompts/prompts.parquet"
    ),
    dataset_metrics: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="balance's metrics (min_per_cell).")] = Path(
        "metrics/dataset.json"
    ),
    output: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("reports/dashboard.html"),
    title: Annotated[str, typer.Option(help="Page title.")] = "diffcurate prompt dataset",
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write (size, prompts, seconds).")] = Path(
        "metrics/dashboard.json"
    ),
) -> None:
    """Write the dashboard."""
    t0 = time.perf_counter()
    try:
        prompts = read_input(input)
        try:
            dataset = json.loads(dataset_metrics.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{dataset_metrics}: not valid JSON ({exc})") from None
        page = render(prompts, {**dataset, "title": title})
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    with atomic_outputs() as w:
        w.path_text(output, page)
        w.json({"n_prompts": len(prompts), "bytes": len(page.encode()), "seconds": round(time.perf_counter() - t0, 3)}, metrics)
    console.print(f"dashboard: {output} ({len(page.encode()) / 1e6:.1f} MB, {len(prompts)} prompts)")


if __name__ == "__main__":
    app()
