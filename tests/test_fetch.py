"""The network fetchers against a real HTTP server on 127.0.0.1, failures included."""

from __future__ import annotations

import io
import tarfile

import pytest
from conftest import cvtg_zip
from fakeserver import HF_COMMIT, FakeServer

from diffcurate.download import DownloadConfig, run_download
from diffcurate.errors import SourceFormatError, SourceUnavailable
from diffcurate.schemas import OnUnavailable
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
    # A 200 with an HTML error page must fail loudly even with on_unavailable=skip.
    server.files[f"/djghosh13/geneval/{GENEVAL_COMMIT}/prompts/evaluation_metadata.jsonl"] = b"<html>oops</html>\n"
    cfg = DownloadConfig(
        [SourceName.GENEVAL],
        mirror=None,
        on_unavailable=OnUnavailable.SKIP,
        cache_dir=tmp_path,
        fetcher_factory=lambda name: fetcher(server, name),
    )
    with pytest.raises(SourceFormatError, match="evaluation_metadata.jsonl, line 1"):
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


def test_hf_dataset_through_datasets(monkeypatch, tmp_path):
    import datasets

    calls = []

    def fake_load_dataset(repo, name=None, split=None, revision=None, streaming=False):
        calls.append((repo, name, split, revision, streaming))
        return datasets.Dataset.from_dict(
            {"prompt": ["a dog and a cat playing with a ball", "a dog and a cat playing with a ball"], "left_model": ["A", "B"]}
        )

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    f = Fetcher("genai-bench")
    SOURCES[SourceName.GENAI_BENCH].fetch(f, tmp_path)
    records, _ = SOURCES[SourceName.GENAI_BENCH].parse(tmp_path)
    assert calls == [("TIGER-Lab/GenAI-Bench", "image_generation", "test", "main", True)]
    assert [r.text for r in records] == ["a dog and a cat playing with a ball"] * 2  # exact dedup happens later


def test_network_run_skips_unavailable_and_fails_when_asked(server, tmp_path):
    server.files[PARTI_PATH] = PARTI_TSV
    make = lambda name: fetcher(server, name)  # noqa: E731
    cfg = DownloadConfig(
        [SourceName.PARTIPROMPTS, SourceName.MJHQ_30K],
        mirror=None,
        on_unavailable=OnUnavailable.SKIP,
        cache_dir=tmp_path,
        fetcher_factory=make,
    )
    result = run_download(cfg)
    assert result.metrics["skipped"] == ["mjhq-30k"] and result.metrics["mode"] == "network"
    assert result.prompts["text"].tolist() == ["A sloth in a go kart on a race track"]
    cfg.on_unavailable = OnUnavailable.FAIL
    with pytest.raises(SourceUnavailable, match="mjhq-30k"):
        run_download(cfg)
