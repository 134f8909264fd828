"""An append-only JSON Lines response cache, so interrupted or repeated LLM work never pays twice.

One line per entry: {"key": ..., "value": ...}. Lines are appended and flushed as results
arrive, so a run killed half-way keeps everything it had paid for. A kill that lands mid-write
leaves a torn last line; opening the cache repairs the tail (truncates the file to its last
complete entry) before anything is appended after it, and counts what was dropped
(`dropped_lines`, `dropped_bytes`: the stage reports them). A line torn by an older version that
appended straight after such a tail (`{"key": "a", "va{"key": "b", ...}`) keeps its complete
second entry. The file is a DVC output (`persist: true`), which makes a `dvc repro` with a warm
cache reproducible and free.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from diffcurate.errors import InputError

log = logging.getLogger(__name__)

ENTRY_START = b'{"key": '  # how json.dumps begins every entry


def cache_key(*parts: str) -> str:
    """sha256 of the parts (e.g. backend, model, prompt version, text): the same call → the same key."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _entry(raw: bytes) -> tuple[str, Any] | None:
    """(key, value) of one line, or None if it is not a cache entry."""
    try:
        entry = json.loads(raw)
        return entry["key"], entry["value"]
    except (ValueError, KeyError, TypeError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


class JsonlCache:
    """`JsonlCache(path)` loads the entries and repairs a torn tail; `readonly=True` (reading a cache
    as labels) only skips it. `path=None`: in memory."""

    def __init__(self, path: Path | str | None, readonly: bool = False):
        self.path = Path(path) if path else None
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.dropped_lines = 0  # lines of the torn tail cut off on open (and torn prefixes skipped)
        self.dropped_bytes = 0
        if self.path and self.path.exists():
            self._load(repair=not readonly)

    def _load(self, repair: bool) -> None:
        data = self.path.read_bytes()
        good_end = 0  # byte offset just past the last complete entry
        torn: list[int] = []  # line numbers of unparsable lines since the last entry
        pos = 0
        for lineno, raw in enumerate(data.split(b"\n"), start=1):
            pos += len(raw) + 1
            if not raw.strip():
                continue
            entry = _entry(raw)
            cut = raw.rfind(ENTRY_START)
            if entry is None and cut > 0 and (entry := _entry(raw[cut:])) is not None:
                self.dropped_lines += 1  # an older run appended after a torn tail: keep the entry it appended
                self.dropped_bytes += cut
                log.warning("%s, line %d: skipped a torn entry (%d bytes) before a complete one", self.path, lineno, cut)
            if entry is None:
                torn.append(lineno)
                continue
            if torn:  # a damaged line with complete entries after it is not a torn tail
                raise InputError(f"{self.path}, line {torn[0]}: expected a cache entry {{'key', 'value'}}")
            self._data[entry[0]] = entry[1]
            good_end = min(pos, len(data))
        needs_newline = good_end > 0 and data[good_end - 1 : good_end] != b"\n"  # the last entry lost only its newline
        if not torn and not needs_newline:
            return
        self.dropped_lines += len(torn)
        self.dropped_bytes += len(data) - good_end
        if torn:
            log.warning(
                "%s: dropped a torn tail of %d line(s), %d bytes (a run was killed mid-append); %d entries kept",
                self.path,
                len(torn),
                len(data) - good_end,
                len(self._data),
            )
        if repair:  # cut the tail (and end on a newline), so that appends start on a line of their own
            with open(self.path, "r+b") as fh:
                fh.truncate(good_end)
                fh.seek(good_end)
                if needs_newline:
                    fh.write(b"\n")
                fh.flush()
                os.fsync(fh.fileno())

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def values(self) -> list[Any]:
        return list(self._data.values())

    def get(self, key: str) -> Any | None:
        with self._lock:
            return self._data.get(key)

    def put_many(self, items: dict[str, Any]) -> None:
        """Store entries and append them to the file (flushed and fsynced) in one write."""
        if not items:
            return
        with self._lock:
            self._data.update(items)
            if self.path is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = "".join(json.dumps({"key": k, "value": v}, ensure_ascii=False) + "\n" for k, v in items.items())
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
