"""Near-duplicate detection: MinHash signatures + LSH banding, vectorised with numpy.

Shingles are n-grams of tokens, where a token is a lower-cased word or a single Han character,
so English and Chinese prompts are handled alike. Every step after tokenisation runs on flat
numpy arrays (no per-shingle Python), which is what lets 1M prompts finish in minutes on 2 cores
(see benchmarks/bench_neardup.py).

Candidate pairs come from LSH bands; inside a bucket every member is compared with the bucket's
earliest member (a star, not all pairs, so a bucket of 10K identical templates costs 10K checks);
pairs whose estimated Jaccard (share of equal MinHash values) reaches the threshold are joined
into connected components. Each component's earliest prompt is its representative.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from diffcurate.errors import ConfigError

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+")
_MERSENNE = np.uint64((1 << 61) - 1)
_PAD = 0  # token id used to pad prompts shorter than one shingle


@dataclass(frozen=True)
class NearDupConfig:
    threshold: float = 0.8  # estimated Jaccard at or above which two prompts are near-duplicates
    num_perm: int = 128
    bands: int = 16  # num_perm / bands rows per band; S-curve midpoint ≈ (1/bands)^(bands/num_perm)
    ngram: int = 3
    seed: int = 0
    chunk: int = 100_000  # prompts per signature chunk (bounds memory)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"near-dup threshold must be in (0, 1], got {self.threshold}")
        if self.num_perm % self.bands:
            raise ConfigError(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})")
        if self.ngram < 1:
            raise ConfigError(f"ngram must be >= 1, got {self.ngram}")


@dataclass(frozen=True)
class NearDupResult:
    rep: np.ndarray  # (N,) index of each prompt's representative (itself if unique)
    similarity: np.ndarray  # (N,) estimated Jaccard with the representative (1.0 for itself)

    @property
    def is_dup(self) -> np.ndarray:
        return self.rep != np.arange(len(self.rep))


def _tokenize(texts: Sequence[str], vocab: dict[str, int], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat token ids and per-prompt token counts; prompts shorter than `ngram` are padded."""
    ids: list[int] = []
    counts = np.empty(len(texts), dtype=np.int64)
    get = vocab.get
    for i, text in enumerate(texts):
        toks = _TOKEN.findall(text.lower())
        row = [get(t) or vocab.setdefault(t, len(vocab) + 1) for t in toks]
        if len(row) < ngram:
            row += [_PAD] * (ngram - len(row))
        ids.extend(row)
        counts[i] = len(row)
    return np.asarray(ids, dtype=np.uint64), counts


def _shingles(ids: np.ndarray, counts: np.ndarray, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashed token n-grams (uint64) and the offset of each prompt's first shingle."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    n_sh = counts - ngram + 1  # ≥ 1 thanks to padding
    # Index of every shingle's first token: starts[d] + 0..n_sh[d]-1 for each prompt d.
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(n_sh)[:-1]]), n_sh) + np.arange(n_sh.sum())
    h = np.zeros(len(first), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(ngram):
            # Polynomial mix of the n token ids; multiplication wraps modulo 2^64 on purpose.
            h = h * np.uint64(0x9E3779B97F4A7C15) + ids[first + j] * np.uint64(0xC2B2AE3D27D4EB4F) + np.uint64(j + 1)
    offsets = np.concatenate([[0], np.cumsum(n_sh)[:-1]])
    return h, offsets


def minhash_signatures(texts: Sequence[str], cfg: NearDupConfig) -> np.ndarray:
    """(N, num_perm) uint32 MinHash signatures, deterministic for cfg.seed."""
    rng = np.random.default_rng(cfg.seed)
    a = rng.integers(1, (1 << 61) - 1, size=cfg.num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, (1 << 61) - 1, size=cfg.num_perm, dtype=np.uint64)
    sig = np.empty((len(texts), cfg.num_perm), dtype=np.uint32)
    vocab: dict[str, int] = {}
    for lo in range(0, len(texts), cfg.chunk):
        ids, counts = _tokenize(texts[lo : lo + cfg.chunk], vocab, cfg.ngram)
        sh, offsets = _shingles(ids, counts, cfg.ngram)
        with np.errstate(over="ignore"):
            for p in range(cfg.num_perm):
                # Universal hash (a·x + b) mod 2^64, keep the high 32 bits: well mixed and cheap.
                hv = ((sh * a[p] + b[p]) >> np.uint64(32)).astype(np.uint32)
                sig[lo : lo + len(counts), p] = np.minimum.reduceat(hv, offsets)
    return sig


def _band_edges(sig: np.ndarray, bands: int) -> np.ndarray:
    """(E, 2) candidate pairs (head, member): members of an LSH bucket joined to its earliest prompt."""
    n, num_perm = sig.shape
    rows = num_perm // bands
    mult = np.random.default_rng(12345).integers(1, 1 << 62, size=rows, dtype=np.uint64) | np.uint64(1)
    edges = []
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = sig[:, band * rows : (band + 1) * rows].astype(np.uint64)
            key = (block * mult).sum(axis=1)  # wraps modulo 2^64
            order = np.argsort(key, kind="stable")  # equal keys stay in index order: head = earliest
            ks = key[order]
            new_run = np.concatenate([[True], ks[1:] != ks[:-1]])
            head = order[np.flatnonzero(new_run)][np.cumsum(new_run) - 1]
            member = ~new_run
            if member.any():
                edges.append(np.stack([head[member], order[member]], axis=1))
    if not edges:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(edges), axis=0)


def _agreement(sig: np.ndarray, u: np.ndarray, v: np.ndarray, chunk: int = 200_000) -> np.ndarray:
    """Estimated Jaccard of pairs (u[i], v[i]): the share of equal MinHash values."""
    out = np.empty(len(u), dtype=np.float64)
    for lo in range(0, len(u), chunk):
        out[lo : lo + chunk] = (sig[u[lo : lo + chunk]] == sig[v[lo : lo + chunk]]).mean(axis=1)
    return out


def find_near_duplicates(texts: Sequence[str], cfg: NearDupConfig | None = None) -> NearDupResult:
    """Group near-duplicate prompts; each group's earliest prompt represents it."""
    cfg = cfg or NearDupConfig()
    n = len(texts)
    if n == 0:
        return NearDupResult(np.empty(0, dtype=np.int64), np.empty(0))
    sig = minhash_signatures(texts, cfg)
    edges = _band_edges(sig, cfg.bands)
    if len(edges):
        edges = edges[_agreement(sig, edges[:, 0], edges[:, 1]) >= cfg.threshold]
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # Representative = smallest index in each component.
    first = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, label, np.arange(n))
    rep = first[label]
    similarity = np.ones(n)
    dup = np.flatnonzero(rep != np.arange(n))
    if len(dup):
        similarity[dup] = _agreement(sig, dup, rep[dup])
    return NearDupResult(rep, similarity)
