"""`eval` stage: sample from the student and measure FID, precision and recall against the reference.

    python stages/eval.py --student models/student --ref data/eval/ref.npz [--n-samples 500] [--sampler ddim] [--steps 50] [--cfg 1.5]

FID and sFID (Inception pool / mixed_6 spatial features), precision and recall (k-NN manifolds);
IS is reported as unavailable (the shipped Inception has no softmax weights).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from diffcurate.d2c.fid import sample_quality
from diffcurate.d2c.checkpoints import list_snapshots, load_student, set_threads
from diffcurate.d2c.sampling import Sampler, generate, grid_image
from diffcurate.d2c.student import Objective
from diffcurate.d2c.training import Device
from diffcurate.schemas import Bool

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)


@app.command()
def main(
    student: Annotated[Path, typer.Option(exists=True, file_okay=False)] = Path("models/student"),
    ref: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path("data/eval/ref.npz"),
    n_samples: Annotated[int, typer.Option(min=10, help="Samples, balanced over classes.")] = 500,
    sampler: Annotated[Sampler, typer.Option(help="ddim for eps-models; euler / heun for SiT.")] = Sampler.DDIM,
    steps: Annotated[int, typer.Option(min=1)] = 50,
    cfg: Annotated[float, typer.Option(min=0.0, help="Classifier-free guidance scale (1: none).")] = 1.5,
    batch_size: Annotated[int, typer.Option(min=1)] = 250,
    k: Annotated[int, typer.Option(min=1, help="k of the k-NN manifolds of precision / recall.")] = 3,
    seed: Annotated[int, typer.Option()] = 0,
    curve: Annotated[Bool, typer.Option(case_sensitive=False, help="Also evaluate the EMA snapshots train saved (FID vs steps).")] = Bool.TRUE,
    device: Annotated[Device, typer.Option(help="Where to sample: cpu or cuda.")] = Device.CPU,
    threads: Annotated[int, typer.Option(min=0)] = 0,
    metrics: Annotated[Path, typer.Option()] = Path("metrics/eval.json"),
    plots: Annotated[Path, typer.Option()] = Path("plots/eval"),
) -> None:
    """Sample and measure."""
    set_threads(threads)
    t0 = time.perf_counter()
    model, conf = load_student(student)
    objective = Objective(conf["objective"])
    if (objective is Objective.EPS) != (sampler is Sampler.DDIM):
        console.print(f"[bold red]error:[/bold red] sampler {sampler.value} does not fit a {objective.value} model (eps: ddim; sit: euler or heun)")
        raise typer.Exit(1)
    r = dict(np.load(ref))
    missing = {"mu", "sigma", "features", "spatial_mu", "spatial_sigma"} - set(r)
    if missing:
        console.print(f"[bold red]error:[/bold red] {ref}: no {sorted(missing)} (written by an older refstats; re-run it)")
        raise typer.Exit(1)
    # The EMA snapshots the run saved (FID-vs-steps), then the final EMA weights.
    train_steps = conf["params"].get("steps")
    points = {**(list_snapshots(student) if curve is Bool.TRUE else {}), train_steps: None}
    curve_rows, t_sample = [], 0.0
    for at, weights in points.items():
        net = (model if weights is None else load_student(student, weights=weights)[0]).to(device.value)
        ts = time.perf_counter()
        x = generate(net, n_samples, sampler, steps, cfg, seed, batch_size)
        t_sample += time.perf_counter() - ts
        curve_rows.append({"train_step": at, **sample_quality(x, r, k)})
        console.print(f"eval @ {at} steps: FID {curve_rows[-1]['fid']}, sFID {curve_rows[-1]['sfid']}")
    final = {k_: v for k_, v in curve_rows[-1].items() if k_ != "train_step"}
    m = {**final, "k": k, "n_samples": n_samples, "n_ref": int(len(r["features"])), "sampler": sampler.value, "steps": steps, "cfg": cfg,
         "seed": seed, "objective": objective.value, "conditioning": conf["conditioning"], "train_steps": train_steps,
         "subset": conf["params"].get("subset"), "n_train": conf["params"].get("n_train"),
         "curve": [{k_: v for k_, v in row.items() if k_ != "inception_score"} for row in curve_rows],
         "fid_at": {str(row["train_step"]): row["fid"] for row in curve_rows},  # flat for `dvc exp show` / `dvc metrics diff`
         "seconds": {"sampling": round(t_sample, 2), "total": round(time.perf_counter() - t0, 2)}}
    metrics.parent.mkdir(parents=True, exist_ok=True)
    metrics.write_text(json.dumps(m, indent=2) + "\n")
    plots.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(m["curve"]).to_csv(plots / "fid_vs_steps.csv", index=False)
    grid_image(x[: min(len(x), 10 * model.cfg.num_classes)], model.cfg.num_classes).save(plots / "samples.png")
    console.print(f"eval: FID {m['fid']}, sFID {m['sfid']}, precision {m['precision']}, recall {m['recall']} ({n_samples} samples, {sampler.value} {steps} steps, cfg {cfg})")


if __name__ == "__main__":
    app()
