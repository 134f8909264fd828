"""`probe` stage: a small classifier of the corpus, trained once: the cheap metric for FID-vs-steps curves.

    python stages/probe.py --out models/probe

Trains on the corpus' train split, measures accuracy on its test split and stores the test images'
probe features (the reference FD / KID are measured against). Options default to the `probe`
section of params.yaml (`--kind`, `--root`: `corpus`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import torch
import typer
from rich.console import Console
from rich.progress import Progress

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.encode import corpus_pixels
from diffcurate.d2c.probe import (
    REFERENCE,
    ProbeConfig,
    ProbeError,
    ProbeTrainConfig,
    accuracy,
    probe_outputs,
    save_probe,
    train_probe,
)
from diffcurate.d2c.runtime import set_threads
from diffcurate.errors import DiffcurateError
from diffcurate.io import atomic_outputs
from diffcurate.params import stage_defaults

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
console = Console(stderr=True)
P = stage_defaults("probe", __file__)
C = stage_defaults("corpus", __file__)
MIN_ACCURACY = 0.90  # below this the probe's features are not a metric to trust: the stage fails


@app.command()
def main(
    kind: Annotated[CorpusKind, typer.Option(help="The corpus (pixel corpora only).")] = C("kind", CorpusKind),
    root: Annotated[str, typer.Option(help="Corpus folder; empty: the corpus' default.")] = C("root"),
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the train split.")] = P("epochs"),
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step.")] = P("batch_size"),
    lr: Annotated[float, typer.Option(min=0.0, help="Adam learning rate.")] = P("lr"),
    seed: Annotated[int, typer.Option(help="Seed of the initialisation and the batch order.")] = P("seed"),
    threads: Annotated[int, typer.Option(min=0, help="torch CPU threads (0: torch's default).")] = P("threads"),
    out: Annotated[Path, typer.Option(help="Probe folder (config.json, probe.safetensors, reference.npz).")] = Path(
        "models/probe"
    ),
    metrics: Annotated[Path, typer.Option(help="Metrics JSON (test accuracy overall and per class, timings).")] = Path(
        "metrics/probe.json"
    ),
    plots: Annotated[Path, typer.Option(help="Folder for the per-epoch training curve (train.csv).")] = Path("plots/probe"),
) -> None:
    """Train the probe classifier and store the reference features."""
    set_threads(threads)
    t0 = time.perf_counter()
    try:
        if kind is not CorpusKind.FASHION_MNIST:
            raise ProbeError("the probe classifies pixel corpora (fashion-mnist); imagefolder runs use Inception features only")
        train = load_corpus(kind, root, split="train")
        test = load_corpus(kind, root, split="test")
        x_train, y_train = corpus_pixels(train), torch.as_tensor(np.asarray(train.labels), dtype=torch.int64)
        x_test, y_test = corpus_pixels(test), torch.as_tensor(np.asarray(test.labels), dtype=torch.int64)
        net_cfg = ProbeConfig(num_classes=len(train.class_names), in_channels=x_train.shape[1], input_size=x_train.shape[-1])
        train_cfg = ProbeTrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("probe: train", total=None)
            net, history = train_probe(
                x_train, y_train, train_cfg, net_cfg, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        t_train = time.perf_counter() - t0
        ref_features, test_pred = probe_outputs(net, x_test)  # one pass: the reference features and the accuracy
        test_acc, per_class = accuracy(test_pred, y_test)
        if test_acc < MIN_ACCURACY:
            raise ProbeError(f"probe test accuracy {test_acc} < {MIN_ACCURACY}: train longer (probe.epochs) or check the corpus")
    except DiffcurateError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from None
    names = train.class_names
    m = {
        "test_accuracy": test_acc,
        "test_accuracy_by_class": {names[c]: a for c, a in per_class.items()},
        "n_train": len(x_train),
        "n_test": len(x_test),
        "epochs": epochs,
        "parameters": sum(p.numel() for p in net.parameters()),
        "final_train_loss": history[-1]["loss"],
        "seconds": {"train": round(t_train, 2), "total": round(time.perf_counter() - t0, 2)},
    }
    with atomic_outputs() as w:
        save_probe(out, net, {"kind": kind.value, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed}, w)
        with open(w.path(out / REFERENCE), "wb") as fh:  # np.savez(path) would append ".npz" to the temporary name
            np.savez(fh, features=ref_features.astype(np.float32), labels=y_test.numpy())
        w.json(m, metrics)
        w.csv(pd.DataFrame(history), plots / "train.csv")
    console.print(f"probe: test accuracy {test_acc} after {epochs} epochs ({m['seconds']['train']} s)")


if __name__ == "__main__":
    app()
