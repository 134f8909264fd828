"""`balance` on N rows (default 50K): the real pipeline's expanded prompts, resampled to N.

Reads data/expanded/prompts.parquet (run `dvc repro expand` first), draws N rows with
replacement (new ids, so every row is distinct), and times `run_balance` with the shipped
params and with `balance_lengths` on and a 5,000-prompt MJHQ fill from a synthetic MJHQ share.
Target: < 5 s for 50K rows.

    python benchmarks/bench_balance.py [--n 50000] [--repeats 3]
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from diffcurate.balance import BalanceConfig, run_balance

app = typer.Typer(add_completion=False)


@app.command()
def main(
    n: Annotated[int, typer.Option(help="Rows to balance.")] = 50_000,
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    input: Annotated[Path, typer.Option(exists=True, dir_okay=False)] = Path("data/expanded/prompts.parquet"),
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/balance.json"),
) -> None:
    base = pd.read_parquet(input)
    rng = np.random.default_rng(0)
    df = base.iloc[rng.integers(0, len(base), size=n)].reset_index(drop=True)
    df["id"] = [f"b{i:07d}" for i in range(n)]
    # A fifth of the rows play MJHQ-30K, so the mid-range fill and the source cap have work to do.
    df.loc[df.index % 5 == 0, "source"] = "mjhq-30k"
    results = {}
    for name, cfg in {"shipped params": BalanceConfig(), "balance_lengths": BalanceConfig(balance_lengths=True)}.items():
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            res = run_balance(df, cfg)
            times.append(time.perf_counter() - t)
        results[name] = {
            "seconds_median": round(statistics.median(times), 3),
            "n_out": res.metrics["n_prompts"],
            "dropped": res.metrics["dropped"],
        }
        print(f"{name}: {n} rows → {res.metrics['n_prompts']} in {statistics.median(times):.2f} s (median of {repeats})")
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"n": n, "machine": platform.processor() or platform.machine(), "results": results}
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    app()
