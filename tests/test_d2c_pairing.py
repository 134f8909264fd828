"""Paired runs: one train seed gives every selection method (same images per class) and every Attach
setting the same classes, batch positions, timesteps and noise at every step, and the same initial
weights wherever the models share them. The grid's paired statistics (benchmarks/grid/stats2.py)
rest on this."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import save_file

from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.encode import Encoded
from diffcurate.d2c.student import Conditioning, Student, StudentConfig, student_objective
from diffcurate.d2c.student_data import class_major, load_student_data
from diffcurate.d2c.training import TrainConfig, train

C, L, D, SIDE = 3, 4, 6, 8


def make_student(seed: int, cond: Conditioning = Conditioning.BOTH, proj: float = 0.0) -> Student:
    text, mask = torch.ones(C, L, D), torch.ones(C, L)
    torch.manual_seed(seed)  # as the train stage: the seed, then the model
    dit = DiTConfig(name="DiT-T/4", input_size=SIDE, num_classes=C)
    return Student(StudentConfig(dit, cond, proj_coeff=proj, visual_dim=5), text, mask)


def write_corpus(folder, n: int = 30) -> np.ndarray:
    """An encoded corpus in encode's format (labels i % C, one shard) and attach's text tokens."""
    folder.mkdir()
    labels = np.arange(n) % C
    x = (np.arange(n)[:, None, None, None] * np.ones((1, 1, SIDE, SIDE))).astype(np.uint8)
    save_file(
        {"x": x, "label": labels.astype(np.int64), "index": np.arange(n, dtype=np.int64), "flip": np.zeros(n, np.uint8)},
        str(folder / "shard_00000.safetensors"),
    )
    meta = {"shards": ["shard_00000.safetensors"], "space": "pixels", "shape": [1, SIDE, SIDE], "class_names": ["a", "b", "c"]}
    (folder / "meta.json").write_text(json.dumps(meta))
    save_file({"tokens": np.ones((C, L, D), np.float32), "mask": np.ones((C, L), np.uint8)}, str(folder / "text.safetensors"))
    return labels


def test_student_rows_are_class_major_so_equal_class_counts_align_row_by_row(tmp_path):
    import pandas as pd

    labels = write_corpus(tmp_path / "enc")
    # Two subsets of 2 images per class, listed in different orders, none shared.
    a = np.array([9, 0, 4, 1, 5, 8])
    b = np.array([29, 27, 20, 22, 12, 10])
    assert sorted(np.bincount(labels[a])) == sorted(np.bincount(labels[b])) == [2, 2, 2]
    got = []
    for name, rows in (("a", a), ("b", b)):
        pd.DataFrame({"index": rows}).to_parquet(tmp_path / f"{name}.parquet")
        got.append(load_student_data(tmp_path / "enc", tmp_path / f"{name}.parquet", tmp_path / "enc", visual=False))
    assert got[0].y.tolist() == got[1].y.tolist() == [0, 0, 1, 1, 2, 2]
    assert got[0].index.tolist() == [0, 9, 1, 4, 5, 8] and got[1].index.tolist() == [12, 27, 10, 22, 20, 29]
    pixels = [-1.0 + 2 * i / 255 for i in (0, 9, 1, 4, 5, 8)]  # each image follows its row
    assert got[0].x[:, 0, 0, 0].tolist() == pytest.approx(pixels)
    e = Encoded(torch.zeros(4, 1, 2, 2), torch.tensor([1, 0, 1, 0]), np.array([3, 7, 1, 5]), np.zeros(4, np.uint8), {})
    assert class_major(e).index.tolist() == [5, 7, 1, 3] and class_major(e).labels.tolist() == [0, 0, 1, 1]


def test_class_only_and_class_text_students_of_one_seed_share_every_other_initial_weight():
    both, cls, repa = make_student(3), make_student(3, Conditioning.CLASS), make_student(3, proj=0.5)
    b, c = dict(both.named_parameters()), dict(cls.named_parameters())
    text_only = {k for k in b if k not in c}
    assert text_only == {"dit.y_embedder.conv.weight", "dit.y_embedder.conv.bias", "dit.y_embedder.null_text"}
    assert all(torch.equal(b[k], c[k]) for k in c)  # the DiT, the class table, fuse, the REPA projector
    assert all(torch.equal(p, q) for p, q in zip(both.parameters(), repa.parameters(), strict=True))  # REPA adds no weights
    other = dict(make_student(4).named_parameters())
    assert not torch.equal(b["dit.blocks.0.qkv.weight"], other["dit.blocks.0.qkv.weight"])
    assert not torch.equal(b["dit.y_embedder.conv.weight"], other["dit.y_embedder.conv.weight"])


@pytest.mark.parametrize("cond, proj", [(Conditioning.CLASS, 0.0), (Conditioning.BOTH, 0.5)])
def test_one_seed_draws_the_same_classes_positions_timesteps_and_noise_for_any_subset(tmp_path, cond, proj):
    """Two subsets (other images, same labels row by row), with and without REPA, class or class + text:
    the generator is in the same state at every objective call, and the batches carry the same classes."""
    n, steps = 12, 4
    y = torch.arange(n) // (n // C)  # class-major: 4 images of each class
    runs = {
        "subset A": (torch.rand(n, 1, SIDE, SIDE) * 2 - 1, make_student(0), None),
        "subset B": (torch.rand(n, 1, SIDE, SIDE) * 2 - 1, make_student(0), None),
        "other Attach": (torch.rand(n, 1, SIDE, SIDE) * 2 - 1, make_student(0, cond, proj), {"visual": torch.randn(n, 4, 5)}),
    }
    seen: dict[str, list] = {}
    for name, (x, model, extras) in runs.items():
        calls = seen.setdefault(name, [])

        def recording(m, x0, yb, gen, calls=calls, **kw):
            calls.append((yb.clone(), gen.get_state().clone()))
            return student_objective(m, x0, yb, gen, **kw)

        cfg = TrainConfig(steps=steps, batch_size=5, seed=7, log_every=1)
        train(model, x, y, cfg, tmp_path / name, objective=recording, extras=extras)
    reference = seen["subset A"]
    assert len(reference) == steps
    for name, calls in seen.items():
        for (ya, sa), (yb, sb) in zip(reference, calls, strict=True):
            assert torch.equal(ya, yb) and torch.equal(sa, sb), name
