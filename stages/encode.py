"""`encode` stage: the image corpus as training tensors in safetensors shards (resumable).

    python stages/encode.py --kind fashion-mnist --out data/encoded
    python stages/encode.py --kind imagefolder --root /data/imagenet/train --resolution 256 --out data/encoded

Options default to the `corpus` and `encode` sections of params.yaml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.encode import EncodeConfig, encode_corpus
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
C = stage_defaults("corpus", __file__)
P = stage_defaults("encode", __file__)
METRICS = ("kind", "n_images", "n_rows", "space", "shape", "dtype", "channel_mean", "channel_std", "shards_written", "shards_reused",
           "seconds", "vae_commit")  # fmt: skip


@app.command()
def main(
    kind: Annotated[CorpusKind, typer.Option(help="Registered corpus.")] = C("kind", CorpusKind),
    root: Annotated[str, typer.Option(help="Corpus folder; empty: the corpus' default (Fashion-MNIST: the Debian package).")] = C(
        "root"
    ),
    split: Annotated[str, typer.Option(help="fashion-mnist: train or test.")] = C("split"),
    resolution: Annotated[int, typer.Option(min=8, help="imagefolder: ADM centre-crop size (256 / 512).")] = C("resolution"),
    limit: Annotated[int, typer.Option(min=0, help="Use only the first N images (0: all).")] = C("limit"),
    out: Annotated[Path, typer.Option(help="Shard folder (shard_*.safetensors, meta.json).")] = Path("data/encoded"),
    shard_size: Annotated[int, typer.Option(min=1, help="Images per shard (the unit of resume).")] = P("shard_size"),
    vae: Annotated[str, typer.Option(help="imagefolder: AutoencoderKL Hub repo or local folder.")] = P("vae"),
    vae_revision: Annotated[str, typer.Option(help="Hub revision (a branch is resolved to its commit and recorded).")] = P(
        "vae_revision"
    ),
    batch_size: Annotated[int, typer.Option(min=1, help="imagefolder: images per VAE forward pass.")] = P("batch_size"),
    flip: Annotated[bool, typer.Option("--flip/--no-flip", help="imagefolder: also encode the horizontal flip.")] = True,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1 …")] = P("device"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (counts, channel statistics, timing).")] = Path(
        "metrics/encode.json"
    ),
) -> None:
    """Encode the corpus."""
    try:
        corpus = load_corpus(kind, root, split=split, resolution=resolution, limit=limit)
        cfg = EncodeConfig(
            shard_size=shard_size, vae=vae, vae_revision=vae_revision, batch_size=batch_size, flip=flip, device=device
        )
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(f"encode {kind.value}", total=len(corpus))
            meta = encode_corpus(corpus, out, cfg, progress=lambda done, total: bar.update(task, completed=done))
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = {k: meta[k] for k in METRICS}
    m["images_per_s"] = round(meta["n_images"] / meta["seconds"], 1) if meta["shards_written"] and meta["seconds"] else None
    with atomic_outputs() as w:
        w.json(m, metrics)
    console.print(
        f"encode: {m['n_images']} images → {m['n_rows']} rows {m['shape']} ({m['space']}), "
        f"{m['shards_written']} shards written, {m['shards_reused']} reused, {m['seconds']} s"
    )


if __name__ == "__main__":
    app()
