"""Parsers on the real published formats, and the clear errors bad input must give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cvtg_zip

from diffcurate.errors import SourceFormatError
from diffcurate.sources import SOURCES, SourceName, parse_source_list
from diffcurate.sources import parsers as P


def test_every_source_parses_its_published_format(tiny_mirror: Path):
    got = {name: SOURCES[name].parse(tiny_mirror / SOURCES[name].mirror_dir)[0] for name in SourceName}
    assert [r.text for r in got[SourceName.PARTIPROMPTS]][0].startswith('"G I G G L E"')  # quote kept
    assert got[SourceName.PARTIPROMPTS][1].category == "Animals"
    assert got[SourceName.DRAWBENCH][2].category == "Gary Marcus et al."  # trailing space stripped
    assert got[SourceName.GENEVAL][0].category == "counting"
    assert [r.key for r in got[SourceName.DPG_BENCH]] == ["0.txt", "countbench4.txt"]
    assert got[SourceName.DPG_BENCH][1].category == "countbench"
    oneig = got[SourceName.ONEIG_ZH]
    assert [r.key for r in oneig] == ["Portrait/000", "Text_Rendering/007", "Multilingualism/001"]  # padding kept
    assert oneig[1].text == '海报上写着"你好"，红色背景'  # CSV quoting undone
    cvtg = got[SourceName.CVTG_2K]
    assert len(cvtg) == 2  # the _combined.json copies are not read twice
    assert {r.category for r in cvtg} == {"CVTG/2", "CVTG-Style/2"}
    assert [r.key for r in got[SourceName.LONGTEXT_BENCH]] == ["en:0", "zh:0"]
    mjhq = got[SourceName.MJHQ_30K]
    assert [r.category for r in mjhq] == ["animals", "landscape", "logo"]
    assert len(mjhq[0].key) == 40


def test_normalized_prompts_jsonl_is_accepted(tiny_mirror: Path):
    records, files = P.parse_genai(tiny_mirror / "genai-bench")
    assert [f.name for f in files] == ["prompts.jsonl"]
    assert records[0].text == "a cute dog is playing a ball in the park"


def test_absent_source_is_not_in_folder(tmp_path: Path):
    with pytest.raises(P.NotInFolder):
        P.parse_mjhq(tmp_path / "mjhq-30k")


def test_source_list_validation():
    assert parse_source_list("geneval, partiprompts") == [SourceName.PARTIPROMPTS, SourceName.GENEVAL]
    with pytest.raises(ValueError, match="parti-prompts"):
        parse_source_list("parti-prompts")


# --- bad input: each error names the file, the line and what was expected ------------------------


def _err(fn, *args) -> SourceFormatError:
    with pytest.raises(SourceFormatError) as info:
        fn(*args)
    return info.value


def test_truncated_jsonl(tiny_mirror: Path):
    path = tiny_mirror / "geneval/evaluation_metadata.jsonl"
    good = path.read_text()
    path.write_text(good + good + '{"tag": "colors", "prompt": "a photo of a bl')
    err = _err(P.parse_geneval, path.parent)
    assert err.path == path and err.line == 3
    assert "evaluation_metadata.jsonl, line 3: expected one JSON object per line" in str(err)


def test_truncated_json_document(tiny_mirror: Path):
    path = tiny_mirror / "mjhq-30k/meta_data.json"
    path.write_bytes(path.read_bytes()[:200])
    err = _err(P.parse_mjhq, path.parent)
    assert err.path == path and err.line is not None and "expected valid JSON" in str(err)


def test_jsonl_missing_field(tiny_mirror: Path):
    path = tiny_mirror / "longtext-bench/text_prompts_zh.jsonl"
    path.write_text(json.dumps({"category": "sign", "prompt_id": 0}) + "\n")
    err = _err(P.parse_longtext, path.parent)
    assert "text_prompts_zh.jsonl, line 1: expected a string field 'prompt', but it is missing" in str(err)


def test_tsv_missing_column(tiny_mirror: Path):
    path = tiny_mirror / "partiprompts/PartiPrompts.tsv"
    path.write_text("Prompt\tCategory\tChallenge\tNote\nA cat on a mat in the sun\tAnimals\tBasic\t\nA dog\tAnimals\n")
    err = _err(P.parse_parti, path.parent)
    assert err.line == 3
    assert "PartiPrompts.tsv, line 3: expected 4 tab-separated fields" in str(err) and "got 2" in str(err)


def test_tsv_missing_header_column(tiny_mirror: Path):
    path = tiny_mirror / "drawbench/DrawBench.tsv"
    path.write_text("Prompt\nA red colored car.\n")
    err = _err(P.parse_drawbench, path.parent)
    assert err.line == 1 and "expected a header with columns ['Prompts', 'Category']" in str(err)


def test_csv_row_with_missing_field(tiny_mirror: Path):
    path = tiny_mirror / "oneig-bench-zh/OneIG-Bench-ZH.csv"
    path.write_bytes("category,id,prompt_cn,class\r\nPortrait,000,一位老人,\r\nPortrait,001\r\n".encode())
    err = _err(P.parse_oneig_zh, path.parent)
    assert err.line == 3 and "expected 4 comma-separated fields" in str(err)


@pytest.mark.parametrize(
    "rel",
    [
        "partiprompts/PartiPrompts.tsv",
        "geneval/evaluation_metadata.jsonl",
        "oneig-bench-zh/OneIG-Bench-ZH.csv",
        "dpg-bench/prompts/0.txt",
    ],
)
def test_empty_file(tiny_mirror: Path, rel: str):
    path = tiny_mirror / rel
    path.write_bytes(b"")
    name = SourceName(next(s for s in SourceName if rel.startswith(SOURCES[s].mirror_dir)))
    err = _err(SOURCES[name].parse, tiny_mirror / SOURCES[name].mirror_dir)
    assert err.path == path and "the file is empty" in str(err)


def test_non_utf8_bytes(tiny_mirror: Path):
    path = tiny_mirror / "partiprompts/PartiPrompts.tsv"
    path.write_bytes(b"Prompt\tCategory\tChallenge\tNote\nA caf\xe9 at night with neon signs\tArts\tBasic\t\n")
    err = _err(P.parse_parti, path.parent)
    assert err.line == 2 and "expected UTF-8 text, found byte 0xe9" in str(err)


def test_zip_without_data_list(tiny_mirror: Path):
    path = tiny_mirror / "cvtg-2k/CVTG-2K.zip"
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("CVTG/2.json", json.dumps({"prompts": ["a sign"]}))
    path.write_bytes(buf.getvalue())
    err = _err(P.parse_cvtg, path.parent)
    assert "CVTG-2K.zip!CVTG/2.json, line 1: expected a JSON object with a 'data_list' array" in str(err)


def test_zip_with_no_cvtg_members_and_not_a_zip(tiny_mirror: Path):
    path = tiny_mirror / "cvtg-2k/CVTG-2K.zip"
    path.write_bytes(cvtg_zip({"other/2.json": ["x"]}))
    assert "expected members CVTG*/<N>.json" in str(_err(P.parse_cvtg, path.parent))
    path.write_bytes(b"<html>rate limited</html>")
    assert "expected a zip archive" in str(_err(P.parse_cvtg, path.parent))


def test_mjhq_wrong_shape(tiny_mirror: Path):
    path = tiny_mirror / "mjhq-30k/meta_data.json"
    path.write_text(json.dumps([{"prompt": "x"}]))
    assert "expected a JSON object keyed by image id, got a list" in str(_err(P.parse_mjhq, path.parent))
    path.write_text(json.dumps({"abc": {"category": "logo"}}))
    assert "entry 'abc'" in str(_err(P.parse_mjhq, path.parent))


@pytest.mark.parametrize(
    "rel,header",
    [
        ("partiprompts/PartiPrompts.tsv", b"Prompt\tCategory\tChallenge\tNote\n"),
        ("drawbench/DrawBench.tsv", b"Prompts\tCategory\r\n"),
        ("oneig-bench-zh/OneIG-Bench-ZH.csv", b"category,id,prompt_cn,class\r\n"),
    ],
)
def test_header_only_file_is_an_empty_source(tiny_mirror: Path, rel: str, header: bytes):
    path = tiny_mirror / rel
    path.write_bytes(header)
    name = next(s for s in SourceName if rel.startswith(SOURCES[s].mirror_dir + "/"))
    err = _err(SOURCES[name].parse, path.parent)
    assert err.path == path and "expected prompt rows after the header, found none" in str(err)


def test_empty_containers_are_empty_sources(tiny_mirror: Path):
    meta = tiny_mirror / "mjhq-30k/meta_data.json"
    meta.write_text("{}")
    assert "expected at least one prompt, found none" in str(_err(P.parse_mjhq, meta.parent))
    zipped = tiny_mirror / "cvtg-2k/CVTG-2K.zip"
    zipped.write_bytes(cvtg_zip({"CVTG/2.json": []}))
    assert "expected at least one prompt, found none" in str(_err(P.parse_cvtg, zipped.parent))


def test_csv_unclosed_quote_names_the_line_it_opened(tiny_mirror: Path):
    path = tiny_mirror / "oneig-bench-zh/OneIG-Bench-ZH.csv"
    rows = [f"Portrait,{i:03d},一位老人坐在窗边读书,\r\n" for i in range(30)]
    rows[7] = 'Portrait,007,"一位老人坐在窗边读书，阳光,\r\n'  # line 9 (header is line 1): the quote never closes
    path.write_bytes(("category,id,prompt_cn,class\r\n" + "".join(rows)).encode())
    err = _err(P.parse_oneig_zh, path.parent)
    assert err.line == 9, str(err)
    assert "quote opened on this line is never closed" in str(err)


def test_csv_multiline_quoted_field_reports_its_first_line(tiny_mirror: Path):
    path = tiny_mirror / "oneig-bench-zh/OneIG-Bench-ZH.csv"
    path.write_bytes('category,id,prompt_cn,class\r\nPortrait,000,"三",\r\nPortrait,001,"两行\r\n的提示",x,extra\r\n'.encode())
    err = _err(P.parse_oneig_zh, path.parent)
    assert err.line == 3 and "expected 4 comma-separated fields" in str(err)


@pytest.mark.parametrize(
    "rel",
    [
        "partiprompts/PartiPrompts.tsv",
        "geneval/evaluation_metadata.jsonl",
        "oneig-bench-zh/OneIG-Bench-ZH.csv",
        "cvtg-2k/CVTG-2K.zip",
        "mjhq-30k/meta_data.json",
        "longtext-bench/text_prompts_zh.jsonl",
        "genai-bench/prompts.jsonl",
    ],
)
def test_source_path_that_is_a_directory(tiny_mirror: Path, rel: str):
    import shutil

    path = tiny_mirror / rel
    path.unlink()
    path.mkdir()
    (path / "inner.txt").write_text("x")
    name = next(s for s in SourceName if rel.startswith(SOURCES[s].mirror_dir + "/"))
    err = _err(SOURCES[name].parse, path.parent)
    assert err.path == path and "expected a file, but it is a directory" in str(err)
    shutil.rmtree(path)
