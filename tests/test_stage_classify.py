"""The `classify` Typer command on small tables: backends, reference agreement, bad input."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from fakeanthropic import FakeAnthropic
from typer.testing import CliRunner

spec = importlib.util.spec_from_file_location("stage_classify", REPO / "stages/classify.py")
stage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stage)
runner = CliRunner()

ROWS = [
    ("A woman wearing a red dress in a garden", "en", "S1", "T1", "C1"),
    ("a watercolor painting of a fox in the snow", "en", "S2", "T2", "C1"),
    ("aerial drone view of a winding river through a forest", "en", "S5", "T1", "C4"),
    ('A storefront sign that says "Open all night"', "en", "S11", "T1", "C1"),
    ("a bowl of ramen with a soft boiled egg, close-up", "en", "S3", "T1", "C2"),
    ("一位穿着汉服的女子站在古塔前", "zh", "S13", "T1", "C1"),
]


@pytest.fixture
def tables(tmp_path: Path) -> dict[str, Path]:
    df = pd.DataFrame(ROWS, columns=["text", "language", "subject", "style", "camera"])
    inp = tmp_path / "in.parquet"
    df[["text", "language"]].assign(source="test").to_parquet(inp)
    ref = tmp_path / "ref.jsonl"
    df.to_json(ref, orient="records", lines=True, force_ascii=False)
    return {"input": inp, "reference": ref}


def invoke(tmp_path: Path, *args: str, env: dict | None = None):
    # No reference unless a test passes one (the default is params.yaml's, under ../shared).
    base = [
        "--reference",
        "",
        "--output",
        str(tmp_path / "out/prompts.parquet"),
        "--metrics",
        str(tmp_path / "m.json"),
        "--plots",
        str(tmp_path / "plots"),
        "--cache",
        str(tmp_path / "cache/classify.jsonl"),
        "--model-dir",
        str(tmp_path / "model"),
    ]
    return runner.invoke(stage.app, [*base, *args], env=env)


def test_keyword_backend_keeps_input_columns(tables, tmp_path):
    res = invoke(tmp_path, "--input", str(tables["input"]), "--backend", "keyword")
    assert res.exit_code == 0, res.output
    out = pd.read_parquet(tmp_path / "out/prompts.parquet")
    assert list(out.columns[:3]) == ["text", "language", "source"]
    assert {"subject", "style", "camera", "subject_conf", "style_conf", "camera_conf", "label_flag"} <= set(out.columns)
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["n_in"] == m["n_out"] == len(ROWS) and m["backend"] == "keyword"
    assert sum(m["distribution"]["subject"].values()) == len(ROWS)
    assert (tmp_path / "cache/classify.jsonl").exists()  # the persistent DVC output exists even unused


def test_embedding_zero_shot_with_reference(tables, tmp_path):
    res = invoke(tmp_path, "--input", str(tables["reference"]), "--reference", str(tables["reference"]))
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "m.json").read_text())
    ref = m["reference"]
    assert ref["mode"] == "zero-shot" and ref["n"] == len(ROWS)
    assert set(ref["agreement"]["subject"]["by_language"]) == {"en", "zh"}
    assert ref["agreement"]["subject"]["overall"]["accuracy"] >= 0.5
    assert "keyword_baseline" in ref
    confusion = pd.read_csv(tmp_path / "plots/confusion_subject.csv")
    assert list(confusion.columns) == ["actual", "predicted"] and len(confusion) == len(ROWS)


def test_seed_labels_overlapping_reference_use_cross_validation(tables, tmp_path):
    res = invoke(
        tmp_path,
        "--input",
        str(tables["input"]),
        "--seed-labels",
        str(tables["reference"]),
        "--reference",
        str(tables["reference"]),
        "--cv-folds",
        "2",
    )
    assert res.exit_code == 0, res.output
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["reference"]["mode"] == "seed-labelled, 2-fold cross-validation"
    assert m["n_seed_labels"] == len(ROWS)


def test_claude_backend_through_the_stage(tables, tmp_path, monkeypatch):
    gold = {r[0]: {"subject": r[2], "style": r[3], "camera": r[4]} for r in ROWS}
    with FakeAnthropic(gold.__getitem__) as api:
        env = {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": api.url}
        res = invoke(tmp_path, "--input", str(tables["input"]), "--backend", "claude", "--prompts-per-request", "4", env=env)
        assert res.exit_code == 0, res.output
        out = pd.read_parquet(tmp_path / "out/prompts.parquet")
        assert out["subject"].tolist() == [r[2] for r in ROWS]
        m = json.loads((tmp_path / "m.json").read_text())
        assert m["claude"]["requests"] == 2 and m["claude"]["estimated_cost_usd"] > 0
        requests = sum(api.requests.values())
        res = invoke(tmp_path, "--input", str(tables["input"]), "--backend", "claude", env=env)
        assert res.exit_code == 0 and sum(api.requests.values()) == requests  # re-run: all cached
    # The cache doubles as seed labels for the offline head.
    res = invoke(tmp_path, "--input", str(tables["input"]), "--seed-labels", str(tmp_path / "cache/classify.jsonl"))
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "m.json").read_text())["n_seed_labels"] == len(ROWS)


def test_bad_input_is_named(tables, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"text": "a cat", "subject": "S2", "style": "T1", "camera": "C1"}\n'
        '{"text": "a dog", "subject": "S15", "style": "T1", "camera": "C1"}\n'
    )
    res = invoke(tmp_path, "--input", str(tables["input"]), "--seed-labels", str(bad))
    assert res.exit_code == 1
    assert "bad.jsonl, row 2: subject 'S15' is not one of" in res.output.replace("\n", "")
    notext = tmp_path / "notext.parquet"
    pd.DataFrame({"prompt": ["a cat"]}).to_parquet(notext)
    res = invoke(tmp_path, "--input", str(notext))
    assert res.exit_code == 1 and "expected a `text` column" in res.output
    assert not (tmp_path / "out").exists()
    res = invoke(tmp_path, "--input", str(tables["input"]), "--backend", "gpt")
    assert res.exit_code == 2


def test_without_a_reference_the_declared_plot_is_still_written(tables, tmp_path):
    res = invoke(tmp_path, "--input", str(tables["input"]), "--backend", "keyword", "--reference", "")
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(tmp_path / "plots/confusion_subject.csv").columns) == ["actual", "predicted"]


def test_seeded_head_with_use_features_writes_outputs(tables, tmp_path):
    from diffcurate.classify.artifact import load_classifier

    seed = ["--seed-labels", str(tables["reference"]), "--seed-features", "minilm+use"]
    res = invoke(tmp_path, "--input", str(tables["input"]), *seed, "--head-balanced", "camera", "--blend-axes", "style,camera")
    assert res.exit_code == 0, res.output
    out = pd.read_parquet(tmp_path / "out/prompts.parquet")
    assert len(out) == len(ROWS) and out["subject"].notna().all()
    m = json.loads((tmp_path / "m.json").read_text())
    assert m["seed_head"]["features"] == "minilm+use" and m["n_seed_labels"] == len(ROWS)
    weights = m["seed_head"]["blend_weight"]
    assert weights["subject"] == 1.0 and 0.0 <= weights["style"] <= 1.0 and 0.0 <= weights["camera"] <= 1.0
    config = json.loads((tmp_path / "model/config.json").read_text())
    assert config["fitted_head"] == "logistic" and config["config"]["embedding"]["seed_features"] == "minilm+use"
    # gapfill / expand re-classify with the saved head: the same labels.
    _, clf = load_classifier(tmp_path / "model")
    again = clf.classify(out["text"].tolist(), out["language"].tolist())
    assert [p.subject for p in again] == out["subject"].tolist() and [p.camera for p in again] == out["camera"].tolist()


@pytest.mark.parametrize(
    ("option", "value"), [("--seed-features", "minilm+usee"), ("--head-balanced", "camra"), ("--blend-axes", "style;camera")]
)
def test_seed_head_options_reject_typos_at_parse_time(tables, tmp_path, option, value):
    res = invoke(tmp_path, "--input", str(tables["input"]), option, value)
    assert res.exit_code == 2 and value in res.output
    assert not (tmp_path / "out").exists()
