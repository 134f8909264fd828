"""The network fetchers against a real HTTP server on 127.0.0.1, failures included."""

from __future__ import annotations

import io
import tarfile

import pytest
from conftest import cvtg_zip
from fakeserver import HF_COMMIT, FakeServer

from diffcurate.download import DownloadConfig, run_download
from diffcurate.errors import ChecksumMismatch, SourceFormatError, SourceUnavailable
from diffcurate.schemas import OnUnavailable, VerifyMode
from diffcurate.sources import ELLA_COMMIT, GENEVAL_COMMIT, PARTI_COMMIT, SOURCES, SourceName
from diffcurate.sources.fetch import Endpoints, Fetcher

PARTI_PATH = f"/google-research/parti/{PARTI_COMMIT}/PartiPrompts.tsv"
PARTI_TSV = b"Prompt\tCategory\tChallenge\tNote\nA sloth in a go kart on a race track\tAnimals\tImagination\t\n"


@pytest.fixture
def server():
    with FakeServer() as s:
        s.timeout_sleep = 1.0
        yield s


def fetcher(server: FakeServer, source: str = "partiprompts", **kw) -> Fetcher:
    kw = {"timeout_s": 0.5, "max_retries": 3, "backoff_s": 0.0, **kw}
    return Fetcher(source, endpoints=Endpoints(server.url, server.url, server.url), **kw)


def test_github_raw_ok_and_provenance(server, tmp_path):
    server.files[PARTI_PATH] = PARTI_TSV
    f = fetcher(server)
    path = f.github_raw("google-research/parti", PARTI_COMMIT, "PartiPrompts.tsv", tmp_path)
    assert path.read_bytes() == PARTI_TSV
    assert f.provenance[0]["revision"] == PARTI_COMMIT and f.provenance[0]["bytes"] == len(PARTI_TSV)
    assert server.count(PARTI_PATH) == 1


@pytest.mark.parametrize("faults", [["429"], ["500", "503"], ["529"], ["timeout"], ["truncate"], ["429", "timeout", "truncate"]])
def test_transient_failures_are_retried(server, tmp_path, faults):
    server.files[PARTI_PATH] = PARTI_TSV
    server.faults[PARTI_PATH] = list(faults)
    sleeps: list[float] = []
    f = fetcher(server, sleep=sleeps.append, backoff_s=0.25)
    path = f.github_raw("google-research/parti", PARTI_COMMIT, "PartiPrompts.tsv", tmp_path)
    assert path.read_bytes() == PARTI_TSV  # never a half file
    assert server.count(PARTI_PATH) == len(faults) + 1
    assert len(sleeps) == len(faults)
    if faults == ["500", "503"]:
        assert sleeps == [0.25, 0.5]  # exponential backoff
    if faults == ["429"]:
        assert sleeps == [0.0]  # Retry-After honoured


def test_retries_exhausted_is_unavailable(server, tmp_path):
    server.files[PARTI_PATH] = PARTI_TSV
    server.faults[PARTI_PATH] = ["500"] * 10
    with pytest.raises(SourceUnavailable, match="gave up after 4 attempts"):
        fetcher(server).github_raw("google-research/parti", PARTI_COMMIT, "PartiPrompts.tsv", tmp_path)
    assert server.count(PARTI_PATH) == 4
    assert not (tmp_path / "PartiPrompts.tsv").exists()


def test_404_is_not_retried(server, tmp_path):
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        fetcher(server).github_raw("google-research/parti", PARTI_COMMIT, "PartiPrompts.tsv", tmp_path)
    assert server.count(PARTI_PATH) == 1


def test_malformed_body_is_a_format_error_not_a_skip(server, tmp_path):
    # A 200 with an HTML error page must fail loudly even with on_unavailable=skip: by its sha256
    # (verify: strict), or by its format (verify: warn).
    server.files[f"/djghosh13/geneval/{GENEVAL_COMMIT}/prompts/evaluation_metadata.jsonl"] = b"<html>oops</html>\n"
    cfg = DownloadConfig(
        [SourceName.GENEVAL],
        mirror=None,
        on_unavailable=OnUnavailable.SKIP,
        cache_dir=tmp_path,
        fetcher_factory=lambda name: fetcher(server, name),
    )
    with pytest.raises(ChecksumMismatch, match="evaluation_metadata.jsonl: expected sha256 5c48e08"):
        run_download(cfg)
    cfg.verify = VerifyMode.WARN
    with pytest.raises(SourceFormatError, match="evaluation_metadata.jsonl, line 1"):
        run_download(cfg)


def test_pinned_file_over_the_network_strict(server, shared, tmp_path):
    published = (shared / "sources/partiprompts/PartiPrompts.tsv").read_bytes()
    server.files[PARTI_PATH] = published
    cfg = DownloadConfig(
        [SourceName.PARTIPROMPTS],
        mirror=None,
        on_unavailable=OnUnavailable.FAIL,
        cache_dir=tmp_path,
        fetcher_factory=lambda name: fetcher(server, name),
    )
    m = run_download(cfg).metrics
    assert m["per_source"]["partiprompts"]["verified"] == "ok" and m["n_prompts"] == 1257
    server.files[PARTI_PATH] = published[: published.rindex(b"\n", 0, -1) + 1]  # the last line cut off
    with pytest.raises(ChecksumMismatch, match="PartiPrompts.tsv"):
        run_download(cfg)


def test_github_tarball_extracts_only_the_subdir(server, tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {
            f"ELLA-{ELLA_COMMIT}/dpg_bench/prompts/0.txt": b"A harbour at dawn with fishing boats and gulls",
            f"ELLA-{ELLA_COMMIT}/dpg_bench/prompts/vrd1.txt": b"A man riding a horse beside a river at noon",
            f"ELLA-{ELLA_COMMIT}/dpg_bench/dpg_bench.csv": b"not a prompt",
            f"ELLA-{ELLA_COMMIT}/README.md": b"readme",
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = f"/TencentQQGYLab/ELLA/tar.gz/{ELLA_COMMIT}"
    server.files[path] = buf.getvalue()
    server.faults[path] = ["truncate"]
    f = fetcher(server, "dpg-bench")
    SOURCES[SourceName.DPG_BENCH].fetch(f, tmp_path)
    records, files = SOURCES[SourceName.DPG_BENCH].parse(tmp_path)
    assert sorted(p.name for p in files) == ["0.txt", "vrd1.txt"]
    assert [r.category for r in records] == [None, "vrd"]
    assert server.count(path) == 2


def test_hf_file_through_huggingface_hub(server, tmp_path):
    hf = server.hf_path("dnkdnk/CVTG-2K", "CVTG-2K.zip")
    server.files[hf] = cvtg_zip({"CVTG/2.json": ["A cafe window shows 'Cafe' in warm brown letters"]})
    server.faults[hf] = ["429", "500"]
    f = fetcher(server, "cvtg-2k")
    SOURCES[SourceName.CVTG_2K].fetch(f, tmp_path)
    records, _ = SOURCES[SourceName.CVTG_2K].parse(tmp_path)
    assert [r.text for r in records] == ["A cafe window shows 'Cafe' in warm brown letters"]
    assert f.provenance[0]["revision"] == HF_COMMIT  # "main" resolved to a commit and recorded
    assert server.count(f"/datasets/dnkdnk/CVTG-2K/resolve/{HF_COMMIT}/CVTG-2K.zip") == 1  # one download


def test_hf_file_missing_is_unavailable(server, tmp_path):
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        SOURCES[SourceName.MJHQ_30K].fetch(fetcher(server, "mjhq-30k"), tmp_path)


@pytest.fixture
def load_dataset_calls(monkeypatch):
    """`datasets.load_dataset` answering from memory (its own Hub protocol is not faked); the calls."""
    import datasets

    calls = []

    def fake_load_dataset(repo, name=None, split=None, revision=None, streaming=False):
        calls.append((repo, name, split, revision, streaming))
        return datasets.Dataset.from_dict(
            {"prompt": ["a dog and a cat playing with a ball", "a dog and a cat playing with a ball"], "left_model": ["A", "B"]}
        )

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    return calls


def test_hf_dataset_resolves_the_revision_and_records_the_commit(server, tmp_path, load_dataset_calls):
    server.hf_repos["TIGER-Lab/GenAI-Bench"] = HF_COMMIT
    server.faults[server.hf_info_path("TIGER-Lab/GenAI-Bench")] = ["429", "500"]
    f = fetcher(server, "genai-bench")
    SOURCES[SourceName.GENAI_BENCH].fetch(f, tmp_path)
    records, _ = SOURCES[SourceName.GENAI_BENCH].parse(tmp_path)
    assert server.count("/api/datasets/TIGER-Lab/GenAI-Bench/revision/main") == 3  # "main" asked, retried
    assert load_dataset_calls == [("TIGER-Lab/GenAI-Bench", "image_generation", "test", HF_COMMIT, True)]
    assert f.provenance[0]["revision"] == HF_COMMIT  # the commit, not "main"
    assert [r.text for r in records] == ["a dog and a cat playing with a ball"] * 2  # exact dedup happens later


def test_drawbench_network_path_records_the_commit(server, tmp_path, monkeypatch):
    import datasets

    monkeypatch.setattr(
        datasets,
        "load_dataset",
        lambda repo, name=None, split=None, revision=None, streaming=False: datasets.Dataset.from_dict(
            {"Prompts": [f"A red colored car at {revision}"], "Category": ["Colors"]}
        ),
    )
    server.hf_repos["sayakpaul/drawbench"] = "fedcba9876543210fedcba9876543210fedcba98"
    f = fetcher(server, "drawbench")
    SOURCES[SourceName.DRAWBENCH].fetch(f, tmp_path)
    records, _ = SOURCES[SourceName.DRAWBENCH].parse(tmp_path)
    assert [r.text for r in records] == ["A red colored car at fedcba9876543210fedcba9876543210fedcba98"]
    assert f.provenance[0]["revision"] == "fedcba9876543210fedcba9876543210fedcba98"


def test_hf_dataset_missing_repo_is_unavailable(server, tmp_path, load_dataset_calls):
    with pytest.raises(SourceUnavailable, match="TIGER-Lab/GenAI-Bench@main: HTTP 404"):
        SOURCES[SourceName.GENAI_BENCH].fetch(fetcher(server, "genai-bench"), tmp_path)
    assert load_dataset_calls == []


def test_network_run_skips_unavailable_and_fails_when_asked(server, tmp_path):
    server.files[PARTI_PATH] = PARTI_TSV
    make = lambda name: fetcher(server, name)  # noqa: E731
    cfg = DownloadConfig(
        [SourceName.PARTIPROMPTS, SourceName.MJHQ_30K],
        mirror=None,
        on_unavailable=OnUnavailable.SKIP,
        cache_dir=tmp_path,
        fetcher_factory=make,
        verify=VerifyMode.WARN,  # PARTI_TSV is made up
    )
    result = run_download(cfg)
    assert result.metrics["skipped"] == ["mjhq-30k"] and result.metrics["mode"] == "network"
    assert result.prompts["text"].tolist() == ["A sloth in a go kart on a race track"]
    cfg.on_unavailable = OnUnavailable.FAIL
    with pytest.raises(SourceUnavailable, match="mjhq-30k"):
        run_download(cfg)
