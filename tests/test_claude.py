"""The `claude` backend for real: the anthropic SDK against a Messages/Batches server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import typer
from fakeanthropic import FakeAnthropic
from typer.testing import CliRunner

from diffcurate.cache import JsonlCache
from diffcurate.classify.claude import PROMPT_VERSION, ClaudeClassifier, parse_labels
from diffcurate.llm import ClaudeClient, ClaudeConfig, LLMMode
from diffcurate.llm_cli import ClaudeOptions, claude_defaults, claude_options
from diffcurate.params import stage_defaults

TEXTS = [
    "A woman wearing a red dress in a garden",
    "A storefront with 'Deep Learning' written on it",
    "A watercolor painting of a fox in the snow",
    "Aerial view of a winding river through autumn forest",
    "一只小猫在窗台上晒太阳",
]
GOLD = {
    TEXTS[0]: {"subject": "S1", "style": "T1", "camera": "C1"},
    TEXTS[1]: {"subject": "S11", "style": "T1", "camera": "C1"},
    TEXTS[2]: {"subject": "S2", "style": "T2", "camera": "C1"},
    TEXTS[3]: {"subject": "S5", "style": "T1", "camera": "C4"},
    TEXTS[4]: {"subject": "S2", "style": "T1", "camera": "C1"},
}
SECRET = "sk-ant-test-SECRET-0123456789"


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    with FakeAnthropic(GOLD.__getitem__) as server:
        yield server


def classifier(api, tmp_path, mode=LLMMode.SYNC, per_request=2, temperature=None, **cfg) -> ClaudeClassifier:
    config = ClaudeConfig(
        temperature=temperature, base_url=api.url, mode=mode, max_retries=3, timeout_s=0.5, poll_interval_s=0.0, **cfg
    )
    return ClaudeClassifier(
        ClaudeClient(config, sleep=lambda s: None), JsonlCache(tmp_path / "cache.jsonl"), prompts_per_request=per_request
    )


def codes(preds):
    return [{"subject": p.subject, "style": p.style, "camera": p.camera} for p in preds]


def test_sync_labels_many_prompts_per_request_with_cached_system_prompt(api, tmp_path):
    clf = classifier(api, tmp_path)
    preds = clf.classify(TEXTS)
    assert codes(preds) == [GOLD[t] for t in TEXTS]
    assert api.count("POST", "/v1/messages") == 3  # 5 prompts, 2 per request
    body = api.bodies[0]
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["tool_choice"] == {"type": "tool", "name": "record_labels"}
    assert body["tools"][0]["strict"] is True
    assert "temperature" not in body  # model default unless set
    usage = clf.client.usage.as_dict(clf.client.cfg)
    assert usage["requests"] == 3 and usage["cache_read_input_tokens"] == 2700 and usage["estimated_cost_usd"] > 0


@pytest.mark.parametrize("faults", [["429"], ["529", "529"], ["500"], ["timeout"], ["malformed_json"], ["no_tool"]])
def test_transient_failures_are_retried(api, tmp_path, faults):
    api.message_faults = list(faults)
    preds = classifier(api, tmp_path, per_request=5).classify(TEXTS)
    assert codes(preds) == [GOLD[t] for t in TEXTS]
    assert api.count("POST", "/v1/messages") == len(faults) + 1


def test_invalid_and_missing_codes_are_reasked_not_guessed(api, tmp_path):
    api.message_faults = ["invalid_codes", "drop_one"]
    clf = classifier(api, tmp_path, per_request=5)
    preds = clf.classify(TEXTS)
    assert codes(preds) == [GOLD[t] for t in TEXTS]
    assert clf.reasked == 2  # the first prompt (S99), then the last one (dropped)
    assert clf.flagged == 0


def test_persistently_invalid_is_flagged(api, tmp_path):
    api.message_faults = ["invalid_codes"] * 10
    clf = classifier(api, tmp_path, per_request=5)
    preds = clf.classify(TEXTS[:1])
    assert preds[0].subject is None and preds[0].flag.startswith("no valid labels")
    assert clf.flagged == 1
    assert api.count("POST", "/v1/messages") == 3  # first ask + 2 re-asks


def test_resume_makes_zero_repeated_calls(api, tmp_path):
    api.down_for = {TEXTS[0]}  # every request with this prompt fails (after the SDK's retries)
    first = classifier(api, tmp_path).classify(TEXTS)
    assert [p.subject is not None for p in first] == [False, True, True, True, True]
    api.down_for = set()
    calls_before = dict(api.labelled)
    second = classifier(api, tmp_path).classify(TEXTS)  # a fresh process: only the cache file carries over
    assert codes(second) == [GOLD[t] for t in TEXTS]
    repeated = [t for t in TEXTS if api.labelled[t] > 1]
    assert repeated == []  # nothing labelled once was asked again
    assert sum(api.labelled.values()) == len(TEXTS)
    third = classifier(api, tmp_path)
    requests = sum(api.requests.values())
    assert codes(third.classify(TEXTS)) == codes(second)
    assert sum(api.requests.values()) == requests  # fully cached: no request at all
    assert calls_before != dict(api.labelled)


def test_temperature_is_sent_when_set(api, tmp_path):
    classifier(api, tmp_path, temperature=0.0).classify(TEXTS[:1])
    assert api.bodies[0]["temperature"] == 0.0


def test_cache_key_includes_model_and_prompt_version(api, tmp_path):
    classifier(api, tmp_path).classify(TEXTS[:2])
    n = sum(api.labelled.values())
    classifier(api, tmp_path, model="claude-opus-4-1").classify(TEXTS[:2])
    assert sum(api.labelled.values()) == 2 * n  # another model: not served from the cache
    assert PROMPT_VERSION in json.dumps(PROMPT_VERSION)


def test_batch_mode_with_404_after_create_and_partial_failures(api, tmp_path):
    api.batch_404s = 2
    api.result_faults = {"r0-g1": ["errored"], "r0-g2": ["expired"]}
    clf = classifier(api, tmp_path, mode=LLMMode.BATCH)
    preds = clf.classify(TEXTS)
    assert codes(preds) == [GOLD[t] for t in TEXTS]
    assert api.count("POST", "/v1/messages/batches") == 2  # the resubmission carries only the 2 failed requests
    assert len(api.bodies[1]["requests"]) == 2
    assert {r["custom_id"] for r in api.bodies[1]["requests"]} == {"r0-g1", "r0-g2"}
    assert api.count("POST", "/v1/messages") == 0
    usage = clf.client.usage.as_dict(clf.client.cfg)
    assert usage["batch_requests"] == usage["requests"] == 3
    assert usage["errors"] == {"batch_404_after_create": 4, "batch_errored": 1, "batch_expired": 1}  # 2 per batch


def test_api_key_is_sent_but_never_written(api, tmp_path):
    clf = classifier(api, tmp_path)
    clf.classify(TEXTS)
    assert api.api_keys == {SECRET}
    assert SECRET not in (tmp_path / "cache.jsonl").read_text()
    assert SECRET not in json.dumps(clf.client.usage.as_dict(clf.client.cfg))


def test_parse_labels_rejects_bad_entries():
    answer = {
        "labels": [
            {"index": 0, "subject": "S1", "style": "T1", "camera": "C1"},
            {"index": 1, "subject": "S15", "style": "T1", "camera": "C1"},
            {"index": 7, "subject": "S2", "style": "T1", "camera": "C1"},
            {"index": 0, "subject": "S3", "style": "T1", "camera": "C1"},
            "junk",
        ]
    }
    assert parse_labels(answer, 2) == {0: {"subject": "S1", "style": "T1", "camera": "C1"}}
    assert parse_labels(None, 2) == {} and parse_labels({"labels": "x"}, 2) == {}


def test_claude_options_are_defined_once_and_default_to_the_stage_section(tmp_path):
    (tmp_path / "params.yaml").write_text(
        "s:\n  claude:\n    model: m1\n    temperature: ''\n    mode: batch\n    concurrency: 2\n    max_retries: 1\n"
        "    prompts_per_request: 3\n    max_reasks: 0\n    min_answered_share: 0.9\n"
    )
    P = stage_defaults("s", tmp_path / "stage.py")
    got = {}
    app = typer.Typer(add_completion=False)

    @app.command()
    @claude_options
    def main(before: int = 1, claude: ClaudeOptions = claude_defaults(P), after: int = 2) -> None:  # noqa: B008
        got.update(claude=claude, before=before, after=after)

    names = [p.name for p in typer.main.get_command(app).params]
    assert names == [
        "before",
        "claude_model",
        "claude_temperature",
        "claude_mode",
        "claude_concurrency",
        "claude_max_retries",
        "prompts_per_request",
        "max_reasks",
        "claude_min_answered_share",
        "after",
    ]  # in place of `claude`
    assert CliRunner().invoke(app, []).exit_code == 0
    assert (
        got["claude"]
        == claude_defaults(P)
        == ClaudeOptions(ClaudeConfig(model="m1", temperature=None, mode=LLMMode.BATCH, concurrency=2, max_retries=1), 3, 0, 0.9)
    )
    res = CliRunner().invoke(app, ["--claude-temperature", "0.5", "--max-reasks", "4", "--before", "7", "--claude-mode", "sync"])
    assert res.exit_code == 0, res.output
    assert got["claude"].config.temperature == 0.5 and got["claude"].config.mode is LLMMode.SYNC
    assert got["claude"].max_reasks == 4 and got["before"] == 7 and got["after"] == 2
    res = CliRunner().invoke(app, ["--claude-temperature", "warm"])
    assert res.exit_code == 2 and "warm" in res.output
