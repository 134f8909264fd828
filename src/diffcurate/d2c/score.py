"""`score`: diffusion difficulty per sample, the class-conditional denoising loss of a pretrained model.

score(x, y) = 1/K Σ_k ‖ε_k − ε_θ(x_{t_k}, t_k, y)‖² (mean over dimensions), with the same K
(timestep, noise) pairs for every sample, drawn once from `seed`: scores are deterministic,
independent of batching, and comparable across samples. Low = easy to denoise.

Scorers: `pretrain` (our DiT, trained by the `pretrain` stage on the full corpus: what runs
offline) and `dit-xl-2` (diffusers `DiTTransformer2DModel`, facebook/DiT-XL-2-256, learned-sigma
output: the ε half is used) for ImageNet latents. Work is split by encode shard: each shard's
scores go to their own file (atomic), so an interrupted run resumes, and with `accelerate` each
process scores the shards `i % world == rank`.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.numpy import load_file

from diffcurate.d2c.diffusion import NUM_TIMESTEPS, q_sample
from diffcurate.d2c.encode import META, to_model_range

DIT_XL_REPO = "facebook/DiT-XL-2-256"


class Scorer(StrEnum):
    PRETRAIN = "pretrain"
    DIT_XL_2 = "dit-xl-2"


@dataclass(frozen=True)
class ScoreConfig:
    scorer: Scorer = Scorer.PRETRAIN
    n_draws: int = 4
    batch_size: int = 500
    seed: int = 0
    model_dir: str = "models/scorer"  # pretrain: the stage's output; dit-xl-2: a Hub repo or a local folder
    revision: str = "main"  # dit-xl-2 on the Hub: resolved to a commit before loading
    device: str = "cpu"

    def digest(self, encoded_digest: str, model_digest: str) -> str:
        # The weights' digest stands for the model; where they were loaded from does not matter.
        key = {
            **asdict(self),
            "batch_size": None,
            "device": None,
            "model_dir": None,
            "revision": None,
            "encoded": encoded_digest,
            "model": model_digest,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def draw_pairs(n_draws: int, shape: tuple[int, ...], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """K timesteps spread over [0, T) (one per stratum, so a few draws still cover the schedule)
    and K noise tensors of one sample's shape, from a fixed seed."""
    gen = torch.Generator().manual_seed(seed)
    edges = torch.linspace(0, NUM_TIMESTEPS, n_draws + 1)
    t = (edges[:-1] + torch.rand(n_draws, generator=gen) * (edges[1:] - edges[:-1])).long().clamp(0, NUM_TIMESTEPS - 1)
    eps = torch.randn((n_draws, *shape), generator=gen)
    return t, eps


@torch.no_grad()
def score_batch(eps_fn: Callable, x: torch.Tensor, y: torch.Tensor, t_k: torch.Tensor, eps_k: torch.Tensor) -> torch.Tensor:
    """(N,) mean over the K pairs of the per-sample ε loss."""
    total = torch.zeros(x.shape[0], dtype=torch.float64)
    for k in range(len(t_k)):
        t = t_k[k].expand(x.shape[0])
        eps = eps_k[k].expand_as(x)
        pred = eps_fn(q_sample(x, t, eps), t, y)
        total += ((eps - pred) ** 2).flatten(1).mean(1).double().cpu()
    return (total / len(t_k)).float()


def load_scorer(cfg: ScoreConfig) -> tuple[Callable, str]:
    """(ε function (x, t, y) → ε̂, a digest of the weights for the resume check)."""
    if cfg.scorer is Scorer.PRETRAIN:
        from diffcurate.d2c.checkpoints import load_dit

        model, digest = load_dit(Path(cfg.model_dir), ema=True)
        model = model.to(cfg.device).eval()
        return (lambda x, t, y: model.eps(x.to(cfg.device), t.to(cfg.device), y.to(cfg.device)).cpu()), digest
    from diffusers import DiTTransformer2DModel

    if Path(cfg.model_dir).is_dir():
        model, digest = DiTTransformer2DModel.from_pretrained(cfg.model_dir), f"local:{Path(cfg.model_dir).resolve()}"
    else:
        from huggingface_hub import HfApi

        commit = HfApi().model_info(cfg.model_dir, revision=cfg.revision).sha
        model, digest = DiTTransformer2DModel.from_pretrained(cfg.model_dir, subfolder="transformer", revision=commit), commit
    model = model.to(cfg.device).eval()
    channels = model.config.in_channels

    def eps_fn(x, t, y):
        out = model(hidden_states=x.to(cfg.device), timestep=t.to(cfg.device), class_labels=y.to(cfg.device)).sample
        return out[:, :channels].cpu()  # learned sigma: (ε, Σ) stacked on channels; keep ε

    return eps_fn, digest


def _rank_world() -> tuple[int, int, object]:
    try:
        from accelerate import PartialState

        state = PartialState()
        return state.process_index, state.num_processes, state
    except Exception:  # noqa: BLE001 — no accelerate launch: one process
        return 0, 1, None


def run_score(
    encoded: Path, out: Path, cfg: ScoreConfig, progress: Callable[[int, int], None] | None = None
) -> tuple[pd.DataFrame, dict]:
    """Scores of every corpus row (unflipped rows only), resuming from finished shard files."""
    encoded, out = Path(encoded), Path(out)
    meta = json.loads((encoded / META).read_text())
    eps_fn, model_digest = load_scorer(cfg)
    digest = cfg.digest(meta["digest"], model_digest)
    t_k, eps_k = draw_pairs(cfg.n_draws, tuple(meta["shape"]), cfg.seed)
    rank, world, state = _rank_world()
    shard_dir = out / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    t0, n_scored, reused = time.perf_counter(), 0, 0
    for s, name in enumerate(meta["shards"]):
        if s % world != rank:
            continue
        path = shard_dir / f"scores_{s:05d}.parquet"
        if path.is_file() and pd.read_parquet(path, columns=["digest"])["digest"].eq(digest).all():
            reused += 1
            continue
        d = load_file(str(encoded / name))
        keep = d["flip"] == 0
        x = d["x"][keep]
        x = torch.from_numpy(to_model_range(x) if x.dtype == np.uint8 else x)
        y = torch.from_numpy(d["label"][keep])
        scores = torch.cat(
            [
                score_batch(eps_fn, x[lo : lo + cfg.batch_size], y[lo : lo + cfg.batch_size], t_k, eps_k)
                for lo in range(0, len(x), cfg.batch_size)
            ]
        )
        frame = pd.DataFrame(
            {"index": d["index"][keep], "label": d["label"][keep], "score": scores.numpy().astype(np.float64), "digest": digest}
        )
        tmp = path.with_suffix(".tmp")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        n_scored += len(frame)
        if progress:
            progress(s + 1, len(meta["shards"]))
    if state is not None and world > 1:
        state.wait_for_everyone()
    seconds = time.perf_counter() - t0
    frames = [pd.read_parquet(shard_dir / f"scores_{s:05d}.parquet") for s in range(len(meta["shards"]))]
    scores = pd.concat(frames, ignore_index=True).sort_values("index", kind="stable").reset_index(drop=True)
    ids = meta.get("ids")
    scores.insert(0, "id", [ids[i] for i in scores["index"]] if ids else scores["index"].map(lambda i: f"{i:07d}"))
    scores = scores.drop(columns=["digest"])
    metrics = {
        "scorer": cfg.scorer.value,
        "model": model_digest,
        "n": len(scores),
        "n_draws": cfg.n_draws,
        "timesteps": t_k.tolist(),
        "scored_now": n_scored,
        "shards_reused": reused,
        "world_size": world,
        "seconds": round(seconds, 2),
        "samples_per_s": round(n_scored / seconds, 1) if n_scored else None,
        "forward_passes_per_s": round(n_scored * cfg.n_draws / seconds, 1) if n_scored else None,
        "per_class": {
            meta["class_names"][c]: {
                "n": int(len(g)),
                "mean": round(float(g.mean()), 6),
                "std": round(float(g.std()), 6),
                "q10": round(float(g.quantile(0.1)), 6),
                "median": round(float(g.median()), 6),
                "q90": round(float(g.quantile(0.9)), 6),
            }
            for c, g in scores.groupby("label")["score"]
        },
    }
    return scores, metrics


def score_histogram(scores: pd.DataFrame, class_names: list[str], bins: int = 40) -> pd.DataFrame:
    """Per-class histograms on shared bins (the paper's Fig. 3): one column per class, one row per bin."""
    lo, hi = float(scores["score"].quantile(0.001)), float(scores["score"].quantile(0.999))
    edges = np.linspace(lo, hi, bins + 1)
    out = {"score": np.round((edges[:-1] + edges[1:]) / 2, 6)}
    for c, g in scores.groupby("label")["score"]:
        counts, _ = np.histogram(g.clip(lo, hi), bins=edges)
        out[class_names[c]] = counts
    return pd.DataFrame(out)
