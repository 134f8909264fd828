"""Helpers the stage scripts share."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from diffcurate.errors import InputError
from diffcurate.io import read_table


def read_input(path: Path | str, columns: Sequence[str] = (), expected: str = "") -> pd.DataFrame:
    """A stage's input table; an unreadable file or missing columns is an InputError naming the file
    (and `expected`, e.g. "the classify stage's output")."""
    try:
        df = read_table(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"{path}: cannot be read as a table ({exc})") from None
    missing = [c for c in columns if c not in df]
    if missing:
        raise InputError(f"{path}: missing columns {missing}" + (f" (expected {expected})" if expected else ""))
    return df
