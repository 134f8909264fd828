"""The offline embedding backend (MiniLM shipped in a PyPI package; no network)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from diffcurate.classify.embedding import EmbeddingClassifier, cue_flags

CLEAR = {
    "A woman wearing a red dress in a garden": ("S1", "T1", "C1"),
    'A storefront sign that says "Open all night"': ("S11", None, None),
    "a watercolor painting of a fox in the snow": ("S2", "T2", "C1"),
    "aerial drone view of a winding river through a forest": ("S5", "T1", "C4"),
    "a 3d render of a robot, octane render, unreal engine": (None, "T4", None),
}


@pytest.fixture(scope="module")
def zero_shot():
    return EmbeddingClassifier()


def test_cue_flags():
    flags = cue_flags(
        ["a sign that says 'hello world'", "the dog's ball", "海报上写着“你好”", "一个女孩在跑步", "a man and his dog"]
    )
    assert flags.tolist() == [[1, 0], [0, 0], [1, 0], [0, 1], [0, 1]]


def test_zero_shot_on_clear_prompts(zero_shot):
    preds = zero_shot.classify(list(CLEAR), ["en"] * len(CLEAR))
    for (text, (s, t, c)), p in zip(CLEAR.items(), preds, strict=True):
        for want, got in ((s, p.subject), (t, p.style), (c, p.camera)):
            if want is not None:
                assert got == want, (text, p)
        assert 0.0 < p.subject_conf <= 1.0 and 0.0 < p.style_conf <= 1.0


def test_embeddings_are_deterministic_and_normalised(zero_shot):
    texts = ["a red car on a road", "一只猫"]
    a = zero_shot.embed(texts, ["en", "zh"])
    b = EmbeddingClassifier().embed(texts, ["en", "zh"])
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)


def test_seed_head_learns_supplied_labels():
    texts = [f"a photo of a {w} in the {p}" for w in ("dog", "cat", "horse") for p in ("park", "snow", "field")]
    texts += [f"a {c} sports car parked on a {p} street" for c in ("red", "blue", "green") for p in ("wet", "busy", "quiet")]
    labels = pd.DataFrame({"subject": ["S2"] * 9 + ["S7"] * 9, "style": ["T1"] * 18, "camera": ["C1"] * 17 + ["C4"]})
    clf = EmbeddingClassifier().fit(texts, labels)
    preds = clf.classify(["a photo of a sheep in the field", "a yellow sports car on a street"], ["en", "en"])
    assert [p.subject for p in preds] == ["S2", "S7"]
    assert [p.style for p in preds] == ["T1", "T1"] and preds[0].style_conf == 1.0  # one code seen: constant


def test_finetuned_seed_head_learns_and_is_deterministic():
    from diffcurate.classify.embedding import EmbeddingConfig, SeedHead

    texts = [f"a photo of a {w} in the {p}" for w in ("dog", "cat", "horse") for p in ("park", "snow", "field")]
    texts += [f"a {c} sports car parked on a {p} street" for c in ("red", "blue", "green") for p in ("wet", "busy", "quiet")]
    labels = pd.DataFrame({"subject": ["S2"] * 9 + ["S7"] * 9, "style": ["T1"] * 18, "camera": ["C1"] * 18})
    cfg = EmbeddingConfig(seed_head=SeedHead.FINETUNE, finetune_epochs=2)
    a = EmbeddingClassifier(cfg).fit(texts, labels)
    b = EmbeddingClassifier(cfg).fit(texts, labels)
    queries = ["a photo of a sheep in the field", "a yellow sports car on a street"]
    pa, pb = a.classify(queries, ["en", "en"]), b.classify(queries, ["en", "en"])
    assert [p.subject for p in pa] == ["S2", "S7"]
    assert pa == pb  # same seed, same data: the same model
