"""Strict readers for the published file formats.

Each reader decodes the whole file as UTF-8 first (so non-UTF-8 bytes are reported with their
line), refuses empty files (and a table that is only a header), refuses a directory where a file
belongs, and raises `SourceFormatError` naming the file, the line and what was expected. Parsers
never skip a malformed row silently.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from diffcurate.errors import SourceFormatError

EMPTY_TABLE = "expected prompt rows after the header, found none"


def read_bytes(path: Path | str) -> bytes:
    """A file's bytes, or a SourceFormatError naming it (a directory, a missing or unreadable file)."""
    path = Path(path)
    if path.is_dir():
        raise SourceFormatError(path, None, "expected a file, but it is a directory")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceFormatError(path, None, "expected this file, but it does not exist") from None
    except OSError as exc:
        raise SourceFormatError(path, None, f"expected a readable file ({exc.strerror})") from None


def decode_utf8(data: bytes, path: Path | str, allow_empty: bool = False) -> str:
    """Decode UTF-8 (a BOM is tolerated) or raise naming the line of the first bad byte.

    An empty (or whitespace-only) file is refused unless `allow_empty`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceFormatError(
            path, line, f"expected UTF-8 text, found byte 0x{data[exc.start]:02x} at byte offset {exc.start}"
        ) from None
    if not allow_empty and not text.strip():
        raise SourceFormatError(path, 1, "expected prompts, but the file is empty")
    return text


def read_text(path: Path) -> str:
    return decode_utf8(read_bytes(path), path)


def split_lines(text: str) -> list[str]:
    """Lines split on LF/CRLF only: `str.splitlines` would also split inside a prompt on U+2028 etc."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_json(path: Path, data: bytes | None = None) -> Any:
    """A whole-file JSON document (an object or a list)."""
    text = decode_utf8(read_bytes(path) if data is None else data, path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(path, exc.lineno, f"expected valid JSON ({exc.msg} at column {exc.colno})") from None


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line of a JSON Lines file."""
    for lineno, line in enumerate(split_lines(read_text(path)), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SourceFormatError(
                path, lineno, f"expected one JSON object per line ({exc.msg} at column {exc.colno})"
            ) from None
        if not isinstance(obj, dict):
            raise SourceFormatError(path, lineno, f"expected a JSON object, got {type(obj).__name__}")
        yield lineno, obj


def require_str(obj: dict[str, Any], field: str, path: Path, line: int | None) -> str:
    """obj[field] as a string, or an error naming the field."""
    value = obj.get(field)
    if not isinstance(value, str):
        found = "missing" if field not in obj else f"a {type(value).__name__}"
        raise SourceFormatError(path, line, f"expected a string field {field!r}, but it is {found}")
    return value


def iter_tsv(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a tab-separated file with a header, split on tabs only.

    No quote processing: PartiPrompts has prompts that start with a `"`, which csv-style
    quoting would silently eat (see the mirror's MANIFEST). Every row must have exactly as many
    fields as the header.
    """
    lines = split_lines(read_text(path))
    header = lines[0].split("\t")
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(path, 1, f"expected a header with columns {required}, got {header}")
    n = 0
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise SourceFormatError(path, lineno, f"expected {len(header)} tab-separated fields {header}, got {len(fields)}")
        n += 1
        yield lineno, dict(zip(header, fields, strict=True))
    if n == 0:
        raise SourceFormatError(path, None, EMPTY_TABLE)


def iter_csv(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a comma-separated file with a header (real CSV quoting, CRLF or LF), with the line
    each row starts on.

    Parsed strictly (a closing quote must end its field), so a quote left open cannot swallow the
    rows after it until the next quote closes it; errors name the line the broken row starts on.
    """
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise SourceFormatError(path, 1, f"expected a CSV header ({exc})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceFormatError(path, 1, f"expected a header with columns {required}, got {header}")
    n = 0
    while True:
        start = reader.line_num + 1  # the line this row starts on (a quoted field may span lines)
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            lines = split_lines(text)
            if start <= len(lines) and _ends_inside_quotes(lines[start - 1]):
                raise SourceFormatError(
                    path, start, f"expected valid CSV: the quote opened on this line is never closed ({exc})"
                ) from None
            raise SourceFormatError(path, start, f"expected valid CSV ({exc})") from None
        if not fields:
            continue
        if len(fields) != len(header):
            raise SourceFormatError(path, start, f"expected {len(header)} comma-separated fields {header}, got {len(fields)}")
        n += 1
        yield start, dict(zip(header, fields, strict=True))
    if n == 0:
        raise SourceFormatError(path, None, EMPTY_TABLE)


def _ends_inside_quotes(line: str) -> bool:
    """Whether a CSV line ends inside a quoted field (the quote opened on this line is still open)."""
    in_quote, field_start, i = False, True, 0
    while i < len(line):
        c = line[i]
        if in_quote:
            if c == '"' and line[i + 1 : i + 2] == '"':
                i += 1  # an escaped quote
            elif c == '"':
                in_quote = False
        elif c == '"' and field_start:
            in_quote = True
        field_start = not in_quote and c == ","
        i += 1
    return in_quote
