"""`refstats` stage: Inception statistics of the reference images, computed once (a DVC output).

    python stages/refstats.py --kind fashion-mnist --split test --n-ref 2000 --out data/eval/ref.npz
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer
from rich.console import Console

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.encode import pad_pixels, to_model_range
from diffcurate.d2c.fid import reference_stats
from diffcurate.d2c.checkpoints import set_threads

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    kind: Annotated[CorpusKind, typer.Option()] = CorpusKind.FASHION_MNIST,
    root: Annotated[str, typer.Option()] = "",
    split: Annotated[str, typer.Option(help="The held-out split the samples are compared with.")] = "test",
    n_ref: Annotated[int, typer.Option(min=10, help="Reference images (the first N of the split).")] = 2000,
    out: Annotated[Path, typer.Option()] = Path("data/eval/ref.npz"),
    threads: Annotated[int, typer.Option(min=0)] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/refstats.json"),
) -> None:
    """Compute the reference Inception features and statistics."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        corpus = load_corpus(kind, root, split=split, limit=n_ref)
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    if kind is not CorpusKind.FASHION_MNIST:
        console.print("[bold red]error:[/bold red] refstats here reads pixel corpora (imagefolder: use the ADM reference batches on GPU)")
        raise typer.Exit(1)
    images = np.stack([img for _, img in corpus.images(0, len(corpus))])
    x = torch.from_numpy(to_model_range(pad_pixels(images)))
    ref = reference_stats(x)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as fh:  # np.savez(path) would append ".npz" to other names
        np.savez(fh, **ref)
    m = {"kind": kind.value, "split": split, "n_ref": len(ref["features"]), "seconds": round(time.perf_counter() - t0, 2)}
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    console.print(f"refstats: {m['n_ref']} {split} images in {m['seconds']} s")


if __name__ == "__main__":
    app()
