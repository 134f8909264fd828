"""The CPU training recipe's levers (issue 18) and the scorer's rank stability: Min-SNR-γ loss
weighting, LR warm-up + cosine decay, horizontal flips, bf16 autocast on CPU, the patch-2 DiT, and
the Spearman metrics of `score`."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import torch

from diffcurate.d2c import training
from diffcurate.d2c.diffusion import alphas_cumprod
from diffcurate.d2c.dit import DIT_CONFIGS, DiT, DiTConfig
from diffcurate.d2c.score import ScoreConfig, ScoreError, rank_stability, spearman, sub_draws
from diffcurate.d2c.student import Conditioning, LossWeighting, Student, StudentConfig, student_objective
from diffcurate.d2c.training import (
    CKPT,
    PrecisionError,
    TrainConfig,
    check_precision,
    hflip_batch,
    lr_at,
    train,
)
from diffcurate.d2c.transport import MIN_SNR_GAMMA, Noised, Objective, create_transport, snr_eps
from diffcurate.errors import ConfigError

C = 3


def student(weighting=LossWeighting.NONE, objective=Objective.EPS, name="DiT-T/4") -> Student:
    torch.manual_seed(0)
    return Student(
        StudentConfig(
            DiTConfig(name=name, input_size=8, in_channels=1, num_classes=C),
            Conditioning.CLASS,
            objective,
            proj_coeff=0.0,
            weighting=weighting,
        )
    )


def weights_of(model: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.state_dict().values()]


# --- Min-SNR-γ ---------------------------------------------------------------------------------------------
def test_min_snr_weights_eps_against_the_formula():
    t = torch.tensor([0, 50, 200, 500, 999])
    ab = alphas_cumprod()[t].double()
    snr = ab / (1 - ab)
    expect = torch.minimum(snr, torch.tensor(MIN_SNR_GAMMA, dtype=torch.float64)) / snr
    tr = create_transport(Objective.EPS, weighting=LossWeighting.MIN_SNR)
    noised = tr.noise(torch.zeros(5, 1, 2, 2), t, torch.randn(5, 1, 2, 2))
    assert torch.allclose(tr.weights(noised).double(), expect, rtol=1e-4)
    assert torch.allclose(snr_eps(t).double(), snr, rtol=1e-4)
    # low noise (high SNR) is down-weighted, high noise keeps weight 1
    w = tr.weights(noised)
    assert w[0] < 0.01 and w[-1] == pytest.approx(1.0)


def test_min_snr_weights_sit_are_min_snr_in_x0_units():
    t = torch.tensor([0.05, 0.2, 0.5, 0.9])
    tr = create_transport(Objective.SIT, weighting=LossWeighting.MIN_SNR)
    noised = tr.noise(torch.zeros(4, 1, 2, 2), t, torch.randn(4, 1, 2, 2))
    snr = ((1 - t) / t) ** 2
    # velocity error = x0 error / t, so weight_v = min(SNR, γ) · t²
    assert torch.allclose(tr.weights(noised), snr.clamp(max=MIN_SNR_GAMMA) * t**2, rtol=1e-4)


def test_weighted_loss_is_the_weighted_mean_and_unweighted_is_unchanged():
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.randn(4, 1, 3, 3, generator=gen), torch.randn(4, 1, 3, 3, generator=gen)
    t = torch.tensor([10, 100, 400, 900])
    plain = create_transport(Objective.EPS)
    noised = Noised(target, t, target, snr_eps(t))
    assert plain.loss(pred, noised) == ((pred - target) ** 2).mean()
    weighted = create_transport(Objective.EPS, weighting="min-snr")
    per = ((pred - target) ** 2).flatten(1).mean(1)
    assert torch.allclose(weighted.loss(pred, noised), (per * weighted.weights(noised)).mean())
    with pytest.raises(ValueError):
        create_transport(Objective.EPS, weighting="min_snr")  # a typo fails at parse time


@pytest.mark.parametrize("objective", [Objective.EPS, Objective.SIT])
def test_min_snr_student_trains_and_differs(objective, tmp_path):
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, C, (16,))
    cfg = TrainConfig(steps=3, batch_size=4, ckpt_every=10, log_every=1)
    a, _, ha = train(student(objective=objective), x, y, cfg, tmp_path / "a", objective=student_objective)
    b, _, hb = train(student(LossWeighting.MIN_SNR, objective), x, y, cfg, tmp_path / "b", objective=student_objective)
    assert all(math.isfinite(r["loss"]) for r in ha + hb)
    assert [r["loss"] for r in ha] != [r["loss"] for r in hb]


# --- learning-rate schedule ------------------------------------------------------------------------------
def test_lr_schedule_warmup_and_cosine():
    const = TrainConfig(steps=100, lr=0.01)
    assert [lr_at(const, s) for s in (0, 50, 99)] == [0.01] * 3
    cos = TrainConfig(steps=100, lr=0.01, lr_schedule="cosine", warmup_steps=10)
    assert lr_at(cos, 0) == pytest.approx(0.001) and lr_at(cos, 9) == pytest.approx(0.01)
    assert lr_at(cos, 10) == pytest.approx(0.01)
    assert lr_at(cos, 55) == pytest.approx(0.005, rel=1e-6)  # half way through the decay
    assert 0 <= lr_at(cos, 99) < 0.0001
    lrs = [lr_at(cos, s) for s in range(10, 100)]
    assert all(a >= b for a, b in itertools.pairwise(lrs))


def test_cosine_run_resumes_exactly_and_other_steps_start_over(tmp_path, caplog):
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, C, (16,))
    cfg = TrainConfig(steps=6, batch_size=4, ckpt_every=2, log_every=1, lr_schedule="cosine", warmup_steps=2)
    a, a_ema, _ = train(student(), x, y, cfg, tmp_path / "a", objective=student_objective)
    train(student(), x, y, cfg, tmp_path / "b", objective=student_objective, stop_after=3)
    b, b_ema, _ = train(student(), x, y, cfg, tmp_path / "b", objective=student_objective)
    assert all(
        torch.equal(p, q) for p, q in zip(weights_of(a) + weights_of(a_ema), weights_of(b) + weights_of(b_ema), strict=True)
    )
    # The cosine's lr depends on the total: a 4-step checkpoint does not continue into an 8-step run.
    short = TrainConfig(steps=4, batch_size=4, ckpt_every=2, log_every=1, lr_schedule="cosine", warmup_steps=2)
    train(student(), x, y, short, tmp_path / "c", objective=student_objective)
    longer = TrainConfig(steps=8, batch_size=4, ckpt_every=2, log_every=1, lr_schedule="cosine", warmup_steps=2)
    warnings = []
    _, _, hist = train(student(), x, y, longer, tmp_path / "c", objective=student_objective, stop_after=1, warn=warnings.append)
    assert [r["step"] for r in hist] == [1] and "other settings" in warnings[0]


def test_a_checkpoint_from_before_the_recipe_levers_still_resumes(tmp_path):
    """Checkpoints written before lr_schedule / warmup / hflip / compile existed resume (as constant, no flips)."""
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, C, (16,))
    cfg = TrainConfig(steps=4, batch_size=4, ckpt_every=2, log_every=1)
    a, _, _ = train(student(), x, y, cfg, tmp_path / "a", objective=student_objective)
    train(student(), x, y, cfg, tmp_path / "b", objective=student_objective, stop_after=2)
    state = torch.load(tmp_path / "b" / CKPT, weights_only=False)
    for key in ("lr_schedule", "warmup_steps", "hflip", "compile"):
        del state["config"][key]
    training.save_checkpoint(tmp_path / "b" / CKPT, state)
    warnings = []
    b, _, hist = train(student(), x, y, cfg, tmp_path / "b", objective=student_objective, warn=warnings.append)
    assert not warnings and hist[-1]["step"] == 4
    assert all(torch.equal(p, q) for p, q in zip(weights_of(a), weights_of(b), strict=True))


# --- horizontal flips --------------------------------------------------------------------------------------
def test_hflip_batch_flips_the_chosen_rows_and_their_token_grids():
    x = torch.arange(2 * 1 * 2 * 3, dtype=torch.float32).reshape(2, 1, 2, 3)
    tokens = torch.arange(2 * 4 * 1, dtype=torch.float32).reshape(2, 4, 1)  # a 2×2 grid per sample
    flip = torch.tensor([True, False])
    fx, fe = hflip_batch(x, flip, {"visual": tokens})
    assert torch.equal(fx[0], x[0].flip(-1)) and torch.equal(fx[1], x[1])
    assert fe["visual"][0, :, 0].tolist() == [1.0, 0.0, 3.0, 2.0] and torch.equal(fe["visual"][1], tokens[1])
    with pytest.raises(ConfigError, match="square token grid"):
        hflip_batch(x, flip, {"visual": torch.zeros(2, 3, 1)})


def test_hflip_changes_training_and_stays_deterministic(tmp_path):
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, C, (16,))
    plain = TrainConfig(steps=3, batch_size=4, ckpt_every=10, log_every=1)
    flipped = TrainConfig(steps=3, batch_size=4, ckpt_every=10, log_every=1, hflip=True)
    a, _, _ = train(student(), x, y, plain, tmp_path / "a", objective=student_objective)
    b, _, _ = train(student(), x, y, flipped, tmp_path / "b", objective=student_objective)
    c, _, _ = train(student(), x, y, flipped, tmp_path / "c", objective=student_objective)
    assert not all(torch.equal(p, q) for p, q in zip(weights_of(a), weights_of(b), strict=True))
    assert all(torch.equal(p, q) for p, q in zip(weights_of(b), weights_of(c), strict=True))


# --- precision and the patch-2 model -----------------------------------------------------------------------
def test_cpu_precision_rules(monkeypatch):
    check_precision("cpu", "fp32")
    with pytest.raises(PrecisionError, match="needs a GPU"):
        check_precision("cpu", "fp16")
    monkeypatch.setattr(training, "cpu_has_bf16", lambda: False)
    with pytest.raises(PrecisionError, match="bf16 instructions"):
        check_precision("cpu", "bf16")
    monkeypatch.setattr(training, "cpu_has_bf16", lambda: True)
    check_precision("cpu", "bf16")


@pytest.mark.skipif(not training.cpu_has_bf16(), reason="this CPU has no bf16 instructions")
def test_bf16_autocast_trains_on_cpu(tmp_path):
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, C, (16,))
    cfg = TrainConfig(steps=2, batch_size=4, ckpt_every=10, log_every=1, precision="bf16")
    net, _, hist = train(student(), x, y, cfg, tmp_path / "a", objective=student_objective)
    assert all(math.isfinite(r["loss"]) for r in hist)
    assert all(p.dtype == torch.float32 for p in net.parameters())  # autocast: fp32 master weights
    # and a later fp32 run in the same process is not stuck in bf16 (accelerate keeps one state per process)
    train(student(), x, y, TrainConfig(steps=1, batch_size=4, ckpt_every=10), tmp_path / "b", objective=student_objective)


def test_patch2_model_has_four_times_the_tokens():
    t4, n2 = DiTConfig(name="DiT-T/4", input_size=32), DiTConfig(name="DiT-N/2", input_size=32)
    assert DIT_CONFIGS["DiT-N/2"][3] == 2 and n2.tokens == 4 * t4.tokens == 256
    out = DiT(n2)(torch.randn(2, 1, 32, 32), torch.tensor([1, 500]), torch.tensor([0, 1]))
    assert out.shape == (2, 1, 32, 32)


# --- the scorer's rank stability ---------------------------------------------------------------------------
def test_sub_draws_take_one_draw_per_block():
    idx = sub_draws(16, 4, seed=0)
    assert len(idx) == 4 and [i // 4 for i in idx] == [0, 1, 2, 3]
    assert (sub_draws(16, 4, 0) == idx).all()
    assert (sub_draws(8, 8, 0) == np.arange(8)).all()
    with pytest.raises(ScoreError, match="must divide"):
        sub_draws(6, 4, 0)


def test_spearman_and_rank_stability():
    a = np.array([0.1, 0.5, 0.2, 0.9, 0.3])
    assert spearman(a, a * 10 + 1) == pytest.approx(1.0) and spearman(a, -a) == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    n = 200
    score = rng.random(n)
    frame = pd.DataFrame(
        {
            "label": np.arange(n) % 2,
            "score": score,
            "score_sub": score + rng.normal(0, 0.01, n),  # nearly the same ranks
            "score_alt": np.where(np.arange(n) < 50, rng.random(n), np.nan),  # unrelated, on 50 rows
        }
    )
    rs = rank_stability(frame, ScoreConfig(n_draws=16, stability_draws=4, seed=3))
    assert rs["draws"] == [4, 16] and rs["seeds"] == [3, 4] and rs["seed_rows"] == 50
    assert rs["spearman_draws"] > 0.99 and rs["spearman_draws_within_class"] > 0.99
    assert abs(rs["spearman_seeds"]) < 0.4
