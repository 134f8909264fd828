"""The repository stays lint-clean and `ruff format`-ed (what `make lint` checks), so CI catches drift."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

PATHS = ["src", "stages", "tests", "benchmarks"]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args, *PATHS], cwd=REPO, capture_output=True, text=True)


def test_ruff_check_is_clean() -> None:
    res = ruff("check")
    assert res.returncode == 0, res.stdout + res.stderr


def test_ruff_format_leaves_nothing_to_change() -> None:
    res = ruff("format", "--check")
    assert res.returncode == 0, res.stdout + res.stderr
