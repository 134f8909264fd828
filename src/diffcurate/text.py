"""Text normalisation, language detection and length measures shared by every stage."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from diffcurate.schemas import Language

# CJK Unified Ideographs (+ Extension A and the compatibility block): the characters that make a
# prompt Chinese for our purposes. Kana/Hangul are not counted: they are not Chinese prompts.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")

# A prompt whose letters are at least this share Han characters is Chinese without asking the
# language-ID model; one with no Han character at all is English. In between (English text
# quoting a Chinese sign, Chinese text quoting an English brand) the model decides.
HAN_SHARE_ZH = 0.5


def normalize(text: str) -> str:
    """The cleaning the blog's pipeline applied: strip surrounding whitespace, then Unicode NFC."""
    return unicodedata.normalize("NFC", text.strip())


def stable_id(source: str, text: str) -> str:
    """A stable 16-hex-digit id of (source, text); the same prompt of the same source keeps its id."""
    return hashlib.sha1(f"{source}\x1f{text}".encode()).hexdigest()[:16]


def n_words(text: str) -> int:
    """Whitespace words: the blog's length measure for English prompts."""
    return len(text.split())


def n_chars(text: str) -> int:
    """Characters (Python `len`): the length measure for Chinese prompts."""
    return len(text)


@lru_cache(maxsize=1)
def _identifier():
    # py3langid ships its model inside the wheel: no network. Normalised probabilities make the
    # restricted en/zh decision below a calibrated one.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def lang_id(text: str) -> str:
    """The offline language-ID package's ISO 639-1 guess over all its languages (e.g. "es")."""
    code, _ = _identifier().classify(text)
    return code


def detect_language(text: str) -> Language:
    """`zh` or `en` by the share of Han characters among letters, and a language-ID model where mixed."""
    han = len(_HAN.findall(text))
    if han == 0:
        return Language.EN
    latin = len(_LATIN.findall(text))
    if han / (han + latin) >= HAN_SHARE_ZH:
        return Language.ZH
    ranked = dict(_identifier().rank(text))
    return Language.ZH if ranked.get("zh", 0.0) > ranked.get("en", 0.0) else Language.EN
