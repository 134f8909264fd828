"""Does the offline scorer's ranking settle with more training? (issue 18: "train the scorer longer, and measure")

Trains the pipeline's scorer (a class-conditional DiT-T/4 on the whole corpus, the `pretrain`
stage's settings) and, at each of `--at` steps (one run, resumed exactly from step to step), measures:

- the held-out denoising loss: the score of `--n-test` test images (lower: a better ε-model);
- the scores of `--rows` random training rows with `--n-draws` draws of seeds 0 and 1;

then the Spearman correlation within each class (what `select` ranks), averaged over classes,
between the scores of consecutive checkpoints (does the ranking still move?) and between the two
draw seeds at each checkpoint (how much is draw noise?).

    python benchmarks/bench_scorer.py [--at 1500,3000,4500] [--rows 6000]
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import torch
import typer

from diffcurate.d2c.corpus import CorpusKind, load_corpus
from diffcurate.d2c.dit import DiT, DiTConfig
from diffcurate.d2c.encode import corpus_pixels, load_encoded
from diffcurate.d2c.runtime import set_threads
from diffcurate.d2c.score import draw_pairs, score_batch, spearman, stability_rows
from diffcurate.d2c.training import TrainConfig, train
from diffcurate.io import atomic_outputs
from diffcurate.params import load_params

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
BATCH = 500


def scores(model: DiT, x: torch.Tensor, y: torch.Tensor, n_draws: int, seed: int) -> np.ndarray:
    t_k, eps_k = draw_pairs(n_draws, tuple(x.shape[1:]), seed)
    return torch.cat(
        [score_batch(model.eps, x[lo : lo + BATCH], y[lo : lo + BATCH], t_k, eps_k) for lo in range(0, len(x), BATCH)]
    ).numpy()


def within_class(a: np.ndarray, b: np.ndarray, labels: np.ndarray) -> float:
    return round(float(np.mean([spearman(a[labels == c], b[labels == c]) for c in np.unique(labels)])), 4)


@app.command()
def main(
    at: Annotated[str, typer.Option(help="Comma-separated step counts to measure at.")] = "1500,3000,4500",
    rows: Annotated[int, typer.Option(help="Random training rows scored at each step count.")] = 6000,
    n_test: Annotated[int, typer.Option(help="Test images for the held-out loss.")] = 2000,
    n_draws: Annotated[int, typer.Option()] = 16,
    threads: Annotated[int, typer.Option()] = 2,
    encoded: Annotated[Path, typer.Option()] = Path("data/encoded"),
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/scorer.json"),
) -> None:
    set_threads(threads)
    p = load_params(Path("params.yaml"))["pretrain"]
    data = load_encoded(encoded)
    test = load_corpus(CorpusKind.FASHION_MNIST, split="test", limit=n_test)
    xt, yt = corpus_pixels(test), torch.from_numpy(np.asarray(test.labels))
    unflipped = data.unflipped()
    pick = stability_rows(len(unflipped.x), rows, 0)
    xs, ys = unflipped.x[pick], unflipped.labels[pick]
    steps = [int(s) for s in at.split(",")]
    results, previous = [], None
    with tempfile.TemporaryDirectory() as work:
        for n in steps:
            torch.manual_seed(p["seed"])
            model = DiT(DiTConfig.for_data(p["model"], data.meta["shape"], len(data.meta["class_names"])))
            cfg = TrainConfig(
                steps=n,
                batch_size=p["batch_size"],
                lr=p["lr"],
                ema_decay=p["ema_decay"],
                cfg_dropout=p["cfg_dropout"],
                seed=p["seed"],
            )
            t0 = time.perf_counter()
            _, ema, history = train(model, data.x, data.labels, cfg, Path(work))  # resumes the previous step count exactly
            ema.eval()
            a, b = scores(ema, xs, ys, n_draws, 0), scores(ema, xs, ys, n_draws, 1)
            row = {
                "steps": n,
                "train_s_this_leg": round(time.perf_counter() - t0, 1),
                "loss_last": history[-1]["loss"],
                "heldout_loss": round(float(scores(ema, xt, yt, n_draws, 0).mean()), 6),
                "spearman_seeds_within_class": within_class(a, b, ys.numpy()),
            }
            if previous is not None:
                row["spearman_vs_previous_within_class"] = within_class(previous, a, ys.numpy())
            previous = a
            results.append(row)
            print(json.dumps(row), flush=True)
    with atomic_outputs() as w:
        w.json({"rows": rows, "n_test": n_test, "n_draws": n_draws, "results": results}, out)
    print(pd.DataFrame(results).to_string(index=False))


if __name__ == "__main__":
    app()
