"""The FID-vs-steps figure of one profile's rows of the record (`results/d2c_fid_vs_steps.png`)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO

import pandas as pd

from .plan import CORPUS_SIZE, METHODS, N_CLASSES

COLOURS = dict(zip(METHODS, ("tab:red", "tab:blue", "tab:green", "tab:orange"), strict=True))
DPI = 110


def figure(df: pd.DataFrame, profile: str):
    """One panel per budget (mean FID-vs-steps per method, min–max band over seeds, full data dashed),
    and the k sweep (final FID vs k at 0.8%). The caller saves and closes it (`save`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main, full = df[df.group == "main"], df[df.group == "full"]
    budgets = sorted(main.per_class.unique())
    ks = df[(df.group == "ksweep") | ((df.group == "main") & (df.method == "interval") & (df.per_class == 48) & (df.seed == 0))]
    n = len(budgets) + (1 if len(ks) > 1 else 0)
    fig, axes = plt.subplots(1, max(n, 1), figsize=(4.2 * max(n, 1), 4), squeeze=False)
    for ax, pc in zip(axes[0], budgets, strict=False):  # the last panel may be the k sweep
        g = main[main.per_class == pc]
        for m in METHODS:
            runs = [dict(json.loads(c)) for c in g[g.method == m].curve]
            if not runs:
                continue
            steps = sorted(set().union(*runs))
            vals = pd.DataFrame([[r.get(s, math.nan) for s in steps] for r in runs], columns=steps)
            ax.plot(steps, vals.mean(), marker="o", color=COLOURS[m], label=f"{m} (n={len(runs)})")
            if len(runs) > 1:
                ax.fill_between(steps, vals.min(), vals.max(), color=COLOURS[m], alpha=0.15)
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
        ax.plot(ks.k, ks.fid, marker="o", color=COLOURS["interval"])
        # The yardstick for a one-seed sweep: k = 50's spread over the main comparison's seeds.
        k50 = df[(df.group == "main") & (df.method == "interval") & (df.per_class == 48)].fid.dropna()
        if len(k50) > 1:
            ax.axhspan(k50.min(), k50.max(), color=COLOURS["interval"], alpha=0.12, label=f"k = 50 over {len(k50)} seeds")
            ax.legend(fontsize=7)
        ax.set_xscale("log")
        ax.set_title("interval k sweep at 48 per class (seed 0)")
        ax.set_xlabel("k")
        ax.set_ylabel("final FID")
    fig.suptitle(f"D2C in miniature, profile {profile}: FID vs steps on Fashion-MNIST (band: min–max over seeds)")
    fig.tight_layout()
    return fig


def save(fig, target: Path | IO[bytes]) -> None:
    """Write the figure as PNG (whatever `target`'s name ends with) and free it."""
    import matplotlib.pyplot as plt

    fig.savefig(target, format="png", dpi=DPI)
    plt.close(fig)
