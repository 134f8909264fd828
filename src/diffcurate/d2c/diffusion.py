"""The DDPM noise schedule (one piece of code per idea): DiT's 1000 steps, betas linear from 1e-4
to 0.02; x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε. The ε objective, the scorer's noising and DDIM sampling use
it through `transport.py`, the one module training, scoring and sampling import.
"""

from __future__ import annotations

from functools import lru_cache

import torch

NUM_TIMESTEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02


@lru_cache(maxsize=4)
def alphas_cumprod(num_timesteps: int = NUM_TIMESTEPS) -> torch.Tensor:
    betas = torch.linspace(BETA_START, BETA_END, num_timesteps, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)  # (T,) float64


def q_sample(x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor, num_timesteps: int = NUM_TIMESTEPS) -> torch.Tensor:
    """Noise clean samples x0 (N, C, H, W) to timesteps t (N,) with noise eps."""
    ab = alphas_cumprod(num_timesteps).to(x0.device)[t].float().view(-1, 1, 1, 1)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * eps
