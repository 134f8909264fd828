"""Run a stage script and SIGKILL it at a chosen point, for the fault-injection tests.

    python tests/killpoint.py POINT stages/<name>.py [stage options...]

POINT is where the process kills itself (a real SIGKILL: no cleanup, no `finally`):
- `replace:N`: just before the N-th rename of a temporary output onto its target
  (`replace:1`: every temporary file is written and nothing is renamed yet);
- `write:N`: during the N-th parquet write, its temporary file holding half of its bytes;
- `none`: no kill.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str) -> None:
    kind, _, n = point.partition(":")
    target = int(n or 0)
    count = 0
    if kind == "replace":
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            nonlocal count
            if str(src).endswith(".tmp"):
                count += 1
                if count == target:
                    _die()
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif kind == "write":
        import diffcurate.io as dio

        real_write = dio.write_parquet

        def write_parquet(df, path) -> None:
            nonlocal count
            real_write(df, path)
            count += 1
            if count == target:
                data = Path(path).read_bytes()
                Path(path).write_bytes(data[: len(data) // 2])
                _die()

        dio.write_parquet = write_parquet
    elif kind != "none":
        raise SystemExit(f"unknown kill point {point!r}")


if __name__ == "__main__":
    point, script, *args = sys.argv[1:]
    arm(point)
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")
