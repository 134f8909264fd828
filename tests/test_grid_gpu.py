"""benchmarks/grid/gpu_batch.py on the CPU at toy size: a student trained inside a stack follows the
same loss trajectory as the same student trained alone by `training.train`, and the batched run
writes grid v2's record rows. No test needs a GPU."""

from __future__ import annotations

import copy
import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import REPO
from typer.testing import CliRunner

from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.encode import Encoded
from diffcurate.d2c.student import Conditioning, Student, StudentConfig, student_objective
from diffcurate.d2c.student_data import student_data
from diffcurate.d2c.training import TrainConfig, train

sys.path.insert(0, str(REPO / "benchmarks"))  # the `grid` package lives beside benchmarks/d2c_grid.py
from grid import gpu_batch  # noqa: E402
from grid.gpu_batch import BatchError, Paths, as_student, stacks, train_batched  # noqa: E402
from grid.plan2 import plan  # noqa: E402

C, L, D, SIDE, VIS = 3, 4, 6, 8, 5
TEXT = {"tokens": np.linspace(-1, 1, C * L * D, dtype=np.float32).reshape(C, L, D), "mask": np.ones((C, L), np.uint8)}


def data(seed: int, n: int = 12, visual: bool = False):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, SIDE, SIDE, generator=g) * 2 - 1
    y = torch.arange(n) // (n // C)  # class-major
    vis = torch.randn(n, (SIDE // 4) ** 2, VIS, generator=g).half() if visual else None
    return student_data(Encoded(x, y, np.arange(n) + 100 * seed, np.zeros(n, np.uint8), {}), TEXT, vis)


def student(seed: int, cond: Conditioning, proj: float) -> Student:
    torch.manual_seed(seed)
    cfg = StudentConfig(DiTConfig(name="DiT-T/4", input_size=SIDE, num_classes=C), cond, proj_coeff=proj, visual_dim=VIS)
    return Student(cfg, torch.from_numpy(TEXT["tokens"]), torch.from_numpy(TEXT["mask"]))


@pytest.mark.parametrize("cond, proj", [(Conditioning.BOTH, 0.0), (Conditioning.CLASS, 0.0), (Conditioning.BOTH, 0.5)])
def test_a_student_in_the_stack_trains_as_it_would_alone(tmp_path, cond, proj):
    seeds = (0, 1, 2)
    datas = [data(10 + s, visual=proj > 0) for s in seeds]
    # The recipe's learning rate, the gradient clip active, label dropout on. (At lr 0.01 the REPA
    # students part at the 4th decimal after 6 steps: Adam turns a rounding-sized gradient into a
    # step of up to lr, and the runs drift apart as any two runs whose sums are ordered differently.)
    cfgs = [TrainConfig(steps=8, batch_size=5, lr=0.001, grad_clip=0.5, cfg_dropout=0.3, seed=s, log_every=1) for s in seeds]
    models = [student(s, cond, proj) for s in seeds]
    res = train_batched([copy.deepcopy(m) for m in models], datas, cfgs, snapshot_every=3, log_every=1)
    assert sorted(res.snapshots) == [3, 6] and len(res.final) == 3
    for i, m in enumerate(models):
        _, ema, history = train(
            copy.deepcopy(m),
            datas[i].x,
            datas[i].y,
            cfgs[i],
            tmp_path / str(i),
            objective=student_objective,
            extras=datas[i].extras,
        )
        alone = [(r["step"], r["loss"]) for r in history]
        stacked = [(r["step"], r["loss"]) for r in res.histories[i]]
        assert [s for s, _ in alone] == [s for s, _ in stacked] == list(range(1, 9))
        assert [v for _, v in stacked] == pytest.approx([v for _, v in alone], rel=1e-4, abs=2e-6)
        assert [r["grad_norm"] for r in res.histories[i]] == pytest.approx([r["grad_norm"] for r in history], rel=1e-3, abs=2e-4)
        # Weights to float tolerance on Adam's scale: an element whose gradient is ~0 takes a step of up
        # to lr in a direction set by rounding, so the bound is a share of the lr, not of the weight.
        for k, v in ema.state_dict().items():
            if k in res.final[i]:
                torch.testing.assert_close(res.final[i][k], v, rtol=1e-4, atol=0.02 * cfgs[i].lr)
    # Three students, three trajectories; and a stacked student samples like a model.
    assert len({tuple(r["loss"] for r in h) for h in res.histories}) == 3
    assert as_student(models[0], res.final[0])(datas[0].x[:2], torch.tensor([5, 9]), torch.tensor([0, 1])).shape == (
        2,
        1,
        SIDE,
        SIDE,
    )


def test_one_stack_holds_one_architecture_and_one_training_config():
    d = [data(1), data(2)]
    cfg = TrainConfig(steps=1, batch_size=4)
    with pytest.raises(BatchError, match="one StudentConfig"):
        train_batched([student(0, Conditioning.BOTH, 0.0), student(0, Conditioning.CLASS, 0.0)], d, [cfg, cfg])
    with pytest.raises(BatchError, match="one training config"):
        train_batched([student(0, Conditioning.BOTH, 0.0)] * 2, d, [cfg, TrainConfig(steps=2, batch_size=4)])
    with pytest.raises(BatchError, match="precision 'fp16'"):
        train_batched([student(0, Conditioning.BOTH, 0.0)] * 2, d, [cfg, cfg], precision="fp16")


@pytest.fixture
def tiny_repo(tiny_fmnist, tmp_path):
    """The shared stages' outputs for a 120-image Fashion-MNIST: encoded corpus, scores, features,
    a probe (untrained), reference statistics (stand-ins: the toy run replaces the Inception), params.yaml."""
    from test_d2c_train import write_probe

    from diffcurate.d2c.corpus import CorpusKind, load_corpus
    from diffcurate.d2c.encode import EncodeConfig, encode_corpus

    repo = tmp_path / "repo"
    paths = Paths.of(repo)
    corpus = load_corpus(CorpusKind.FASHION_MNIST, tiny_fmnist)
    encode_corpus(corpus, paths.encoded, EncodeConfig())
    paths.scores.parent.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = np.asarray(corpus.labels)
    pd.DataFrame(
        {"id": corpus.ids, "index": np.arange(len(labels)), "label": labels, "score": rng.random(len(labels))}
    ).to_parquet(paths.scores)
    paths.features.parent.mkdir(parents=True)
    np.save(paths.features, rng.normal(size=(len(labels), 8)).astype(np.float32))
    (tiny_fmnist / "t10k-images-idx3-ubyte.gz").write_bytes((tiny_fmnist / "train-images-idx3-ubyte.gz").read_bytes())
    (tiny_fmnist / "t10k-labels-idx1-ubyte.gz").write_bytes((tiny_fmnist / "train-labels-idx1-ubyte.gz").read_bytes())
    write_probe(paths.probe, tiny_fmnist)
    paths.ref.parent.mkdir(parents=True)
    np.savez(
        paths.ref, mu=np.zeros(2), sigma=np.eye(2), features=np.zeros((4, 2)), spatial_mu=np.zeros(2), spatial_sigma=np.eye(2)
    )
    paths.params.write_text((REPO / "params.yaml").read_text())
    return repo


TOY = [
    "corpus.root={root}",
    "select.budget=30",  # 3 images per class of the 120
    "select.interval=4",
    "train.steps=4",
    "train.batch_size=6",
    "train.snapshot_every=2",
    "eval.n_samples=10",
    "eval.steps=2",
    "eval.batch_size=10",
]


def fake_inception(self, x):
    """The Inception measures without the Inception network (its FD of 2,048-d features costs
    seconds each on a CPU; `sample_quality` is the eval stage's, tested there): a stand-in FID from
    the pixels. The probe's measures are computed as the eval stage computes them."""
    return {"fid": round(float(x.float().std()) * 100, 4), "sfid": 1.0, "precision": 0.5, "recall": 0.5}


def fake_text_tokens(prompts, encoder, max_tokens, model, revision):
    """MiniLM's output shapes (the encoders themselves are tested in test_d2c_train.py)."""
    return np.ones((len(prompts), max_tokens, 8), np.float32), np.ones((len(prompts), max_tokens), np.uint8), "fake"


def fake_visual_tokens(x, n_tokens, encoder, model, revision):
    return x.flatten(1)[:, :1, None].expand(-1, n_tokens, 16).numpy().astype(np.float32)


def test_the_batched_run_writes_v2_record_rows_and_tables(tiny_repo, tiny_fmnist, tmp_path, monkeypatch):
    import importlib.util

    monkeypatch.setattr(gpu_batch.Meter, "quality", fake_inception)
    monkeypatch.setattr(gpu_batch, "text_tokens", fake_text_tokens)
    monkeypatch.setattr(gpu_batch, "visual_tokens", fake_visual_tokens)
    spec = importlib.util.spec_from_file_location("d2c_grid", REPO / "benchmarks/d2c_grid.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    out = tmp_path / "results"
    sets = [a for s in TOY for a in ("--set", s.format(root=tiny_fmnist))]
    args = [
        "gpu",
        "--groups",
        "select,attach",
        "--seeds",
        "0",
        "--device",
        "cpu",
        "--precision",
        "fp32",
        "--repo",
        str(tiny_repo),
    ]
    res = CliRunner().invoke(cli.app, [*args, *sets, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "8 batched runs recorded" in res.output and "# D2C grid v2 (issue 19), profile `gpu`" in res.output
    assert (
        "stack of 4: both, proj 0.0" in res.output
        and "stack of 2: class, proj 0.0" in res.output
        and "stack of 2: both, proj 0.5" in res.output
    )
    rec = pd.read_csv(out / "d2c_grid2.csv").set_index("name")
    assert len(rec) == 8 and set(rec.profile) == {"gpu"} and rec.machine.str.contains("cores").all()
    r = rec.loc["g2-attach-interval-repa-s0"]
    assert (r.attach, r.proj_coeff, r.n_train, r.k_used) == ("repa", 0.5, 30, 4)
    assert [s for s, _ in json.loads(r.curve)] == [2, 4] and r.fid_floor > 0 and r.probe_fd_floor > 0
    assert rec.fid.notna().all() and rec.score_median.notna().all()
    assert sorted(p.name for p in out.iterdir()) == ["d2c_grid2.csv", "d2c_grid2_fd_vs_steps_gpu.png", "d2c_grid2_gpu.md"]
    # The plan's students, grouped as they were trained.
    jobs = gpu_batch.prepare(
        plan(["select"], [0], "gpu"),
        Paths.of(tiny_repo),
        cli._settings([s.format(root=tiny_fmnist) for s in TOY]),
        log=lambda _: None,
    )
    assert [len(s) for s in stacks(jobs)] == [4]
    # The same seed: the same initial weights for every method; the same classes row by row.
    assert all(torch.equal(jobs[0].model.dit.blocks[0].qkv.weight, j.model.dit.blocks[0].qkv.weight) for j in jobs)
    assert all(torch.equal(jobs[0].data.y, j.data.y) for j in jobs)


def _cli():
    import importlib.util

    spec = importlib.util.spec_from_file_location("d2c_grid", REPO / "benchmarks/d2c_grid.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    return cli


def test_the_split_run_records_what_the_one_process_run_records(tiny_repo, tiny_fmnist, tmp_path, monkeypatch):
    """gpu-bundle (here) → gpu-train (the GPU machine: no scores, features, text encoder, Inception
    or reference statistics) → gpu-finish (here) writes the rows `gpu` writes in one process."""
    monkeypatch.setattr(gpu_batch.Meter, "quality", fake_inception)
    monkeypatch.setattr(gpu_batch, "text_tokens", fake_text_tokens)
    monkeypatch.setattr(gpu_batch, "visual_tokens", fake_visual_tokens)
    cli = _cli()
    sets = [a for s in TOY for a in ("--set", s.format(root=tiny_fmnist))]
    common = ["--groups", "select,attach", "--seeds", "0"]
    one = tmp_path / "one"
    res = CliRunner().invoke(
        cli.app, ["gpu", *common, "--device", "cpu", "--precision", "fp32", "--repo", str(tiny_repo), *sets, "--out", str(one)]
    )
    assert res.exit_code == 0, res.output

    bundle, pending, split = tmp_path / "b" / "bundle.pt", tmp_path / "pending", tmp_path / "split"
    res = CliRunner().invoke(
        cli.app, ["gpu-bundle", *common, "--repo", str(tiny_repo), *sets, "--bundle", str(bundle), "--out", str(split)]
    )
    assert res.exit_code == 0, res.output
    assert "8 students" in res.output
    # The GPU machine's view: the bundle and the probe, nothing else (the repo's data and a text
    # encoder are out of reach while it runs).
    monkeypatch.setattr(gpu_batch, "text_tokens", None)
    probe = tmp_path / "probe"
    probe.mkdir()
    for f in Paths.of(tiny_repo).probe.iterdir():
        (probe / f.name).write_bytes(f.read_bytes())
    (tiny_repo / "data").rename(tmp_path / "away")
    args = ["gpu-train", "--bundle", str(bundle), "--probe", str(probe), "--out", str(pending), "--device", "cpu"]
    res = CliRunner().invoke(cli.app, [*args, "--precision", "fp16"])
    assert res.exit_code == 2 and "'fp16': the batched run has fp32 and bf16" in res.output
    res = CliRunner().invoke(cli.app, [*args, "--precision", "fp32"])
    assert res.exit_code == 0, res.output
    (tmp_path / "away").rename(tiny_repo / "data")
    # 4 + 2 + 2 students: one samples file per stack (each file under FILE_BYTES).
    assert sorted(p.name for p in pending.iterdir()) == ["pending.json", "samples_00.npz", "samples_01.npz", "samples_02.npz"]
    doc = json.loads((pending / "pending.json").read_text())
    assert len(doc["runs"]) == 8 and doc["device"] == "cpu" and "cores" in doc["machine"]

    res = CliRunner().invoke(
        cli.app, ["gpu-finish", "--pending", str(pending), "--bundle", str(bundle), "--repo", str(tiny_repo), "--out", str(split)]
    )
    assert res.exit_code == 0, res.output
    assert "8 batched runs recorded" in res.output
    a = pd.read_csv(one / "d2c_grid2.csv").set_index("name").sort_index()
    b = pd.read_csv(split / "d2c_grid2.csv").set_index("name").sort_index()
    assert b.machine.str.contains(r", fp32 \(Inception measures: .*cores\)").all()
    same = [c for c in a.columns if c not in ("machine", "eval_seconds", "steps_per_s")]  # timings differ
    pd.testing.assert_frame_equal(a[same], b[same])
    # Again: the rows are in the record, nothing is measured twice; the output folder is not reused.
    res = CliRunner().invoke(
        cli.app, ["gpu-finish", "--pending", str(pending), "--bundle", str(bundle), "--repo", str(tiny_repo), "--out", str(split)]
    )
    assert res.exit_code == 0, res.output
    assert "8 of 8 already in" in res.output and "0 batched runs recorded" in res.output
    pd.testing.assert_frame_equal(pd.read_csv(split / "d2c_grid2.csv").set_index("name").sort_index(), b)
    res = CliRunner().invoke(cli.app, [*args, "--precision", "fp32"])
    assert res.exit_code == 1 and "pending.json: a run's output is here already" in res.output


def test_a_split_run_cut_short_keeps_its_finished_stacks_and_bad_files_are_named(tiny_repo, tiny_fmnist, tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_batch, "text_tokens", fake_text_tokens)
    monkeypatch.setattr(gpu_batch, "visual_tokens", fake_visual_tokens)
    cli = _cli()
    overrides = cli._settings([s.format(root=tiny_fmnist) for s in TOY])
    bundle = gpu_batch.plan_students(plan(["select", "attach"], [0], "gpu"), Paths.of(tiny_repo), overrides, log=lambda _: None)
    jobs = gpu_batch.build(bundle, log=lambda _: None)
    meter = gpu_batch.meter_of(bundle, Paths.of(tiny_repo).probe, "cpu", None)
    out = tmp_path / "pending"
    out.mkdir()
    writer = gpu_batch.PendingWriter(out, {"machine": "m", "device": "cpu", "precision": "fp32", "finished": "2026-11-30"})
    calls = []

    def cut_after_first(trained):
        writer(trained)
        calls.append(len(trained))
        raise KeyboardInterrupt  # the device call's time limit, after the first stack's files

    with pytest.raises(KeyboardInterrupt):
        gpu_batch.train_and_sample(jobs, meter, "cpu", "fp32", lambda _: None, cut_after_first)
    info, trained = gpu_batch.read_pending(out)
    assert calls == [4] and len(trained) == 4 and info["machine"] == "m"
    assert trained[0].samples.shape == (10, 1, 32, 32) and trained[0].samples.dtype == torch.float32
    assert sorted(trained[0].curve) == [2] and "probe_fd" in trained[0].final
    with pytest.raises(BatchError, match="no reference statistics"):
        meter.quality(trained[0].samples)

    valid = (out / "pending.json").read_text()
    (out / "samples_00.npz").unlink()
    with pytest.raises(BatchError, match=r"run 1 \(g2-select-interval-s0\): its samples file .*samples_00.npz is missing"):
        gpu_batch.read_pending(out)
    (out / "pending.json").write_text("{")
    with pytest.raises(BatchError, match="pending.json: not JSON"):
        gpu_batch.read_pending(out)
    with pytest.raises(BatchError, match="missing"):
        gpu_batch.read_pending(tmp_path / "nowhere")
    doc = json.loads(valid)
    del doc["machine"]
    (out / "pending.json").write_text(json.dumps(doc))
    with pytest.raises(BatchError, match="pending.json: no machine"):
        gpu_batch.read_pending(out)
    (tmp_path / "junk.pt").write_bytes(b"not a pickle")
    with pytest.raises(BatchError, match="junk.pt: not a bundle"):
        gpu_batch.Bundle.load(tmp_path / "junk.pt")
    torch.save({"a": 1}, tmp_path / "dict.pt")
    with pytest.raises(BatchError, match="dict.pt: not a diffcurate-grid2-bundle-1 bundle"):
        gpu_batch.Bundle.load(tmp_path / "dict.pt")


def test_the_bundle_leaves_out_what_the_record_holds_and_what_is_skipped(tiny_repo, tiny_fmnist, tmp_path, monkeypatch):
    monkeypatch.setattr(gpu_batch, "text_tokens", fake_text_tokens)
    cli = _cli()
    sets = [a for s in TOY for a in ("--set", s.format(root=tiny_fmnist))]
    results = tiny_repo / "results"
    results.mkdir()
    pd.DataFrame(
        [
            {"name": "g2-select-herding-s0", "profile": "gpu", "fid": 100.0, "curve": "[]"},
            {"name": "g2-select-random-s0", "profile": "cpu", "fid": 100.0, "curve": "[]"},  # another profile: still planned
        ]
    ).to_csv(results / "d2c_grid2.csv", index=False)
    bundle = tmp_path / "bundle.pt"
    args = [
        "gpu-bundle",
        "--groups",
        "select",
        "--seeds",
        "0",
        "--repo",
        str(tiny_repo),
        "--bundle",
        str(bundle),
        "--out",
        str(results),
    ]
    res = CliRunner().invoke(cli.app, [*args, *sets, "--skip", "g2-select-kcenter-s0"])
    assert res.exit_code == 0, res.output
    assert [s.exp.name for s in gpu_batch.Bundle.load(bundle).students] == ["g2-select-interval-s0", "g2-select-random-s0"]
    res = CliRunner().invoke(cli.app, [*args, *sets, "--skip", "g2-select-interval-s0,g2-select-random-s0,g2-select-kcenter-s0"])
    assert res.exit_code == 1 and "no training runs in the plan" in res.output


def test_samples_files_stay_under_the_size_limit():
    def t(name, n):
        return gpu_batch.Trained(name, {}, {}, torch.zeros(n, 1, 32, 32), 1.0, 1.0)

    group = [t(f"s{i}", 500) for i in range(16)]  # 2 MB each: 7 per 15 MiB file
    assert [len(c) for c in gpu_batch.chunks(group, gpu_batch.FILE_BYTES)] == [7, 7, 2]
    assert [len(c) for c in gpu_batch.chunks([t("big", 5000), t("small", 10)], gpu_batch.FILE_BYTES)] == [1, 1]
