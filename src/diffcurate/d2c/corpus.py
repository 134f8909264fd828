"""Image corpora, registered in one place. Adding one is a function returning a `Corpus`.

- `fashion-mnist` (offline default): the Debian package `dataset-fashion-mnist`
  (/usr/share/datasets/fashion-mnist, the original idx files: 60K train / 10K test, 10 classes).
- `imagefolder`: an ImageNet-style folder `root/<class>/*.{jpg,png,…}` (optional class-name map
  `class_map.json` / `.txt`), images preprocessed with the ADM centre crop at `resolution`.
"""

from __future__ import annotations

import gzip
import json
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
from PIL import Image

from diffcurate.errors import DiffcurateError

FASHION_MNIST_ROOT = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".JPEG", ".JPG", ".PNG"}


class CorpusNotFound(DiffcurateError, FileNotFoundError):
    """A corpus' files or folder are not where they were looked for."""


class CorpusFormatError(DiffcurateError, ValueError):
    """A corpus file is not in the format its reader expects (the message names the file)."""


class CorpusKind(StrEnum):
    FASHION_MNIST = "fashion-mnist"
    IMAGEFOLDER = "imagefolder"


@dataclass
class Corpus:
    """A labelled image corpus. `images()` yields (index, uint8 HxWxC array) in index order."""

    kind: CorpusKind
    ids: list[str]
    labels: np.ndarray  # (N,) int64
    class_names: list[str]
    images: Callable[[int, int], Iterator[tuple[int, np.ndarray]]]  # (start, stop) -> (index, image)
    channels: int
    size: int  # square side after preprocessing

    def __len__(self) -> int:
        return len(self.ids)

    def prompts(self) -> list[str]:
        """One text prompt per class, e.g. "a photo of a sneaker"."""
        return [class_prompt(n) for n in self.class_names]


def class_prompt(name: str) -> str:
    name = name.replace("/", " or ").replace("_", " ").strip().lower()
    return f"a photo of {'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _read_idx(path: Path) -> np.ndarray:
    """An idx file (MNIST format), gzipped or not; the error names the file and what is wrong."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise CorpusFormatError(f"{path}: cannot be read as an idx file ({exc})") from None
    if len(data) < 4:
        raise CorpusFormatError(f"{path}: too short for an idx header")
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise CorpusFormatError(f"{path}: not an unsigned-byte idx file (magic {data[:4].hex()})")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise CorpusFormatError(f"{path}: header says {dims} ({int(np.prod(dims))} bytes), file has {body.size}")
    return body.reshape(dims)


def fashion_mnist(root: Path = FASHION_MNIST_ROOT, split: str = "train", limit: int = 0, **_: object) -> Corpus:
    prefix = {"train": "train", "test": "t10k"}.get(split)
    if prefix is None:
        raise CorpusFormatError(f"fashion-mnist split {split!r}: expected train or test")
    root = Path(root)
    if not (root / f"{prefix}-images-idx3-ubyte.gz").is_file():
        raise CorpusNotFound(f"{root}: no Fashion-MNIST files (install the Debian package dataset-fashion-mnist: make run does)")
    images = _read_idx(root / f"{prefix}-images-idx3-ubyte.gz")
    labels = _read_idx(root / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
    if len(images) != len(labels):
        raise CorpusFormatError(f"{root}: {len(images)} images but {len(labels)} labels")
    if limit:
        images, labels = images[:limit], labels[:limit]

    def iterate(start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
        for i in range(start, min(stop, len(images))):
            yield i, images[i][:, :, None]

    return Corpus(
        CorpusKind.FASHION_MNIST, [f"{split}-{i:05d}" for i in range(len(labels))], labels, FASHION_MNIST_CLASSES, iterate, 1, 28
    )


def center_crop_arr(image: Image.Image, size: int) -> np.ndarray:
    """ADM's preprocessing (guided-diffusion, also used by DiT/REPA): halve with BOX while the short
    side is at least twice `size`, resize the short side to `size` with BICUBIC, centre-crop."""
    while min(*image.size) >= 2 * size:
        image = image.resize(tuple(x // 2 for x in image.size), resample=Image.BOX)
    scale = size / min(*image.size)
    image = image.resize(tuple(round(x * scale) for x in image.size), resample=Image.BICUBIC)
    arr = np.array(image)
    top, left = (arr.shape[0] - size) // 2, (arr.shape[1] - size) // 2
    return arr[top : top + size, left : left + size]


def _class_map(root: Path) -> dict[str, str]:
    """Optional folder → human name map: class_map.json ({"n01440764": "tench"}) or class_map.txt ("n01440764 tench")."""
    if (root / "class_map.json").is_file():
        try:
            names = json.loads((root / "class_map.json").read_text(encoding="utf-8"))
        except ValueError as exc:
            raise CorpusFormatError(f"{root / 'class_map.json'}: not valid JSON ({exc})") from None
        if not isinstance(names, dict):
            raise CorpusFormatError(f"{root / 'class_map.json'}: expected an object {{folder: name}}")
        return names
    if (root / "class_map.txt").is_file():
        out = {}
        for lineno, line in enumerate((root / "class_map.txt").read_text().splitlines(), 1):
            if line.strip():
                key, sep, name = line.strip().partition(" ")
                if not sep:
                    raise CorpusFormatError(f"{root / 'class_map.txt'}, line {lineno}: expected 'folder name'")
                out[key] = name.strip()
        return out
    return {}


def imagefolder(root: Path, resolution: int = 256, limit: int = 0, **_: object) -> Corpus:
    root = Path(root)
    if not root.is_dir():
        raise CorpusNotFound(f"{root}: not a folder of class folders")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    if not classes:
        raise CorpusFormatError(f"{root}: no class folders (expected root/<class>/*.jpg)")
    names = _class_map(root)
    files, labels = [], []
    for label, cls in enumerate(classes):
        for f in sorted(p for p in (root / cls).iterdir() if p.suffix in IMAGE_SUFFIXES):
            files.append(f)
            labels.append(label)
    if limit:
        files, labels = files[:limit], labels[:limit]

    def iterate(start: int, stop: int) -> Iterator[tuple[int, np.ndarray]]:
        for i in range(start, min(stop, len(files))):
            try:
                with Image.open(files[i]) as im:
                    yield i, center_crop_arr(im.convert("RGB"), resolution)
            except (OSError, ValueError) as exc:
                raise CorpusFormatError(f"{files[i]}: cannot be read as an image ({exc})") from None

    ids = [str(f.relative_to(root)) for f in files]
    return Corpus(
        CorpusKind.IMAGEFOLDER, ids, np.array(labels, dtype=np.int64), [names.get(c, c) for c in classes], iterate, 3, resolution
    )


CORPORA: dict[CorpusKind, Callable[..., Corpus]] = {CorpusKind.FASHION_MNIST: fashion_mnist, CorpusKind.IMAGEFOLDER: imagefolder}


def load_corpus(kind: CorpusKind, root: str | Path = "", **kwargs: object) -> Corpus:
    """The registered corpus `kind`; `root` empty means the corpus' default location."""
    if kind is CorpusKind.FASHION_MNIST:
        return fashion_mnist(Path(root) if root else FASHION_MNIST_ROOT, **kwargs)
    return CORPORA[kind](Path(root), **kwargs)
