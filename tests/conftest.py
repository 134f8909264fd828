"""Shared fixtures: where ../shared is, and a tiny mirror in the real published formats."""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_dir() -> Path:
    return Path(os.environ.get("DIFFCURATE_SHARED", REPO.parent / "shared")).resolve()


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared (the real published prompt files). Required in CI; skipped only outside it."""
    path = shared_dir()
    if not (path / "sources").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"../shared is required in CI but {path} has no sources/ folder")
        pytest.skip(f"{path}/sources not found (set DIFFCURATE_SHARED)")
    return path


def cvtg_zip(prompts_by_member: dict[str, list[str]], combined: bool = True) -> bytes:
    """A CVTG-2K.zip in the published layout: CVTG*/N.json with data_list (+ N_combined.json)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for member, prompts in prompts_by_member.items():
            data = [{"index": i, "prompt": p, "carrier_list": ["sign"], "sentence_list": ["x"]} for i, p in enumerate(prompts)]
            zf.writestr(member, json.dumps({"data_list": data}, indent=4))
            if combined:
                zf.writestr(member.replace(".json", "_combined.json"), json.dumps({str(i): p for i, p in enumerate(prompts)}))
    return buf.getvalue()


def write_tiny_mirror(root: Path) -> Path:
    """Every source in its real published format, a few rows each (MJHQ from tests/fixtures)."""
    (root / "partiprompts").mkdir(parents=True)
    (root / "partiprompts/PartiPrompts.tsv").write_text(
        "Prompt\tCategory\tChallenge\tNote\n"
        '"G I G G L E" painted in thick colorful lettering on a wall\tIllustrations\tWriting & Symbols\t\n'
        " A sloth in a go kart on a race track, photorealistic \tAnimals\tImagination\t\n"
        "bond\tAbstract\tBasic\t\n"
        "A bowl of ramen with a soft boiled egg on top\tFood & Beverage\tBasic\t\n",
        encoding="utf-8",
    )
    (root / "genai-bench").mkdir()
    (root / "genai-bench/prompts.jsonl").write_text(
        json.dumps({"text": "a cute dog is playing a ball in the park", "language": "en"})
        + "\n"
        + json.dumps({"text": "A bowl of ramen with a soft boiled egg on top", "language": "en"})
        + "\n",
        encoding="utf-8",
    )
    (root / "drawbench").mkdir()
    (root / "drawbench/DrawBench.tsv").write_bytes(
        b"Prompts\tCategory\r\nA red colored car.\tColors\r\nA storefront with 'Deep Learning' written on it.\tText\r\n"
        b"A sloth in a go kart on a race track, photorealistic\tGary Marcus et al. "
    )
    (root / "geneval").mkdir()
    (root / "geneval/evaluation_metadata.jsonl").write_text(
        json.dumps({"tag": "counting", "include": [{"class": "apple", "count": 3}], "prompt": "a photo of three apples"}) + "\n",
        encoding="utf-8",
    )
    (root / "dpg-bench/prompts").mkdir(parents=True)
    (root / "dpg-bench/prompts/0.txt").write_text(
        "A long dense prompt about a quiet harbour at dawn with boats", encoding="utf-8"
    )
    (root / "dpg-bench/prompts/countbench4.txt").write_text(
        "Four wooden chairs around a round oak table in a sunlit room\n", encoding="utf-8"
    )
    (root / "oneig-bench-zh").mkdir()
    (root / "oneig-bench-zh/OneIG-Bench-ZH.csv").write_bytes(
        "category,id,prompt_cn,class\r\nPortrait,000,一位老人坐在窗边读书，阳光洒在脸上,\r\n"
        'Text_Rendering,007,"海报上写着""你好""，红色背景",poster design\r\nMultilingualism,001,猫,\r\n'.encode()
    )
    (root / "cvtg-2k").mkdir()
    (root / "cvtg-2k/CVTG-2K.zip").write_bytes(
        cvtg_zip(
            {
                "CVTG/2.json": ["A cafe window shows 'Cafe' in warm brown letters"],
                "CVTG-Style/2.json": ["A neon sign reads 'Open' above a dark bar door"],
            }
        )
    )
    (root / "longtext-bench").mkdir()
    (root / "longtext-bench/text_prompts.jsonl").write_text(
        json.dumps(
            {
                "category": "sign",
                "length": "short",
                "prompt": "A shop sign that reads 'Fresh bread every morning' in gold",
                "text": ["x"],
                "text_length": 4,
                "prompt_id": 0,
            }
        )
        + "\n",
        encoding="utf-8",
    )
    (root / "longtext-bench/text_prompts_zh.jsonl").write_text(
        json.dumps(
            {
                "category": "sign",
                "length": "short",
                "prompt": "街边的招牌上写着“每日新鲜烘焙”",
                "text": ["x"],
                "text_length": 6,
                "prompt_id": 0,
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    (root / "mjhq-30k").mkdir()
    (root / "mjhq-30k/meta_data.json").write_bytes((FIXTURES / "mjhq-30k/meta_data.json").read_bytes())
    return root


@pytest.fixture
def tiny_mirror(tmp_path: Path) -> Path:
    return write_tiny_mirror(tmp_path / "mirror")


def write_idx(path: Path, arr: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + arr.astype(np.uint8).tobytes())


@pytest.fixture
def tiny_fmnist(tmp_path: Path) -> Path:
    """Fashion-MNIST's file format with 120 images: class c draws a square whose brightness grows with c."""
    rng = np.random.default_rng(0)
    labels = np.arange(120) % 10
    images = np.zeros((120, 28, 28), np.uint8)
    for i, c in enumerate(labels):
        images[i, 8:20, 8:20] = 20 * c + rng.integers(0, 10)
    root = tmp_path / "fmnist"
    root.mkdir()
    write_idx(root / "train-images-idx3-ubyte.gz", images)
    write_idx(root / "train-labels-idx1-ubyte.gz", labels)
    return root


def load_stage(name: str):
    """A stage script (stages/<name>.py) as a module, for Typer's CliRunner."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"stage_{name}", REPO / f"stages/{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
