"""The training-recipe pilot (issue 18): which CPU recipe lowers the probe FD fastest per CPU-minute?

Every variant trains a class-conditioned student (no text, no REPA: the recipe alone) on the same
random 48 images per class, for the same steps, with the library's own `training.train`; every
`--eval-every` steps its EMA weights sample `--n-samples` images (DDIM, `--sample-steps`, guidance
`--cfg`) that the pipeline's probe scores against the test split (probe FD, class consistency,
black-background share, patch-seam ratio), beside the same measures of as many real training images
(the floor at the same N). Training seconds exclude the evaluations.

The variants (`VARIANTS`): today's DiT-T/4; + Min-SNR-5 loss weighting; + horizontal flips;
+ LR warm-up and cosine decay; the levers that beat the baseline, combined; a patch-2 DiT of the
same cost per step (DiT-N/2) with those levers. Then speed levers on the best variant (bf16 autocast
on CPU, torch.compile: steps/s in one process, interleaved, as ratios), and a sampler sweep of its
final EMA weights (DDIM steps × guidance).

Resumable: each finished variant is written to the record at once and skipped by a re-run.

    python benchmarks/bench_recipe.py [--steps 2000] [--eval-every 500] [--n-samples 500]
    python benchmarks/bench_recipe.py report     # tables and figure from the record only
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import numpy as np
import torch
import typer

from diffcurate.d2c.diagnostics import artefacts
from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.encode import load_encoded
from diffcurate.d2c.probe import load_probe, load_reference_features, probe_quality
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.sampling import Sampler, generate
from diffcurate.d2c.student import Conditioning, LossWeighting, Student, StudentConfig, student_objective
from diffcurate.d2c.training import TrainConfig, cpu_has_bf16, train
from diffcurate.io import atomic_outputs

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

RECORD = Path("benchmarks/results/recipe_pilot.json")
REPORT = Path("results/recipe_pilot.md")
FIGURE = Path("results/recipe_pilot.png")
PER_CLASS = 48
SPEED_STEPS = 150  # steps per speed-lever measurement (after SPEED_WARMUP)
SPEED_WARMUP = 20
SPEED_ROUNDS = 2  # interleaved rounds: fp32, bf16, compile, fp32, bf16, compile
SWEEP_STEPS = (10, 25, 50)
SWEEP_CFG = (1.0, 2.0, 3.0)
WORK = Path(tempfile.gettempdir()) / "diffcurate-recipe"
SEAM_OK = 1.15  # "no visible seams": patch-border steps at most 15% above those inside (real images: 1.05)
BACKGROUND_OK = 0.8  # "a real black background": at least 80% of the real images' exact-black share


@dataclass(frozen=True)
class Variant:
    name: str
    model: str = "DiT-T/4"
    weighting: str = "none"
    hflip: bool = False
    lr_schedule: str = "constant"
    warmup_steps: int = 0
    levers: tuple[str, ...] = field(default=())


BASE = Variant("DiT-T/4 (today)")
SINGLE = {
    "min-snr": Variant("+ min-SNR", weighting="min-snr", levers=("min-snr",)),
    "hflip": Variant("+ hflip", hflip=True, levers=("hflip",)),
    "cosine": Variant("+ warm-up/cosine", lr_schedule="cosine", warmup_steps=100, levers=("cosine",)),
}


def combined(levers: list[str], model: str = "DiT-T/4", name: str | None = None) -> Variant:
    v = Variant(name or ("+ " + " + ".join(levers) if levers else "DiT-T/4 (no lever helped)"), model=model, levers=tuple(levers))
    for lever in levers:
        one = SINGLE[lever]
        v = replace(
            v,
            weighting=one.weighting if lever == "min-snr" else v.weighting,
            hflip=v.hflip or one.hflip,
            lr_schedule=one.lr_schedule if lever == "cosine" else v.lr_schedule,
            warmup_steps=one.warmup_steps if lever == "cosine" else v.warmup_steps,
        )
    return v


def random_subset(labels: np.ndarray, per_class: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in np.unique(labels)]))


@dataclass
class Bench:
    x: torch.Tensor
    y: torch.Tensor
    probe: object
    ref: np.ndarray
    n_samples: int
    sample_steps: int
    cfg: float
    seed: int

    def student(self, v: Variant) -> Student:
        torch.manual_seed(self.seed)
        dcfg = DiTConfig(name=v.model, input_size=self.x.shape[-1], in_channels=self.x.shape[1], num_classes=10)
        return Student(StudentConfig(dcfg, Conditioning.CLASS, proj_coeff=0.0, weighting=LossWeighting(v.weighting)))

    def measure(self, model, steps: int | None = None, cfg: float | None = None) -> dict:
        t0 = time.perf_counter()
        xs = generate(model, self.n_samples, Sampler.DDIM, steps or self.sample_steps, cfg or self.cfg, self.seed)
        labels = torch.arange(self.n_samples) % 10
        out = {**probe_quality(self.probe, xs, labels, self.ref, self.seed), **artefacts(xs, 4)}
        out["sample_s"] = round(time.perf_counter() - t0, 1)
        return out


def run_variant(b: Bench, v: Variant, steps: int, eval_every: int, batch_size: int, lr: float, work: Path) -> dict:
    net = b.student(v)
    cfg = TrainConfig(
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        seed=b.seed,
        ckpt_every=steps,
        lr_schedule=v.lr_schedule,
        warmup_steps=v.warmup_steps,
        hflip=v.hflip,
    )
    curve, eval_s = [], [0.0]
    t0 = time.perf_counter()

    def on_step(step: int, _net, ema) -> None:
        if step % eval_every == 0:
            e0 = time.perf_counter()
            row = {"step": step, "train_s": round(e0 - t0 - eval_s[0], 1), **b.measure(ema.eval())}
            ema.train()
            eval_s[0] += time.perf_counter() - e0
            curve.append(row)
            print(f"  {v.name} step {step}: probe FD {row['probe_fd']:.1f} (train {row['train_s']} s)", flush=True)

    _, ema, history = train(net, b.x, b.y, cfg, work, objective=student_objective, on_step=on_step)
    return {
        "variant": v.name,
        "model": v.model,
        "levers": list(v.levers),
        "config": {"weighting": v.weighting, "hflip": v.hflip, "lr_schedule": v.lr_schedule, "warmup_steps": v.warmup_steps},
        "curve": curve,
        "final_loss": history[-1]["loss"],
        "parameters": sum(p.numel() for p in net.parameters()),
    }, ema


def speed(b: Bench, v: Variant, batch_size: int, lr: float, work: Path) -> dict:
    """steps/s of fp32, bf16 autocast and torch.compile on the same variant, interleaved rounds."""
    kinds = {"fp32": {}, "compile": {"compile": True}}
    if cpu_has_bf16():
        kinds["bf16"] = {"precision": "bf16"}
    rates: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(SPEED_ROUNDS):
        for kind, extra in kinds.items():
            net = b.student(v)
            base = dict(
                batch_size=batch_size, lr=lr, seed=b.seed, hflip=v.hflip, lr_schedule=v.lr_schedule, warmup_steps=v.warmup_steps
            )
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                cfg = TrainConfig(steps=SPEED_WARMUP + SPEED_STEPS, ckpt_every=10**9, **base, **extra)
                rates[kind].append(steps_per_s(b, net, cfg, Path(tmp)))
            print(f"  speed {kind}: {rates[kind][-1]:.2f} steps/s", flush=True)
    med = {k: round(float(np.median(r)), 3) for k, r in rates.items()}
    return {"variant": v.name, "steps_per_s": med, "ratio_to_fp32": {k: round(r / med["fp32"], 3) for k, r in med.items()}}


def steps_per_s(b: Bench, net: Student, cfg: TrainConfig, work: Path) -> float:
    """Steps per second after the first SPEED_WARMUP steps (compilation, allocator warm-up)."""
    stamps: list[float] = []
    train(net, b.x, b.y, cfg, work, objective=student_objective, on_step=lambda *_: stamps.append(time.perf_counter()))
    return (len(stamps) - SPEED_WARMUP) / (stamps[-1] - stamps[SPEED_WARMUP - 1])


def model_speed(b: Bench, models: list[str], batch_size: int, lr: float, work: Path) -> dict[str, float]:
    """fp32 steps/s of each model (no levers: they cost nothing per step), interleaved rounds, median."""
    rates: dict[str, list[float]] = {m: [] for m in models}
    for _ in range(SPEED_ROUNDS):
        for m in models:
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                cfg = TrainConfig(steps=SPEED_WARMUP + SPEED_STEPS, batch_size=batch_size, lr=lr, seed=b.seed, ckpt_every=10**9)
                rates[m].append(steps_per_s(b, b.student(Variant(m, model=m)), cfg, Path(tmp)))
            print(f"  speed {m}: {rates[m][-1]:.2f} steps/s", flush=True)
    return {m: round(float(np.median(r)), 3) for m, r in rates.items()}


def load_record() -> dict:
    return json.loads(RECORD.read_text()) if RECORD.is_file() else {}


def save_record(record: dict) -> None:
    with atomic_outputs() as w:
        w.json(record, RECORD)


def set_paths(record: Path, report_md: Path, figure_png: Path) -> None:
    global RECORD, REPORT, FIGURE
    RECORD, REPORT, FIGURE = record, report_md, figure_png


def final(run: dict) -> dict:
    return run["curve"][-1]


def train_minutes(record: dict, run: dict, step: int) -> float:
    """CPU minutes to train `step` steps of the run's model at its fp32 speed measured alone
    (`model_speed`); the levers cost nothing per step. Falls back to the wall time of the run (taken
    while other work shared the cores) when the speed is not measured yet."""
    speed = record.get("model_speed", {}).get(run["model"])
    if speed:
        return step / speed / 60
    return next(c["train_s"] for c in run["curve"] if c["step"] == step) / 60


def fd_at_minutes(record: dict, run: dict, minutes: float) -> float:
    """The run's probe FD after `minutes` of training: its curve interpolated in log FD over
    training minutes (the fair comparison of models that cost different time per step)."""
    xs = [train_minutes(record, run, c["step"]) for c in run["curve"]]
    ys = [np.log(c["probe_fd"]) for c in run["curve"]]
    return round(float(np.exp(np.interp(minutes, xs, ys))), 1)


def auc(run: dict) -> float:
    """Mean probe FD over the curve's points (lower: learned faster)."""
    return round(float(np.mean([r["probe_fd"] for r in run["curve"]])), 2)


@app.command()
def run(
    steps: Annotated[int, typer.Option(help="Training steps of every variant.")] = 2000,
    eval_every: Annotated[int, typer.Option(help="Probe FD every N steps.")] = 500,
    n_samples: Annotated[int, typer.Option(help="Samples per FD point (and real images for the floor).")] = 500,
    sample_steps: Annotated[int, typer.Option(help="DDIM steps of the curve points.")] = 25,
    cfg: Annotated[float, typer.Option(help="Guidance of the curve points.")] = 1.5,
    batch_size: Annotated[int, typer.Option()] = 64,
    lr: Annotated[float, typer.Option()] = 0.001,
    seed: Annotated[int, typer.Option()] = 0,
    threads: Annotated[int, typer.Option()] = 2,
    encoded: Annotated[Path, typer.Option()] = Path("data/encoded"),
    probe: Annotated[Path, typer.Option()] = Path("models/probe"),
    work: Annotated[Path, typer.Option(help="Scratch folder for checkpoints.")] = WORK,
    record_path: Annotated[Path, typer.Option("--record", help="The record (resumed).")] = RECORD,
    report_path: Annotated[Path, typer.Option("--report", help="Markdown report.")] = REPORT,
    figure_path: Annotated[Path, typer.Option("--figure", help="FD-vs-minutes figure.")] = FIGURE,
) -> None:
    set_paths(record_path, report_path, figure_path)
    set_threads(threads)
    enc = load_encoded(encoded).unflipped()
    rows = random_subset(enc.labels.numpy(), PER_CLASS, seed)
    b = Bench(
        enc.x[rows], enc.labels[rows], load_probe(probe), load_reference_features(probe), n_samples, sample_steps, cfg, seed
    )
    record = load_record()
    settings = {
        "steps": steps,
        "eval_every": eval_every,
        "n_samples": n_samples,
        "sample_steps": sample_steps,
        "cfg": cfg,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "threads": threads,
        "per_class": PER_CLASS,
    }
    if record.get("settings") != settings:
        record = {"settings": settings, "runs": {}}
    record["machine"] = {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__, "bf16": cpu_has_bf16()}
    if "floor" not in record:
        real_rows = random_subset(enc.labels.numpy(), n_samples // 10, seed + 1)
        real = enc.x[real_rows]
        record["floor"] = {**probe_quality(b.probe, real, enc.labels[real_rows], b.ref, seed), **artefacts(real, 4)}
        save_record(record)
    work.mkdir(parents=True, exist_ok=True)
    emas = {}

    def do(v: Variant) -> dict:
        if v.name not in record["runs"]:
            print(f"variant {v.name}", flush=True)
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                result, emas[v.name] = run_variant(b, v, steps, eval_every, batch_size, lr, Path(tmp))
            record["runs"][v.name] = result
            save_record(record)
        return record["runs"][v.name]

    base = do(BASE)
    helped = [k for k, v in SINGLE.items() if final(do(v))["probe_fd"] < final(base)["probe_fd"]]
    best = do(combined(helped)) if len(helped) > 1 else (do(SINGLE[helped[0]]) if helped else base)
    do(combined(helped, model="DiT-N/2", name="DiT-N/2" + (" + " + " + ".join(helped) if helped else "")))
    best = min(record["runs"].values(), key=lambda r: final(r)["probe_fd"])
    best_v = next(
        v
        for v in [
            BASE,
            *SINGLE.values(),
            combined(helped),
            combined(helped, "DiT-N/2", "DiT-N/2" + (" + " + " + ".join(helped) if helped else "")),
        ]
        if v.name == best["variant"]
    )
    if "speed" not in record:
        record["speed"] = speed(b, best_v, batch_size, lr, work)
        save_record(record)
    if "sweep" not in record:
        if best_v.name not in emas:  # a resumed run: train the best again (exact: same seed)
            with tempfile.TemporaryDirectory(dir=work) as tmp:
                _, emas[best_v.name] = run_variant(b, best_v, steps, steps, batch_size, lr, Path(tmp))
        ema = emas[best_v.name].eval()
        sweep = []
        for s in SWEEP_STEPS:
            for g in SWEEP_CFG:
                sweep.append({"sample_steps": s, "cfg": g, **b.measure(ema, s, g)})
                print(f"  sweep ddim {s} cfg {g}: probe FD {sweep[-1]['probe_fd']:.1f}", flush=True)
        record["sweep"] = {"variant": best_v.name, "rows": sweep}
        save_record(record)
    if "model_speed" not in record:
        models = sorted({r["model"] for r in record["runs"].values()})
        record["model_speed"] = model_speed(b, models, batch_size, lr, work)
        save_record(record)
    report(RECORD, REPORT, FIGURE)


@app.command()
def report(
    record_path: Annotated[Path, typer.Option("--record", help="The record.")] = RECORD,
    report_path: Annotated[Path, typer.Option("--report", help="Markdown report.")] = REPORT,
    figure_path: Annotated[Path, typer.Option("--figure", help="FD-vs-minutes figure.")] = FIGURE,
) -> None:
    """results/recipe_pilot.md and .png from the record."""
    set_paths(record_path, report_path, figure_path)
    record = load_record()
    runs = record["runs"]
    floor = record["floor"]
    s = record["settings"]
    same = min(train_minutes(record, r, final(r)["step"]) for r in runs.values())  # every run has trained this long
    lines = [
        "# Training-recipe pilot (issue 18)",
        "",
        f"Random {s['per_class']}/class (480 images), class conditioning, no REPA; {s['steps']} steps, "
        f"batch {s['batch_size']}, lr {s['lr']}, seed {s['seed']}, {s['threads']} threads on {record['machine']['cpu']} "
        f"(torch {record['machine']['torch']}). "
        f"Probe FD of {s['n_samples']} EMA samples (DDIM {s['sample_steps']} steps, guidance {s['cfg']}) against the test split, "
        f"every {s['eval_every']} steps. Produced by `benchmarks/bench_recipe.py`; record: `{RECORD}`.",
        "",
        f"Real-data floor at N = {s['n_samples']}: probe FD **{floor['probe_fd']}**, "
        f"class consistency {floor['class_consistency']}, black background {floor['background_share']}, "
        f"seam ratio {floor['seam_ratio']}.",
        "",
        f"| variant | params | probe FD by step | final FD (× floor) | mean FD over curve | FD at {same:.1f} train-min "
        "| class consistency | black bg | seam ratio | train min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs.values():
        f = final(r)
        by_step = " / ".join(f"{c['probe_fd']:.0f}" for c in r["curve"])
        ratio = f["probe_fd"] / floor["probe_fd"]
        lines.append(
            f"| {r['variant']} | {r['parameters'] / 1e6:.2f}M | {by_step} | {f['probe_fd']:.1f} ({ratio:.1f}×) | {auc(r)} | "
            f"{fd_at_minutes(record, r, same)} | {f['class_consistency']} | {f['background_share']} | {f['seam_ratio']} | "
            f"{train_minutes(record, r, f['step']):.1f} |"
        )
    pick = min(runs.values(), key=lambda r: fd_at_minutes(record, r, same))
    pf = final(pick)
    clean = pf["seam_ratio"] <= SEAM_OK and pf["background_share"] >= BACKGROUND_OK * floor["background_share"]
    lines += [
        "",
        f"Lowest probe FD at equal training time: **{pick['variant']}** ({fd_at_minutes(record, pick, same)} at {same:.1f} min). "
        + (
            "Its samples pass the artefact bars (seam ratio ≤ "
            if clean
            else "No variant's samples pass the artefact bars yet (seam ratio ≤ "
        )
        + f"{SEAM_OK}, black background ≥ {BACKGROUND_OK:.0%} of the real share): {pick['variant']} has "
        f"{pf['seam_ratio']} and {pf['background_share']} vs real {floor['seam_ratio']} and {floor['background_share']}.",
    ]
    if "model_speed" in record:
        lines += [
            "",
            "Train minutes are steps over each model's fp32 speed measured alone, interleaved in one process: "
            + ", ".join(f"{m} {v} steps/s" for m, v in record["model_speed"].items())
            + " (the runs' own wall times were taken while other work shared the cores).",
        ]
    if "speed" in record:
        sp = record["speed"]
        lines += [
            "",
            f"Speed levers on {sp['variant']} (steps/s, median of interleaved rounds in one process; ratio to fp32):",
            "",
        ]
        lines += [f"- {k}: {v} steps/s ({sp['ratio_to_fp32'][k]}×)" for k, v in sp["steps_per_s"].items()]
    if "sweep" in record:
        sw = record["sweep"]
        lines += [
            "",
            f"Sampler sweep of {sw['variant']}'s final EMA weights "
            f"(probe FD / class consistency / seconds for {s['n_samples']} samples):",
            "",
        ]
        lines += ["| DDIM steps | " + " | ".join(f"cfg {g}" for g in SWEEP_CFG) + " |", "|---|" + "---|" * len(SWEEP_CFG)]
        for st in SWEEP_STEPS:
            cells = [r for r in sw["rows"] if r["sample_steps"] == st]
            lines.append(
                f"| {st} | "
                + " | ".join(f"{r['probe_fd']:.1f} / {r['class_consistency']} / {r['sample_s']:.0f} s" for r in cells)
                + " |"
            )
    with atomic_outputs() as w:
        w.path_text(REPORT, "\n".join(lines) + "\n")
        figure(record, w.path(FIGURE))
    print("\n".join(lines))


def figure(record: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in record["runs"].values():
        ax.plot(
            [train_minutes(record, r, c["step"]) for c in r["curve"]],
            [c["probe_fd"] for c in r["curve"]],
            marker="o",
            label=r["variant"],
        )
    ax.axhline(record["floor"]["probe_fd"], color="k", ls="--", lw=1, label="real data (floor)")
    ax.set_xlabel("training minutes (2 CPU threads, each model's speed measured alone)")
    ax.set_ylabel("probe FD (lower is better)")
    ax.set_yscale("log")
    ax.legend(fontsize=8)
    ax.set_title("Recipe pilot: random 48/class")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    app()
