"""Faults on the LLM side (issue 17): torn cache lines, a dead or refusing API, bad input tables.

The fast tests run the stages in-process against the fake Anthropic server on 127.0.0.1. The
`faults` tier kills a real `stages/classify.py` process with SIGKILL at several points (claude
backend against the slowed server, embedding backend at fixed fractions of its run and while it
writes) and re-runs it: no partial outputs, no lost cached answers, byte-identical final outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, load_stage
from fakeanthropic import FakeAnthropic
from typer.testing import CliRunner

from diffcurate.cache import JsonlCache, cache_key
from diffcurate.taxonomy import CODES, Axis

runner = CliRunner()
classify_stage, gapfill_stage, expand_stage = (load_stage(n) for n in ("classify", "gapfill", "expand"))

TEXTS = [
    "A woman wearing a red dress in a garden",
    "a watercolor painting of a fox in the snow",
    "aerial drone view of a winding river through a forest",
    'A storefront sign that says "Open all night"',
    "a bowl of ramen with a soft boiled egg, close-up",
    "一位穿着汉服的女子站在古塔前",
    "a lighthouse on a cliff at dusk, oil painting",
    "macro shot of a dew drop on a spider web",
    "a robot reading a newspaper in a cafe",
    "isometric pixel art of a tiny island village",
]


def oracle(text: str) -> dict[str, str]:
    """Deterministic codes for any text (the fake model's answer)."""
    h = int(hashlib.sha256(text.encode()).hexdigest(), 16)
    return {axis.value: CODES[axis][(h >> (8 * k)) % len(CODES[axis])] for k, axis in enumerate(Axis)}


def table(path: Path, texts: list = TEXTS) -> Path:
    langs = ["zh" if isinstance(t, str) and any("\u4e00" <= c <= "\u9fff" for c in t) else "en" for t in texts]
    pd.DataFrame({"text": texts, "language": langs, "source": "test"}).to_parquet(path)
    return path


def outputs(root: Path) -> dict[str, Path]:
    return {
        "output": root / "out/prompts.parquet",
        "metrics": root / "metrics/classify.json",
        "confusion": root / "plots/confusion_subject.csv",
        "model": root / "model/config.json",
    }


def classify_args(root: Path, inp: Path, *extra: str) -> list[str]:
    o = outputs(root)
    return [
        "--input",
        str(inp),
        "--reference",
        "",
        "--output",
        str(o["output"]),
        "--metrics",
        str(o["metrics"]),
        "--plots",
        str(o["confusion"].parent),
        "--cache",
        str(root / "cache/classify.jsonl"),
        "--model-dir",
        str(o["model"].parent),
        *extra,
    ]


CLAUDE = ["--backend", "claude", "--claude-max-retries", "0"]


def env_for(api: FakeAnthropic | None, key: str | None = "sk-test", url: str | None = None) -> dict:
    return {"ANTHROPIC_API_KEY": key, "ANTHROPIC_AUTH_TOKEN": None, "ANTHROPIC_BASE_URL": url or (api.url if api else None)}


def flat(res) -> str:
    return res.output.replace("\n", " ")


# --- 17.1: the response cache repairs a torn tail --------------------------------------------------


def test_cache_cuts_a_torn_tail_before_appending(tmp_path):
    path = tmp_path / "cache.jsonl"
    k = [cache_key("claude", "m", "v1", t) for t in ("a cat", "a dog", "a fox")]
    JsonlCache(path).put_many({k[0]: {"subject": "S2"}, k[1]: {"subject": "S2"}})
    complete = path.read_bytes()
    with open(path, "ab") as fh:
        fh.write(b'{"key": "x", "val')  # killed mid-append
    cache = JsonlCache(path)
    assert len(cache) == 2 and cache.dropped_lines == 1 and cache.dropped_bytes == 17
    assert path.read_bytes() == complete  # repaired on open, before anything is appended after it
    cache.put_many({k[2]: {"subject": "S2"}})
    again = JsonlCache(path)  # used to fail: "line 3: expected a cache entry"
    assert len(again) == 3 and again.dropped_lines == 0


def test_cache_keeps_an_entry_that_lost_only_its_newline_and_reads_readonly(tmp_path):
    path = tmp_path / "cache.jsonl"
    path.write_bytes(b'{"key": "a", "value": 1}\n{"key": "b", "value": 2}')
    torn = path.read_bytes() + b'\n{"key": "c"'
    cache = JsonlCache(path)
    assert cache.get("b") == 2 and cache.dropped_lines == 0 and path.read_bytes().endswith(b"2}\n")
    cache.put_many({"c": 3})
    assert len(JsonlCache(path)) == 3
    path.write_bytes(torn)
    ro = JsonlCache(path, readonly=True)  # reading a cache as seed labels never writes to it
    assert len(ro) == 2 and ro.dropped_lines == 1 and path.read_bytes() == torn


def test_cache_recovers_the_entry_an_older_run_appended_after_a_torn_tail(tmp_path):
    path = tmp_path / "cache.jsonl"
    path.write_text('{"key": "a", "value": 1}\n{"key": "x", "va{"key": "b", "value": 2}\n{"key": "c", "value": 3}\n')
    cache = JsonlCache(path)
    assert {k: cache.get(k) for k in "abc"} == {"a": 1, "b": 2, "c": 3} and cache.dropped_lines == 1
    path.write_text('{"key": "a", "value": 1}\nnot json\n{"key": "b", "value": 2}\n')
    with pytest.raises(ValueError, match="line 2"):  # damage in the middle is not a torn tail
        JsonlCache(path)


# --- 17.2: a total LLM failure fails the stage with its cause --------------------------------------


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("unreachable", "first connection error: APIConnectionError"),
        ("wrong_url", "first not_found error: HTTP 404"),
        ("bad_key", "first authentication error: HTTP 401"),
        ("rate_limit", "first rate_limit error: HTTP 429"),
        ("bad_answer", "first bad_answer error:"),
    ],
)
def test_classify_fails_with_the_cause_when_claude_labels_nothing(tmp_path, fault, expected):
    inp = table(tmp_path / "in.parquet", TEXTS[:4])
    with FakeAnthropic(oracle) as api:
        env = env_for(api)
        if fault == "unreachable":
            env = env_for(api, url=closed_port_url())
        elif fault == "wrong_url":
            env = env_for(api, url=api.url + "/wrong")
        elif fault == "bad_key":
            api.valid_keys = {"sk-right"}
        elif fault == "rate_limit":
            api.fail_all = "429"
        else:
            api.message_faults = ["no_tool"] * 100
        res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, *CLAUDE, "--max-reasks", "0"), env=env)
    assert res.exit_code == 1, res.output
    out = flat(res)
    assert "0 of 4 (0.0%), below claude.min_answered_share 0.95" in out and expected in out
    assert not any(p.exists() for p in outputs(tmp_path).values())  # nothing written for DVC to record


def test_classify_threshold_counts_labelled_prompts(tmp_path):
    inp = table(tmp_path / "in.parquet", TEXTS[:5])
    with FakeAnthropic(oracle) as api:
        api.down_for = {TEXTS[0]}  # one prompt of five always gets a 500
        args = classify_args(tmp_path, inp, *CLAUDE, "--prompts-per-request", "1", "--max-reasks", "0")
        res = runner.invoke(classify_stage.app, args, env=env_for(api))
        assert res.exit_code == 1 and "4 of 5 (80.0%)" in flat(res) and "first server error: HTTP 500" in flat(res)
        res = runner.invoke(classify_stage.app, [*args, "--claude-min-answered-share", "0.8"], env=env_for(api))
    assert res.exit_code == 0, res.output
    m = json.loads(outputs(tmp_path)["metrics"].read_text())
    assert m["n_flagged"] == 1 and m["claude"]["labelled_share"] == 0.8
    assert m["claude"]["first_errors"] == {"server": "HTTP 500 api_error: scripted 500"}


def test_a_refused_batch_is_a_failed_result_not_a_traceback(tmp_path, monkeypatch):
    from diffcurate.classify.claude import ClaudeClassifier
    from diffcurate.errors import LLMError
    from diffcurate.llm import ClaudeClient, ClaudeConfig, LLMMode

    with FakeAnthropic(oracle) as api:
        api.valid_keys = {"sk-right"}
        cfg = ClaudeConfig(temperature=None, base_url=api.url, mode=LLMMode.BATCH, max_retries=0, poll_interval_s=0.0)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-wrong")
        clf = ClaudeClassifier(ClaudeClient(cfg, sleep=lambda s: None), JsonlCache(None))
        preds = clf.classify(TEXTS[:3])
    assert all(p.flag for p in preds) and clf.flagged == 3
    # Neither resubmitted nor re-asked: when no request got an answer, the API is down or refuses the key.
    assert clf.client.usage.errors == {"batch_http_401": 1} and clf.reasked == 0
    with pytest.raises(LLMError, match=r"(?s)0 of 3 .*first authentication error: HTTP 401 authentication_error"):
        clf.require_labelled(0.95)


def test_no_api_key_fails_up_front_unless_the_cache_serves_every_prompt(tmp_path):
    inp = table(tmp_path / "in.parquet", TEXTS[:4])
    with FakeAnthropic(oracle) as api:
        res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, *CLAUDE), env=env_for(api, key=None))
        assert res.exit_code == 1 and "ANTHROPIC_API_KEY is not set" in flat(res) and "Traceback" not in res.output
        assert sum(api.requests.values()) == 0 and not outputs(tmp_path)["output"].exists()
        res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, *CLAUDE), env=env_for(api))
        assert res.exit_code == 0, res.output
        n = sum(api.requests.values())
        res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, *CLAUDE), env=env_for(api, key=None))
        assert res.exit_code == 0, res.output  # fully cached: no key needed
        assert sum(api.requests.values()) == n


# --- gapfill / expand: the same threshold ---------------------------------------------------------


@pytest.fixture
def classified(tmp_path: Path) -> dict[str, Path]:
    raw = tmp_path / "raw.parquet"
    pd.DataFrame([{"id": f"p{i}", "source": "test", "text": t} for i, t in enumerate(TEXTS[:6])]).assign(
        language=["en"] * 5 + ["zh"]
    ).to_parquet(raw)
    res = runner.invoke(classify_stage.app, classify_args(tmp_path / "c", raw, "--backend", "keyword"))
    assert res.exit_code == 0, res.output
    return {"input": outputs(tmp_path / "c")["output"], "model": tmp_path / "c/model"}


def test_gapfill_and_expand_fail_with_the_cause_when_claude_answers_nothing(classified, tmp_path):
    common = ["--classifier", str(classified["model"]), "--backend", "claude", "--claude-max-retries", "0"]
    gap = [
        "--input",
        str(classified["input"]),
        "--output",
        str(tmp_path / "gap/prompts.parquet"),
        "--metrics",
        str(tmp_path / "m/gapfill.json"),
        "--plots",
        str(tmp_path / "plots/gapfill"),
        "--cache",
        str(tmp_path / "cache/gap.jsonl"),
        "--min-per-cell",
        "1",
        "--max-rounds",
        "1",
        "--max-total",
        "20",
        *common,
    ]
    exp = [
        "--input",
        str(classified["input"]),
        "--generated",
        "",
        "--output",
        str(tmp_path / "exp/prompts.parquet"),
        "--metrics",
        str(tmp_path / "m/expand.json"),
        "--cache",
        str(tmp_path / "cache/exp.jsonl"),
        "--scope",
        "all",
        "--max-attempts",
        "1",
        *common,
    ]
    with FakeAnthropic(oracle) as api:
        api.valid_keys = {"sk-right"}
        res = runner.invoke(gapfill_stage.app, gap, env=env_for(api))
        assert res.exit_code == 1, res.output
        assert "gapfill: open slots Claude wrote a valid prompt for: 0 of 20" in flat(res)
        assert "first authentication error: HTTP 401" in flat(res)
        res = runner.invoke(expand_stage.app, exp, env=env_for(api))
        assert res.exit_code == 1, res.output
        assert "expand: prompts Claude expanded validly: 0 of 6" in flat(res) and "first authentication error" in flat(res)
        res = runner.invoke(gapfill_stage.app, gap, env=env_for(api, key=None))
        assert res.exit_code == 1 and "ANTHROPIC_API_KEY is not set" in flat(res)
    assert not (tmp_path / "gap").exists() and not (tmp_path / "exp").exists() and not (tmp_path / "m").exists()


# --- 17.3 / 17.5: empty tables and texts that are not strings --------------------------------------


def test_classify_refuses_an_empty_table(tmp_path):
    inp = tmp_path / "empty.parquet"
    pd.DataFrame({"text": pd.Series([], dtype=str), "language": pd.Series([], dtype=str)}).to_parquet(inp)
    res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, "--backend", "keyword"))
    assert res.exit_code == 1 and "empty.parquet: no prompts to classify (the table has 0 rows)" in flat(res)
    assert not outputs(tmp_path)["output"].exists()


def test_classify_names_rows_whose_text_is_not_a_string(tmp_path):
    inp = tmp_path / "bad.jsonl"
    inp.write_text('{"text": "a cat"}\n{"text": null}\n{"text": "a dog"}\n{"text": 42}\n')
    res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, "--backend", "keyword"))
    assert res.exit_code == 1, res.output
    assert "bad.jsonl: `text` must be a string; 2 row(s) are not: row 2 (null), row 4 (42)" in flat(res)
    assert "Traceback" not in res.output and not outputs(tmp_path)["output"].exists()


# --- the faults tier: SIGKILL a real stage process ------------------------------------------------


def start(root: Path, inp: Path, env: dict, *extra: str) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    full.update({k: v for k, v in env.items() if v is not None}, OMP_NUM_THREADS="1")
    root.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, str(REPO / "stages/classify.py"), *classify_args(root, inp, *extra)],
        cwd=REPO,
        env=full,
        stdout=open(root / "stdout.txt", "ab"),  # noqa: SIM115
        stderr=open(root / "stderr.txt", "ab"),  # noqa: SIM115
    )


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout: float = 120.0) -> bool:
    """SIGKILL `proc` as soon as `ready()`; False if it exited first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the stage neither finished nor reached the kill point")
        time.sleep(0.002)
    return False


def cached_texts(path: Path) -> set[str]:
    """The prompts whose answers a cache file holds (read without touching it: a stage may be appending)."""
    texts = set()
    for line in path.read_bytes().split(b"\n") if path.exists() else []:
        try:
            texts.add(json.loads(line)["value"]["text"])
        except (ValueError, KeyError, TypeError):
            continue
    return texts


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.is_file() and p.name.endswith((".tmp", ".bak"))]


def comparable(path: Path) -> bytes:
    """An output's bytes; the metrics without their timings."""
    if path.suffix != ".json" or path.parent.name != "metrics":
        return path.read_bytes()
    m = json.loads(path.read_text())
    m.pop("seconds", None), m.pop("prompts_per_second", None)
    return json.dumps(m, sort_keys=True).encode()


def assert_whole(root: Path, *allowed: dict[str, bytes]) -> None:
    """Each output absent, or exactly one of the `allowed` versions of it (old or new): never partial."""
    for name, path in outputs(root).items():
        if path.exists():
            assert comparable(path) in {a[name] for a in allowed}, f"{name} is partial or mixed"


@pytest.mark.faults
def test_kill9_classify_claude_mid_run_then_resume(tmp_path):
    inp = table(tmp_path / "in.parquet")
    with FakeAnthropic(oracle) as api:
        args = (*CLAUDE, "--prompts-per-request", "1", "--claude-concurrency", "1")
        # The uninterrupted run (in-process, its own cache) and an older run's outputs to replace.
        res = runner.invoke(classify_stage.app, classify_args(tmp_path / "ref", inp, *args), env=env_for(api))
        assert res.exit_code == 0, res.output
        ref = {k: comparable(p) for k, p in outputs(tmp_path / "ref").items()}
        labelled0 = dict(api.labelled)
        run = tmp_path / "run"
        res = runner.invoke(
            classify_stage.app, classify_args(run, table(tmp_path / "old.parquet", TEXTS[:2]), *args), env=env_for(api)
        )
        assert res.exit_code == 0, res.output
        old = {k: comparable(p) for k, p in outputs(run).items()}
        cache = run / "cache/classify.jsonl"

        api.delay_s = 0.3  # slow answers: the process is mid-run when killed
        for n_cached in (4, 7):  # two kill points, each after some answers were cached
            before = cached_texts(cache)
            labelled = dict(api.labelled)
            proc = start(run, inp, env_for(api), *args)
            assert kill_when(proc, lambda n=n_cached: len(cached_texts(cache)) >= n), "finished before the kill"
            assert_whole(run, old)  # killed while asking: the old outputs are untouched
            assert all(api.labelled[t] == labelled.get(t, 0) for t in before), "a cached prompt was asked again"
        with open(cache, "ab") as fh:
            fh.write(b'{"key": "' + b"0" * 40)  # and a torn last line, as a kill mid-append leaves
        before, labelled = cached_texts(cache), dict(api.labelled)

        api.delay_s = 0.0
        proc = start(run, inp, env_for(api), *args)
        assert proc.wait(timeout=120) == 0, (run / "stderr.txt").read_text()
    assert all(api.labelled[t] == labelled[t] for t in before), "a cached answer was lost"
    # Each prompt asked once, but for at most the two requests in flight at the kills.
    assert sum(api.labelled[t] - labelled0[t] for t in TEXTS) <= len(TEXTS) + 2, [api.labelled[t] - labelled0[t] for t in TEXTS]
    final = {k: comparable(p) for k, p in outputs(run).items()}
    # Byte-identical to the uninterrupted run (the metrics differ by design: fewer requests, a repaired cache).
    assert {k: v for k, v in final.items() if k != "metrics"} == {k: v for k, v in ref.items() if k != "metrics"}
    m = json.loads(outputs(run)["metrics"].read_text())
    assert m["claude"]["cache_dropped_lines"] == 1 and "dropped a torn tail of 1 line" in (run / "stderr.txt").read_text()
    assert len(JsonlCache(cache)) == len(TEXTS) and JsonlCache(cache).dropped_lines == 0  # the next run loads it
    assert not temp_files(run)


@pytest.mark.faults
def test_kill9_classify_embedding_at_several_points(tmp_path):
    inp = table(tmp_path / "in.parquet", TEXTS[:4])
    t0 = time.monotonic()
    proc = start(tmp_path / "ref", inp, {})
    assert proc.wait(timeout=300) == 0, (tmp_path / "ref/stderr.txt").read_text()
    took = time.monotonic() - t0
    ref = {k: comparable(p) for k, p in outputs(tmp_path / "ref").items()}
    run = tmp_path / "run"
    res = runner.invoke(classify_stage.app, classify_args(run, inp, "--backend", "keyword"))  # the older outputs
    assert res.exit_code == 0, res.output
    old = {k: comparable(p) for k, p in outputs(run).items()}

    def writing() -> bool:
        return bool(temp_files(run))

    points: list[tuple[str, Callable[[], bool]]] = [
        ("starting", lambda: time.monotonic() - t > 1.0),
        ("loading or labelling", lambda: time.monotonic() - t > 0.5 * took),
        ("writing outputs", writing),
    ]
    for name, ready in points:
        t = time.monotonic()
        killed = kill_when(start(run, inp, {}), ready, timeout=300)
        assert_whole(run, old, ref)
        if not killed:  # it finished before the kill point: a complete run
            assert name == "writing outputs", f"finished before the kill point {name!r}"
    proc = start(run, inp, {})
    assert proc.wait(timeout=300) == 0, (run / "stderr.txt").read_text()
    assert {k: comparable(p) for k, p in outputs(run).items()} == ref
    assert not temp_files(run)  # what a killed run left is cleaned by the next
