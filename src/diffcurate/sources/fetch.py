"""Network fetchers: the real calls a user with internet makes, with pinned revisions.

Each fetcher writes the *published* files into a folder with the same layout as the offline
mirror, so one parser serves both paths. Transient failures (HTTP 429 and 5xx, timeouts, dropped
connections, truncated bodies) are retried with exponential backoff (honouring `Retry-After`);
permanent ones (404, 403, ...) and exhausted retries raise `SourceUnavailable`, which the
download stage turns into `fail` or `skip` by `download.on_unavailable`.

Endpoints are configurable so the tests can point every client at servers on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tarfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import requests

from diffcurate.errors import SourceUnavailable
from diffcurate.io import atomic_path

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504, 529})
T = TypeVar("T")


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of the services we fetch from (env overrides for mirrors/proxies and tests)."""

    github_raw: str = "https://raw.githubusercontent.com"
    github_codeload: str = "https://codeload.github.com"
    hf: str | None = None  # None: huggingface_hub's default (honours HF_ENDPOINT)

    @classmethod
    def from_env(cls) -> Endpoints:
        return cls(
            github_raw=os.environ.get("DIFFCURATE_GITHUB_RAW", cls.github_raw),
            github_codeload=os.environ.get("DIFFCURATE_GITHUB_CODELOAD", cls.github_codeload),
            hf=os.environ.get("HF_ENDPOINT") or None,
        )


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def sha256_files(paths: Iterable[Path]) -> str:
    """sha256 of the files' bytes concatenated in order (one file: its own sha256), streamed."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    """`path` holds `data` completely, or keeps what it held (an interrupted fetch leaves no half file)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


@dataclass
class Fetcher:
    """Downloads published files for one source into `dest`, recording provenance."""

    source: str
    endpoints: Endpoints = field(default_factory=Endpoints.from_env)
    timeout_s: float = 30.0
    max_retries: int = 5
    backoff_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    provenance: list[dict] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)

    # --- retry policy ---------------------------------------------------------------------------
    def _with_retries(self, what: str, attempt_fn: Callable[[], T]) -> T:
        last = ""
        for attempt in range(self.max_retries + 1):
            try:
                return attempt_fn()
            except _Retryable as exc:
                last = str(exc)
                if attempt == self.max_retries:
                    break
                delay = exc.retry_after if exc.retry_after is not None else self.backoff_s * 2**attempt
                log.warning("%s: %s; retry %d/%d in %.1fs", what, last, attempt + 1, self.max_retries, delay)
                self.sleep(delay)
        raise SourceUnavailable(self.source, f"{what}: gave up after {self.max_retries + 1} attempts ({last})")

    def _http_get(self, url: str) -> bytes:
        def attempt() -> bytes:
            try:
                resp = self.session.get(url, timeout=self.timeout_s)
                if resp.status_code == 200:
                    return resp.content  # urllib3 enforces Content-Length: a cut body raises below
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                raise _Retryable(f"{type(exc).__name__}: {exc}") from None
            if resp.status_code in RETRYABLE_STATUS:
                raise _Retryable(f"HTTP {resp.status_code}", _retry_after(resp.headers.get("Retry-After")))
            raise SourceUnavailable(self.source, f"GET {url}: HTTP {resp.status_code}")

        return self._with_retries(f"GET {url}", attempt)

    def _record(self, url: str, revision: str, path: Path) -> None:
        self.provenance.append(
            {"url": url, "revision": revision, "file": path.name, "bytes": path.stat().st_size, "sha256": sha256_files([path])}
        )

    # --- GitHub --------------------------------------------------------------------------------
    def github_raw(self, repo: str, commit: str, path: str, dest: Path) -> Path:
        """One file of a GitHub repository at a pinned commit (raw.githubusercontent.com)."""
        url = f"{self.endpoints.github_raw}/{repo}/{commit}/{path}"
        target = dest / Path(path).name
        _write_atomic(target, self._http_get(url))
        self._record(url, commit, target)
        return target

    def github_tarball(self, repo: str, commit: str, subdir: str, dest: Path) -> Path:
        """The files under `subdir` of a repository at a pinned commit, from one tarball request."""
        url = f"{self.endpoints.github_codeload}/{repo}/tar.gz/{commit}"
        data = self._http_get(url)
        target = dest / Path(subdir).name
        prefix = subdir.strip("/") + "/"
        n = 0
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                for member in tar.getmembers():
                    # Members are "<repo>-<commit>/<path>"; keep regular files under subdir only.
                    inner = member.name.split("/", 1)[1] if "/" in member.name else ""
                    if not member.isfile() or not inner.startswith(prefix) or "/" in inner[len(prefix) :]:
                        continue
                    content = tar.extractfile(member).read()
                    _write_atomic(target / inner[len(prefix) :], content)
                    n += 1
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise SourceUnavailable(self.source, f"{url}: not a readable tar.gz archive ({exc})") from None
        if n == 0:
            raise SourceUnavailable(self.source, f"{url}: no files under {subdir!r} in the archive")
        self.provenance.append(
            {"url": url, "revision": commit, "file": subdir, "files": n, "sha256": hashlib.sha256(data).hexdigest()}
        )
        return target

    # --- Hugging Face --------------------------------------------------------------------------
    def hf_file(self, repo: str, filename: str, revision: str, dest: Path) -> Path:
        """One file of a Hugging Face dataset repository, through `huggingface_hub`."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url
        from huggingface_hub.errors import HfHubHTTPError

        url = hf_hub_url(repo, filename, repo_type="dataset", revision=revision, endpoint=self.endpoints.hf)

        def attempt() -> tuple[str, str]:
            try:
                # Resolve the revision to a commit first, then download exactly that commit.
                meta = get_hf_file_metadata(url, timeout=self.timeout_s)
                commit = meta.commit_hash or revision
                path = hf_hub_download(
                    repo,
                    filename,
                    repo_type="dataset",
                    revision=commit,
                    local_dir=dest,
                    endpoint=self.endpoints.hf,
                    etag_timeout=self.timeout_s,
                )
                return path, commit
            except HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in RETRYABLE_STATUS:
                    raise _Retryable(f"HTTP {status}") from None
                raise SourceUnavailable(self.source, f"{url}: HTTP {status}: {exc}") from None
            except _hub_transport_errors() as exc:  # connection errors, timeouts, cut downloads
                raise _Retryable(f"{type(exc).__name__}: {exc}") from None

        path, commit = self._with_retries(f"hf {repo}/{filename}", attempt)
        self._record(url, commit, Path(path))
        return Path(path)

    def hf_dataset(
        self, repo: str, config: str | None, split: str, columns: list[str], revision: str, dest: Path, filename: str
    ) -> Path:
        """Text columns of a Hub dataset through `datasets` (streamed: image columns are not downloaded).

        The revision is resolved to a commit first (the Hub's dataset info), and exactly that commit
        is loaded and recorded, so a re-run reads the same data or says which commit changed.
        """
        import datasets
        import pyarrow as pa
        import pyarrow.parquet as pq

        commit = self.hf_commit(repo, revision)

        def attempt() -> dict[str, list]:
            try:
                ds = datasets.load_dataset(repo, config, split=split, revision=commit, streaming=True)
                rows: dict[str, list] = {}
                for row in ds:
                    present = [c for c in columns if c in row]
                    if not present:
                        raise SourceUnavailable(self.source, f"{repo}: none of the columns {columns} in {sorted(row)}")
                    for c in present:
                        rows.setdefault(c, []).append(row[c])
                return rows
            except (ConnectionError, TimeoutError, OSError) as exc:
                raise _Retryable(f"{type(exc).__name__}: {exc}") from None
            except datasets.exceptions.DatasetNotFoundError as exc:
                raise SourceUnavailable(self.source, f"{repo}: {exc}") from None

        rows = self._with_retries(f"datasets {repo}/{config}/{split}@{commit}", attempt)
        target = dest / filename
        with atomic_path(target) as tmp:
            pq.write_table(pa.table(rows), tmp)
        self._record(f"hf://datasets/{repo}/{config or ''}/{split}", commit, target)
        return target

    def hf_commit(self, repo: str, revision: str) -> str:
        """The commit a Hub dataset's revision (a branch or tag) points to now."""
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        api = HfApi(endpoint=self.endpoints.hf)

        def attempt() -> str:
            try:
                info = api.dataset_info(repo, revision=revision, timeout=self.timeout_s)
            except HfHubHTTPError as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in RETRYABLE_STATUS:
                    raise _Retryable(f"HTTP {status}") from None
                raise SourceUnavailable(self.source, f"{repo}@{revision}: HTTP {status}: {exc}") from None
            except _hub_transport_errors() as exc:
                raise _Retryable(f"{type(exc).__name__}: {exc}") from None
            if not info.sha:
                raise SourceUnavailable(self.source, f"{repo}@{revision}: the Hub did not say which commit it is")
            return info.sha

        return self._with_retries(f"hf {repo}@{revision}", attempt)


def _hub_transport_errors() -> tuple[type[BaseException], ...]:
    """Connection errors and timeouts as huggingface_hub's HTTP client raises them (not all are OSError)."""
    import importlib

    errors: list[type[BaseException]] = [OSError, TimeoutError]
    for name in ("httpx2", "httpx"):  # the client huggingface_hub uses, depending on its version
        try:
            errors.append(importlib.import_module(name).TransportError)
        except (ImportError, AttributeError):
            continue
    return tuple(errors)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
