"""The `openai` provider for real: plain HTTP against a Chat Completions / Batch server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
import typer
from fakeopenai import CHAT, FakeOpenAI
from test_claude import GOLD, TEXTS, codes
from typer.testing import CliRunner

from diffcurate.cache import JsonlCache
from diffcurate.classify.claude import ClaudeClassifier
from diffcurate.errors import ConfigError, LLMError
from diffcurate.llm import LLMMode, LLMProvider, make_client
from diffcurate.llm_cli import LLMOptions, openai_defaults, openai_options
from diffcurate.llm_openai import OpenAIClient, OpenAIConfig, StructuredOutput, parse_price
from diffcurate.params import stage_defaults

SECRET = "sk-openai-test-SECRET-0123456789"
KEY_ENV = "DIFFCURATE_TEST_OPENAI_KEY"


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv(KEY_ENV, SECRET)
    with FakeOpenAI(GOLD.__getitem__) as server:
        yield server


def config(api, **kw) -> OpenAIConfig:
    defaults = dict(
        model="qwen2.5-7b-instruct",
        base_url=api.url,
        api_key_env=KEY_ENV,
        temperature=None,
        price_input_per_mtok=None,
        price_output_per_mtok=None,
        max_retries=3,
        timeout_s=0.5,
        poll_interval_s=0.0,
    )
    return OpenAIConfig(**(defaults | kw))


def classifier(api, tmp_path, per_request=2, **kw) -> ClaudeClassifier:
    client = OpenAIClient(config(api, **kw), sleep=lambda s: None)
    return ClaudeClassifier(client, JsonlCache(tmp_path / "cache.jsonl"), prompts_per_request=per_request)


def test_json_schema_labels_many_prompts_per_request(api, tmp_path):
    clf = classifier(api, tmp_path)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert api.chat_calls() == 3  # 5 prompts, 2 per request
    body = api.bodies[0]
    assert body["model"] == "qwen2.5-7b-instruct" and [m["role"] for m in body["messages"]] == ["system", "user"]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "record_labels" and fmt["json_schema"]["strict"] is True
    assert "tools" not in body and "temperature" not in body
    usage = clf.client.usage.as_dict(clf.client.cfg)
    assert usage["requests"] == 3 and usage["cache_read_input_tokens"] == 2700 and usage["input_tokens"] == 3 * 100 + 50
    assert usage["estimated_cost_usd"] is None  # no price set: no cost invented
    assert api.auth == {f"{SECRET}"}


def test_tools_mode_forces_the_function(api, tmp_path):
    clf = classifier(api, tmp_path, structured_output=StructuredOutput.TOOLS, temperature=0.0)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    body = api.bodies[0]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "record_labels"}}
    assert body["tools"][0]["function"]["parameters"]["required"] == ["labels"] and "response_format" not in body
    assert body["temperature"] == 0.0


def test_auto_falls_back_to_tools_when_the_server_refuses_json_schema(api, tmp_path):
    api.json_schema = False
    clf = classifier(api, tmp_path, concurrency=1)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert clf.client.format is StructuredOutput.TOOLS
    assert ["response_format" in b for b in api.bodies] == [True, False, False, False]  # refused once, never asked again
    assert clf.client.usage.errors == {"structured_output_fallback": 1}


def test_an_explicit_mode_the_server_refuses_is_an_error_not_a_fallback(api, tmp_path):
    api.json_schema = False
    clf = classifier(api, tmp_path, structured_output=StructuredOutput.JSON_SCHEMA)
    preds = clf.classify(TEXTS[:2])
    assert all(p.flag for p in preds) and api.chat_calls() == 1  # refused, and not re-asked: nothing answered
    with pytest.raises(LLMError, match=r"(?s)below openai.min_answered_share.*first request error: HTTP 400"):
        clf.require_labelled(0.95)


@pytest.mark.parametrize(
    "faults",
    [["429"], ["500", "500"], ["timeout"], ["malformed_json"], ["not_json"], ["no_answer"]],
)
def test_transient_failures_are_retried(api, tmp_path, faults):
    api.chat_faults = list(faults)
    clf = classifier(api, tmp_path, per_request=5)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert api.chat_calls() == len(faults) + 1
    assert clf.reasked == 0  # retried inside the client, not re-asked by the classifier


def test_retries_wait_with_backoff_and_give_up_with_the_cause(api, tmp_path):
    waits = []
    api.fail_all = "503"
    client = OpenAIClient(config(api, max_retries=3), sleep=waits.append)
    clf = ClaudeClassifier(client, JsonlCache(None), prompts_per_request=5)
    assert all(p.flag for p in clf.classify(TEXTS))
    assert api.chat_calls() == 4 and waits == [0.5, 1.0, 2.0]
    assert client.usage.errors == {"http_503": 1}
    assert client.usage.first_errors["server"] == "HTTP 503 server_error: scripted 503"


def test_schema_violating_and_invalid_answers_are_reasked_not_guessed(api, tmp_path):
    api.chat_faults = ["schema_violation", "invalid_codes", "drop_one"]
    clf = classifier(api, tmp_path, per_request=5)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert clf.reasked == 5 + 1 + 1  # all five (labels not a list), then the S99 one, then the dropped one
    assert clf.flagged == 0


def test_resume_makes_zero_repeated_calls_counted_at_the_server(api, tmp_path):
    api.down_for = {TEXTS[0]}  # every request naming this prompt gets a 500 (after the retries)
    first = classifier(api, tmp_path, per_request=1).classify(TEXTS)
    assert [p.subject is not None for p in first] == [False, True, True, True, True]
    api.down_for = set()
    before = sum(api.labelled.values())
    calls = api.chat_calls()
    second = classifier(api, tmp_path, per_request=1).classify(TEXTS)  # a fresh client: only the cache file carries over
    assert codes(second) == [GOLD[t] for t in TEXTS]
    assert api.chat_calls() == calls + 1 and sum(api.labelled.values()) == before + 1  # only the missing prompt
    assert [t for t in TEXTS if api.labelled[t] > 1] == []
    calls = sum(api.requests.values())
    assert codes(classifier(api, tmp_path).classify(TEXTS)) == codes(second)
    assert sum(api.requests.values()) == calls  # fully cached: not one request reaches the server


def test_cache_keys_separate_providers_and_models(api, tmp_path):
    cache = JsonlCache(tmp_path / "shared.jsonl")
    a = ClaudeClassifier(OpenAIClient(config(api), sleep=lambda s: None), cache)
    b = ClaudeClassifier(OpenAIClient(config(api, model="llama3.1:8b"), sleep=lambda s: None), cache)
    a.classify(TEXTS[:2])
    b.classify(TEXTS[:2])
    assert api.chat_calls() == 2 and len(cache) == 4  # another model: asked again, kept apart
    assert a._key(TEXTS[0]) != b._key(TEXTS[0])
    from diffcurate.llm import ClaudeClient, ClaudeConfig

    claude = ClaudeClassifier(ClaudeClient(ClaudeConfig(temperature=None, model="qwen2.5-7b-instruct")), cache)
    assert claude._key(TEXTS[0]) != a._key(TEXTS[0])  # the same model name through another provider


def test_unreachable_server_and_bad_key_are_named(api, tmp_path):
    clf = classifier(api, tmp_path, base_url="http://127.0.0.1:9/v1", max_retries=1)
    assert all(p.flag for p in clf.classify(TEXTS[:2]))
    assert "connection" in clf.client.usage.first_errors and "127.0.0.1:9" in clf.client.usage.first_errors["connection"]
    api.valid_keys = {"sk-right"}
    clf = classifier(api, tmp_path / "b")
    clf.classify(TEXTS[:2])
    assert clf.client.usage.first_errors == {"authentication": "HTTP 401 invalid_request_error: Incorrect API key provided"}


def test_no_key_needed_when_api_key_env_is_empty_and_named_when_missing(api, tmp_path, monkeypatch):
    clf = classifier(api, tmp_path, api_key_env="")
    assert codes(clf.classify(TEXTS[:1])) == [GOLD[TEXTS[0]]]
    assert api.auth == {""}  # no Authorization header at all
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(LLMError, match=f"{KEY_ENV} is not set: 1 request"):
        classifier(api, tmp_path / "b").classify(TEXTS[:1])


def test_api_key_is_sent_but_never_written(api, tmp_path):
    clf = classifier(api, tmp_path)
    clf.classify(TEXTS)
    assert SECRET not in (tmp_path / "cache.jsonl").read_text()
    assert SECRET not in json.dumps(clf.client.usage.as_dict(clf.client.cfg))


def test_cost_only_with_a_known_price():
    cfg = OpenAIConfig(temperature=None, price_input_per_mtok=0.4, price_output_per_mtok=1.6)
    client = OpenAIClient(cfg)
    client.usage.input_tokens, client.usage.cache_read_input_tokens, client.usage.output_tokens = 1_000_000, 0, 1_000_000
    client.usage.requests = 1
    assert client.usage.cost_usd(cfg) == 2.0
    assert parse_price("") is None and parse_price("0.15") == 0.15
    with pytest.raises(ConfigError, match="USD per million"):
        parse_price("cheap")


def test_make_client_follows_the_config_provider(api):
    assert isinstance(make_client(config(api)), OpenAIClient) and OpenAIConfig.provider is LLMProvider.OPENAI


def test_batch_api_with_partial_failures_resubmits_only_those(api, tmp_path):
    api.result_faults = {"r0-g1": ["errored"], "r0-g2": ["expired"]}
    clf = classifier(api, tmp_path, mode=LLMMode.BATCH)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert api.count("POST", "/v1/batches") == 2 and api.count("POST", "/v1/files") == 2 and api.chat_calls() == 0
    lines = [json.loads(x) for x in api.uploads[1].decode().splitlines()]  # the resubmission: the two failed requests
    assert {x["custom_id"] for x in lines} == {"r0-g1", "r0-g2"} and lines[0]["url"] == CHAT
    usage = clf.client.usage.as_dict(clf.client.cfg)
    assert usage["batch_requests"] == usage["requests"] == 3
    assert usage["errors"] == {"batch_errored": 1, "batch_expired": 1}
    # Resumed: everything cached, nothing submitted.
    n = sum(api.requests.values())
    assert codes(classifier(api, tmp_path, mode=LLMMode.BATCH).classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert sum(api.requests.values()) == n


def test_batch_auto_falls_back_to_tools_for_the_requests_the_server_refused(api, tmp_path):
    api.json_schema = False  # the refusal comes per request, in the batch's error file
    clf = classifier(api, tmp_path, mode=LLMMode.BATCH)
    assert codes(clf.classify(TEXTS)) == [GOLD[t] for t in TEXTS]
    assert clf.client.format is StructuredOutput.TOOLS and api.count("POST", "/v1/batches") == 2
    first, second = ([json.loads(x)["body"] for x in u.decode().splitlines()] for u in api.uploads)
    assert all("response_format" in b for b in first) and all("tools" in b and "response_format" not in b for b in second)
    assert len(second) == len(first)  # every request was refused once and resubmitted once
    assert clf.client.usage.errors == {"structured_output_fallback": 1, "batch_errored": len(first)}


def test_batch_with_an_explicit_json_schema_the_server_refuses_is_an_error_not_a_fallback(api, tmp_path):
    api.json_schema = False
    clf = classifier(api, tmp_path, mode=LLMMode.BATCH, structured_output=StructuredOutput.JSON_SCHEMA)
    preds = clf.classify(TEXTS[:2])
    assert all(p.flag for p in preds) and clf.client.format is StructuredOutput.JSON_SCHEMA
    assert "structured_output_fallback" not in clf.client.usage.errors


def test_a_refused_batch_is_a_failed_result_not_a_traceback(api, tmp_path):
    api.valid_keys = {"sk-right"}
    clf = classifier(api, tmp_path, mode=LLMMode.BATCH, max_retries=0)
    preds = clf.classify(TEXTS[:3])
    assert all(p.flag for p in preds) and clf.reasked == 0
    assert clf.client.usage.errors == {"batch_http_401": 1}


# --- the stages with `--backend openai` ------------------------------------------------------------


def openai_args(api, *extra: str) -> list[str]:
    return ["--backend", "openai", "--openai-base-url", api.url, "--openai-api-key-env", "", "--openai-max-retries", "0", *extra]


def test_classify_stage_openai_backend_resumes_with_zero_repeated_calls(tmp_path):
    from test_faults_llm import TEXTS as STAGE_TEXTS
    from test_faults_llm import classify_args, classify_stage, flat, oracle, outputs, runner, table

    inp = table(tmp_path / "in.parquet", STAGE_TEXTS[:5])
    with FakeOpenAI(oracle) as api:
        api.fail_all = "401"
        res = runner.invoke(classify_stage.app, classify_args(tmp_path, inp, *openai_args(api)))
        assert res.exit_code == 1 and "below openai.min_answered_share 0.95" in flat(res)
        assert "first authentication error: HTTP 401" in flat(res) and not outputs(tmp_path)["output"].exists()
        api.fail_all = None
        api.down_for = {STAGE_TEXTS[0]}  # one prompt of five: a 500 every time
        args = classify_args(tmp_path, inp, *openai_args(api, "--openai-prompts-per-request", "1"))
        res = runner.invoke(classify_stage.app, [*args, "--openai-min-answered-share", "0.8"])
        assert res.exit_code == 0, res.output
        m = json.loads(outputs(tmp_path)["metrics"].read_text())
        assert m["backend"] == "openai" and m["n_flagged"] == 1 and "claude" not in m
        assert (
            m["openai"]["provider"] == "openai" and m["openai"]["base_url"] == api.url and m["openai"]["model"] == "gpt-4.1-mini"
        )
        assert m["openai"]["estimated_cost_usd"] > 0 and m["openai"]["first_errors"] == {
            "server": "HTTP 500 server_error: scripted 500"
        }
        saved = json.loads(outputs(tmp_path)["model"].read_text())["config"]
        assert saved["backend"] == "openai" and saved["openai"]["base_url"] == api.url and saved["openai"]["api_key_env"] == ""

        api.down_for = set()
        calls, labelled = api.chat_calls(), sum(api.labelled.values())
        res = runner.invoke(classify_stage.app, args)  # resumed: only the one prompt not in the cache is asked
        assert res.exit_code == 0, res.output
        assert api.chat_calls() == calls + 1 and sum(api.labelled.values()) == labelled + 1
        assert [t for t in STAGE_TEXTS[:5] if api.labelled[t] > 1] == []
        n = sum(api.requests.values())
        res = runner.invoke(classify_stage.app, args)
        assert res.exit_code == 0 and sum(api.requests.values()) == n  # fully cached: zero calls at the server
        assert json.loads(outputs(tmp_path)["metrics"].read_text())["n_flagged"] == 0


def test_gapfill_and_expand_stages_with_the_openai_backend(tmp_path):
    import pandas as pd
    from test_faults_llm import TEXTS as STAGE_TEXTS
    from test_faults_llm import classify_args, classify_stage, expand_stage, gapfill_stage, oracle, outputs, runner

    raw = tmp_path / "raw.parquet"
    pd.DataFrame([{"id": f"p{i}", "source": "test", "text": t} for i, t in enumerate(STAGE_TEXTS[:6])]).assign(
        language=["en"] * 5 + ["zh"]
    ).to_parquet(raw)
    res = runner.invoke(classify_stage.app, classify_args(tmp_path / "c", raw, "--backend", "keyword"))
    assert res.exit_code == 0, res.output
    classified, model = outputs(tmp_path / "c")["output"], tmp_path / "c/model"
    gap = ["--input", str(classified), "--classifier", str(model), "--output", str(tmp_path / "gap/prompts.parquet")]
    gap += [
        "--metrics",
        str(tmp_path / "m/gapfill.json"),
        "--plots",
        str(tmp_path / "plots"),
        "--cache",
        str(tmp_path / "gap.jsonl"),
    ]
    gap += ["--min-per-cell", "1", "--max-rounds", "1", "--max-total", "12"]
    exp = ["--input", str(classified), "--generated", "", "--classifier", str(model), "--output", str(tmp_path / "exp/p.parquet")]
    exp += [
        "--metrics",
        str(tmp_path / "m/expand.json"),
        "--cache",
        str(tmp_path / "exp.jsonl"),
        "--scope",
        "all",
        "--max-attempts",
        "1",
    ]
    with FakeOpenAI(oracle) as api:
        api.json_schema = False  # a server without response_format: auto falls back to tool calls
        for stage, args, name in ((gapfill_stage, gap, "gapfill"), (expand_stage, exp, "expand")):
            full = [*args, *openai_args(api, "--openai-min-answered-share", "0.5")]
            res = runner.invoke(stage.app, full)
            assert res.exit_code == 0, res.output
            m = json.loads((tmp_path / f"m/{name}.json").read_text())
            assert m["openai"]["provider"] == "openai" and m["openai"]["answered"] > 0 and "claude" not in m
            assert m["openai"]["errors"].get("structured_output_fallback") == 1
            n = api.chat_calls()
            res = runner.invoke(stage.app, full)  # the same run again: every answer from the cache
            assert res.exit_code == 0, res.output
            assert api.chat_calls() == n, f"{name}: answers asked again"
    assert json.loads((tmp_path / "m/gapfill.json").read_text())["generator"] == "openai"
    assert json.loads((tmp_path / "m/expand.json").read_text())["expander"] == "openai"


def test_openai_options_are_defined_once_and_default_to_the_stage_section(tmp_path):
    (tmp_path / "params.yaml").write_text(
        "s:\n  openai:\n    model: qwen2.5:7b\n    base_url: http://localhost:11434/v1\n    api_key_env: ''\n"
        "    structured_output: tools\n    temperature: ''\n    mode: sync\n    concurrency: 2\n    max_retries: 1\n"
        "    timeout_s: 600\n    price_input_per_mtok: ''\n    price_output_per_mtok: ''\n"
        "    prompts_per_request: 5\n    max_reasks: 1\n    min_answered_share: 0.9\n"
    )
    P = stage_defaults("s", tmp_path / "stage.py")
    got = {}
    app = typer.Typer(add_completion=False)

    @app.command()
    @openai_options
    def main(before: int = 1, openai: LLMOptions = openai_defaults(P)) -> None:  # noqa: B008
        got.update(openai=openai, before=before)

    assert CliRunner().invoke(app, []).exit_code == 0
    cfg = got["openai"].config
    assert got["openai"] == openai_defaults(P) and cfg.base_url == "http://localhost:11434/v1" and cfg.api_key_env == ""
    assert cfg.structured_output is StructuredOutput.TOOLS and cfg.timeout_s == 600 and cfg.price_input_per_mtok is None
    assert got["openai"].prompts_per_request == 5 and got["openai"].min_answered_share == 0.9
    res = CliRunner().invoke(app, ["--openai-price-input-per-mtok", "0.15", "--openai-structured-output", "json_schema"])
    assert res.exit_code == 0, res.output
    assert got["openai"].config.price_input_per_mtok == 0.15
    assert got["openai"].config.structured_output is StructuredOutput.JSON_SCHEMA
    for bad in (["--openai-price-input-per-mtok", "cheap"], ["--openai-structured-output", "grammar"]):
        assert CliRunner().invoke(app, bad).exit_code == 2


def test_classifier_artifact_keeps_the_openai_server_and_model(api, tmp_path):
    from diffcurate.classify.artifact import load_classifier, save_classifier
    from diffcurate.classify.base import Backend
    from diffcurate.classify.run import ClassifyConfig, make_classifier
    from diffcurate.llm import ClaudeConfig

    cfg = ClassifyConfig(backend=Backend.OPENAI, claude=ClaudeConfig(temperature=None), openai=config(api, model="m-7b"))
    save_classifier(tmp_path / "model", cfg, make_classifier(cfg))
    loaded, clf = load_classifier(tmp_path / "model", cache=tmp_path / "c.jsonl")
    assert loaded.openai == cfg.openai and isinstance(clf.client, OpenAIClient) and clf.backend is Backend.OPENAI
    assert codes(clf.classify(TEXTS[:2])) == [GOLD[t] for t in TEXTS[:2]]  # gapfill / expand re-classify through it
    assert api.bodies[0]["model"] == "m-7b"


@pytest.mark.faults
def test_kill9_classify_openai_mid_run_then_resume(tmp_path):
    """SIGKILL a real classify process mid-run on the openai backend: the rerun asks nothing the killed
    run had cached (counted at the server) and writes what an uninterrupted run writes."""
    from test_faults_llm import TEXTS as STAGE_TEXTS
    from test_faults_llm import (
        cached_texts,
        classify_args,
        classify_stage,
        comparable,
        kill_when,
        oracle,
        outputs,
        runner,
        start,
        table,
    )

    inp = table(tmp_path / "in.parquet", STAGE_TEXTS)
    with FakeOpenAI(oracle) as api:
        args = openai_args(api, "--openai-prompts-per-request", "1", "--openai-concurrency", "1")
        res = runner.invoke(classify_stage.app, classify_args(tmp_path / "ref", inp, *args))
        assert res.exit_code == 0, res.output
        ref = {k: comparable(p) for k, p in outputs(tmp_path / "ref").items() if k != "metrics"}
        labelled0 = dict(api.labelled)
        run = tmp_path / "run"
        cache = run / "cache/classify.jsonl"
        api.delay_s = 0.3  # slow answers: the process is mid-run when killed
        proc = start(run, inp, {}, *args)
        assert kill_when(proc, lambda: len(cached_texts(cache)) >= 4), "finished before the kill"
        assert not outputs(run)["output"].exists()  # killed while asking: nothing written
        before, labelled = cached_texts(cache), dict(api.labelled)
        api.delay_s = 0.0
        proc = start(run, inp, {}, *args)
        assert proc.wait(timeout=120) == 0, (run / "stderr.txt").read_text()
    assert len(before) >= 4 and all(api.labelled[t] == labelled[t] for t in before), "a cached prompt was asked again"
    # Each prompt asked once, but for at most the one request in flight at the kill.
    assert sum(api.labelled[t] - labelled0[t] for t in STAGE_TEXTS) <= len(STAGE_TEXTS) + 1
    assert {k: comparable(p) for k, p in outputs(run).items() if k != "metrics"} == ref
