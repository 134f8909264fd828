"""The experiments of the grid: groups × profiles, each a name and the -S values it sets.

Every experiment sets every key the grid varies (`DEFAULTS`) and every key of its profile, so none
inherits another's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from . import GridError

METHODS = ("interval", "random", "herding", "kcenter")
K_SWEEP = (1, 10, 25, 50, 100, 125)
CORPUS_SIZE, N_CLASSES = 60_000, 10
# The CPU profile of the grid: the same steps for every run, EMA snapshots for FID-vs-steps curves,
# a cheaper eval (300 samples, 25 DDIM steps) than the pipeline default, the same eval seed everywhere.
# One thread per stage: two queued experiments at a time use the 2 cores better than one with two threads (small matmuls).
COMMON = {
    "train.steps": 1000,
    "train.snapshot_every": 250,
    "eval.n_samples": 300,
    "eval.steps": 25,
    "eval.seed": 0,
    "train.threads": 1,
    "eval.threads": 1,
    "attach.threads": 1,
}
# The GPU profile (one CUDA device; not run by the sessions that built this, none was lent): the
# paper's direction — a larger DiT, bf16, 20x the steps at 4x the batch, 2,000 samples per FID.
GPU = {
    "train.device": "cuda",
    "train.precision": "bf16",
    "train.model": "DiT-S/2",
    "train.batch_size": 256,
    "train.lr": 0.0002,
    "train.steps": 20000,
    "train.snapshot_every": 2500,
    "eval.device": "cuda",
    "eval.n_samples": 2000,
    "eval.batch_size": 500,
    "eval.steps": 50,
    "eval.seed": 0,
    "train.threads": 0,
    "eval.threads": 0,
    "attach.threads": 0,
}
PROFILES = {"cpu": COMMON, "gpu": GPU}
PREFIX = {"cpu": "", "gpu": "gpu-"}  # experiment-name prefix of each profile
JOBS = {"cpu": 2, "gpu": 1}  # queue workers that use the machine best
# Defaults of every key the grid varies (each experiment sets all of them).
DEFAULTS = {
    "select.method": "interval",
    "select.budget": 0.008,
    "select.interval": 50,
    "select.seed": 0,
    "train.seed": 0,
    "train.conditioning": "both",
    "train.proj_coeff": 0.5,
    "attach.visual_encoder": "efficientnet-lite0",
}
ABLATION = {  # name -> (conditioning, proj_coeff, visual encoder)
    "none": ("class", 0.0, "none"),
    "text": ("both", 0.0, "none"),
    "visual": ("class", 0.5, "efficientnet-lite0"),
    "both": ("both", 0.5, "efficientnet-lite0"),
}
# What `collect` recognises as the grid's: every group, up to 10 seeds, the three budgets.
KNOWN_SEEDS, KNOWN_BUDGETS = tuple(range(10)), (0.008, 0.04, 0.08)


class UnknownChoice(GridError):
    """A group or profile name the grid does not have."""


@dataclass
class Exp:
    group: str
    name: str
    overrides: dict = field(default_factory=dict)
    profile: str = "cpu"

    def params(self) -> dict:
        """Every -S value of the run: the grid's defaults, then its profile's, then its own."""
        return {**DEFAULTS, **PROFILES[self.profile], **self.overrides}


def per_class(budget: float) -> int:
    """Images per class of a budget: a fraction of the corpus (< 1) or a count of images."""
    return round(budget * CORPUS_SIZE / N_CLASSES) if budget < 1 else int(budget) // N_CLASSES


def uses_cuda(profile: str) -> bool:
    return PROFILES[profile].get("train.device") == "cuda"


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise UnknownChoice(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    return profile


# Each group: (seeds, budgets) -> [(name, overrides)], in the order the runs are queued.
Group = Callable[[Sequence[int], Sequence[float]], list[tuple[str, dict]]]


def _main(seeds: Sequence[int], budgets: Sequence[float]) -> list[tuple[str, dict]]:
    """Budgets × seeds × methods; the seed is both the select and the train seed."""
    return [
        (f"main-{m}-b{per_class(b)}-s{seed}", {"select.method": m, "select.budget": b, "select.seed": seed, "train.seed": seed})
        for b in budgets
        for seed in seeds
        for m in METHODS
    ]


def _full(seeds: Sequence[int], budgets: Sequence[float]) -> list[tuple[str, dict]]:
    """The whole corpus, first seed only, without REPA (visual tokens for 60K images do not fit a CPU run)."""
    return [
        (
            f"full-s{seed}",
            {
                "select.method": "random",
                "select.budget": CORPUS_SIZE,
                "train.seed": seed,
                "train.proj_coeff": 0.0,
                "attach.visual_encoder": "none",
            },
        )
        for seed in seeds[:1]
    ]


def _ablation(seeds: Sequence[int], budgets: Sequence[float]) -> list[tuple[str, dict]]:
    """Paper Table 4 at 0.8% interval, seed 0; `both` is main-interval-b48-s0."""
    return [
        (f"ablation-{a}-s0", {"train.conditioning": cond, "train.proj_coeff": proj, "attach.visual_encoder": enc})
        for a, (cond, proj, enc) in ABLATION.items()
        if a != "both"
    ]


def _ksweep(seeds: Sequence[int], budgets: Sequence[float]) -> list[tuple[str, dict]]:
    """Paper Fig. 6 at 0.8%, seed 0; k = 50 is main-interval-b48-s0."""
    return [(f"ksweep-k{k}-s0", {"select.interval": k}) for k in K_SWEEP if k != DEFAULTS["select.interval"]]


GROUPS: dict[str, Group] = {"main": _main, "full": _full, "ablation": _ablation, "ksweep": _ksweep}


def plan(groups: Iterable[str], seeds: Sequence[int], budgets: Sequence[float], profile: str = "cpu") -> list[Exp]:
    """The experiments of `groups` (in that order) for one profile."""
    check_profile(profile)
    out: list[Exp] = []
    for g in groups:
        if g not in GROUPS:
            raise UnknownChoice(f"unknown group {g!r}; expected {', '.join(GROUPS)}")
        out += [Exp(g, PREFIX[profile] + name, overrides, profile) for name, overrides in GROUPS[g](seeds, budgets)]
    return out


def known_experiments() -> dict[str, Exp]:
    """Every experiment name the grid could have run, of every profile: what `collect` keeps."""
    return {e.name: e for p in PROFILES for e in plan(GROUPS, list(KNOWN_SEEDS), list(KNOWN_BUDGETS), p)}
