"""The offline compositional generator: seeded, sentence-shaped, self-consistent prompts for a cell.

A prompt for (subject, style, camera) is written in four steps, every choice drawn from one
`random.Random` seeded by (seed, cell, camera, language, index), so the same arguments give the
same text:

1. a head from one of the subject's groups (vocab.py), its `[a|b]` alternatives drawn;
2. a style treatment and a camera treatment (treatments.py) that suit the subject and the head and
   are compatible with each other (compat.py: no soft bokeh in pixel art, no macro lens on a
   watercolor, no drone shot of a teacup), and their phrasings, each drawn compatible too;
3. the group's state and setting, and now and then a time, how the head looks and a light / mood
   clause for its scene, each drawn among the phrases compatible with every tag the prompt has so
   far (no peonies in full bloom under snow, no morning light at midnight);
4. a sentence frame that writes the style and the camera the way a person would: as the frame of the
   head ("A loose watercolor study of …", "An aerial view of …"), as a clause between or after the
   content ("…, seen from high above, …"), combined ("A watercolor close-up of …"), or as a second
   sentence. The default style (T1) and camera (C1) are often left unsaid, as people do.

Chinese prompts follow the same steps with their own banks and frames. `is_comma_list` tells a
prompt written as a list of tags from a sentence (the benchmark and the tests use it).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from diffcurate.errors import ConfigError
from diffcurate.generate.compat import Tag, compatible, conflicts, tags_of
from diffcurate.generate.phrases import realize
from diffcurate.generate.treatments import CAMERAS, STYLES, Treatment
from diffcurate.generate.vocab import EXTRAS, RENDER_TEXTS, SUBJECTS, WHENS, Group
from diffcurate.schemas import Language

P_STATE = 0.7  # a prompt says what its head is doing / how it is
P_SETTING = 0.75  # ... and where
P_WHEN = 0.3  # ... and when (a short time clause after the setting)
P_LOOK = 0.25  # ... and how it looks (groups that have looks)
P_EXTRA = 0.2  # ... and now and then the light, the time or the mood
P_OMIT_DEFAULT_STYLE = 0.6  # T1 prompts that state no style (a plain prompt is a photograph)
P_OMIT_DEFAULT_CAMERA = 0.9  # C1 prompts that state no camera

_OF_NOUN = re.compile(r"^(?:a|an) (.+) of$")
_SHOWS = ("shows", "captures", "depicts", "finds", "follows", "catches", "holds")  # "This watercolor study shows …"

# Sentence frames. {core} is head + state + setting, {rest} state + setting; {sof}/{cof} the style /
# camera as a frame of the head, {scl}/{ccl} as a clause, {scof} both in one frame ("a watercolor
# close-up of"), {snoun} the style as a noun ("watercolor painting"); {Name} is capitalised; <…> is
# left out when a slot inside it is empty. Each frame lists the roles it needs. Frames that set a
# treatment between two content parts come first: their word junctions vary the most.
_EN_BOTH = [
    ("{sof} {head}, {ccl}, {rest}.", ("sof", "ccl", "rest")),
    ("{cof} {head}, {scl}, {rest}.", ("cof", "scl", "rest")),
    ("{head}, {ccl} and {scl}, {rest}.", ("ccl", "scl", "rest")),
    ("In this {snoun}, {head}, {ccl}, {rest}.", ("snoun", "ccl", "rest")),
    ("This {snoun} {shows} {head}, {ccl}, {rest}.", ("snoun", "ccl", "rest")),
    ("{sof} {head} {state}, {ccl}, {setting}.", ("sof", "ccl", "state", "setting")),
    ("{head} {state}, {scl}, {setting}, {ccl}.", ("scl", "ccl", "state", "setting")),
    ("{cof} {head} {state}, {scl}, {setting}.", ("cof", "scl", "state", "setting")),
    ("{scof} {head}, {rest}.", ("scof", "rest")),
    ("{Setting}, {head} {state}, {ccl}. {Scl}.", ("ccl", "scl", "state", "setting")),
    ("{sof} {core}, {ccl}<, {extra}>.", ("sof", "ccl")),
    ("{cof} {core}, {scl}<, {extra}>.", ("cof", "scl")),
    ("{scof} {core}<, {extra}>.", ("scof",)),
    ("{core}, {scl} and {ccl}.", ("scl", "ccl")),
    ("{Ccl}, {core}, {scl}.", ("ccl", "scl")),
    ("{core}<, {extra}>. {Scl}, {ccl}.", ("scl", "ccl")),
    ("{Setting}, {head}< {state}>, {ccl}. {Scl}.", ("ccl", "scl", "setting")),
]
_EN_STYLE = [
    ("{sof} {core}<, {extra}>.", ("sof",)),
    ("{head}, {scl}, {rest}.", ("scl", "rest")),
    ("{head} {state}, {scl}, {setting}.", ("scl", "state", "setting")),
    ("{sof} {head}, {rest}.", ("sof", "rest")),
    ("{core}, {scl}<, {extra}>.", ("scl",)),
    ("In this {snoun}, {core}<, {extra}>.", ("snoun",)),
    ("This {snoun} {shows} {core}<, {extra}>.", ("snoun",)),
    ("{core}<, {extra}>. {Scl}.", ("scl",)),
    ("{Setting}, {head}< {state}>, {scl}.", ("scl", "setting")),
]
_EN_CAMERA = [
    ("{cof} {core}<, {extra}>.", ("cof",)),
    ("{head}, {ccl}, {rest}.", ("ccl", "rest")),
    ("{head} {state}, {ccl}, {setting}.", ("ccl", "state", "setting")),
    ("{cof} {head}, {rest}.", ("cof", "rest")),
    ("{core}, {ccl}<, {extra}>.", ("ccl",)),
    ("{Ccl}, {core}<, {extra}>.", ("ccl",)),
    ("{Setting}, {head}< {state}>, {ccl}.", ("ccl", "setting")),
]
_EN_NONE = [
    ("{core}<, {extra}>.", ()),
    ("{Setting}, {head}< {state}><, {extra}>.", ("setting",)),
]
_ZH_BOTH = [
    ("{sof}{core}，{ccl}<，{extra}>。", ("sof", "ccl")),
    ("{cof}{core}，{scl}<，{extra}>。", ("cof", "scl")),
    ("{core}，{scl}，{ccl}。", ("scl", "ccl")),
    ("{ccl}，{core}，整幅画面{scl}。", ("ccl", "scl")),
    ("{core}<，{extra}>。画面{scl}，{ccl}。", ("scl", "ccl")),
]
_ZH_STYLE = [
    ("{sof}{core}<，{extra}>。", ("sof",)),
    ("{core}，{scl}<，{extra}>。", ("scl",)),
    ("{core}<，{extra}>。整幅画面{scl}。", ("scl",)),
]
_ZH_CAMERA = [
    ("{cof}{core}<，{extra}>。", ("cof",)),
    ("{core}，{ccl}<，{extra}>。", ("ccl",)),
    ("{ccl}，{core}<，{extra}>。", ("ccl",)),
]
_ZH_NONE = [("{core}<，{extra}>。", ())]
FRAMES = {
    Language.EN: {(True, True): _EN_BOTH, (True, False): _EN_STYLE, (False, True): _EN_CAMERA, (False, False): _EN_NONE},
    Language.ZH: {(True, True): _ZH_BOTH, (True, False): _ZH_STYLE, (False, True): _ZH_CAMERA, (False, False): _ZH_NONE},
}
_SLOT = re.compile(r"\{(\w+)\}")
_OPTIONAL = re.compile(r"<([^<>]*)>")


@dataclass(frozen=True, slots=True)
class Spec:
    """One prompt to write: its intended codes and language."""

    subject: str
    style: str
    camera: str
    language: Language = Language.EN


def _pick(rng: random.Random, items: Sequence[str]) -> str:
    return items[rng.randrange(len(items))]


def _shuffled(rng: random.Random, items: Sequence) -> list:
    out = list(items)
    rng.shuffle(out)
    return out


def pick_compatible(rng: random.Random, phrases: Sequence[str], tags: set[Tag], language: Language) -> tuple[str, frozenset[Tag]]:
    """A random phrase of `phrases` (alternatives drawn) whose tags clash with none of `tags`; ("", ∅) if none."""
    for template in _shuffled(rng, phrases):
        text = realize(template, rng)
        t = tags_of(text, language)
        if compatible(t, tags) and not conflicts(t):
            return text, t
    return "", frozenset()


def _article(word: str) -> str:
    w = word.lower()
    if w.startswith(_A_BEFORE_VOWEL):
        return "a"
    return "an" if w[:1] in "aeiou" or w.startswith(_AN_BEFORE_CONSONANT) else "a"


_A_BEFORE_VOWEL = ("uni", "use", "usu", "eu", "one", "ui", "u-")  # "a unicorn", "a European", "a one-off", "a UI"
_AN_BEFORE_CONSONANT = ("hour", "honest", "heir", "8", "11", "18")
_ARTICLE = re.compile(r"(?<![\w'-])([Aa]n?) (?=\"?([\w'-]+))")


def fix_articles(text: str) -> str:
    """ "a" or "an" before each word as it is pronounced ("an old tailor", "a young fox", "a European city")."""

    def fix(m: re.Match) -> str:
        if m.group(1)[:1] == "A" and m.start() and text[m.start() - 2 : m.start()] not in (". ", ": "):
            return m.group(0)  # a capital A inside a sentence is a name or a letter ("Plan A"), not the article
        art = _article(m.group(2))
        return (art[:1].upper() + art[1:] if m.group(1)[:1] == "A" else art) + " "

    return _ARTICLE.sub(fix, text)


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _render(frame: str, slots: dict[str, str]) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        value = slots.get(name.lower(), "")
        return _upper(value) if name[:1].isupper() else value

    def optional(m: re.Match) -> str:
        inner = m.group(1)
        return _SLOT.sub(fill, inner) if all(slots.get(n.lower()) for n in _SLOT.findall(inner)) else ""

    text = _SLOT.sub(fill, _OPTIONAL.sub(optional, frame))
    return text


def _treatment_pair(spec: Spec, group: Group, head_tags: set[Tag], rng: random.Random) -> tuple[Treatment, Treatment] | None:
    """A style and a camera treatment that fit the head and each other (None if none does)."""
    styles = [t for t in STYLES[spec.language][spec.style] if t.fits(spec.subject, group.tags) and compatible(t.tags, head_tags)]
    cams = [t for t in CAMERAS[spec.language][spec.camera] if t.fits(spec.subject, group.tags) and compatible(t.tags, head_tags)]
    for s in _shuffled(rng, styles):
        for c in _shuffled(rng, cams):
            if compatible(s.tags, c.tags):
                return s, c
    return None


def compose(spec: Spec, rng: random.Random) -> str:
    """One prompt for `spec`, every choice drawn from `rng`."""
    heads = [(g, h) for g in SUBJECTS[spec.language][spec.subject] for h in g.heads]
    for group, template in _shuffled(rng, heads):  # the first head that style and camera phrasings fit
        text = _compose_with(spec, group, template, rng)
        if text is not None:
            return text
    raise ConfigError(f"no head of {spec.subject} has a style {spec.style} and camera {spec.camera} phrasing that fit together")


def _compose_with(spec: Spec, group: Group, template: str, rng: random.Random) -> str | None:
    lang = spec.language
    head = realize(template, rng).replace("{t}", _pick(rng, RENDER_TEXTS[lang]))
    tags = set(group.tags | tags_of(head, lang))
    pair = None if conflicts(tags) else _treatment_pair(spec, group, tags, rng)
    if pair is None:
        return None
    style, camera = pair
    tags |= style.tags | camera.tags
    say_style = not (spec.style == "T1" and rng.random() < P_OMIT_DEFAULT_STYLE)
    say_camera = not (spec.camera == "C1" and rng.random() < P_OMIT_DEFAULT_CAMERA)
    slots = {"head": head, **_roles(style, camera, say_style, say_camera, tags, lang, rng)}
    for name, phrases, p in (("state", group.states, P_STATE), ("setting", group.settings, P_SETTING)):
        if rng.random() < p:
            slots[name], t = pick_compatible(rng, phrases, tags, lang)
            tags |= t
    whens = WHENS[lang].get(group.scene)
    if whens and slots.get("setting") and rng.random() < P_WHEN:
        when, t = pick_compatible(rng, whens, tags, lang)
        slots["setting"] = f"{slots['setting']} {when}".strip()
        tags |= t
    if group.looks and rng.random() < P_LOOK and " with " not in head and not slots.get("state", "").startswith("with "):
        look, t = pick_compatible(rng, group.looks, tags, lang)
        slots["head"] = head = f"{head} {look}" if look else head
        tags |= t
    if rng.random() < P_EXTRA:
        slots["extra"], t = pick_compatible(rng, EXTRAS[lang][group.scene], tags, lang)
        tags |= t
    slots["shows"] = _pick(rng, _SHOWS)
    slots["core"] = _core(slots, lang)
    if lang is Language.EN:
        slots["rest"] = " ".join(p for p in (slots.get("state", ""), slots.get("setting", "")) if p)
    frames = [f for f, needs in FRAMES[lang][(say_style, say_camera)] if all(slots.get(n) for n in needs)]
    if not frames:
        return None  # no phrasing of the style or camera fits this head: try another
    text = _upper(_render(_pick(rng, frames), slots))
    return fix_articles(text) if lang is Language.EN else text


def _roles(
    style: Treatment, camera: Treatment, say_style: bool, say_camera: bool, tags: set[Tag], lang: Language, rng: random.Random
) -> dict[str, str]:
    """The style's and camera's phrasings, one per role each treatment has, each compatible with
    `tags` (which it extends); a role none of whose draws fits is left out."""
    out: dict[str, str] = {}

    def draw(role: str, templates: Sequence[str], make=lambda text: text) -> None:
        for _ in range(_ROLE_DRAWS if templates else 0):
            text = make(realize(_pick(rng, templates), rng))
            t = tags_of(text, lang)
            if compatible(t, tags) and not conflicts(t):
                out[role] = text
                tags.update(t)
                return

    if say_style:
        draw("sof", style.of)
        draw("scl", style.clause)
    if say_camera:
        draw("cof", camera.of)
        draw("ccl", camera.clause)
    if say_style and say_camera and style.adj and camera.noun:
        adj = realize(_pick(rng, style.adj), rng)
        draw("scof", camera.noun, lambda noun: f"{_article(adj)} {adj} {noun} of")
    if "sof" in out:
        m = _OF_NOUN.match(out["sof"])
        if m:
            out["snoun"] = m.group(1)
    for role in ("sof", "cof", "scof"):
        if role in out:
            out[role] = _connect(out[role], rng)
    return out


_ROLE_DRAWS = 6  # draws of a role's phrasing before it is left out


_CONNECTORS = (
    "of",
    "of",
    "of",
    "showing",
    "depicting",
    "capturing",
    "featuring",
)  # "a watercolor of …", "a watercolor showing …"


def _connect(phrase: str, rng: random.Random) -> str:
    """A frame phrase ending in "of" with its connector drawn from `_CONNECTORS`."""
    return phrase[:-2] + _pick(rng, _CONNECTORS) if phrase.endswith(" of") else phrase


def _core(slots: dict[str, str], lang: Language) -> str:
    """Head, state and setting as one phrase."""
    head, state, setting = slots["head"], slots.get("state", ""), slots.get("setting", "")
    if lang is Language.EN:
        return " ".join(p for p in (head, state, setting) if p)
    if not setting:
        return head + state
    if setting.startswith(("在", "从", "沿", "隔")):  # a place or time: before the verb
        return head + setting + state
    return head + state + ("，" if state else "") + setting  # a verb phrase ("放在木桌上"): after the state


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


# --- the shape of a prompt ------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?;:。！？；：]+\s*")
_COMMA = re.compile(r"[,，、]")
_FUNCTION_EN = frozenset(
    "a an the of in on at with from by as under over through and or but while into onto against across to for beneath above "
    "below between like near beside behind around along after before during up down out off its it is are was his her their "
    "this that where when who which than among amid amongst past two three four five both each".split()
)
_FUNCTION_ZH = re.compile(r"[的在着了是被从用以把地得于里上下中向之般与和将让正如像成出过呈做带]")
_TAG_NOUNS_ZH = (
    "镜头",
    "视角",
    "景深",
    "虚化",
    "摄影",
    "渲染",
    "风格",
    "风",
    "调色",
    "光影",
    "构图",
    "插画",
    "效果",
    "美学",
    "质感",
    "晕染",
    "模糊",
    "曝光",
    "光",
    "照片",
    "设计",
    "艺术",
    "媒介",
    "笔触",
    "素描",
    "油画",
    "水彩",
    "特写",
    "全景",
    "俯视图",
    "颗粒",
)
_VERB_FORMS = ("ed", "ing", "ly")  # participles and adverbs: "seen top-down", "placed tidily", "slightly open"
_IRREGULAR = frozenset(
    "seen shot taken drawn held lit caught done made worn built sewn grown hung eaten frozen fallen broken hidden woven strewn "
    "spread".split()
)
MAX_FRAGMENTS = 4  # comma-separated parts of one sentence


def _bare(part: str, language: Language) -> bool:
    """A fragment that is only a tag: up to 4 words (Chinese: 5 characters) with no function word,
    participle or adverb ("soft bokeh background", "16-bit pixel art", "浅景深")."""
    if language is Language.ZH:  # a short phrase ending in a treatment noun ("浅景深", "电影级调色"), not a verb phrase
        return len(part) <= 6 and not _FUNCTION_ZH.search(part) and part.endswith(_TAG_NOUNS_ZH)
    words = [w.strip("'\"").lower() for w in part.split()]
    return len(words) <= 4 and not any(w in _FUNCTION_EN or w in _IRREGULAR or w.endswith(_VERB_FORMS) for w in words)


def is_comma_list(text: str, language: Language = Language.EN) -> bool:
    """True for a prompt written as a list of tags: a sentence with more than `MAX_FRAGMENTS`
    comma-separated parts, or a part after the first that is a bare tag."""
    for sentence in _SENTENCE_END.split(text):
        parts = [p.strip() for p in _COMMA.split(sentence) if p.strip()]
        if len(parts) > MAX_FRAGMENTS or any(_bare(p, language) for p in parts[1:]):
            return True
    return False
