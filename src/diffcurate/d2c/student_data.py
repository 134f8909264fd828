"""What a D2C student trains on: the subset's original images (no flipped copies, corpus order)
and labels, attach's per-class text tokens, and (for REPA) attach's visual tokens row for row
with the images, plus a digest of all of it that the train stage stores with its checkpoint
(another subset or other tokens never resume it). Each input is checked, with a named error when
a file is absent or the pieces do not fit together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file

from diffcurate.d2c.attach import read_subset_rows
from diffcurate.d2c.encode import load_encoded
from diffcurate.errors import DiffcurateError, InputError

TEXT_TOKENS = "text.safetensors"  # attach: per-class prompt tokens ("tokens" (C, L, D), "mask" (C, L))
VISUAL_TOKENS = "visual.safetensors"  # attach: per-row visual tokens ("index" (N,), "tokens" (N, T, Dv))
DIGEST_CHARS = 16


class MissingTokens(DiffcurateError, FileNotFoundError):
    """attach's text tokens are not there (attach has not run)."""


class MissingVisualTokens(DiffcurateError):
    """REPA needs visual tokens for every training row, and attach wrote none or not all."""


class SubsetError(InputError):
    """The subset names corpus rows the encoded corpus does not have."""


def data_digest(index: np.ndarray, text: dict[str, np.ndarray], visual: torch.Tensor | None) -> str:
    """What a student is trained on: its corpus rows, the text tokens and mask, the visual tokens."""
    h = hashlib.sha256(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    for arr in (text["tokens"], text["mask"], None if visual is None else visual.numpy()):
        if arr is not None:
            h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:DIGEST_CHARS]


def read_text_tokens(attach: Path | str) -> dict[str, np.ndarray]:
    """attach's per-class text tokens and mask."""
    path = Path(attach) / TEXT_TOKENS
    if not path.is_file():
        raise MissingTokens(f"{Path(attach)}: no {TEXT_TOKENS} (run the attach stage first)")
    return load_file(str(path))


def align_visual_tokens(attach: Path | str, index: np.ndarray) -> torch.Tensor:
    """attach's visual tokens (N, T, Dv) in the order of the corpus rows `index` (REPA pairs each
    training image with its own tokens)."""
    path = Path(attach) / VISUAL_TOKENS
    if not path.is_file():
        raise MissingVisualTokens(
            f"{Path(attach)}: no {VISUAL_TOKENS} (attach.visual_encoder none?); REPA needs them, or set --proj-coeff 0"
        )
    vis = load_file(str(path))
    pos = {int(i): k for k, i in enumerate(vis["index"])}
    missing = [int(i) for i in index if int(i) not in pos]
    if missing:
        raise MissingVisualTokens(f"{path} has no tokens for corpus rows {missing[:5]}… (re-run attach)")
    return torch.from_numpy(vis["tokens"][[pos[int(i)] for i in index]])


@dataclass(frozen=True)
class StudentData:
    x: torch.Tensor  # (N, C, H, W) in the model's range
    y: torch.Tensor  # (N,) labels
    index: np.ndarray  # (N,) corpus rows
    text: dict[str, np.ndarray]  # attach's per-class "tokens" (C, L, D) and "mask" (C, L)
    visual: torch.Tensor | None  # (N, T, Dv), row for row with x; None without REPA
    meta: dict  # the encoded corpus' meta.json
    digest: str  # data_digest of all of the above

    @property
    def extras(self) -> dict[str, torch.Tensor]:
        """Per-sample tensors the training loop indexes like x (REPA's visual tokens)."""
        return {} if self.visual is None else {"visual": self.visual}


def load_student_data(encoded: Path | str, subset: Path | str | None, attach: Path | str, visual: bool) -> StudentData:
    """The subset's original images (the full corpus when `subset` is empty) with attach's text
    tokens and, with `visual`, their visual tokens row for row."""
    rows = read_subset_rows(subset) if subset else None
    data = load_encoded(Path(encoded), rows=rows)
    if rows is not None:
        absent = np.setdiff1d(rows, data.index)
        if len(absent):
            raise SubsetError(
                f"{subset}: {len(absent)} rows not in the encoded corpus {encoded}, e.g. index {absent[:5].tolist()} "
                "(run select on this corpus again)"
            )
    data = data.unflipped()
    text = read_text_tokens(attach)
    tokens = align_visual_tokens(attach, data.index) if visual else None
    return StudentData(data.x, data.labels, data.index, text, tokens, data.meta, data_digest(data.index, text, tokens))
