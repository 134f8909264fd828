"""io.atomic_outputs: all files or none, usual permissions, no temp files left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from diffcurate import io


def test_commit_failure_rolls_back_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b, c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    a.write_text("old a")
    b.write_text("old b")
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == c:
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(io.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        with io.atomic_outputs() as w:
            w.path_text(a, "new a")
            w.path_text(b, "new b")
            w.path_text(c, "new c")
    assert a.read_text() == "old a" and b.read_text() == "old b" and not c.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"], "temp or backup files left behind"


def test_error_inside_block_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with io.atomic_outputs() as w:
            w.path_text(tmp_path / "x.txt", "x")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_usual_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with io.atomic_outputs() as w:
            w.path_text(tmp_path / "m.json", "{}")
        with io.atomic_path(tmp_path / "w.bin") as tmp:
            tmp.write_bytes(b"1")
        with io.atomic_path(tmp_path / "r.bin") as tmp:  # a writer that replaces the file with a private one
            tmp.unlink()
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
    finally:
        os.umask(old)
    for name in ("m.json", "w.bin", "r.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_stale_temp_files_of_a_killed_run_are_cleaned(tmp_path: Path) -> None:
    stale = tmp_path / ".m.json.abc123.tmp"
    stale.write_text("half")
    other = tmp_path / ".other.json.x.tmp"
    other.write_text("not ours")
    with io.atomic_outputs() as w:
        w.path_text(tmp_path / "m.json", "{}")
    assert not stale.exists() and other.exists()
    assert (tmp_path / "m.json").read_text() == "{}"
