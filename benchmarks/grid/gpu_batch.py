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
  the kernels of one model on 16× the data. `scaled_dot_product_attention` has no vmap batching rule
  for its fused kernels (torch 2.13 warns and runs that one op per student); the rest is batched.
- bf16 autocast on CUDA (`precision`), as the train stage's `train.precision: bf16`; the loss and
  the optimiser stay float32.

Then every student's EMA snapshots and final weights are sampled (`sampling.generate`, the eval
stage's sampler, steps, guidance and seed) and measured: the probe FD curve (`curve_metrics`) and,
at the end, everything (`image_metrics`, the Inception on the GPU) against the pipeline's refstats
and probe; the real-data floor once for all. Rows go into v2's record in its format
(`record2.row_of` over the keys `dvc exp show` would give), profile `gpu`.

Inputs: the shared stages' outputs (`dvc repro encode score features refstats probe`), params.yaml
(every value the plan does not set, as `dvc exp run -S` would resolve it), the corpus (the floor).
"""

from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from diffcurate.d2c.attach import TextEncoder, VisualEncoder, text_tokens, visual_tokens
from diffcurate.d2c.checkpoints import keeps_snapshot
from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.encode import Encoded, load_encoded, read_meta
from diffcurate.d2c.evaluation import curve_metrics, image_metrics, real_sample, with_floor
from diffcurate.d2c.fid import UNAVAILABLE, load_reference
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
        with warnings.catch_warnings():  # SDPA's fused kernels have no vmap rule: run per student (module docstring)
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
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == MixedPrecision.BF16):
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


# --- preparing the students ---------------------------------------------------------------------------------
@dataclass
class Job:
    """One student: its experiment, resolved params, data, initial model and select metrics."""

    exp: Exp
    p: dict
    data: StudentData
    model: Student
    tcfg: TrainConfig
    select: dict
    rows: np.ndarray = field(repr=False, default=None)


def subset_of(corpus: Encoded, rows: np.ndarray) -> Encoded:
    """The corpus' (unflipped, corpus-order) rows `rows`, class-major as the train stage loads them."""
    pos = np.searchsorted(corpus.index, np.sort(rows))
    t = torch.from_numpy(pos)
    return class_major(replace(corpus, x=corpus.x[t], labels=corpus.labels[t], index=corpus.index[pos], flip=corpus.flip[pos]))


def prepare(exps: Iterable[Exp], paths: Paths, overrides: dict | None = None, log: Callable[[str], None] = print) -> list[Job]:
    """Select, attach and initialise every student of `exps` (only `eval`-target runs of a pixel corpus)."""
    base = yaml.safe_load(paths.params.read_text(encoding="utf-8"))
    meta = read_meta(paths.encoded)
    if meta["space"] != "pixels":
        raise BatchError(f"{paths.encoded}: a {meta['space']} corpus; the batched run reads pixel corpora")
    corpus = load_encoded(paths.encoded).unflipped()
    scores = read_scores(paths.scores)
    features = None
    texts: dict[tuple, dict] = {}
    visuals: dict[tuple, torch.Tensor] = {}
    selections: dict[tuple, tuple] = {}
    jobs = []
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
        rows = subset["index"].to_numpy()
        data = subset_of(corpus, rows)
        tkey = (p["attach.text_encoder"], int(p["attach.text_tokens"]), p["attach.text_model"], p["attach.revision"])
        if tkey not in texts:
            tokens, mask, _ = text_tokens(meta["class_prompts"], TextEncoder(tkey[0]), tkey[1], tkey[2], tkey[3])
            texts[tkey] = {"tokens": np.ascontiguousarray(tokens, dtype=np.float32), "mask": mask}
        text = texts[tkey]
        vis = None
        if float(p["train.proj_coeff"]) > 0:
            enc = VisualEncoder(p["attach.visual_encoder"])
            if enc is VisualEncoder.NONE:
                raise BatchError(f"{e.name}: REPA (proj_coeff {p['train.proj_coeff']}) without visual tokens")
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
        jobs.append(Job(e, p, sd, model, train_config(p), sel, rows))
        log(f"{e.name}: {len(rows)} images ({method.value}), {scfg.conditioning.value}, proj {scfg.proj_coeff}")
    return jobs


def stacks(jobs: Sequence[Job]) -> list[list[Job]]:
    """Jobs grouped into stacks of one StudentConfig and one training config (all but the seed), in plan order."""
    groups: dict[tuple, list[Job]] = {}
    for j in jobs:
        groups.setdefault((j.model.scfg, replace(j.tcfg, seed=0), int(j.p["train.snapshot_every"])), []).append(j)
    return list(groups.values())


# --- evaluation -------------------------------------------------------------------------------------------
@dataclass
class Meter:
    """The eval stage's measures for any student: sampling settings, references, the floor."""

    ref: dict
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
        return x, torch.arange(n) % model.cfg.num_classes

    def curve(self, model: Student) -> dict:
        x, labels = self.sample(model)
        return curve_metrics(x, labels, self.probe, self.probe_ref, model.cfg.patch, int(self.p["eval.seed"]))

    def final(self, model: Student) -> dict:
        x, labels = self.sample(model)
        return self.everything(x, labels, model.cfg.patch)

    def everything(self, x: torch.Tensor, labels: torch.Tensor, patch: int) -> dict:
        p = self.p
        k, seed = int(p["eval.k"]), int(p["eval.seed"])
        return image_metrics(x, labels, self.ref, k, self.probe, self.probe_ref, patch, seed, device=self.device)

    def measure_floor(self, patch: int) -> dict:
        """The same measures on as many real training images (the eval stage's floor), once."""
        p = self.p
        corpus = load_corpus(CorpusKind(p["corpus.kind"]), p["corpus.root"], split="train")
        x, y = real_sample(corpus, int(p["eval.n_samples"]), int(p["eval.seed"]))
        self.floor = self.everything(x, y, patch)
        return self.floor


def shown_of(job: Job, curve: dict[int, dict], final: dict, floor: dict, steps_per_s: float, seconds: float, today: str) -> dict:
    """The keys `dvc exp show` would give for this run (what `record2.row_of` reads)."""
    out = {"timestamp": today, "train:steps_per_s": round(steps_per_s, 3)}
    out.update(flatten(job.select, "select:"))
    for k, v in with_floor(final, floor).items():
        if k not in UNAVAILABLE:
            out[f"eval:{k}"] = v
    out.update({f"eval:probe_fd_at.{s}": m["probe_fd"] for s, m in curve.items()})
    out["eval:seconds.total"] = round(seconds, 2)
    return out


def run(
    exps: Sequence[Exp],
    paths: Paths,
    device: str = "cuda",
    precision: str = "bf16",
    overrides: dict | None = None,
    machine: str = "",
    today: str = "",
    log: Callable[[str], None] = print,
) -> pd.DataFrame:
    """Parts of the v2 plan on one device: prepare, train stack by stack, sample and measure; record rows."""
    jobs = prepare(exps, paths, overrides, log)
    if not jobs:
        raise BatchError("no training runs in the plan (the data group is select-only: run it with `run --grid v2`)")
    p0 = jobs[0].p
    meter = Meter(load_reference(paths.ref), load_probe(paths.probe), load_reference_features(paths.probe), p0, device)
    t0 = time.perf_counter()
    meter.measure_floor(jobs[0].model.cfg.patch)
    log(f"floor: FID {meter.floor['fid']:.2f}, probe FD {meter.floor['probe_fd']:.2f} ({time.perf_counter() - t0:.0f} s)")
    rows = []
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
        for i, job in enumerate(stack):
            t1 = time.perf_counter()
            curve = {s: meter.curve(as_student(job.model, w[i])) for s, w in sorted(res.snapshots.items())}
            final = meter.final(as_student(job.model, res.final[i]))
            curve[job.tcfg.steps] = final
            shown = shown_of(job, curve, final, meter.floor, res.steps_per_s, time.perf_counter() - t1, today)
            ran = replace(job.exp, overrides={**job.exp.overrides, **(overrides or {})})  # the record says what ran
            rows.append(record2.row_of(ran, shown, machine, today))
            log(f"  {job.exp.name}: FID {final['fid']:.2f}, probe FD {final['probe_fd']:.2f}")
    return pd.DataFrame(rows)
