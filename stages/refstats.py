"""`refstats` stage: Inception statistics of the reference images, computed once (a DVC output).

    python stages/refstats.py --kind fashion-mnist --split test --n-ref 2000 --out data/eval/ref.npz

Options default to the `refstats` section of params.yaml (`--kind`, `--root`: `corpus`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.datafid import stratified_pool
from diffcurate.d2c.encode import corpus_pixels
from diffcurate.d2c.fid import ReferenceStatsError, inception_outputs, reference_stats
from diffcurate.d2c.runtime import set_threads
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("refstats", __file__)
C = stage_defaults("corpus", __file__)


@app.command()
def main(
    kind: Annotated[CorpusKind, typer.Option(help="The corpus the samples imitate (pixel corpora only).")] = C(
        "kind", CorpusKind
    ),
    root: Annotated[str, typer.Option(help="Corpus folder; empty: the corpus' default.")] = C("root"),
    split: Annotated[str, typer.Option(help="The held-out split the samples are compared with.")] = P("split"),
    n_ref: Annotated[int, typer.Option(min=10, help="Reference images (the first N of the split).")] = P("n_ref"),
    out: Annotated[Path, typer.Option(help="Reference statistics .npz (pool features, both Gaussians).")] = Path(
        "data/eval/ref.npz"
    ),
    pool_per_class: Annotated[
        int,
        typer.Option(
            min=0, help="Training images per class whose Inception features select's data-FID null draws from (0: none)."
        ),
    ] = P("pool_per_class"),
    seed: Annotated[int, typer.Option(help="Seed of the pool's draw.")] = P("seed"),
    pool: Annotated[Path, typer.Option(help="The pool's .npz (corpus rows, labels, Inception features).")] = Path(
        "data/eval/pool.npz"
    ),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (count, timing).")] = Path("metrics/refstats.json"),
) -> None:
    """Compute the reference Inception features and statistics."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        corpus = load_corpus(kind, root, split=split, limit=n_ref)
        if kind is not CorpusKind.FASHION_MNIST:
            raise ReferenceStatsError("refstats here reads pixel corpora (imagefolder: use the ADM reference batches on GPU)")
        x = corpus_pixels(corpus)
        train = load_corpus(kind, root, split="train")
        labels = np.asarray(train.labels)
        rows = stratified_pool(labels, pool_per_class, seed) if pool_per_class else np.zeros(0, np.int64)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("Inception features", total=len(x) + len(rows))
            ref = reference_stats(x, progress=lambda done: bar.update(task, completed=done))
            if len(rows):
                feats, _ = inception_outputs(
                    corpus_pixels(train)[torch.from_numpy(rows)], progress=lambda done: bar.update(task, completed=len(x) + done)
                )
            else:
                feats = np.zeros((0, ref["features"].shape[1]))
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = {
        "kind": kind.value,
        "split": split,
        "n_ref": len(ref["features"]),
        "pool": len(rows),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    with atomic_outputs() as w:
        with open(w.path(out), "wb") as fh:  # np.savez(path) would append ".npz" to the temporary name
            np.savez(fh, **ref)
        with open(w.path(pool), "wb") as fh:
            np.savez(fh, rows=rows.astype(np.int64), labels=labels[rows].astype(np.int64), features=feats.astype(np.float32))
        w.json(m, metrics)
    console.print(f"refstats: {m['n_ref']} {split} images in {m['seconds']} s")


if __name__ == "__main__":
    app()
