"""`attach` stage: text embeddings of the class prompts and visual patch tokens of the selected images.

    python stages/attach.py --encoded data/encoded --subset data/subset/subset.parquet --out data/attach \
        [--text-encoder minilm|t5] [--visual-encoder efficientnet-lite0|dinov2] [--text-tokens 16] [--model DiT-T/4]

Visual tokens match the diffusion transformer's token count (from --model). Stored as
safetensors beside the subset, so training never runs the encoders. Options default to the
`attach` section of params.yaml (`--model`: train.model; the corpus options: `corpus`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress
from safetensors.numpy import save_file

from diffcurate.d2c.attach import (
    AttachError,
    TextEncoder,
    VisualEncoder,
    read_subset_rows,
    subset_pixels,
    text_tokens,
    visual_tokens,
)
from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.dit import DIT_CONFIGS, DiTConfig
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.runtime import set_threads
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("attach", __file__)
C = stage_defaults("corpus", __file__)
T = stage_defaults("train", __file__)  # the student's model size sets the visual token count
TEXT, VISUAL = "text.safetensors", "visual.safetensors"


@app.command()
def main(
    encoded: Annotated[Path, typer.Option(exists=True, file_okay=False, help="Encoded corpus (encode's output).")] = Path(
        "data/encoded"
    ),
    subset: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The selected subset (select's output).")] = Path(
        "data/subset/subset.parquet"
    ),
    out: Annotated[Path, typer.Option(help=f"Folder for {TEXT} and {VISUAL}.")] = Path("data/attach"),
    model: Annotated[
        str, typer.Option(help=f"The student's DiT size (sets the visual token count): {', '.join(DIT_CONFIGS)}.")
    ] = T("model"),
    text_encoder: Annotated[TextEncoder, typer.Option(help="minilm (offline) or t5 (google/t5-v1_1-xl).")] = P(
        "text_encoder", TextEncoder
    ),
    text_model: Annotated[str, typer.Option(help="Override: a local folder or Hub repo (t5 default google/t5-v1_1-xl).")] = P(
        "text_model"
    ),
    text_tokens_n: Annotated[int, typer.Option("--text-tokens", min=1, help="Tokens kept per prompt.")] = P("text_tokens"),
    visual_encoder: Annotated[VisualEncoder, typer.Option(help="efficientnet-lite0 (offline), dinov2, or none (no REPA).")] = P(
        "visual_encoder", VisualEncoder
    ),
    visual_model: Annotated[str, typer.Option(help="dinov2: local folder or Hub repo (default facebook/dinov2-base).")] = P(
        "visual_model"
    ),
    revision: Annotated[str, typer.Option(help="Hub revision for T5 / DINOv2 (resolved to a commit).")] = P("revision"),
    kind: Annotated[
        CorpusKind,
        typer.Option(help="Latent corpora only: the corpus the latents came from (its images feed the vision encoder)."),
    ] = C("kind", CorpusKind),
    root: Annotated[str, typer.Option(help="Latent corpora only: the corpus root.")] = C("root"),
    resolution: Annotated[int, typer.Option(min=8, help="Latent corpora only: the ADM crop size used by encode.")] = C(
        "resolution"
    ),
    limit: Annotated[int, typer.Option(min=0, help="Latent corpora only: the limit used by encode.")] = C("limit"),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (encoders, shapes, timing).")] = Path("metrics/attach.json"),
) -> None:
    """Attach text and visual information to the subset."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        if model not in DIT_CONFIGS:
            raise AttachError(f"unknown model {model!r}; expected one of {list(DIT_CONFIGS)}")
        # The subset's original images (no flipped copies), in corpus order.
        data = load_encoded(encoded, rows=read_subset_rows(subset)).unflipped()
        x, index = data.x, data.index
        with Progress(console=console, transient=True) as bar:
            # Latents: the vision encoder reads the corpus' images.
            if data.meta["space"] != "pixels" and visual_encoder is not VisualEncoder.NONE:
                corpus = load_corpus(kind, root, resolution=resolution, limit=limit)
                task = bar.add_task("read the subset's images", total=len(index))
                x = subset_pixels(corpus, index, data.meta["ids"], progress=lambda done: bar.update(task, completed=done))
            prompts = data.meta["class_prompts"]
            task = bar.add_task(f"text tokens ({text_encoder.value})", total=None)
            text, mask, text_origin = text_tokens(prompts, text_encoder, text_tokens_n, text_model, revision)
            bar.update(task, total=1, completed=1)
            visual = None
            if visual_encoder is not VisualEncoder.NONE:
                n_tokens = DiTConfig(name=model, input_size=data.meta["shape"][1]).tokens
                task = bar.add_task(f"visual tokens ({visual_encoder.value})", total=len(x))
                visual = visual_tokens(
                    x, n_tokens, visual_encoder, visual_model, revision, progress=lambda done: bar.update(task, completed=done)
                )
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    m = {"text_encoder": text_encoder.value, "text_model": text_origin, "text_shape": list(text.shape), "visual_encoder": visual_encoder.value,
         "visual_shape": list(visual.shape) if visual is not None else None, "n_images": len(index),
         "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip
    with atomic_outputs() as w:
        save_file(
            {"tokens": np.ascontiguousarray(text), "mask": mask},
            str(w.path(out / TEXT)),
            metadata={"prompts": json.dumps(prompts)},
        )
        if visual is not None:
            # float16 on disk (half the size; training computes the cosine in float32).
            tokens = np.ascontiguousarray(visual.astype(np.float16))
            save_file({"tokens": tokens, "index": index.astype(np.int64)}, str(w.path(out / VISUAL)))
        w.json(m, metrics)
    if visual is None:
        (out / VISUAL).unlink(missing_ok=True)  # from an earlier run with a vision encoder
    console.print(f"attach: text {m['text_shape']}, visual {m['visual_shape']} in {m['seconds']} s")


if __name__ == "__main__":
    app()
