"""The D2C student: DiT/SiT with the dual class + text embedding (DC-Embedding) and the REPA loss.

DC-Embedding: the class prompt's text tokens and mask pass a 1-D convolution over the tokens,
are mean-pooled over the real tokens, added to a learnable class embedding and refined by a
residual MLP into the conditioning vector. `Conditioning` switches the ablation: class only,
text only, or both. The per-class text tokens are a buffer of the model, so sampling needs no
text encoder. The null class (label = num_classes) has its own learned vector (guidance). The text
branch draws its initial weights from a generator of its own (seeded by one draw that every mode
makes), so a class-only and a class + text student of the same seed start from the same weights
everywhere else: the Attach ablation compares paired runs.

REPA (Yu et al., 2024): a projection MLP maps the tokens after block `encoder_depth` to the
frozen vision encoder's dimension; the loss is the negative cosine similarity to the attached
visual tokens of the clean image, weighted by `proj_coeff`.

Objectives: `eps` (DiT: DDPM noising, predict ε) and `sit` (SiT: linear interpolant
x_t = (1 − t)·x0 + t·ε, t ~ U(0, 1), predict the velocity ε − x0); both live in `transport.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import torch
from torch import nn

from diffcurate.d2c.dit import INIT_STD, DiT, DiTConfig
from diffcurate.d2c.transport import LossWeighting, Noised, Objective, Transport, create_transport

__all__ = [
    "DEFAULT_VISUAL_DIM",
    "Conditioning",
    "LossWeighting",
    "DCEmbedding",
    "Objective",
    "Student",
    "StudentConfig",
    "repa_loss",
    "student_loss",
    "student_objective",
    "student_transport",
]

DEFAULT_VISUAL_DIM = 1280  # width of attach's default visual tokens (EfficientNet-Lite0)
PROJECTOR_WIDTH = 2  # REPA's projector MLP: hidden width = 2 × the DiT's
TEXT_SEED_RANGE = 2**31 - 1  # DC-Embedding: the text branch's own seed is drawn from [0, this)


class Conditioning(StrEnum):
    CLASS = "class"
    TEXT = "text"
    BOTH = "both"


class DCEmbedding(nn.Module):
    def __init__(self, num_classes: int, hidden: int, text: torch.Tensor | None, mask: torch.Tensor | None, mode: Conditioning):
        super().__init__()
        self.num_classes, self.mode = num_classes, mode
        self.table = nn.Embedding(num_classes + 1, hidden)  # + the null class
        nn.init.normal_(self.table.weight, std=INIT_STD)
        # Drawn in every mode, so the weights initialised after this one (fuse, the DiT, the REPA
        # projector) get the same numbers with or without the text branch.
        text_seed = int(torch.randint(TEXT_SEED_RANGE, ()))
        if mode is not Conditioning.CLASS:
            if text is None or mask is None:
                raise ValueError(f"conditioning {mode.value} needs text tokens")
            self.register_buffer("text", text.float())  # (C, L, D)
            self.register_buffer("mask", mask.float())  # (C, L)
            with torch.random.fork_rng(devices=[]):  # the CPU generator only; its state is put back after
                torch.default_generator.manual_seed(text_seed)
                self.conv = nn.Conv1d(text.shape[-1], hidden, kernel_size=3, padding=1)
            self.null_text = nn.Parameter(torch.zeros(hidden))
        self.fuse = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def text_vector(self, y: torch.Tensor) -> torch.Tensor:
        real = y.clamp(max=self.num_classes - 1)
        tokens = self.conv(self.text[real].transpose(1, 2))  # (N, hidden, L)
        m = self.mask[real].unsqueeze(1)  # (N, 1, L)
        pooled = (tokens * m).sum(-1) / m.sum(-1).clamp(min=1.0)  # (N, hidden)
        return torch.where((y == self.num_classes).unsqueeze(1), self.null_text.expand_as(pooled), pooled)

    def forward(self, y: torch.Tensor, **_: object) -> torch.Tensor:
        if self.mode is Conditioning.CLASS:
            a = self.table(y)
        elif self.mode is Conditioning.TEXT:
            # Text only: the class table contributes the null entry for dropped labels only.
            a = self.text_vector(y) + self.table(torch.full_like(y, self.num_classes)) * (y == self.num_classes).unsqueeze(1)
        else:
            a = self.table(y) + self.text_vector(y)
        return a + self.fuse(a)  # residual MLP


@dataclass(frozen=True)
class StudentConfig:
    dit: DiTConfig
    conditioning: Conditioning = Conditioning.BOTH
    objective: Objective = Objective.EPS
    encoder_depth: int = 2  # REPA: align the tokens after this block
    proj_coeff: float = 0.5  # REPA weight (0: off)
    visual_dim: int = DEFAULT_VISUAL_DIM  # the projector's output: the visual tokens' width
    weighting: LossWeighting = LossWeighting.MIN_SNR  # per-sample loss weights (params.yaml train.weighting)


class Student(nn.Module):
    def __init__(self, cfg: StudentConfig, text: torch.Tensor | None = None, mask: torch.Tensor | None = None):
        super().__init__()
        self.scfg = cfg
        self.dit = DiT(cfg.dit, DCEmbedding(cfg.dit.num_classes, cfg.dit.hidden, text, mask, cfg.conditioning))
        self.cfg = cfg.dit  # the training loop reads cfg.num_classes (the null class)
        w = PROJECTOR_WIDTH * cfg.dit.hidden
        self.projector = nn.Sequential(
            nn.Linear(cfg.dit.hidden, w), nn.SiLU(), nn.Linear(w, w), nn.SiLU(), nn.Linear(w, cfg.visual_dim)
        )

    def forward(self, x, t, y, return_tokens_at=None):
        """Model output; with `return_tokens_at=k` also the tokens after block k, projected to the
        vision encoder's width (inside forward, so DDP sees the projector used)."""
        if return_tokens_at is None:
            return self.dit(x, t, y)
        out, tokens = self.dit(x, t, y, return_tokens_at=return_tokens_at)
        return out, self.projector(tokens)  # (N, C, H, W), (N, T, Dv)

    def eps(self, x, t, y):
        return self.dit.eps(x, t, y)


def repa_loss(projected: torch.Tensor, visual: torch.Tensor) -> torch.Tensor:
    """Negative cosine similarity between projected DiT tokens (N, T, Dv) and visual tokens (N, T, Dv)."""
    return -nn.functional.cosine_similarity(projected.float(), visual.float(), dim=-1).mean()


def student_transport(cfg: StudentConfig) -> Transport:
    """The student's objective and loss weighting (`transport.py`); ε drawn before t."""
    return create_transport(cfg.objective, weighting=cfg.weighting)


def student_objective(
    model: Student, x0: torch.Tensor, y: torch.Tensor, gen: torch.Generator, visual: torch.Tensor | None = None
) -> torch.Tensor:
    """Denoising loss (ε or velocity, `transport.py`) + proj_coeff × REPA alignment (when visual tokens are given)."""
    # Noise and timesteps come from the CPU generator (the same draws on any device, for any data).
    noised = student_transport(model.scfg).draw(x0, gen)
    return student_loss(model, noised, y, visual)


def student_loss(model: Student, noised: Noised, y: torch.Tensor, visual: torch.Tensor | None = None) -> torch.Tensor:
    """The loss of one drawn batch: denoising + proj_coeff × REPA. `model` is called as
    `model(x_t, t, y[, return_tokens_at])` and read for `scfg` only, so a functional stand-in
    (benchmarks/grid/gpu_batch.py: many students at once under torch.func.vmap) computes the same loss."""
    cfg = model.scfg
    use_repa = visual is not None and cfg.proj_coeff > 0
    out = model(noised.x_t, noised.t, y, return_tokens_at=cfg.encoder_depth if use_repa else None)
    pred, projected = out if use_repa else (out, None)
    loss = student_transport(cfg).loss(pred, noised)
    if use_repa:
        loss = loss + cfg.proj_coeff * repa_loss(projected, visual)
    return loss
