"""`features` stage: one shared feature space for herding / K-Center (EfficientNet-Lite0 pooled, or DINOv2's CLS).

    python stages/features.py --encoded data/encoded --out data/features/features.npy [--resolution 32]

Options default to the `features` section of params.yaml.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.encode import load_encoded, read_meta
from diffcurate.d2c.features import FeatureEncoder, NoPixels, pooled_features
from diffcurate.d2c.runtime import set_threads
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("features", __file__)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False, help="Encoded corpus (encode's output).")] = Path(
        "data/encoded"
    ),
    out: Annotated[Path, typer.Option(help="(N, D) float32 .npy, rows in corpus order.")] = Path("data/features/features.npy"),
    encoder: Annotated[FeatureEncoder, typer.Option(help="efficientnet-lite0 (offline) or dinov2 (needs its weights).")] = P(
        "encoder", FeatureEncoder
    ),
    model: Annotated[str, typer.Option(help="dinov2: Hub repo or local folder.")] = P("model"),
    revision: Annotated[str, typer.Option(help="dinov2: Hub revision (resolved to a commit).")] = P("revision"),
    resolution: Annotated[int, typer.Option(min=14, help="Input side (EfficientNet-Lite0: 32+; DINOv2: a multiple of 14).")] = P(
        "resolution"
    ),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (shape, timing).")] = Path("metrics/features.json"),
) -> None:
    """Compute pooled features of every (unflipped) sample, in corpus order."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        if read_meta(encoded)["space"] != "pixels":
            raise NoPixels(f"{encoded}: a latent corpus; features are computed from pixels, which it does not keep")
        x = load_encoded(encoded).unflipped().x
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"features ({encoder.value})", total=len(x))
            feats = pooled_features(
                x,
                resolution,
                encoder=encoder,
                model=model,
                revision=revision,
                progress=lambda done: bar.update(task, completed=done),
            )
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    seconds = time.perf_counter() - t0
    m = {"encoder": encoder.value, "resolution": resolution, "n": len(feats), "dim": int(feats.shape[1]),
         "seconds": round(seconds, 2), "images_per_s": round(len(feats) / seconds, 1)}  # fmt: skip
    with atomic_outputs() as w:
        with open(w.path(out), "wb") as fh:  # np.save(path) would append ".npy" to the temporary name
            np.save(fh, feats.astype(np.float32))
        w.json(m, metrics)
    console.print(f"features: {feats.shape} in {seconds:.1f} s")


if __name__ == "__main__":
    app()
