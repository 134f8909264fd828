"""A server on 127.0.0.1 that speaks the OpenAI Chat Completions, Files and Batch HTTP API.

The "model" is `FakeAnthropic`'s (the same oracle labels, written prompts and expansions, and the
same `labelled` counter of items answered), served the OpenAI way: in json_schema mode the
answer is the message content, in tools mode the forced function call's arguments. Server
capabilities: `json_schema=False` answers a 400 to any `response_format` (llama.cpp builds and
servers without it), `tools=False` a 400 to any `tools`. Faults are scripted one per POST
/v1/chat/completions (`chat_faults`): `429`, `500`, `timeout` (answers after the client gave
up), `malformed_json` (a torn body), `not_json` (content that is not JSON), `no_answer` (empty
content), `schema_violation` (`{"labels": "..."}` / `{"items": 3}`), and the item faults of the
fake model (`invalid_codes`, `drop_one`, `too_short`). `fail_all` (e.g. "401") answers every chat
request with that error, `valid_keys` refuses other bearer tokens with a 401, `down_for`
answers a 500 to any request naming one of those prompts. Batch: files are uploaded
(multipart), batches report `in_progress` for `batch_polls_in_progress` polls and then
`completed`, and `result_faults[custom_id]` (`errored`: a 500 line in the error file; `expired`)
scripts per-request failures. Every request is counted in `requests[(method, path)]`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fakeanthropic import FakeAnthropic

CHAT = "/v1/chat/completions"


class FakeOpenAI:
    # The fake model, borrowed: answer(params, fault) → an Anthropic message with the tool call.
    answer = FakeAnthropic.answer
    tool_input = FakeAnthropic.tool_input
    write = FakeAnthropic.write
    expand = FakeAnthropic.expand

    def __init__(self, oracle, json_schema: bool = True, tools: bool = True):
        self.oracle = oracle
        self.json_schema, self.tools = json_schema, tools
        self.chat_faults: list[str] = []
        self.down_for: set[str] = set()
        self.fail_all: str | None = None
        self.valid_keys: set[str] | None = None
        self.delay_s = 0.0
        self.timeout_sleep = 1.0
        self.batch_polls_in_progress = 1
        self.result_faults: dict[str, list[str]] = {}
        self.requests: Counter = Counter()
        self.labelled: Counter = Counter()
        self.written = 0
        self.bodies: list[dict] = []  # chat request bodies, in arrival order
        self.auth: set[str] = set()
        self.files: dict[str, bytes] = {}
        self.uploads: list[bytes] = []  # batch input files, in upload order
        self.batches: dict[str, dict] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json", headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

            def _json(self, status: int, obj, headers=None):
                self._send(status, json.dumps(obj).encode(), headers=headers)

            def _error(self, status: int, message: str = ""):
                kind = {
                    400: "invalid_request_error",
                    401: "invalid_request_error",
                    404: "not_found_error",
                    429: "rate_limit_exceeded",
                }.get(status, "server_error")
                headers = {"retry-after": "0"} if status == 429 else None
                self._json(status, {"error": {"message": message or f"scripted {status}", "type": kind, "code": None}}, headers)

            def _read(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length", 0)))

            def do_POST(self):
                path = self.path.split("?")[0]
                raw = self._read()
                key = self.headers.get("authorization", "").removeprefix("Bearer ")
                with server.lock:
                    server.requests[("POST", path)] += 1
                    server.auth.add(key)
                if server.valid_keys is not None and key not in server.valid_keys:
                    return self._error(401, "Incorrect API key provided")
                if path == CHAT:
                    body = json.loads(raw)
                    with server.lock:
                        server.bodies.append(body)
                    return self._chat(body)
                if path == "/v1/files":
                    return self._upload(raw)
                if path == "/v1/batches":
                    return self._create_batch(json.loads(raw))
                return self._error(404, f"no route {path}")

            def _chat(self, body: dict):
                if server.fail_all:
                    return self._error(int(server.fail_all))
                if "response_format" in body and not server.json_schema:
                    return self._error(400, "response_format is not supported")
                if "tools" in body and not server.tools:
                    return self._error(400, "tools are not supported")
                if server.delay_s:
                    time.sleep(server.delay_s)
                with server.lock:
                    fault = server.chat_faults.pop(0) if server.chat_faults else None
                if fault is None and any(p in body["messages"][-1]["content"] for p in server.down_for):
                    fault = "500"
                if fault == "timeout":
                    time.sleep(server.timeout_sleep)
                    return self._error(500)
                if fault in ("429", "500"):
                    return self._error(int(fault))
                if fault == "malformed_json":
                    return self._send(200, b'{"id": "chatcmpl-1", "object": "chat.completion", "choices": [')
                return self._json(200, server.completion(body, fault))

            def _upload(self, raw: bytes):
                msg = BytesParser().parsebytes(b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + raw)
                parts = {p.get_param("name", header="content-disposition"): p.get_payload(decode=True) for p in msg.get_payload()}
                assert parts["purpose"] == b"batch", parts.get("purpose")
                fid = f"file-{uuid.uuid4().hex[:12]}"
                with server.lock:
                    server.files[fid] = parts["file"]
                    server.uploads.append(parts["file"])
                return self._json(200, {"id": fid, "object": "file", "purpose": "batch", "bytes": len(parts["file"])})

            def _create_batch(self, body: dict):
                fid = body["input_file_id"]
                if fid not in server.files:
                    return self._error(404, f"no file {fid}")
                assert body["endpoint"] == CHAT and body["completion_window"] == "24h", body
                requests = [json.loads(line) for line in server.files[fid].decode().splitlines() if line.strip()]
                bid = f"batch_{uuid.uuid4().hex[:12]}"
                with server.lock:
                    server.batches[bid] = {"id": bid, "requests": requests, "polls": 0, "input_file_id": fid}
                return self._json(200, server.batch_obj(bid))

            def do_GET(self):
                path = self.path.split("?")[0]
                with server.lock:
                    server.requests[("GET", path)] += 1
                parts = path.strip("/").split("/")
                if parts[:2] == ["v1", "batches"] and len(parts) == 3 and parts[2] in server.batches:
                    with server.lock:
                        server.batches[parts[2]]["polls"] += 1
                    return self._json(200, server.batch_obj(parts[2]))
                if parts[:2] == ["v1", "files"] and len(parts) == 4 and parts[3] == "content" and parts[2] in server.files:
                    return self._send(200, server.files[parts[2]], "application/octet-stream")
                return self._error(404, f"no route {path}")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- the "model", the OpenAI way -----------------------------------------------------------
    def completion(self, body: dict, fault: str | None) -> dict:
        if "response_format" in body:
            tool, mode = body["response_format"]["json_schema"]["name"], "json_schema"
        else:
            tool, mode = body["tools"][0]["function"]["name"], "tools"
        user = body["messages"][-1]["content"]
        message = self.answer({"messages": [{"content": user}], "tools": [{"name": tool}], "model": body["model"]}, fault)
        answer = next((b["input"] for b in message["content"] if b["type"] == "tool_use"), None)
        if fault == "schema_violation":
            answer = {"labels": "S1 T1 C1"} if tool == "record_labels" else {"items": 3}
        u = message["usage"]
        usage = {
            "prompt_tokens": u["input_tokens"] + u["cache_read_input_tokens"],
            "completion_tokens": u["output_tokens"],
            "total_tokens": u["input_tokens"] + u["cache_read_input_tokens"] + u["output_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["cache_read_input_tokens"]},
        }
        text = "" if fault == "no_answer" else "Sure! Here are the labels." if fault == "not_json" else json.dumps(answer)
        if mode == "json_schema" or fault in ("no_answer", "not_json"):
            msg = {"role": "assistant", "content": text}
            finish = "stop"
        else:
            call = {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": text}}
            msg, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:8]}",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": body["model"],
            "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
            "usage": usage,
        }

    def batch_obj(self, bid: str) -> dict:
        batch = self.batches[bid]
        done = batch["polls"] > self.batch_polls_in_progress
        obj = {
            "id": bid,
            "object": "batch",
            "endpoint": CHAT,
            "input_file_id": batch["input_file_id"],
            "completion_window": "24h",
            "status": "completed" if done else "in_progress",
            "output_file_id": None,
            "error_file_id": None,
            "request_counts": {"total": len(batch["requests"]), "completed": 0, "failed": 0},
        }
        if done:
            obj["output_file_id"], obj["error_file_id"] = self.batch_files(batch)
        return obj

    def batch_files(self, batch: dict) -> tuple[str | None, str | None]:
        """The output and error files of a finished batch (written once)."""
        if "files" not in batch:
            good, bad = [], []
            for line in batch["requests"]:
                cid = line["custom_id"]
                with self.lock:
                    faults = self.result_faults.get(cid) or []
                    fault = faults.pop(0) if faults else None
                if fault == "errored":
                    err = {"error": {"message": "scripted 500", "type": "server_error"}}
                    bad.append({"id": "r", "custom_id": cid, "response": {"status_code": 500, "body": err}, "error": None})
                elif fault == "expired":
                    error = {"code": "batch_expired", "message": "This request could not be executed before the window expired."}
                    bad.append({"id": "r", "custom_id": cid, "response": None, "error": error})
                elif "response_format" in line["body"] and not self.json_schema:
                    err = {"error": {"message": "response_format is not supported", "type": "invalid_request_error"}}
                    bad.append({"id": "r", "custom_id": cid, "response": {"status_code": 400, "body": err}, "error": None})
                else:
                    body = self.completion(line["body"], None)
                    good.append({"id": "r", "custom_id": cid, "response": {"status_code": 200, "body": body}, "error": None})
            ids = []
            for lines in (good, bad):
                if not lines:
                    ids.append(None)
                    continue
                fid = f"file-{uuid.uuid4().hex[:12]}"
                self.files[fid] = ("\n".join(json.dumps(x) for x in lines) + "\n").encode()
                ids.append(fid)
            batch["files"] = tuple(ids)
        return batch["files"]

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, method: str, path: str) -> int:
        return self.requests[(method, path)]

    def chat_calls(self) -> int:
        return self.requests[("POST", CHAT)]
