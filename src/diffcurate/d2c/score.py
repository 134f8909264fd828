"""`score`: diffusion difficulty per sample, the class-conditional denoising loss of a pretrained model.

score(x, y) = 1/K Σ_k ‖ε_k − ε_θ(x_{t_k}, t_k, y)‖² (mean over dimensions), with the same K
(timestep, noise) pairs for every sample, drawn once from `seed`: scores are deterministic,
independent of batching, and comparable across samples. Low = easy to denoise. The noising and
the loss are the ε transport's (`transport.SCORER`), the one the scorer was pretrained with.

A score must not depend on the scorer's noise, so the stage measures its rank stability
(`rank_stability` in the metrics): the Spearman correlation, over the whole corpus and within each
class (select ranks within classes), between the K-draw score and a `stability_draws`-draw score
taken from the same draws (one per block of K / stability_draws strata, so it still covers the
schedule), and between the scores of two draw seeds (`seed`, `seed + 1`) on `stability_rows`
random corpus rows.

Scorers: `pretrain` (our DiT, trained by the `pretrain` stage on the full corpus: what runs
offline) and `dit-xl-2` (diffusers `DiTTransformer2DModel`, facebook/DiT-XL-2-256, learned-sigma
output: the ε half is used) for ImageNet latents. Work is split by encode shard: each shard's
scores go to their own file (atomic), so an interrupted run resumes, and with `accelerate` each
process scores the shards `i % world == rank`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.numpy import load_file

from diffcurate.d2c import hub
from diffcurate.d2c.encode import read_meta, to_model_range, unflipped_rows
from diffcurate.d2c.transport import SCORER, per_sample_eps_loss, stratified_timesteps
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_path

DIT_XL_REPO = "facebook/DiT-XL-2-256"
SHARDS = "shards"  # per-shard score files while (and after) scoring: shards/scores_<shard>.parquet
DIGEST_CHARS = 16
ROUND = 6  # decimals of the per-class statistics in the metrics
Q_LOW, Q_HIGH = 0.1, 0.9  # the per-class q10 and q90
HIST_BINS = 40
HIST_RANGE = (0.001, 0.999)  # histogram bins span these score quantiles (outliers go to the end bins)


class ScoreError(DiffcurateError, ValueError):
    """A score setting out of range (the message names it)."""


class MissingScoreShards(DiffcurateError, FileNotFoundError):
    """Merging needs every shard's scores; some are not written (another process' share, or a killed run)."""


class Scorer(StrEnum):
    PRETRAIN = "pretrain"
    DIT_XL_2 = "dit-xl-2"


@dataclass(frozen=True)
class ScoreConfig:
    scorer: Scorer = Scorer.PRETRAIN
    n_draws: int = 16
    batch_size: int = 500
    seed: int = 0
    stability_draws: int = 4  # rank stability: the score of this many of the draws vs all of them ...
    stability_rows: int = 6000  # ... and these many random rows scored again with seed + 1
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
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:DIGEST_CHARS]


def draw_pairs(n_draws: int, shape: tuple[int, ...], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """K timesteps spread over [0, T) (one per stratum, so a few draws still cover the schedule)
    and K noise tensors of one sample's shape, from a fixed seed."""
    gen = torch.Generator().manual_seed(seed)
    t = stratified_timesteps(n_draws, gen)
    eps = torch.randn((n_draws, *shape), generator=gen)
    return t, eps


@torch.no_grad()
def score_draws(eps_fn: Callable, x: torch.Tensor, y: torch.Tensor, t_k: torch.Tensor, eps_k: torch.Tensor) -> torch.Tensor:
    """(N, K) per-sample ε loss of each of the K pairs, float64."""
    out = torch.zeros(x.shape[0], len(t_k), dtype=torch.float64)
    for k in range(len(t_k)):
        t = t_k[k].expand(x.shape[0])
        eps = eps_k[k].expand_as(x)
        noised = SCORER.noise(x, t, eps)
        pred = eps_fn(noised.x_t, noised.t, y)
        out[:, k] = per_sample_eps_loss(pred, noised.target).double().cpu()
    return out


def score_batch(eps_fn: Callable, x: torch.Tensor, y: torch.Tensor, t_k: torch.Tensor, eps_k: torch.Tensor) -> torch.Tensor:
    """(N,) mean over the K pairs of the per-sample ε loss."""
    return score_draws(eps_fn, x, y, t_k, eps_k).mean(1).float()


def sub_draws(n_draws: int, sub: int, seed: int) -> np.ndarray:
    """`sub` of the `n_draws` stratified draws, one per block of n_draws / sub consecutive strata,
    picked at random within the block: a `sub`-draw score that still spans the schedule."""
    if sub < 1 or n_draws % sub:
        raise ScoreError(f"stability_draws {sub} must divide n_draws {n_draws}")
    block = n_draws // sub
    return np.arange(sub) * block + np.random.default_rng(seed).integers(0, block, sub)


def stability_rows(n: int, m: int, seed: int) -> np.ndarray:
    """The `m` random corpus rows (of `n`) scored with a second draw seed, sorted."""
    return np.sort(np.random.default_rng(seed).choice(n, size=min(m, n), replace=False))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties)."""
    ra, rb = pd.Series(a).rank().to_numpy(), pd.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def rank_stability(frame: pd.DataFrame, cfg: ScoreConfig) -> dict:
    """The `rank_stability` metrics from the merged shard frames (score, score_sub, score_alt)."""

    def both(a: str, b: str, rows: pd.DataFrame) -> tuple[float, float]:
        overall = spearman(rows[a].to_numpy(), rows[b].to_numpy())
        within = [spearman(g[a].to_numpy(), g[b].to_numpy()) for _, g in rows.groupby("label") if len(g) > 2]
        return round(overall, 4), round(float(np.mean(within)), 4)

    alt = frame.dropna(subset=["score_alt"])
    draws_all, draws_within = both("score", "score_sub", frame)
    out = {
        "draws": [cfg.stability_draws, cfg.n_draws],
        "spearman_draws": draws_all,
        "spearman_draws_within_class": draws_within,
        "seeds": [cfg.seed, cfg.seed + 1],
        "seed_rows": len(alt),
    }
    if len(alt) > 2:
        out["spearman_seeds"], out["spearman_seeds_within_class"] = both("score", "score_alt", alt)
    return out


def load_scorer(cfg: ScoreConfig) -> tuple[Callable, str]:
    """(ε function (x, t, y) → ε̂, a digest of the weights for the resume check)."""
    if cfg.scorer is Scorer.PRETRAIN:
        from diffcurate.d2c.checkpoints import load_dit

        model, digest = load_dit(Path(cfg.model_dir), ema=True)
        model = model.to(cfg.device).eval()
        return (lambda x, t, y: model.eps(x.to(cfg.device), t.to(cfg.device), y.to(cfg.device)).cpu()), digest
    from diffusers import DiTTransformer2DModel

    # A local folder as it is; a Hub repo (a diffusers pipeline) at the commit `revision` resolves to.
    model, digest = hub.from_pretrained(DiTTransformer2DModel, cfg.model_dir, cfg.revision, hub_subfolder="transformer")
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
    meta = read_meta(encoded)
    eps_fn, model_digest = load_scorer(cfg)
    digest = cfg.digest(meta["digest"], model_digest)
    t_k, eps_k = draw_pairs(cfg.n_draws, tuple(meta["shape"]), cfg.seed)
    sub = sub_draws(cfg.n_draws, cfg.stability_draws, cfg.seed)
    t_alt, eps_alt = draw_pairs(cfg.n_draws, tuple(meta["shape"]), cfg.seed + 1)
    alt_rows = stability_rows(int(meta["n_images"]), cfg.stability_rows, cfg.seed)
    rank, world, state = _rank_world()
    shard_dir = out / SHARDS
    shard_dir.mkdir(parents=True, exist_ok=True)
    n_shards = len(meta["shards"])
    t0, n_scored, reused = time.perf_counter(), 0, 0
    if progress:
        progress(0, n_shards)
    for s, name in enumerate(meta["shards"]):
        if s % world != rank:
            continue
        path = shard_path(out, s)
        if path.is_file() and pd.read_parquet(path, columns=["digest"])["digest"].eq(digest).all():
            reused += 1
            if progress:
                progress(s + 1, n_shards)
            continue
        d = load_file(str(encoded / name))
        keep = unflipped_rows(d["index"], d["flip"])
        x = d["x"][keep]
        x = torch.from_numpy(to_model_range(x) if x.dtype == np.uint8 else x)
        y = torch.from_numpy(d["label"][keep])
        index = d["index"][keep]
        draws = torch.cat(
            [
                score_draws(eps_fn, x[lo : lo + cfg.batch_size], y[lo : lo + cfg.batch_size], t_k, eps_k)
                for lo in range(0, len(x), cfg.batch_size)
            ]
        )
        again = np.flatnonzero(np.isin(index, alt_rows))  # rows scored a second time, with seed + 1
        alt = np.full(len(index), np.nan)
        for lo in range(0, len(again), cfg.batch_size):
            pos = torch.from_numpy(again[lo : lo + cfg.batch_size])
            alt[pos.numpy()] = score_draws(eps_fn, x[pos], y[pos], t_alt, eps_alt).mean(1).float().numpy()
        frame = pd.DataFrame(
            {
                "index": index,
                "label": d["label"][keep],
                "score": draws.mean(1).float().numpy().astype(np.float64),
                "score_sub": draws[:, torch.from_numpy(sub)].mean(1).float().numpy().astype(np.float64),
                "score_alt": alt,
                "digest": digest,
            }
        )
        with atomic_path(path) as tmp:
            frame.to_parquet(tmp, index=False)
        n_scored += len(frame)
        if progress:
            progress(s + 1, n_shards)
    if state is not None and world > 1:
        state.wait_for_everyone()
    seconds = time.perf_counter() - t0
    missing = [shard_path(out, s).name for s in range(n_shards) if not shard_path(out, s).is_file()]
    if missing:
        raise MissingScoreShards(
            f"{shard_dir}: no scores for shards {missing[:5]} of {n_shards} (score them first: every rank, or re-run)"
        )
    frames = [pd.read_parquet(shard_path(out, s)) for s in range(n_shards)]
    scores = pd.concat(frames, ignore_index=True).sort_values("index", kind="stable").reset_index(drop=True)
    ids = meta.get("ids")
    scores.insert(0, "id", [ids[i] for i in scores["index"]] if ids else scores["index"].map(lambda i: f"{i:07d}"))
    stability = rank_stability(scores, cfg)
    scores = scores.drop(columns=["digest", "score_sub", "score_alt"])
    metrics = {
        "scorer": cfg.scorer.value,
        "model": model_digest,
        "n": len(scores),
        "n_draws": cfg.n_draws,
        "timesteps": t_k.tolist(),
        "rank_stability": stability,
        "scored_now": n_scored,
        "shards_reused": reused,
        "world_size": world,
        "seconds": round(seconds, 2),
        "samples_per_s": round(n_scored / seconds, 1) if n_scored else None,
        "forward_passes_per_s": round(n_scored * cfg.n_draws / seconds, 1) if n_scored else None,
        "per_class": {meta["class_names"][c]: class_stats(g) for c, g in scores.groupby("label")["score"]},
    }
    return scores, metrics


def shard_path(out: Path, shard: int) -> Path:
    return Path(out) / SHARDS / f"scores_{shard:05d}.parquet"


def class_stats(g: pd.Series) -> dict:
    """n, mean, std and quantiles of one class' scores."""

    def r(v) -> float:
        return round(float(v), ROUND)

    return {
        "n": int(len(g)),
        "mean": r(g.mean()),
        "std": r(g.std()),
        "q10": r(g.quantile(Q_LOW)),
        "median": r(g.median()),
        "q90": r(g.quantile(Q_HIGH)),
    }


def score_histogram(scores: pd.DataFrame, class_names: list[str], bins: int = HIST_BINS) -> pd.DataFrame:
    """Per-class histograms on shared bins (the paper's Fig. 3): one column per class, one row per bin."""
    lo, hi = (float(scores["score"].quantile(q)) for q in HIST_RANGE)
    edges = np.linspace(lo, hi, bins + 1)
    out = {"score": np.round((edges[:-1] + edges[1:]) / 2, ROUND)}
    for c, g in scores.groupby("label")["score"]:
        counts, _ = np.histogram(g.clip(lo, hi), bins=edges)
        out[class_names[c]] = counts
    return pd.DataFrame(out)
