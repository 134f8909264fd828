"""`attach` stage: text embeddings of the class prompts and visual patch tokens of the selected images.

    python stages/attach.py --encoded data/encoded --subset data/subset/subset.parquet --out data/attach \
        [--text-encoder minilm|t5] [--visual-encoder efficientnet-lite0|dinov2] [--text-tokens 16] [--model DiT-T/4]

Visual tokens match the diffusion transformer's token count (from --model). Stored as
safetensors beside the subset, so training never runs the encoders.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from safetensors.numpy import save_file

from diffcurate.d2c.attach import TextEncoder, VisualEncoder, subset_pixels, text_tokens, visual_tokens
from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.dit import DIT_CONFIGS, DiTConfig
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.checkpoints import set_threads

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("data/encoded"),
    subset: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path("data/subset/subset.parquet"),
    out: Annotated[Path, typer.Option(help="Folder for text.safetensors and visual.safetensors.")] = Path("data/attach"),
    model: Annotated[str, typer.Option(help=f"The student's DiT size (sets the visual token count): {', '.join(DIT_CONFIGS)}.")] = "DiT-T/4",
    text_encoder: Annotated[TextEncoder, typer.Option()] = TextEncoder.MINILM,
    text_model: Annotated[str, typer.Option(help="Override: a local folder or Hub repo (t5 default google/t5-v1_1-xl).")] = "",
    text_tokens_n: Annotated[int, typer.Option("--text-tokens", min=1, help="Tokens kept per prompt.")] = 16,
    visual_encoder: Annotated[VisualEncoder, typer.Option()] = VisualEncoder.EFFICIENTNET_LITE0,
    visual_model: Annotated[str, typer.Option(help="dinov2: local folder or Hub repo (default facebook/dinov2-base).")] = "",
    revision: Annotated[str, typer.Option(help="Hub revision for T5 / DINOv2 (resolved to a commit).")] = "main",
    kind: Annotated[CorpusKind, typer.Option(help="Latent corpora only: the corpus the latents came from (its images feed the vision encoder).")] = CorpusKind.FASHION_MNIST,
    root: Annotated[str, typer.Option(help="Latent corpora only: the corpus root.")] = "",
    resolution: Annotated[int, typer.Option(min=8, help="Latent corpora only: the ADM crop size used by encode.")] = 256,
    limit: Annotated[int, typer.Option(min=0, help="Latent corpora only: the limit used by encode.")] = 0,
    threads: Annotated[int, typer.Option(min=0)] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/attach.json"),
) -> None:
    """Attach text and visual information to the subset."""
    set_threads(threads)
    t0 = time.perf_counter()
    if model not in DIT_CONFIGS:
        console.print(f"[bold red]error:[/bold red] unknown model {model!r}; expected one of {list(DIT_CONFIGS)}")
        raise typer.Exit(1)
    try:
        rows = pd.read_parquet(subset)["index"].to_numpy()
        data = load_encoded(encoded, rows=rows)
    except (FileNotFoundError, KeyError) as exc:
        console.print(f"[bold red]error:[/bold red] {exc}")
        raise typer.Exit(1) from None
    keep = data.flip == 0
    order = np.argsort(data.index[keep], kind="stable")
    x = data.x[np.flatnonzero(keep)[order]]
    index = data.index[keep][order]
    if data.meta["space"] != "pixels" and visual_encoder is not VisualEncoder.NONE:  # latents: the vision encoder reads the images
        try:
            corpus = load_corpus(kind, root, resolution=resolution, limit=limit)
            x = subset_pixels(corpus, index, data.meta["ids"])
        except (ValueError, FileNotFoundError) as exc:
            console.print(f"[bold red]error:[/bold red] {exc}")
            raise typer.Exit(1) from None
    prompts = data.meta["class_prompts"]
    text, mask, text_origin = text_tokens(prompts, text_encoder, text_tokens_n, text_model, revision)
    out.mkdir(parents=True, exist_ok=True)
    save_file({"tokens": np.ascontiguousarray(text), "mask": mask}, str(out / "text.safetensors"), metadata={"prompts": json.dumps(prompts)})
    visual_shape = None
    (out / "visual.safetensors").unlink(missing_ok=True)
    if visual_encoder is not VisualEncoder.NONE:
        n_tokens = DiTConfig(name=model, input_size=data.meta["shape"][1]).tokens
        visual = visual_tokens(x, n_tokens, visual_encoder, visual_model, revision)
        # float16 on disk (half the size; training computes the cosine in float32).
        save_file({"tokens": np.ascontiguousarray(visual.astype(np.float16)), "index": index.astype(np.int64)}, str(out / "visual.safetensors"))
        visual_shape = list(visual.shape)
    m = {"text_encoder": text_encoder.value, "text_model": text_origin, "text_shape": list(text.shape), "visual_encoder": visual_encoder.value,
         "visual_shape": visual_shape, "n_images": len(index), "seconds": round(time.perf_counter() - t0, 2)}
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    console.print(f"attach: text {m['text_shape']}, visual {m['visual_shape']} in {m['seconds']} s")


if __name__ == "__main__":
    app()
