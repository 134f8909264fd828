"""The offline labels do not depend on the machine: thread count, CPU instruction set, quantised engine.

fp32 kernels differ in their last bits between CPUs and thread counts; the embedding backend
decides in fp64 wherever that could matter (`embedding.close_calls`). The subprocess test runs the
backend as another machine would (other thread count, ATen kernels forced to AVX2 or to no SIMD,
MKL / oneDNN / fbgemm held to AVX2) and wants the very same codes and confidences.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from diffcurate.classify import embedding as E
from diffcurate.classify.embedding import CHECK_MARGIN, CONF_DECIMALS, EmbeddingClassifier, close_calls, decide
from diffcurate.classify.encoders import EncoderPrecision

N_PROMPTS = 300
AVX2_MACHINE = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "FBGEMM_ENABLE_INSTRUCTIONS": "AVX2",
}
VARIANTS = {
    "1 thread": {"TORCH_THREADS": "1"},
    "2 threads, AVX2 machine": {"TORCH_THREADS": "2", **AVX2_MACHINE},
    "1 thread, no SIMD": {"TORCH_THREADS": "1", "ATEN_CPU_CAPABILITY": "default"},
}

# Labels prompts read from stdin (JSON [[text, language], ...]) under the environment's settings.
_LABEL = """
import json, os, sys, torch
torch.set_num_threads(int(os.environ["TORCH_THREADS"]))
from diffcurate.classify.embedding import EmbeddingClassifier, EmbeddingConfig
rows = json.load(sys.stdin)
clf = EmbeddingClassifier(EmbeddingConfig(precision=sys.argv[1]))
preds = clf.classify([t for t, _ in rows], [lg for _, lg in rows])
json.dump({"preds": [[p.subject, p.style, p.camera, p.subject_conf, p.style_conf, p.camera_conf] for p in preds],
           "n_checked": getattr(clf, "n_checked", 0)}, sys.stdout)
"""


def test_decide_breaks_exact_ties_by_code_order_and_rounds():
    probs = np.array([[0.3, 0.3, 0.4], [0.45, 0.45, 0.1], [0.123456, 0.8, 0.076544]])
    codes, conf = decide(probs, ["C1", "C2", "C3"])
    assert codes.tolist() == ["C3", "C1", "C2"]  # row 2: an exact tie goes to the first code
    assert conf.tolist() == [0.4, 0.45, 0.8]
    assert CONF_DECIMALS == 2


def test_close_calls_flag_near_ties_and_rounding_midpoints():
    eps = CHECK_MARGIN / 10
    probs = np.array(
        [
            [0.5 + eps, 0.5 - eps],  # top two within the margin: either could win on another machine
            [0.7, 0.3],  # clear
            [0.625 + eps, 0.375 - eps],  # 0.625 rounds to 0.62 or 0.63 depending on the last bits
            [0.6251 + 2 * CHECK_MARGIN, 0.3749 - 2 * CHECK_MARGIN],  # far enough from the midpoint
            [1.0, 0.0],
        ]
    )
    assert close_calls(probs).tolist() == [True, False, True, False, False]
    assert close_calls(np.ones((2, 1))).tolist() == [False, False]  # a constant axis (one code)


@pytest.fixture(scope="module")
def prompts(shared: Path) -> list[list[str]]:
    """The first reference prompts (English and Chinese, every source in the file's order)."""
    path = shared / "labels" / "reference_dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    step = max(1, len(rows) // N_PROMPTS)
    return [[r["text"], r["language"]] for r in rows[::step][:N_PROMPTS]]


def test_fp32_close_calls_are_redone_in_fp64_so_perturbed_embeddings_label_alike(prompts, monkeypatch):
    """Another CPU's fp32 embeddings, emulated by noise ~7x the measured cross-machine difference:
    the same codes and confidences, because the close calls are redone in fp64."""
    texts, langs = [t for t, _ in prompts], [lg for _, lg in prompts]
    clf = EmbeddingClassifier()
    want = clf.classify(texts, langs)
    rng = np.random.default_rng(0)
    for _ in range(3):
        fp32 = clf.embed(texts, langs)
        noisy = (fp32 + rng.normal(0, 1e-6, fp32.shape)).astype(np.float32)
        monkeypatch.setattr(
            clf,
            "embed",
            lambda t, lg=None, progress=None, precision=None, noisy=noisy, orig=clf.embed: (
                noisy[[texts.index(x) for x in t]] if precision is None else orig(t, lg, progress, precision)
            ),
        )
        assert clf.classify(texts, langs) == want
        monkeypatch.undo()


@pytest.mark.e2e
def test_labels_identical_across_threads_and_instruction_sets(prompts):
    """Subprocesses as other machines would run them: identical codes and confidences."""
    repo = Path(__file__).resolve().parents[1]
    results = {}
    for name, env in VARIANTS.items():
        proc = subprocess.run(
            [sys.executable, "-c", _LABEL, EncoderPrecision.FP32.value],
            input=json.dumps(prompts),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(repo / "src"), **env},
            check=True,
        )
        results[name] = json.loads(proc.stdout)
    first, *others = results
    for name in others:
        diff = [i for i, (a, b) in enumerate(zip(results[first]["preds"], results[name]["preds"], strict=True)) if a != b]
        assert not diff, f"{name} vs {first}: {len(diff)} prompts differ, e.g. {prompts[diff[0]][0]!r}"
    assert E.CHECK_MARGIN > 0 and all(r["n_checked"] < len(prompts) / 4 for r in results.values())
