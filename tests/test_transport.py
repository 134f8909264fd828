"""The training objective in one place (d2c/transport.py): the ε objective and the SiT interpolant
against their hand-written formulas, the time scaling, the draw orders, the sampler registry, and
sampling against a fixed reference computed with the code before the transport existed."""

from __future__ import annotations

import pytest
import torch

from diffcurate.d2c.diffusion import BETA_END, BETA_START, NUM_TIMESTEPS, alphas_cumprod
from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.sampling import sample
from diffcurate.d2c.score import draw_pairs
from diffcurate.d2c.transport import (
    MAX_TIMESTEP,
    OBJECTIVE_OF,
    SAMPLERS,
    SCORER,
    DrawOrder,
    Noised,
    Objective,
    Sampler,
    SamplerMismatch,
    Transport,
    check_sampler,
    create_transport,
    default_sampler,
    eps_objective,
    interpolate,
    model_time,
    per_sample_eps_loss,
    stratified_timesteps,
    velocity,
)
from diffcurate.errors import DiffcurateError

N = 5
SHAPE = (N, 2, 4, 4)


def batch(seed: int = 0) -> torch.Tensor:
    return torch.randn(SHAPE, generator=torch.Generator().manual_seed(seed))


def hand_alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """ᾱ_t = Π_{s ≤ t} (1 − β_s), β linear from BETA_START to BETA_END over NUM_TIMESTEPS steps."""
    betas = torch.linspace(BETA_START, BETA_END, NUM_TIMESTEPS, dtype=torch.float64)
    return torch.tensor([float(torch.prod(1 - betas[: int(s) + 1])) for s in t], dtype=torch.float64)


class Linear(torch.nn.Module):
    """A model whose output is a fixed function of its inputs (and whose extra channels are Σ)."""

    def forward(self, x, t, y):
        out = 0.5 * x + 1e-3 * t.float().view(-1, 1, 1, 1) + 0.1 * y.float().view(-1, 1, 1, 1)
        return torch.cat([out, torch.full_like(out, 7.0)], dim=1)  # learned-Σ layout: (ε, Σ) on channels


# --- time scaling and schedule -------------------------------------------------------------------
def test_model_time_maps_the_unit_interval_onto_the_ddpm_steps():
    assert MAX_TIMESTEP == NUM_TIMESTEPS - 1 == 999
    t = torch.tensor([0.0, 0.5, 1.0])
    assert torch.equal(model_time(t), torch.tensor([0.0, 499.5, 999.0]))


def test_schedule_matches_the_hand_product():
    t = torch.tensor([0, 1, 500, 999])
    torch.testing.assert_close(alphas_cumprod()[t], hand_alpha_bar(t), rtol=1e-12, atol=0)


# --- the ε objective -----------------------------------------------------------------------------------
def test_eps_objective_is_the_hand_formula_with_t_drawn_first():
    x0, y = batch(), torch.tensor([0, 1, 2, 0, 3])
    loss = eps_objective(Linear(), x0, y, torch.Generator().manual_seed(4))
    # By hand: t ~ U{0..T-1} first, then ε; x_t = √ᾱ x0 + √(1−ᾱ) ε; MSE of the ε channels vs ε.
    gen = torch.Generator().manual_seed(4)
    t = torch.randint(0, NUM_TIMESTEPS, (N,), generator=gen)
    eps = torch.randn(SHAPE, generator=gen)
    ab = hand_alpha_bar(t).view(-1, 1, 1, 1)
    x_t = (ab.sqrt() * x0.double() + (1 - ab).sqrt() * eps.double()).float()
    pred = 0.5 * x_t + 1e-3 * t.float().view(-1, 1, 1, 1) + 0.1 * y.float().view(-1, 1, 1, 1)
    torch.testing.assert_close(loss, ((pred - eps) ** 2).mean(), rtol=1e-5, atol=1e-6)


def test_the_scorer_transport_is_eps_time_first_and_the_student_noise_first():
    x0 = batch()
    a, b = SCORER.draw(x0, torch.Generator().manual_seed(1)), create_transport("eps").draw(x0, torch.Generator().manual_seed(1))
    gen = torch.Generator().manual_seed(1)
    t_first = torch.randint(0, NUM_TIMESTEPS, (N,), generator=gen)
    assert torch.equal(a.t, t_first) and torch.equal(a.target, torch.randn(SHAPE, generator=gen))
    gen = torch.Generator().manual_seed(1)
    eps_first = torch.randn(SHAPE, generator=gen)
    assert torch.equal(b.target, eps_first) and torch.equal(b.t, torch.randint(0, NUM_TIMESTEPS, (N,), generator=gen))
    assert SCORER == Transport(Objective.EPS, DrawOrder.TIME_FIRST)


def test_loss_reads_only_the_first_channels_in_float32():
    noised = Noised(batch(), torch.zeros(N), batch(1))
    pred = torch.cat([noised.target.half(), torch.full(SHAPE, 9.0).half()], dim=1)
    loss = SCORER.loss(pred, noised)
    assert loss.dtype == torch.float32
    torch.testing.assert_close(loss, ((noised.target.half().float() - noised.target) ** 2).mean())


def test_per_sample_eps_loss_is_the_mean_over_dimensions():
    eps, pred = batch(), batch(1)
    torch.testing.assert_close(
        per_sample_eps_loss(pred, eps), torch.stack([((e - p) ** 2).mean() for e, p in zip(eps, pred, strict=True)])
    )


# --- the SiT interpolant -------------------------------------------------------------------------------
def test_sit_interpolant_and_velocity():
    x0, eps = batch(), batch(1)
    t = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    x_t = interpolate(x0, eps, t)
    for i, ti in enumerate(t.tolist()):
        torch.testing.assert_close(x_t[i], (1 - ti) * x0[i] + ti * eps[i])
    assert torch.equal(x_t[0], x0[0]) and torch.equal(x_t[-1], eps[-1])  # t = 0: data; t = 1: noise
    assert torch.equal(velocity(x0, eps), eps - x0)
    # The velocity is dx_t/dt: a finite difference along t agrees.
    h = 1e-3
    fd = (interpolate(x0, eps, t.clamp(max=1 - h) + h) - interpolate(x0, eps, t.clamp(max=1 - h))) / h
    torch.testing.assert_close(fd, velocity(x0, eps), rtol=1e-2, atol=1e-2)


def test_sit_draw_noises_with_the_interpolant_and_scales_time_for_the_model():
    x0 = batch()
    noised = create_transport(Objective.SIT).draw(x0, torch.Generator().manual_seed(2))
    gen = torch.Generator().manual_seed(2)
    eps = torch.randn(SHAPE, generator=gen)  # the student draws ε first
    t = torch.rand(N, generator=gen)
    assert ((t >= 0) & (t < 1)).all()
    assert torch.equal(noised.x_t, interpolate(x0, eps, t))
    assert torch.equal(noised.target, eps - x0)
    assert torch.equal(noised.t, t * MAX_TIMESTEP)
    loss = create_transport(Objective.SIT).training_loss(
        Linear(), x0, torch.zeros(N, dtype=torch.long), torch.Generator().manual_seed(2)
    )
    pred = 0.5 * noised.x_t + 1e-3 * noised.t.view(-1, 1, 1, 1)
    torch.testing.assert_close(loss, ((pred - noised.target) ** 2).mean())


# --- scoring draws ---------------------------------------------------------------------------------
def test_stratified_timesteps_one_per_stratum():
    t = stratified_timesteps(4, torch.Generator().manual_seed(0))
    assert t.dtype == torch.long and [int(v) // 250 for v in t] == [0, 1, 2, 3]
    t_k, eps_k = draw_pairs(4, (1, 2, 2), seed=0)
    assert torch.equal(t_k, t) and eps_k.shape == (4, 1, 2, 2)


# --- samplers ------------------------------------------------------------------------------------------
def test_sampler_registry():
    assert set(OBJECTIVE_OF) == set(Sampler) and set(SAMPLERS) == set(Objective)
    assert default_sampler(Objective.EPS) is Sampler.DDIM and default_sampler(Objective.SIT) is Sampler.EULER
    check_sampler(Objective.SIT, Sampler.HEUN)
    with pytest.raises(SamplerMismatch, match="sampler euler does not fit a eps model") as err:
        check_sampler(Objective.EPS, Sampler.EULER)
    assert isinstance(err.value, DiffcurateError)
    with pytest.raises(SamplerMismatch):
        create_transport(Objective.SIT).integrate(lambda x, t: x, torch.zeros(1, 1, 2, 2), Sampler.DDIM, 2)


class Toy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cfg = DiTConfig(name="DiT-T/4", input_size=4, in_channels=1, num_classes=3)

    def forward(self, x, t, y):
        return 0.5 * x + 0.001 * t.float().view(-1, 1, 1, 1) + 0.1 * y.float().view(-1, 1, 1, 1)


# sample(Toy(), [0, 1, 2], (1, 4, 4), sampler, steps=5, cfg_scale=1.5, seed=0) as the code before
# transport.py computed it (commit e2f77f0): the sum and elements 0, 7, 20, 47.
REFERENCE = {
    Sampler.DDIM: (16.9139404296875, [-0.040070757269859314, -0.4036342203617096, 0.5378552675247192, -0.3210873305797577]),
    Sampler.EULER: (-18.455875396728516, [-0.9985471367835999, -1.0, -0.10299423336982727, -1.0]),
    Sampler.HEUN: (-15.055850982666016, [-0.9381022453308105, -1.0, -0.0157594196498394, -1.0]),
}


@pytest.mark.parametrize("sampler", list(Sampler))
def test_sampling_reproduces_the_reference(sampler):
    out = sample(Toy(), torch.tensor([0, 1, 2]), (1, 4, 4), sampler, 5, 1.5, 0)
    total, values = REFERENCE[sampler]
    assert out.shape == (3, 1, 4, 4)
    assert out.sum().item() == pytest.approx(total, rel=1e-6)
    assert out.flatten()[[0, 7, 20, 47]].tolist() == pytest.approx(values, rel=1e-6, abs=1e-7)


def test_heun_on_a_linear_ode_is_second_order():
    """dx/dt = v with v = x (a model predicting its input): x(0) = x(1)·e^{-1}; Heun's error shrinks ~4x
    per halving of the step, Euler's ~2x."""
    x1 = torch.ones(1, 1, 1, 1) * 0.5
    exact = 0.5 * torch.exp(torch.tensor(-1.0))
    err = {}
    for s in (Sampler.EULER, Sampler.HEUN):
        for steps in (8, 16):
            # The last Heun step is an Euler step (v at t = 0 is never needed), as in SiT's sampler.
            x = create_transport(Objective.SIT).integrate(lambda x, t: x, x1.clone(), s, steps)
            err[s, steps] = abs(float(x) - float(exact))
    assert err[Sampler.HEUN, 16] < err[Sampler.EULER, 16] / 4
    assert err[Sampler.EULER, 8] / err[Sampler.EULER, 16] == pytest.approx(2, rel=0.2)
