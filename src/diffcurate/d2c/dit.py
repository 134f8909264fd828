"""A compact DiT (Peebles & Xie, 2023): patchify → N adaLN-Zero transformer blocks → unpatchify.

Sizes come from one registry (`DIT_CONFIGS`, which also feeds the CLI choices), from a tiny CPU
model up to XL/2. The conditioning vector is the timestep embedding plus a *condition*
embedding; by default that is a class embedding with one extra "null" class for classifier-free
guidance. `cond_embedder` can be swapped (issue 7's DC-Embedding fuses text with the class).
`forward(..., return_tokens_at=k)` also returns the tokens after block k (REPA aligns them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import torch
from torch import nn

# name -> (depth, hidden size, heads, patch size). T and N are ours (CPU-sized; N/2 costs what T/4
# costs per step on 32×32 images: 4× the tokens, a quarter of the width², half the depth); S/B/L/XL are DiT's.
DIT_CONFIGS: dict[str, tuple[int, int, int, int]] = {
    "DiT-N/2": (2, 64, 2, 2),
    "DiT-T/4": (4, 128, 4, 4),
    "DiT-T/2": (4, 128, 4, 2),
    "DiT-S/4": (12, 384, 6, 4),
    "DiT-S/2": (12, 384, 6, 2),
    "DiT-B/4": (12, 768, 12, 4),
    "DiT-B/2": (12, 768, 12, 2),
    "DiT-L/2": (24, 1024, 16, 2),
    "DiT-XL/2": (28, 1152, 16, 2),
}
# The CLI's --model choices (DiT-T/4, ...), from the registry.
DiTName = StrEnum("DiTName", {k.replace("-", "_").replace("/", "_"): k for k in DIT_CONFIGS})
FREQ_DIM = 256  # sinusoidal timestep features before the MLP (DiT's choice)
MAX_PERIOD = 10_000.0  # longest period of the sinusoidal timestep and position features
MLP_RATIO = 4.0
LN_EPS = 1e-6
ADALN_PARAMS = 6  # per block: shift, scale, gate for attention and for the MLP
INIT_STD = 0.02  # normal init of the embedding tables and the timestep MLP (DiT's)


@dataclass(frozen=True)
class DiTConfig:
    name: str = "DiT-T/4"
    input_size: int = 32  # pixels (or latent side)
    in_channels: int = 1
    num_classes: int = 10
    learn_sigma: bool = False  # DiT-XL/2 predicts (ε, Σ); our scorers predict ε only

    @property
    def depth(self) -> int:
        return DIT_CONFIGS[self.name][0]

    @property
    def hidden(self) -> int:
        return DIT_CONFIGS[self.name][1]

    @property
    def heads(self) -> int:
        return DIT_CONFIGS[self.name][2]

    @property
    def patch(self) -> int:
        return DIT_CONFIGS[self.name][3]

    @property
    def tokens(self) -> int:
        return (self.input_size // self.patch) ** 2

    @classmethod
    def for_data(cls, name: str, shape: list[int] | tuple[int, ...], num_classes: int) -> DiTConfig:
        """The config of a `name` model on data of `shape` (C, H, W) with `num_classes` classes."""
        return cls(name=str(name), input_size=shape[1], in_channels=shape[0], num_classes=num_classes)


def modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


class TimestepEmbedder(nn.Module):
    """Scalar timesteps → vectors: sinusoidal features, then a 2-layer MLP."""

    def __init__(self, hidden: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(FREQ_DIM, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    @staticmethod
    def sinusoidal(t: torch.Tensor, dim: int = FREQ_DIM, max_period: float = MAX_PERIOD) -> torch.Tensor:
        half = dim // 2
        freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
        args = t.float()[:, None] * freqs[None]  # (N, half)
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)  # (N, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.sinusoidal(t))


class LabelEmbedder(nn.Module):
    """Class labels → vectors; index `num_classes` is the null class of classifier-free guidance."""

    def __init__(self, num_classes: int, hidden: int):
        super().__init__()
        self.num_classes = num_classes
        self.table = nn.Embedding(num_classes + 1, hidden)

    def forward(self, y: torch.Tensor, **_: object) -> torch.Tensor:
        return self.table(y)


class Block(nn.Module):
    """Self-attention + MLP, each gated and modulated by the conditioning (adaLN-Zero)."""

    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(hidden, elementwise_affine=False, eps=LN_EPS)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden, elementwise_affine=False, eps=LN_EPS)
        self.mlp = nn.Sequential(
            nn.Linear(hidden, int(hidden * MLP_RATIO)), nn.GELU(approximate="tanh"), nn.Linear(int(hidden * MLP_RATIO), hidden)
        )
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(hidden, ADALN_PARAMS * hidden))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        n, t, d = x.shape
        q, k, v = self.qkv(x).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # 3 × (N, H, T, D/H)
        out = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (N, H, T, D/H)
        return self.proj(out.transpose(1, 2).reshape(n, t, d))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift_a, scale_a, gate_a, shift_m, scale_m, gate_m = self.ada(c).chunk(ADALN_PARAMS, dim=1)
        x = x + gate_a.unsqueeze(1) * self.attention(modulate(self.norm1(x), shift_a, scale_a))
        return x + gate_m.unsqueeze(1) * self.mlp(modulate(self.norm2(x), shift_m, scale_m))


class FinalLayer(nn.Module):
    def __init__(self, hidden: int, patch: int, out_channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(hidden, elementwise_affine=False, eps=LN_EPS)
        self.linear = nn.Linear(hidden, patch * patch * out_channels)
        self.ada = nn.Sequential(nn.SiLU(), nn.Linear(hidden, 2 * hidden))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        shift, scale = self.ada(c).chunk(2, dim=1)
        return self.linear(modulate(self.norm(x), shift, scale))


def sincos_pos_embed(hidden: int, grid: int) -> np.ndarray:
    """Fixed 2-D sine-cosine position embedding, (grid*grid, hidden)."""

    def one_d(dim: int, pos: np.ndarray) -> np.ndarray:
        omega = 1.0 / MAX_PERIOD ** (np.arange(dim // 2, dtype=np.float64) / (dim / 2.0))
        out = np.einsum("m,d->md", pos.reshape(-1), omega)
        return np.concatenate([np.sin(out), np.cos(out)], axis=1)

    gh, gw = np.meshgrid(np.arange(grid, dtype=np.float64), np.arange(grid, dtype=np.float64), indexing="xy")
    return np.concatenate([one_d(hidden // 2, gw), one_d(hidden // 2, gh)], axis=1)


class DiT(nn.Module):
    def __init__(self, cfg: DiTConfig, cond_embedder: nn.Module | None = None):
        super().__init__()
        self.cfg = cfg
        self.out_channels = cfg.in_channels * (2 if cfg.learn_sigma else 1)
        self.patch_embed = nn.Conv2d(cfg.in_channels, cfg.hidden, kernel_size=cfg.patch, stride=cfg.patch)
        self.register_buffer(
            "pos_embed",
            torch.from_numpy(sincos_pos_embed(cfg.hidden, cfg.input_size // cfg.patch)).float()[None],
            persistent=False,
        )
        self.t_embedder = TimestepEmbedder(cfg.hidden)
        self.y_embedder = cond_embedder or LabelEmbedder(cfg.num_classes, cfg.hidden)
        self.blocks = nn.ModuleList([Block(cfg.hidden, cfg.heads) for _ in range(cfg.depth)])
        self.final = FinalLayer(cfg.hidden, cfg.patch, self.out_channels)
        self.initialize()

    def initialize(self) -> None:
        """DiT's init: Xavier linears, and zero for every adaLN modulation and the output (adaLN-Zero:
        each block starts as the identity)."""

        def xavier(m: nn.Module) -> None:
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

        self.apply(xavier)
        w = self.patch_embed.weight.data
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.zeros_(self.patch_embed.bias)
        if isinstance(self.y_embedder, LabelEmbedder):
            nn.init.normal_(self.y_embedder.table.weight, std=INIT_STD)
        for layer in self.t_embedder.mlp:
            if isinstance(layer, nn.Linear):
                nn.init.normal_(layer.weight, std=INIT_STD)
        for blk in self.blocks:
            nn.init.zeros_(blk.ada[-1].weight)
            nn.init.zeros_(blk.ada[-1].bias)
        nn.init.zeros_(self.final.ada[-1].weight)
        nn.init.zeros_(self.final.ada[-1].bias)
        nn.init.zeros_(self.final.linear.weight)
        nn.init.zeros_(self.final.linear.bias)

    def unpatchify(self, x: torch.Tensor) -> torch.Tensor:
        """(N, T, p*p*C) → (N, C, H, W)."""
        p, c, g = self.cfg.patch, self.out_channels, self.cfg.input_size // self.cfg.patch
        x = x.reshape(x.shape[0], g, g, p, p, c)
        return torch.einsum("nhwpqc->nchpwq", x).reshape(x.shape[0], c, g * p, g * p)

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor, return_tokens_at: int | None = None, **cond: object):
        """x (N, C, H, W), t (N,), y (N,) → model output (N, out_channels, H, W) [, tokens after block k (N, T, D)]."""
        h = self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed  # (N, T, D)
        c = self.t_embedder(t) + self.y_embedder(y, **cond)  # (N, D)
        tokens = None
        for i, blk in enumerate(self.blocks, 1):
            h = blk(h, c)
            if i == return_tokens_at:
                tokens = h
        out = self.unpatchify(self.final(h, c))
        return (out, tokens) if return_tokens_at is not None else out

    def eps(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor, **cond: object) -> torch.Tensor:
        """The ε prediction (the first C channels when the model also learns Σ)."""
        return self(x, t, y, **cond)[:, : self.cfg.in_channels]
