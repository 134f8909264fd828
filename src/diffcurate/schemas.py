"""Record types, column names and closed vocabularies, in one place.

Every stage and test spells a column or a choice through this module, so a typo fails at
import or parse time instead of producing an empty column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from diffcurate.taxonomy import Axis


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


class VerifyMode(StrEnum):
    """What `download` does with a published file whose sha256 is not the pinned one."""

    STRICT = "strict"  # fail, naming the file and both hashes
    WARN = "warn"  # print it, record it in metrics/download.json, and use the file


class NearDupAction(StrEnum):
    """What `download` does with near-duplicates: flag them in the table, or move them to rejected."""

    REPORT = "report"
    DROP = "drop"


class DropReason(StrEnum):
    """Why a row (or a candidate) left a stage: one spelling in every stage's table and metrics."""

    # download: rows of a source not in data/raw/prompts.parquet (data/raw/rejected.parquet)
    EMPTY = "empty"
    DUPLICATE = "duplicate"  # the same normalised text as an earlier prompt (download, gapfill)
    TOO_SHORT_EN = "too_short_en"  # English: fewer whitespace words than the minimum (download, balance)
    TOO_SHORT_ZH = "too_short_zh"  # Chinese: fewer characters than the minimum (download, balance)
    NEAR_DUPLICATE = "near_duplicate"  # estimated Jaccard at or above the threshold (download, gapfill)
    # balance: rows of the input not in the final set (data/prompts/dropped.parquet), in the order applied
    UNLABELLED = "unlabelled"
    HOLDOUT = "holdout"
    MJHQ_EXCLUDED = "mjhq_excluded"
    SUBJECT_FILTER = "subject_filter"
    STYLE_FILTER = "style_filter"
    SAMPLED_OUT = "sampled_out"
    TOO_LONG_EN = "too_long_en"
    TOO_LONG_ZH = "too_long_zh"
    LENGTH_BALANCE = "length_balance"
    MJHQ_OUT_OF_MID_RANGE = "mjhq_out_of_mid_range"
    MJHQ_NOT_SELECTED = "mjhq_not_selected"
    SOURCE_CAP = "source_cap"
    # expand: expansions rejected (the prompt is retried, then keeps its original text)
    NO_ANSWER = "no_answer"
    LENGTH_OUT_OF_RANGE = "length_out_of_range"
    CODES_CHANGED = "codes_changed"


# The reasons `download` drops a row for, in the order its metrics and plot list them.
DOWNLOAD_DROPS = (
    DropReason.EMPTY,
    DropReason.DUPLICATE,
    DropReason.TOO_SHORT_EN,
    DropReason.TOO_SHORT_ZH,
    DropReason.NEAR_DUPLICATE,
)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One prompt as a source publishes it, before any cleaning.

    `key` is the source's own locator of the row (a line number, a file name, an id), so that
    every output row can be traced back to the published file.
    """

    text: str
    key: str
    category: str | None = None


# The `source` of every prompt gapfill writes (the benchmark sources are sources.SourceName).
GENERATED = "generated"

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

# Columns `classify` appends: one code per taxonomy axis (named after the axis), its confidence,
# and why a prompt was left without codes (None when labelled).
SUBJECT = Axis.SUBJECT.value
STYLE = Axis.STYLE.value
CAMERA = Axis.CAMERA.value
SUBJECT_CONF = f"{SUBJECT}_conf"
STYLE_CONF = f"{STYLE}_conf"
CAMERA_CONF = f"{CAMERA}_conf"
LABEL_FLAG = "label_flag"
CODE_COLUMNS = [SUBJECT, STYLE, CAMERA]
PREDICTION_COLUMNS = [SUBJECT, STYLE, CAMERA, SUBJECT_CONF, STYLE_CONF, CAMERA_CONF, LABEL_FLAG]

# Extra columns of data/gapfill/prompts.parquet: the camera the classifier read back (`camera` is
# the one asked for), the generator and the round that produced the prompt.
CAMERA_PRED = "camera_pred"
GEN_BACKEND = "gen_backend"
GEN_ROUND = "gen_round"

# Extra columns of data/expanded/prompts.parquet: the text before expansion, and whether it was expanded.
TEXT_ORIGINAL = "text_original"
EXPANDED = "expanded"
