"""`download` stage: fetch the 9 prompt sources (or read a mirror) into one normalized table.

    python stages/download.py --out data/raw [--mirror DIR] [--on-unavailable fail|skip] ...

Options mirror the `download` section of params.yaml one to one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from diffcurate.download import MIRROR_ENV, DownloadConfig, run_download
from diffcurate.errors import ConfigError, DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.neardup import NearDupConfig
from diffcurate.params import stage_defaults
from diffcurate.schemas import NearDupAction, OnUnavailable, VerifyMode
from diffcurate.sources import parse_source_list

P = stage_defaults("download", __file__)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


def _sources(value: str) -> str:
    try:
        parse_source_list(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="Output folder for prompts.parquet and rejected.parquet.")] = Path("data/raw"),
    sources: Annotated[str, typer.Option(callback=_sources, help="Comma-separated source names (blog order).")] = P("sources"),
    mirror: Annotated[
        str, typer.Option(help=f"Mirror folder to read instead of the network; empty: ${MIRROR_ENV}, else network.")
    ] = P("mirror"),
    on_unavailable: Annotated[OnUnavailable, typer.Option(help="What to do with a source that cannot be fetched.")] = P(
        "on_unavailable", OnUnavailable
    ),
    verify: Annotated[
        VerifyMode, typer.Option(help="A published file whose sha256 is not the pinned one: strict fails, warn records it.")
    ] = P("verify", VerifyMode),
    min_words: Annotated[int, typer.Option(min=0, help="Drop English prompts with fewer words.")] = P("min_words"),
    min_chars_zh: Annotated[int, typer.Option(min=0, help="Drop Chinese prompts with fewer characters.")] = P("min_chars_zh"),
    near_dup_threshold: Annotated[float, typer.Option(min=0.0, max=1.0, help="Estimated Jaccard for near-duplicates.")] = P(
        "near_dup.threshold"
    ),
    near_dup_num_perm: Annotated[int, typer.Option(min=8, help="MinHash permutations.")] = P("near_dup.num_perm"),
    near_dup_bands: Annotated[int, typer.Option(min=1, help="LSH bands (num_perm must be a multiple).")] = P("near_dup.bands"),
    near_dup_ngram: Annotated[int, typer.Option(min=1, help="Token n-gram size of shingles.")] = P("near_dup.ngram"),
    near_dup_action: Annotated[
        NearDupAction, typer.Option(help="report: flag near-duplicates; drop: move them to rejected.")
    ] = P("near_dup.action", NearDupAction),
    seed: Annotated[int, typer.Option(help="Seed of the MinHash permutations.")] = P("seed"),
    cache_dir: Annotated[Path, typer.Option(help="Where network downloads are kept.")] = Path("data/cache/downloads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON to write.")] = Path("metrics/download.json"),
    plots: Annotated[Path, typer.Option(help="Folder for plot data (CSV) DVC renders.")] = Path("plots/download"),
) -> None:
    """Fetch, clean and de-duplicate the prompt sources."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    mirror_dir = mirror or os.environ.get(MIRROR_ENV, "")
    try:
        cfg = DownloadConfig(
            sources=parse_source_list(sources),
            mirror=Path(mirror_dir) if mirror_dir else None,
            on_unavailable=on_unavailable,
            min_words=min_words,
            min_chars_zh=min_chars_zh,
            near_dup=NearDupConfig(near_dup_threshold, near_dup_num_perm, near_dup_bands, near_dup_ngram, seed),
            near_dup_action=near_dup_action,
            verify=verify,
            cache_dir=cache_dir,
        )
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    if cfg.mirror is not None and not cfg.mirror.is_dir():
        what = "is not a folder" if cfg.mirror.exists() else "does not exist"
        console.print(f"[bold red]error:[/bold red] mirror folder {cfg.mirror} {what}", soft_wrap=True)
        raise typer.Exit(2)
    console.print(f"download: {'mirror ' + str(cfg.mirror) if cfg.mirror else 'network'}; {len(cfg.sources)} sources")

    def report(name, status):
        style = "bold red" if status.startswith("SKIPPED") else "green"
        console.print(f"  [{style}]{name.value:<15} {status}[/{style}]")

    try:
        result = run_download(cfg, on_source=report)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None

    if result.metrics["skipped"]:
        console.rule("[bold red]SOURCES SKIPPED")
        for name, why in result.metrics["skipped_reasons"].items():
            console.print(f"[bold red]  {name}: {why}")
        console.rule()
    if result.metrics["verify"]["mismatches"]:
        console.rule("[bold red]PUBLISHED FILES NOT AS PINNED (verify: warn)")
        for bad in result.metrics["verify"]["mismatches"]:
            console.print(
                f"[bold red]  {bad['source']}: {bad['file']} sha256 {bad['sha256']}, pinned {bad['expected']}", soft_wrap=True
            )
        console.rule()

    with atomic_outputs() as w:
        w.parquet(result.prompts, out / "prompts.parquet")
        w.parquet(result.rejected, out / "rejected.parquet")
        w.json(result.metrics, metrics)
        w.csv(result.per_source, plots / "sources.csv")
    m = result.metrics
    console.print(
        f"kept {m['n_prompts']} prompts (en {m['language']['en']}, zh {m['language']['zh']}), "
        f"rejected {m['n_rejected']} {m['dropped']}, near-duplicates flagged {m['near_duplicates']['flagged']}, "
        f"{m['elapsed_s']['total']:.1f}s"
    )


if __name__ == "__main__":
    app()
