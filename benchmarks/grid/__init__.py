"""The D2C experiment grid (`benchmarks/d2c_grid.py`), one module per concern:

- `plan`: the experiments of each group and profile, and the -S values each one sets;
- `queue`: every `dvc` / `git` command, behind one small `Dvc` class (tests give it a fake runner);
- `record`: `results/d2c_grid.csv`, the committed record of finished runs (rows, merge, load, save);
- `stats`: the headline's arithmetic (steps to reach a FID, seed-paired comparisons, Welch tests);
- `report`: the markdown of `results/d2c_grid.md`;
- `plot`: the FID-vs-steps figure.

`benchmarks/` is on `sys.path` when `python benchmarks/d2c_grid.py` runs, so this package is `grid`.
"""

from __future__ import annotations

from diffcurate.errors import DiffcurateError


class GridError(DiffcurateError):
    """Something the grid cannot go on with; the command line prints it as one line and exits 1."""
