"""Grid v2's parts 1 and 2 on one GPU: many small students trained at once (issue 19).

Each student of the plan is trained as the train stage trains it — the same subset (the library's
`select_subset`), the same attached tokens (`text_tokens`, `visual_tokens`, rounded to float16 as
attach stores them), the same class-major rows (`student_data`), the same initial weights (the
seed, then `Student`), the same draws (its own CPU generator, in the training loop's order:
positions, label dropout, [flips,] ε, t) and the same loss (`student.student_loss`). What differs:
students of one architecture are stacked (`torch.func.stack_module_state`) and one `vmap` over
`functional_call` computes all their losses in one pass; AdamW, the per-student gradient clipping
and the EMA act on the stacked tensors, elementwise as on each student alone. A student trained
inside the batch follows the loss trajectory of the same student trained by `training.train` to
float tolerance (tests/test_grid_gpu.py).

- Stacks: students are grouped by `StudentConfig`, since class-only and class + text students have
  other modules and a REPA student's loss has one more term. Parts 1 and 2 are three stacks: 16
  class + text students (part 1; part 2's class + text cells are among them), 6 class-only, 6 REPA.
- vmap, not a loop of models: DiT-T/4 on 32×32 is far too small to fill a GPU; a stack of 16 runs
  the kernels of one model on 16× the data. Attention runs as the math kernel (`sdpa_kernel`): the
  fused kernels have no vmap batching rule, and on CUDA their backward failed on the per-student
  slices (H200, torch 2.11); the math kernel is plain matrix products, batched like the rest.
- Precision: fp32 by default. bf16 autocast (`precision`, as the train stage's `train.precision:
  bf16`) is an option, but on CUDA its backward failed under vmap (H200, torch 2.11: "expected input
  and grad types to match"). Speed is not at stake: the stacks are launch-bound at this size.

Then every student's EMA snapshots and final weights are sampled (`sampling.generate`, the eval
stage's sampler, steps, guidance and seed) and measured: the probe FD curve (`curve_metrics`) and,
at the end, everything (the Inception measures, then the probe's, as `image_metrics`) against the
pipeline's refstats and probe; the real-data floor once for all. Rows go into v2's record in its
format (`record2.row_of` over the keys `dvc exp show` would give), profile `gpu`.

Inputs: the shared stages' outputs (`dvc repro encode score features refstats probe`), params.yaml
(every value the plan does not set, as `dvc exp run -S` would resolve it), the corpus (the floor).

One process (`run`, `d2c_grid.py gpu`) on a CUDA machine that has all of these, or the same run in
three steps across two machines, for a lent GPU machine that has none of them and can receive only
~64 MB (the features are 300 MB, the Inception weights and reference statistics ~180 MB):
`plan_students` → `Bundle` here (selection, text tokens, the union of the subsets' images: ~17 MB);
`build` + `train_and_sample` there (visual tokens, training, sampling, the probe's measures;
`PendingWriter` leaves the final samples and `pending.json` after each stack); `finish` here (the
Inception measures on this machine's CPU, the floor, the rows). Measured on an H200 (fp32): parts 1
and 2, 28 students, in 314 s (build 32 s, training 227 s, sampling and the probe 51 s).
"""

from __future__ import annotations

import copy
import json
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml
from torch.nn.attention import SDPBackend, sdpa_kernel

from diffcurate.d2c.attach import TextEncoder, VisualEncoder, text_tokens, visual_tokens
from diffcurate.d2c.checkpoints import keeps_snapshot
from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.encode import Encoded, load_encoded, read_meta
from diffcurate.d2c.evaluation import curve_metrics, real_sample, with_floor
from diffcurate.d2c.fid import UNAVAILABLE, load_reference, sample_quality
from diffcurate.d2c.probe import load_probe, load_reference_features
from diffcurate.d2c.sampling import generate
from diffcurate.d2c.select import NEEDS_FEATURES, Method, read_features, read_scores, select_subset, selection_metrics
from diffcurate.d2c.student import (
    DEFAULT_VISUAL_DIM,
    Conditioning,
    LossWeighting,
    Objective,
    Student,
    StudentConfig,
    student_loss,
    student_transport,
)
from diffcurate.d2c.student_data import StudentData, class_major, student_data
from diffcurate.d2c.training import MixedPrecision, TrainConfig, ema_decay_at, hflip_batch, lr_at
from diffcurate.d2c.transport import Noised, Sampler
from diffcurate.io import atomic_path

from . import GridError, record2
from .plan2 import Exp
from .queue import flatten

CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s: coefficient = max_norm / (norm + CLIP_EPS)


class BatchError(GridError):
    """The batched run cannot train what the plan asks (the message says what)."""


@dataclass(frozen=True)
class Paths:
    """The shared stages' outputs the batched run reads (the pipeline's own paths by default)."""

    encoded: Path
    scores: Path
    features: Path
    ref: Path
    probe: Path
    params: Path

    @classmethod
    def of(cls, repo: Path) -> Paths:
        return cls(
            repo / "data/encoded",
            repo / "data/scores/scores.parquet",
            repo / "data/features/features.npy",
            repo / "data/eval/ref.npz",
            repo / "models/probe",
            repo / "params.yaml",
        )


def resolved(exp: Exp, base: dict, overrides: dict | None = None) -> dict:
    """Every dotted key of params.yaml (`base`) overlaid with the experiment's -S values, then `overrides`."""
    return {**flatten(base), **exp.params(), **(overrides or {})}


def train_config(p: dict) -> TrainConfig:
    return TrainConfig(
        steps=int(p["train.steps"]),
        batch_size=int(p["train.batch_size"]),
        lr=float(p["train.lr"]),
        ema_decay=float(p["train.ema_decay"]),
        cfg_dropout=float(p["train.cfg_dropout"]),
        grad_clip=float(p["train.grad_clip"]),
        seed=int(p["train.seed"]),
        lr_schedule=str(p["train.lr_schedule"]),
        warmup_steps=int(p["train.warmup_steps"]),
        hflip=bool(p["train.hflip"]),
    )


def student_config(p: dict, meta: dict, visual_dim: int) -> StudentConfig:
    return StudentConfig(
        DiTConfig.for_data(p["train.model"], meta["shape"], len(meta["class_names"])),
        Conditioning(p["train.conditioning"]),
        Objective(p["train.objective"]),
        int(p["train.encoder_depth"]),
        float(p["train.proj_coeff"]),
        visual_dim,
        LossWeighting(p["train.weighting"]),
    )


# --- training ------------------------------------------------------------------------------------------
class _Stacked:
    """What `student_loss` sees for one student inside vmap: `functional_call` of the shared
    structure with that student's slice of the stacked weights, and the shared config."""

    def __init__(self, base: Student, params: dict, buffers: dict):
        self.base, self.params, self.buffers, self.scfg = base, params, buffers, base.scfg

    def __call__(self, *args, **kwargs):
        return torch.func.functional_call(self.base, (self.params, self.buffers), args, kwargs)


@dataclass
class BatchRun:
    """Per student: the logged rows (step, loss, grad_norm), EMA state dicts by snapshot step and at
    the end; the stack's seconds and steps per second (steps of the whole stack)."""

    histories: list[list[dict]]
    snapshots: dict[int, list[dict]]
    final: list[dict]
    seconds: float
    steps_per_s: float


def _draw(data: StudentData, cfg: TrainConfig, gen: torch.Generator, null_class: int, noise) -> tuple:
    """One student's batch, drawn in `training.train`'s order: positions, label dropout, [flips,] then the noise."""
    idx = torch.randint(0, len(data.x), (cfg.batch_size,), generator=gen)
    y = data.y[idx].clone()
    drop = torch.rand(cfg.batch_size, generator=gen) < cfg.cfg_dropout
    y[drop] = null_class
    x, extras = data.x[idx], {k: v[idx] for k, v in data.extras.items()}
    if cfg.hflip:
        x, extras = hflip_batch(x, torch.rand(cfg.batch_size, generator=gen) < 0.5, extras)
    noised = noise(x, gen)
    return noised, y, extras.get("visual")


def _stack(items: Sequence[torch.Tensor | None], device: torch.device) -> torch.Tensor | None:
    return None if items[0] is None else torch.stack(list(items)).to(device, non_blocking=True)


def train_batched(
    models: Sequence[Student],
    datas: Sequence[StudentData],
    cfgs: Sequence[TrainConfig],
    device: str = "cpu",
    precision: str = MixedPrecision.FP32,
    snapshot_every: int = 0,
    log_every: int = 50,
    progress: Callable[[int], None] | None = None,
) -> BatchRun:
    """Train `models` (one architecture) on their data, each with its own config's seed, at once."""
    if len({m.scfg for m in models}) != 1:
        raise BatchError("one stack trains students of one StudentConfig; group them first")
    shared = [replace(c, seed=0) for c in cfgs]
    if any(c != shared[0] for c in shared):
        raise BatchError("one stack trains with one training config (all but the seed)")
    cfg, dev = cfgs[0], torch.device(device)
    if precision not in (MixedPrecision.FP32, MixedPrecision.BF16):
        raise BatchError(
            f"precision {precision!r}: the batched run has {MixedPrecision.FP32.value} and {MixedPrecision.BF16.value}"
        )
    base = copy.deepcopy(models[0]).to("meta")
    params, buffers = torch.func.stack_module_state(list(models))  # (S, ...) each
    params = {k: v.detach().to(dev).requires_grad_(True) for k, v in params.items()}
    buffers = {k: v.to(dev) for k, v in buffers.items()}
    ema = {k: v.detach().clone() for k, v in params.items()}
    ema_list, param_list = list(ema.values()), [params[k] for k in ema]
    opt = torch.optim.AdamW(list(params.values()), lr=cfg.lr, weight_decay=cfg.weight_decay)
    gens = [torch.Generator().manual_seed(c.seed) for c in cfgs]
    null_class, scfg = models[0].cfg.num_classes, models[0].scfg
    noise = student_transport(scfg).draw
    visual = datas[0].visual is not None

    def one(p, b, x_t, t, target, snr, y, vis):
        return student_loss(_Stacked(base, p, b), Noised(x_t, t, target, snr), y, vis)

    vmapped = torch.func.vmap(one, in_dims=(0, 0, 0, 0, 0, 0, 0, 0 if visual else None))

    def losses_of(*args):
        with warnings.catch_warnings():  # an op without a batching rule runs per student (torch's fallback warns)
            warnings.filterwarnings("ignore", message="There is a performance drop because we have not yet implemented")
            return vmapped(*args)

    n = len(models)
    histories: list[list[dict]] = [[] for _ in range(n)]
    snapshots: dict[int, list[dict]] = {}
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        drawn = [_draw(d, cfg, g, null_class, noise) for d, g in zip(datas, gens, strict=True)]
        noised = [d[0] for d in drawn]
        x_t, t, target, snr = (_stack([getattr(nz, f) for nz in noised], dev) for f in ("x_t", "t", "target", "snr"))
        y, vis = _stack([d[1] for d in drawn], dev), _stack([d[2] for d in drawn], dev)
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, step)
        # The math attention: the fused CUDA kernels run per student under vmap (no batching rule), and
        # their backward fails on those per-student slices ("LSE is not correctly aligned", H200, torch 2.11).
        with (
            torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == MixedPrecision.BF16),
            sdpa_kernel(SDPBackend.MATH),
        ):
            losses = losses_of(params, buffers, x_t, t, target, snr, y, vis)  # (S,)
        opt.zero_grad(set_to_none=True)
        losses.sum().backward()  # each student's gradient is its own loss's
        grads = [p.grad for p in params.values() if p.grad is not None]
        norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads]).norm(dim=0)  # (S,) as clip_grad_norm_
        coef = (cfg.grad_clip / (norms + CLIP_EPS)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.view(-1, *([1] * (g.dim() - 1))))
        opt.step()
        decay = ema_decay_at(cfg.ema_decay, step)
        with torch.no_grad():  # training.ema_update on the stack: e ← decay·e + (1 − decay)·p
            torch._foreach_mul_(ema_list, decay)
            torch._foreach_add_(ema_list, [p.detach() for p in param_list], alpha=1 - decay)
        done = step + 1
        if done % log_every == 0 or done == cfg.steps:
            ls, gs = losses.detach().float().cpu().tolist(), norms.detach().float().cpu().tolist()
            for i in range(n):
                histories[i].append({"step": done, "loss": round(ls[i], 6), "grad_norm": round(gs[i], 4)})
        if keeps_snapshot(done, snapshot_every, cfg.steps):
            snapshots[done] = unstack(ema, n)
        if progress:
            progress(done)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    seconds = time.perf_counter() - t0
    return BatchRun(histories, snapshots, unstack(ema, n), seconds, cfg.steps / seconds if seconds else 0.0)


def unstack(stacked: dict[str, torch.Tensor], n: int) -> list[dict]:
    """The stack's tensors as `n` per-student dicts (on the CPU)."""
    cpu = {k: v.detach().cpu() for k, v in stacked.items()}
    return [{k: v[i].clone() for k, v in cpu.items()} for i in range(n)]


def as_student(model: Student, weights: dict) -> Student:
    """A copy of `model` with `weights` (parameters; its buffers stay), in eval mode."""
    out = copy.deepcopy(model)
    out.load_state_dict({**out.state_dict(), **weights})
    return out.eval()


# --- planning the students ----------------------------------------------------------------------------------
@dataclass
class Planned:
    """One student before it is built: its experiment, resolved params, subset rows and select metrics."""

    exp: Exp
    p: dict
    rows: np.ndarray = field(repr=False)
    select: dict


@dataclass
class Job(Planned):
    """One student, built: its data (subset, text, visual tokens), initial model and training config."""

    data: StudentData = field(repr=False)
    model: Student = field(repr=False)
    tcfg: TrainConfig


BUNDLE_FORMAT = "diffcurate-grid2-bundle-1"


@dataclass
class Bundle:
    """What the training of `students` needs, planned where the shared stages' outputs are: each
    student's subset rows and select metrics, the union of their images (unflipped, corpus order),
    the class prompts' text tokens by encoder, the `--set` overrides. A few MB: it travels to a GPU
    machine that has neither the 300 MB of features nor the text encoder (`gpu-bundle`)."""

    students: list[Planned]
    corpus: Encoded
    meta: dict
    texts: dict[tuple, dict]
    overrides: dict
    format: str = BUNDLE_FORMAT

    def save(self, path: Path) -> None:
        with atomic_path(path) as tmp:
            torch.save(self, tmp)

    @staticmethod
    def load(path: Path) -> Bundle:
        if not Path(path).is_file():
            raise BatchError(f"{path}: no bundle (write one with `d2c_grid.py gpu-bundle`)")
        try:
            obj = torch.load(path, weights_only=False)  # our own pickle: the bundle `gpu-bundle` wrote
        except Exception as exc:  # noqa: BLE001 - any unpickling failure is the same user error
            raise BatchError(f"{path}: not a bundle `gpu-bundle` writes ({type(exc).__name__}: {exc})") from None
        if not isinstance(obj, Bundle) or getattr(obj, "format", None) != BUNDLE_FORMAT:
            raise BatchError(f"{path}: not a {BUNDLE_FORMAT} bundle (write it again with `d2c_grid.py gpu-bundle`)")
        return obj


def take(corpus: Encoded, rows: np.ndarray) -> Encoded:
    """The corpus' rows `rows` (corpus row numbers, any order), in corpus order."""
    want = np.sort(rows)
    pos = np.searchsorted(corpus.index, want)
    if len(want) and (pos.max() >= len(corpus.index) or not np.array_equal(corpus.index[pos], want)):
        raise BatchError("a student's rows are not all in the corpus (the bundle and the plan disagree)")
    t = torch.from_numpy(pos)
    return replace(corpus, x=corpus.x[t], labels=corpus.labels[t], index=corpus.index[pos], flip=corpus.flip[pos])


def subset_of(corpus: Encoded, rows: np.ndarray) -> Encoded:
    """The corpus' (unflipped, corpus-order) rows `rows`, class-major as the train stage loads them."""
    return class_major(take(corpus, rows))


def plan_students(exps: Iterable[Exp], paths: Paths, overrides: dict | None = None, log: Callable[[str], None] = print) -> Bundle:
    """Select every student of `exps` (only `eval`-target runs of a pixel corpus) and encode the
    class prompts: the part of the preparation that reads scores, features and the text encoder."""
    overrides = dict(overrides or {})
    base = yaml.safe_load(paths.params.read_text(encoding="utf-8"))
    meta = read_meta(paths.encoded)
    if meta["space"] != "pixels":
        raise BatchError(f"{paths.encoded}: a {meta['space']} corpus; the batched run reads pixel corpora")
    corpus = load_encoded(paths.encoded).unflipped()
    scores = read_scores(paths.scores)
    features = None
    texts: dict[tuple, dict] = {}
    selections: dict[tuple, tuple] = {}
    students = []
    for e in exps:
        if e.target != "eval":
            continue
        p = resolved(e, base, overrides)
        method = Method(p["select.method"])
        if method in NEEDS_FEATURES and features is None:
            features = read_features(paths.features, scores["index"].to_numpy(), method)
        budget, k, seed = float(p["select.budget"]), int(p["select.interval"]), int(p["select.seed"])
        skey = (method, budget, k, seed if method is Method.RANDOM else None)  # only random's subset depends on the seed
        if skey not in selections:
            subset, info = select_subset(scores, method, budget, k, seed, features)
            selections[skey] = (subset, selection_metrics(scores, subset, info, meta["class_names"], method, k))
        subset, sel = selections[skey]
        tkey = text_key(p)
        if tkey not in texts:
            tokens, mask, _ = text_tokens(meta["class_prompts"], TextEncoder(tkey[0]), tkey[1], tkey[2], tkey[3])
            texts[tkey] = {"tokens": np.ascontiguousarray(tokens, dtype=np.float32), "mask": mask}
        students.append(Planned(e, p, subset["index"].to_numpy(), sel))
    if not students:
        raise BatchError("no training runs in the plan (the data group is select-only: run it with `run --grid v2`)")
    union = np.unique(np.concatenate([s.rows for s in students]))
    return Bundle(students, take(corpus, union), meta, texts, overrides)


def text_key(p: dict) -> tuple:
    return (p["attach.text_encoder"], int(p["attach.text_tokens"]), p["attach.text_model"], p["attach.revision"])


def build(bundle: Bundle, log: Callable[[str], None] = print) -> list[Job]:
    """Every planned student built: its subset class-major, its visual tokens (REPA; computed here,
    rounded to float16 as attach stores them), its data, and its initial weights (the seed, then
    `Student`, as the train stage)."""
    meta, visuals, jobs = bundle.meta, {}, []
    for s in bundle.students:
        p = s.p
        data = subset_of(bundle.corpus, s.rows)
        text = bundle.texts[text_key(p)]
        vis = None
        if float(p["train.proj_coeff"]) > 0:
            enc = VisualEncoder(p["attach.visual_encoder"])
            if enc is VisualEncoder.NONE:
                raise BatchError(f"{s.exp.name}: REPA (proj_coeff {p['train.proj_coeff']}) without visual tokens")
            vkey = (tuple(data.index.tolist()), enc.value, p["train.model"])
            if vkey not in visuals:
                n_tokens = DiTConfig(name=p["train.model"], input_size=meta["shape"][1]).tokens
                v = visual_tokens(data.x, n_tokens, enc, p["attach.visual_model"], p["attach.revision"])
                visuals[vkey] = torch.from_numpy(v.astype(np.float16))  # as attach stores them
            vis = visuals[vkey]
        sd = student_data(data, text, vis)
        scfg = student_config(p, meta, vis.shape[-1] if vis is not None else DEFAULT_VISUAL_DIM)
        torch.manual_seed(int(p["train.seed"]))  # as the train stage: the seed, then the model
        model = Student(scfg, torch.from_numpy(text["tokens"]), torch.from_numpy(text["mask"]))
        jobs.append(Job(s.exp, p, s.rows, s.select, sd, model, train_config(p)))
        log(f"{s.exp.name}: {len(s.rows)} images ({p['select.method']}), {scfg.conditioning.value}, proj {scfg.proj_coeff}")
    return jobs


def prepare(exps: Iterable[Exp], paths: Paths, overrides: dict | None = None, log: Callable[[str], None] = print) -> list[Job]:
    """Select, attach and initialise every student of `exps` (only `eval`-target runs of a pixel corpus)."""
    return build(plan_students(exps, paths, overrides, log), log)


def stacks(jobs: Sequence[Job]) -> list[list[Job]]:
    """Jobs grouped into stacks of one StudentConfig and one training config (all but the seed), in plan order."""
    groups: dict[tuple, list[Job]] = {}
    for j in jobs:
        groups.setdefault((j.model.scfg, replace(j.tcfg, seed=0), int(j.p["train.snapshot_every"])), []).append(j)
    return list(groups.values())


def patch_of(p: dict, meta: dict) -> int:
    return DiTConfig.for_data(p["train.model"], meta["shape"], len(meta["class_names"])).patch


# --- evaluation -------------------------------------------------------------------------------------------
@dataclass
class Meter:
    """The eval stage's measures for any student: sampling settings, references, the floor. `ref`
    None: the cheap measures only (a machine without the Inception weights and reference statistics)."""

    ref: dict | None
    probe: torch.nn.Module
    probe_ref: np.ndarray
    p: dict  # resolved params (eval.*, corpus.*)
    device: str = "cpu"
    floor: dict = field(default_factory=dict)

    def sample(self, model: Student) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.p
        n = int(p["eval.n_samples"])
        net = model.to(self.device)
        steps, cfg, seed, batch = int(p["eval.steps"]), float(p["eval.cfg"]), int(p["eval.seed"]), int(p["eval.batch_size"])
        x = generate(net, n, Sampler(p["eval.sampler"]), steps, cfg, seed, batch)
        model.cpu()
        return x, labels_of(n, model.cfg.num_classes)

    def cheap(self, x: torch.Tensor, labels: torch.Tensor, patch: int) -> dict:
        """A curve point's measures (the probe's, artefacts): no Inception."""
        return curve_metrics(x, labels, self.probe, self.probe_ref, patch, int(self.p["eval.seed"]))

    def curve(self, model: Student) -> dict:
        x, labels = self.sample(model)
        return self.cheap(x, labels, model.cfg.patch)

    def quality(self, x: torch.Tensor) -> dict:
        """The Inception measures (FID, sFID, precision, recall) against the reference statistics."""
        if self.ref is None:
            raise BatchError("no reference statistics here: the Inception measures run where they are (`gpu-finish`)")
        return sample_quality(x, self.ref, int(self.p["eval.k"]), device=self.device)

    def everything(self, x: torch.Tensor, labels: torch.Tensor, patch: int) -> dict:
        """`image_metrics`: the Inception measures, then the cheap ones."""
        return {**self.quality(x), **self.cheap(x, labels, patch)}

    def measure_floor(self, patch: int) -> dict:
        """The same measures on as many real training images (the eval stage's floor), once."""
        p = self.p
        corpus = load_corpus(CorpusKind(p["corpus.kind"]), p["corpus.root"], split="train")
        x, y = real_sample(corpus, int(p["eval.n_samples"]), int(p["eval.seed"]))
        self.floor = self.everything(x, y, patch)
        return self.floor


def labels_of(n: int, num_classes: int) -> torch.Tensor:
    """The class of each of `generate`'s `n` samples (label i % C)."""
    return torch.arange(n) % num_classes


@dataclass
class Trained:
    """One student after training: its curve's cheap measures by step (the EMA snapshots), its final
    weights' cheap measures and samples (the Inception measures them in `finish`), the stack's speed
    and the seconds its evaluation took."""

    name: str
    curve: dict[int, dict]
    final: dict
    samples: torch.Tensor = field(repr=False)
    steps_per_s: float
    seconds: float


def train_and_sample(
    jobs: Sequence[Job],
    meter: Meter,
    device: str = "cuda",
    precision: str = MixedPrecision.FP32,
    log: Callable[[str], None] = print,
    on_stack: Callable[[list[Trained]], None] | None = None,
) -> list[Trained]:
    """Train stack by stack; sample and measure (cheaply) every snapshot and the final weights;
    `on_stack(trained)` after each stack (the device run writes its files there, so a run cut
    short keeps the stacks it finished)."""
    out: list[Trained] = []
    for stack in stacks(jobs):
        log(f"stack of {len(stack)}: {stack[0].model.scfg.conditioning.value}, proj {stack[0].model.scfg.proj_coeff}")
        res = train_batched(
            [j.model for j in stack],
            [j.data for j in stack],
            [j.tcfg for j in stack],
            device,
            precision,
            int(stack[0].p["train.snapshot_every"]),
        )
        log(f"  trained {res.steps_per_s:.1f} stack steps/s ({res.seconds:.0f} s)")
        done, t0 = [], time.perf_counter()
        for i, job in enumerate(stack):
            t1 = time.perf_counter()
            curve = {s: meter.curve(as_student(job.model, w[i])) for s, w in sorted(res.snapshots.items())}
            model = as_student(job.model, res.final[i])
            x, labels = meter.sample(model)
            final = meter.cheap(x, labels, model.cfg.patch)
            done.append(Trained(job.exp.name, curve, final, x, res.steps_per_s, time.perf_counter() - t1))
            log(f"  {job.exp.name}: probe FD {final['probe_fd']:.2f}")
        log(f"  sampled and measured {len(stack)} students ({time.perf_counter() - t0:.0f} s)")
        out.extend(done)
        if on_stack:
            on_stack(done)
    return out


def shown_of(
    job: Planned, curve: dict[int, dict], final: dict, floor: dict, steps_per_s: float, seconds: float, today: str
) -> dict:
    """The keys `dvc exp show` would give for this run (what `record2.row_of` reads)."""
    out = {"timestamp": today, "train:steps_per_s": round(steps_per_s, 3)}
    out.update(flatten(job.select, "select:"))
    for k, v in with_floor(final, floor).items():
        if k not in UNAVAILABLE:
            out[f"eval:{k}"] = v
    out.update({f"eval:probe_fd_at.{s}": m["probe_fd"] for s, m in curve.items()})
    out["eval:seconds.total"] = round(seconds, 2)
    return out


def finish(
    bundle: Bundle,
    trained: Sequence[Trained],
    meter: Meter,
    machine: str,
    today: str,
    log: Callable[[str], None] = print,
    on_row: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """The Inception measures of every trained student's final samples, the floor beside them; record
    rows (`on_row(row)` after each: the command keeps each in the record, so an interrupted finish resumes)."""
    by_name = {s.exp.name: s for s in bundle.students}
    unknown = [t.name for t in trained if t.name not in by_name]
    if unknown:
        raise BatchError(f"trained students not in the bundle: {', '.join(unknown)} (the bundle and the run disagree)")
    if not trained:
        return pd.DataFrame()
    if not meter.floor:
        t0 = time.perf_counter()
        meter.measure_floor(patch_of(by_name[trained[0].name].p, bundle.meta))
        log(f"floor: FID {meter.floor['fid']:.2f}, probe FD {meter.floor['probe_fd']:.2f} ({time.perf_counter() - t0:.0f} s)")
    rows = []
    for t in trained:
        job = by_name[t.name]
        t1 = time.perf_counter()
        final = {**meter.quality(t.samples), **t.final}  # image_metrics' order
        curve = {**t.curve, int(job.p["train.steps"]): final}
        shown = shown_of(job, curve, final, meter.floor, t.steps_per_s, t.seconds + time.perf_counter() - t1, today)
        ran = replace(job.exp, overrides={**job.exp.overrides, **bundle.overrides})  # the record says what ran
        rows.append(record2.row_of(ran, shown, machine, today))
        if on_row:
            on_row(rows[-1])
        log(f"  {t.name}: FID {final['fid']:.2f}, probe FD {final['probe_fd']:.2f}")
    return pd.DataFrame(rows)


def run(
    exps: Sequence[Exp],
    paths: Paths,
    device: str = "cuda",
    precision: str = MixedPrecision.FP32,
    overrides: dict | None = None,
    machine: str = "",
    today: str = "",
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Parts of the v2 plan on one device, in one process: plan, build, train stack by stack, sample
    and measure; record rows."""
    bundle = plan_students(exps, paths, overrides, log)
    jobs = build(bundle, log)
    meter = meter_of(bundle, paths.probe, device, load_reference(paths.ref))
    trained = train_and_sample(jobs, meter, device, precision, log)
    return finish(bundle, trained, meter, machine, today, log)


def meter_of(bundle: Bundle, probe: Path, device: str, ref: dict | None) -> Meter:
    return Meter(ref, load_probe(probe), load_reference_features(probe), bundle.students[0].p, device)


# --- the run split across two machines (the Inception weights and references do not travel) ------------------
PENDING = "pending.json"
PENDING_FORMAT = "diffcurate-grid2-pending-1"
PENDING_INFO = ("machine", "device", "precision", "finished")
FILE_BYTES = 15 * 2**20  # samples per file at most (the device tool returns files of up to 16 MiB each)


def chunks(trained: Sequence[Trained], limit: int) -> list[list[Trained]]:
    """Consecutive groups of students whose float32 samples fit in `limit` bytes (at least one each)."""
    out: list[list[Trained]] = []
    size = 0
    for t in trained:
        b = t.samples.numel() * 4
        if not out or size + b > limit:
            out.append([])
            size = 0
        out[-1].append(t)
        size += b
    return out


class PendingWriter:
    """The device half's output folder: per stack, the final samples in files of at most `FILE_BYTES`
    (`samples_NN.npz`, one array per run) and `pending.json` rewritten to list every finished run,
    so a run cut short leaves what it finished readable."""

    def __init__(self, folder: Path, info: dict):
        self.folder, self.info, self.runs, self.files = Path(folder), dict(info), [], 0
        if (self.folder / PENDING).exists():
            raise BatchError(
                f"{self.folder / PENDING}: a run's output is here already (finish it with `gpu-finish`, then move it away, "
                "or choose another folder)"
            )

    def __call__(self, trained: list[Trained]) -> None:
        for chunk in chunks(trained, FILE_BYTES):
            name = f"samples_{self.files:02d}.npz"
            with atomic_path(self.folder / name) as tmp, open(tmp, "wb") as fh:
                np.savez(fh, **{t.name: t.samples.numpy().astype(np.float32) for t in chunk})
            self.files += 1
            for t in chunk:
                entry = {"name": t.name, "curve": {str(s): m for s, m in t.curve.items()}, "final": t.final}
                self.runs.append({**entry, "steps_per_s": t.steps_per_s, "seconds": round(t.seconds, 2), "samples": name})
        with atomic_path(self.folder / PENDING) as tmp:
            tmp.write_text(json.dumps({"format": PENDING_FORMAT, **self.info, "runs": self.runs}, indent=1, default=float))


def read_pending(folder: Path) -> tuple[dict, list[Trained]]:
    """The device half's output: its info (machine, device, precision, day) and the trained students."""
    path = Path(folder) / PENDING
    if not path.is_file():
        raise BatchError(f"{path}: missing (the folder `gpu-train --out` wrote)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BatchError(f"{path}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != PENDING_FORMAT:
        raise BatchError(f"{path}: not a {PENDING_FORMAT} file")
    missing = [k for k in PENDING_INFO if k not in doc]
    if missing:
        raise BatchError(f"{path}: no {', '.join(missing)}")
    trained, arrays = [], {}
    for i, r in enumerate(doc.get("runs", [])):
        missing = [k for k in ("name", "curve", "final", "steps_per_s", "seconds", "samples") if k not in r]
        if missing:
            raise BatchError(f"{path}: run {i + 1} has no {', '.join(missing)}")
        sp = Path(folder) / r["samples"]
        if sp not in arrays:
            if not sp.is_file():
                raise BatchError(f"{path}: run {i + 1} ({r['name']}): its samples file {sp} is missing")
            with np.load(sp) as z:
                arrays[sp] = {k: z[k] for k in z.files}
        if r["name"] not in arrays[sp]:
            raise BatchError(f"{sp}: no samples of {r['name']} (run {i + 1} of {path})")
        curve = {int(s): m for s, m in r["curve"].items()}
        x = torch.from_numpy(arrays[sp][r["name"]])
        trained.append(Trained(r["name"], curve, r["final"], x, float(r["steps_per_s"]), float(r["seconds"])))
    return {k: v for k, v in doc.items() if k not in ("runs", "format")}, trained
