"""The `embedding` backend: sentence embeddings + class prototypes, or a head fitted on seed labels.

Zero-shot (no labels at all): each code's prototype is the mean embedding of the example prompts
in `prototypes.py`; a prompt's logit for a code is its cosine similarity / `temperature`. The
taxonomy's priority rules enter as logit bonuses rather than hard overrides: a span of quoted
text to render adds `cue_bonus` to S11, a person mentioned adds it to S1, and the default
style / camera get `default_bonus`, so a prompt leaves T1 / C1 only when it clearly resembles
another treatment. Stated treatments ("watercolor", "aerial view") are lexical by nature, so a
code whose phrase list (`keyword.KEYWORDS`) matches gets `phrase_bonus` on top of its
similarity. Confidence is the softmax probability of the chosen code.

Seed-labelled: a multinomial logistic-regression head per axis on [embedding, cue flags], fitted
on labelled prompts the user supplies (e.g. the cache of an earlier Claude run); confidence is
the head's probability.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from diffcurate.classify.base import Backend, Prediction, Progress
from diffcurate.classify.encoders import EncoderName, EncoderPrecision, get_encoder
from diffcurate.classify.keyword import PATTERNS as KEYWORD_PATTERNS
from diffcurate.classify.prototypes import EXAMPLES
from diffcurate.schemas import Language
from diffcurate.taxonomy import CODES, DEFAULT_CODE, Axis
from diffcurate.text import detect_language

# Quoted text that the image must render: "…", “…”, 「…」, 『…』, or '…' not used as an apostrophe.
_RENDER_TEXT = re.compile(r"\"[^\"]+\"|“[^”]+”|「[^」]+」|『[^』]+』|(?<![A-Za-z])'[^']+'(?![A-Za-z])")
_PERSON_EN = re.compile(
    r"\b(man|men|woman|women|girls?|boys?|person|people|child|children|kids?|lady|ladies|gentleman|he|she|his|her|"
    r"portrait|selfie|couple|family|crowd|chef|soldiers?|king|queen|princess|prince|astronaut|doctor|teacher|students?|"
    r"workers?|farmer|dancers?|musician|players?|baby|bride|groom|grandma|grandmother|grandfather|mother|father|son|daughter|"
    r"wizard|warrior|knight|someone|figure|model|actor|actress|boyfriend|girlfriend|friends|teenager|athlete|nurse|police|"
    r"businessman|businesswoman|guy|guys|face)\b",
    re.IGNORECASE,
)
_PERSON_ZH = re.compile(
    r"人物|女孩|男孩|女人|男人|少女|少年|女子|男子|老人|孩子|儿童|妇女|美女|帅哥|女士|先生|肖像|他|她|\d+女|\d+男|新娘|宝宝|学生|士兵|医生"
    r"|角色|一名|一位|人们|男性|女性|婴儿|消防员|工人|演员|歌手|战士|骑士|公主|王子|女王|国王|厨师|舞者|运动员|警察|护士|老师|农民"
    r"|母亲|父亲|妈妈|爸爸|奶奶|爷爷"
)


# (encoder, max_seq_length, precision) -> text -> embedding; encoders are deterministic, so this is safe.
_MEMO: dict[tuple[EncoderName, int, EncoderPrecision], dict[str, np.ndarray]] = {}


def clear_embedding_memo() -> None:
    """Forget memoised embeddings (benchmarks measure encoding from scratch)."""
    _MEMO.clear()


def cue_flags(texts: Sequence[str]) -> np.ndarray:
    """(N, 2) float flags: [renders quoted text, mentions a person]."""
    return np.array(
        [[bool(_RENDER_TEXT.search(t)), bool(_PERSON_EN.search(t) or _PERSON_ZH.search(t))] for t in texts], dtype=np.float32
    ).reshape(len(texts), 2)


def phrase_matches(axis: Axis, texts: Sequence[str]) -> np.ndarray:
    """(N, n_codes) 0/1: which codes' phrase lists (the keyword baseline's) match each prompt."""
    out = np.zeros((len(texts), len(CODES[axis])), dtype=np.float64)
    for code, pattern in KEYWORD_PATTERNS[axis]:
        j = CODES[axis].index(code)
        out[:, j] = [bool(pattern.search(t)) for t in texts]
    return out


class SeedHead(StrEnum):
    """How seed labels are used: a logistic head on frozen embeddings, or fine-tuning the encoder."""

    LOGISTIC = "logistic"
    FINETUNE = "finetune"


@dataclass(frozen=True)
class EmbeddingConfig:
    encoder_en: EncoderName = EncoderName.MINILM
    encoder_zh: EncoderName = EncoderName.MINILM
    max_seq_length: int = 64
    precision: EncoderPrecision = EncoderPrecision.INT8
    temperature: float = 0.05  # cosine similarity / temperature = logit
    cue_bonus: float = 6.0  # logit added to S11 (quoted text) and S1 (a person)
    default_bonus: float = 6.0  # logit added to the default style (T1) and camera (C1)
    phrase_bonus: float = 8.0  # logit added to a code whose phrase list matches the prompt
    head_c: float = 4.0  # inverse regularisation of the logistic seed-label head
    seed_head: SeedHead = SeedHead.LOGISTIC
    finetune_epochs: int = 3


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class EmbeddingClassifier:
    backend = Backend.EMBEDDING

    def __init__(self, cfg: EmbeddingConfig | None = None):
        self.cfg = cfg or EmbeddingConfig()
        self._prototypes: dict[EncoderName, dict[Axis, np.ndarray]] = {}
        self.heads: dict[Axis, LogisticRegression | str] | None = None
        self.finetuned = None
        self.n_seed = 0

    # --- features ---------------------------------------------------------------------------
    def embed(self, texts: Sequence[str], languages: Sequence[str] | None = None, progress: Progress | None = None) -> np.ndarray:
        """(N, 384) embeddings, each prompt through its language's encoder (memoised per process,
        so cross-validation folds and repeated calls encode each prompt once); `progress(n)` as
        they are done (memoised and repeated prompts at once, the rest per encoder batch)."""
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for name, idx in self._by_encoder(langs):
            memo = _MEMO.setdefault((name, self.cfg.max_seq_length, self.cfg.precision), {})
            todo = list(dict.fromkeys(texts[i] for i in idx if texts[i] not in memo))
            if progress is not None and len(idx) > len(todo):
                progress(len(idx) - len(todo))
            if todo:
                encoder = get_encoder(name, self.cfg.max_seq_length, self.cfg.precision)
                memo.update(zip(todo, encoder.encode(todo, progress), strict=True))
            for i in idx:
                out[i] = memo[texts[i]]
        return out

    def _by_encoder(self, langs: Sequence[str]) -> list[tuple[EncoderName, np.ndarray]]:
        """Row indices per encoder: Chinese prompts go to `encoder_zh`, all others to `encoder_en`."""
        is_zh = np.array([lg == Language.ZH.value for lg in langs], dtype=bool)
        return [(self.cfg.encoder_en, np.flatnonzero(~is_zh)), (self.cfg.encoder_zh, np.flatnonzero(is_zh))]

    def prototypes(self, name: EncoderName) -> dict[Axis, np.ndarray]:
        if name not in self._prototypes:
            enc = get_encoder(name, self.cfg.max_seq_length, self.cfg.precision)
            protos = {}
            for axis in Axis:
                rows = [enc.encode(EXAMPLES[axis][code]).mean(axis=0) for code in CODES[axis]]
                mat = np.stack(rows)
                protos[axis] = mat / np.linalg.norm(mat, axis=1, keepdims=True)
            self._prototypes[name] = protos
        return self._prototypes[name]

    def warm_up(self) -> None:
        """Load the encoders and, for zero-shot, embed the prototypes (so timings measure labelling only)."""
        if self.finetuned is not None:
            return
        for name in {self.cfg.encoder_en, self.cfg.encoder_zh}:
            get_encoder(name, self.cfg.max_seq_length, self.cfg.precision)
            if self.heads is None:
                self.prototypes(name)

    # --- seed-labelled head -----------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: pd.DataFrame, languages: Sequence[str] | None = None) -> EmbeddingClassifier:
        """Fit one logistic-regression head per axis on labelled prompts (or fine-tune the encoder)."""
        if self.cfg.seed_head is SeedHead.FINETUNE:
            from diffcurate.classify.finetune import FineTunedHead

            head = FineTunedHead(epochs=self.cfg.finetune_epochs, max_seq_length=self.cfg.max_seq_length)
            self.finetuned = head.fit(texts, labels)
            self.n_seed = len(texts)
            return self
        x = np.hstack([self.embed(texts, languages), cue_flags(texts)])
        self.heads = {}
        for axis in Axis:
            y = labels[axis.value].astype(str).to_numpy()
            # An axis with one code in the seed labels (e.g. every prompt T1) predicts that code.
            self.heads[axis] = LogisticRegression(C=self.cfg.head_c, max_iter=3000).fit(x, y) if len(set(y)) > 1 else y[0]
        self.n_seed = len(texts)
        return self

    # --- prediction ---------------------------------------------------------------------------
    def _zero_shot(
        self, texts: Sequence[str], emb: np.ndarray, cues: np.ndarray, langs: Sequence[str]
    ) -> dict[Axis, tuple[np.ndarray, np.ndarray]]:
        out: dict[Axis, tuple[np.ndarray, np.ndarray]] = {}
        for axis in Axis:
            logits = np.zeros((len(emb), len(CODES[axis])), dtype=np.float64)
            for name, rows in self._by_encoder(langs):
                if len(rows):
                    logits[rows] = emb[rows] @ self.prototypes(name)[axis].T / self.cfg.temperature
            logits += self.cfg.phrase_bonus * phrase_matches(axis, texts)
            if axis is Axis.SUBJECT:
                logits[:, CODES[axis].index("S11")] += self.cfg.cue_bonus * cues[:, 0]
                logits[:, CODES[axis].index("S1")] += self.cfg.cue_bonus * cues[:, 1]
            else:
                logits[:, CODES[axis].index(DEFAULT_CODE[axis])] += self.cfg.default_bonus
            probs = _softmax(logits)
            best = probs.argmax(axis=1)
            out[axis] = (np.array(CODES[axis])[best], probs[np.arange(len(best)), best])
        return out

    def _head(self, emb: np.ndarray, cues: np.ndarray) -> dict[Axis, tuple[np.ndarray, np.ndarray]]:
        x = np.hstack([emb, cues])
        out = {}
        for axis, head in self.heads.items():
            if isinstance(head, str):
                out[axis] = (np.full(len(x), head), np.ones(len(x)))
                continue
            probs = head.predict_proba(x)
            best = probs.argmax(axis=1)
            out[axis] = (head.classes_[best], probs[np.arange(len(best)), best])
        return out

    def classify(
        self, texts: Sequence[str], languages: Sequence[str] | None = None, progress: Progress | None = None
    ) -> list[Prediction]:
        if not texts:
            return []
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        if self.finetuned is not None:
            res = self.finetuned.predict(list(texts), progress)
        else:
            emb, cues = self.embed(texts, langs, progress), cue_flags(texts)
            res = self._head(emb, cues) if self.heads else self._zero_shot(texts, emb, cues, langs)
        (s, sc), (t, tc), (c, cc) = res[Axis.SUBJECT], res[Axis.STYLE], res[Axis.CAMERA]
        return [Prediction(str(s[i]), str(t[i]), str(c[i]), float(sc[i]), float(tc[i]), float(cc[i])) for i in range(len(texts))]
