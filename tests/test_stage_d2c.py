"""The D2C Select stages through Typer's CliRunner on a tiny Fashion-MNIST-format corpus: encode →
pretrain → score → features → select, re-runs, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_stage
from typer.testing import CliRunner

runner = CliRunner()


encode, pretrain, score, features, select = (load_stage(n) for n in ("encode", "pretrain", "score", "features", "select_subset"))


def run(mod, *args: str):
    res = runner.invoke(mod.app, [str(a) for a in args])
    return res


def run_score(t: Path):
    """The score stage on the fixture's encoded corpus and scorer (2 draws, batches of 32)."""
    args = [
        "--encoded",
        t / "enc",
        "--out",
        t / "scores",
        "--model-dir",
        t / "scorer",
        "--n-draws",
        2,
        "--stability-draws",
        1,
        "--batch-size",
        32,
    ]
    return run(score, *args, "--metrics", t / "m/score.json", "--plots", t / "plots/score")


@pytest.fixture
def pipeline(tiny_fmnist, tmp_path) -> Path:
    t = tmp_path
    assert (
        run(encode, "--root", tiny_fmnist, "--out", t / "enc", "--shard-size", 50, "--metrics", t / "m/encode.json").exit_code
        == 0
    )
    res = run(
        pretrain,
        "--encoded",
        t / "enc",
        "--out",
        t / "scorer",
        "--steps",
        3,
        "--batch-size",
        8,
        "--metrics",
        t / "m/pretrain.json",
        "--plots",
        t / "plots/pretrain",
    )
    assert res.exit_code == 0, res.output
    res = run_score(t)
    assert res.exit_code == 0, res.output
    res = run(features, "--encoded", t / "enc", "--out", t / "feat/features.npy", "--metrics", t / "m/features.json")
    assert res.exit_code == 0, res.output
    return t


def sel(t: Path, *args):
    return run(
        select,
        "--scores",
        t / "scores/scores.parquet",
        "--encoded",
        t / "enc",
        "--features",
        t / "feat/features.npy",
        "--out",
        t / "subset/subset.parquet",
        "--metrics",
        t / "m/select.json",
        "--plots",
        t / "plots/select",
        "--null-draws",
        0,  # the data-FID is tested end to end in test_d2c_train
        *args,
    )


def test_the_chain_writes_outputs_metrics_and_plots(pipeline):
    t = pipeline
    m = json.loads((t / "m/encode.json").read_text())
    assert m["n_images"] == 120 and m["shape"] == [1, 32, 32] and m["shards_written"] == 3
    assert json.loads((t / "m/pretrain.json").read_text())["steps"] == 3 and (t / "scorer/ema.safetensors").is_file()
    assert len(pd.read_csv(t / "plots/pretrain/loss.csv")) >= 1
    s = json.loads((t / "m/score.json").read_text())
    assert s["n"] == 120 and s["n_draws"] == 2 and len(s["timesteps"]) == 2
    rs = s["rank_stability"]  # 1 of the 2 draws vs both; every row (fewer than stability_rows) again with seed + 1
    assert rs["draws"] == [1, 2] and rs["seeds"] == [0, 1] and rs["seed_rows"] == 120
    assert -1 <= rs["spearman_draws_within_class"] <= 1 and -1 <= rs["spearman_seeds_within_class"] <= 1
    hist = pd.read_csv(t / "plots/score/per_class_hist.csv")
    assert list(hist.columns)[:2] == ["score", "T-shirt/top"] and hist.drop(columns="score").to_numpy().sum() == 120
    res = sel(t, "--method", "interval", "--budget", 0.25, "--interval", 2)
    assert res.exit_code == 0, res.output
    sub = pd.read_parquet(t / "subset/subset.parquet")
    m = json.loads((t / "m/select.json").read_text())
    assert len(sub) == 30 == m["n_selected"] and set(m["per_class"].values()) == {3}
    assert {"id", "index", "label", "score", "rank"} <= set(sub.columns)
    assert pd.read_csv(t / "plots/select/score_hist.csv")["selected"].sum() == 30
    first = (t / "subset/subset.parquet").read_bytes()
    assert sel(t, "--method", "interval", "--budget", 0.25, "--interval", 2).exit_code == 0
    assert (t / "subset/subset.parquet").read_bytes() == first
    for method in ("herding", "kcenter", "random", "min", "max"):
        res = sel(t, "--method", method, "--budget", 20)
        assert res.exit_code == 0 and len(pd.read_parquet(t / "subset/subset.parquet")) == 20, (method, res.output)
    # Re-running score reuses every shard; a resumed pretrain with the same settings has nothing to do.
    res = run_score(t)
    assert res.exit_code == 0 and json.loads((t / "m/score.json").read_text())["scored_now"] == 0


def test_bad_input_is_named(pipeline):
    t = pipeline
    assert sel(t, "--method", "centroid").exit_code == 2
    res = sel(t, "--budget", 0)
    assert res.exit_code == 1 and "budget must be > 0" in res.output
    # Never coerced: not finite, fractional above 1, beyond the corpus, a class left out, rounding to none.
    for budget, message in (
        ("inf", "finite, got inf"),
        ("nan", "finite, got nan"),
        (1.5, "budget 1.5: a budget >= 1 is a count of images and must be whole"),
        (121, "budget 121 exceeds the corpus (120 images)"),
        (5, "gives 5 of 10 classes no image"),
        (0.001, "budget 0.001 of 120 images rounds to 0 images"),
    ):
        one_line_error(sel(t, "--budget", budget), message)
    assert not (t / "subset").exists() and not (t / "m/select.json").exists() and not (t / "plots/select").exists()
    bad = t / "bad.parquet"
    pd.DataFrame({"id": ["a"], "score": [1.0]}).to_parquet(bad)
    res = run(
        select, "--scores", bad, "--encoded", t / "enc", "--out", t / "x.parquet", "--metrics", t / "x.json", "--plots", t / "xp"
    )
    assert res.exit_code == 1 and "missing columns ['index', 'label']" in res.output.replace("\n", "")
    res = run(
        select,
        "--scores",
        t / "scores/scores.parquet",
        "--encoded",
        t / "enc",
        "--features",
        t / "none.npy",
        "--method",
        "herding",
        "--out",
        t / "x.parquet",
        "--metrics",
        t / "x.json",
        "--plots",
        t / "xp",
    )
    assert res.exit_code == 1 and "none.npy: no features" in res.output.replace("\n", "")
    res = run(encode, "--root", t / "nowhere", "--out", t / "enc2", "--metrics", t / "m/e2.json")
    assert res.exit_code == 1 and "no Fashion-MNIST files" in res.output.replace("\n", "")
    assert not (t / "x.parquet").exists()


attach, refstats, evaluate = (load_stage(n) for n in ("attach", "refstats", "eval"))


def one_line_error(res, *names) -> str:
    """A user error: exit code 1, a single `error: …` line naming the file(s), no traceback."""
    lines = res.output.strip().splitlines()
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), (res.exit_code, res.output)
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert all(str(n) in lines[0] for n in names), (names, lines[0])
    return lines[0]


@pytest.fixture
def encoded(tiny_fmnist, tmp_path) -> Path:
    assert (
        run(
            encode, "--root", tiny_fmnist, "--out", tmp_path / "enc", "--shard-size", 50, "--metrics", tmp_path / "m/encode.json"
        ).exit_code
        == 0
    )
    return tmp_path / "enc"


def test_each_stage_names_a_bad_input_in_one_line(encoded, tmp_path):
    t = tmp_path
    # encode: a corpus file that is not an idx file.
    bad_root = t / "badfm"
    bad_root.mkdir()
    (bad_root / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    (bad_root / "train-labels-idx1-ubyte.gz").write_bytes(b"")
    one_line_error(
        run(encode, "--root", bad_root, "--out", t / "e2", "--metrics", t / "m/e2.json"), bad_root / "train-images-idx3-ubyte.gz"
    )
    assert not (t / "e2/meta.json").exists() and not (t / "m/e2.json").exists()
    # features: a folder without meta.json; a shard that is not safetensors.
    (t / "empty").mkdir()
    one_line_error(
        run(features, "--encoded", t / "empty", "--out", t / "f.npy", "--metrics", t / "m/f.json"), t / "empty", "meta.json"
    )
    shutil.copytree(encoded, t / "broken")
    (t / "broken/shard_00001.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    res = run(features, "--encoded", t / "broken", "--out", t / "f.npy", "--metrics", t / "m/f.json")
    assert "not a readable safetensors shard" in one_line_error(res, t / "broken/shard_00001.safetensors")
    assert not (t / "f.npy").exists()
    # select: features that do not cover the scored rows.
    scores = pd.DataFrame(
        {"id": [f"r{i}" for i in range(120)], "index": range(120), "label": [i % 10 for i in range(120)], "score": [0.1] * 120}
    )
    scores.to_parquet(t / "scores.parquet")
    np.save(t / "few.npy", np.zeros((5, 3), np.float32))
    res = run(
        select,
        "--scores",
        t / "scores.parquet",
        "--encoded",
        encoded,
        "--features",
        t / "few.npy",
        "--method",
        "kcenter",
        "--budget",
        10,
        "--out",
        t / "s.parquet",
        "--metrics",
        t / "m/s.json",
        "--plots",
        t / "ps",
    )
    assert "scores reach corpus row 119" in one_line_error(res, t / "few.npy")
    # attach: a subset table without the `index` column; an unknown model.
    pd.DataFrame({"id": ["a"]}).to_parquet(t / "nosub.parquet")
    args = ["--encoded", encoded, "--out", t / "att", "--visual-encoder", "none", "--metrics", t / "m/att.json"]
    one_line_error(run(attach, "--subset", t / "nosub.parquet", *args), t / "nosub.parquet", "no column 'index'")
    pd.DataFrame({"index": [0, 1]}).to_parquet(t / "sub.parquet")
    one_line_error(run(attach, "--subset", t / "sub.parquet", "--model", "DiT-Q/9", *args), "unknown model 'DiT-Q/9'")
    assert not (t / "att").exists()
    # refstats: a labels file shorter than its header says.
    one_line_error(
        run(refstats, "--root", bad_root, "--split", "train", "--out", t / "ref.npz", "--metrics", t / "m/r.json"), bad_root
    )
    # eval: a student folder without config.json (reference files: test_reference_stats_file_is_checked).
    np.savez(t / "old_ref.npz", features=np.zeros((3, 4)))
    (t / "student").mkdir()
    one_line_error(
        run(evaluate, "--student", t / "student", "--ref", t / "old_ref.npz", "--metrics", t / "m/ev.json", "--plots", t / "pe"),
        t / "student",
        "config.json",
    )
    assert not (t / "m/ev.json").exists() and not (t / "pe").exists()


def test_reference_stats_file_is_checked(tmp_path):
    from diffcurate.d2c.fid import ReferenceStatsError, load_reference

    np.savez(tmp_path / "old.npz", mu=np.zeros(2), features=np.zeros((3, 2)))
    with pytest.raises(ReferenceStatsError, match=r"old.npz: no \['sigma', 'spatial_mu', 'spatial_sigma'\]"):
        load_reference(tmp_path / "old.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ReferenceStatsError, match="one.npy: not a readable .npz"):
        load_reference(tmp_path / "one.npy")


def test_a_latent_corpus_has_no_pixel_features(tmp_path):
    from diffcurate.d2c.encode import META

    (tmp_path / "lat").mkdir()
    (tmp_path / "lat" / META).write_text(
        json.dumps({"shards": ["shard_00000.safetensors"], "space": "latents", "shape": [4, 4, 4], "class_names": []})
    )
    res = run(features, "--encoded", tmp_path / "lat", "--out", tmp_path / "f.npy", "--metrics", tmp_path / "f.json")
    one_line_error(res, tmp_path / "lat", "a latent corpus")
