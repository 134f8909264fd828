"""The `download` Typer command: options, outputs, metrics, and atomic failure."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO
from typer.testing import CliRunner

spec = importlib.util.spec_from_file_location("stage_download", REPO / "stages/download.py")
stage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stage)
runner = CliRunner()


def invoke(tmp_path: Path, *args: str, env: dict | None = None):
    base = [
        "--out",
        str(tmp_path / "raw"),
        "--metrics",
        str(tmp_path / "metrics/download.json"),
        "--plots",
        str(tmp_path / "plots"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--verify",
        "warn",  # the tiny mirror's files are made up: not the pinned published files
    ]
    return runner.invoke(stage.app, [*base, *args], env=env or {"DIFFCURATE_MIRROR": ""})


def test_stage_writes_outputs_and_metrics(tiny_mirror, tmp_path):
    res = invoke(tmp_path, "--mirror", str(tiny_mirror))
    assert res.exit_code == 0, res.output
    prompts = pd.read_parquet(tmp_path / "raw/prompts.parquet")
    rejected = pd.read_parquet(tmp_path / "raw/rejected.parquet")
    metrics = json.loads((tmp_path / "metrics/download.json").read_text())
    assert metrics["n_prompts"] == len(prompts) and metrics["n_rejected"] == len(rejected)
    assert metrics["mode"] == "mirror" and metrics["skipped"] == []
    assert set(metrics["per_source"]) == set(prompts["source"])
    plot = pd.read_csv(tmp_path / "plots/sources.csv")
    assert plot["kept"].sum() == len(prompts)


def test_mirror_from_environment(tiny_mirror, tmp_path):
    res = invoke(tmp_path, "--sources", "geneval", env={"DIFFCURATE_MIRROR": str(tiny_mirror)})
    assert res.exit_code == 0, res.output
    assert pd.read_parquet(tmp_path / "raw/prompts.parquet")["source"].unique().tolist() == ["geneval"]


def test_unavailable_fail_writes_nothing_and_skip_is_loud(tiny_mirror, tmp_path):
    shutil.rmtree(tiny_mirror / "mjhq-30k")
    res = invoke(tmp_path, "--mirror", str(tiny_mirror), "--on-unavailable", "fail")
    assert res.exit_code == 1
    assert "mjhq-30k" in res.output and "unavailable" in res.output
    assert not (tmp_path / "raw").exists() and not (tmp_path / "metrics").exists()
    res = invoke(tmp_path, "--mirror", str(tiny_mirror), "--on-unavailable", "skip")
    assert res.exit_code == 0
    assert "SOURCES SKIPPED" in res.output
    assert json.loads((tmp_path / "metrics/download.json").read_text())["skipped"] == ["mjhq-30k"]


def test_bad_file_fails_with_location_and_keeps_previous_outputs(tiny_mirror, tmp_path):
    assert invoke(tmp_path, "--mirror", str(tiny_mirror)).exit_code == 0
    before = (tmp_path / "raw/prompts.parquet").read_bytes()
    (tiny_mirror / "geneval/evaluation_metadata.jsonl").write_text('{"tag": "x", "prompt": "a photo of')
    res = invoke(tmp_path, "--mirror", str(tiny_mirror))
    assert res.exit_code == 1
    assert "evaluation_metadata.jsonl, line 1: expected one JSON object per line" in res.output.replace("\n", "")
    assert (tmp_path / "raw/prompts.parquet").read_bytes() == before  # untouched
    assert not list((tmp_path / "raw").glob(".*.tmp"))  # no temp files left


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--sources", "partiprompts,mjhq"], "unknown source"),
        (["--on-unavailable", "ignore"], "ignore"),
        (["--near-dup-action", "delete"], "delete"),
        (["--near-dup-num-perm", "100"], "multiple of bands"),
    ],
)
def test_typos_fail_at_parse_time(tiny_mirror, tmp_path, args, needle):
    res = invoke(tmp_path, "--mirror", str(tiny_mirror), *args)
    assert res.exit_code == 2
    assert needle in res.output
    assert not (tmp_path / "raw").exists()


def test_nothing_kept_exits_1_and_writes_nothing(tmp_path):
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    res = invoke(tmp_path, "--mirror", str(empty), "--on-unavailable", "skip")
    assert res.exit_code == 1
    out = res.output.replace("\n", "")
    assert "error: no prompts kept: every source was skipped" in out and "Traceback" not in out
    assert not (tmp_path / "raw").exists() and not (tmp_path / "metrics").exists() and not (tmp_path / "plots").exists()


def test_header_only_tsv_exits_1_naming_the_file(tiny_mirror, tmp_path):
    (tiny_mirror / "partiprompts/PartiPrompts.tsv").write_text("Prompt\tCategory\tChallenge\tNote\n")
    res = invoke(tmp_path, "--mirror", str(tiny_mirror), "--on-unavailable", "skip")
    assert res.exit_code == 1
    assert "PartiPrompts.tsv: expected prompt rows after the header, found none" in res.output.replace("\n", "")
    assert not (tmp_path / "raw").exists()


def test_checksum_mismatch_strict_fails_and_warn_is_loud(shared, tmp_path):
    import shutil

    root = tmp_path / "real"
    shutil.copytree(shared / "sources/geneval", root / "geneval")
    path = root / "geneval/evaluation_metadata.jsonl"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-1]))
    res = runner.invoke(
        stage.app,
        ["--out", str(tmp_path / "raw"), "--metrics", str(tmp_path / "m.json"), "--plots", str(tmp_path / "plots")]
        + ["--mirror", str(root), "--sources", "geneval"],
        env={"DIFFCURATE_MIRROR": ""},
    )
    assert res.exit_code == 1 and "expected sha256 5c48e08" in res.output.replace("\n", "")
    assert not (tmp_path / "raw").exists()
    res = invoke(tmp_path, "--mirror", str(root), "--sources", "geneval")
    assert res.exit_code == 0 and "PUBLISHED FILES NOT AS PINNED" in res.output
    m = json.loads((tmp_path / "metrics/download.json").read_text())
    assert m["verify"]["mismatches"][0]["file"] == "evaluation_metadata.jsonl" and m["n_prompts"] == 552


def test_mirror_that_is_a_file(tmp_path):
    (tmp_path / "mirror.txt").write_text("x")
    res = invoke(tmp_path, "--mirror", str(tmp_path / "mirror.txt"))
    assert res.exit_code == 2 and "is not a folder" in res.output
