"""Reproduce D2C's claims in miniature (issue 8): a DVC experiment grid over the D2C stages.

    python benchmarks/d2c_grid.py plan    [--groups main,full,ablation,ksweep] [--seeds 0,1,2] [--budgets 0.008,0.04,0.08]
    python benchmarks/d2c_grid.py run     [same options] [--profile cpu|gpu] [--jobs 2] [--limit N] [--from-scratch]
    python benchmarks/d2c_grid.py collect [--profile cpu|gpu] [--out results]

Each experiment is `dvc exp run [--queue] -n NAME -S key=value … eval`: only the D2C branch
(select → attach → train → eval) runs; encode / pretrain / score / features / refstats are shared
and come from the DVC cache. Every experiment sets every key the grid varies, so none inherits
another's values.

Results are kept in two places: the local DVC experiment refs (`dvc exp show`), and
`results/d2c_grid.csv`, the committed record of every finished run (name, profile, the machine that
produced it, its metrics and FID-vs-steps curve). `collect` merges the experiments `dvc exp show`
has into that record (a re-run replaces its own row, nothing else is dropped) and writes
`results/d2c_grid.md` (tables, headline) and `results/d2c_fid_vs_steps.png` from it. `run` skips
names already finished, queued or recorded for the same profile, so an interrupted grid resumes,
also on a fresh clone; `--from-scratch` ignores the record and re-runs everything (`make grid-fresh`).

Groups:
- main: budgets × methods (interval, random, herding, kcenter) × seeds (select and train seed;
  interval, herding and kcenter pick the same images for every seed, only training differs);
- full: the full corpus (60,000 images) at the same steps — without REPA (attaching visual
  tokens to 60K images does not fit a CPU run), so compare it with ablation `text` (same
  conditioning, no visual alignment) at 0.8%;
- ablation (paper Table 4) at 0.8% interval: none (class only, no REPA), text (class + text,
  no REPA), visual (class + REPA), both (class + text + REPA = main);
- ksweep (paper Fig. 6) at 0.8%: interval k in 1, 10, 25, 50, 100, 125.

Profiles: `cpu` (the one measured here: DiT-T/4, 1,000 steps, 2 queue workers with one thread
each) and `gpu` (one CUDA device, bf16, DiT-S/2, 20,000 steps of 256; names get a `gpu-` prefix so
both live side by side in `dvc exp show` and in the record).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

REPO = Path(__file__).resolve().parents[1]
DVC = str(Path(sys.executable).parent / "dvc")
METHODS = ("interval", "random", "herding", "kcenter")
K_SWEEP = (1, 10, 25, 50, 100, 125)
ALPHA = 0.05  # the significance level of the headline's Welch tests
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
RECORD = "d2c_grid.csv"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@dataclass
class Exp:
    group: str
    name: str
    overrides: dict = field(default_factory=dict)
    profile: str = "cpu"

    def params(self) -> dict:
        return {**DEFAULTS, **PROFILES[self.profile], **self.overrides}


def per_class(budget: float) -> int:
    return round(budget * CORPUS_SIZE / N_CLASSES) if budget < 1 else int(budget) // N_CLASSES


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise typer.BadParameter(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    return profile


def plan(groups: list[str], seeds: list[int], budgets: list[float], profile: str = "cpu") -> list[Exp]:
    check_profile(profile)
    out: list[Exp] = []

    def add(group: str, name: str, overrides: dict) -> None:
        out.append(Exp(group, PREFIX[profile] + name, overrides, profile))

    for g in groups:
        if g == "main":
            for b in budgets:
                for seed in seeds:
                    for m in METHODS:
                        add(
                            g,
                            f"main-{m}-b{per_class(b)}-s{seed}",
                            {"select.method": m, "select.budget": b, "select.seed": seed, "train.seed": seed},
                        )
        elif g == "full":
            for seed in seeds[:1]:
                add(
                    g,
                    f"full-s{seed}",
                    {
                        "select.method": "random",
                        "select.budget": CORPUS_SIZE,
                        "train.seed": seed,
                        "train.proj_coeff": 0.0,
                        "attach.visual_encoder": "none",
                    },
                )
        elif g == "ablation":
            for a, (cond, proj, enc) in ABLATION.items():
                if a != "both":  # `both` is main-interval-b48-s0
                    add(
                        g,
                        f"ablation-{a}-s0",
                        {"train.conditioning": cond, "train.proj_coeff": proj, "attach.visual_encoder": enc},
                    )
        elif g == "ksweep":
            for k in K_SWEEP:
                if k != DEFAULTS["select.interval"]:  # k = 50 is main-interval-b48-s0
                    add(g, f"ksweep-k{k}-s0", {"select.interval": k})
        else:
            raise typer.BadParameter(f"unknown group {g!r}; expected main, full, ablation, ksweep")
    return out


def machine_label(profile: str) -> str:
    """The machine this process runs on, in words: CPU model and cores, and the GPU for GPU profiles."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    label = f"{platform.machine()} {cpu}, {os.cpu_count()} cores"
    if PROFILES[profile].get("train.device") == "cuda":
        try:
            import torch

            label += f", {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ", no CUDA device visible"
        except Exception as exc:  # noqa: BLE001 — a label, never a reason to lose results
            label += f", GPU unknown ({exc.__class__.__name__})"
    return label


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} … failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return res


def exp_baselines() -> list[str]:
    """The commits that experiments were run from (their refs are refs/exps/<2 hex>/<38 hex>/<name>)."""
    out = _run("git", "for-each-ref", "--format=%(refname)", "refs/exps", check=False).stdout
    parts = (line.split("/") for line in out.splitlines())
    return sorted({p[2] + p[3] for p in parts if len(p) >= 5 and len(p[2]) == 2 and len(p[3]) == 38})


def exp_rows() -> list[dict]:
    """Every named experiment of `dvc exp show --json`: name plus flattened params and metrics."""
    # `--rev` for each baseline that has experiments: `--all-commits` walks every commit of the
    # history and took over 10 minutes beside two queue workers; this reads only what exists.
    revs = [a for rev in exp_baselines() for a in ("--rev", rev)] or ["--all-commits"]
    shown = json.loads(_run(DVC, "exp", "show", "--json", *revs).stdout or "[]")
    rows: list[dict] = []

    def flatten(d: dict, prefix: str = "") -> dict:
        flat = {}
        for k, v in d.items():
            if isinstance(v, dict):
                flat.update(flatten(v, f"{prefix}{k}."))
            else:
                flat[f"{prefix}{k}"] = v
        return flat

    def walk(node) -> None:
        if isinstance(node, dict):
            state = (node.get("executor") or {}).get("state")
            if "revs" in node and state not in (None, "success"):
                return  # queued, running or failed: its params are set but its metrics are not its own
            data = node.get("data")
            if isinstance(data, dict) and node.get("name") and "params" in data:
                row = {"name": node["name"], "rev": data.get("rev"), "timestamp": data.get("timestamp")}
                row.update(flatten((data.get("params") or {}).get("params.yaml", {}).get("data", {})))
                for path, m in (data.get("metrics") or {}).items():
                    row.update(flatten(m.get("data", {}), f"{Path(path).stem}:"))
                rows.append(row)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(shown)
    return rows


def queued_names() -> set[str]:
    """Experiments waiting or running in the DVC queue (not to be queued twice)."""
    out = _run(DVC, "queue", "status", check=False).stdout
    return {
        parts[1]
        for parts in (line.split() for line in out.splitlines())
        if len(parts) >= 4 and parts[-1] in ("Queued", "Running")
    }


def read_record(path: Path) -> pd.DataFrame:
    """The committed record of finished runs (empty when there is none yet)."""
    if not path.exists():
        return pd.DataFrame()
    df = pd.read_csv(path).rename(columns={"collected": "finished"})  # records before 2026-11-26
    missing = {"name", "profile", "fid", "curve"} - set(df.columns)
    if missing:
        raise SystemExit(f"{path}: not a grid record, columns {sorted(missing)} missing")
    return df


def recorded_names(record: pd.DataFrame, profile: str) -> set[str]:
    if record.empty:
        return set()
    return set(record.loc[(record.profile == profile) & record.fid.notna(), "name"])


def merge_record(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Rows of `new` replace the rows of `old` with the same (profile, name); every other old row stays.

    A row collected again with the same curve is the same run: it keeps the machine it was first
    recorded with."""
    if old.empty:
        return new.reset_index(drop=True)
    if new.empty:
        return old.reset_index(drop=True)
    keep = ~old.set_index(["profile", "name"]).index.isin(new.set_index(["profile", "name"]).index)
    new = new.copy()
    if {"machine", "curve"} <= set(old.columns) and {"machine", "curve"} <= set(new.columns):
        # The same run collected again (same curve): the machine first recorded for it stays; the
        # local exp refs may have been fetched from another machine since.
        first = old.drop_duplicates(["profile", "name"]).set_index(["profile", "name"])
        for i, r in new.iterrows():
            k = (r["profile"], r["name"])
            if k in first.index and first.at[k, "curve"] == r["curve"] and isinstance(first.at[k, "machine"], str):
                new.at[i, "machine"] = first.at[k, "machine"]
    return pd.concat([old[keep], new], ignore_index=True)


def row_of(exp: Exp, shown: dict, machine: str, today: str) -> dict:
    """One record row: the experiment's planned params and what `dvc exp show` measured."""
    p = exp.params()
    reduced = [v for k, v in shown.items() if k.startswith("select:interval_reduced.") and isinstance(v, (int, float))]
    k_used = (min(reduced) if reduced else p["select.interval"]) if p["select.method"] == "interval" else None
    return {
        "name": exp.name,
        "profile": exp.profile,
        "group": exp.group,
        "method": p["select.method"],
        "per_class": per_class(p["select.budget"]),
        "k": p["select.interval"],
        "seed": p["train.seed"],
        "conditioning": p["train.conditioning"],
        "proj_coeff": p["train.proj_coeff"],
        "fid": shown.get("eval:fid"),
        "sfid": shown.get("eval:sfid"),
        "precision": shown.get("eval:precision"),
        "recall": shown.get("eval:recall"),
        "steps_per_s": shown.get("train:steps_per_s"),
        "n_train": shown.get("select:n_selected"),
        "k_used": k_used,  # interval: k shrinks when budget × k exceeds a class (4%: 25, 8%: 12)
        # Diffusion difficulty of the selected images (the scorer's loss): what each method picks.
        "score_q10": shown.get("select:score_selected.q10"),
        "score_median": shown.get("select:score_selected.median"),
        "score_q90": shown.get("select:score_selected.q90"),
        "score_median_corpus": shown.get("select:score_corpus.median"),
        "curve": json.dumps(curve_of(shown)),
        "machine": machine,
        # The day the run finished (its experiment commit), not the day it was collected.
        "finished": str(shown.get("timestamp") or today)[:10],
    }


@app.command("plan")
def plan_cmd(
    groups: Annotated[str, typer.Option()] = "main,full,ablation,ksweep",
    seeds: Annotated[str, typer.Option()] = "0,1,2",
    budgets: Annotated[str, typer.Option()] = "0.008,0.04,0.08",
    profile: Annotated[str, typer.Option(callback=check_profile)] = "cpu",
) -> None:
    """Print the experiments and their -S overrides."""
    for e in plan(groups.split(","), [int(s) for s in seeds.split(",")], [float(b) for b in budgets.split(",")], profile):
        print(e.group, e.name, " ".join(f"{k}={v}" for k, v in e.overrides.items()))


@app.command()
def run(
    groups: Annotated[str, typer.Option(help="Comma-separated, in this order.")] = "main,full,ablation,ksweep",
    seeds: Annotated[str, typer.Option()] = "0,1,2",
    budgets: Annotated[str, typer.Option()] = "0.008,0.04,0.08",
    profile: Annotated[str, typer.Option(callback=check_profile, help="cpu | gpu (the -S values every run shares).")] = "cpu",
    queue: Annotated[
        bool, typer.Option(help="dvc exp run --queue, then dvc queue start (else one workspace run at a time).")
    ] = True,
    jobs: Annotated[int, typer.Option(min=0, help="dvc queue start --jobs (0: the profile's, cpu 2, gpu 1).")] = 0,
    limit: Annotated[int, typer.Option(min=0, help="Run at most N new experiments (0: all).")] = 0,
    start: Annotated[
        bool, typer.Option(help="With --queue: start the queue's workers and wait (--no-start: only queue).")
    ] = True,
    from_scratch: Annotated[
        bool, typer.Option(help="Re-run experiments already in results/d2c_grid.csv (the committed record).")
    ] = False,
    record: Annotated[Path, typer.Option(help="The record of finished runs.")] = REPO / "results" / RECORD,
) -> None:
    """Queue (or run) every experiment of the grid not yet finished, queued, or recorded."""
    exps = plan(groups.split(","), [int(s) for s in seeds.split(",")], [float(b) for b in budgets.split(",")], profile)
    # The queue first: a run that finishes while `dvc exp show` is read (minutes on a busy machine)
    # is then still seen, as queued or as finished, and not queued a second time.
    waiting = queued_names()
    done = {r["name"] for r in exp_rows()} | waiting
    if not from_scratch:
        done |= recorded_names(read_record(record), profile)
    todo = [e for e in exps if e.name not in done][: limit or None]
    print(f"{len(exps)} experiments, {sum(e.name in done for e in exps)} done, recorded or queued; running {len(todo)}")
    for e in todo:
        sets = [a for k, v in e.params().items() for a in ("-S", f"{k}={v}")]
        if queue:
            _run(DVC, "exp", "run", "--queue", "-n", e.name, *sets, "eval")
        else:
            t0 = time.perf_counter()
            _run(DVC, "exp", "run", "-n", e.name, *sets, "eval")
            print(f"{e.name}: {time.perf_counter() - t0:.0f} s", flush=True)
    if queue and start and (todo or queued_names()):
        _run(DVC, "queue", "start", "--jobs", str(jobs or JOBS[profile]))
        while True:  # wait for the queue to drain
            status = _run(DVC, "queue", "status", check=False).stdout
            if not any(w in status for w in ("Queued", "Running")):
                break
            time.sleep(30)
        print(status)
    if not queue:
        _run("git", "checkout", "--", "params.yaml")  # workspace runs leave the last -S values behind
        _run(DVC, "checkout", check=False)


def steps_to_reach(curve: list[tuple[int, float]], target: float) -> float | None:
    """First training step at which a FID curve reaches `target` (linear between evaluated steps)."""
    prev = None
    for step, fid in curve:
        if fid <= target:
            if prev is None or prev[1] == fid:
                return float(step)
            (s0, f0) = prev
            return s0 + (f0 - target) / (f0 - fid) * (step - s0)
        prev = (step, fid)
    return None


def curve_of(row: dict) -> list[tuple[int, float]]:
    pts = sorted(
        (int(k.split(".")[-1]), v) for k, v in row.items() if k.startswith("eval:fid_at.") and isinstance(v, (int, float))
    )
    return [(s, float(f)) for s, f in pts]


def _mean_std(v: pd.Series) -> str:
    v = v.dropna()
    if v.empty:
        return "—"
    return f"{v.mean():.1f} ± {v.std(ddof=1):.1f} (n={len(v)})" if len(v) > 1 else f"{v.iloc[0]:.1f} (n=1)"


def _seeds(n: int) -> str:
    return f"{n} seed{'s' * (n != 1)}"


def headline(main: pd.DataFrame, steps: int) -> list[str]:
    """The issue's two questions, per budget, from the main group's rows (one row per method × seed):
    steps for `interval` to reach `random`'s final FID (per seed, as a ratio), and whether `interval`
    beats every baseline (by mean over the seeds both methods have, seed by seed, and with Welch's t-test)."""
    from scipy import stats

    lines: list[str] = []
    everywhere: list[bool] = []
    everywhere_sig: list[bool] = []
    for pc, g in main.groupby("per_class"):
        lines.append(f"- **{pc} per class**")
        ratios, never = [], 0
        for seed, gs in g.groupby("seed"):
            iv, rd = gs[gs.method == "interval"], gs[gs.method == "random"]
            if iv.empty or rd.empty:
                continue
            target = float(rd.fid.iloc[0])
            reach = steps_to_reach([tuple(x) for x in json.loads(iv.curve.iloc[0])], target)
            if reach is None:
                never += 1
                lines.append(f"  - seed {seed}: random ends at FID {target:.1f}; interval never reaches it within {steps} steps")
            else:
                ratios.append(steps / reach)
                lines.append(
                    f"  - seed {seed}: random ends at FID {target:.1f}; interval reaches it at {reach:.0f} steps → "
                    f"{steps / reach:.2f}×"
                )
        if ratios or never:
            r = pd.Series(ratios, dtype=float)
            spread = f" ± {r.std(ddof=1):.2f}" if len(r) > 1 else ""
            tail = f"; never reached in {never} of {_seeds(len(ratios) + never)}" if never else ""
            lines.append(
                f"  - speed-up over random: {r.mean():.2f}×{spread} over {_seeds(len(r))}{tail}"
                if len(r)
                else f"  - speed-up over random: none (never reached in {_seeds(never)})"
            )
        iv = g[g.method == "interval"].set_index("seed").fid.dropna()
        others = [m for m in METHODS if m != "interval" and g[g.method == m].fid.notna().any()]
        if iv.empty or not others:
            continue
        beats_all = significant = True
        for m in others:
            o = g[g.method == m].set_index("seed").fid.dropna()
            # Compared over the seeds both have: a mean over seeds 0-2 against one over seed 0 alone
            # would mix training noise into the comparison.
            paired = iv.index.intersection(o.index)
            if paired.empty:
                beats_all = significant = False
                continue
            a, b = iv[paired], o[paired]
            wins = int((a < b).sum())
            better = a.mean() < b.mean()
            beats_all &= better
            test, p = "", 1.0
            if len(paired) > 1:
                p = stats.ttest_ind(a, b, equal_var=False).pvalue
                test = f", Welch p = {p:.2f}"
            significant &= bool(better and p < ALPHA)
            shared = ", ".join(str(x) for x in paired)
            over = "" if len(paired) == len(iv) else f" (over seed{'s' * (len(paired) > 1)} {shared}, which both have)"
            lines.append(
                f"  - interval {a.mean():.1f} vs {m} {b.mean():.1f}{over}: {'lower' if better else 'not lower'} by mean, "
                f"lower in {wins} of {_seeds(len(paired))}{test}"
            )
        complete = len(others) == len(METHODS) - 1
        everywhere.append(beats_all and complete)
        everywhere_sig.append(significant and complete)
        lines.append(
            f"  - interval beats every baseline here (by mean): {'yes' if everywhere[-1] else 'no'}; "
            f"significantly (Welch p < {ALPHA}): {'yes' if everywhere_sig[-1] else 'no'}"
        )
    if everywhere:
        lines.append("")
        lines.append(
            f"**interval beats every baseline at every budget measured: {'yes' if all(everywhere) else 'no'} by mean; "
            f"{'yes' if all(everywhere_sig) else 'no'} at Welch p < {ALPHA}**"
        )
    return lines


def tables(df: pd.DataFrame, profile: str) -> list[str]:
    """Markdown of the record's rows of one profile: main table, headline, full, ablation, k sweep."""
    prof = PROFILES[profile]
    steps = prof["train.steps"]
    md = [
        f"# D2C grid, profile `{profile}` (Fashion-MNIST, {prof.get('train.model', 'DiT-T/4')}, {steps} steps of "
        f"{prof.get('train.batch_size', 64)}, FID on {prof['eval.n_samples']} samples vs 2,000 test images, "
        f"DDIM {prof['eval.steps']} steps, cfg 1.5)",
        "",
        "Machines: " + "; ".join(f"{m} ({n} runs)" for m, n in df.machine.fillna("unrecorded").value_counts().items()),
        "",
    ]
    main = df[df.group == "main"]
    if len(main):
        md += [
            "## Main comparison: final FID (mean ± std over seeds, n = seeds)",
            "",
            "| per class | " + " | ".join(METHODS) + " |",
            "|---|" + "---|" * len(METHODS),
        ]
        for pc, g in main.groupby("per_class"):
            md.append(f"| {pc} | " + " | ".join(_mean_std(g[g.method == m].fid) for m in METHODS) + " |")
        md += ["", "### FID at each evaluated step (mean over seeds)", ""]
        curves = []
        for _, r in main.iterrows():
            for s, f in json.loads(r.curve):
                curves.append({"per_class": r.per_class, "method": r.method, "step": s, "fid": f})
        if curves:
            c = pd.DataFrame(curves).groupby(["per_class", "method", "step"]).fid.mean().unstack("step")
            md += [c.reset_index().to_markdown(index=False, floatfmt=".1f")]
        sel = main.dropna(subset=["score_median"]) if "score_median" in main else main.iloc[:0]
        if len(sel):
            md += ["", "### What each method selects: diffusion difficulty of the subset (scorer loss; q10 / median / q90)", ""]
            s = sel.groupby(["per_class", "method"])[["k_used", "score_q10", "score_median", "score_q90", "score_median_corpus"]]
            t = s.first().reset_index()
            t["k_used"] = t["k_used"].map(lambda v: "—" if pd.isna(v) else str(int(v)))
            md += [t.to_markdown(index=False, floatfmt=".4f")]
        md += ["", "## Headline: steps for `interval` to reach `random`'s final FID; does `interval` beat every baseline?", ""]
        md += headline(main, steps)
    for group, title, cols in (
        ("full", "Full data (60,000 images, no REPA) at the same steps", ["name", "fid", "sfid", "precision", "recall"]),
        (
            "ablation",
            "Attach ablation at 0.8% interval (both = main-interval-b48-s0)",
            ["name", "conditioning", "proj_coeff", "fid", "sfid", "precision", "recall"],
        ),
        ("ksweep", "Interval-k sweep at 0.8% (k = 50 is main-interval-b48-s0)", ["name", "k", "fid", "sfid"]),
    ):
        g = df[df.group == group]
        if group == "ksweep" and len(g):
            g = pd.concat([g, main[(main.method == "interval") & (main.per_class == 48) & (main.seed == 0)]])
            g = g.sort_values("k")
        if len(g):
            md += ["", f"## {title}", "", g[cols].to_markdown(index=False, floatfmt=".2f")]
    return md


def figure(df: pd.DataFrame, path: Path, profile: str) -> None:
    """One panel per budget (mean FID-vs-steps per method, min–max band over seeds, full data dashed),
    and the k sweep (final FID vs k at 0.8%)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main, full = df[df.group == "main"], df[df.group == "full"]
    budgets = sorted(main.per_class.unique())
    ks = df[(df.group == "ksweep") | ((df.group == "main") & (df.method == "interval") & (df.per_class == 48) & (df.seed == 0))]
    n = len(budgets) + (1 if len(ks) > 1 else 0)
    fig, axes = plt.subplots(1, max(n, 1), figsize=(4.2 * max(n, 1), 4), squeeze=False)
    colours = dict(zip(METHODS, ("tab:red", "tab:blue", "tab:green", "tab:orange"), strict=True))
    for ax, pc in zip(axes[0], budgets, strict=False):  # the last panel may be the k sweep
        g = main[main.per_class == pc]
        for m in METHODS:
            runs = [dict(json.loads(c)) for c in g[g.method == m].curve]
            if not runs:
                continue
            steps = sorted(set().union(*runs))
            vals = pd.DataFrame([[r.get(s, math.nan) for s in steps] for r in runs], columns=steps)
            ax.plot(steps, vals.mean(), marker="o", color=colours[m], label=f"{m} (n={len(runs)})")
            if len(runs) > 1:
                ax.fill_between(steps, vals.min(), vals.max(), color=colours[m], alpha=0.15)
        for _, r in full.iterrows():
            c = json.loads(r.curve)
            ax.plot([s for s, _ in c], [f for _, f in c], "k--", label="full data, no REPA")
        ax.set_title(f"{pc} per class ({pc * N_CLASSES / CORPUS_SIZE:.1%})")
        ax.set_xlabel("training step")
        ax.set_ylabel("FID (lower is better)")
        ax.legend(fontsize=7)
    if len(ks) > 1:
        ax = axes[0][len(budgets)]
        ks = ks.sort_values("k")
        ax.plot(ks.k, ks.fid, marker="o", color=colours["interval"])
        # The yardstick for a one-seed sweep: k = 50's spread over the main comparison's seeds.
        k50 = df[(df.group == "main") & (df.method == "interval") & (df.per_class == 48)].fid.dropna()
        if len(k50) > 1:
            ax.axhspan(k50.min(), k50.max(), color=colours["interval"], alpha=0.12, label=f"k = 50 over {len(k50)} seeds")
            ax.legend(fontsize=7)
        ax.set_xscale("log")
        ax.set_title("interval k sweep at 48 per class (seed 0)")
        ax.set_xlabel("k")
        ax.set_ylabel("final FID")
    fig.suptitle(f"D2C in miniature, profile {profile}: FID vs steps on Fashion-MNIST (band: min–max over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


@app.command()
def collect(
    out: Annotated[Path, typer.Option()] = REPO / "results",
    profile: Annotated[str, typer.Option(callback=check_profile)] = "cpu",
) -> None:
    """Merge `dvc exp show --json` into results/d2c_grid.csv, then tables, headline and figure from it."""
    known = {
        e.name: e for p in PROFILES for e in plan(["main", "full", "ablation", "ksweep"], list(range(10)), [0.008, 0.04, 0.08], p)
    }
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    shown = sorted((r for r in exp_rows() if r["name"] in known), key=lambda r: str(r.get("timestamp") or ""))
    latest = {r["name"]: r for r in shown}  # a name run twice (another commit): its newest run
    machines = {p: machine_label(p) for p in {known[n].profile for n in latest}}  # once per profile, not per row
    new = pd.DataFrame([row_of(known[n], r, machines[known[n].profile], today) for n, r in latest.items()])
    out.mkdir(parents=True, exist_ok=True)
    record = merge_record(read_record(out / RECORD), new)
    if record.empty:
        raise SystemExit("no grid experiments in `dvc exp show` or the record yet (run `python benchmarks/d2c_grid.py run`)")
    record = record.sort_values(["profile", "group", "per_class", "method", "k", "seed", "name"]).reset_index(drop=True)
    if any(math.isnan(x) for x in record.fid.dropna()):
        raise SystemExit("NaN FID in the grid")
    record.to_csv(out / RECORD, index=False)
    df = record[record.profile == profile]
    if df.empty:
        raise SystemExit(f"no runs of profile {profile!r} recorded yet")
    suffix = "" if profile == "cpu" else f"_{profile}"
    (out / f"d2c_grid{suffix}.md").write_text("\n".join(tables(df, profile)) + "\n")
    figure(df, out / f"d2c_fid_vs_steps{suffix}.png", profile)
    print(f"{len(new)} experiments from dvc exp show; {len(record)} rows recorded")
    print((out / f"d2c_grid{suffix}.md").read_text())


if __name__ == "__main__":
    app()
