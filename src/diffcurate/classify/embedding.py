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

Same labels on every machine: float kernels differ in their last bits between CPUs (AVX2,
AVX-512, VNNI) and thread counts, so a prompt whose top two codes are within a hair of each other
could take either. The labels, and the confidences (written rounded to `CONF_DECIMALS`), are
therefore those of float64 arithmetic: the fp32 pass decides alone wherever it cannot differ from
fp64 (top two probabilities more than `CHECK_MARGIN` apart, confidence not within `CHECK_MARGIN` of
a rounding midpoint), and the close calls are redone in fp64, where machines differ ~1e-16. Exact
ties go to the first code in taxonomy order. (The int8 precision has no such check: its kernels
differ by instruction set far beyond the margin. A fitted seed head is checked the same way, but
its fit itself may end a solver iteration apart on another machine.)
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


# Confidences are written with this many decimals (so last-bit differences cannot change the file).
CONF_DECIMALS = 2
# Probability distance under which fp32 hands a decision to fp64 (~5% of prompts). fp32 and fp64
# probabilities differ by at most 8e-7 (1,000 mirror prompts; 1 or 2 threads, AVX-512 or AVX2 kernels).
CHECK_MARGIN = 1e-4

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
    precision: EncoderPrecision = EncoderPrecision.FP32
    temperature: float = 0.05  # cosine similarity / temperature = logit
    cue_bonus: float = 6.0  # logit added to S11 (quoted text) and S1 (a person)
    default_bonus: float = 6.5  # logit added to the default style (T1) and camera (C1)
    phrase_bonus: float = 8.0  # logit added to a code whose phrase list matches the prompt
    head_c: float = 4.0  # inverse regularisation of the logistic seed-label head
    seed_head: SeedHead = SeedHead.LOGISTIC
    finetune_epochs: int = 3


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def close_calls(probs: np.ndarray, margin: float = CHECK_MARGIN) -> np.ndarray:
    """(N,) bool: rows whose decision or rounded confidence a last-bit change of `probs` (N, codes)
    could move: the top two within `margin`, or the top one within `margin` of a rounding midpoint."""
    top2 = np.sort(probs, axis=1)[:, -2:]
    scaled = top2[:, -1] * 10**CONF_DECIMALS
    to_midpoint = np.abs(scaled - np.floor(scaled) - 0.5) / 10**CONF_DECIMALS
    tied = top2[:, -1] - top2[:, 0] < margin if probs.shape[1] > 1 else np.zeros(len(probs), dtype=bool)
    return tied | (to_midpoint < margin)


def decide(probs: np.ndarray, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per row the most probable code (exact ties: the first in `codes`) and its probability
    rounded to `CONF_DECIMALS`."""
    best = probs.argmax(axis=1)  # the first maximum
    return np.asarray(codes)[best], np.round(probs[np.arange(len(best)), best], CONF_DECIMALS)


class EmbeddingClassifier:
    backend = Backend.EMBEDDING

    def __init__(self, cfg: EmbeddingConfig | None = None):
        self.cfg = cfg or EmbeddingConfig()
        self._prototypes: dict[EncoderName, dict[Axis, np.ndarray]] = {}
        self.heads: dict[Axis, LogisticRegression | str] | None = None
        self.finetuned = None
        self.n_seed = 0
        self.n_checked = 0  # prompts whose close calls were redone in fp64

    # --- features ---------------------------------------------------------------------------
    def embed(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        progress: Progress | None = None,
        precision: EncoderPrecision | None = None,
    ) -> np.ndarray:
        """(N, 384) embeddings, each prompt through its language's encoder (memoised per process,
        so cross-validation folds and repeated calls encode each prompt once); `progress(n)` as
        they are done (memoised and repeated prompts at once, the rest per encoder batch).
        `precision`: the configured one unless given; fp64 gives float64, the others float32."""
        precision = precision or self.cfg.precision
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        out = np.zeros((len(texts), 384), dtype=np.float64 if precision is EncoderPrecision.FP64 else np.float32)
        for name, idx in self._by_encoder(langs):
            memo = _MEMO.setdefault((name, self.cfg.max_seq_length, precision), {})
            todo = list(dict.fromkeys(texts[i] for i in idx if texts[i] not in memo))
            if progress is not None and len(idx) > len(todo):
                progress(len(idx) - len(todo))
            if todo:
                encoder = get_encoder(name, self.cfg.max_seq_length, precision)
                memo.update(zip(todo, encoder.encode(todo, progress), strict=True))
            for i in idx:
                out[i] = memo[texts[i]]
        return out

    def _by_encoder(self, langs: Sequence[str]) -> list[tuple[EncoderName, np.ndarray]]:
        """Row indices per encoder: Chinese prompts go to `encoder_zh`, all others to `encoder_en`."""
        is_zh = np.array([lg == Language.ZH.value for lg in langs], dtype=bool)
        return [(self.cfg.encoder_en, np.flatnonzero(~is_zh)), (self.cfg.encoder_zh, np.flatnonzero(is_zh))]

    def prototypes(self, name: EncoderName) -> dict[Axis, np.ndarray]:
        """Per axis (codes, 384) unit prototypes, embedded in fp64 (int8: in int8): every logit
        depends on them, so they must not move between machines."""
        if name not in self._prototypes:
            exact = EncoderPrecision.INT8 if self.cfg.precision is EncoderPrecision.INT8 else EncoderPrecision.FP64
            enc = get_encoder(name, self.cfg.max_seq_length, exact)
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
            if self.cfg.precision is EncoderPrecision.FP32:
                get_encoder(name, self.cfg.max_seq_length, EncoderPrecision.FP64)  # for the close calls
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
    def _zero_shot(self, texts: Sequence[str], emb: np.ndarray, cues: np.ndarray, langs: Sequence[str]) -> dict[Axis, np.ndarray]:
        """Per axis (N, codes) probabilities (float64)."""
        out: dict[Axis, np.ndarray] = {}
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
            out[axis] = _softmax(logits)
        return out

    def _head(self, emb: np.ndarray, cues: np.ndarray) -> dict[Axis, np.ndarray]:
        """Per axis (N, classes) probabilities of the fitted head (one column for a constant axis)."""
        x = np.hstack([emb, cues])
        return {
            axis: np.ones((len(x), 1)) if isinstance(head, str) else head.predict_proba(x) for axis, head in self.heads.items()
        }

    def _codes(self, axis: Axis) -> Sequence[str]:
        """The codes of `_probs`'s columns for `axis`."""
        if self.heads is None:
            return CODES[axis]
        head = self.heads[axis]
        return [head] if isinstance(head, str) else head.classes_

    def _probs(self, texts: Sequence[str], emb: np.ndarray, langs: Sequence[str]) -> dict[Axis, np.ndarray]:
        cues = cue_flags(texts)
        return self._head(emb, cues) if self.heads else self._zero_shot(texts, emb, cues, langs)

    def _stable_probs(self, texts: Sequence[str], langs: Sequence[str], progress: Progress | None) -> dict[Axis, np.ndarray]:
        """Probabilities from the configured precision; under fp32, the close calls' rows redone in fp64."""
        probs = self._probs(texts, self.embed(texts, langs, progress), langs)
        if self.cfg.precision is not EncoderPrecision.FP32:
            return probs
        rows = np.flatnonzero(np.any([close_calls(p) for p in probs.values()], axis=0))
        if len(rows):
            sub_texts, sub_langs = [texts[i] for i in rows], [langs[i] for i in rows]
            exact = self._probs(sub_texts, self.embed(sub_texts, sub_langs, precision=EncoderPrecision.FP64), sub_langs)
            for axis in probs:
                probs[axis][rows] = exact[axis]
        self.n_checked += len(rows)
        return probs

    def classify(
        self, texts: Sequence[str], languages: Sequence[str] | None = None, progress: Progress | None = None
    ) -> list[Prediction]:
        if not texts:
            return []
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        if self.finetuned is not None:
            res = self.finetuned.predict(list(texts), progress)
        else:
            res = {axis: decide(p, self._codes(axis)) for axis, p in self._stable_probs(texts, langs, progress).items()}
        (s, sc), (t, tc), (c, cc) = res[Axis.SUBJECT], res[Axis.STYLE], res[Axis.CAMERA]
        return [Prediction(str(s[i]), str(t[i]), str(c[i]), float(sc[i]), float(tc[i]), float(cc[i])) for i in range(len(texts))]
