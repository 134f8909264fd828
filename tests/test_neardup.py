import numpy as np
import pytest

from diffcurate.neardup import NearDupConfig, find_near_duplicates, minhash_signatures

BASE = (
    "A raccoon wearing formal clothes and a top hat holding a cane and a garbage bag, standing on a wet "
    "city street at night under a flickering lamp, with neon reflections in the puddles around its feet"
)


def test_near_duplicates_grouped_with_earliest_representative():
    texts = [
        BASE,
        "A lighthouse on a cliff over a stormy sea at night",
        BASE.replace("garbage bag", "trash bag"),  # a small edit
        "一只可爱的小猫坐在窗台上晒太阳，旁边放着一盆绿植",
        "一只可爱的小猫坐在窗台上晒太阳，旁边放着一盆绿植。",
        "A completely different prompt about a bowl of ramen with an egg",
    ]
    res = find_near_duplicates(texts)
    assert res.rep.tolist() == [0, 1, 0, 3, 3, 5]
    assert res.is_dup.tolist() == [False, False, True, False, True, False]
    assert 0.8 <= res.similarity[2] < 1.0
    assert res.similarity[4] == pytest.approx(1.0)  # punctuation is not a token


def test_threshold_separates_template_variants():
    # GenEval-style templates differ in one content word: Jaccard of 3-grams is low, not near-dups.
    texts = ["a photo of a red bench", "a photo of a blue bench", "a photo of a red bench"]
    res = find_near_duplicates(texts, NearDupConfig(threshold=0.8))
    assert res.rep.tolist() == [0, 1, 0]


def test_estimated_jaccard_tracks_true_jaccard():
    words = [f"w{i}" for i in range(60)]
    a = " ".join(words)
    b = " ".join(words[:45] + [f"x{i}" for i in range(15)])
    sh = lambda t: {tuple(t.split()[i : i + 3]) for i in range(len(t.split()) - 2)}  # noqa: E731
    true = len(sh(a) & sh(b)) / len(sh(a) | sh(b))
    sig = minhash_signatures([a, b], NearDupConfig(num_perm=512, bands=16))
    assert (sig[0] == sig[1]).mean() == pytest.approx(true, abs=0.07)


def test_deterministic_and_seeded():
    texts = [BASE, BASE + " at night", "something else entirely here today"]
    s1 = minhash_signatures(texts, NearDupConfig(seed=1))
    assert np.array_equal(s1, minhash_signatures(texts, NearDupConfig(seed=1)))
    assert not np.array_equal(s1, minhash_signatures(texts, NearDupConfig(seed=2)))


def test_chunking_does_not_change_result():
    texts = [f"{BASE} number {i % 7}" for i in range(50)] + [f"unique prompt {i} about topic {i * 3}" for i in range(50)]
    a = find_near_duplicates(texts, NearDupConfig(chunk=1000))
    b = find_near_duplicates(texts, NearDupConfig(chunk=7))
    assert np.array_equal(a.rep, b.rep)


def test_edge_cases():
    assert len(find_near_duplicates([]).rep) == 0
    res = find_near_duplicates(["cat", "cat", "dog"])  # shorter than one shingle: padded
    assert res.rep.tolist() == [0, 0, 2]
    with pytest.raises(ValueError):
        NearDupConfig(num_perm=100, bands=16)
