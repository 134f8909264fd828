"""The offline compositional generator: seeded, varied prompts for a (subject, style, camera) cell.

A prompt is built from a subject's head, state and setting (vocab.py) in one of several sentence
frames (the setting first or last, with or without the state, with a trailing clause), and its
style and camera are *written into the text*: one of them may open the prompt as a prefix
("an oil painting of …", "an aerial view of …"), the other follows as a clause
("…, oil on canvas", "…, seen from above"). So the codes are grounded in content, and two
prompts of one cell rarely share a shape. Everything is drawn from one `random.Random` per
prompt, seeded by (seed, cell, camera, language, index): the same arguments give the same text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from diffcurate.generate.vocab import CAMERAS, RENDER_TEXTS, STYLES, SUBJECTS
from diffcurate.schemas import Language

# Sentence frames over {head} {state} {setting}; "setting_first" frames cannot take a prefix.
_FRAMES_EN = [
    ("{head} {state} {setting}", False),
    ("{head} {setting}, {state}", False),
    ("{head}, {state}", False),
    ("{head} {setting}", False),
    ("{Setting}, {head} {state}", True),
]
_FRAMES_ZH = [
    ("{head}{state}，{setting}", False),
    ("{setting}，{head}{state}", True),
    ("{head}{state}", False),
    ("{head}，{setting}", False),
]


@dataclass(frozen=True, slots=True)
class Spec:
    """One prompt to write: its intended codes and language."""

    subject: str
    style: str
    camera: str
    language: Language = Language.EN


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def compose(spec: Spec, rng: random.Random) -> str:
    """One prompt for `spec`, every choice drawn from `rng`."""
    lang = spec.language
    bank = SUBJECTS[lang][spec.subject]
    style = STYLES[lang][spec.style]
    camera = CAMERAS[lang][spec.camera]
    frames = _FRAMES_EN if lang is Language.EN else _FRAMES_ZH
    frame, setting_first = frames[rng.randrange(len(frames))]
    head = _pick(rng, bank["heads"]).replace("{t}", _pick(rng, RENDER_TEXTS[lang]))
    setting = _pick(rng, bank["settings"])
    core = frame.format(head=head, state=_pick(rng, bank["states"]), setting=setting, Setting=setting[:1].upper() + setting[1:])

    # Which treatment opens the prompt (at most one prefix; the other becomes a trailing clause).
    prefix, suffixes = "", []
    style_first = rng.random() < 0.5
    for phrases in (style, camera) if style_first else (camera, style):
        if not setting_first and not prefix and phrases["prefix"] and rng.random() < 0.5:
            prefix = _pick(rng, phrases["prefix"])
        else:
            suffixes.append(_pick(rng, phrases["suffix"]))
    suffixes = [s for s in suffixes if s]
    if lang is Language.EN:
        if prefix:
            # "a close-up of the Eiffel Tower": the head keeps its own article.
            core = f"{prefix} {core}"
        text = ", ".join([core, *suffixes])
        return text[:1].upper() + text[1:]
    text = (prefix + core) if prefix else core
    return "，".join([text, *suffixes])


def generate(spec: Spec, n: int, seed: int | str, start: int = 0) -> list[str]:
    """`n` prompts for `spec`: the i-th is drawn from Random((seed, codes, language, i)).

    `start` skips the first prompts, so later rounds of gapfill draw fresh ones; `seed` may be a
    string (gapfill passes "seed|slot") so that two slots of one cell draw different prompts.
    """
    out = []
    for i in range(start, start + n):
        rng = random.Random(f"{seed}|{spec.subject}|{spec.style}|{spec.camera}|{spec.language.value}|{i}")
        out.append(compose(spec, rng))
    return out
