"""`encode`: a corpus as training tensors in safetensors shards, resumable shard by shard.

- Pixel corpora (Fashion-MNIST): images padded to 32×32 (2 px of background each side), stored
  as uint8 (exact and 4× smaller than float32); `load_encoded` returns them normalised to
  [-1, 1] as float32, the diffusion model's input.
- Latent corpora (`imagefolder`): Stable Diffusion VAE latents through diffusers
  `AutoencoderKL` (default `stabilityai/sd-vae-ft-ema` at a pinned revision, or a local
  folder): the posterior mean × the VAE's scaling factor (deterministic), for the image and its
  horizontal flip (stored as extra rows with `flip = 1`), float32.

Each shard holds `x`, `label`, `index` (row in the corpus), `flip`; `meta.json` lists the
shards, the shape, classes, class prompts, channel statistics (mean / std per channel) and the
settings hash. A shard already on disk with the same settings hash is kept (resume); every
shard and meta.json is written through `io.atomic_path` / `io.atomic_outputs`, so a killed run
never leaves half a shard.

`load_encoded` reads them back; `Encoded.unflipped()` keeps the original images (no flipped
copies) in corpus order, the rows scoring, features, attach and training work on.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file, save_file

from diffcurate.d2c import hub
from diffcurate.d2c.corpus import Corpus, CorpusKind
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs, atomic_path

PIXEL_SIZE = 32
VAE_DEFAULT = "stabilityai/sd-vae-ft-ema"
# A branch or tag is resolved to its commit before loading, and the commit is recorded in meta.json;
# set a commit SHA here (params: encode.vae_revision) to pin it.
VAE_REVISION = "main"
META = "meta.json"
SHARD_KEYS = ("x", "label", "index", "flip")  # the tensors of every shard


class EncodedNotFound(DiffcurateError, FileNotFoundError):
    """The encoded folder, its meta.json or one of its shards is missing (encode has not run)."""


class EncodedFormatError(DiffcurateError, ValueError):
    """meta.json or a shard is not what `encode` writes."""


@dataclass(frozen=True)
class EncodeConfig:
    shard_size: int = 10_000
    vae: str = VAE_DEFAULT  # a Hub repo id or a local folder (imagefolder only)
    vae_revision: str = VAE_REVISION
    batch_size: int = 32
    flip: bool = True  # imagefolder: also store the horizontally flipped image's latent
    device: str = "cpu"

    def digest(self, corpus: Corpus) -> str:
        key = {
            **asdict(self),
            "device": None,
            "batch_size": None,
            "kind": corpus.kind.value,
            "n": len(corpus),
            "size": corpus.size,
            "ids": hashlib.sha256("\n".join(corpus.ids).encode()).hexdigest(),
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def pad_pixels(images: np.ndarray, size: int = PIXEL_SIZE) -> np.ndarray:
    """(N, H, W, C) uint8 → (N, C, size, size) uint8, centred, padded with 0 (the background)."""
    n, h, w, c = images.shape
    top, left = (size - h) // 2, (size - w) // 2
    out = np.zeros((n, c, size, size), dtype=np.uint8)
    out[:, :, top : top + h, left : left + w] = images.transpose(0, 3, 1, 2)
    return out


def to_model_range(x: np.ndarray | torch.Tensor):
    """uint8 pixels → float32 in [-1, 1] (the diffusion model's input)."""
    if isinstance(x, torch.Tensor):
        return x.float() / 127.5 - 1.0
    return x.astype(np.float32) / 127.5 - 1.0


def load_vae(name: str, revision: str, device: str = "cpu"):
    """(AutoencoderKL, the commit it was loaded at): a local folder, or a Hub repo at `revision`."""
    from diffusers import AutoencoderKL

    vae, origin = hub.from_pretrained(AutoencoderKL, name, revision)
    return vae.to(device).eval(), origin


def corpus_pixels(corpus: Corpus) -> torch.Tensor:
    """(N, C, 32, 32) float32 in [-1, 1]: a pixel corpus as the diffusion model sees it (padded)."""
    images = np.stack([img for _, img in corpus.images(0, len(corpus))])
    return torch.from_numpy(to_model_range(pad_pixels(images)))


@torch.no_grad()
def vae_latents(vae, images: np.ndarray, device: str = "cpu") -> np.ndarray:
    """(N, H, W, 3) uint8 → (N, C, H/8, W/8) float32: posterior mean × scaling factor."""
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).to(device)
    dist = vae.encode(x).latent_dist
    return (dist.mean * float(getattr(vae.config, "scaling_factor", 0.18215))).cpu().numpy().astype(np.float32)


def _shard_path(out: Path, i: int) -> Path:
    return out / f"shard_{i:05d}.safetensors"


def encode_corpus(corpus: Corpus, out: Path, cfg: EncodeConfig, progress: Callable[[int, int], None] | None = None) -> dict:
    """Write every shard not already on disk; return (and write) the metadata. `progress(done,
    total)` counts images (a reused shard's at once, a VAE shard's batch by batch)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    digest = cfg.digest(corpus)
    n_shards = max(1, -(-len(corpus) // cfg.shard_size))
    vae, vae_commit = None, None
    t0, written, reused = time.perf_counter(), 0, 0

    def advance(done: int) -> None:
        if progress:
            progress(done, len(corpus))

    for s in range(n_shards):
        path = _shard_path(out, s)
        start, stop = s * cfg.shard_size, min((s + 1) * cfg.shard_size, len(corpus))
        if path.is_file():
            try:
                with open(path, "rb") as fh:  # safetensors header: 8-byte length, then JSON with __metadata__
                    header = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))
                if header.get("__metadata__", {}).get("digest") == digest:
                    reused += 1
                    advance(stop)
                    continue
            except (OSError, ValueError):
                pass  # unreadable: encode again
        idx, imgs = zip(*corpus.images(start, stop), strict=True)
        index = np.array(idx, dtype=np.int64)
        labels = corpus.labels[index]
        if corpus.kind is CorpusKind.FASHION_MNIST:
            x = pad_pixels(np.stack(imgs))
            flip = np.zeros(len(index), dtype=np.uint8)
        else:
            if vae is None:
                vae, vae_commit = load_vae(cfg.vae, cfg.vae_revision, cfg.device)
            batch = np.stack(imgs)
            parts, flips = [], []
            for lo in range(0, len(batch), cfg.batch_size):
                parts.append(vae_latents(vae, batch[lo : lo + cfg.batch_size], cfg.device))
                if cfg.flip:
                    flips.append(vae_latents(vae, np.ascontiguousarray(batch[lo : lo + cfg.batch_size, :, ::-1]), cfg.device))
                advance(start + min(lo + cfg.batch_size, len(batch)))
            x = np.concatenate(parts + flips)
            flip = np.concatenate([np.zeros(len(index), np.uint8)] + ([np.ones(len(index), np.uint8)] if cfg.flip else []))
            index = np.concatenate([index] * (2 if cfg.flip else 1))
            labels = np.concatenate([labels] * (2 if cfg.flip else 1))
        with atomic_path(path) as tmp:
            save_file(
                {"x": np.ascontiguousarray(x), "label": labels, "index": index, "flip": flip},
                str(tmp),
                metadata={"digest": digest},
            )
        written += 1
        advance(stop)
    for stale in sorted(out.glob("shard_*.safetensors"))[n_shards:]:
        stale.unlink()  # a smaller corpus than last time
    stats = channel_stats(out, n_shards)
    if vae_commit is None and (out / META).is_file():  # every shard reused: keep the recorded VAE commit
        vae_commit = json.loads((out / META).read_text()).get("vae_commit")
    meta = {
        "kind": corpus.kind.value,
        "n_images": len(corpus),
        "n_rows": stats["n"],
        "space": "pixels" if corpus.kind is CorpusKind.FASHION_MNIST else "latents",
        "shape": stats["shape"],
        "dtype": stats["dtype"],
        "shards": [_shard_path(out, s).name for s in range(n_shards)],
        "class_names": corpus.class_names,
        "class_prompts": corpus.prompts(),
        "ids": corpus.ids,
        "channel_mean": stats["mean"],
        "channel_std": stats["std"],
        "digest": digest,
        "config": asdict(cfg) | {"device": None},
        "vae_commit": vae_commit,
    }
    with atomic_outputs() as w:
        w.json(meta, out / META)
    return meta | {"shards_written": written, "shards_reused": reused, "seconds": round(time.perf_counter() - t0, 2)}


def channel_stats(out: Path, n_shards: int) -> dict:
    """Per-channel mean / std over every stored row (in the model's range for pixels)."""
    total, s1, s2, shape, dtype = 0, None, None, None, None
    for s in range(n_shards):
        x = load_file(str(_shard_path(out, s)))["x"]
        dtype = str(x.dtype)
        xf = to_model_range(x) if x.dtype == np.uint8 else x.astype(np.float64)
        shape = list(xf.shape[1:])
        flat = xf.transpose(1, 0, 2, 3).reshape(xf.shape[1], -1).astype(np.float64)
        s1 = flat.sum(1) if s1 is None else s1 + flat.sum(1)
        s2 = (flat**2).sum(1) if s2 is None else s2 + (flat**2).sum(1)
        total += flat.shape[1]
    mean = s1 / total
    std = np.sqrt(np.maximum(s2 / total - mean**2, 0))
    return {
        "n": int(total // int(np.prod(shape[1:]))),
        "shape": shape,
        "dtype": dtype,
        "mean": [round(float(v), 6) for v in mean],
        "std": [round(float(v), 6) for v in std],
    }


def unflipped_rows(index: np.ndarray, flip: np.ndarray) -> np.ndarray:
    """Positions of the unflipped rows (the original images), ordered by corpus row."""
    keep = np.flatnonzero(flip == 0)
    return keep[np.argsort(index[keep], kind="stable")]


@dataclass
class Encoded:
    x: torch.Tensor  # (N, C, H, W) float32 in the model's range
    labels: torch.Tensor  # (N,) int64
    index: np.ndarray  # (N,) row in the corpus
    flip: np.ndarray  # (N,) 1 for a flipped copy
    meta: dict

    def unflipped(self) -> Encoded:
        """The original images only (no flipped copies), in corpus order."""
        rows = unflipped_rows(self.index, self.flip)
        pos = torch.from_numpy(rows)
        return replace(self, x=self.x[pos], labels=self.labels[pos], index=self.index[rows], flip=self.flip[rows])


def read_meta(folder: Path) -> dict:
    """`folder`/meta.json, as `encode` wrote it."""
    path = Path(folder) / META
    if not path.is_file():
        raise EncodedNotFound(f"{folder}: no {META} (run the encode stage first)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise EncodedFormatError(f"{path}: not valid JSON ({exc})") from None
    missing = [k for k in ("shards", "space", "shape", "class_names") if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise EncodedFormatError(f"{path}: no {missing} (written by another version of encode; re-run it)")
    if not meta["shards"]:
        raise EncodedFormatError(f"{path}: lists no shards (an empty corpus?)")
    return meta


def load_encoded(folder: Path, rows: np.ndarray | None = None) -> Encoded:
    """All shards (or only the corpus rows `rows`, unflipped and flipped), in the model's range."""
    folder = Path(folder)
    meta = read_meta(folder)
    xs, ls, idx, fl = [], [], [], []
    for name in meta["shards"]:
        if not (folder / name).is_file():
            raise EncodedNotFound(f"{folder / name}: listed in {META} but missing (re-run the encode stage)")
        try:
            d = load_file(str(folder / name))
        except Exception as exc:  # noqa: BLE001 — safetensors raises its own error types
            raise EncodedFormatError(f"{folder / name}: not a readable safetensors shard ({exc})") from None
        missing = [k for k in SHARD_KEYS if k not in d]
        if missing:
            raise EncodedFormatError(f"{folder / name}: no tensors {missing} (expected {', '.join(SHARD_KEYS)})")
        keep = np.ones(len(d["index"]), bool) if rows is None else np.isin(d["index"], rows)
        xs.append(d["x"][keep])
        ls.append(d["label"][keep])
        idx.append(d["index"][keep])
        fl.append(d["flip"][keep])
    x = np.concatenate(xs)
    x = to_model_range(x) if x.dtype == np.uint8 else x
    return Encoded(
        torch.from_numpy(np.ascontiguousarray(x)),
        torch.from_numpy(np.concatenate(ls)),
        np.concatenate(idx),
        np.concatenate(fl),
        meta,
    )
