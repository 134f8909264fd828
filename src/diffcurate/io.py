"""The only code that reads and writes tables and metrics.

Outputs appear atomically: everything is written to temporary files beside the targets and
renamed into place only when all of them are complete, so an error or an interrupt never leaves
a half-written output for DVC (or a later stage) to pick up.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TMP_SUFFIX = ".tmp"
BAK_SUFFIX = ".bak"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_beside(target: Path) -> Path:
    """A new empty file beside `target` with the usual permissions (mkstemp's are 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return Path(tmp)


def clean_stale_temps(folder: Path | str, name: str | None = None) -> list[Path]:
    """Remove temporary files a killed run left beside its outputs (`.NAME.*.tmp` / `.bak`)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    pattern = f".{name}.*" if name else ".*"
    removed = []
    for path in folder.glob(pattern):
        if path.is_file() and path.name.endswith((TMP_SUFFIX, BAK_SUFFIX)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


class AtomicWriter:
    """Collects temporary files and renames them onto their targets on commit: all or nothing."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, target: Path | str) -> Path:
        """A temporary path to write `target`'s content to."""
        target = Path(target)
        clean_stale_temps(target.parent, target.name)
        tmp = _temp_beside(target)
        self._pending.append((tmp, target))
        return tmp

    def parquet(self, df: pd.DataFrame, target: Path | str) -> None:
        write_parquet(df, self.path(target))

    def json(self, obj: Any, target: Path | str) -> None:
        self.path_text(target, dumps_json(obj))

    def csv(self, df: pd.DataFrame, target: Path | str) -> None:
        df.to_csv(self.path(target), index=False, lineterminator="\n")

    def path_text(self, target: Path | str, text: str) -> None:
        self.path(target).write_text(text, encoding="utf-8")

    def path_bytes(self, target: Path | str, data: bytes) -> None:
        self.path(target).write_bytes(data)

    def commit(self) -> None:
        """Rename every temporary file onto its target; if one rename fails, put every target back."""
        backups: list[tuple[Path, Path | None]] = []  # (target, its previous content moved aside, or None)
        try:
            for tmp, target in self._pending:
                backup = None
                if target.is_file():
                    # A second name for the old content, not a move: the target is never missing, so a
                    # kill between two renames leaves the old file (a checkpoint to resume from) in place.
                    backup = target.with_name(f".{target.name}.{os.getpid()}{BAK_SUFFIX}")
                    backup.unlink(missing_ok=True)
                    try:
                        os.link(target, backup)
                    except OSError:  # a filesystem without hard links
                        shutil.copy2(target, backup)
                backups.append((target, backup))
                os.chmod(tmp, 0o666 & ~_umask())  # a third-party writer may have recreated it 0600
                os.replace(tmp, target)
        except BaseException:
            for target, backup in reversed(backups):
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink(missing_ok=True)
            self.abort()
            raise
        for _, backup in backups:
            if backup is not None:
                backup.unlink(missing_ok=True)
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


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """One file written by a third-party writer (`torch.save`, safetensors, parquet shards):
    `with atomic_path(p) as tmp: torch.save(obj, tmp)`; `p` appears complete or not at all."""
    with atomic_outputs() as out:
        yield out.path(target)


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
