"""The training objective in one place (as SiT's `create_transport` and REPA's `SILoss`).

Two objectives, one registry (`Objective`):

- `eps` (DiT): DDPM noising on the schedule of `diffusion.py`, x_t = √ᾱ_t x0 + √(1−ᾱ_t) ε with an
  integer t ~ U{0, …, T−1}; the model predicts ε. Sampled with DDIM (η = 0).
- `sit` (SiT): the linear interpolant x_t = (1 − t)·x0 + t·ε with t ~ U(0, 1) (t = 0: data,
  t = 1: noise); the model predicts the velocity dx_t/dt = ε − x0. Sampled by integrating that ODE
  from t = 1 to t = 0 (Euler or Heun).

The per-sample loss can be weighted (`LossWeighting`): `min-snr` is Min-SNR-γ (Hang et al., 2023),
whose weight in x0 units is min(SNR(t), γ): ε-MSE × min(SNR, γ)/SNR for `eps`, velocity-MSE ×
min(SNR, γ)·t² for `sit` (the velocity error is the x0 error over t). It stops the easy low-noise
steps from dominating the gradient, the tiny CPU models' usual failure (grey speckled backgrounds).

Both feed the same DiT timestep embedding, whose scale is DDPM's integer steps: a continuous SiT
time t enters the model as `model_time(t)` = t·(T − 1).

`Transport.draw` noises a clean batch for training (the draws come from a CPU generator, so they
are the same on any device), `Transport.loss` is the MSE against the target, `Transport.integrate`
runs a sampler. Training (`training.eps_objective`, `student.student_objective`), scoring
(`score.py`) and sampling (`sampling.py`) all go through this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import torch

from diffcurate.d2c.diffusion import NUM_TIMESTEPS, alphas_cumprod, q_sample
from diffcurate.errors import DiffcurateError

MAX_TIMESTEP = NUM_TIMESTEPS - 1  # the last DDPM step: the model's timestep input runs over [0, MAX_TIMESTEP]
DATA_TIME, NOISE_TIME = 0.0, 1.0  # SiT's interpolant: t = 0 is the data, t = 1 pure noise
DATA_RANGE = 1.0  # images (and latents) live in [-DATA_RANGE, DATA_RANGE]: samplers clip to it


class Objective(StrEnum):
    EPS = "eps"  # DiT: DDPM noising, predict ε
    SIT = "sit"  # SiT: linear interpolant, predict the velocity ε − x0


class Sampler(StrEnum):
    DDIM = "ddim"  # ε-models
    EULER = "euler"  # SiT
    HEUN = "heun"  # SiT


# The samplers that fit each objective; the first is the default.
SAMPLERS: dict[Objective, tuple[Sampler, ...]] = {
    Objective.EPS: (Sampler.DDIM,),
    Objective.SIT: (Sampler.EULER, Sampler.HEUN),
}


OBJECTIVE_OF: dict[Sampler, Objective] = {s: o for o, samplers in SAMPLERS.items() for s in samplers}


class SamplerMismatch(DiffcurateError, ValueError):
    """A sampler used on a model trained with an objective it does not fit."""

    def __init__(self, objective: Objective, sampler: Sampler):
        super().__init__(f"sampler {sampler.value} does not fit a {objective.value} model ({samplers_text()})")


def default_sampler(objective: Objective) -> Sampler:
    return SAMPLERS[objective][0]


def check_sampler(objective: Objective, sampler: Sampler) -> None:
    if sampler not in SAMPLERS[objective]:
        raise SamplerMismatch(objective, sampler)


def samplers_text() -> str:
    """'eps: ddim; sit: euler or heun' (for messages and option help)."""
    return "; ".join(f"{o.value}: {' or '.join(s.value for s in samplers)}" for o, samplers in SAMPLERS.items())


class LossWeighting(StrEnum):
    NONE = "none"  # plain MSE (DiT, SiT)
    MIN_SNR = "min-snr"  # Min-SNR-γ, γ = MIN_SNR_GAMMA


MIN_SNR_GAMMA = 5.0  # the paper's γ


class DrawOrder(StrEnum):
    """Which of (t, ε) a training step draws first from the generator. Both orders exist in trained
    models and checkpoints (resumed exactly), so both are kept: the scorer's pretraining draws t
    first, as DiT's train.py does; the student draws ε first."""

    TIME_FIRST = "time-first"
    NOISE_FIRST = "noise-first"


def model_time(t: torch.Tensor) -> torch.Tensor:
    """Continuous time t ∈ [0, 1] → the DiT's timestep scale [0, MAX_TIMESTEP]."""
    return t * MAX_TIMESTEP


def interpolate(x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """SiT's linear interpolant x_t = (1 − t)·x0 + t·ε; x0, ε (N, C, H, W), t (N,)."""
    tt = t.view(-1, 1, 1, 1)
    return (1 - tt) * x0 + tt * eps


def velocity(x0: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """dx_t/dt of the linear interpolant: ε − x0."""
    return eps - x0


def stratified_timesteps(n: int, gen: torch.Generator) -> torch.Tensor:
    """n integer DDPM timesteps, one uniform draw in each of n equal strata of [0, T), so a few
    draws still cover the schedule (the scorer's fixed pairs)."""
    edges = torch.linspace(0, NUM_TIMESTEPS, n + 1)
    return (edges[:-1] + torch.rand(n, generator=gen) * (edges[1:] - edges[:-1])).long().clamp(0, MAX_TIMESTEP)


@dataclass(frozen=True)
class Noised:
    """A noised batch: the model input x_t (N, C, H, W), its timestep input t (N,) on the model's
    scale, and the regression target (N, C, H, W): ε or the velocity."""

    x_t: torch.Tensor
    t: torch.Tensor
    target: torch.Tensor
    snr: torch.Tensor | None = None  # (N,) signal-to-noise ratio of each sample's noise level


def snr_eps(t: torch.Tensor) -> torch.Tensor:
    """SNR ᾱ_t / (1 − ᾱ_t) of integer DDPM timesteps t (N,)."""
    ab = alphas_cumprod().to(t.device)[t]  # float64: 1 − ᾱ_t is ~1e-4 at t = 0
    return (ab / (1 - ab)).float()


def snr_sit(t: torch.Tensor) -> torch.Tensor:
    """SNR ((1 − t) / t)² of the linear interpolant at continuous t (N,) (t = 0 clamped)."""
    t = t.float().clamp(min=1e-6)
    return ((1 - t) / t) ** 2


@dataclass(frozen=True)
class Transport:
    objective: Objective
    draw_order: DrawOrder = DrawOrder.NOISE_FIRST
    weighting: LossWeighting = LossWeighting.NONE

    # --- training ---------------------------------------------------------------------------------------
    def draw_time(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """n training times: integer DDPM steps (eps) or continuous t ∈ [0, 1) (sit)."""
        if self.objective is Objective.EPS:
            return torch.randint(0, NUM_TIMESTEPS, (n,), generator=gen)
        return torch.rand(n, generator=gen)

    def noise(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> Noised:
        """x0 noised to times t (as `draw_time` gives them) with noise ε."""
        if self.objective is Objective.EPS:
            return Noised(q_sample(x0, t, eps), t, eps, snr_eps(t))
        return Noised(interpolate(x0, eps, t), model_time(t), velocity(x0, eps), snr_sit(t))

    def weights(self, noised: Noised) -> torch.Tensor | None:
        """(N,) per-sample loss weights of this transport's weighting (None: unweighted)."""
        if self.weighting is LossWeighting.NONE:
            return None
        snr = noised.snr
        if self.objective is Objective.EPS:
            return snr.clamp(max=MIN_SNR_GAMMA) / snr
        t = 1 / (1 + snr.sqrt())  # back from SNR to the interpolant's t
        return snr.clamp(max=MIN_SNR_GAMMA) * t**2

    def draw(self, x0: torch.Tensor, gen: torch.Generator) -> Noised:
        """A training batch: times and noise from the CPU generator `gen` (the same draws on any
        device), in this transport's draw order."""
        if self.draw_order is DrawOrder.TIME_FIRST:
            t = self.draw_time(x0.shape[0], gen).to(x0.device)
            eps = torch.randn(x0.shape, generator=gen).to(x0.device)
        else:
            eps = torch.randn(x0.shape, generator=gen).to(x0.device)
            t = self.draw_time(x0.shape[0], gen).to(x0.device)
        return self.noise(x0, t, eps)

    def loss(self, pred: torch.Tensor, noised: Noised) -> torch.Tensor:
        """MSE between the model output's first C channels (a learned-Σ model stacks (ε, Σ)) and
        the target, in float32, weighted per sample by `weighting`."""
        target = noised.target
        se = (pred[:, : target.shape[1]].float() - target) ** 2
        w = self.weights(noised)
        if w is None:
            return se.mean()
        return (se.flatten(1).mean(1) * w).mean()

    def training_loss(self, model, x0: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """The whole objective for a model `model(x_t, t, y)`: draw, predict, MSE."""
        noised = self.draw(x0, gen)
        return self.loss(model(noised.x_t, noised.t, y), noised)

    # --- sampling ---------------------------------------------------------------------------------------
    def integrate(
        self, predict: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, sampler: Sampler, steps: int
    ) -> torch.Tensor:
        """From noise x (N, C, H, W) to data in `steps` steps of `sampler`; `predict(x_t, t)` is the
        (guided) model output for a timestep batch t (N,) on the model's scale. Clipped to the data range."""
        check_sampler(self.objective, sampler)
        if self.objective is Objective.EPS:
            return _ddim(predict, x, steps).clamp(-DATA_RANGE, DATA_RANGE)
        return _ode(predict, x, steps, heun=sampler is Sampler.HEUN).clamp(-DATA_RANGE, DATA_RANGE)


def _ddim(predict: Callable, x: torch.Tensor, steps: int) -> torch.Tensor:
    """DDIM (η = 0) over `steps` evenly spaced DDPM timesteps, from T − 1 down to 0."""
    device, n = x.device, x.shape[0]
    ab = alphas_cumprod().float().to(device)
    ts = torch.linspace(MAX_TIMESTEP, 0, steps).round().long().to(device)
    for i, t in enumerate(ts):
        eps = predict(x, t.expand(n))
        a_t = ab[t]
        a_prev = ab[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0, device=device)  # after the last step: ᾱ = 1, the data
        x0 = ((x - (1 - a_t).sqrt() * eps) / a_t.sqrt()).clamp(-DATA_RANGE, DATA_RANGE)
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x


def _ode(predict: Callable, x: torch.Tensor, steps: int, heun: bool) -> torch.Tensor:
    """Integrate dx/dt = v(x, t) from t = 1 (noise) to t = 0 (data) on a uniform grid; Heun
    corrects every step but the last (where v at t = 0 is not needed)."""
    n = x.shape[0]
    grid = torch.linspace(NOISE_TIME, DATA_TIME, steps + 1).to(x.device)
    for i in range(steps):
        t, t_next = grid[i], grid[i + 1]
        v = predict(x, model_time(t).expand(n))
        x_next = x + (t_next - t) * v
        if heun and i + 1 < steps:
            v2 = predict(x_next, model_time(t_next).expand(n))
            x_next = x + (t_next - t) * 0.5 * (v + v2)
        x = x_next
    return x


def create_transport(
    objective: Objective | str,
    draw_order: DrawOrder = DrawOrder.NOISE_FIRST,
    weighting: LossWeighting | str = LossWeighting.NONE,
) -> Transport:
    return Transport(Objective(objective), draw_order, LossWeighting(weighting))


# The scorer: an ε-model (ours, pretrained on the full corpus, or DiT-XL/2), pretrained with t drawn first.
SCORER = Transport(Objective.EPS, DrawOrder.TIME_FIRST)


def eps_objective(model, x0: torch.Tensor, y: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """DiT's ε-prediction objective (the scorer's pretraining): uniform t, Gaussian ε, MSE.
    Calls go through `model(...)` (DDP), the ε part of a learned-Σ output only."""
    return SCORER.training_loss(model, x0, y, gen)


def per_sample_eps_loss(pred: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """(N,) mean squared ε error per sample (the scorer's difficulty), in the prediction's dtype."""
    return ((eps - pred) ** 2).flatten(1).mean(1)
