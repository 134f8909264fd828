"""The `embedding` backend: sentence embeddings + class prototypes, or a head fitted on seed labels.

Zero-shot (no labels at all): each code's prototype is the mean embedding of the example prompts
in `prototypes.py`; a prompt's logit for a code is its cosine similarity / `temperature`. The
taxonomy's priority rules enter as logit bonuses rather than hard overrides: a span of quoted
text to render adds `cue_bonus` to S11, a person mentioned adds it to S1, and the default
style / camera get `default_bonus`, so a prompt leaves T1 / C1 only when it clearly resembles
another treatment. Stated treatments ("watercolor", "aerial view") are lexical by nature, so a
code whose phrase list (`keyword.KEYWORDS`) matches gets `phrase_bonus` on top of its
similarity. Confidence is the softmax probability of the chosen code.

Seed-labelled: a multinomial logistic-regression head per axis, fitted on labelled prompts the
user supplies (e.g. the cache of an earlier Claude run), on the features `seed_features` names:
the embedding and the cue flags (`minilm`), plus the phrase-list matches of every axis
(`minilm+phrases`), plus a second encoder, the multilingual Universal Sentence Encoder
(`minilm+use`). The heads of `head_balanced` weigh each code by the inverse of its frequency, so
the rare cameras and styles are not swamped by C1 / T1. The heads of `blend_axes` are mixed with
the zero-shot classifier, `w * head + (1 - w) * zero-shot` probabilities, the weight `w` chosen
per axis by an inner cross-validation over the seed labels alone (`blend_weight`): the zero-shot
priors (the defaults, the stated-treatment phrase lists) carry what a few dozen seed examples of
a rare code cannot. Confidence is the (blended) probability.

Same labels on every machine: float kernels differ in their last bits between CPUs (AVX2,
AVX-512, VNNI) and thread counts, so a prompt whose top two codes are within a hair of each other
could take either. The labels, and the confidences (written rounded to `CONF_DECIMALS`), are
therefore those of float64 arithmetic: the fp32 pass decides alone wherever it cannot differ from
fp64 (top two probabilities more than `CHECK_MARGIN` apart, confidence not within `CHECK_MARGIN` of
a rounding midpoint), and the close calls are redone in fp64, where machines differ ~1e-16. Exact
ties go to the first code in taxonomy order. (The int8 precision has no such check: its kernels
differ by instruction set far beyond the margin. A fitted seed head is checked the same way, but
its fit itself may end a solver iteration apart on another machine; and the USE features have one
precision, float32, whose last bits vary with the CPU's BLAS kernels and a prompt's batch
neighbours, ~2e-7, which the fp64 recheck does not remove.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

from diffcurate.classify.base import Backend, Prediction, Progress
from diffcurate.classify.encoders import DIMS, EncoderName, EncoderPrecision, get_encoder, native_precision
from diffcurate.classify.keyword import PATTERNS as KEYWORD_PATTERNS
from diffcurate.classify.prototypes import EXAMPLES
from diffcurate.errors import ConfigError
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

# The seed head's blend weights tried (head's share of the probabilities) and the inner folds that
# choose among them; an axis's weight maximises its headline figure over the inner folds.
BLEND_GRID = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
BLEND_FOLDS = 5
BLEND_SEED = 0

# (encoder, max_seq_length, precision) -> text -> embedding; encoders are deterministic, so this is safe.
_MEMO: dict[tuple[EncoderName, int, EncoderPrecision], dict[str, np.ndarray]] = {}
# (encoder, max_seq_length, precision) -> axis -> (codes, D) prototypes: one embedding of the examples
# per process, however many classifiers (cross-validation folds) use them.
_PROTOTYPES: dict[tuple[EncoderName, int, EncoderPrecision], dict[Axis, np.ndarray]] = {}


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


def all_phrase_matches(texts: Sequence[str]) -> np.ndarray:
    """(N, 29) 0/1: `phrase_matches` of the three axes side by side (subject, style, camera codes)."""
    return np.hstack([phrase_matches(axis, texts) for axis in Axis])


class SeedHead(StrEnum):
    """How seed labels are used: a logistic head on frozen embeddings, or fine-tuning the encoder."""

    LOGISTIC = "logistic"
    FINETUNE = "finetune"


class SeedFeatures(StrEnum):
    """What the logistic seed head sees (`minilm`: the embeddings of encoder_en / encoder_zh, MiniLM
    unless changed)."""

    MINILM = "minilm"  # embedding + 2 cue flags (the head before issue 20)
    MINILM_PHRASES = "minilm+phrases"  # + the 29 phrase-list flags of the three axes
    MINILM_USE = "minilm+use"  # + the 512-d multilingual USE embedding + the phrase-list flags


def parse_axes(value: str, what: str = "axes") -> tuple[Axis, ...]:
    """'style,camera' → (Axis.STYLE, Axis.CAMERA); '' → (); a name not an axis raises naming it."""
    names = [n.strip() for n in value.split(",") if n.strip()]
    bad = [n for n in names if n not in {a.value for a in Axis}]
    if bad:
        raise ConfigError(f"{what}: unknown axes {bad}; expected a comma-separated subset of {[a.value for a in Axis]}")
    return tuple(a for a in Axis if a.value in names)  # taxonomy order, no repeats


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
    seed_head: SeedHead = SeedHead.LOGISTIC
    seed_features: SeedFeatures = SeedFeatures.MINILM_USE
    head_c: float = 1.0  # inverse regularisation of the logistic seed-label head
    head_balanced: str = "camera"  # axes whose head weighs codes by inverse frequency (parse_axes)
    blend_axes: str = "style,camera"  # axes whose head is blended with zero-shot, weight by inner CV (parse_axes)
    finetune_epochs: int = 3

    def __post_init__(self) -> None:
        parse_axes(self.head_balanced, "head_balanced")
        parse_axes(self.blend_axes, "blend_axes")
        if self.head_c <= 0:
            raise ConfigError(f"head_c must be > 0, got {self.head_c}")


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


def headline(axis: Axis, gold: np.ndarray, pred: np.ndarray) -> float:
    """The figure an axis is judged by: subject accuracy, style / camera macro-F1 (as `evaluate` reports them)."""
    if axis is Axis.SUBJECT:
        return float(np.mean(gold == pred))
    return float(f1_score(gold, pred, average="macro", zero_division=0))


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float, balanced: bool) -> tuple[LogisticRegression | None, tuple[str, ...]]:
    """A multinomial logistic regression of `y` on `x` and the codes of its columns; (None, (code,))
    when `y` holds one code (e.g. every seed prompt T1), which is then always predicted.
    `balanced`: each code weighted by the inverse of its frequency."""
    y = np.asarray(y).astype(str)
    if len(set(y)) == 1:
        return None, (str(y[0]),)
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None).fit(x, y)
    return model, tuple(str(code) for code in model.classes_)


@dataclass
class AxisHead:
    """The fitted seed head of one axis: a logistic regression over `classes` (None: the one code
    the seed labels hold), mixed with the zero-shot probabilities at `blend` (1: the head alone)."""

    axis: Axis
    model: LogisticRegression | None
    classes: tuple[str, ...]
    blend: float = 1.0

    def head_probs(self, x: np.ndarray) -> np.ndarray:
        """(N, codes of the axis) the regression's probabilities; 0 for codes the seed labels lack."""
        out = np.zeros((len(x), len(CODES[self.axis])), dtype=np.float64)
        cols = [CODES[self.axis].index(code) for code in self.classes]
        out[:, cols] = 1.0 if self.model is None else self.model.predict_proba(x)
        return out

    def probs(self, x: np.ndarray, zero_shot: np.ndarray | None) -> np.ndarray:
        """(N, codes) `blend` * head + (1 - `blend`) * `zero_shot` (needed only when `blend` < 1)."""
        head = self.head_probs(x)
        if self.blend >= 1.0:
            return head
        return self.blend * head + (1.0 - self.blend) * zero_shot


def blend_weight(
    axis: Axis, x: np.ndarray, y: np.ndarray, zero_shot: np.ndarray, c: float, balanced: bool
) -> tuple[float, dict[float, float]]:
    """The head's share `w` of `w * head + (1 - w) * zero-shot` that maximises the axis's `headline`
    over a `BLEND_FOLDS`-fold cross-validation of the seed labels (every prompt scored by a head not
    fitted on it), from `BLEND_GRID`; ties go to the larger `w`. Also the score of each `w`."""
    y = np.asarray(y).astype(str)
    if len(y) < 2:
        return 1.0, {}
    oof = np.zeros((len(y), len(CODES[axis])), dtype=np.float64)  # (N, codes) out-of-fold head probabilities
    for train, test in KFold(min(BLEND_FOLDS, len(y)), shuffle=True, random_state=BLEND_SEED).split(x):
        oof[test] = AxisHead(axis, *fit_logistic(x[train], y[train], c, balanced)).head_probs(x[test])
    scores = {float(w): headline(axis, y, decide(w * oof + (1 - w) * zero_shot, CODES[axis])[0]) for w in BLEND_GRID}
    best = max(scores.values())
    return max(w for w, score in scores.items() if score >= best - 1e-12), scores


class EmbeddingClassifier:
    backend = Backend.EMBEDDING

    def __init__(self, cfg: EmbeddingConfig | None = None):
        self.cfg = cfg or EmbeddingConfig()
        self.heads: dict[Axis, AxisHead] | None = None
        self.blend_scores: dict[Axis, dict[float, float]] = {}  # inner-CV score of each blend weight tried
        self.finetuned = None
        self.n_seed = 0
        self.n_checked = 0  # prompts whose close calls were redone in fp64

    # --- features ---------------------------------------------------------------------------
    def encode(
        self, name: EncoderName, texts: Sequence[str], precision: EncoderPrecision, progress: Progress | None = None
    ) -> np.ndarray:
        """(N, DIMS[name]) embeddings of `texts` by one encoder, memoised per process (so
        cross-validation folds and repeated calls encode each prompt once); `progress(n)` as they are
        done (memoised and repeated prompts at once, the rest per encoder batch)."""
        precision = native_precision(name, precision)
        memo = _MEMO.setdefault((name, self.cfg.max_seq_length, precision), {})
        todo = list(dict.fromkeys(t for t in texts if t not in memo))
        if progress is not None and len(texts) > len(todo):
            progress(len(texts) - len(todo))
        if todo:
            encoder = get_encoder(name, self.cfg.max_seq_length, precision)
            memo.update(zip(todo, encoder.encode(todo, progress), strict=True))
        if not len(texts):
            return np.zeros((0, DIMS[name]), dtype=np.float32)
        return np.stack([memo[t] for t in texts])

    def embed(
        self,
        texts: Sequence[str],
        languages: Sequence[str] | None = None,
        progress: Progress | None = None,
        precision: EncoderPrecision | None = None,
    ) -> np.ndarray:
        """(N, D) embeddings, each prompt through its language's encoder (`encode`); D is the wider of
        the two encoders' widths, a narrower one's rows zero-padded (cosines unchanged).
        `precision`: the configured one unless given; fp64 gives float64, the others float32."""
        precision = precision or self.cfg.precision
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        width = max(DIMS[self.cfg.encoder_en], DIMS[self.cfg.encoder_zh])
        out = np.zeros((len(texts), width), dtype=np.float64 if precision is EncoderPrecision.FP64 else np.float32)
        for name, idx in self._by_encoder(langs):
            if len(idx):
                out[idx, : DIMS[name]] = self.encode(name, [texts[i] for i in idx], precision, progress)
        return out

    def _by_encoder(self, langs: Sequence[str]) -> list[tuple[EncoderName, np.ndarray]]:
        """Row indices per encoder: Chinese prompts go to `encoder_zh`, all others to `encoder_en`."""
        is_zh = np.array([lg == Language.ZH.value for lg in langs], dtype=bool)
        return [(self.cfg.encoder_en, np.flatnonzero(~is_zh)), (self.cfg.encoder_zh, np.flatnonzero(is_zh))]

    def features(self, texts: Sequence[str], emb: np.ndarray) -> np.ndarray:
        """(N, F) the logistic seed head's inputs (`seed_features`), given the prompts' embeddings:
        [embedding, USE embedding (minilm+use), 2 cue flags, 29 phrase-list flags (minilm+phrases, minilm+use)]."""
        parts = [emb]
        if self.cfg.seed_features is SeedFeatures.MINILM_USE:
            parts.append(self.encode(EncoderName.USE, texts, EncoderPrecision.FP32))  # (N, 512) float32, one precision
        parts.append(cue_flags(texts))
        if self.cfg.seed_features is not SeedFeatures.MINILM:
            parts.append(all_phrase_matches(texts))
        return np.hstack(parts)

    def prototypes(self, name: EncoderName) -> dict[Axis, np.ndarray]:
        """Per axis (codes, D) unit prototypes, embedded in fp64 (int8: in int8; e5 / USE: in their one
        precision): every logit depends on them, so they must not move between machines."""
        exact = EncoderPrecision.INT8 if self.cfg.precision is EncoderPrecision.INT8 else EncoderPrecision.FP64
        key = (name, self.cfg.max_seq_length, native_precision(name, exact))
        if key not in _PROTOTYPES:
            enc = get_encoder(*key)
            protos = {}
            for axis in Axis:
                rows = [enc.encode(EXAMPLES[axis][code]).mean(axis=0) for code in CODES[axis]]
                mat = np.stack(rows)
                protos[axis] = mat / np.linalg.norm(mat, axis=1, keepdims=True)
            _PROTOTYPES[key] = protos
        return _PROTOTYPES[key]

    def _uses_zero_shot(self) -> bool:
        """Whether predictions need the zero-shot probabilities (no head, or a blended one)."""
        return self.heads is None or any(head.blend < 1.0 for head in self.heads.values())

    def warm_up(self) -> None:
        """Load the encoders and, where predictions use zero-shot, embed the prototypes (so timings
        measure labelling only)."""
        if self.finetuned is not None:
            return
        names = {self.cfg.encoder_en, self.cfg.encoder_zh}
        for name in names:
            get_encoder(name, self.cfg.max_seq_length, native_precision(name, self.cfg.precision))
            if self.cfg.precision is EncoderPrecision.FP32:  # for the close calls
                get_encoder(name, self.cfg.max_seq_length, native_precision(name, EncoderPrecision.FP64))
            if self._uses_zero_shot():
                self.prototypes(name)
        if self.heads is not None and self.cfg.seed_features is SeedFeatures.MINILM_USE:
            get_encoder(EncoderName.USE, self.cfg.max_seq_length, EncoderPrecision.FP32)

    # --- seed-labelled head -----------------------------------------------------------------
    def fit(self, texts: Sequence[str], labels: pd.DataFrame, languages: Sequence[str] | None = None) -> EmbeddingClassifier:
        """Fit one logistic-regression head per axis on labelled prompts (or fine-tune the encoder);
        the heads of `blend_axes` get their zero-shot blend weight by inner cross-validation."""
        if self.cfg.seed_head is SeedHead.FINETUNE:
            from diffcurate.classify.finetune import FineTunedHead

            head = FineTunedHead(epochs=self.cfg.finetune_epochs, max_seq_length=self.cfg.max_seq_length)
            self.finetuned = head.fit(texts, labels)
            self.n_seed = len(texts)
            return self
        texts = list(texts)
        langs = list(languages) if languages is not None else [detect_language(t).value for t in texts]
        emb = self.embed(texts, langs)
        x = self.features(texts, emb)
        balanced = parse_axes(self.cfg.head_balanced, "head_balanced")
        blended = parse_axes(self.cfg.blend_axes, "blend_axes")
        zero_shot = self._zero_shot(texts, emb, langs) if blended else {}
        self.heads, self.blend_scores = {}, {}
        for axis in Axis:
            y = labels[axis.value].astype(str).to_numpy()
            weight = 1.0
            if axis in blended:
                weight, self.blend_scores[axis] = blend_weight(axis, x, y, zero_shot[axis], self.cfg.head_c, axis in balanced)
            self.heads[axis] = AxisHead(axis, *fit_logistic(x, y, self.cfg.head_c, axis in balanced), blend=weight)
        self.n_seed = len(texts)
        return self

    # --- prediction ---------------------------------------------------------------------------
    def _zero_shot(self, texts: Sequence[str], emb: np.ndarray, langs: Sequence[str]) -> dict[Axis, np.ndarray]:
        """Per axis (N, codes) probabilities (float64)."""
        cues = cue_flags(texts)
        out: dict[Axis, np.ndarray] = {}
        for axis in Axis:
            logits = np.zeros((len(emb), len(CODES[axis])), dtype=np.float64)
            for name, rows in self._by_encoder(langs):
                if len(rows):
                    logits[rows] = emb[rows, : DIMS[name]] @ self.prototypes(name)[axis].T / self.cfg.temperature
            logits += self.cfg.phrase_bonus * phrase_matches(axis, texts)
            if axis is Axis.SUBJECT:
                logits[:, CODES[axis].index("S11")] += self.cfg.cue_bonus * cues[:, 0]
                logits[:, CODES[axis].index("S1")] += self.cfg.cue_bonus * cues[:, 1]
            else:
                logits[:, CODES[axis].index(DEFAULT_CODE[axis])] += self.cfg.default_bonus
            out[axis] = _softmax(logits)
        return out

    def _probs(self, texts: Sequence[str], emb: np.ndarray, langs: Sequence[str]) -> dict[Axis, np.ndarray]:
        """Per axis (N, codes) probabilities: zero-shot, or the seed head's (blended where so fitted)."""
        zero_shot = self._zero_shot(texts, emb, langs) if self._uses_zero_shot() else {}
        if not self.heads:
            return zero_shot
        x = self.features(texts, emb)
        return {axis: head.probs(x, zero_shot.get(axis)) for axis, head in self.heads.items()}

    def _stable_probs(self, texts: Sequence[str], langs: Sequence[str], progress: Progress | None) -> dict[Axis, np.ndarray]:
        """Probabilities from the configured precision; under fp32, the close calls' rows redone in fp64."""
        if self.heads and self.cfg.seed_features is SeedFeatures.MINILM_USE:
            self.encode(EncoderName.USE, texts, EncoderPrecision.FP32)  # first, so the progress bar ends with the labels
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
            res = {axis: decide(p, CODES[axis]) for axis, p in self._stable_probs(texts, langs, progress).items()}
        (s, sc), (t, tc), (c, cc) = res[Axis.SUBJECT], res[Axis.STYLE], res[Axis.CAMERA]
        return [Prediction(str(s[i]), str(t[i]), str(c[i]), float(sc[i]), float(tc[i]), float(cc[i])) for i in range(len(texts))]
