"""The only code that reads and writes tables and metrics.

Outputs appear atomically: everything is written to temporary files beside the targets and
renamed into place only when all of them are complete, so an error or an interrupt never leaves
a half-written output for DVC (or a later stage) to pick up.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


class AtomicWriter:
    """Collects temporary files and renames them onto their targets on commit."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, target: Path | str) -> Path:
        """A temporary path to write `target`'s content to."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        self._pending.append((Path(tmp), target))
        return Path(tmp)

    def parquet(self, df: pd.DataFrame, target: Path | str) -> None:
        write_parquet(df, self.path(target))

    def json(self, obj: Any, target: Path | str) -> None:
        self.path_text(target, dumps_json(obj))

    def csv(self, df: pd.DataFrame, target: Path | str) -> None:
        df.to_csv(self.path(target), index=False, lineterminator="\n")

    def path_text(self, target: Path | str, text: str) -> None:
        self.path(target).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        for tmp, target in self._pending:
            os.replace(tmp, target)
        self._pending.clear()

    def abort(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()


@contextmanager
def atomic_outputs() -> Iterator[AtomicWriter]:
    """`with atomic_outputs() as out: out.parquet(df, path) ...`: all files appear, or none."""
    writer = AtomicWriter()
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.commit()


def dumps_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False, allow_nan=False) + "\n"


def write_parquet(df: pd.DataFrame, path: Path | str) -> None:
    """Deterministic parquet: no index, no timestamps, fixed compression, so equal data → equal bytes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a parquet or JSON Lines table."""
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix in {".jsonl", ".json"}:
        return pd.read_json(path, lines=path.suffix == ".jsonl", dtype=False)
    raise ValueError(f"{path}: expected a .parquet or .jsonl table")
