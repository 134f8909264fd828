"""A server on 127.0.0.1 that speaks the Anthropic Messages and Message Batches HTTP API.

The "model" answers the forced tool call: `record_labels` from an oracle (text → codes),
`record_prompts` (gapfill) with one prompt per asked index naming its cell and camera, and
`record_expansions` (expand) by padding each prompt to the asked length. Faults are scripted:
`message_faults` is consumed one per POST /v1/messages (`429`, `529`, `500`, `timeout`,
`malformed_json`, `no_tool`, `invalid_codes`, `drop_one`, `too_short`); batch faults script the 404 that can
follow creation (`batch_404s`) and per-request results (`result_faults[custom_id]`: `errored`,
`expired`). `fail_all` (e.g. `401`) answers every Messages request with that error, `valid_keys`
refuses other API keys with a 401, and `delay_s` slows every Messages answer (to kill a client
mid-run). Every request is counted, and each prompt labelled is counted in `labelled`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeAnthropic:
    def __init__(self, oracle):
        self.oracle = oracle  # text -> {"subject", "style", "camera"}
        self.message_faults: list[str] = []
        self.down_for: set[str] = set()  # prompts whose requests always get a 500 (an outage)
        self.batch_404s = 0
        self.batch_polls_in_progress = 1
        self.result_faults: dict[str, list[str]] = {}
        self.requests: Counter = Counter()
        self.labelled: Counter = Counter()
        self.written = 0
        self.batches: dict[str, dict] = {}
        self.api_keys: set[str] = set()
        self.bodies: list[dict] = []
        self.lock = threading.Lock()
        self.timeout_sleep = 1.5
        self.fail_all: str | None = None  # "401", "404", "429", "500", ...: every Messages request fails so
        self.valid_keys: set[str] | None = None  # None: any key
        self.delay_s = 0.0
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
                self.wfile.write(body)

            def _json(self, status: int, obj, headers=None):
                self._send(status, json.dumps(obj).encode(), headers=headers)

            KINDS = {
                400: "invalid_request_error",
                401: "authentication_error",
                403: "permission_error",
                404: "not_found_error",
                429: "rate_limit_error",
                500: "api_error",
                529: "overloaded_error",
            }

            def _error(self, status: int, kind: str):
                headers = {"retry-after": "0"} if status in (429, 529) else None
                self._json(status, {"type": "error", "error": {"type": kind, "message": f"scripted {status}"}}, headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                key = self.headers.get("x-api-key") or self.headers.get("authorization", "").removeprefix("Bearer ")
                server.api_keys.add(key)
                path = self.path.split("?")[0]
                with server.lock:
                    server.requests[("POST", path)] += 1
                    server.bodies.append(body)
                if server.valid_keys is not None and key not in server.valid_keys:
                    return self._error(401, "authentication_error")
                if path == "/v1/messages" and server.fail_all:
                    return self._error(int(server.fail_all), self.KINDS.get(int(server.fail_all), "api_error"))
                if path == "/v1/messages" and server.delay_s:
                    time.sleep(server.delay_s)
                if path == "/v1/messages":
                    with server.lock:
                        fault = server.message_faults.pop(0) if server.message_faults else None
                    if fault is None and any(p in body["messages"][0]["content"] for p in server.down_for):
                        fault = "500"
                    if fault == "timeout":
                        time.sleep(server.timeout_sleep)
                        fault = "500"
                    if fault in ("429", "529", "500"):
                        return self._error(
                            int(fault), {"429": "rate_limit_error", "529": "overloaded_error", "500": "api_error"}[fault]
                        )
                    if fault == "malformed_json":
                        return self._send(200, b'{"id": "msg_1", "type": "message", "content": [')
                    return self._json(200, server.answer(body, fault))
                if path == "/v1/messages/batches":
                    bid = f"msgbatch_{uuid.uuid4().hex[:12]}"
                    with server.lock:
                        server.batches[bid] = {"requests": body["requests"], "polls": 0, "404s": server.batch_404s}
                    return self._json(200, server.batch_obj(bid, "in_progress"))
                return self._error(404, "not_found_error")

            def do_GET(self):
                path = self.path.split("?")[0]
                with server.lock:
                    server.requests[("GET", path)] += 1
                parts = path.strip("/").split("/")
                if len(parts) >= 4 and parts[:3] == ["v1", "messages", "batches"]:
                    bid = parts[3]
                    batch = server.batches.get(bid)
                    if batch is None:
                        return self._error(404, "not_found_error")
                    if len(parts) == 5 and parts[4] == "results":
                        lines = [json.dumps(server.batch_result(r)) for r in batch["requests"]]
                        return self._send(200, ("\n".join(lines) + "\n").encode(), "application/binary")
                    with server.lock:
                        if batch["404s"] > 0:
                            batch["404s"] -= 1
                            return self._error(404, "not_found_error")
                        batch["polls"] += 1
                        status = "in_progress" if batch["polls"] <= server.batch_polls_in_progress else "ended"
                    return self._json(200, server.batch_obj(bid, status))
                return self._error(404, "not_found_error")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- the "model" ---------------------------------------------------------------------------
    def write(self, item: dict, head: dict, short: bool) -> str:
        """record_prompts: a prompt for the cell in `head`, with the camera and language asked."""
        with self.lock:
            self.written += 1
            n = self.written
        subject, style, camera = head["subject"].split()[0], head["style"].split()[0], item["camera"].split()[0]
        if item["language"] == "zh":
            return "短" if short else f"一幅画：第{n}号提示词，{item['index']}号，{subject}，{style}，{camera}"
        if short:
            return "too short"
        return f"prompt {n}-{item['index']} for {subject} in {style} style, camera {camera}, with a few more words"

    def expand(self, item: dict, short: bool) -> str:
        """record_expansions: the prompt padded to the lower end of the asked length."""
        lo = int(item["length"].split("-")[0])
        if item["length"].endswith("characters"):
            return item["prompt"] + "，" + "细" * max(0, lo - len(item["prompt"]) - 1 - (30 if short else 0))
        words = item["prompt"].split()
        pad = max(0, lo - len(words) - (20 if short else 0))
        return " ".join(words + ["detailed"] * pad)

    def tool_input(self, tool: str, user: str, fault: str | None) -> dict:
        lines = [json.loads(line) for line in user.split("\n")[1:] if line.strip()]
        if tool == "record_prompts":
            head, items = lines[0], lines[1:]
            with self.lock:
                for item in items:
                    self.labelled[(head["subject"], item["index"])] += 1
            out = [
                {"index": it["index"], "text": self.write(it, head, fault == "too_short" and k == 0)}
                for k, it in enumerate(items)
            ]
        else:
            with self.lock:
                for item in lines:
                    self.labelled[item["prompt"]] += 1
            out = [{"index": it["index"], "text": self.expand(it, fault == "too_short" and k == 0)} for k, it in enumerate(lines)]
        if fault == "drop_one" and out:
            out.pop()
        return {"items": out}

    def answer(self, params: dict, fault: str | None = None) -> dict:
        user = params["messages"][0]["content"]
        tool = params["tools"][0]["name"]
        if tool != "record_labels":
            content = [{"type": "text", "text": "Here they are."}]
            if fault != "no_tool":
                content.append({"type": "tool_use", "id": "toolu_1", "name": tool, "input": self.tool_input(tool, user, fault)})
            return {
                "id": f"msg_{uuid.uuid4().hex[:8]}",
                "type": "message",
                "role": "assistant",
                "model": params["model"],
                "content": content,
                "stop_reason": "tool_use",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": 300,
                    "output_tokens": 200,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 900,
                },
            }
        items = [json.loads(line) for line in user.split("\n")[1:] if line.strip()]
        labels = []
        for item in items:
            codes = dict(self.oracle(item["prompt"]))
            with self.lock:
                self.labelled[item["prompt"]] += 1
            labels.append({"index": item["index"], **codes})
        if fault == "invalid_codes" and labels:
            labels[0]["subject"] = "S99"
        if fault == "drop_one" and labels:
            labels.pop()
        tool = params["tools"][0]["name"]
        content = [{"type": "text", "text": "Here are the labels."}]
        if fault != "no_tool":
            content.append({"type": "tool_use", "id": "toolu_1", "name": tool, "input": {"labels": labels}})
        return {
            "id": f"msg_{uuid.uuid4().hex[:8]}",
            "type": "message",
            "role": "assistant",
            "model": params["model"],
            "content": content,
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 100 + 10 * len(items),
                "output_tokens": 20 * len(items),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 900,
            },
        }

    def batch_obj(self, bid: str, status: str) -> dict:
        n = len(self.batches[bid]["requests"])
        return {
            "id": bid,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {
                "processing": n if status != "ended" else 0,
                "succeeded": n if status == "ended" else 0,
                "errored": 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": "2026-11-21T00:00:00Z",
            "expires_at": "2026-11-22T00:00:00Z",
            "ended_at": "2026-11-21T00:01:00Z" if status == "ended" else None,
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": f"{self.url}/v1/messages/batches/{bid}/results" if status == "ended" else None,
        }

    def batch_result(self, request: dict) -> dict:
        cid = request["custom_id"]
        with self.lock:
            faults = self.result_faults.get(cid) or []
            fault = faults.pop(0) if faults else None
        if fault == "errored":
            return {
                "custom_id": cid,
                "result": {"type": "errored", "error": {"type": "error", "error": {"type": "api_error", "message": "scripted"}}},
            }
        if fault == "expired":
            return {"custom_id": cid, "result": {"type": "expired"}}
        return {"custom_id": cid, "result": {"type": "succeeded", "message": self.answer(request["params"])}}

    def __enter__(self) -> FakeAnthropic:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, method: str, path: str) -> int:
        return self.requests[(method, path)]
