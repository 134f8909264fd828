"""The D2C Select stages through Typer's CliRunner on a tiny Fashion-MNIST-format corpus: encode →
pretrain → score → features → select, re-runs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import load_stage
from typer.testing import CliRunner

runner = CliRunner()


encode, pretrain, score, features, select = (load_stage(n) for n in ("encode", "pretrain", "score", "features", "select_subset"))


def run(mod, *args: str):
    res = runner.invoke(mod.app, [str(a) for a in args])
    return res


@pytest.fixture
def pipeline(tiny_fmnist, tmp_path) -> Path:
    t = tmp_path
    assert run(encode, "--root", tiny_fmnist, "--out", t / "enc", "--shard-size", 50, "--metrics", t / "m/encode.json").exit_code == 0
    res = run(pretrain, "--encoded", t / "enc", "--out", t / "scorer", "--steps", 3, "--batch-size", 8, "--metrics", t / "m/pretrain.json",
              "--plots", t / "plots/pretrain")
    assert res.exit_code == 0, res.output
    res = run(score, "--encoded", t / "enc", "--out", t / "scores", "--model-dir", t / "scorer", "--n-draws", 2, "--batch-size", 32,
              "--metrics", t / "m/score.json", "--plots", t / "plots/score")
    assert res.exit_code == 0, res.output
    res = run(features, "--encoded", t / "enc", "--out", t / "feat/features.npy", "--metrics", t / "m/features.json")
    assert res.exit_code == 0, res.output
    return t


def sel(t: Path, *args):
    return run(select, "--scores", t / "scores/scores.parquet", "--encoded", t / "enc", "--features", t / "feat/features.npy",
               "--out", t / "subset/subset.parquet", "--metrics", t / "m/select.json", "--plots", t / "plots/select", *args)


def test_the_chain_writes_outputs_metrics_and_plots(pipeline):
    t = pipeline
    m = json.loads((t / "m/encode.json").read_text())
    assert m["n_images"] == 120 and m["shape"] == [1, 32, 32] and m["shards_written"] == 3
    assert json.loads((t / "m/pretrain.json").read_text())["steps"] == 3 and (t / "scorer/ema.safetensors").is_file()
    assert len(pd.read_csv(t / "plots/pretrain/loss.csv")) >= 1
    s = json.loads((t / "m/score.json").read_text())
    assert s["n"] == 120 and s["n_draws"] == 2 and len(s["timesteps"]) == 2
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
    res = run(score, "--encoded", t / "enc", "--out", t / "scores", "--model-dir", t / "scorer", "--n-draws", 2, "--batch-size", 32,
              "--metrics", t / "m/score.json", "--plots", t / "plots/score")
    assert res.exit_code == 0 and json.loads((t / "m/score.json").read_text())["scored_now"] == 0


def test_bad_input_is_named(pipeline):
    t = pipeline
    assert sel(t, "--method", "centroid").exit_code == 2
    res = sel(t, "--budget", 0)
    assert res.exit_code == 1 and "budget must be > 0" in res.output
    bad = t / "bad.parquet"
    pd.DataFrame({"id": ["a"], "score": [1.0]}).to_parquet(bad)
    res = run(select, "--scores", bad, "--encoded", t / "enc", "--out", t / "x.parquet", "--metrics", t / "x.json", "--plots", t / "xp")
    assert res.exit_code == 1 and "missing columns ['index', 'label']" in res.output.replace("\n", "")
    res = run(select, "--scores", t / "scores/scores.parquet", "--encoded", t / "enc", "--features", t / "none.npy", "--method", "herding",
              "--out", t / "x.parquet", "--metrics", t / "x.json", "--plots", t / "xp")
    assert res.exit_code == 1 and "none.npy: no features" in res.output.replace("\n", "")
    res = run(encode, "--root", t / "nowhere", "--out", t / "enc2", "--metrics", t / "m/e2.json")
    assert res.exit_code == 1 and "no Fashion-MNIST files" in res.output.replace("\n", "")
    assert not (t / "x.parquet").exists()
