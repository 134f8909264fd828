"""`features` stage: one shared feature space for herding / K-Center (EfficientNet-Lite0 pooled, or DINOv2's CLS).

    python stages/features.py --encoded data/encoded --out data/features/features.npy [--resolution 32]
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

from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.features import DINOV2_DEFAULT, FeatureEncoder, pooled_features
from diffcurate.d2c.checkpoints import set_threads

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/encoded"),
    out: Annotated[Path, typer.Option(help="(N, 1280) float32 .npy, rows in corpus order.")] = Path("data/features/features.npy"),
    encoder: Annotated[FeatureEncoder, typer.Option(help="efficientnet-lite0 (offline) or dinov2 (needs its weights).")] = FeatureEncoder.EFFICIENTNET_LITE0,
    model: Annotated[str, typer.Option(help="dinov2: Hub repo or local folder.")] = DINOV2_DEFAULT,
    revision: Annotated[str, typer.Option(help="dinov2: Hub revision (resolved to a commit).")] = "main",
    resolution: Annotated[int, typer.Option(min=14, help="Input side (EfficientNet-Lite0: 32+; DINOv2: a multiple of 14).")] = 32,
    threads: Annotated[int, typer.Option(min=0)] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/features.json"),
) -> None:
    """Compute pooled EfficientNet-Lite0 features of every (unflipped) sample."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        data = load_encoded(encoded)
    except FileNotFoundError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    if data.meta["space"] != "pixels":
        console.print("[bold red]error:[/bold red] features are computed from pixels; a latent corpus keeps no pixels here")
        raise typer.Exit(1)
    keep = data.flip == 0
    order = np.argsort(data.index[keep], kind="stable")
    x = data.x[torch.from_numpy(np.flatnonzero(keep)[order])]
    feats = pooled_features(x, resolution, encoder=encoder, model=model, revision=revision)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, feats.astype(np.float32))
    seconds = time.perf_counter() - t0
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps({"encoder": encoder.value, "resolution": resolution, "n": len(feats), "dim": int(feats.shape[1]),
                                   "seconds": round(seconds, 2), "images_per_s": round(len(feats) / seconds, 1)}, indent=2) + "\n")
    console.print(f"features: {feats.shape} in {seconds:.1f} s")


if __name__ == "__main__":
    app()
