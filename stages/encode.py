"""`encode` stage: the image corpus as training tensors in safetensors shards (resumable).

    python stages/encode.py --kind fashion-mnist --out data/encoded
    python stages/encode.py --kind imagefolder --root /data/imagenet/train --resolution 256 --out data/encoded

Options mirror the `corpus` and `encode` sections of params.yaml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.encode import EncodeConfig, encode_corpus

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    kind: Annotated[CorpusKind, typer.Option(help="Registered corpus.")] = CorpusKind.FASHION_MNIST,
    root: Annotated[str, typer.Option(help="Corpus folder; empty: the corpus' default (Fashion-MNIST: the Debian package).")] = "",
    split: Annotated[str, typer.Option(help="fashion-mnist: train or test.")] = "train",
    resolution: Annotated[int, typer.Option(min=8, help="imagefolder: ADM centre-crop size (256 / 512).")] = 256,
    limit: Annotated[int, typer.Option(min=0, help="Use only the first N images (0: all).")] = 0,
    out: Annotated[Path, typer.Option(help="Shard folder.")] = Path("data/encoded"),
    shard_size: Annotated[int, typer.Option(min=1)] = 10_000,
    vae: Annotated[str, typer.Option(help="imagefolder: AutoencoderKL Hub repo or local folder.")] = "stabilityai/sd-vae-ft-ema",
    vae_revision: Annotated[str, typer.Option(help="Hub revision (a branch is resolved to its commit and recorded).")] = "main",
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    flip: Annotated[bool, typer.Option("--flip/--no-flip", help="imagefolder: also encode the horizontal flip.")] = True,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1 …")] = "cpu",
    metrics: Annotated[Path, typer.Option()] = Path("metrics/encode.json"),
) -> None:
    """Encode the corpus."""
    try:
        corpus = load_corpus(kind, root, split=split, resolution=resolution, limit=limit)
        cfg = EncodeConfig(shard_size=shard_size, vae=vae, vae_revision=vae_revision, batch_size=batch_size, flip=flip, device=device)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("encode", total=max(1, -(-len(corpus) // shard_size)))
            meta = encode_corpus(corpus, out, cfg, progress=lambda done, total: bar.update(task, completed=done))
    except (ValueError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    m = {k: meta[k] for k in ("kind", "n_images", "n_rows", "space", "shape", "dtype", "channel_mean", "channel_std", "shards_written",
                              "shards_reused", "seconds", "vae_commit")}
    m["images_per_s"] = round(meta["n_images"] / meta["seconds"], 1) if meta["shards_written"] and meta["seconds"] else None
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    console.print(f"encode: {m['n_images']} images → {m['n_rows']} rows {m['shape']} ({m['space']}), "
                  f"{m['shards_written']} shards written, {m['shards_reused']} reused, {m['seconds']} s")


if __name__ == "__main__":
    app()
