"""Artefact diagnostics: exact-black background share and the patch-seam ratio."""

from __future__ import annotations

import pytest
import torch

from diffcurate.d2c.diagnostics import artefacts, background_share, seam_ratio


def test_background_share_counts_exact_black_only() -> None:
    x = -torch.ones(2, 1, 8, 8)
    x[0, 0, :4] = 0.0  # grey
    x[1, 0, :, :2] = -0.999  # rounds to 0: still black in 8-bit
    assert background_share(x) == pytest.approx((64 - 32 + 64) / 128)
    assert background_share(x + 0.02) < 0.01  # a faint grey wash leaves no exact black


def test_seam_ratio_sees_a_patch_grid_and_not_smooth_images() -> None:
    smooth = torch.linspace(-1, 1, 16).repeat(16, 1)[None, None]  # a horizontal ramp: equal steps everywhere
    assert seam_ratio(smooth, 4) == pytest.approx(1.0, rel=0.05)
    gen = torch.Generator().manual_seed(0)
    patches = torch.rand(1, 1, 4, 4, generator=gen) * 2 - 1  # one flat value per 4×4 patch
    blocky = patches.repeat_interleave(4, -1).repeat_interleave(4, -2) + 0.01 * torch.randn(1, 1, 16, 16, generator=gen)
    assert seam_ratio(blocky, 4) > 5
    with pytest.raises(ValueError, match="divide"):
        seam_ratio(smooth, 5)
    assert set(artefacts(smooth, 4)) == {"background_share", "seam_ratio"}
