"""Errors a user sees: each names the file, the row or line, and what was expected."""

from __future__ import annotations

from pathlib import Path


class DiffcurateError(Exception):
    """Base class: a stage prints these as one clear line and exits non-zero."""


class SourceFormatError(DiffcurateError):
    """A published file does not have the format its parser expects."""

    def __init__(self, path: Path | str, line: int | None, expected: str):
        self.path = Path(path)
        self.line = line
        self.expected = expected
        where = f"{self.path}, line {line}" if line is not None else f"{self.path}"
        super().__init__(f"{where}: {expected}")


class SourceUnavailable(DiffcurateError):
    """A source could not be fetched (network failure, or absent from the mirror)."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"source {source!r} is unavailable: {reason}")


class InputError(DiffcurateError, ValueError):
    """An input table or file is not what the stage expects (a missing column, a bad row, an unreadable file)."""


class ConfigError(DiffcurateError, ValueError):
    """An option or params.yaml value is out of range or malformed; the message names it and what is allowed."""


class LLMError(DiffcurateError):
    """The LLM could not be used (no API key) or answered too little: the message gives the share
    answered, the threshold param, and the first error of each kind (connection, authentication, ...)."""


class ChecksumMismatch(DiffcurateError):
    """A published file's sha256 is not the one pinned for its revision (cut, changed or another version)."""

    def __init__(self, path: Path | str, expected: str, got: str):
        self.path = Path(path)
        self.expected = expected
        self.got = got
        super().__init__(
            f"{self.path}: expected sha256 {expected} (the pinned published file), got {got}: the file is cut, "
            "changed or another version; fetch it again, or set download.verify: warn to use it anyway"
        )


class NothingKept(DiffcurateError):
    """A stage would write an empty result (every source skipped, or every row dropped)."""
