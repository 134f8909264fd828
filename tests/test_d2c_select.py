"""D2C Select: corpus, encode, DiT, score (direction, determinism, resume, dit-xl-2 path), select methods, exact-resume training."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from diffcurate.d2c.checkpoints import load_dit, save_dit
from diffcurate.d2c.corpus import CorpusKind, _read_idx, center_crop_arr, class_prompt, fashion_mnist, imagefolder, load_corpus
from diffcurate.d2c.diffusion import alphas_cumprod
from diffcurate.d2c.dit import DiT, DiTConfig
from diffcurate.d2c.encode import (
    EncodeConfig,
    Encoded,
    EncodedFormatError,
    EncodedNotFound,
    encode_corpus,
    load_encoded,
    pad_pixels,
    unflipped_rows,
)
from diffcurate.d2c.score import ScoreConfig, Scorer, draw_pairs, run_score, score_batch
from diffcurate.d2c.select import Method, herding, interval_ranks, kcenter, per_class_budget, select_subset, total_budget
from diffcurate.d2c.training import TrainConfig, train

FMNIST = Path("/usr/share/datasets/fashion-mnist")
if not FMNIST.is_dir() and os.environ.get("CI"):
    raise RuntimeError("CI needs Debian's dataset-fashion-mnist (make test installs it)")
needs_fmnist = pytest.mark.skipif(
    not FMNIST.is_dir(), reason="Debian dataset-fashion-mnist not installed (make test installs it)"
)


# --- corpus ---------------------------------------------------------------------------------------
def test_idx_reader_names_the_file_and_problem(tmp_path):
    bad = tmp_path / "x.gz"
    with gzip.open(bad, "wb") as fh:
        fh.write(struct.pack(">HBB", 0, 0x0D, 1) + struct.pack(">I", 3) + b"abc")
    with pytest.raises(ValueError, match="x.gz: not an unsigned-byte idx file"):
        _read_idx(bad)
    short = tmp_path / "y.gz"
    with gzip.open(short, "wb") as fh:
        fh.write(struct.pack(">HBB", 0, 0x08, 1) + struct.pack(">I", 5) + b"ab")
    with pytest.raises(ValueError, match=r"y.gz: header says \(5,\)"):
        _read_idx(short)


@needs_fmnist
def test_fashion_mnist_from_the_debian_package():
    c = load_corpus(CorpusKind.FASHION_MNIST)
    assert len(c) == 60_000 and c.labels.shape == (60_000,) and np.bincount(c.labels).tolist() == [6000] * 10
    assert c.prompts()[7] == "a photo of a sneaker" and c.prompts()[0] == "a photo of a t-shirt or top"
    assert next(c.images(0, 1))[1].shape == (28, 28, 1)


def test_class_prompt_and_adm_centre_crop():
    assert class_prompt("Ankle boot") == "a photo of an ankle boot"
    img = Image.fromarray(np.arange(600 * 400 * 3, dtype=np.uint32).reshape(400, 600, 3).astype(np.uint8))
    out = center_crop_arr(img, 64)
    assert out.shape == (64, 64, 3)  # 600x400 → BOX halvings to 150x100 → 96x64 → centre 64x64


def test_imagefolder_with_class_map_and_bad_image(tmp_path):
    for cls in ("n001", "n002"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(np.full((40, 50, 3), 40 * i, np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "class_map.txt").write_text("n001 goldfish\nn002 tabby cat\n")
    c = imagefolder(tmp_path, resolution=32)
    assert c.class_names == ["goldfish", "tabby cat"] and c.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert c.prompts()[1] == "a photo of a tabby cat" and next(c.images(0, 1))[1].shape == (32, 32, 3)
    (tmp_path / "n002" / "9.jpg").write_bytes(b"not a jpeg")
    c = imagefolder(tmp_path, resolution=32)
    with pytest.raises(ValueError, match="9.jpg: cannot be read as an image"):
        list(c.images(0, len(c)))


# --- encode -----------------------------------------------------------------------------------------
def test_pixel_shards_resume_and_load_in_model_range(tiny_fmnist, tmp_path):
    assert pad_pixels(np.full((2, 28, 28, 1), 255, np.uint8))[0, 0, 2:30, 2:30].min() == 255
    corpus = fashion_mnist(tiny_fmnist)
    cfg = EncodeConfig(shard_size=50)
    meta = encode_corpus(corpus, tmp_path / "enc", cfg)
    assert meta["shards_written"] == 3 and meta["n_rows"] == 120 and meta["shape"] == [1, 32, 32]
    again = encode_corpus(corpus, tmp_path / "enc", cfg)
    assert again["shards_written"] == 0 and again["shards_reused"] == 3
    data = load_encoded(tmp_path / "enc")
    assert data.x.shape == (120, 1, 32, 32) and data.x.min() >= -1 and data.x.max() <= 1
    assert data.labels.tolist() == corpus.labels.tolist() and meta["class_prompts"][7] == "a photo of a sneaker"
    sub = load_encoded(tmp_path / "enc", rows=np.array([3, 77]))
    assert sub.index.tolist() == [3, 77]


def tiny_vae(folder: Path) -> Path:
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 8, 8),
        latent_channels=4,
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=32,
    )
    vae.save_pretrained(folder)
    return folder


@pytest.fixture
def latent_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    for c, cls in enumerate(("a", "b")):
        (root / cls).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(np.random.default_rng(10 * c + i).integers(0, 255, (48, 40, 3), dtype=np.uint8)).save(
                root / cls / f"{i}.png"
            )
    out = tmp_path / "enc"
    meta = encode_corpus(
        imagefolder(root, resolution=32), out, EncodeConfig(shard_size=5, vae=str(tiny_vae(tmp_path / "vae")), batch_size=3)
    )
    assert meta["space"] == "latents" and meta["shape"] == [4, 4, 4] and meta["n_rows"] == 16  # 8 images + their flips
    assert meta["vae_commit"].startswith("local:") and len(meta["channel_mean"]) == 4
    return out


def test_vae_latents_with_flips(latent_corpus):
    data = load_encoded(latent_corpus)
    assert data.x.shape == (16, 4, 4, 4) and data.flip.sum() == 8 and sorted(set(data.index.tolist())) == list(range(8))
    assert not torch.equal(data.x[data.flip == 0][0], data.x[data.flip == 1][0])


def test_attach_reads_the_original_images_of_a_latent_corpus(latent_corpus, tmp_path):
    """Latents: the vision encoder sees the corpus' pixels (ADM crop), rows matched by index."""
    from conftest import load_stage
    from typer.testing import CliRunner

    from diffcurate.d2c.attach import subset_pixels

    corpus = imagefolder(tmp_path / "imgs", resolution=32)
    x = subset_pixels(corpus, np.array([5, 0]), corpus.ids)
    ((_, img5),) = corpus.images(5, 6)
    assert x.shape == (2, 3, 32, 32) and torch.allclose(x[0], torch.from_numpy(img5).permute(2, 0, 1).float() / 127.5 - 1)
    with pytest.raises(ValueError, match="not the one that was encoded"):
        subset_pixels(corpus, np.array([0]), corpus.ids[:-1] + ["b/other.png"])
    pd.DataFrame({"index": [5, 0], "label": [1, 0]}).to_parquet(tmp_path / "subset.parquet")
    mod = load_stage("attach")
    args = [
        "--encoded",
        latent_corpus,
        "--subset",
        tmp_path / "subset.parquet",
        "--out",
        tmp_path / "att",
        "--model",
        "DiT-T/2",
        "--kind",
        "imagefolder",
        "--root",
        tmp_path / "imgs",
        "--resolution",
        32,
        "--metrics",
        tmp_path / "att.json",
    ]
    res = CliRunner().invoke(mod.app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "att.json").read_text())
    assert m["visual_shape"] == [2, 4, 1280] and m["text_shape"] == [2, 16, 384]  # 4×4 latents, patch 2: 4 tokens
    res = CliRunner().invoke(
        mod.app,
        [str(a) for a in args[:-6] + ["--resolution", 32, "--root", tmp_path / "nowhere", "--metrics", tmp_path / "x.json"]],
    )
    assert res.exit_code == 1 and "nowhere" in res.output


def test_unflipped_keeps_the_original_images_in_corpus_order(latent_corpus):
    data = load_encoded(latent_corpus)
    u = data.unflipped()
    assert u.index.tolist() == list(range(8)) and not u.flip.any() and u.meta is data.meta
    assert torch.equal(u.x, data.x[torch.from_numpy(np.flatnonzero(data.flip == 0))]) and u.labels.tolist() == [0] * 4 + [1] * 4
    assert load_encoded(latent_corpus, rows=np.array([5, 0])).unflipped().index.tolist() == [0, 5]
    # Rows out of corpus order (flipped copies first, unflipped rows shuffled) come back sorted by corpus row.
    shuffled = Encoded(
        torch.arange(5.0).view(5, 1, 1, 1),
        torch.tensor([7, 8, 9, 7, 8]),
        np.array([2, 0, 1, 2, 0]),
        np.array([1, 0, 0, 0, 1]),
        {},
    )
    u = shuffled.unflipped()
    assert u.index.tolist() == [0, 1, 2] and u.x.flatten().tolist() == [1.0, 2.0, 3.0] and u.labels.tolist() == [8, 9, 7]
    assert unflipped_rows(shuffled.index, shuffled.flip).tolist() == [1, 2, 3]


def test_load_encoded_names_what_is_missing(tiny_fmnist, tmp_path):
    with pytest.raises(EncodedNotFound, match="nowhere: no meta.json"):
        load_encoded(tmp_path / "nowhere")
    encode_corpus(fashion_mnist(tiny_fmnist), tmp_path / "enc", EncodeConfig(shard_size=50))
    (tmp_path / "enc/shard_00001.safetensors").unlink()
    with pytest.raises(EncodedNotFound, match="shard_00001.safetensors: listed in meta.json but missing"):
        load_encoded(tmp_path / "enc")
    (tmp_path / "enc/meta.json").write_text("{not json")
    with pytest.raises(EncodedFormatError, match="meta.json: not valid JSON"):
        load_encoded(tmp_path / "enc")


# --- hub ----------------------------------------------------------------------------------------------
class FakeModel:
    """Records how `from_pretrained` was called."""

    calls: list = []

    @classmethod
    def from_pretrained(cls, name, **kwargs):
        cls.calls.append((name, kwargs))
        if name == "org/broken":
            raise OSError("no file named\nconfig.json")
        return cls()


def test_hub_loads_a_local_folder_as_it_is(tmp_path):
    from diffcurate.d2c import hub

    (tmp_path / "m").mkdir()
    FakeModel.calls = []
    model, origin = hub.from_pretrained(FakeModel, str(tmp_path / "m"), "main", hub_subfolder="transformer", torch_dtype="x")
    assert isinstance(model, FakeModel) and origin == f"local:{(tmp_path / 'm').resolve()}"
    assert FakeModel.calls == [(str(tmp_path / "m"), {"torch_dtype": "x"})]  # no revision, no Hub subfolder
    assert hub.load_at(FakeModel, str(tmp_path / "m"), origin) and FakeModel.calls[-1] == (str(tmp_path / "m"), {})


def test_hub_resolves_a_revision_to_its_commit(monkeypatch):
    import types

    import huggingface_hub

    from diffcurate.d2c import hub

    asked = []

    class FakeApi:
        def model_info(self, name, revision=None):
            asked.append((name, revision))
            if name == "org/absent":
                raise RuntimeError("404 Client Error:\nRepository Not Found")
            return types.SimpleNamespace(sha="0123abcd" * 5)

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    FakeModel.calls = []
    model, origin = hub.from_pretrained(FakeModel, "org/model", "main", hub_subfolder="transformer")
    assert origin == "0123abcd" * 5 and asked == [("org/model", "main")]
    assert FakeModel.calls == [("org/model", {"revision": origin, "subfolder": "transformer"})]
    assert hub.load_at(FakeModel, "org/model", origin) and FakeModel.calls[-1] == ("org/model", {"revision": origin})
    with pytest.raises(
        hub.ModelUnavailable, match=r"^org/absent@v1: not a local folder.*RuntimeError: 404 Client Error: Repository Not Found\)$"
    ):
        hub.from_pretrained(FakeModel, "org/absent", "v1")
    with pytest.raises(
        hub.ModelUnavailable, match=r"^org/broken@0123abcd.*: FakeModel cannot be loaded \(OSError: no file named config.json\)$"
    ):
        hub.from_pretrained(FakeModel, "org/broken", "main")


# --- DiT ----------------------------------------------------------------------------------------------
def test_dit_shapes_zero_init_and_learned_sigma():
    m = DiT(DiTConfig(name="DiT-T/4", input_size=32, in_channels=1, num_classes=10))
    x, t, y = torch.randn(3, 1, 32, 32), torch.tensor([0, 500, 999]), torch.tensor([0, 5, 10])  # 10 = the null class
    out, tokens = m(x, t, y, return_tokens_at=2)
    assert out.shape == (3, 1, 32, 32) and tokens.shape == (3, 64, 128)
    assert torch.count_nonzero(out) == 0  # adaLN-Zero: the output layer starts at zero
    sig = DiT(DiTConfig(name="DiT-T/4", input_size=8, in_channels=4, learn_sigma=True))
    assert sig(torch.randn(2, 4, 8, 8), t[:2], y[:2]).shape == (2, 8, 8, 8) and sig.eps(
        torch.randn(2, 4, 8, 8), t[:2], y[:2]
    ).shape == (2, 4, 8, 8)


# --- score ---------------------------------------------------------------------------------------------
def test_score_is_the_denoising_loss_low_means_easy():
    """A model that predicts x0 = 0 denoises a blank image perfectly and a high-contrast one badly:
    the blank one must get the lower score (the loss, not its negation)."""
    ab = alphas_cumprod()

    def predicts_blank(x_t, t, y):
        a = ab[t].float().view(-1, 1, 1, 1)
        return (x_t - a.sqrt() * 0) / (1 - a).sqrt()

    easy, hard = torch.zeros(1, 1, 8, 8), torch.ones(1, 1, 8, 8)
    t_k, eps_k = draw_pairs(4, (1, 8, 8), seed=0)
    s = score_batch(predicts_blank, torch.cat([easy, hard]), torch.zeros(2, dtype=torch.long), t_k, eps_k)
    assert s[0] < 1e-6 < s[1]


def test_scores_are_deterministic_and_independent_of_batching():
    m = DiT(DiTConfig(name="DiT-T/4", input_size=8, in_channels=1, num_classes=2))
    torch.manual_seed(1)
    for p in m.parameters():
        p.data.normal_(0, 0.05)
    x, y = torch.randn(6, 1, 8, 8), torch.tensor([0, 1, 0, 1, 0, 1])
    t_k, eps_k = draw_pairs(3, (1, 8, 8), seed=5)
    t2, e2 = draw_pairs(3, (1, 8, 8), seed=5)
    assert torch.equal(t_k, t2) and torch.equal(eps_k, e2) and len(set(t_k.tolist())) == 3
    whole = score_batch(m.eps, x, y, t_k, eps_k)
    parts = torch.cat([score_batch(m.eps, x[:2], y[:2], t_k, eps_k), score_batch(m.eps, x[2:], y[2:], t_k, eps_k)])
    assert torch.allclose(whole, parts, atol=1e-6)


def test_run_score_with_the_pretrained_scorer_resumes_by_shard(tiny_fmnist, tmp_path):
    encode_corpus(fashion_mnist(tiny_fmnist), tmp_path / "enc", EncodeConfig(shard_size=50))
    model = DiT(DiTConfig(name="DiT-T/4", input_size=32, in_channels=1, num_classes=10))
    save_dit(tmp_path / "scorer", model, model, {"steps": 0})
    cfg = ScoreConfig(model_dir=str(tmp_path / "scorer"), n_draws=2, batch_size=16, stability_draws=1)
    scores, m = run_score(tmp_path / "enc", tmp_path / "scores", cfg)
    assert len(scores) == 120 and scores["index"].tolist() == list(range(120)) and scores["id"].iloc[0] == "train-00000"
    assert m["scored_now"] == 120 and set(m["per_class"]) == {
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    }
    again, m2 = run_score(tmp_path / "enc", tmp_path / "scores", cfg)
    assert m2["scored_now"] == 0 and m2["shards_reused"] == 3
    pd.testing.assert_frame_equal(scores, again)
    _, m3 = run_score(
        tmp_path / "enc",
        tmp_path / "scores",
        ScoreConfig(model_dir=str(tmp_path / "scorer"), n_draws=3, batch_size=16, stability_draws=3),
    )
    assert m3["scored_now"] == 120  # other settings: nothing reused


def test_dit_xl_2_path_with_a_tiny_random_diffusers_model(latent_corpus, tmp_path):
    from diffusers import DiTTransformer2DModel

    torch.manual_seed(0)
    tiny = DiTTransformer2DModel(
        num_attention_heads=2,
        attention_head_dim=8,
        in_channels=4,
        out_channels=8,
        num_layers=1,
        sample_size=4,
        patch_size=2,
        num_embeds_ada_norm=2,
    )
    tiny.save_pretrained(tmp_path / "dit")
    scores, m = run_score(
        latent_corpus,
        tmp_path / "scores",
        ScoreConfig(scorer=Scorer.DIT_XL_2, model_dir=str(tmp_path / "dit"), n_draws=2, stability_draws=2),
    )
    assert len(scores) == 8 and scores["score"].gt(0).all() and m["scorer"] == "dit-xl-2"  # flipped copies are not scored


# --- select ---------------------------------------------------------------------------------------------
def test_interval_ranks_exact():
    assert interval_ranks(20, 3, 5)[0].tolist() == [0, 3, 6, 9, 12]
    ranks, k = interval_ranks(10, 5, 4)  # 0, 5, 10, 15 does not fit in 10: k shrinks to 10 // 4 = 2
    assert ranks.tolist() == [0, 2, 4, 6] and k == 2
    assert interval_ranks(5, 1, 5)[0].tolist() == [0, 1, 2, 3, 4]


def test_budget_rounding_never_exceeds_the_total():
    assert total_budget(0.008, 60_000) == 480 and total_budget(48, 1000) == 48
    rng = np.random.default_rng(0)
    for _ in range(200):
        counts = {c: int(rng.integers(1, 50)) for c in range(int(rng.integers(1, 12)))}
        total = int(rng.integers(1, sum(counts.values()) + 1))
        b = per_class_budget(counts, total)
        assert sum(b.values()) == total and all(b[c] <= counts[c] for c in counts)
    assert per_class_budget({0: 6000, 1: 6000}, 96) == {0: 48, 1: 48}


def test_herding_and_kcenter_match_brute_force():
    rng = np.random.default_rng(3)
    f = rng.normal(size=(7, 3))
    m = 3
    # Herding: greedy, each step the candidate whose addition puts the running mean nearest the mean.
    chosen: list[int] = []
    for _ in range(m):
        best = min((i for i in range(7) if i not in chosen), key=lambda i: np.linalg.norm(f.mean(0) - f[chosen + [i]].mean(0)))
        chosen.append(best)
    assert herding(f, m).tolist() == chosen
    # K-Center greedy: brute-force farthest-first from the point nearest the mean.
    start = int(np.argmin(np.linalg.norm(f - f.mean(0), axis=1)))
    sel = [start]
    for _ in range(m - 1):
        sel.append(max((i for i in range(7) if i not in sel), key=lambda i: min(np.linalg.norm(f[i] - f[j]) for j in sel)))
    assert kcenter(f, m).tolist() == sel

    # On a tiny set, greedy K-Center's covering radius is within 2x the optimum (its guarantee).
    def radius(s):
        return max(min(np.linalg.norm(f[i] - f[j]) for j in s) for i in range(7))

    best = min(radius(list(s)) for s in itertools.combinations(range(7), m))
    assert radius(sel) <= 2 * best + 1e-9


def scores_frame(n_per_class: int = 20, classes: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"id": f"x{c}-{i}", "index": c * n_per_class + i, "label": c, "score": float(rng.random())}
        for c in range(classes)
        for i in range(n_per_class)
    ]
    return pd.DataFrame(rows)


def test_select_methods_per_class():
    sc = scores_frame()
    sub, info = select_subset(sc, Method.INTERVAL, budget=12, interval=4)
    assert len(sub) == 12 and sub["label"].value_counts().tolist() == [4, 4, 4]
    assert sorted(sub.loc[sub["label"] == 0, "rank"].tolist()) == [0, 4, 8, 12]
    cls0 = sc[sc["label"] == 0].sort_values("score")
    assert set(sub.loc[sub["label"] == 0, "index"]) == set(cls0["index"].iloc[[0, 4, 8, 12]])
    low, _ = select_subset(sc, Method.MIN, 6)
    high, _ = select_subset(sc, Method.MAX, 6)
    assert low["score"].max() < high["score"].min()
    r1, _ = select_subset(sc, Method.RANDOM, 0.25, seed=1)
    r2, _ = select_subset(sc, Method.RANDOM, 0.25, seed=1)
    assert r1.equals(r2) and len(r1) == 15
    feats = np.random.default_rng(1).normal(size=(len(sc), 4))
    for method in (Method.HERDING, Method.KCENTER):
        sub, _ = select_subset(sc, method, 9, features=feats)
        assert len(sub) == 9 and sub["label"].value_counts().tolist() == [3, 3, 3]
    with pytest.raises(ValueError, match="needs features"):
        select_subset(sc, Method.HERDING, 9)
    with pytest.raises(ValueError, match="budget must be > 0"):
        select_subset(sc, Method.RANDOM, 0)


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        (float("inf"), "must be > 0 and finite, got inf"),
        (float("nan"), "must be > 0 and finite, got nan"),
        (-3, "must be > 0 and finite, got -3"),
        (0.001, "0.001 of 60 images rounds to 0 images; at least 0.0167 is one image"),
        (1.5, "select budget 1.5: a budget >= 1 is a count of images and must be whole"),
        (61, r"select budget 61 exceeds the corpus \(60 images\)"),
        (2, r"select budget 2 \(2 of 60 images\) gives 1 of 3 classes no image \(labels \[2\]\)"),
        (0.02, "gives 2 of 3 classes no image"),  # 1 of 60 images
    ],
)
def test_a_budget_is_never_coerced(budget, message):
    """Budgets that are not finite, not whole, beyond the corpus, or that leave a class out: named errors."""
    from diffcurate.d2c.select import SelectError

    with pytest.raises(SelectError, match=message):
        select_subset(scores_frame(), Method.RANDOM, budget)


def test_the_whole_corpus_and_one_image_per_class_are_budgets():
    sc = scores_frame()
    assert total_budget(60, 60) == 60 == total_budget(60.0, 60) and total_budget(0.999, 60) == 60
    assert len(select_subset(sc, Method.MIN, 60)[0]) == 60 and len(select_subset(sc, Method.MIN, 3)[0]) == 3


# --- training ---------------------------------------------------------------------------------------------
def test_a_killed_and_resumed_run_ends_identical_to_an_uninterrupted_one(tmp_path):
    torch.manual_seed(0)
    x, y = torch.randn(40, 1, 8, 8), torch.randint(0, 3, (40,))
    cfg = TrainConfig(steps=6, batch_size=8, ckpt_every=1, log_every=1, seed=3)

    def fresh():
        torch.manual_seed(0)
        return DiT(DiTConfig(name="DiT-T/4", input_size=8, in_channels=1, num_classes=3))

    full, full_ema, hist = train(fresh(), x, y, cfg, tmp_path / "a")
    train(fresh(), x, y, cfg, tmp_path / "b", stop_after=4)  # "killed" after 4 steps (checkpoint at 4)
    resumed, resumed_ema, hist_b = train(fresh(), x, y, cfg, tmp_path / "b")
    for a, b in zip(
        itertools.chain(full.state_dict().values(), full_ema.state_dict().values()),
        itertools.chain(resumed.state_dict().values(), resumed_ema.state_dict().values()),
        strict=True,
    ):
        assert torch.equal(a, b)
    assert [r["loss"] for r in hist] == [r["loss"] for r in hist_b]
    save_dit(tmp_path / "m", full, full_ema, {"steps": 6})
    loaded, digest = load_dit(tmp_path / "m")
    assert (
        all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), full_ema.state_dict().values(), strict=True))
        and len(digest) == 16
    )
    assert json.loads((tmp_path / "m/config.json").read_text())["params"] == {"steps": 6}


def test_dinov2_feature_path_with_a_tiny_random_model(tmp_path):
    from transformers import Dinov2Config, Dinov2Model

    from diffcurate.d2c.features import FeatureEncoder, dinov2_tokens, pooled_features

    torch.manual_seed(0)
    Dinov2Model(
        Dinov2Config(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, image_size=28, patch_size=14)
    ).save_pretrained(tmp_path / "d")
    x = torch.rand(3, 1, 32, 32) * 2 - 1
    tokens = dinov2_tokens(x, 28, str(tmp_path / "d"))
    assert tokens.shape == (3, 1 + 4, 16)  # CLS + 2x2 patches
    f = pooled_features(x, 28, encoder=FeatureEncoder.DINOV2, model=str(tmp_path / "d"))
    assert f.shape == (3, 16) and np.allclose(np.linalg.norm(f, axis=1), 1, atol=1e-5)


def test_each_accelerate_rank_scores_its_own_shards(tiny_fmnist, tmp_path, monkeypatch):
    import diffcurate.d2c.score as score_mod

    encode_corpus(fashion_mnist(tiny_fmnist), tmp_path / "enc", EncodeConfig(shard_size=50))
    model = DiT(DiTConfig(name="DiT-T/4", input_size=32, in_channels=1, num_classes=10))
    save_dit(tmp_path / "scorer", model, model, {})
    cfg = ScoreConfig(model_dir=str(tmp_path / "scorer"), n_draws=1, batch_size=64, stability_draws=1)
    monkeypatch.setattr(score_mod, "_rank_world", lambda: (1, 2, None))  # rank 1 of 2: shard 1 only
    with pytest.raises(FileNotFoundError):  # rank 1 alone cannot merge: shards 0 and 2 are rank 0's
        run_score(tmp_path / "enc", tmp_path / "scores", cfg)
    assert sorted(p.name for p in (tmp_path / "scores/shards").glob("*.parquet")) == ["scores_00001.parquet"]
    monkeypatch.setattr(score_mod, "_rank_world", lambda: (0, 2, None))
    scores, m = run_score(tmp_path / "enc", tmp_path / "scores", cfg)
    assert m["scored_now"] == 70 and len(scores) == 120  # shards 0 and 2 (50 + 20), then all three merged
