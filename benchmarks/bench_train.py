"""Student training, sampling and Inception throughput (the `train` and `eval` stages' costs).

Trains a randomly initialised D2C student (DiT + DC-Embedding + REPA) on random data shaped like
the encoded corpus for a few steps, samples with DDIM, and runs the Inception on the samples; on
CPU and, when one is available, on a GPU (bf16 autocast there). Extrapolates the default
pipeline's `train` (1,000 steps) and `eval` (500 samples × 50 steps, twice: snapshot + final).

    python benchmarks/bench_train.py [--model DiT-T/4] [--steps 40] [--batch-size 64] [--samples 100]
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Annotated

import torch
import typer

from diffcurate.d2c.dit import DiTConfig
from diffcurate.d2c.fid import inception_outputs
from diffcurate.d2c.sampling import Sampler, generate
from diffcurate.d2c.student import Student, StudentConfig, student_objective
from diffcurate.d2c.training import TrainConfig, train

app = typer.Typer(add_completion=False)


@app.command()
def main(
    model: Annotated[str, typer.Option()] = "DiT-T/4",
    steps: Annotated[int, typer.Option()] = 40,
    batch_size: Annotated[int, typer.Option()] = 64,
    samples: Annotated[int, typer.Option()] = 100,
    sample_steps: Annotated[int, typer.Option()] = 50,
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/train.json"),
) -> None:
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    results = {}
    for device in devices:
        torch.manual_seed(0)
        dcfg = DiTConfig(name=model, input_size=32, in_channels=1, num_classes=10)
        text, mask = torch.randn(10, 16, 384), torch.ones(10, 16)
        net = Student(StudentConfig(dcfg, visual_dim=1280), text, mask)
        x, y = torch.rand(480, 1, 32, 32) * 2 - 1, torch.arange(480) % 10
        extras = {"visual": torch.randn(480, dcfg.tokens, 1280).half()}
        cfg = TrainConfig(
            steps=steps,
            batch_size=batch_size,
            ckpt_every=10**9,
            log_every=steps,
            device=device,
            precision="bf16" if device == "cuda" else "fp32",
        )
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            _, ema, _ = train(net, x, y, cfg, Path(tmp), objective=student_objective, extras=extras)
            train_sps = steps / (time.perf_counter() - t0)
        ema = ema.to(device)
        t0 = time.perf_counter()
        imgs = generate(ema, samples, Sampler.DDIM, sample_steps, 1.5, 0, batch_size=min(samples, 250))
        sample_ips = samples / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        inception_outputs(imgs)
        incep_ips = samples / (time.perf_counter() - t0)
        name = (
            torch.cuda.get_device_name()
            if device == "cuda"
            else f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
        )
        results[device] = {
            "device": name,
            "train_steps_per_s": round(train_sps, 2),
            "sample_images_per_s": round(sample_ips, 1),
            "inception_images_per_s": round(incep_ips, 1),
            "default_train_minutes": round(1000 / train_sps / 60, 2),
            "default_eval_minutes": round(2 * 500 * (1 / sample_ips + 1 / incep_ips) / 60, 2),
        }
        print(
            f"{device} ({name}): train {train_sps:.2f} steps/s (batch {batch_size}); sampling {sample_ips:.1f} images/s "
            f"(DDIM {sample_steps}, cfg 1.5); Inception {incep_ips:.1f} images/s"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"model": model, "batch_size": batch_size, "sample_steps": sample_steps, "results": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    app()
