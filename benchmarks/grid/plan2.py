"""Grid v2 (issue 19): Select and Attach separated, paired seeds, read at p < 0.05.

Groups, in the order they are queued (part 1 first: if the budget runs out, part 3 is cut first):

- `select` (part 1): interval, random, herding, kcenter at 48 per class, Attach held fixed
  (class + text through DC-Embedding, no REPA), seeds 0-3.
- `attach` (part 2): {random, interval} × {class only, class + text, class + text + REPA} at 48
  per class, seeds 0-2. The class + text cells are part 1's runs (same name, queued once).
- `small` (part 3): the four methods at 10 per class, seed 0; interval's k covers the same share
  of each class's difficulty ranks as the paper's k = 96 of ~1,300 (`SMALL_K`).
- `ksweep` (part 3): interval k at 48 per class, seed 0 (k = 50 is part 1's seed-0 run).
- `data` (part 3): the data-FID of every method's subset, min and max included, at 48 and 10 per
  class: `select`-only experiments (no training), their data-FID beside a null of random subsets.

Paired seeds: replicate s of every method and every Attach setting runs with train.seed = s and
select.seed = s, and the same eval seed. The train seed fixes the initial weights (shared across
Attach settings wherever the models share weights) and, through the class-major row order of the
student data, the classes, batch positions, timesteps and noise of every step for any subset with
48 images per class (tests/test_d2c_pairing.py); select.seed = s draws random's subset (a new
random subset per replicate: the comparison is against random selection, not one random subset)
and changes nothing for the deterministic methods. Eval samples from the same noise everywhere.

Every experiment sets every key that v2 varies and pins issue 18's recipe (`RECIPE`), so none
inherits the workspace's params.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from . import GridError
from .plan import CORPUS_SIZE, K_SWEEP, METHODS, N_CLASSES, UnknownChoice, per_class

GRID = "v2"
PREFIX = "g2-"
RECORD = "d2c_grid2.csv"
PER_CLASS, SMALL_PER_CLASS = 48, 10
CLASS_SIZE = CORPUS_SIZE // N_CLASSES  # Fashion-MNIST: 6,000 training images per class
K = 50  # interval's k at 48 per class (the pipeline's select.interval): ranks 0-2,350 of 6,000
# The paper's interval at 10 images per class: k = 96 of ~1,300 ImageNet images per class, a step of
# 7.4% of the class's difficulty ranks (10 picks span 66%). The same share of 6,000 ranks:
PAPER_K, PAPER_CLASS_SIZE = 96, 1300
SMALL_K = round(PAPER_K * CLASS_SIZE / PAPER_CLASS_SIZE)  # 443
SELECT_SEEDS, ATTACH_SEEDS, ONE_SEED = (0, 1, 2, 3), (0, 1, 2), (0,)
ATTACH_METHODS = ("random", "interval")
DATA_METHODS = (*METHODS, "min", "max")
DATA_NULL_DRAWS = 25  # data-FID null size of the `data` group (each Inception FD of the null: ~5 s on one core)
# Attach settings: name -> (train.conditioning, train.proj_coeff, attach.visual_encoder)
ATTACH = {
    "class": ("class", 0.0, "none"),  # class only
    "text": ("both", 0.0, "none"),  # class + text (DC-Embedding): part 1's fixed Attach
    "repa": ("both", 0.5, "efficientnet-lite0"),  # class + text + REPA
}
ATTACH_WORDS = {"class": "class only", "text": "class + text", "repa": "class + text + REPA"}
SELECT_ATTACH = "text"
# Issue 18's CPU recipe, pinned (the workspace's params.yaml may change under a queue that runs for days).
RECIPE = {
    "train.model": "DiT-T/4",
    "train.objective": "eps",
    "train.weighting": "min-snr",
    "train.steps": 2000,
    "train.batch_size": 64,
    "train.lr": 0.001,
    "train.lr_schedule": "constant",
    "train.warmup_steps": 0,
    "train.hflip": False,
    "train.ema_decay": 0.999,
    "train.cfg_dropout": 0.1,
    "train.snapshot_every": 500,  # probe-FD curve points at 500, 1,000, 1,500 and 2,000 steps
    "eval.n_samples": 500,
    "eval.sampler": "ddim",
    "eval.steps": 25,
    "eval.cfg": 1.5,
    "eval.batch_size": 250,
    "eval.seed": 0,
    "eval.curve": True,
}
# One thread per stage, two queue workers: the first grid's measured best use of 2 cores.
CPU = {"select.threads": 1, "attach.threads": 1, "train.threads": 1, "eval.threads": 1}
# The batched GPU script (`gpu_batch.py`) trains the same recipe with these settings; its rows carry profile `gpu`.
# fp32: bf16 autocast failed in the stacked students' backward on CUDA (gpu_batch's docstring).
GPU = {"train.device": "cuda", "train.precision": "fp32", "eval.device": "cuda"}
PROFILES = {"cpu": CPU, "gpu": GPU}
JOBS = 2
DEFAULTS = {  # every key v2 varies
    "select.method": "interval",
    "select.budget": PER_CLASS * N_CLASSES,
    "select.interval": K,
    "select.seed": 0,
    "select.null_draws": 0,  # training runs skip the data-FID (the `data` group measures it)
    "train.seed": 0,
    "train.conditioning": ATTACH[SELECT_ATTACH][0],
    "train.proj_coeff": ATTACH[SELECT_ATTACH][1],
    "attach.visual_encoder": ATTACH[SELECT_ATTACH][2],
}
# Measured costs behind the estimate (`cost_minutes`), one thread per run beside a second run:
# DiT-T/4 training steps/s (the first grid's record: 3.1 without REPA, 1.8-2.2 with, mean 1.9;
# Min-SNR weighting costs nothing measurable), sampling 500 images at DDIM 25 with guidance (45 s on
# 2 threads alone in the recipe pilot: ~80 s a curve point), Inception features of 1,000 images
# (samples + floor at ~0.1-0.2 s an image: ~3 min), select + attach (~1 min, ~2 with visual tokens),
# a data-FID run (Inception of ~470 images, 25 null FDs of 2,048-d at ~5 s: ~4 min).
STEPS_PER_S = {"none": 3.1, "repa": 1.9}
SAMPLE_MIN, INCEPTION_MIN, PREP_MIN, PREP_REPA_MIN, DATA_MIN = 80 / 60, 3.0, 1.0, 2.0, 4.0


@dataclass
class Exp:
    """One v2 experiment: a DVC experiment of `target` (eval: the whole D2C branch; select: data-FID only)."""

    group: str
    name: str
    overrides: dict = field(default_factory=dict)
    target: str = "eval"
    profile: str = "cpu"

    def params(self) -> dict:
        """Every -S value: v2's defaults, the recipe, the profile's settings, then the run's own."""
        return {**DEFAULTS, **RECIPE, **PROFILES[self.profile], **self.overrides}


def budget(pc: int) -> int:
    """select.budget of `pc` images per class (a count of images)."""
    return pc * N_CLASSES


def attach_of(params: dict) -> str | None:
    """The Attach setting's name of a run's params (None: not one of `ATTACH`)."""
    key = (params["train.conditioning"], float(params["train.proj_coeff"]), params["attach.visual_encoder"])
    return next((a for a, v in ATTACH.items() if v == key), None)


def _run(method: str, seed: int, pc: int = PER_CLASS, attach: str = SELECT_ATTACH, k: int | None = None) -> dict:
    cond, proj, enc = ATTACH[attach]
    k = k if k is not None else (K if pc == PER_CLASS else SMALL_K)
    return {
        "select.method": method,
        "select.budget": budget(pc),
        "select.interval": k,
        "select.seed": seed,
        "train.seed": seed,
        "train.conditioning": cond,
        "train.proj_coeff": proj,
        "attach.visual_encoder": enc,
    }


def name_of(method: str, seed: int, pc: int = PER_CLASS, attach: str = SELECT_ATTACH, k: int | None = None) -> str:
    """The one name of a training run: part 1's cells keep part 1's name whichever group asks for them."""
    if pc == SMALL_PER_CLASS:
        return f"{PREFIX}small-{method}-s{seed}"
    if k is not None and k != K:
        return f"{PREFIX}ksweep-k{k}-s{seed}"
    if attach == SELECT_ATTACH:
        return f"{PREFIX}select-{method}-s{seed}"
    return f"{PREFIX}attach-{method}-{attach}-s{seed}"


def _select(seeds: Sequence[int]) -> list[Exp]:
    """Seed by seed, every method of a seed together (a half-finished queue still holds paired seeds)."""
    return [Exp("select", name_of(m, s), _run(m, s)) for s in seeds for m in METHODS]


def _attach(seeds: Sequence[int]) -> list[Exp]:
    return [Exp("attach", name_of(m, s, attach=a), _run(m, s, attach=a)) for s in seeds for a in ATTACH for m in ATTACH_METHODS]


def _small(seeds: Sequence[int]) -> list[Exp]:
    return [Exp("small", name_of(m, s, SMALL_PER_CLASS), _run(m, s, SMALL_PER_CLASS)) for s in seeds for m in METHODS]


def _ksweep(seeds: Sequence[int]) -> list[Exp]:
    return [Exp("ksweep", name_of("interval", s, k=k), _run("interval", s, k=k)) for s in seeds for k in K_SWEEP]


def _data(seeds: Sequence[int]) -> list[Exp]:
    """select only: each method's subset at both budgets, its data-FID beside DATA_NULL_DRAWS random subsets."""
    return [
        Exp(
            "data",
            f"{PREFIX}data-{m}-b{pc}",
            {**_run(m, seeds[0], pc), "select.null_draws": DATA_NULL_DRAWS},
            target="select",
        )
        for pc in (PER_CLASS, SMALL_PER_CLASS)
        for m in DATA_METHODS
    ]


GROUPS = {"select": _select, "attach": _attach, "small": _small, "ksweep": _ksweep, "data": _data}
GROUP_SEEDS = {"select": SELECT_SEEDS, "attach": ATTACH_SEEDS, "small": ONE_SEED, "ksweep": ONE_SEED, "data": ONE_SEED}
PARTS = {"select": 1, "attach": 2, "small": 3, "ksweep": 3, "data": 3}


class PlanConflict(GridError):
    """Two groups gave one name different params (a bug in the plan: names must say what runs)."""


def plan(groups: Iterable[str], seeds: Sequence[int] | None = None, profile: str = "cpu") -> list[Exp]:
    """The experiments of `groups` in that order, each name once (the first group that asks for a
    run owns it; a later group's identical run is not planned again). `seeds` replaces every
    group's seeds (default: `GROUP_SEEDS`, the issue's)."""
    if profile not in PROFILES:
        raise UnknownChoice(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    out: dict[str, Exp] = {}
    for g in groups:
        if g not in GROUPS:
            raise UnknownChoice(f"unknown group {g!r}; expected {', '.join(GROUPS)}")
        for e in GROUPS[g](list(seeds) if seeds else list(GROUP_SEEDS[g])):
            e.profile = profile
            if e.name in out:
                if out[e.name].params() != e.params():
                    raise PlanConflict(f"{e.name}: planned twice with other params")
                continue
            out[e.name] = e
    return list(out.values())


def known_experiments() -> dict[str, Exp]:
    """Every v2 name of the full plan, up to 10 seeds: what `collect` keeps."""
    return {e.name: e for e in plan(GROUPS, list(range(10)))}


def cost_minutes(e: Exp) -> float:
    """Estimated minutes of one run on one core beside a second run (the measured costs above)."""
    p = e.params()
    if e.target == "select":
        return DATA_MIN
    repa = float(p["train.proj_coeff"]) > 0
    train = p["train.steps"] / STEPS_PER_S["repa" if repa else "none"] / 60
    points = p["train.steps"] // p["train.snapshot_every"] if p["train.snapshot_every"] else 1
    return (PREP_REPA_MIN if repa else PREP_MIN) + train + points * SAMPLE_MIN + INCEPTION_MIN


def describe(p: dict) -> dict:
    """The record's view of a run's params: method, images per class, k, seeds, Attach."""
    return {
        "method": p["select.method"],
        "per_class": per_class(p["select.budget"]),
        "k": p["select.interval"],
        "seed": p["train.seed"],
        "select_seed": p["select.seed"],
        "attach": attach_of(p),
        "conditioning": p["train.conditioning"],
        "proj_coeff": float(p["train.proj_coeff"]),
        "visual_encoder": p["attach.visual_encoder"],
    }
