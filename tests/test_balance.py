"""balance: pure functions, the stage through CliRunner, and `dvc exp run -S balance.min_per_cell=…` in a temp repo."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from typer.testing import CliRunner

from diffcurate.balance import BalanceConfig, cap_sources, parse_codes, parse_sample, read_holdout, run_balance, stratified_keep
from diffcurate.devtools import copy_tracked_tree
from diffcurate.errors import InputError
from diffcurate.schemas import DropReason
from diffcurate.taxonomy import Axis

spec = importlib.util.spec_from_file_location("stage_balance", REPO / "stages/balance.py")
stage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(stage)
runner = CliRunner()


def make_rows(
    n: int, source: str, subject: str = "S2", style: str = "T1", words: int = 20, language: str = "en", start: int = 0
) -> list[dict]:
    out = []
    for i in range(start, start + n):
        w = words if isinstance(words, int) else words[i % len(words)]
        text = " ".join([f"{source}{i}"] + ["word"] * (w - 1)) if language == "en" else "中" * w + str(i)
        out.append(
            {
                "id": f"{source}-{subject}-{style}-{i}",
                "source": source,
                "text": text,
                "language": language,
                "n_words": len(text.split()),
                "n_chars": len(text),
                "subject": subject,
                "style": style,
                "camera": "C1",
                "label_flag": None,
            }
        )
    return out


def frame(*groups: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([r for g in groups for r in g])


# --- parsing --------------------------------------------------------------------------------------
def test_parsing_names_the_bad_item(tmp_path):
    assert parse_sample(["partiprompts=5", "cvtg-2k=3,generated=1"]) == {"partiprompts": 5, "cvtg-2k": 3, "generated": 1}
    for bad, msg in (
        (["partyprompts=5"], "expected SOURCE=N"),
        (["partiprompts=x"], "not a whole number"),
        (["partiprompts"], "expected SOURCE=N"),
    ):
        with pytest.raises(ValueError, match=msg):
            parse_sample(bad)
    assert parse_codes("S1, S13", Axis.SUBJECT) == ("S1", "S13") and parse_codes("", Axis.STYLE) is None
    with pytest.raises(ValueError, match=r"unknown subject codes \['S99'\]"):
        parse_codes("S1,S99", Axis.SUBJECT)
    txt = tmp_path / "h.txt"
    txt.write_text("a cat\n\n  a dog \n")
    assert read_holdout(txt) == {"a cat", "a dog"}
    bad = tmp_path / "h.jsonl"
    bad.write_text('{"prompt": "a cat"}\n')
    with pytest.raises(ValueError, match="expected a `text` column"):
        read_holdout(bad)
    broken = tmp_path / "h2.jsonl"
    broken.write_text('{"text": "a cat"\n')
    with pytest.raises(ValueError, match="h2.jsonl, line 1: not a JSON object"):
        read_holdout(broken)
    (tmp_path / "h.csv").write_text("text\na cat\n")
    with pytest.raises(ValueError, match="expected .txt"):
        read_holdout(tmp_path / "h.csv")


# --- the steps --------------------------------------------------------------------------------------
def test_hard_cutoffs_apply_to_english_words_and_chinese_characters():
    df = frame(
        make_rows(3, "partiprompts", words=5),
        make_rows(3, "partiprompts", words=90, start=10),
        make_rows(3, "partiprompts", start=20),
        make_rows(2, "oneig-zh", words=5, language="zh"),
        make_rows(2, "oneig-zh", words=60, language="zh", start=5),
    )
    res = run_balance(df, BalanceConfig(min_chars_zh=10, max_chars_zh=200, max_source_share=1.0))
    assert res.metrics["dropped"] == {"too_long_en": 3, "too_short_en": 3, "too_short_zh": 2}
    assert len(res.prompts) == 5 and len(res.prompts) + len(res.drops) == len(df)
    assert set(res.drops["reason"]) == {"too_long_en", "too_short_en", "too_short_zh"}
    assert set(res.drops["reason"]) <= {r.value for r in DropReason}  # one spelling of a reason in every stage


def test_stratified_keep_prefers_long_prompts_and_never_drains_a_cell():
    big = make_rows(100, "partiprompts", "S2", "T1", words=list(range(10, 60)))
    small = make_rows(12, "partiprompts", "S3", "T4", words=11, start=500)
    df = frame(big, small)
    keep = stratified_keep(df, min_per_cell=30)
    kept_big = df[keep & (df["subject"] == "S2")]
    assert len(kept_big) == 50 and kept_big["n_words"].min() >= df.loc[~keep, "n_words"].max()
    assert keep[df["subject"] == "S3"].all()  # below the minimum: everything stays
    assert stratified_keep(frame(make_rows(40, "partiprompts")), 30).sum() == 30  # top half would be 20 < 30


def test_source_cap_drops_from_surplus_cells_only_and_reports_what_it_cannot_do():
    gen = make_rows(60, "generated", "S2", "T1", words=list(range(12, 40))) + make_rows(30, "generated", "S3", "T1", start=100)
    other = make_rows(30, "partiprompts", "S3", "T1", start=200) + make_rows(30, "cvtg-2k", "S4", "T1", start=300)
    df = frame(gen, other).reset_index(drop=True)
    keep, unmet = cap_sources(df, max_share=0.40, min_per_cell=30)
    kept = df[keep]
    share = kept["source"].value_counts(normalize=True)
    assert share.max() <= 0.40 + 1e-9 and not unmet
    assert (kept.groupby(["subject", "style"]).size() >= 30).all()
    dropped = df[~keep]
    assert set(dropped["source"]) == {"generated"} and len(dropped) == 50  # (90 - 0.4 * 150) / 0.6
    # The shortest go first within a cell.
    s2 = df[(df["subject"] == "S2")]
    assert dropped.loc[dropped["subject"] == "S2", "n_words"].max() <= s2.loc[keep[s2.index], "n_words"].min()
    # A source that fills cells at the minimum cannot be capped without draining them: reported, not forced.
    tight = frame(
        make_rows(30, "generated", "S2"), make_rows(30, "generated", "S3", start=50), make_rows(30, "partiprompts", "S4")
    )
    keep, unmet = cap_sources(tight, 0.40, 30)
    assert keep.all() and unmet == {"generated": 40}  # (60 - 0.4 * 90) / 0.6 drops needed, none possible


def test_sample_filters_holdout_and_mjhq_fill_are_seeded_and_counted():
    mj = make_rows(50, "mjhq-30k", "S5", "T1", words=[10, 30, 60])
    df = frame(make_rows(40, "partiprompts"), make_rows(40, "cvtg-2k", "S11", "T6"), mj, make_rows(5, "geneval", "S10", "T3"))
    cfg = BalanceConfig(
        sample={"partiprompts": 10},
        mjhq_fill_count=7,
        subjects="S2,S5,S11",
        holdout_texts=frozenset({df.loc[45, "text"]}),
        max_source_share=1.0,
    )
    a, b = run_balance(df, cfg), run_balance(df.sample(frac=1.0, random_state=3), cfg)
    pd.testing.assert_frame_equal(a.prompts, b.prompts)  # deterministic, whatever the input order
    counts = a.prompts["source"].value_counts().to_dict()
    assert counts == {"partiprompts": 10, "cvtg-2k": 39, "mjhq-30k": 7}
    d = a.metrics["dropped"]
    assert d["sampled_out"] == 30 and d["holdout"] == 1 and d["subject_filter"] == 5
    assert d["mjhq_out_of_mid_range"] == 50 - 17 and d["mjhq_not_selected"] == 17 - 7
    assert a.prompts.loc[a.prompts["source"] == "mjhq-30k", "n_words"].between(25, 50).all()
    assert run_balance(df, BalanceConfig(sample={"partiprompts": 10}, seed=1)).prompts["id"].tolist() != a.prompts["id"].tolist()
    no = run_balance(df, BalanceConfig(no_mjhq=True, max_source_share=1.0))
    assert "mjhq-30k" not in set(no.prompts["source"]) and no.metrics["dropped"]["mjhq_excluded"] == 50
    with pytest.raises(ValueError, match=r"sources not in the input: \['drawbench'\]"):
        run_balance(df, BalanceConfig(sample={"drawbench": 3}))


def test_metrics_have_the_issue_keys():
    df = frame(make_rows(40, "partiprompts"), make_rows(10, "oneig-zh", language="zh", words=30, start=100))
    m = run_balance(df, BalanceConfig(max_source_share=1.0)).metrics
    for key in (
        "n_prompts",
        "mean_words_en",
        "median_words_en",
        "mean_chars_zh",
        "zh_share",
        "cells_total",
        "cells_at_min",
        "min_cell_count",
        "max_source_share",
        "per_source",
        "per_subject",
        "per_style",
        "per_camera",
    ):
        assert key in m
    assert m["cells_total"] == 98 and m["cells_at_min"] == 1 and m["min_cell_count"] == 0 and m["zh_share"] == 0.2


def test_fifty_thousand_rows_are_fast_enough_to_measure():
    rng = np.random.default_rng(0)
    subjects, styles = [f"S{i}" for i in range(1, 15)], [f"T{i}" for i in range(1, 8)]
    rows = [
        {
            "id": f"x{i}",
            "source": ["partiprompts", "cvtg-2k", "generated", "mjhq-30k"][i % 4],
            "text": f"prompt {i}",
            "language": "en",
            "n_words": int(rng.integers(5, 90)),
            "n_chars": 40,
            "subject": subjects[i % 14],
            "style": styles[(i // 14) % 7],
            "camera": "C1",
        }
        for i in range(50_000)
    ]
    t = time.perf_counter()
    res = run_balance(pd.DataFrame(rows), BalanceConfig(balance_lengths=True))
    assert res.metrics["n_prompts"] > 0 and time.perf_counter() - t < 60  # the benchmark measures it; this only guards a blow-up


# --- the stage ---------------------------------------------------------------------------------------
@pytest.fixture
def expanded(tmp_path: Path) -> Path:
    df = frame(
        make_rows(60, "partiprompts"),
        make_rows(40, "cvtg-2k", "S11", "T6"),
        make_rows(20, "oneig-zh", "S13", "T2", language="zh", words=40),
    )
    df["expanded"] = False
    path = tmp_path / "expanded.parquet"
    df.to_parquet(path)
    return path


def invoke(tmp_path: Path, inp: Path, *args: str):
    return runner.invoke(
        stage.app,
        [
            "--input",
            str(inp),
            "--out-dir",
            str(tmp_path / "prompts"),
            "--metrics",
            str(tmp_path / "m/dataset.json"),
            "--plots",
            str(tmp_path / "plots"),
            *args,
        ],
    )


def test_stage_writes_parquet_jsonl_metrics_and_plots(expanded, tmp_path):
    res = invoke(tmp_path, expanded, "--max-source-share", "1.0", "--balance-lengths", "true", "--min-per-cell", "30")
    assert res.exit_code == 0, res.output
    out = pd.read_parquet(tmp_path / "prompts/prompts.parquet")
    lines = (tmp_path / "prompts/prompts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(out) == 30 + 30 + 20
    first = json.loads(lines[0])
    assert list(first) == ["text", "subject", "style", "camera", "source", "language"]
    assert any("中" in json.loads(x)["text"] for x in lines)  # Chinese written as characters
    m = json.loads((tmp_path / "m/dataset.json").read_text())
    assert m["n_prompts"] == 80 and m["dropped"] == {"length_balance": 40}
    assert set(pd.read_csv(tmp_path / "plots/cells.csv").columns) == {"subject", "style"}
    assert {"words", "prompts"} <= set(pd.read_csv(tmp_path / "plots/words_en.csv").columns)
    digest = (tmp_path / "prompts/prompts.parquet").read_bytes()
    assert invoke(tmp_path, expanded, "--max-source-share", "1.0", "--balance-lengths", "true").exit_code == 0
    assert (tmp_path / "prompts/prompts.parquet").read_bytes() == digest


def test_stage_bad_input_writes_nothing(expanded, tmp_path):
    cases = [
        (("--sample", "partyprompts=3"), "expected SOURCE=N"),
        (("--subjects", "S1,S15"), "unknown subject codes ['S15']"),
        (("--holdout", str(tmp_path / "nope.txt")), "no such file"),
        (("--sample", "drawbench=2"), "sources not in the input"),
        (("--holdout", str(tmp_path / "holdout.csv")), "expected .txt (one prompt a line), .jsonl or .parquet"),
    ]
    (tmp_path / "holdout.csv").write_text("text\na cat\n")
    for args, msg in cases:
        res = invoke(tmp_path, expanded, *args)
        assert res.exit_code == 1 and msg in res.output.replace("\n", ""), res.output
    assert invoke(tmp_path, expanded, "--balance-lengths", "maybe").exit_code == 2
    res = invoke(tmp_path, expanded, "--dry-run")
    assert res.exit_code == 0 and "dry run" in res.output
    assert not (tmp_path / "prompts").exists() and not (tmp_path / "m").exists()


# --- DVC: an experiment on balance.min_per_cell re-runs only balance and what follows ----------------
def _run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_dvc_exp_on_min_per_cell_reruns_only_balance_and_metrics_diff_shows_it(shared, tmp_path, monkeypatch):
    import yaml

    repo = copy_tracked_tree(REPO, tmp_path / "repo")
    monkeypatch.setenv("DIFFCURATE_MIRROR", str(shared / "sources"))
    params = yaml.safe_load((repo / "params.yaml").read_text())
    # A small but real pipeline: two sources, a low gapfill minimum (the stages and their wiring are the subject).
    params["download"]["sources"] = "partiprompts,drawbench"
    params["gapfill"]["min_per_cell"] = 3
    params["classify"]["reference"] = ""
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dvc = str(Path(sys.executable).parent / "dvc")
    first = _run(repo, dvc, "repro", "dashboard")  # the prompt pipeline (the D2C stages are another branch of the DAG)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert _run(repo, "git", "add", "-A").returncode == 0
    assert _run(repo, "git", "commit", "-qm", "baseline").returncode == 0
    exp = _run(repo, dvc, "exp", "run", "dashboard", "-S", "balance.min_per_cell=40")
    assert exp.returncode == 0, exp.stdout[-3000:] + exp.stderr[-3000:]
    ran = {line.split("'")[1] for line in exp.stdout.splitlines() if line.startswith("Running stage")}
    assert ran == {"balance", "dashboard"}, exp.stdout
    diff = _run(repo, dvc, "metrics", "diff", "--json")
    assert diff.returncode == 0, diff.stderr
    changed = json.loads(diff.stdout)["metrics/dataset.json"]
    assert changed["min_per_cell"]["old"] == 30 and changed["min_per_cell"]["new"] == 40


# --- holdout files: named errors, and an empty holdout is loud ----------------------------------------
def test_holdout_not_utf8_names_the_line(tmp_path):
    for name in ("h.txt", "h.jsonl"):
        path = tmp_path / name
        line = b"a cat\n" if name == "h.txt" else b'{"text": "a cat"}\n'
        path.write_bytes(line + line.replace(b"cat", b"caf\xe9"))
        with pytest.raises(InputError, match=rf"holdout .*{name}, line 2: expected UTF-8 text, found byte 0xe9"):
            read_holdout(path)


def test_holdout_that_is_a_directory(tmp_path):
    (tmp_path / "h.txt").mkdir()
    with pytest.raises(InputError, match="h.txt: expected a file, but it is a directory"):
        read_holdout(tmp_path / "h.txt")


@pytest.mark.parametrize("name,content", [("h.txt", ""), ("h.txt", "\n  \n"), ("h.jsonl", "")])
def test_empty_holdout_reads_as_no_prompts(tmp_path, name, content):
    (tmp_path / name).write_text(content)
    assert read_holdout(tmp_path / name) == set()


def test_empty_holdout_is_recorded_in_metrics_as_eval_leakage():
    df = frame(make_rows(40, "partiprompts"))
    m = run_balance(df, BalanceConfig(holdout="eval.txt", holdout_texts=frozenset(), max_source_share=1.0)).metrics
    assert m["holdout"]["file"] == "eval.txt" and m["holdout"]["prompts"] == 0 and m["holdout"]["dropped"] == 0
    assert "eval leakage" in m["holdout"]["warning"]
    held = run_balance(df, BalanceConfig(holdout="eval.txt", holdout_texts=frozenset({df.loc[3, "text"]}), max_source_share=1.0))
    assert held.metrics["holdout"] == {"file": "eval.txt", "prompts": 1, "dropped": 1, "warning": None}
    assert "holdout" not in run_balance(df, BalanceConfig(max_source_share=1.0)).metrics  # no holdout file: as before


def test_stage_empty_holdout_warns_loudly(expanded, tmp_path):
    (tmp_path / "eval.txt").write_text("")
    res = invoke(tmp_path, expanded, "--holdout", str(tmp_path / "eval.txt"))
    assert res.exit_code == 0, res.output
    out = res.output.replace("\n", "")
    assert "WARNING" in out and "eval.txt holds no prompts" in out and "eval leakage" in out
    m = json.loads((tmp_path / "m/dataset.json").read_text())
    assert m["holdout"]["prompts"] == 0 and "eval leakage" in m["holdout"]["warning"]


def test_stage_holdout_not_utf8_exits_1(expanded, tmp_path):
    (tmp_path / "eval.txt").write_bytes(b"caf\xe9\n")
    res = invoke(tmp_path, expanded, "--holdout", str(tmp_path / "eval.txt"))
    assert res.exit_code == 1 and "line 1: expected UTF-8 text" in res.output.replace("\n", "")
    assert "Traceback" not in res.output and not (tmp_path / "prompts").exists()
