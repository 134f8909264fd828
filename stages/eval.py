"""`eval` stage: sample from the student and measure it against the reference, beside what real data scores.

    python stages/eval.py --student models/student --ref data/eval/ref.npz --probe models/probe [--n-samples 500]

FID and sFID (Inception pool / mixed_6 spatial features), precision and recall (k-NN manifolds);
IS is reported as unavailable (the shipped Inception has no softmax weights). The probe (a small
corpus classifier) gives FD / KID and the share of samples classified as their conditioning class;
artefact diagnostics give the exact-black background share and the patch-seam ratio. Every measure
is also taken on N real training images (`*_floor`): a FID is read against that floor. Options
default to the `eval` section of params.yaml (`--kind`, `--root`: `corpus`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.checkpoints import list_snapshots, load_student
from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.evaluation import curve_metrics, image_metrics, real_sample, with_floor
from diffcurate.d2c.fid import UNAVAILABLE, load_reference
from diffcurate.d2c.probe import load_probe, load_reference_features
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.sampling import Sampler, generate, grid_image
from diffcurate.d2c.training import Device
from diffcurate.d2c.transport import Objective, check_sampler, samplers_text
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults
from diffcurate.schemas import Bool

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("eval", __file__)
C = stage_defaults("corpus", __file__)
GRID_ROWS = 10  # samples.png: this many rows of one sample per class


@app.command()
def main(
    student: Annotated[Path, typer.Option(exists=True, file_okay=False, help="The trained student (train's output).")] = Path(
        "models/student"
    ),
    ref: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Reference statistics (refstats' output).")] = Path(
        "data/eval/ref.npz"
    ),
    probe: Annotated[Path, typer.Option(help="The probe classifier (probe's output): FD / KID / class consistency.")] = Path(
        "models/probe"
    ),
    kind: Annotated[CorpusKind, typer.Option(help="The corpus the floor's real training images come from.")] = C(
        "kind", CorpusKind
    ),
    root: Annotated[str, typer.Option(help="Corpus folder; empty: the corpus' default.")] = C("root"),
    n_samples: Annotated[int, typer.Option(min=10, help="Samples, balanced over classes (and real images for the floor).")] = P(
        "n_samples"
    ),
    sampler: Annotated[Sampler, typer.Option(help=f"The ODE / DDIM sampler ({samplers_text()}).")] = P("sampler", Sampler),
    steps: Annotated[int, typer.Option(min=1, help="Sampling steps.")] = P("steps"),
    cfg: Annotated[float, typer.Option(min=0.0, help="Classifier-free guidance scale (1: none).")] = P("cfg"),
    batch_size: Annotated[
        int, typer.Option(min=1, help="Samples per batch (each batch's noise comes from seed + its first row).")
    ] = P("batch_size"),
    k: Annotated[int, typer.Option(min=1, help="k of the k-NN manifolds of precision / recall.")] = P("k"),
    seed: Annotated[int, typer.Option(help="Seed of the sampling noise.")] = P("seed"),
    # params.yaml holds a YAML boolean; DVC passes it as true / false.
    curve: Annotated[
        Bool, typer.Option(case_sensitive=False, help="Also evaluate the EMA snapshots train saved (FID vs steps).")
    ] = P("curve"),
    device: Annotated[Device, typer.Option(help="Where to sample: cpu or cuda.")] = P("device", Device),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (FID, sFID, precision, recall, FID vs steps).")] = Path(
        "metrics/eval.json"
    ),
    plots: Annotated[Path, typer.Option(help="Folder for fid_vs_steps.csv and samples.png.")] = Path("plots/eval"),
) -> None:
    """Sample and measure."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        model, conf = load_student(student)
        objective = Objective(conf["objective"])
        check_sampler(objective, sampler)
        r = load_reference(ref)
        probe_net, probe_ref = load_probe(probe), load_reference_features(probe)
        patch = model.cfg.patch
        labels = torch.arange(n_samples) % model.cfg.num_classes  # generate's classes, row for row
        # The EMA snapshots the run saved (FID-vs-steps), then the final EMA weights.
        train_steps = conf["params"].get("steps")
        points = {**(list_snapshots(student) if curve is Bool.TRUE else {}), train_steps: None}
        curve_rows, t_sample = [], 0.0
        with Progress(console=console, transient=True) as bar:
            overall = bar.add_task("eval", total=len(points))
            for at, weights in points.items():
                net = (model if weights is None else load_student(student, weights=weights)[0]).to(device.value)
                task = bar.add_task(f"sample @ {at} steps ({n_samples}, {sampler.value} {steps} steps)", total=None)
                ts = time.perf_counter()
                x = generate(net, n_samples, sampler, steps, cfg, seed, batch_size)
                t_sample += time.perf_counter() - ts
                if weights is None:  # the final weights: everything, Inception FID the headline
                    bar.update(task, description=f"Inception features @ {at} steps", total=len(x), completed=0)
                    quality = image_metrics(
                        x,
                        labels,
                        r,
                        k,
                        probe_net,
                        probe_ref,
                        patch,
                        seed,
                        progress=lambda done, task=task: bar.update(task, completed=done),
                    )
                else:  # a snapshot: the cheap curve (probe FD / KID, class consistency, artefacts)
                    quality = curve_metrics(x, labels, probe_net, probe_ref, patch, seed)
                curve_rows.append({"train_step": at, **quality})
                bar.remove_task(task)
                bar.advance(overall)
                console.print(f"eval @ {at} steps: FID {quality.get('fid', '(final only)')}, probe FD {quality['probe_fd']}")
            # The floor: the same measures on n_samples real training images.
            task = bar.add_task(f"floor: {n_samples} real training images", total=n_samples)
            real_x, real_y = real_sample(load_corpus(kind, root, split="train"), n_samples, seed)
            floor = image_metrics(
                real_x, real_y, r, k, probe_net, probe_ref, patch, seed, progress=lambda done: bar.update(task, completed=done)
            )
            bar.remove_task(task)
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    final = with_floor({k_: v for k_, v in curve_rows[-1].items() if k_ != "train_step"}, floor)
    m = {**final, "k": k, "n_samples": n_samples, "n_ref": int(len(r["features"])), "sampler": sampler.value, "steps": steps, "cfg": cfg,
         "seed": seed, "objective": objective.value, "conditioning": conf["conditioning"], "train_steps": train_steps,
         "subset": conf["params"].get("subset"), "n_train": conf["params"].get("n_train"),
         "curve": [{k_: v for k_, v in row.items() if k_ != "inception_score"} for row in curve_rows],
         "fid_at": {str(row["train_step"]): row["fid"] for row in curve_rows if "fid" in row},  # flat for `dvc exp show` / `dvc metrics diff`
         "probe_fd_at": {str(row["train_step"]): row["probe_fd"] for row in curve_rows},
         "floor": {"n": len(real_x), **{k_: v for k_, v in floor.items() if k_ not in UNAVAILABLE}},
         "seconds": {"sampling": round(t_sample, 2), "total": round(time.perf_counter() - t0, 2)}}  # fmt: skip
    classes = model.cfg.num_classes
    with atomic_outputs() as w:
        w.json(m, metrics)
        w.csv(pd.DataFrame(m["curve"]), plots / "fid_vs_steps.csv")
        grid_image(x[: min(len(x), GRID_ROWS * classes)], classes).save(w.path(plots / "samples.png"), format="PNG")
    console.print(
        f"eval: FID {m['fid']} (real-data floor {m['fid_floor']}: {m['fid_over_floor']}x), sFID {m['sfid']}, "
        f"precision {m['precision']}, recall {m['recall']}, probe FD {m['probe_fd']} (floor {m['probe_fd_floor']}), "
        f"class consistency {m['class_consistency']} ({n_samples} samples, {sampler.value} {steps} steps, cfg {cfg})"
    )


if __name__ == "__main__":
    app()
