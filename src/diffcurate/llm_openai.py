"""The `openai` provider: any OpenAI-compatible Chat Completions server, over plain HTTP.

The same interface as Claude's client (`diffcurate.llm.LLMClient`): the same `ToolRequest`s (a
system prompt, a user message, a tool whose input schema is the structured answer), one
`ToolResult` per request, `Usage` for the metrics. It talks to the OpenAI API or a server of your
own; the base URL ends in `/v1`:

- the OpenAI API (or another hosted one):   https://api.openai.com/v1      key in OPENAI_API_KEY
- vLLM (`vllm serve MODEL`):                 http://localhost:8000/v1       no key (or --api-key)
- llama.cpp (`llama-server -m M.gguf --jinja`): http://localhost:8080/v1    no key
- Ollama (`ollama serve`):                   http://localhost:11434/v1      no key

Structured output (`StructuredOutput`, params `openai.structured_output`):
- `json_schema`: `response_format: {type: json_schema, json_schema: {name, schema, strict}}`, the
  answer being the message content (OpenAI, vLLM, llama.cpp and Ollama constrain decoding to it);
- `tools`: one function whose parameters are the schema, forced with `tool_choice`, the answer
  being its arguments;
- `auto`: `json_schema`, and for the rest of the run `tools` once the server refuses
  `response_format` (HTTP 400 / 422 / 501); counted in the metrics as `structured_output_fallback`.
  In batch mode a refusal comes back per request, in the batch's error file: the refused requests
  are resubmitted with tool calls in the next round.
Either way an answer found in the other place (a tool call, or JSON content, fenced or not) is
taken: the callers validate every item and re-ask what is missing or invalid.

Retries: 408 / 409 / 429 / 5xx, connection errors and timeouts are retried up to `max_retries`
times with exponential backoff, or after the server's `retry-after`; other 4xx fail at once. A
200 whose body is not a JSON object answer (malformed JSON, no content, a refusal) is re-asked up
to `max_retries` times. Failures are results, counted in `Usage` like Claude's.

Batch mode: the OpenAI Batch API (half price): the requests as one JSONL file (`POST /files`,
purpose `batch`), `POST /batches`, `GET /batches/{id}` until it is completed / failed / expired /
cancelled, then the output and error files; only failed requests are resubmitted. vLLM,
llama.cpp and Ollama have no Batch API: use `sync` with them.

The API key is read from the environment variable `api_key_env` names (empty: no key is sent, as
a local server needs none); it is never logged or written anywhere. Token usage: `prompt_tokens`
less its cached part → `input_tokens`, the cached part → `cache_read_input_tokens`,
`completion_tokens` → `output_tokens`. The cost is estimated only when both prices are set, with
cached tokens at the full input price (an upper bound).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import SimpleNamespace
from typing import Any, ClassVar

import requests

from diffcurate.errors import ConfigError, LLMError
from diffcurate.llm import (
    ErrorKind,
    LLMClient,
    LLMMode,
    LLMProvider,
    MalformedResponse,
    ToolRequest,
    ToolResult,
    Usage,
    status_kind,
)

log = logging.getLogger(__name__)

CHAT_PATH = "/chat/completions"
RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
FALLBACK_STATUSES = frozenset({400, 422, 501})  # a server refusing `response_format` (auto → tools)
BATCH_DONE = ("completed", "failed", "expired", "cancelled")


class StructuredOutput(StrEnum):
    AUTO = "auto"
    JSON_SCHEMA = "json_schema"
    TOOLS = "tools"


@dataclass(frozen=True, kw_only=True)
class OpenAIConfig:
    """The client's settings. Stages build it from their params.yaml `openai` section
    (`diffcurate.llm_cli.openai_options`); `temperature` and the prices have no default here
    because params.yaml spells "the model's default" and "unknown" as an empty string."""

    model: str = "gpt-4.1-mini"  # the server's name for it (vLLM: the served model; Ollama: e.g. qwen2.5:7b)
    base_url: str = "https://api.openai.com/v1"  # up to and including /v1
    api_key_env: str = "OPENAI_API_KEY"  # the variable holding the key; empty: send none (a local server)
    structured_output: StructuredOutput = StructuredOutput.AUTO
    temperature: float | None  # None: the model's default
    mode: LLMMode = LLMMode.SYNC
    concurrency: int = 4
    max_retries: int = 6  # retries of 429/5xx/timeouts, and re-asks of malformed answers
    timeout_s: float = 120.0  # per request: a local model on a CPU may need more
    price_input_per_mtok: float | None  # USD per million tokens; None: unknown, no cost in the metrics
    price_output_per_mtok: float | None
    poll_interval_s: float = 30.0
    batch_timeout_s: float = 26 * 3600.0  # the Batch API's window is 24 h
    max_resubmits: int = 3
    max_backoff_s: float = 60.0

    provider: ClassVar[LLMProvider] = LLMProvider.OPENAI
    cache_write_factor: ClassVar[float] = 1.0  # Chat Completions reports no cache writes
    cache_read_factor: ClassVar[float] = 1.0  # discounts differ per model: charged in full (an upper bound)


def parse_price(value: str | float | None) -> float | None:
    """params.yaml's `price_*_per_mtok` ("" or None: unknown; else a number >= 0)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        price = float(value)
    except ValueError:
        raise ConfigError(f"price {value!r}: expected USD per million tokens (>= 0), or empty when unknown") from None
    if not price >= 0:
        raise ConfigError(f"price {value!r}: expected USD per million tokens (>= 0), or empty when unknown")
    return price


class ServerRefused(Exception):
    """A non-2xx answer after the retries: `status` and the server's message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def http_message(resp: requests.Response) -> str:
    """`HTTP 401 invalid_request_error: Incorrect API key` from the error body shapes servers use."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict) and err.get("message"):
        return f"HTTP {resp.status_code} {err.get('type') or 'error'}: {err['message']}"
    if isinstance(body, dict) and isinstance(body.get("message"), str):  # older vLLM: {"object": "error", "message"}
        return f"HTTP {resp.status_code} {body.get('type') or 'error'}: {body['message']}"
    if isinstance(err, str):  # Ollama: {"error": "model not found"}
        return f"HTTP {resp.status_code}: {err}"
    return f"HTTP {resp.status_code}: {(resp.text or resp.reason or '').strip()[:200]}"


def retry_after(resp: requests.Response) -> float | None:
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = resp.headers.get(name)
        try:
            return max(0.0, float(value) * scale) if value is not None else None
        except ValueError:
            continue
    return None


_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _json_object(value: Any, where: str) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        text = value.strip()
        if m := _FENCE.match(text):
            text = m.group(1)
        try:
            value = json.loads(text)
        except ValueError:
            raise MalformedResponse(f"{where} is not JSON: {text[:80]!r}") from None
        if isinstance(value, dict):
            return value
    raise MalformedResponse(f"{where} is not a JSON object: {str(value)[:80]!r}")


def answer_of(data: Any, tool_name: str) -> dict:
    """The structured answer of a Chat Completion: the forced tool call's arguments, else the
    message content as a JSON object; MalformedResponse otherwise."""
    try:
        choice = data["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise MalformedResponse("no choices[0].message in the response") from None
    if not isinstance(message, dict):
        raise MalformedResponse("choices[0].message is not an object")
    calls = [c.get("function") or {} for c in message.get("tool_calls") or [] if isinstance(c, dict)]
    for fn in calls:
        if fn.get("name") == tool_name:
            return _json_object(fn.get("arguments"), f"the {tool_name} call's arguments")
    if message.get("content"):
        return _json_object(message["content"], "the message content")
    if message.get("refusal"):
        raise MalformedResponse(f"refused: {message['refusal'][:200]}")
    raise MalformedResponse(f"no {tool_name!r} answer in the response (finish_reason={choice.get('finish_reason')})")


def token_usage(data: Any) -> SimpleNamespace:
    """Chat Completions `usage` in `Usage.add`'s terms (cached prompt tokens apart, as Claude reports them)."""
    u = data.get("usage") if isinstance(data, dict) else None
    u = u if isinstance(u, dict) else {}
    details = u.get("prompt_tokens_details") if isinstance(u.get("prompt_tokens_details"), dict) else {}
    cached = int(details.get("cached_tokens") or 0)
    return SimpleNamespace(
        input_tokens=int(u.get("prompt_tokens") or 0) - cached,
        output_tokens=int(u.get("completion_tokens") or 0),
        cache_read_input_tokens=cached,
        cache_creation_input_tokens=0,
    )


class OpenAIClient(LLMClient):
    name = "openai"
    label = "the model"

    def __init__(self, cfg: OpenAIConfig, sleep: Callable[[float], None] = time.sleep):
        self.cfg = cfg
        self.sleep = sleep
        self.usage = Usage()
        self.api_key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
        self.format = StructuredOutput.JSON_SCHEMA if cfg.structured_output is StructuredOutput.AUTO else cfg.structured_output
        self._lock = threading.Lock()
        self._local = threading.local()  # one requests.Session (connection pool) per thread

    # --- HTTP ---------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def url(self, path: str) -> str:
        return self.cfg.base_url.rstrip("/") + path

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call, retried on 408/409/429/5xx, connection errors and timeouts (backoff, or the
        server's retry-after); ServerRefused for another status or when the retries are spent."""
        for attempt in range(self.cfg.max_retries + 1):
            try:
                resp = self._session().request(
                    method, self.url(path), headers=self._headers(), timeout=self.cfg.timeout_s, **kwargs
                )
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt == self.cfg.max_retries:
                    raise
                wait, why = None, type(exc).__name__
            else:
                if resp.status_code < 400:
                    return resp
                if resp.status_code not in RETRY_STATUSES or attempt == self.cfg.max_retries:
                    raise ServerRefused(resp.status_code, http_message(resp))
                wait, why = retry_after(resp), f"HTTP {resp.status_code}"
            wait = min(self.cfg.max_backoff_s, wait if wait is not None else 0.5 * 2**attempt)
            log.info("%s %s: %s; retrying in %.1f s (%d/%d)", method, path, why, wait, attempt + 1, self.cfg.max_retries)
            self.sleep(wait)
        raise AssertionError("unreachable")

    def require_key(self, n_requests: int) -> None:
        """LLMError, before any request, when `api_key_env` names a variable that is not set."""
        if not self.cfg.api_key_env or self.api_key:
            return
        raise LLMError(
            f"{self.cfg.api_key_env} is not set: {n_requests} request(s) for answers not in the cache need "
            f"{self.cfg.base_url} (set {self.cfg.api_key_env}, or set openai.api_key_env to empty for a server "
            "that needs no key)"
        )

    # --- requests -----------------------------------------------------------------------------
    def body(self, req: ToolRequest, fmt: StructuredOutput) -> dict:
        """The Chat Completions request body (also the `body` of a batch request line)."""
        name, schema, strict = req.tool["name"], req.tool["input_schema"], bool(req.tool.get("strict", False))
        system = req.system
        if fmt is StructuredOutput.JSON_SCHEMA:
            system += f"\n\nReply with the {name} tool's input alone: one JSON object matching the response format."
            json_schema = {"name": name, "schema": schema, "strict": strict}
            extra: dict = {"response_format": {"type": "json_schema", "json_schema": json_schema}}
        else:
            function = {"name": name, "description": req.tool.get("description", ""), "parameters": schema, "strict": strict}
            extra = {
                "tools": [{"type": "function", "function": function}],
                "tool_choice": {"type": "function", "function": {"name": name}},
            }
        return {
            "model": self.cfg.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": req.user}],
            **({} if self.cfg.temperature is None else {"temperature": self.cfg.temperature}),
            **extra,
        }

    def _fall_back(self, fmt: StructuredOutput, exc: ServerRefused) -> bool:
        """auto: the server refused `response_format` → tool calls from now on (True: ask again)."""
        if self.cfg.structured_output is not StructuredOutput.AUTO or fmt is not StructuredOutput.JSON_SCHEMA:
            return False
        if exc.status not in FALLBACK_STATUSES:
            return False
        with self._lock:
            if self.format is StructuredOutput.JSON_SCHEMA:
                self.format = StructuredOutput.TOOLS
                self.usage.error("structured_output_fallback")
                log.warning("%s refused response_format json_schema (%s): asking through tool calls", self.cfg.base_url, exc)
        return True

    def _run_one(self, req: ToolRequest) -> ToolResult:
        last, reasks = "", 0
        while True:
            fmt = self.format
            try:
                data = self._send("POST", CHAT_PATH, json=self.body(req, fmt)).json()
                self.usage.add(token_usage(data), batch=False)
                return ToolResult(req.custom_id, answer_of(data, req.tool["name"]))
            except MalformedResponse as exc:
                last = str(exc)
            except ValueError as exc:  # the body is not JSON (requests' JSONDecodeError is a ValueError)
                last = f"malformed response body: {exc}"
            except ServerRefused as exc:
                if self._fall_back(fmt, exc):
                    continue
                self.usage.error(f"http_{exc.status}", status_kind(exc.status), exc.message)
                return ToolResult(req.custom_id, error=exc.message)
            except requests.RequestException as exc:  # connection errors and timeouts, after the retries
                error = f"{type(exc).__name__}: {exc} ({self.cfg.base_url})"
                self.usage.error("connection", ErrorKind.CONNECTION, error)
                return ToolResult(req.custom_id, error=error)
            self.usage.error("malformed_response", ErrorKind.BAD_ANSWER, last)
            if reasks == self.cfg.max_retries:
                return ToolResult(req.custom_id, error=last)
            reasks += 1
            log.warning("%s: %s; re-asking (%d/%d)", req.custom_id, last, reasks, self.cfg.max_retries)

    # --- Batch API ----------------------------------------------------------------------------
    def _batch_failure(self, exc: Exception) -> tuple[str, ErrorKind, str] | None:
        if isinstance(exc, ServerRefused):
            return f"http_{exc.status}", status_kind(exc.status), exc.message
        if isinstance(exc, BatchFailed):
            return "failed", ErrorKind.REQUEST, str(exc)
        if isinstance(exc, ValueError | KeyError | TypeError):  # a batch or file object not as the Batch API has it
            return "malformed_response", ErrorKind.BAD_ANSWER, f"malformed Batch API response: {type(exc).__name__}: {exc}"
        if isinstance(exc, requests.RequestException):
            return "connection", ErrorKind.CONNECTION, f"{type(exc).__name__}: {exc} ({self.cfg.base_url})"
        return None

    def _one_batch(self, requests_: Sequence[ToolRequest]) -> dict[str, ToolResult]:
        tools = {r.custom_id: r.tool["name"] for r in requests_}
        fmt = self.format  # auto: json_schema unless a sync request of this run already fell back
        lines = [
            json.dumps({"custom_id": r.custom_id, "method": "POST", "url": "/v1" + CHAT_PATH, "body": self.body(r, fmt)})
            for r in requests_
        ]
        payload = ("\n".join(lines) + "\n").encode()
        upload = self._send("POST", "/files", data={"purpose": "batch"}, files={"file": ("requests.jsonl", payload)}).json()
        batch = self._send(
            "POST", "/batches", json={"input_file_id": upload["id"], "endpoint": "/v1" + CHAT_PATH, "completion_window": "24h"}
        ).json()
        log.info("batch %s created with %d requests", batch["id"], len(requests_))
        deadline = time.monotonic() + self.cfg.batch_timeout_s
        while batch.get("status") not in BATCH_DONE:
            if time.monotonic() > deadline:
                self._send("POST", f"/batches/{batch['id']}/cancel")
                return {cid: ToolResult(cid, error="batch timed out") for cid in tools}
            self.sleep(self.cfg.poll_interval_s)
            batch = self._send("GET", f"/batches/{batch['id']}").json()
        if batch["status"] == "failed":  # refused as a whole (e.g. a malformed input file): resubmitting won't help
            errors = (batch.get("errors") or {}).get("data") or [{}]
            raise BatchFailed(f"batch {batch['id']} failed: {errors[0].get('message', 'no reason given')}")
        out: dict[str, ToolResult] = {}
        for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
            if not file_id:
                continue
            for raw in self._send("GET", f"/files/{file_id}/content").text.splitlines():
                if raw.strip():
                    self._batch_line(json.loads(raw), tools, out, fmt)
        return out

    def _batch_line(self, item: dict, tools: dict[str, str], out: dict[str, ToolResult], fmt: StructuredOutput) -> None:
        """One line of a batch's output or error file into `out` (an answer or an error result)."""
        cid = item.get("custom_id")
        if cid not in tools:
            log.warning("batch result for unknown custom_id %r ignored", cid)
            return
        resp = item.get("response") or {}
        status = resp.get("status_code")
        if status == 200:
            self.usage.add(token_usage(resp.get("body")), batch=True)
            try:
                out[cid] = ToolResult(cid, answer_of(resp.get("body"), tools[cid]))
            except MalformedResponse as exc:
                self.usage.error("malformed_response", ErrorKind.BAD_ANSWER, str(exc))
                out[cid] = ToolResult(cid, error=str(exc))
            return
        error = item.get("error") or (resp.get("body") or {}).get("error") or {}
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        detail = error.get("message", "") if isinstance(error, dict) else str(error)
        if status in FALLBACK_STATUSES:  # auto: a refused response_format → the resubmission asks by tool call
            self._fall_back(fmt, ServerRefused(status, f"HTTP {status}: {detail}"))
        kind = "expired" if code == "batch_expired" else "errored"
        message = f"batch result {kind}" + (f" (HTTP {status})" if status else "") + (f": {detail}" if detail else "")
        self.usage.error(f"batch_{kind}", status_kind(status) if status else ErrorKind.SERVER, message)
        out[cid] = ToolResult(cid, error=message)


class BatchFailed(Exception):
    """The Batch API refused a batch as a whole (`status: failed`)."""
