"""Helpers for tests and benchmarks that run the pipeline in a scratch copy of the repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def copy_tracked_tree(src: Path, dst: Path) -> Path:
    """Copy the files git tracks in `src` (as they are in the working tree) to `dst` and `git init` it."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=src, capture_output=True, text=True, check=True).stdout
    for rel in filter(None, files.split("\0")):
        if (src / rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, dst / rel)
    subprocess.run(["git", "init", "-q"], cwd=dst, check=True)
    return dst
