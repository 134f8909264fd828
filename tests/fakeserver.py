"""A threaded HTTP server on 127.0.0.1 that speaks the protocols our fetchers use.

- GitHub raw:       GET /<owner>/<repo>/<commit>/<path>
- GitHub codeload:  GET /<owner>/<repo>/tar.gz/<commit>
- Hugging Face Hub: HEAD/GET /datasets/<owner>/<repo>/resolve/<revision>/<path>
  (answers with X-Repo-Commit / ETag / Content-Length, as the Hub does for non-LFS files)
- Hugging Face Hub API: GET /api/datasets/<owner>/<repo>/revision/<revision> (`HfApi.dataset_info`):
  the repository's JSON with the commit `sha` the revision resolves to, for repos in `hf_repos`;
  404 with X-Error-Code RepositoryNotFound otherwise, as the Hub answers

Failures are scripted per path: a queue of faults (`429`, `500`, `529`, `timeout`, `truncate`)
is consumed one per request before the real answer, and every request is counted, so tests can
assert how many calls a client made.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HF_COMMIT = "0123456789abcdef0123456789abcdef01234567"


class FakeServer:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: Counter = Counter()
        self.timeout_sleep = 2.0
        self.hf_repos: dict[str, str] = {}  # dataset repo → the commit every revision resolves to
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, head: bool) -> None:
                path = self.path.split("?")[0]
                server.requests[(self.command, path)] += 1
                key = path
                if "/resolve/" in path:  # any revision resolves to our one commit
                    prefix, rest = path.split("/resolve/", 1)
                    key = prefix + "/resolve/" + rest.split("/", 1)[1]
                info = None
                if path.startswith("/api/datasets/") and "/revision/" in path:
                    key, _ = path.split("/revision/", 1)
                    repo = key.removeprefix("/api/datasets/")
                    if repo in server.hf_repos:
                        info = _dataset_info(repo, server.hf_repos[repo])
                    key += "/revision"
                queue = server.faults.get(key)
                fault = queue.pop(0) if queue else None
                if fault == "timeout":
                    time.sleep(server.timeout_sleep)
                    fault = "500"
                if fault in {"429", "500", "503", "529"}:
                    body = b'{"error": "scripted failure"}'
                    self.send_response(int(fault))
                    if fault == "429":
                        self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                data = server.files.get(key) if info is None else info
                if data is None:
                    body = b"Not Found"
                    self.send_response(404)
                    if key.startswith("/api/"):
                        self.send_header("X-Error-Code", "RepositoryNotFound")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(body)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Content-Type", "application/json" if info is not None else "application/octet-stream")
                if "/resolve/" in path:
                    self.send_header("X-Repo-Commit", HF_COMMIT)
                    self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
                self.end_headers()
                if head:
                    return
                if fault == "truncate":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def do_GET(self):
                self._answer(head=False)

            def do_HEAD(self):
                self._answer(head=True)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hf_path(self, repo: str, filename: str) -> str:
        return f"/datasets/{repo}/resolve/{filename}"

    def count(self, path: str, method: str = "GET") -> int:
        return self.requests[(method, path)]

    def hf_info_path(self, repo: str) -> str:
        """The fault key of a dataset's revision info (every revision)."""
        return f"/api/datasets/{repo}/revision"


def _dataset_info(repo: str, commit: str) -> bytes:
    """The fields of the Hub's answer to GET /api/datasets/<repo>/revision/<rev> that clients read."""
    return json.dumps(
        {
            "_id": hashlib.sha1(repo.encode()).hexdigest()[:24],
            "id": repo,
            "author": repo.split("/")[0],
            "sha": commit,
            "lastModified": "2024-06-01T12:00:00.000Z",
            "private": False,
            "gated": False,
            "disabled": False,
            "tags": [],
            "downloads": 0,
            "likes": 0,
            "siblings": [{"rfilename": "README.md"}],
            "createdAt": "2024-01-01T00:00:00.000Z",
        }
    ).encode()
