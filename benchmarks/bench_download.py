"""Speed of the `download` stage from the mirror and of a no-op `dvc repro`.

Runs in a temporary copy of the repository (the committed files), so the working tree is not
touched:

    python benchmarks/bench_download.py [--mirror ../shared/sources] [--repeats 3]
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from diffcurate.devtools import copy_tracked_tree

REPO = Path(__file__).resolve().parents[1]
app = typer.Typer(add_completion=False)


def timed(cmd: list[str], cwd: Path, env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return time.perf_counter() - t0


@app.command()
def main(
    mirror: Annotated[Path, typer.Option(envvar="DIFFCURATE_MIRROR", help="Mirror folder.")] = Path("../shared/sources"),
    repeats: Annotated[int, typer.Option(min=1)] = 3,
    out: Annotated[Path, typer.Option()] = Path("benchmarks/results/download.json"),
) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "DIFFCURATE_MIRROR": str(mirror.resolve()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        repo = copy_tracked_tree(REPO, Path(tmp) / "repo")
        stage = [sys.executable, "stages/download.py", "--out", "data/raw", "--on-unavailable", "skip"]
        stage_s = [timed(stage, repo, env) for _ in range(repeats)]
        timed([str(bin_dir / "dvc"), "repro"], repo, env)  # bring the pipeline up to date
        noop_s = [timed([str(bin_dir / "dvc"), "repro"], repo, env) for _ in range(repeats)]
        metrics = json.loads((repo / "metrics/download.json").read_text())
    result = {
        "download_stage_seconds_median": round(statistics.median(stage_s), 2),
        "download_stage_seconds": [round(s, 2) for s in stage_s],
        "download_phases_seconds": metrics["elapsed_s"],
        "n_prompts": metrics["n_prompts"],
        "dvc_repro_noop_seconds_median": round(statistics.median(noop_s), 2),
        "dvc_repro_noop_seconds": [round(s, 2) for s in noop_s],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    typer.echo(json.dumps(result, indent=2))


if __name__ == "__main__":
    app()
