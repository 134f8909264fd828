"""Fault injection for `download` and `balance`: the real stage process, SIGKILLed at several points.

Each stage runs as a subprocess over outputs of an earlier run with other params, and is killed
again and again, each time at another point (while loading, half-way through writing a temporary
file, with every temporary file written and nothing renamed, between two renames); each killed run
starts from what the previous one left. After every kill each output is absent or complete (the
old or the new bytes, never a mix); a final run leaves no temporary file behind and writes the
same bytes as one uninterrupted run (metrics: the same apart from timings).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, write_tiny_mirror

pytestmark = pytest.mark.faults

KILLPOINT = Path(__file__).resolve().parent / "killpoint.py"
TIMINGS = {"elapsed_s", "seconds"}  # metrics keys that differ between any two runs
RUN_TIMEOUT_S = 120


def _env() -> dict[str, str]:
    return {**os.environ, "DIFFCURATE_MIRROR": "", "PYTHONHASHSEED": "0"}


def run_stage(script: str, args: list[str], point: str = "none") -> subprocess.CompletedProcess:
    """The stage in a fresh process, killing itself at `point` (tests/killpoint.py)."""
    cmd = [sys.executable, str(KILLPOINT), point, str(REPO / script), *args]
    return subprocess.run(cmd, cwd=REPO, env=_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)


def kill_on_output(script: str, args: list[str], needle: str) -> int:
    """Start the stage and SIGKILL it from outside as soon as `needle` appears on its stderr."""
    proc = subprocess.Popen(
        [sys.executable, str(REPO / script), *args],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stderr:
            if needle in line:
                proc.send_signal(signal.SIGKILL)
                break
        return proc.wait(timeout=RUN_TIMEOUT_S)
    finally:
        proc.kill()
        proc.stderr.close()


def _strip_timings(obj):
    if isinstance(obj, dict):
        return {k: _strip_timings(v) for k, v in obj.items() if k not in TIMINGS}
    if isinstance(obj, list):
        return [_strip_timings(v) for v in obj]
    return obj


def snapshot(outputs: list[Path]) -> dict[Path, object]:
    """Each present output's content: bytes, or for metrics JSON the parsed object without timings."""
    out = {}
    for path in outputs:
        if path.exists():
            out[path] = _strip_timings(json.loads(path.read_text())) if path.suffix == ".json" else path.read_bytes()
    return out


def leftovers(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob(".*") if p.name.endswith((".tmp", ".bak")))


def assert_absent_or_complete(outputs: list[Path], old: dict, new: dict) -> None:
    now = snapshot(outputs)
    for path, content in now.items():
        assert content in (old.get(path), new[path]), f"{path.name}: neither the old nor the new complete output"


def kill_chain(script: str, args: list[str], prev_args: list[str], outputs: list[Path], work: Path, needle: str, points):
    """Uninterrupted reference; then over other outputs: kill at each point in turn; then re-run."""
    ref = run_stage(script, args)
    assert ref.returncode == 0, ref.stderr
    new = snapshot(outputs)
    assert set(new) == set(outputs)
    prev = run_stage(script, prev_args)
    assert prev.returncode == 0, prev.stderr
    old = snapshot(outputs)
    assert old != new  # the chain starts from genuinely different outputs

    assert kill_on_output(script, args, needle) == -signal.SIGKILL
    assert_absent_or_complete(outputs, old, new)
    for point in points:
        killed = run_stage(script, args, point)
        assert killed.returncode == -signal.SIGKILL, f"{point}: the kill point was not reached\n{killed.stderr}"
        assert_absent_or_complete(outputs, old, new)
    assert leftovers(work), "the last kill should leave temporary files for the re-run to clean"

    final = run_stage(script, args)
    assert final.returncode == 0, final.stderr
    assert leftovers(work) == []
    assert snapshot(outputs) == new


def test_download_killed_at_several_points(tmp_path):
    mirror = write_tiny_mirror(tmp_path / "mirror")
    out = tmp_path / "run"
    outputs = [
        out / "raw/prompts.parquet",
        out / "raw/rejected.parquet",
        out / "metrics/download.json",
        out / "plots/sources.csv",
    ]
    base = ["--out", str(out / "raw"), "--metrics", str(outputs[2]), "--plots", str(out / "plots")]
    base += ["--cache-dir", str(out / "cache"), "--mirror", str(mirror), "--verify", "warn"]
    kill_chain(
        "stages/download.py",
        base,
        [*base, "--min-words", "3"],
        outputs,
        out,
        needle=" rows",  # the first source is loaded
        points=["write:1", "replace:1", "replace:2", "replace:4"],
    )


def _expanded(path: Path) -> Path:
    rows = []
    for i in range(90):
        source = ["partiprompts", "cvtg-2k", "geneval"][i % 3]
        words = 6 + (i * 7) % 40
        rows.append(
            {
                "id": f"{source}-{i:03d}",
                "source": source,
                "text": " ".join([f"{source}{i}"] + ["word"] * (words - 1)),
                "language": "en",
                "n_words": words,
                "n_chars": 5 * words,
                "subject": ["S1", "S2", "S11"][i % 3 if i % 5 else 0],
                "style": ["T1", "T6"][i % 2],
                "camera": "C1",
                "expanded": False,
            }
        )
    rows += [
        {
            "id": f"oneig-zh-{i:03d}",
            "source": "oneig-zh",
            "text": "中" * (20 + i),
            "language": "zh",
            "n_words": 1,
            "n_chars": 20 + i,
            "subject": "S13",
            "style": "T2",
            "camera": "C2",
            "expanded": i % 2 == 0,
        }
        for i in range(12)
    ]
    pd.DataFrame(rows).to_parquet(path)
    return path


def test_balance_killed_at_several_points(tmp_path):
    inp = _expanded(tmp_path / "expanded.parquet")
    out = tmp_path / "run"
    names = ["words_en", "chars_zh", "sources", "cells"]
    outputs = [out / "prompts/prompts.parquet", out / "prompts/prompts.jsonl", out / "prompts/dropped.parquet"]
    outputs += [out / "metrics/dataset.json", *(out / f"plots/{n}.csv" for n in names)]
    base = ["--input", str(inp), "--out-dir", str(out / "prompts"), "--metrics", str(outputs[3]), "--plots", str(out / "plots")]
    base += ["--balance-lengths", "true", "--min-per-cell", "5"]
    kill_chain(
        "stages/balance.py",
        base,
        [*base, "--max-words", "30"],
        outputs,
        out,
        needle="n_prompts",  # the summary is printed: the outputs are written next
        points=["write:2", "replace:1", "replace:3", "replace:8"],
    )
