"""Taxonomy, evaluation, keyword baseline and the response cache."""

from __future__ import annotations

import pandas as pd
import pytest

from diffcurate.cache import JsonlCache, cache_key
from diffcurate.classify.base import predictions_frame
from diffcurate.classify.evaluate import agreement, confusion_pairs, evaluate
from diffcurate.classify.keyword import KeywordClassifier
from diffcurate.taxonomy import CODES, N_CELLS, Axis, cells, validate_code


def test_taxonomy_is_the_spec():
    assert CODES[Axis.SUBJECT] == [f"S{i}" for i in range(1, 15)]
    assert CODES[Axis.STYLE] == [f"T{i}" for i in range(1, 8)]
    assert CODES[Axis.CAMERA] == [f"C{i}" for i in range(1, 9)]
    assert N_CELLS == len(cells()) == 98
    assert validate_code(Axis.STYLE, "T4") == "T4"
    with pytest.raises(ValueError, match="not a subject code"):
        validate_code(Axis.SUBJECT, "S15")


def test_agreement_and_per_slice_evaluation():
    gold = pd.DataFrame(
        {
            "subject": ["S1", "S1", "S2", "S3"],
            "style": ["T1"] * 4,
            "camera": ["C1"] * 4,
            "language": ["en", "en", "zh", "zh"],
            "source": ["a", "b", "a", "b"],
        }
    )
    pred = pd.DataFrame({"subject": ["S1", "S2", "S2", "S3"], "style": ["T1"] * 4, "camera": ["C1", "C1", "C1", "C2"]})
    rep = evaluate(gold, pred)
    assert rep["subject"]["overall"]["accuracy"] == 0.75
    # macro-F1 over S1, S2, S3: F1(S1)=2/3, F1(S2)=2/3, F1(S3)=1
    assert rep["subject"]["overall"]["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3, abs=1e-4)
    assert rep["subject"]["by_language"]["en"]["accuracy"] == 0.5
    assert rep["subject"]["by_language"]["zh"]["accuracy"] == 1.0
    assert rep["camera"]["by_source"]["b"]["accuracy"] == 0.5
    assert agreement(pd.Series([], dtype=str), pd.Series([], dtype=str))["accuracy"] is None
    assert confusion_pairs(gold["subject"], pred["subject"]).shape == (4, 2)
    with pytest.raises(ValueError):
        evaluate(gold, pred.iloc[:2])


def test_keyword_baseline_is_naive_by_design():
    preds = KeywordClassifier().classify(
        [
            "A woman wearing a red dress in a garden",
            "a watercolor painting of a fox",
            "aerial drone shot of a beach",
            "一只猫在窗台上",
        ]
    )
    frame = predictions_frame(preds)
    assert frame["subject"].tolist() == ["S1", "S10", "S5", "S2"]  # the fox is not in its list: a fallback
    assert frame["style"].tolist() == ["T1", "T2", "T1", "T1"]
    assert frame["camera"].tolist() == ["C1", "C1", "C4", "C1"]
    assert frame.loc[1, "subject_conf"] == 0.0


def test_cache_persists_and_survives_a_torn_tail(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = JsonlCache(path)
    k1, k2 = cache_key("claude", "m", "v1", "a cat"), cache_key("claude", "m", "v1", "a dog")
    assert k1 != k2 and k1 == cache_key("claude", "m", "v1", "a cat")
    cache.put_many({k1: {"subject": "S2"}, k2: {"subject": "S2"}})
    with open(path, "a") as fh:
        fh.write('{"key": "x", "val')  # killed mid-append
    again = JsonlCache(path)
    assert len(again) == 2 and again.get(k1) == {"subject": "S2"}
    path.write_text('{"key": "a", "value": 1}\nnot json\n{"key": "b", "value": 2}\n')
    with pytest.raises(ValueError, match="line 2"):
        JsonlCache(path)
