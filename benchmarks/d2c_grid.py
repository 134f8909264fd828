"""Reproduce D2C's claims in miniature (issue 8): a DVC experiment grid over the D2C stages.

    python benchmarks/d2c_grid.py plan    [--groups main,full,ablation,ksweep] [--seeds 0,1,2] [--budgets 0.008,0.04,0.08]
    python benchmarks/d2c_grid.py run     [same options] [--queue/--no-queue] [--jobs 1] [--limit N]
    python benchmarks/d2c_grid.py collect [--out results]

Each experiment is `dvc exp run [--queue] -n NAME -S key=value … eval`: only the D2C branch
(select → attach → train → eval) runs; encode / pretrain / score / features / refstats are shared
and come from the DVC cache. Every experiment sets every key the grid varies, so none inherits
another's values. Names already in `dvc exp show` are skipped: an interrupted grid resumes.
`collect` reads `dvc exp show --json` and writes `results/d2c_grid.csv`, `results/d2c_grid.md`
(tables, headline) and `results/d2c_fid_vs_steps.png`. `make grid` runs all three.

Groups:
- main: budgets × methods (interval, random, herding, kcenter) × seeds (select and train seed);
- full: the full corpus (60,000 images) at the same steps — without REPA (attaching visual
  tokens to 60K images does not fit a CPU run), so compare it with ablation `text` (same
  conditioning, no visual alignment) at 0.8%;
- ablation (paper Table 4) at 0.8% interval: none (class only, no REPA), text (class + text,
  no REPA), visual (class + REPA), both (class + text + REPA = main);
- ksweep (paper Fig. 6) at 0.8%: interval k in 1, 10, 25, 50, 100, 125.
"""

from __future__ import annotations

import json
import math
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

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@dataclass
class Exp:
    group: str
    name: str
    overrides: dict = field(default_factory=dict)

    def params(self) -> dict:
        return {**DEFAULTS, **COMMON, **self.overrides}


def per_class(budget: float) -> int:
    return round(budget * CORPUS_SIZE / N_CLASSES) if budget < 1 else int(budget) // N_CLASSES


def plan(groups: list[str], seeds: list[int], budgets: list[float]) -> list[Exp]:
    out: list[Exp] = []
    for g in groups:
        if g == "main":
            for b in budgets:
                for seed in seeds:
                    for m in METHODS:
                        out.append(
                            Exp(
                                g,
                                f"main-{m}-b{per_class(b)}-s{seed}",
                                {"select.method": m, "select.budget": b, "select.seed": seed, "train.seed": seed},
                            )
                        )
        elif g == "full":
            for seed in seeds[:1]:
                out.append(
                    Exp(
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
                )
        elif g == "ablation":
            for a, (cond, proj, enc) in ABLATION.items():
                if a != "both":  # `both` is main-interval-b48-s0
                    out.append(
                        Exp(
                            g,
                            f"ablation-{a}-s0",
                            {"train.conditioning": cond, "train.proj_coeff": proj, "attach.visual_encoder": enc},
                        )
                    )
        elif g == "ksweep":
            for k in K_SWEEP:
                if k != DEFAULTS["select.interval"]:  # k = 50 is main-interval-b48-s0
                    out.append(Exp(g, f"ksweep-k{k}-s0", {"select.interval": k}))
        else:
            raise typer.BadParameter(f"unknown group {g!r}; expected main, full, ablation, ksweep")
    return out


def _run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(args, cwd=REPO, capture_output=True, text=True)
    if check and res.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} … failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return res


def exp_rows() -> list[dict]:
    """Every named experiment of `dvc exp show --json`: name plus flattened params and metrics."""
    shown = json.loads(_run(DVC, "exp", "show", "--json", "--all-commits").stdout or "[]")
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
                row = {"name": node["name"], "rev": data.get("rev")}
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


@app.command("plan")
def plan_cmd(
    groups: Annotated[str, typer.Option()] = "main,full,ablation,ksweep",
    seeds: Annotated[str, typer.Option()] = "0,1,2",
    budgets: Annotated[str, typer.Option()] = "0.008,0.04,0.08",
) -> None:
    """Print the experiments and their -S overrides."""
    for e in plan(groups.split(","), [int(s) for s in seeds.split(",")], [float(b) for b in budgets.split(",")]):
        print(e.group, e.name, " ".join(f"{k}={v}" for k, v in e.overrides.items()))


@app.command()
def run(
    groups: Annotated[str, typer.Option(help="Comma-separated, in this order.")] = "main,full,ablation,ksweep",
    seeds: Annotated[str, typer.Option()] = "0,1,2",
    budgets: Annotated[str, typer.Option()] = "0.008,0.04,0.08",
    queue: Annotated[
        bool, typer.Option(help="dvc exp run --queue, then dvc queue start (else one workspace run at a time).")
    ] = True,
    jobs: Annotated[int, typer.Option(min=1, help="dvc queue start --jobs.")] = 2,
    limit: Annotated[int, typer.Option(min=0, help="Run at most N new experiments (0: all).")] = 0,
    start: Annotated[
        bool, typer.Option(help="With --queue: start the queue's workers and wait (--no-start: only queue).")
    ] = True,
) -> None:
    """Queue (or run) every experiment of the grid not yet in `dvc exp show`."""
    exps = plan(groups.split(","), [int(s) for s in seeds.split(",")], [float(b) for b in budgets.split(",")])
    done = {r["name"] for r in exp_rows()} | queued_names()
    todo = [e for e in exps if e.name not in done][: limit or None]
    print(f"{len(exps)} experiments, {len(exps) - len([e for e in exps if e.name not in done])} done, running {len(todo)}")
    for e in todo:
        sets = [a for k, v in e.params().items() for a in ("-S", f"{k}={v}")]
        if queue:
            _run(DVC, "exp", "run", "--queue", "-n", e.name, *sets, "eval")
        else:
            t0 = time.perf_counter()
            _run(DVC, "exp", "run", "-n", e.name, *sets, "eval")
            print(f"{e.name}: {time.perf_counter() - t0:.0f} s", flush=True)
    if queue and start and (todo or queued_names()):
        _run(DVC, "queue", "start", "--jobs", str(jobs))
        while True:  # wait for the queue to drain
            status = _run(DVC, "queue", "status", check=False).stdout
            if not any(w in status for w in ("Queued", "Running")):
                break
            time.sleep(30)
        print(status)
    if not queue:
        _run("git", "checkout", "--", "params.yaml")  # workspace runs leave the last -S values behind
        _run(DVC, "checkout", check=False)


def queued_names() -> set[str]:
    """Experiments waiting or running in the DVC queue (not to be queued twice)."""
    out = _run(DVC, "queue", "status", check=False).stdout
    return {
        parts[1]
        for parts in (line.split() for line in out.splitlines())
        if len(parts) >= 4 and parts[-1] in ("Queued", "Running")
    }


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


@app.command()
def collect(out: Annotated[Path, typer.Option()] = REPO / "results") -> None:
    """Tables, headline and figure from `dvc exp show --json`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    known = {e.name: e for e in plan(["main", "full", "ablation", "ksweep"], list(range(10)), [0.008, 0.04, 0.08])}
    rows = [r for r in exp_rows() if r["name"] in known]
    if not rows:
        raise SystemExit("no grid experiments in `dvc exp show` yet (run `python benchmarks/d2c_grid.py run`)")
    table = []
    for r in rows:
        e = known[r["name"]]
        p = e.params()
        table.append(
            {
                "name": r["name"],
                "group": e.group,
                "method": p["select.method"],
                "per_class": per_class(p["select.budget"]),
                "k": p["select.interval"],
                "seed": p["train.seed"],
                "conditioning": p["train.conditioning"],
                "proj_coeff": p["train.proj_coeff"],
                "fid": r.get("eval:fid"),
                "sfid": r.get("eval:sfid"),
                "precision": r.get("eval:precision"),
                "recall": r.get("eval:recall"),
                "steps_per_s": r.get("train:steps_per_s"),
                "curve": json.dumps(curve_of(r)),
            }
        )
    df = pd.DataFrame(table).sort_values(["group", "per_class", "method", "k", "seed", "name"])
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "d2c_grid.csv", index=False)
    md = [
        f"# D2C grid (Fashion-MNIST, DiT-T/4, {COMMON['train.steps']} steps of 64, FID on {COMMON['eval.n_samples']} samples "
        f"vs 2,000 test images, DDIM {COMMON['eval.steps']} steps, cfg 1.5; CPU, 2 cores)",
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
            cells = []
            for m in METHODS:
                v = g[g.method == m].fid.dropna()
                if v.empty:
                    cells.append("—")
                else:
                    cells.append(f"{v.mean():.1f} ± {v.std(ddof=1):.1f} (n={len(v)})" if len(v) > 1 else f"{v.iloc[0]:.1f} (n=1)")
            md.append(f"| {pc} | " + " | ".join(cells) + " |")
        md += ["", "## Headline: steps for `interval` to reach `random`'s final FID", ""]
        for pc, g in main.groupby("per_class"):
            for seed, gs in g.groupby("seed"):
                iv, rd = gs[gs.method == "interval"], gs[gs.method == "random"]
                if iv.empty or rd.empty:
                    continue
                target = float(rd.fid.iloc[0])
                reach = steps_to_reach(json.loads(iv.curve.iloc[0]), target)
                steps = COMMON["train.steps"]
                verdict = "never within the run" if reach is None else f"{reach:.0f} steps → {steps / reach:.2f}× faster"
                md.append(f"- {pc}/class, seed {seed}: random ends at FID {target:.1f}; interval reaches it: {verdict}")
                others = {m: float(gs[gs.method == m].fid.iloc[0]) for m in METHODS if not gs[gs.method == m].empty}
                best = min(others, key=others.get)
                beats = "beats" if best == "interval" else "does not beat"
                measured = ", ".join(others)
                md.append(f"  - best final FID of {measured}: {best} ({others[best]:.1f}); interval {beats} the others measured")
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
        if len(g):
            md += ["", f"## {title}", "", g[cols].to_markdown(index=False, floatfmt=".2f")]
    (out / "d2c_grid.md").write_text("\n".join(md) + "\n")
    # FID vs steps, one line per experiment of the main group (and the full-data baseline).
    fig, ax = plt.subplots(figsize=(8, 5))
    for _, r in df[df.group.isin(["main", "full"])].iterrows():
        c = json.loads(r.curve)
        if c:
            ax.plot(
                [s for s, _ in c], [f for _, f in c], marker="o", label=r["name"], linestyle="--" if r.group == "full" else "-"
            )
    ax.set_xlabel("training step")
    ax.set_ylabel("FID (lower is better)")
    ax.set_title("D2C in miniature: FID vs steps (Fashion-MNIST, CPU)")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(out / "d2c_fid_vs_steps.png", dpi=120)
    print((out / "d2c_grid.md").read_text())
    if any(math.isnan(x) for x in df.fid.dropna()):
        raise SystemExit("NaN FID in the grid")


if __name__ == "__main__":
    app()
