"""Samplers: DDIM (η = 0) for ε-models, Euler / Heun ODE for SiT velocity models, with
classifier-free guidance (conditional and null-class predictions mixed by `cfg_scale`)."""

from __future__ import annotations

from enum import StrEnum

import torch

from diffcurate.d2c.diffusion import NUM_TIMESTEPS, alphas_cumprod


class Sampler(StrEnum):
    DDIM = "ddim"  # ε-models
    EULER = "euler"  # SiT
    HEUN = "heun"  # SiT


def _guided(model, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg_scale: float) -> torch.Tensor:
    """Model output with classifier-free guidance: u + s·(c − u), u the null-class output."""
    c_in = x.shape[1]
    if cfg_scale == 1.0:
        return model(x, t, y)[:, :c_in]
    null = torch.full_like(y, model.cfg.num_classes)
    out = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null]))[:, :c_in]
    cond, uncond = out.chunk(2)
    return uncond + cfg_scale * (cond - uncond)


@torch.no_grad()
def sample(
    model, labels: torch.Tensor, shape: tuple[int, ...], sampler: Sampler, steps: int, cfg_scale: float, seed: int
) -> torch.Tensor:
    """(N, *shape) samples for `labels`, from noise drawn with `seed`, clipped to [-1, 1]."""
    gen = torch.Generator().manual_seed(seed)
    params = model.parameters() if isinstance(model, torch.nn.Module) else iter(())
    device = next((p.device for p in params), torch.device("cpu"))
    x = torch.randn((len(labels), *shape), generator=gen).to(device)  # drawn on the CPU: the same noise on any device
    labels = labels.to(device)
    n = len(labels)
    if sampler is Sampler.DDIM:
        ab = alphas_cumprod().float().to(device)
        ts = torch.linspace(NUM_TIMESTEPS - 1, 0, steps).round().long().to(device)
        for i, t in enumerate(ts):
            eps = _guided(model, x, t.expand(n), labels, cfg_scale)
            a_t = ab[t]
            a_prev = ab[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0, device=device)
            x0 = ((x - (1 - a_t).sqrt() * eps) / a_t.sqrt()).clamp(-1, 1)
            x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        return x.clamp(-1, 1).cpu()
    # SiT: integrate dx/dt = v(x, t) from t = 1 (noise) to t = 0 (data).
    grid = torch.linspace(1.0, 0.0, steps + 1).to(device)
    for i in range(steps):
        t, t_next = grid[i], grid[i + 1]
        v = _guided(model, x, (t * (NUM_TIMESTEPS - 1)).expand(n), labels, cfg_scale)
        x_next = x + (t_next - t) * v
        if sampler is Sampler.HEUN and i + 1 < steps:
            v2 = _guided(model, x_next, (t_next * (NUM_TIMESTEPS - 1)).expand(n), labels, cfg_scale)
            x_next = x + (t_next - t) * 0.5 * (v + v2)
        x = x_next
    return x.clamp(-1, 1).cpu()


def generate(
    model, n_samples: int, sampler: Sampler, steps: int, cfg_scale: float, seed: int, batch_size: int = 250
) -> torch.Tensor:
    """`n_samples` images balanced over the classes (label i % C), in batches; the batch starting at
    row `lo` draws its noise from seed + lo (deterministic for a seed and batch size)."""
    c = model.cfg
    labels = torch.arange(n_samples) % c.num_classes
    shape = (c.in_channels, c.input_size, c.input_size)
    batches = range(0, n_samples, batch_size)
    return torch.cat([sample(model, labels[lo : lo + batch_size], shape, sampler, steps, cfg_scale, seed + lo) for lo in batches])


def grid_image(x: torch.Tensor, nrow: int = 10):
    """(N, C, H, W) in [-1, 1] → a PIL image grid."""
    import numpy as np
    from PIL import Image

    n, c, h, w = x.shape
    rows = -(-n // nrow)
    canvas = np.zeros((rows * h, nrow * w, c), dtype=np.uint8)
    arr = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    for i in range(n):
        r, k = divmod(i, nrow)
        canvas[r * h : (r + 1) * h, k * w : (k + 1) * w] = arr[i]
    return Image.fromarray(canvas[:, :, 0] if c == 1 else canvas)
