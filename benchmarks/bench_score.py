"""Scoring throughput: samples/s and forward passes/s (samples × draws) of the difficulty scorer.

Runs `score_batch` of a randomly initialised scorer of the chosen size (the cost does not depend
on the weights) on random inputs shaped like the encoded corpus, on CPU and, when one is
available, on a GPU; extrapolates the full Fashion-MNIST score time (60,000 × n_draws).

    python benchmarks/bench_score.py [--model DiT-T/4] [--n-draws 4] [--batch-size 500] [--batches 6]
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Annotated

import torch
import typer

from diffcurate.d2c.dit import DiT, DiTConfig
from diffcurate.d2c.score import draw_pairs, score_batch

app = typer.Typer(add_completion=False)


@app.command()
def main(
    model: Annotated[str, typer.Option()] = "DiT-T/4",
    n_draws: Annotated[int, typer.Option()] = 4,
    batch_size: Annotated[int, typer.Option()] = 500,
    batches: Annotated[int, typer.Option()] = 6,
    corpus_size: Annotated[int, typer.Option()] = 60_000,
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/score.json"),
) -> None:
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    results = {}
    for device in devices:
        net = DiT(DiTConfig(name=model, input_size=32, in_channels=1, num_classes=10)).to(device).eval()
        x = torch.randn(batch_size, 1, 32, 32, device=device)
        y = torch.randint(0, 10, (batch_size,), device=device)
        t_k, eps_k = draw_pairs(n_draws, (1, 32, 32), 0)
        t_k, eps_k = t_k.to(device), eps_k.to(device)
        score_batch(net.eps, x, y, t_k, eps_k)  # warm-up
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(batches):
            score_batch(net.eps, x, y, t_k, eps_k)
        if device == "cuda":
            torch.cuda.synchronize()
        sec = time.perf_counter() - t0
        sps = batches * batch_size / sec
        cpu = f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
        name = torch.cuda.get_device_name() if device == "cuda" else cpu
        results[device] = {
            "device": name,
            "samples_per_s": round(sps, 1),
            "forward_passes_per_s": round(sps * n_draws, 1),
            "full_corpus_minutes": round(corpus_size / sps / 60, 2),
        }
        print(
            f"{device} ({name}): {sps:.0f} samples/s × {n_draws} draws = {sps * n_draws:.0f} passes/s; "
            f"{corpus_size} samples in {corpus_size / sps / 60:.1f} min"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"model": model, "n_draws": n_draws, "batch_size": batch_size, "results": results}
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    app()
