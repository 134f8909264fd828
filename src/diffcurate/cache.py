"""An append-only JSON Lines response cache, so interrupted or repeated LLM work never pays twice.

One line per entry: {"key": ..., "value": ...}. Lines are appended and flushed as results
arrive, so a run killed half-way keeps everything it had paid for; a torn last line (the kill
landed mid-write) is ignored on load. The file is a DVC output (`persist: true`), which makes a
`dvc repro` with a warm cache reproducible and free.
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


def cache_key(*parts: str) -> str:
    """sha256 of the parts (e.g. backend, model, prompt version, text): the same call → the same key."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


class JsonlCache:
    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path else None
        self._data: dict[str, Any] = {}
        self._lock = threading.Lock()
        if self.path and self.path.exists():
            self._load()

    def _load(self) -> None:
        with open(self.path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                self._data[entry["key"]] = entry["value"]
            except (json.JSONDecodeError, KeyError, TypeError):
                if lineno >= len(lines) - 1:  # the torn tail of an interrupted append
                    log.warning("%s, line %d: ignoring an incomplete last entry", self.path, lineno)
                    continue
                raise InputError(f"{self.path}, line {lineno}: expected a cache entry {{'key', 'value'}}") from None

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
