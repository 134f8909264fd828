"""Process settings the D2C stages share, in a module light enough for every stage to import
(a stage's DVC deps cover every module it imports: this one pulls in no model code)."""

from __future__ import annotations


def set_threads(n: int) -> None:
    """torch's CPU threads; 0 keeps torch's default."""
    if n > 0:
        import torch

        torch.set_num_threads(n)
