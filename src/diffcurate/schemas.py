"""Record types, column names and closed vocabularies, in one place.

Every stage and test spells a column or a choice through this module, so a typo fails at
import or parse time instead of producing an empty column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Bool(StrEnum):
    """true/false as DVC renders YAML booleans into the command line (`--flag ${stage.key}`)."""

    TRUE = "true"
    FALSE = "false"


class Language(StrEnum):
    EN = "en"
    ZH = "zh"


class OnUnavailable(StrEnum):
    """What `download` does with a source it cannot fetch (network error, absent from the mirror)."""

    FAIL = "fail"
    SKIP = "skip"


class NearDupAction(StrEnum):
    """What `download` does with near-duplicates: flag them in the table, or move them to rejected."""

    REPORT = "report"
    DROP = "drop"


class DropReason(StrEnum):
    """Why a row of a source did not make it into `data/raw/prompts.parquet`."""

    EMPTY = "empty"
    DUPLICATE = "duplicate"
    TOO_SHORT_EN = "too_short_en"
    TOO_SHORT_ZH = "too_short_zh"
    NEAR_DUPLICATE = "near_duplicate"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One prompt as a source publishes it, before any cleaning.

    `key` is the source's own locator of the row (a line number, a file name, an id), so that
    every output row can be traced back to the published file.
    """

    text: str
    key: str
    category: str | None = None


# Columns of data/raw/prompts.parquet, in order.
ID = "id"
SOURCE = "source"
SOURCE_KEY = "source_key"
TEXT = "text"
LANGUAGE = "language"
LANG_ID = "lang_id"  # the offline language-ID package's raw ISO code (e.g. "es"); `language` is en/zh
SOURCE_CATEGORY = "source_category"
N_WORDS = "n_words"
N_CHARS = "n_chars"
NEAR_DUP_OF = "near_dup_of"
NEAR_DUP_SIM = "near_dup_sim"

RAW_COLUMNS = [
    ID,
    SOURCE,
    SOURCE_KEY,
    TEXT,
    LANGUAGE,
    LANG_ID,
    SOURCE_CATEGORY,
    N_WORDS,
    N_CHARS,
    NEAR_DUP_OF,
    NEAR_DUP_SIM,
]

# Extra columns of data/raw/rejected.parquet.
REASON = "reason"
DUP_OF = "dup_of"
DUP_OF_SOURCE = "dup_of_source"

REJECTED_COLUMNS = [
    ID,
    SOURCE,
    SOURCE_KEY,
    TEXT,
    LANGUAGE,
    LANG_ID,
    SOURCE_CATEGORY,
    N_WORDS,
    N_CHARS,
    REASON,
    DUP_OF,
    DUP_OF_SOURCE,
]
