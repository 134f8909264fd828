"""The fitted classifier as a DVC artifact (`models/classifier/`), so later stages re-classify with
exactly the classifier `classify` used, without refitting a seed head.

`config.json` holds the resolved configuration (backend, embedding, Claude model, the OpenAI-compatible
server's URL and model…; never an API key, only the name of its variable); a fitted
seed head (logistic or fine-tuned) is pickled beside it in `head.pkl`. A zero-shot classifier is
its configuration alone. Only load artifacts this pipeline wrote: pickle runs code on load.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

from diffcurate.classify.base import Backend, Classifier
from diffcurate.classify.embedding import AxisHead, EmbeddingClassifier, EmbeddingConfig, SeedFeatures, SeedHead
from diffcurate.classify.encoders import EncoderName, EncoderPrecision
from diffcurate.classify.run import ClassifyConfig, make_classifier
from diffcurate.errors import InputError
from diffcurate.io import dumps_json
from diffcurate.llm import ClaudeConfig, LLMMode
from diffcurate.llm_openai import OpenAIConfig, StructuredOutput

CONFIG = "config.json"
HEAD = "head.pkl"
# The seed head's settings of artifacts written before these keys existed (the head they hold).
OLD_HEAD_SETTINGS = {"seed_features": "minilm", "head_balanced": "", "blend_axes": ""}


def config_dict(cfg: ClassifyConfig) -> dict:
    d = dataclasses.asdict(cfg)
    d["cache"] = None  # the cache belongs to the stage that runs the classifier
    d["claude"]["base_url"] = None
    return json.loads(json.dumps(d, default=str))


def config_from_dict(d: dict) -> ClassifyConfig:
    emb = {**OLD_HEAD_SETTINGS, **d["embedding"]}  # artifacts written before the USE head lack its keys
    emb.update(
        encoder_en=EncoderName(emb["encoder_en"]),
        encoder_zh=EncoderName(emb["encoder_zh"]),
        precision=EncoderPrecision(emb["precision"]),
        seed_head=SeedHead(emb["seed_head"]),
        seed_features=SeedFeatures(emb["seed_features"]),
    )
    claude = dict(d["claude"])
    claude["mode"] = LLMMode(claude["mode"])
    extra = {}
    if d.get("openai"):  # artifacts written before the openai backend have none
        openai = dict(d["openai"])
        openai.update(mode=LLMMode(openai["mode"]), structured_output=StructuredOutput(openai["structured_output"]))
        extra["openai"] = OpenAIConfig(**openai)
    return ClassifyConfig(
        backend=Backend(d["backend"]),
        embedding=EmbeddingConfig(**emb),
        claude=ClaudeConfig(**claude),
        **extra,
        prompts_per_request=d["prompts_per_request"],
        max_reasks=d["max_reasks"],
        cv_folds=d["cv_folds"],
        seed=d["seed"],
    )


def save_classifier(directory: Path, cfg: ClassifyConfig, clf: Classifier, write_text=None, write_bytes=None) -> None:
    """Write the artifact; `write_text(path, text)` / `write_bytes(path, data)` default to plain writes
    (the stage passes its atomic writer's)."""
    directory = Path(directory)
    write_text = write_text or (lambda p, t: Path(p).write_text(t))
    write_bytes = write_bytes or (lambda p, b: Path(p).write_bytes(b))
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"config": config_dict(cfg), "fitted_head": None, "n_seed_labels": 0}
    if isinstance(clf, EmbeddingClassifier) and (clf.heads or clf.finetuned is not None):
        meta["fitted_head"] = "finetune" if clf.finetuned is not None else "logistic"
        meta["n_seed_labels"] = clf.n_seed
        write_bytes(
            directory / HEAD, pickle.dumps({"heads": clf.heads, "finetuned": clf.finetuned, "n_seed": clf.n_seed}, protocol=5)
        )
    elif (directory / HEAD).exists():
        (directory / HEAD).unlink()  # a head from an earlier seeded run must not outlive it
    write_text(directory / CONFIG, dumps_json(meta))


def _old_head(axis, head) -> AxisHead:
    """An AxisHead of a head pickled before issue 20 (a LogisticRegression, or the one code seen)."""
    if isinstance(head, str):
        return AxisHead(axis, None, (head,))
    return AxisHead(axis, head, tuple(str(code) for code in head.classes_))


def load_classifier(
    directory: Path, cache: Path | None = None, claude_base_url: str | None = None
) -> tuple[ClassifyConfig, Classifier]:
    """The classifier saved in `directory`; a Claude classifier answers from/into `cache`."""
    directory = Path(directory)
    path = directory / CONFIG
    if not path.is_file():
        raise InputError(f"{path}: no classifier artifact (run the classify stage first)")
    meta = json.loads(path.read_text())
    cfg = config_from_dict(meta["config"])
    cfg = dataclasses.replace(cfg, cache=cache, claude=dataclasses.replace(cfg.claude, base_url=claude_base_url))
    if cfg.backend is not Backend.EMBEDDING or meta["fitted_head"] is None:
        return cfg, make_classifier(cfg)
    state = pickle.loads((directory / HEAD).read_bytes())
    clf = EmbeddingClassifier(cfg.embedding)
    clf.heads, clf.finetuned, clf.n_seed = state["heads"], state["finetuned"], state["n_seed"]
    if clf.heads is not None:  # before issue 20 a head was a LogisticRegression, or the one code seen
        clf.heads = {axis: h if isinstance(h, AxisHead) else _old_head(axis, h) for axis, h in clf.heads.items()}
    clf.warm_up()
    return cfg, clf
