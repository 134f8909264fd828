"""The LLM client interface, and Claude through the `anthropic` SDK: structured (tool-use) requests,
synchronous or batched.

Shared by every stage that asks an LLM (`classify`, `gapfill`, `expand`). Two providers
(`LLMProvider`) implement one interface (`LLMClient.run`: requests in, one `ToolResult` per
request out, answers handed to `on_result` as they arrive): `anthropic` (`ClaudeClient`, below)
and `openai`, any OpenAI-compatible Chat Completions server (`diffcurate.llm_openai.OpenAIClient`:
the OpenAI API, vLLM, llama.cpp, Ollama). `make_client(config)` builds the one its config names;
the bounded-concurrency pool and the batch resubmission loop live once, in `LLMClient`.

A request carries a
system prompt (sent with `cache_control`, so the long taxonomy is a cached prefix), one user
message and one tool whose input schema is the structured answer; `tool_choice` forces the
tool, so the answer is the tool call's input.

- `sync` mode: Messages API with bounded concurrency. The SDK retries 408/409/429/5xx/529 and
  timeouts with exponential backoff honouring `retry-after` (`max_retries`); a 200 whose body is
  not the expected tool call (malformed JSON, no tool_use block) is re-asked up to
  `max_retries` times by us.
- `batch` mode: Message Batches API (50% price). Create, poll until `ended` (retrying the 404
  that can follow creation while the batch propagates), stream results and match them by
  `custom_id`; only errored/expired/missing requests are resubmitted, up to `max_resubmits`.

The API key is read by the SDK from ANTHROPIC_API_KEY; it is never logged or written anywhere.
Without it, the first request fails up front with an `LLMError` naming the variable (a run the
cache serves entirely makes no request and needs no key).

Failures are results, not exceptions; `Usage` counts them and keeps the first message of each
kind (`ErrorKind`: connection, authentication, rate limit, ...), so that a stage whose answered
share falls below its `claude.min_answered_share` fails with the cause (`require_answered`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from diffcurate.errors import ConfigError, LLMError

log = logging.getLogger(__name__)

API_KEY_ENV = "ANTHROPIC_API_KEY"


class ErrorKind(StrEnum):
    """What went wrong with a request, as a user would fix it."""

    CONNECTION = "connection"  # unreachable host, wrong URL's host or port, timeouts (after the SDK's retries)
    AUTHENTICATION = "authentication"  # 401 / 403: a bad or revoked key
    RATE_LIMIT = "rate_limit"  # 429 after the SDK's retries
    NOT_FOUND = "not_found"  # 404: a wrong base URL or model name
    SERVER = "server"  # 5xx / 529 overloaded after the SDK's retries, errored or expired batch requests
    REQUEST = "request"  # another 4xx: the request itself was refused
    BAD_ANSWER = "bad_answer"  # a 200 that is not the tool call, or items missing or invalid in it


def status_message(exc: Any) -> str:
    """`HTTP 401 authentication_error: invalid x-api-key` from an SDK APIStatusError."""
    body = getattr(exc, "body", None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return f"HTTP {exc.status_code} {error.get('type', 'error')}: {error['message']}"
    return f"HTTP {exc.status_code}: {exc.message}"


def status_kind(status: int) -> ErrorKind:
    if status in (401, 403):
        return ErrorKind.AUTHENTICATION
    if status == 429:
        return ErrorKind.RATE_LIMIT
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status >= 500:
        return ErrorKind.SERVER
    return ErrorKind.REQUEST


class LLMMode(StrEnum):
    SYNC = "sync"
    BATCH = "batch"


class LLMProvider(StrEnum):
    """The wire protocol a client speaks."""

    ANTHROPIC = "anthropic"  # Messages + Message Batches (ClaudeClient)
    OPENAI = "openai"  # OpenAI-compatible Chat Completions + Batch API (llm_openai.OpenAIClient)


@dataclass(frozen=True, kw_only=True)
class ClaudeConfig:
    """The client's settings. Stages build it from their params.yaml `claude` section
    (`diffcurate.cli.claude_options`); `temperature` has no default here because params.yaml spells
    "the model's default" as an empty string, which `parse_temperature` turns into None."""

    model: str = "claude-sonnet-4-6"
    # None: the model's default. This SDK no longer has a `temperature` argument, so a set value
    # is sent in the request body (models that accept it use it; 0 makes labels more repeatable).
    temperature: float | None
    max_tokens: int = 4096
    mode: LLMMode = LLMMode.SYNC
    concurrency: int = 4
    max_retries: int = 6  # SDK retries of 429/5xx/529/timeouts, and our re-asks of malformed bodies
    timeout_s: float = 120.0
    poll_interval_s: float = 30.0
    batch_timeout_s: float = 26 * 3600.0  # batches expire after 24 h
    max_resubmits: int = 3
    price_input_per_mtok: float = 3.0  # USD, for the cost estimate in metrics
    price_output_per_mtok: float = 15.0
    base_url: str | None = None  # None: the SDK default (ANTHROPIC_BASE_URL or the public API)

    provider: ClassVar[LLMProvider] = LLMProvider.ANTHROPIC
    cache_write_factor: ClassVar[float] = 1.25  # prompt-cache writes and reads, relative to the input price
    cache_read_factor: ClassVar[float] = 0.1


def parse_temperature(value: str | float | None) -> float | None:
    """params.yaml's `temperature` ("" or None: the model's default; else a number >= 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        t = float(value)
    except ValueError:
        raise ConfigError(f"temperature {value!r}: expected a number >= 0, or empty for the model's default") from None
    if not t >= 0:
        raise ConfigError(f"temperature {value!r}: expected a number >= 0, or empty for the model's default")
    return t


@dataclass(frozen=True)
class ToolRequest:
    custom_id: str  # ^[a-zA-Z0-9_-]{1,64}$, unique within one run
    system: str
    user: str
    tool: dict  # {"name", "description", "input_schema", "strict"?}


@dataclass
class ToolResult:
    custom_id: str
    input: dict | None = None
    error: str | None = None


OnResult = Callable[[int, ToolResult], None]  # (request index, its result), as results arrive


@dataclass
class Usage:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    batch_requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    first_errors: dict[ErrorKind, str] = field(default_factory=dict)  # the first message of each kind

    def add(self, usage: Any, batch: bool) -> None:
        self.requests += 1
        self.batch_requests += int(batch)
        for name in ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"):
            setattr(self, name, getattr(self, name) + int(getattr(usage, name, 0) or 0))

    def error(self, kind: str, category: ErrorKind | None = None, message: str = "") -> None:
        """Count an error under `kind` (e.g. http_401); keep `message` if it is the first of its `category`."""
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if category is not None:
            self.first_error(category, message)

    def first_error(self, category: ErrorKind, message: str) -> None:
        self.first_errors.setdefault(category, " ".join(message.split())[:300])

    def describe_errors(self) -> str:
        """One line per kind of error seen: its first message."""
        return "\n".join(f"  first {kind.value} error: {msg}" for kind, msg in self.first_errors.items())

    def cost_usd(self, cfg: Any) -> float | None:
        """Estimated cost: cache writes cost `cfg.cache_write_factor` × input (Claude 1.25), cache reads
        `cfg.cache_read_factor` × (Claude 0.1); batch requests half price. None when a price is unknown."""
        if cfg.price_input_per_mtok is None or cfg.price_output_per_mtok is None:
            return None
        inp = (
            self.input_tokens
            + cfg.cache_write_factor * self.cache_creation_input_tokens
            + cfg.cache_read_factor * self.cache_read_input_tokens
        )
        full = (inp * cfg.price_input_per_mtok + self.output_tokens * cfg.price_output_per_mtok) / 1e6
        share_batch = self.batch_requests / self.requests if self.requests else 0.0
        return round(full * (1 - 0.5 * share_batch), 4)

    def as_dict(self, cfg: Any) -> dict:
        return {
            "requests": self.requests,
            "batch_requests": self.batch_requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "errors": dict(sorted(self.errors.items())),
            **({"first_errors": {k.value: v for k, v in sorted(self.first_errors.items())}} if self.first_errors else {}),
            "estimated_cost_usd": self.cost_usd(cfg),
        }


def require_answered(what: str, answered: int, asked: int, min_share: float, usage: Usage, section: str = "claude") -> None:
    """LLMError when fewer than `min_share` of the `asked` items got a usable answer, naming the
    share, the param (`<section>.min_answered_share`) and the first error of each kind.
    `what`: e.g. "classify: prompts labelled"."""
    if asked == 0 or answered / asked >= min_share:
        return
    errors = usage.describe_errors() or "  (no request failed: the answers were unusable)"
    raise LLMError(
        f"{what}: {answered} of {asked} ({answered / asked:.1%}), below {section}.min_answered_share "
        f"{min_share:g}; nothing written.\n{errors}"
    )


BODY_ONLY = ("temperature",)  # request fields the SDK has no argument for


class MalformedResponse(Exception):
    """A 200 answer that is not the forced tool call."""


def tool_input(message: Any, tool_name: str) -> dict:
    """The input of the forced tool call in a Messages response, or MalformedResponse."""
    for block in getattr(message, "content", None) or []:
        if getattr(block, "type", None) == "tool_use" and getattr(block, "name", None) == tool_name:
            if isinstance(block.input, dict):
                return block.input
    raise MalformedResponse(f"no {tool_name!r} tool call in the response (stop_reason={getattr(message, 'stop_reason', None)})")


class LLMClient:
    """What every provider's client shares: `run` (a bounded thread pool over `_run_one`, or the
    batch loop resubmitting only failed requests over `_one_batch`), `cfg`, `usage`, and `name`:
    the params.yaml section and the first part of every cache key ("claude", "openai"), so answers
    of two providers (or two models: the model is the second part) are never mixed."""

    name: ClassVar[str]
    label: ClassVar[str]  # in messages: "prompts Claude labelled"
    cfg: Any  # ClaudeConfig | llm_openai.OpenAIConfig: model, mode, concurrency, max_resubmits, prices
    usage: Usage

    def require_key(self, n_requests: int) -> None:
        """LLMError, before any request, when credentials the provider needs are missing."""

    def _run_one(self, req: ToolRequest) -> ToolResult:
        raise NotImplementedError

    def _one_batch(self, requests: Sequence[ToolRequest]) -> dict[str, ToolResult]:
        """Submit one batch, wait for it, and return a result per custom_id it answered."""
        raise NotImplementedError

    def _batch_failure(self, exc: Exception) -> tuple[str, ErrorKind, str] | None:
        """(error count kind, category, message) when `exc` means creating or polling a batch failed
        (no point resubmitting); None lets it propagate."""
        return None

    def run(self, requests: Sequence[ToolRequest], on_result: OnResult | None = None) -> list[ToolResult]:
        """One result per request, in order. Failures are results with `error`, never exceptions.

        `on_result(i, result)` is called (in this thread) as each result arrives, once per request:
        callers cache answers there, so a run killed half-way keeps every answer it received."""
        if not requests:
            return []
        self.require_key(len(requests))
        take = on_result or (lambda i, r: None)
        if self.cfg.mode is LLMMode.BATCH:
            return self._run_batch(requests, take)
        results: list[ToolResult | None] = [None] * len(requests)
        pool = ThreadPoolExecutor(max_workers=max(1, self.cfg.concurrency))
        try:
            futures = {pool.submit(self._run_one, req): i for i, req in enumerate(requests)}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                take(i, results[i])
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return results  # type: ignore[return-value]

    def _run_batch(self, requests: Sequence[ToolRequest], take: OnResult) -> list[ToolResult]:
        by_id = {r.custom_id: r for r in requests}
        index = {r.custom_id: i for i, r in enumerate(requests)}
        results: dict[str, ToolResult] = {}
        pending = list(by_id)
        for round_ in range(self.cfg.max_resubmits + 1):
            if not pending:
                break
            if round_:
                log.warning("resubmitting %d errored/expired batch requests (round %d)", len(pending), round_)
            try:
                outcome = self._one_batch([by_id[i] for i in pending])
            except Exception as exc:  # creating or polling the batch failed: no point resubmitting
                failure = self._batch_failure(exc)
                if failure is None:
                    raise
                kind, category, error = failure
                self.usage.error(f"batch_{kind}", category, error)
                results.update({cid: ToolResult(cid, error=error) for cid in pending})
                break
            for cid, res in outcome.items():
                results[cid] = res
                if res.error is None:
                    take(index[cid], res)  # answers now; errors once no resubmit is left
            pending = [cid for cid in pending if results.get(cid) is None or results[cid].error is not None]
        final = [results.get(r.custom_id) or ToolResult(r.custom_id, error="no result") for r in requests]
        for i, res in enumerate(final):
            if res.error is not None:
                take(i, res)
        return final


def make_client(cfg: Any, sleep: Callable[[float], None] = time.sleep) -> LLMClient:
    """The client of the provider `cfg` names (`cfg.provider`)."""
    if cfg.provider is LLMProvider.OPENAI:
        from diffcurate.llm_openai import OpenAIClient

        return OpenAIClient(cfg, sleep=sleep)
    return ClaudeClient(cfg, sleep=sleep)


class ClaudeClient(LLMClient):
    name = "claude"
    label = "Claude"

    def __init__(self, cfg: ClaudeConfig, client: Any = None, sleep: Callable[[float], None] = time.sleep):
        import anthropic

        self.cfg = cfg
        self.anthropic = anthropic
        self.client = client or anthropic.Anthropic(base_url=cfg.base_url, max_retries=cfg.max_retries, timeout=cfg.timeout_s)
        self.sleep = sleep
        self.usage = Usage()

    def _url(self) -> str:
        return str(getattr(self.client, "base_url", ""))

    def require_key(self, n_requests: int) -> None:
        """LLMError, before any request, when the SDK found no credentials (ANTHROPIC_API_KEY)."""
        if getattr(self.client, "api_key", "x") or getattr(self.client, "auth_token", None):
            return
        raise LLMError(
            f"{API_KEY_ENV} is not set: {n_requests} request(s) for answers not in the cache need the Claude API "
            f"(set {API_KEY_ENV}, or use an offline backend)"
        )

    def params(self, req: ToolRequest) -> dict:
        """The Messages request body (also the `params` of a batch request)."""
        extra = {} if self.cfg.temperature is None else {"temperature": self.cfg.temperature}
        return {
            **extra,
            "model": self.cfg.model,
            "max_tokens": self.cfg.max_tokens,
            # The system prompt (the taxonomy) is the same for every request: a cached prefix.
            "system": [{"type": "text", "text": req.system, "cache_control": {"type": "ephemeral"}}],
            "tools": [req.tool],
            "tool_choice": {"type": "tool", "name": req.tool["name"]},
            "messages": [{"role": "user", "content": req.user}],
        }

    # --- synchronous Messages -----------------------------------------------------------------
    def _run_one(self, req: ToolRequest) -> ToolResult:
        A = self.anthropic
        last = ""
        for attempt in range(self.cfg.max_retries + 1):
            try:
                params = self.params(req)
                extra = {k: params.pop(k) for k in BODY_ONLY if k in params}
                message = self.client.messages.create(**params, extra_body=extra or None)
                self.usage.add(message.usage, batch=False)
                return ToolResult(req.custom_id, tool_input(message, req.tool["name"]))
            except MalformedResponse as exc:
                last = str(exc)
                self.usage.error("malformed_response", ErrorKind.BAD_ANSWER, last)
            except (json.JSONDecodeError, A.APIResponseValidationError) as exc:
                last = f"malformed response body: {exc}"
                self.usage.error("malformed_response", ErrorKind.BAD_ANSWER, last)
            except A.APIStatusError as exc:  # the SDK already retried the retryable ones
                error = status_message(exc)
                self.usage.error(f"http_{exc.status_code}", status_kind(exc.status_code), error)
                return ToolResult(req.custom_id, error=error)
            except A.APIConnectionError as exc:  # includes timeouts, after the SDK's retries
                error = f"{type(exc).__name__}: {exc} ({self._url()})"
                self.usage.error("connection", ErrorKind.CONNECTION, error)
                return ToolResult(req.custom_id, error=error)
            log.warning("%s: %s; re-asking (%d/%d)", req.custom_id, last, attempt + 1, self.cfg.max_retries)
        return ToolResult(req.custom_id, error=last)

    # --- Message Batches ----------------------------------------------------------------------
    def _batch_failure(self, exc: Exception) -> tuple[str, ErrorKind, str] | None:
        A = self.anthropic
        if isinstance(exc, A.APIStatusError):
            return f"http_{exc.status_code}", status_kind(exc.status_code), status_message(exc)
        if isinstance(exc, A.APIConnectionError):
            return "connection", ErrorKind.CONNECTION, f"{type(exc).__name__}: {exc} ({self._url()})"
        return None

    def _retrieve(self, batch_id: str) -> Any:
        """Retrieve a batch; a 404 right after creation (not yet visible) is retried."""
        for attempt in range(self.cfg.max_retries + 1):
            try:
                return self.client.messages.batches.retrieve(batch_id)
            except self.anthropic.NotFoundError:
                if attempt == self.cfg.max_retries:
                    raise
                self.usage.error("batch_404_after_create")
                self.sleep(min(self.cfg.poll_interval_s, 2.0**attempt))
        raise AssertionError("unreachable")

    def _one_batch(self, requests: Sequence[ToolRequest]) -> dict[str, ToolResult]:
        tools = {r.custom_id: r.tool["name"] for r in requests}
        batch = self.client.messages.batches.create(
            requests=[{"custom_id": r.custom_id, "params": self.params(r)} for r in requests]
        )
        log.info("batch %s created with %d requests", batch.id, len(requests))
        deadline = time.monotonic() + self.cfg.batch_timeout_s
        while True:
            batch = self._retrieve(batch.id)
            if batch.processing_status == "ended":
                break
            if time.monotonic() > deadline:
                self.client.messages.batches.cancel(batch.id)
                return {r.custom_id: ToolResult(r.custom_id, error="batch timed out") for r in requests}
            self.sleep(self.cfg.poll_interval_s)
        out: dict[str, ToolResult] = {}
        for item in self.client.messages.batches.results(batch.id):
            cid = item.custom_id
            if cid not in tools:
                log.warning("batch %s: result for unknown custom_id %r ignored", batch.id, cid)
                continue
            kind = item.result.type
            if kind == "succeeded":
                self.usage.add(item.result.message.usage, batch=True)
                try:
                    out[cid] = ToolResult(cid, tool_input(item.result.message, tools[cid]))
                except MalformedResponse as exc:
                    self.usage.error("malformed_response", ErrorKind.BAD_ANSWER, str(exc))
                    out[cid] = ToolResult(cid, error=str(exc))
            else:
                detail = getattr(getattr(item.result, "error", None), "error", None)
                message = f"batch result {kind}" + (f": {getattr(detail, 'message', '')}" if detail else "")
                self.usage.error(f"batch_{kind}", ErrorKind.SERVER, message)
                out[cid] = ToolResult(cid, error=message)
        return out
