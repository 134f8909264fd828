"""Sample-quality diagnostics that measure the artefacts people otherwise eyeball.

- `background_share`: the share of pixels at exactly the darkest 8-bit value. Fashion-MNIST's
  clothes lie on an exactly black background (about half of every image); an under-trained model
  paints it grey and speckled, which FID and precision barely punish at small N.
- `seam_ratio`: the mean absolute difference between neighbouring pixels across the borders of the
  DiT's p×p patches, divided by the same inside the patches. Real images have no patch grid (≈ 1);
  a model that decodes each patch on its own draws a visible grid (> 1).

Both read images as the 8-bit pixels a user would see (`sampling.to_uint8`, as the sample grids).
"""

from __future__ import annotations

import numpy as np
import torch

from diffcurate.d2c.sampling import to_uint8


def background_share(x: torch.Tensor) -> float:
    """Share of pixels at exactly 0 (black) in 8-bit."""
    return round(float((to_uint8(x).numpy() == 0).mean()), 4)


def seam_ratio(x: torch.Tensor, patch: int) -> float:
    """Mean |neighbour difference| across patch borders / inside patches, both directions."""
    px = to_uint8(x).numpy().astype(np.float64)
    h, w = px.shape[-2:]
    if patch < 2 or h % patch or w % patch:
        raise ValueError(f"patch size {patch} must be ≥ 2 and divide the image size {h}×{w}")
    dx = np.abs(np.diff(px, axis=-1))  # (…, H, W-1): column j is the step from j to j+1
    dy = np.abs(np.diff(px, axis=-2))
    border_x = (np.arange(w - 1) % patch) == patch - 1  # the step leaves a patch
    border_y = (np.arange(h - 1) % patch) == patch - 1
    across = np.concatenate([dx[..., border_x].ravel(), dy[..., border_y, :].ravel()])
    inside = np.concatenate([dx[..., ~border_x].ravel(), dy[..., ~border_y, :].ravel()])
    if inside.mean() == 0:
        return 1.0 if across.mean() == 0 else float("inf")
    return round(float(across.mean() / inside.mean()), 4)


def artefacts(x: torch.Tensor, patch: int) -> dict[str, float]:
    return {"background_share": background_share(x), "seam_ratio": seam_ratio(x, patch)}
