"""One parser per published prompt file format.

A parser takes a source's folder (a mirror folder, or the folder the network fetcher downloaded
the same published files into) and returns the raw records in file order, plus the files it
read. Every source also accepts a normalized `prompts.jsonl` (`{"text": ..., "category": ...}`
per line), which is how the offline mirror ships sources whose original file is out of reach.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from diffcurate.errors import SourceFormatError
from diffcurate.schemas import RawRecord
from diffcurate.sources.readers import iter_csv, iter_jsonl, iter_tsv, read_bytes, read_json, read_text, require_str

NORMALIZED_FILE = "prompts.jsonl"

Parsed = tuple[list[RawRecord], list[Path]]


class NotInFolder(Exception):
    """None of the files a parser understands is in the folder (the source is unavailable there)."""


def parse_normalized(path: Path) -> list[RawRecord]:
    """`prompts.jsonl`: one `{"text": str, "category"?: str}` object per line."""
    records = []
    for lineno, obj in iter_jsonl(path):
        text = require_str(obj, "text", path, lineno)
        category = obj.get("category")
        records.append(RawRecord(text, f"{path.name}:{lineno}", category if isinstance(category, str) else None))
    return records


def _first_present(root: Path, *names: str) -> Path | None:
    for name in names:
        if (root / name).is_file():
            return root / name
    return None


def _with_fallback(parse_original: Callable[[Path], Parsed], *originals: str) -> Callable[[Path], Parsed]:
    """Parse the published file if present, else the normalized `prompts.jsonl`, else NotInFolder.

    A source that parses to no prompt at all is an error naming its file, never an empty source."""

    def parse(root: Path) -> Parsed:
        if root.exists() and not root.is_dir():
            raise SourceFormatError(root, None, "expected a folder of published files, but it is a file")
        if any((root / name).exists() for name in originals):
            records, files = parse_original(root)
        elif (root / NORMALIZED_FILE).exists():
            records, files = parse_normalized(root / NORMALIZED_FILE), [root / NORMALIZED_FILE]
        else:
            raise NotInFolder(f"none of {[*originals, NORMALIZED_FILE]} in {root}")
        if not records:
            raise SourceFormatError(files[0] if len(files) == 1 else root, None, "expected at least one prompt, found none")
        return records, files

    parse.__doc__ = parse_original.__doc__
    return parse


def _parquet_rows(path: Path, text_columns: list[str], category_column: str | None) -> list[RawRecord]:
    """Rows of a parquet file written by the `datasets` fetcher (first present text column)."""
    if path.is_dir():  # pyarrow would read a folder as a dataset
        raise SourceFormatError(path, None, "expected a file, but it is a directory")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise SourceFormatError(path, None, f"expected a readable parquet file ({exc})") from None
    column = next((c for c in text_columns if c in table.column_names), None)
    if column is None:
        raise SourceFormatError(path, None, f"expected one of the columns {text_columns}, got {table.column_names}")
    texts = table.column(column).to_pylist()
    cats = table.column(category_column).to_pylist() if category_column in table.column_names else [None] * len(texts)
    records = []
    for row, (text, cat) in enumerate(zip(texts, cats, strict=True)):
        if not isinstance(text, str):
            raise SourceFormatError(path, row + 1, f"expected a string in column {column!r}, got {text!r}")
        records.append(RawRecord(text, f"{path.name}:{row}", cat))
    return records


# --- PartiPrompts: google-research/parti PartiPrompts.tsv -------------------------------------------


def _parti(root: Path) -> Parsed:
    """PartiPrompts.tsv: `Prompt<TAB>Category<TAB>Challenge<TAB>Note`, split on tabs only (quotes kept)."""
    path = root / "PartiPrompts.tsv"
    rows = iter_tsv(path, ["Prompt", "Category"])
    return [RawRecord(r["Prompt"], f"{path.name}:{n}", r["Category"]) for n, r in rows], [path]


# --- GenAI-Bench: TIGER-Lab/GenAI-Bench, config image_generation, split test -------------------------

GENAI_PARQUET = "image_generation-test.parquet"


def _genai(root: Path) -> Parsed:
    """The `prompt` column of the image_generation/test split, as saved by the `datasets` fetcher."""
    path = root / GENAI_PARQUET
    return _parquet_rows(path, ["prompt"], None), [path]


# --- DrawBench: sayakpaul/drawbench (the Imagen sheet) --------------------------------------------

DRAWBENCH_PARQUET = "train.parquet"


def _drawbench(root: Path) -> Parsed:
    """DrawBench.tsv (`Prompts<TAB>Category`, CRLF) or the `datasets` fetcher's train.parquet."""
    tsv = root / "DrawBench.tsv"
    if tsv.is_file():
        rows = iter_tsv(tsv, ["Prompts", "Category"])
        return [RawRecord(r["Prompts"], f"{tsv.name}:{n}", r["Category"].strip()) for n, r in rows], [tsv]
    path = root / DRAWBENCH_PARQUET
    return _parquet_rows(path, ["Prompts", "Prompt", "prompt"], "Category"), [path]


# --- GenEval: djghosh13/geneval prompts/evaluation_metadata.jsonl -----------------------------------


def _geneval(root: Path) -> Parsed:
    """evaluation_metadata.jsonl: `{"tag", "include", "prompt"}` per line; the tag is the category."""
    path = root / "evaluation_metadata.jsonl"
    records = []
    for n, obj in iter_jsonl(path):
        tag = obj.get("tag")
        records.append(RawRecord(require_str(obj, "prompt", path, n), f"{path.name}:{n}", tag if isinstance(tag, str) else None))
    return records, [path]


# --- DPG-Bench: ELLA dpg_bench/prompts/*.txt -------------------------------------------------------

_DPG_SUBSET = re.compile(r"^([A-Za-z]+)")


def _dpg(root: Path) -> Parsed:
    """dpg_bench/prompts/*.txt: one prompt per file; the file-name prefix is the origin subset."""
    folder = root / "prompts"
    files = sorted(folder.glob("*.txt"), key=lambda p: p.name)
    if not files:
        raise SourceFormatError(folder, None, "expected DPG-Bench prompt files *.txt, found none")
    records = []
    for path in files:
        text = read_text(path)
        subset = _DPG_SUBSET.match(path.stem)
        records.append(RawRecord(text, path.name, subset.group(1) if subset else None))
    return records, files


# --- OneIG-Bench ZH: OneIG-Bench-ZH.csv ----------------------------------------------------------------


def _oneig_zh(root: Path) -> Parsed:
    """OneIG-Bench-ZH.csv: `category,id,prompt_cn,class`; ids are zero-padded strings per category."""
    path = root / "OneIG-Bench-ZH.csv"
    rows = iter_csv(path, ["category", "id", "prompt_cn"])
    return [RawRecord(r["prompt_cn"], f"{r['category']}/{r['id']}", r["category"]) for _, r in rows], [path]


# --- CVTG-2K: dnkdnk/CVTG-2K CVTG-2K.zip -----------------------------------------------------------------

_CVTG_MEMBER = re.compile(r"(^|/)(CVTG[^/]*)/(\d+)\.json$")


def _cvtg(root: Path) -> Parsed:
    """CVTG-2K.zip: `CVTG*/{2,3,4,5}.json`, each `{"data_list": [{"index", "prompt", ...}]}`.

    The `N_combined.json` files repeat the same prompts without annotations and are not read.
    """
    path = root / "CVTG-2K.zip"
    try:
        archive = zipfile.ZipFile(io.BytesIO(read_bytes(path)))
    except zipfile.BadZipFile as exc:
        raise SourceFormatError(path, None, f"expected a zip archive ({exc})") from None
    records = []
    with archive:
        members = sorted(n for n in archive.namelist() if _CVTG_MEMBER.search(n))
        if not members:
            raise SourceFormatError(path, None, "expected members CVTG*/<N>.json with a data_list, found none")
        for member in members:
            where = f"{path}!{member}"
            doc = read_json(Path(where), archive.read(member))
            data = doc.get("data_list") if isinstance(doc, dict) else None
            if not isinstance(data, list):
                raise SourceFormatError(where, 1, "expected a JSON object with a 'data_list' array")
            folder, regions = _CVTG_MEMBER.search(member).group(2, 3)
            for i, item in enumerate(data):
                if not isinstance(item, dict):
                    raise SourceFormatError(where, None, f"data_list[{i}]: expected an object with a 'prompt'")
                text = require_str(item, "prompt", Path(f"{where} data_list[{i}]"), None)
                records.append(RawRecord(text, f"{member}:{item.get('index', i)}", f"{folder}/{regions}"))
    return records, [path]


# --- LongText-Bench: X-Omni textbench/text_prompts{,_zh}.jsonl ------------------------------------------

LONGTEXT_FILES = {"text_prompts.jsonl": "en", "text_prompts_zh.jsonl": "zh"}


def _longtext(root: Path) -> Parsed:
    """text_prompts.jsonl (EN) and text_prompts_zh.jsonl (ZH): no language field, the file name says it.

    `prompt_id` restarts in each file, so the key is language + prompt_id.
    """
    records, files = [], []
    for name, lang in LONGTEXT_FILES.items():
        path = root / name
        if not path.exists():
            raise SourceFormatError(path, None, "expected this LongText-Bench file beside its other language")
        files.append(path)
        for n, obj in iter_jsonl(path):
            cat = obj.get("category")
            key = f"{lang}:{obj.get('prompt_id', n)}"
            records.append(RawRecord(require_str(obj, "prompt", path, n), key, cat if isinstance(cat, str) else None))
    return records, files


# --- MJHQ-30K: playgroundai/MJHQ-30K meta_data.json ---------------------------------------------------


def _mjhq(root: Path) -> Parsed:
    """meta_data.json: an object keyed by image id, each value `{"category": str, "prompt": str}`."""
    path = root / "meta_data.json"
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise SourceFormatError(path, 1, f"expected a JSON object keyed by image id, got a {type(doc).__name__}")
    records = []
    for image_id, value in doc.items():
        if not isinstance(value, dict):
            raise SourceFormatError(path, None, f"entry {image_id!r}: expected an object with 'prompt' and 'category'")
        text = require_str(value, "prompt", Path(f"{path} entry {image_id!r}"), None)
        cat = value.get("category")
        records.append(RawRecord(text, image_id, cat if isinstance(cat, str) else None))
    return records, [path]


parse_parti = _with_fallback(_parti, "PartiPrompts.tsv")
parse_genai = _with_fallback(_genai, GENAI_PARQUET)
parse_drawbench = _with_fallback(_drawbench, "DrawBench.tsv", DRAWBENCH_PARQUET)
parse_geneval = _with_fallback(_geneval, "evaluation_metadata.jsonl")
parse_dpg = _with_fallback(_dpg, "prompts")
parse_oneig_zh = _with_fallback(_oneig_zh, "OneIG-Bench-ZH.csv")
parse_cvtg = _with_fallback(_cvtg, "CVTG-2K.zip")
parse_longtext = _with_fallback(_longtext, *LONGTEXT_FILES)
parse_mjhq = _with_fallback(_mjhq, "meta_data.json")
