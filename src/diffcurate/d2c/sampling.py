"""Samplers: DDIM (η = 0) for ε-models, Euler / Heun ODE for SiT velocity models, with
classifier-free guidance (conditional and null-class predictions mixed by `cfg_scale`). The
integration itself is the transport's (`transport.py`); here: noise, guidance, batching, grids."""

from __future__ import annotations

import torch

from diffcurate.d2c.transport import DATA_RANGE, OBJECTIVE_OF, Objective, Sampler, create_transport, default_sampler

GENERATE_BATCH = 250  # images sampled per forward batch
GRID_ROW = 10  # images per row of a sample grid
PIXEL_MAX = 255  # [-1, 1] → 8-bit pixels
NO_GUIDANCE = 1.0  # cfg_scale 1: the conditional prediction alone (one forward pass)
# The training stage's preview grid (dvclive): one row per class.
PREVIEW_PER_CLASS, PREVIEW_STEPS, PREVIEW_CFG = 8, 25, 2.0


def _guided(model, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor, cfg_scale: float) -> torch.Tensor:
    """Model output with classifier-free guidance: u + s·(c − u), u the null-class output."""
    c_in = x.shape[1]
    if cfg_scale == NO_GUIDANCE:
        return model(x, t, y)[:, :c_in]
    null = torch.full_like(y, model.cfg.num_classes)
    out = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y, null]))[:, :c_in]
    cond, uncond = out.chunk(2)
    return uncond + cfg_scale * (cond - uncond)


@torch.no_grad()
def sample(
    model, labels: torch.Tensor, shape: tuple[int, ...], sampler: Sampler, steps: int, cfg_scale: float, seed: int
) -> torch.Tensor:
    """(N, *shape) samples for `labels`, from noise drawn with `seed`, clipped to [-1, 1]; `sampler`
    picks the objective the model was trained with (ddim: ε; euler / heun: velocity)."""
    gen = torch.Generator().manual_seed(seed)
    params = model.parameters() if isinstance(model, torch.nn.Module) else iter(())
    device = next((p.device for p in params), torch.device("cpu"))
    x = torch.randn((len(labels), *shape), generator=gen).to(device)  # drawn on the CPU: the same noise on any device
    labels = labels.to(device)
    transport = create_transport(OBJECTIVE_OF[sampler])
    x = transport.integrate(lambda x_t, t: _guided(model, x_t, t, labels, cfg_scale), x, sampler, steps)
    return x.cpu()


def generate(
    model, n_samples: int, sampler: Sampler, steps: int, cfg_scale: float, seed: int, batch_size: int = GENERATE_BATCH
) -> torch.Tensor:
    """`n_samples` images balanced over the classes (label i % C), in batches; the batch starting at
    row `lo` draws its noise from seed + lo (deterministic for a seed and batch size)."""
    c = model.cfg
    labels = torch.arange(n_samples) % c.num_classes
    shape = (c.in_channels, c.input_size, c.input_size)
    batches = range(0, n_samples, batch_size)
    return torch.cat([sample(model, labels[lo : lo + batch_size], shape, sampler, steps, cfg_scale, seed + lo) for lo in batches])


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) in [-1, 1] → the 8-bit pixels a user sees (clipped, rounded)."""
    return ((x.clamp(-DATA_RANGE, DATA_RANGE) + DATA_RANGE) * (PIXEL_MAX / (2 * DATA_RANGE))).round().byte()


def grid_image(x: torch.Tensor, nrow: int = GRID_ROW):
    """(N, C, H, W) in [-1, 1] → a PIL image grid."""
    import numpy as np
    from PIL import Image

    n, c, h, w = x.shape
    rows = -(-n // nrow)
    canvas = np.zeros((rows * h, nrow * w, c), dtype=np.uint8)
    arr = to_uint8(x).permute(0, 2, 3, 1).numpy()
    for i in range(n):
        r, k = divmod(i, nrow)
        canvas[r * h : (r + 1) * h, k * w : (k + 1) * w] = arr[i]
    return Image.fromarray(canvas[:, :, 0] if c == 1 else canvas)


def class_grid(model, objective: Objective, seed: int):
    """A quick look at a trained model: PREVIEW_PER_CLASS samples of every class, one row per class,
    with the objective's default sampler."""
    c = model.cfg
    labels = torch.arange(c.num_classes).repeat_interleave(PREVIEW_PER_CLASS)
    shape = (c.in_channels, c.input_size, c.input_size)
    x = sample(model, labels, shape, default_sampler(objective), PREVIEW_STEPS, PREVIEW_CFG, seed)
    return grid_image(x, PREVIEW_PER_CLASS)
