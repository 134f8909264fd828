"""What a D2C student trains on: the subset's original images (no flipped copies) and labels,
attach's per-class text tokens, and (for REPA) attach's visual tokens row for row with the images,
plus a digest of all of it that the train stage stores with its checkpoint (other images, another
subset or other tokens never resume it). Each input is checked, with a named error when a file is
absent, empty, cut short or corrupt, or the pieces do not fit together.

The rows are in class-major order (by label, then corpus row): two subsets with the same number of
images per class put the same class at every row. The training loop draws batch *positions*, t
and ε from the seed alone, so two selection methods trained with one seed see the same classes,
noise levels and noise at every step and differ only in which image of the class sits at a row
(the grid's paired comparisons rely on it; tests/test_d2c_pairing.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file

from diffcurate.d2c.attach import read_subset_rows
from diffcurate.d2c.encode import Encoded, load_encoded
from diffcurate.d2c.training import array_digest
from diffcurate.errors import DiffcurateError, InputError

TEXT_TOKENS = "text.safetensors"  # attach: per-class prompt tokens ("tokens" (C, L, D), "mask" (C, L))
VISUAL_TOKENS = "visual.safetensors"  # attach: per-row visual tokens ("index" (N,), "tokens" (N, T, Dv))


class MissingTokens(DiffcurateError, FileNotFoundError):
    """attach's text tokens are not there (attach has not run)."""


class MissingVisualTokens(DiffcurateError):
    """REPA needs visual tokens for every training row, and attach wrote none or not all."""


class SubsetError(InputError):
    """The subset names corpus rows the encoded corpus does not have."""


class TokenFileError(InputError):
    """A token file of attach is cut short, corrupt, or not shaped as attach writes it."""


def data_digest(
    index: np.ndarray, text: dict[str, np.ndarray], visual: torch.Tensor | None, x: torch.Tensor, y: torch.Tensor
) -> str:
    """What a student is trained on: its corpus rows, images and labels, the text tokens and mask,
    the visual tokens."""
    return array_digest(np.asarray(index, dtype=np.int64), x, y, text["tokens"], text["mask"], visual)


def _read_tokens(path: Path, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    """A safetensors file of attach with `keys`; a named error if it is unreadable (e.g. cut short)."""
    try:
        tensors = load_file(str(path))
    except Exception as exc:  # noqa: BLE001 — safetensors raises its own error types
        raise TokenFileError(f"{path}: not a readable safetensors file ({exc}); re-run the attach stage") from None
    missing = [k for k in keys if k not in tensors]
    if missing:
        raise TokenFileError(f"{path}: no tensors {missing} (expected {', '.join(keys)}); re-run the attach stage")
    return tensors


def read_text_tokens(attach: Path | str) -> dict[str, np.ndarray]:
    """attach's per-class text tokens (C, L, D) and mask (C, L)."""
    path = Path(attach) / TEXT_TOKENS
    if not path.is_file():
        raise MissingTokens(f"{Path(attach)}: no {TEXT_TOKENS} (run the attach stage first)")
    text = _read_tokens(path, ("tokens", "mask"))
    if text["tokens"].ndim != 3 or text["mask"].shape != text["tokens"].shape[:2]:
        raise TokenFileError(
            f"{path}: tokens {list(text['tokens'].shape)} and mask {list(text['mask'].shape)}, "
            "expected (classes, length, width) and (classes, length)"
        )
    return text


def align_visual_tokens(attach: Path | str, index: np.ndarray) -> torch.Tensor:
    """attach's visual tokens (N, T, Dv) in the order of the corpus rows `index` (REPA pairs each
    training image with its own tokens)."""
    path = Path(attach) / VISUAL_TOKENS
    if not path.is_file():
        raise MissingVisualTokens(
            f"{Path(attach)}: no {VISUAL_TOKENS} (attach.visual_encoder none?); REPA needs them, or set --proj-coeff 0"
        )
    vis = _read_tokens(path, ("index", "tokens"))
    if vis["tokens"].ndim != 3 or len(vis["index"]) != len(vis["tokens"]):
        raise TokenFileError(
            f"{path}: index {list(vis['index'].shape)} and tokens {list(vis['tokens'].shape)}, expected (N,) and (N, T, width)"
        )
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


def class_major(data: Encoded) -> Encoded:
    """The rows sorted by label, then corpus row (see the module docstring: paired runs)."""
    order = np.lexsort((data.index, data.labels.numpy()))
    pos = torch.from_numpy(order)
    return replace(data, x=data.x[pos], labels=data.labels[pos], index=data.index[order], flip=data.flip[order])


def load_student_data(encoded: Path | str, subset: Path | str | None, attach: Path | str, visual: bool) -> StudentData:
    """The subset's original images (the full corpus when `subset` is empty), class-major, with
    attach's text tokens and, with `visual`, their visual tokens row for row."""
    rows = read_subset_rows(subset) if subset else None
    data = load_encoded(Path(encoded), rows=rows)
    if rows is not None:
        absent = np.setdiff1d(rows, data.index)
        if len(absent):
            raise SubsetError(
                f"{subset}: {len(absent)} rows not in the encoded corpus {encoded}, e.g. index {absent[:5].tolist()} "
                "(run select on this corpus again)"
            )
    data = class_major(data.unflipped())
    text = read_text_tokens(attach)
    classes = len(data.meta["class_names"])
    if len(text["tokens"]) != classes:
        raise TokenFileError(
            f"{Path(attach) / TEXT_TOKENS}: tokens of {len(text['tokens'])} class prompts, the corpus has {classes} classes "
            "(re-run the attach stage)"
        )
    tokens = align_visual_tokens(attach, data.index) if visual else None
    return student_data(data, text, tokens)


def student_data(data: Encoded, text: dict[str, np.ndarray], visual: torch.Tensor | None) -> StudentData:
    """A student's training data from its pieces in memory: `data` the subset's unflipped rows in
    class-major order (`class_major`), `visual` row for row with them (None: no REPA). What the
    train stage trains on, and what benchmarks/grid/gpu_batch.py builds without the files."""
    if visual is not None and len(visual) != len(data.x):
        raise TokenFileError(f"{len(visual)} rows of visual tokens for {len(data.x)} images")
    digest = data_digest(data.index, text, visual, data.x, data.labels)
    return StudentData(data.x, data.labels, data.index, text, visual, data.meta, digest)
