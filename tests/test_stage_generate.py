"""The `gapfill` and `expand` Typer commands on a small classified table, with the classifier artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import load_stage
from fakeanthropic import FakeAnthropic
from typer.testing import CliRunner

from diffcurate.classify.artifact import load_classifier, save_classifier
from diffcurate.classify.embedding import EmbeddingClassifier
from diffcurate.classify.run import ClassifyConfig
from diffcurate.llm import ClaudeConfig
from diffcurate.text import n_words

runner = CliRunner()


classify_stage, gapfill_stage, expand_stage = (load_stage(n) for n in ("classify", "gapfill", "expand"))

ROWS = [
    ("A woman wearing a red dress in a garden", "en"),
    ("a watercolor painting of a fox in the snow", "en"),
    ("aerial drone view of a winding river through a forest", "en"),
    ('A storefront sign that says "Open all night"', "en"),
    ("a bowl of ramen with a soft boiled egg, close-up", "en"),
    ("一位穿着汉服的女子站在古塔前", "zh"),
]


@pytest.fixture
def classified(tmp_path: Path) -> dict[str, Path]:
    """A classified table and the keyword classifier's artifact (fast and deterministic)."""
    raw = tmp_path / "raw.parquet"
    pd.DataFrame([{"id": f"p{i}", "source": "test", "text": t, "language": lg} for i, (t, lg) in enumerate(ROWS)]).to_parquet(raw)
    res = runner.invoke(
        classify_stage.app,
        [
            "--input",
            str(raw),
            "--output",
            str(tmp_path / "classified.parquet"),
            "--backend",
            "keyword",
            "--reference",
            "",
            "--metrics",
            str(tmp_path / "m/classify.json"),
            "--plots",
            str(tmp_path / "plots"),
            "--cache",
            str(tmp_path / "cache/classify.jsonl"),
            "--model-dir",
            str(tmp_path / "model"),
        ],
    )
    assert res.exit_code == 0, res.output
    return {"input": tmp_path / "classified.parquet", "model": tmp_path / "model"}


def flat(res) -> str:
    return res.output.replace("\n", "")


def gapfill(tmp_path: Path, classified: dict, *args: str, env: dict | None = None):
    base = [
        "--input",
        str(classified["input"]),
        "--classifier",
        str(classified["model"]),
        "--output",
        str(tmp_path / "gap/prompts.parquet"),
        "--metrics",
        str(tmp_path / "m/gapfill.json"),
        "--plots",
        str(tmp_path / "plots/gapfill"),
        "--cache",
        str(tmp_path / "cache/gap.jsonl"),
        # Every prompt of the tiny table counts towards its cell, whatever its length (params.yaml: balance's bounds).
        "--count-min-words",
        "0",
        "--count-max-words",
        "1000",
        "--count-min-chars-zh",
        "0",
        "--count-max-chars-zh",
        "1000",
    ]
    return runner.invoke(gapfill_stage.app, [*base, *args], env=env)


def expand(tmp_path: Path, classified: dict, *args: str, env: dict | None = None):
    base = [
        "--input",
        str(classified["input"]),
        "--generated",
        str(tmp_path / "gap/prompts.parquet"),
        "--classifier",
        str(classified["model"]),
        "--output",
        str(tmp_path / "exp/prompts.parquet"),
        "--metrics",
        str(tmp_path / "m/expand.json"),
        "--cache",
        str(tmp_path / "cache/exp.jsonl"),
    ]
    return runner.invoke(expand_stage.app, [*base, *args], env=env)


def test_gapfill_then_expand_offline_byte_identical_on_rerun(classified, tmp_path):
    res = gapfill(tmp_path, classified, "--min-per-cell", "1", "--max-rounds", "4")
    assert res.exit_code == 0, res.output
    gen = pd.read_parquet(tmp_path / "gap/prompts.parquet")
    m = json.loads((tmp_path / "m/gapfill.json").read_text())
    assert m["generated"] == len(gen) > 80 and m["cells_below_min_before"] == 98 - m["cells_total"] + m["cells_below_min_before"]
    assert m["cells_below_min_after"] == 98 - len(
        set(zip(gen["subject"], gen["style"], strict=True))
        | set(zip(*[pd.read_parquet(classified["input"])[c] for c in ("subject", "style")], strict=True))
    )
    assert (gen["source"] == "generated").all() and gen["text"].is_unique
    cells = pd.read_csv(tmp_path / "plots/gapfill/cells.csv")
    assert len(cells) == 98 and {"cell", "before", "after", "acceptance_rate"} <= set(cells.columns)
    first = (tmp_path / "gap/prompts.parquet").read_bytes()
    assert gapfill(tmp_path, classified, "--min-per-cell", "1", "--max-rounds", "4").exit_code == 0
    assert (tmp_path / "gap/prompts.parquet").read_bytes() == first

    res = expand(tmp_path, classified)
    assert res.exit_code == 0, res.output
    out = pd.read_parquet(tmp_path / "exp/prompts.parquet")
    assert len(out) == len(ROWS) + len(gen) and {"text_original", "expanded"} <= set(out.columns)
    exp_en = out[out["expanded"] & (out["language"] == "en")]
    assert len(exp_en) and exp_en["text"].map(n_words).between(30, 40).all()
    assert (out.loc[~out["expanded"], "text"] == out.loc[~out["expanded"], "text_original"]).all()
    assert not out.loc[out["source"] == "test", "expanded"].any()
    m = json.loads((tmp_path / "m/expand.json").read_text())
    assert m["expanded"] + m["fell_back_to_original"] == m["candidates"]
    first = (tmp_path / "exp/prompts.parquet").read_bytes()
    assert expand(tmp_path, classified).exit_code == 0 and (tmp_path / "exp/prompts.parquet").read_bytes() == first


def test_claude_backends_through_the_stages(classified, tmp_path):
    with FakeAnthropic(lambda text: {"subject": "S10", "style": "T1", "camera": "C1"}) as api:
        env = {"ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": api.url}
        res = gapfill(
            tmp_path, classified, "--backend", "claude", "--min-per-cell", "1", "--max-rounds", "1", "--zh-share", "0", env=env
        )
        assert res.exit_code == 0, res.output
        m = json.loads((tmp_path / "m/gapfill.json").read_text())
        assert m["claude"]["requests"] >= 90 and m["claude"]["estimated_cost_usd"] > 0  # one request per sparse cell
        n = api.count("POST", "/v1/messages")
        res = gapfill(
            tmp_path, classified, "--backend", "claude", "--min-per-cell", "1", "--max-rounds", "1", "--zh-share", "0", env=env
        )
        assert res.exit_code == 0 and api.count("POST", "/v1/messages") == n  # all from the cache
        res = expand(tmp_path, classified, "--backend", "claude", "--scope", "all", "--max-attempts", "1", env=env)
        assert res.exit_code == 0, res.output
        m = json.loads((tmp_path / "m/expand.json").read_text())
        assert m["claude"]["requests"] > 0 and m["expanded"] >= len(ROWS)


def test_bad_input_is_named(classified, tmp_path):
    res = gapfill(tmp_path, classified, "--cameras", "C1=0.5,C9=0.5")
    assert res.exit_code == 2 and "C9=0.5" in flat(res)
    res = gapfill(tmp_path, classified, "--zh-subjects", "S13,S99")
    assert res.exit_code == 2 and "S99" in flat(res)
    raw = tmp_path / "raw.parquet"
    res = gapfill(tmp_path, {"input": raw, "model": classified["model"]})
    assert res.exit_code == 1 and "missing columns ['subject', 'style', 'camera']" in flat(res)
    res = gapfill(tmp_path, {"input": classified["input"], "model": tmp_path})
    assert res.exit_code == 1 and "no classifier artifact" in flat(res)
    res = expand(tmp_path, classified, "--generated", "", "--target-min", "50", "--target-max", "40")
    assert res.exit_code == 1 and "target_min <= target_max" in flat(res)
    assert not (tmp_path / "gap").exists() and not (tmp_path / "exp").exists()


def test_classifier_artifact_round_trip_with_a_seed_head(tmp_path):
    texts = [t for t, _ in ROWS] * 2
    labels = pd.DataFrame(
        {
            "subject": ["S1", "S2", "S5", "S11", "S3", "S13"] * 2,
            "style": ["T1", "T2", "T1", "T1", "T1", "T1"] * 2,
            "camera": ["C1", "C1", "C4", "C1", "C2", "C1"] * 2,
        }
    )
    cfg = ClassifyConfig(claude=ClaudeConfig(temperature=None))
    clf = EmbeddingClassifier(cfg.embedding).fit(texts, labels)
    save_classifier(tmp_path / "model", cfg, clf)
    cfg2, clf2 = load_classifier(tmp_path / "model")
    assert cfg2.embedding == cfg.embedding and cfg2.backend is cfg.backend
    assert clf2.classify(texts[:6]) == clf.classify(texts[:6])
    save_classifier(tmp_path / "model", cfg, EmbeddingClassifier(cfg.embedding))  # zero-shot: the stale head goes
    assert not (tmp_path / "model/head.pkl").exists()


def test_a_seed_head_saved_before_issue_20_still_loads(tmp_path):
    """Before the USE head, config.json had no seed_features / head_balanced / blend_axes and head.pkl
    held a LogisticRegression per axis (or the one code seen): it loads as that head."""
    import pickle

    from sklearn.linear_model import LogisticRegression

    from diffcurate.classify.embedding import cue_flags
    from diffcurate.taxonomy import Axis

    texts = [t for t, _ in ROWS]
    clf = EmbeddingClassifier()
    x = np.hstack([clf.embed(texts), cue_flags(texts)])  # the old head's features
    subject = LogisticRegression(C=4.0).fit(x, ["S1", "S2", "S1", "S2", "S1", "S2"][: len(texts)])
    save_classifier(tmp_path / "model", ClassifyConfig(claude=ClaudeConfig(temperature=None)), clf)  # zero-shot config
    meta = json.loads((tmp_path / "model/config.json").read_text())
    for key in ("seed_features", "head_balanced", "blend_axes"):
        del meta["config"]["embedding"][key]
    meta.update(fitted_head="logistic", n_seed_labels=len(texts))
    (tmp_path / "model/config.json").write_text(json.dumps(meta))
    heads = {Axis.SUBJECT: subject, Axis.STYLE: "T1", Axis.CAMERA: "C1"}
    (tmp_path / "model/head.pkl").write_bytes(pickle.dumps({"heads": heads, "finetuned": None, "n_seed": len(texts)}))
    cfg, loaded = load_classifier(tmp_path / "model")
    assert (cfg.embedding.seed_features.value, cfg.embedding.head_balanced, cfg.embedding.blend_axes) == ("minilm", "", "")
    preds = loaded.classify(texts)
    assert [p.subject for p in preds] == subject.predict(x).tolist()
    assert {(p.style, p.style_conf, p.camera) for p in preds} == {("T1", 1.0, "C1")}
