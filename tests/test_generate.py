"""gapfill and expand: the offline generator and expander, the rounds, and the Claude backends against 127.0.0.1."""

from __future__ import annotations

import functools
import os
import random
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from fakeanthropic import FakeAnthropic

from diffcurate.cache import JsonlCache
from diffcurate.classify.base import Backend, Prediction
from diffcurate.classify.embedding import phrase_matches
from diffcurate.generate.claude import ClaudeExpander, ClaudeGenerator
from diffcurate.generate.compat import Tag, conflicts, contradictions, tags_of
from diffcurate.generate.compose import Spec, fix_articles, generate, is_comma_list, realize
from diffcurate.generate.details import CAMERA_DETAIL, GENERIC, STYLE_DETAIL, SUBJECT_DETAIL
from diffcurate.generate.expand import SUBJECT_TAGS, ExpandConfig, ExpandScope, Job, OfflineExpander, expand_offline, run_expand
from diffcurate.generate.gapfill import (
    GapfillConfig,
    Generator,
    OfflineGenerator,
    distinct_n,
    largest_remainder,
    parse_distribution,
    plan,
    run_gapfill,
    slots_for,
)
from diffcurate.generate.treatments import CAMERAS, STYLES
from diffcurate.generate.vocab import STYLE_KEYWORDS, SUBJECTS
from diffcurate.llm import ClaudeClient, ClaudeConfig, LLMMode
from diffcurate.schemas import Language
from diffcurate.taxonomy import CODES, Axis, cells
from diffcurate.text import detect_language, n_words

# --- a classifier whose answers the tests control -------------------------------------------------
_CODES = re.compile(r"\b(S\d+)\b.*?\b(T\d)\b.*?\b(C\d)\b")


class RecordingClassifier:
    """Labels prompts from a registry filled by the generator wrapper (or codes spelled in the text);
    texts in `wrong` get a different subject."""

    backend = Backend.KEYWORD

    def __init__(self):
        self.truth: dict[str, tuple[str, str, str]] = {}
        self.wrong: set[str] = set()
        self.calls = 0

    def classify(self, texts, languages=None):
        self.calls += 1
        out = []
        for t in texts:
            codes = self.truth.get(t)
            if codes is None:
                m = _CODES.search(t)
                codes = m.groups() if m else ("S10", "T1", "C1")
            s, st, c = codes
            if t in self.wrong:
                s = "S14" if s != "S14" else "S1"
            out.append(Prediction(s, st, c, 0.9, 0.9, 0.9))
        return out


class TruthfulGenerator(Generator):
    """The offline generator, registering each candidate's intended codes with the classifier; every
    `bad_every`-th candidate is mislabelled, and `inject` texts are offered first (duplicates)."""

    def __init__(self, clf: RecordingClassifier, bad_every: int = 3, inject: list[str] | None = None):
        self.inner, self.clf, self.bad_every, self.inject, self.n = OfflineGenerator(0, 2), clf, bad_every, list(inject or []), 0
        self.name = self.inner.name

    def candidates(self, slots, round_):
        out = self.inner.candidates(slots, round_)
        for slot in slots:
            texts = out[slot.id]
            if self.inject:
                texts.insert(0, self.inject.pop(0))
            for t in texts:
                self.n += 1
                self.clf.truth.setdefault(t, (slot.spec.subject, slot.spec.style, slot.spec.camera))
                if self.n % self.bad_every == 0:
                    self.clf.wrong.add(t)
        return out


def existing_frame(n_per_cell: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = []
    for (s, t), n in n_per_cell.items():
        for i in range(n):
            rows.append(
                {
                    "id": f"{s}{t}{i}",
                    "source": "parti",
                    "text": f"existing prompt {s} {t} number {i} with words",
                    "language": "en",
                    "subject": s,
                    "style": t,
                    "camera": "C1",
                }
            )
    return pd.DataFrame(rows)


# --- compose ---------------------------------------------------------------------------------------
ALL_SPECS = [
    Spec(s, t, c, lang) for lang in Language for s in CODES[Axis.SUBJECT] for t in CODES[Axis.STYLE] for c in CODES[Axis.CAMERA]
]


@functools.cache
def sample(language: Language | None = None) -> list[tuple[Spec, str]]:
    """(spec, prompt): one prompt of every cell and camera (of `language`, or both languages)."""
    return [(spec, generate(spec, 1, "test")[0]) for spec in ALL_SPECS if language in (None, spec.language)]


def test_compose_is_seeded_varied_and_states_the_style():
    spec = Spec("S2", "T2", "C4")
    a, b = generate(spec, 30, seed=0), generate(spec, 30, seed=0)
    assert a == b and len(set(a)) == 30  # deterministic and varied
    assert generate(spec, 5, seed=1) != a[:5]
    assert generate(spec, 10, seed=0, start=20) == a[20:]
    assert len({re.sub(r"[^,.]", "", t) for t in a}) >= 4  # several sentence shapes, not one template
    # The codes are written into the text: every non-default style names its treatment in the
    # classifier's own words; cameras C2–C8 mostly do (some are phrased without a keyword).
    prompts = sample(Language.EN)
    styled = [(sp, t) for sp, t in prompts if sp.style != "T1"]
    hits = phrase_matches(Axis.STYLE, [t for _, t in styled])
    assert all(hits[i, CODES[Axis.STYLE].index(sp.style)] for i, (sp, _) in enumerate(styled))
    cams = [(sp, t) for sp, t in prompts if sp.camera != "C1"]
    hits = phrase_matches(Axis.CAMERA, [t for _, t in cams])
    stated = sum(hits[i, CODES[Axis.CAMERA].index(sp.camera)] for i, (sp, _) in enumerate(cams))
    assert stated >= 0.7 * len(cams)


def test_prompts_are_byte_identical_across_processes():
    # No choice depends on set or dict order of strings: another hash seed gives the same prompts.
    code = (
        "from diffcurate.generate.compose import Spec, generate; from diffcurate.schemas import Language; "
        "print('\\n'.join(t for lang in Language for s in ('S2', 'S11', 'S13') for c in ('C1', 'C6') "
        "for t in generate(Spec(s, 'T3', c, lang), 3, 'x')))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": h}, capture_output=True, text=True, check=True
        ).stdout
        for h in ("1", "2")
    ]
    assert runs[0] == runs[1] and runs[0].count("\n") == 36


def test_every_prompt_obeys_the_compatibility_table_and_is_sentence_shaped():
    prompts = sample()  # 14 × 7 × 8 × 2 languages = 1,568 prompts
    assert not [(sp, t) for sp, t in prompts if contradictions(t, sp.language)]
    assert not [(sp, t) for sp, t in prompts if is_comma_list(t, sp.language)]
    en = [t for sp, t in prompts if sp.language is Language.EN]
    assert all(t[:1].isupper() and t.endswith(".") for t in en)
    assert all(fix_articles(t) == t for t in en)  # "an old tailor", "a young fox"


def test_the_issues_contradictions_are_in_the_table():
    issue = [
        "A bouquet of peonies pushing through the snow, 16-bit pixel art, soft bokeh background",
        "A minimalist poster of a fern with dew drops on waxy leaves, strict grid alignment",
    ]
    assert {frozenset(p) for p in contradictions(issue[0])} == {
        frozenset((Tag.WINTER, Tag.BLOOM)),
        frozenset((Tag.LENS, Tag.PIXEL)),
        frozenset((Tag.BLUR, Tag.PIXEL)),
    }
    assert frozenset((Tag.DETAIL, Tag.MINIMAL)) in {frozenset(p) for p in contradictions(issue[1])}
    # A second opinion, independent of the table: the issue's own pairs never meet in generated prompts.
    issue_pairs = [
        (r"\bsnow(?!y owl| leopard|-capped)|frost|雪(?!鸮|山|峰)", r"bloom|blossom|peon|tulip|sunflower|poppy|盛开|牡丹|樱花"),
        (r"bokeh|blurr(ed|y) background|depth of field|shallow focus|虚化|景深|散景", r"pixel|vector|poster|像素|矢量|海报"),
        (r"dew ?drop|露珠", r"minimalis|\bgrid\b|极简|网格"),
    ]
    hits = [t for _, t in sample() for a, b in issue_pairs if re.search(a, t, re.IGNORECASE) and re.search(b, t, re.IGNORECASE)]
    assert not hits, hits[:5]
    # Names and quoted text are not tags: a snow leopard is no snow, "Moonlight Cafe" no night.
    assert tags_of('A snow leopard by a sign that reads "Moonlight Cafe"') == frozenset()
    assert tags_of("a poster-style bokeh shot") == {Tag.POSTER, Tag.BLUR, Tag.LENS}  # "-style" compounds count
    assert tags_of("一只雪鸮停在枝头，背景被柔和地虚化", Language.ZH) == {Tag.AT_REST, Tag.BLUR}
    assert {frozenset(p) for p in contradictions("雪地里盛开的牡丹，像素画风格，背景虚化", Language.ZH)} == {
        frozenset((Tag.WINTER, Tag.BLOOM)),
        frozenset((Tag.BLUR, Tag.PIXEL)),
    }


def test_treatments_fit_together_for_every_cell_and_camera():
    for bank in (STYLES, CAMERAS):
        for lang in Language:
            for code, treatments in bank[lang].items():
                assert treatments and not [t for t in treatments if conflicts(t.tags)], (lang, code)
    # pixel art never meets bokeh, an oil painting never a macro lens, a teacup never a drone shot
    specs = [Spec(s, t, c) for s in ("S8", "S10", "S3") for t in ("T2", "T3", "T6") for c in ("C2", "C4", "C6", "C7")]
    for spec, text in [(sp, text) for sp in specs for text in generate(sp, 3, 0)]:
        tags = tags_of(text)
        assert not (tags & {Tag.PIXEL, Tag.FLAT, Tag.POSTER} and tags & {Tag.BLUR, Tag.LENS}), text
        assert not (Tag.DRAWN in tags and Tag.LENS in tags), text
        assert not (spec.subject in ("S3", "S10") and Tag.AERIAL in tags), text


def test_subject_style_camera_phrases_keep_to_their_own_codes():
    # The classifier keys on words: a subject's phrases name no other subject's, style's or camera's keywords
    # (except the few kept on purpose, and the poster / logo words that are both S11 and T6).
    allowed = re.compile(r"poster|logo|opera house|dragon-boat|lion-dance|forbidden city|海报|标志", re.IGNORECASE)
    rng = random.Random(0)
    subject_texts, style_texts = [], []
    for lang in Language:
        for code, groups in SUBJECTS[lang].items():
            for g in groups:
                for template in (*g.heads, *g.states, *g.settings, *g.looks):
                    subject_texts += [(code, realize(template.replace("{t}", "X"), rng)) for _ in range(8)]
        for code, treatments in STYLES[lang].items():
            style_texts += [(code, realize(p, rng)) for t in treatments for p in t.phrases for _ in range(4)]
    subject_texts = [(c, t) for c, t in subject_texts if not allowed.search(t)]
    texts = [t for _, t in subject_texts]
    subj, style, cam = (phrase_matches(axis, texts) for axis in (Axis.SUBJECT, Axis.STYLE, Axis.CAMERA))
    own = np.array([[c == code for c in CODES[Axis.SUBJECT]] for code, _ in subject_texts])
    leaks = [subject_texts[i] for i in np.flatnonzero((subj * ~own).sum(axis=1) + style.sum(axis=1) + cam.sum(axis=1))]
    assert not leaks, leaks[:10]
    style_texts = [(c, t) for c, t in style_texts if not allowed.search(t)]
    hits = phrase_matches(Axis.STYLE, [t for _, t in style_texts])
    own = np.array([[c == code for c in CODES[Axis.STYLE]] for code, _ in style_texts])
    wrong = [style_texts[i] for i in np.flatnonzero((hits * ~own).sum(axis=1))]
    assert not wrong, wrong[:10]


def test_chinese_prompts_follow_the_same_rules():
    zh = sample(Language.ZH)
    assert all(detect_language(t) is Language.ZH for _, t in zh)
    assert not [t for sp, t in zh if contradictions(t, Language.ZH) or is_comma_list(t, Language.ZH)]
    assert all(t.endswith("。") for _, t in zh)
    styled = [(sp, t) for sp, t in zh if sp.style != "T1"]
    named = sum(any(k in t for k in STYLE_KEYWORDS[Language.ZH][sp.style] + ["水墨", "3D", "版式", "故障"]) for sp, t in styled)
    assert named >= 0.9 * len(styled)
    assert all(re.search(r"“[^”]+”", t) for sp, t in zh if sp.subject == "S11")  # text to render


def test_comma_lists_and_distinct_n():
    assert is_comma_list("A red fox in the snow, 16-bit pixel art, soft bokeh background")
    assert is_comma_list("A noir film still of a duck on a porch, worm's-eye view")
    assert is_comma_list("一只猫，浅景深，电影级调色", Language.ZH) and is_comma_list(
        "3D渲染：三个杯子被擦得锃亮，长曝光", Language.ZH
    )
    assert not is_comma_list("A watercolor of a red fox, seen from high above, curled up asleep in a birch wood.")
    assert not is_comma_list("一只红狐狸在雪地里蜷成一团睡觉，从高空俯瞰，画面用水彩晕染而成。", Language.ZH)
    assert distinct_n(["a b c a b", "a b c"], 1) == round(3 / 8, 4)
    assert distinct_n(["a b c a b", "a b c"], 2) == round(3 / 6, 4)  # ab bc ca ab | ab bc
    assert distinct_n(["红狐狸", "红狐"], 2) == round(2 / 3, 4)  # Chinese: characters
    assert distinct_n(["one two"], 3) is None


def test_detail_banks_never_state_another_treatment():
    rng = random.Random(0)

    def texts(details, n=8):
        return [realize(d.text, rng) for d in details for _ in range(n)]

    generic = [
        t
        for lang in Language
        for bank in (GENERIC[lang], SUBJECT_DETAIL[lang])
        for details in bank.values()
        for t in texts(details)
    ]
    generic_only = [t for lang in Language for details in GENERIC[lang].values() for t in texts(details)]
    assert phrase_matches(Axis.SUBJECT, generic_only).sum() == 0  # generic detail names no subject
    for axis in (Axis.STYLE, Axis.CAMERA):
        hits = phrase_matches(axis, generic)
        assert hits.sum() == 0, [p for p, row in zip(generic, hits, strict=True) if row.any()]
    for lang in Language:
        for code, details in SUBJECT_DETAIL[lang].items():
            t = texts(details)
            hits = phrase_matches(Axis.SUBJECT, t)
            others = [j for j, c in enumerate(CODES[Axis.SUBJECT]) if c != code]
            assert hits[:, others].sum() == 0, (code, [p for p, row in zip(t, hits[:, others], strict=True) if row.any()])
        for axis, banks in ((Axis.STYLE, STYLE_DETAIL), (Axis.CAMERA, CAMERA_DETAIL)):
            for code, details in banks[lang].items():
                m = phrase_matches(axis, texts(details))
                others = [j for j, c in enumerate(CODES[axis]) if c != code]
                assert m[:, others].sum() == 0, (code, details)
                assert phrase_matches(Axis.SUBJECT, texts(details)).sum() == 0, (code, details)


# --- plan ---------------------------------------------------------------------------------------
def test_distribution_parsing_and_largest_remainder():
    assert parse_distribution("C1=1,C2=1") == {"C1": 0.5, "C2": 0.5}
    for bad in ("C9=1", "C1=x", "C1", "C1=0", "C1=1,C1=2", "C1=-1,C2=2"):
        with pytest.raises(ValueError, match="camera distribution"):
            parse_distribution(bad)
    counts = largest_remainder(10, {"a": 0.55, "b": 0.25, "c": 0.2})
    assert counts == {"a": 6, "b": 2, "c": 2} and sum(counts.values()) == 10


def test_plan_gives_exactly_the_deficit_and_caps_proportionally():
    counts = dict.fromkeys(cells(), 50)
    counts[("S1", "T4")], counts[("S2", "T7")], counts[("S3", "T1")] = 10, 0, 70
    cfg = GapfillConfig(min_per_cell=50)
    assert plan(counts, cfg) == {("S1", "T4"): 40, ("S2", "T7"): 50}
    capped = plan(counts, GapfillConfig(min_per_cell=50, max_total=45))
    assert sum(capped.values()) == 45 and capped[("S2", "T7")] > capped[("S1", "T4")]


def test_slots_follow_the_camera_distribution_and_chinese_share():
    cfg = GapfillConfig(cameras="C1=0.5,C2=0.25,C4=0.25", zh_share=0.25, zh_subjects="S13")
    slots = slots_for(("S13", "T2"), 40, cfg)
    cams = pd.Series([s.spec.camera for s in slots]).value_counts().to_dict()
    assert cams == {"C1": 20, "C2": 10, "C4": 10}
    assert sum(s.spec.language is Language.ZH for s in slots) == 10
    assert not any(s.spec.language is Language.ZH for s in slots_for(("S2", "T2"), 40, cfg))
    assert len({s.id for s in slots}) == 40


# --- rounds -------------------------------------------------------------------------------------
def test_gapfill_fills_every_cell_with_class_true_new_prompts():
    full = dict.fromkeys(cells(), 3)
    full[("S2", "T4")], full[("S12", "T6")] = 0, 1
    existing = existing_frame(full)
    clf = RecordingClassifier()
    dup = existing["text"].iloc[0]
    gen = TruthfulGenerator(clf, bad_every=3, inject=[dup])
    out, m, table = run_gapfill(existing, clf, gen, GapfillConfig(min_per_cell=3, zh_share=0.0))
    assert len(out) == 3 + 2 == m["generated"] and m["cells_below_min_after"] == 0 and m["cells_below_min_before"] == 2
    assert (out["source"] == "generated").all() and out["id"].is_unique
    assert not set(out["text"]) & set(existing["text"])
    assert m["duplicates_dropped"] == {"duplicate": 1}
    for row in out.itertuples():  # only candidates landing in their intended cell are kept
        assert row.text not in clf.wrong and clf.truth[row.text][:2] == (row.subject, row.style)
    assert 0 < m["acceptance_rate"] < 1 and table.loc[table["cell"] == "S2/T4", "after"].item() == 3
    assert set(m["acceptance_by_cell"]) == {"S2/T4", "S12/T6"}


def test_gapfill_drops_near_duplicates_and_reports_unfillable_cells():
    existing = existing_frame(dict.fromkeys(cells(), 2) | {("S5", "T3"): 0})

    class Echo(Generator):
        name = OfflineGenerator.name

        def candidates(self, slots, round_):  # the same prompt, give or take a word, for every slot
            scene = (
                "a quiet lake at dawn with mist drifting over the still water, dark pines along the far shore, a wooden jetty, "
                * 3
            )
            return {s.id: [f"{scene} {s.spec.subject} {s.spec.style} C1 {s.id} v{round_}"] for s in slots}

    out, m, _ = run_gapfill(existing, RecordingClassifier(), Echo(), GapfillConfig(min_per_cell=2, max_rounds=3, zh_share=0.0))
    assert len(out) == 1  # the first one is new; every later one is a near-duplicate of it
    assert m["duplicates_dropped"]["near_duplicate"] >= 2 and m["unfilled_cells"] == {"S5/T3": 1}


def test_gapfill_is_deterministic():
    existing = existing_frame(dict.fromkeys(cells(), 1))

    def once():
        clf = RecordingClassifier()
        return run_gapfill(existing, clf, TruthfulGenerator(clf), GapfillConfig(min_per_cell=2))[0]

    pd.testing.assert_frame_equal(once(), once())


# --- expand -------------------------------------------------------------------------------------
def test_offline_expansion_reaches_the_window_in_sentences_without_repeating_one():
    job = Job("x", "A red fox curled up asleep in a snowy birch forest", "S2", "T1", "C1", Language.EN, 30, 40)
    for seed in range(20):
        text = expand_offline(job, random.Random(seed))
        assert text.startswith(job.text + ". ") and 30 <= n_words(text) <= 40
        added = text[len(job.text) + 2 :].split(". ")
        assert len(added) == len(set(added)) and all(s[:1].isupper() for s in added)
        assert not contradictions(text) and not is_comma_list(text)
    zh = Job("y", "一只橘猫在窗台上晒太阳", "S2", "T1", "C1", Language.ZH, 50, 80)
    assert all(50 <= len(expand_offline(zh, random.Random(s))) <= 80 for s in range(10))


def test_expansion_obeys_the_compatibility_table():
    # A night scene gets no morning light; pixel art gets no soft blur or fine detail; a teacup no horizon.
    jobs = [
        Job("a", "A barn owl perched on a bare branch beneath a sky full of stars", "S2", "T1", "C1", Language.EN, 30, 40),
        Job("b", "Pixel art of a bed of red tulips in a walled garden", "S8", "T3", "C1", Language.EN, 30, 40),
        Job("c", "A minimalist logo of a fern unfurling", "S8", "T6", "C2", Language.EN, 30, 40),
        Job("d", "A tiny teacup on a windowsill, in a wide-angle shot", "S10", "T1", "C3", Language.EN, 30, 40),
        Job("e", "一只雪鸮停在落满雪的枝头，像素画风格", "S2", "T3", "C1", Language.ZH, 50, 80),
    ]
    for job in jobs:
        for seed in range(30):
            text = expand_offline(job, random.Random(seed))
            assert not contradictions(text, job.language, SUBJECT_TAGS.get(job.subject, ())), text
            assert not is_comma_list(text[len(job.text) :], job.language), text


def test_run_expand_keeps_codes_or_falls_back_and_counts():
    df = pd.DataFrame(
        [
            {
                "id": "a",
                "source": "generated",
                "text": "A red fox asleep in the snow",
                "language": "en",
                "subject": "S2",
                "style": "T1",
                "camera": "C1",
            },
            {
                "id": "b",
                "source": "generated",
                "text": "A hedgehog on a mossy rock",
                "language": "en",
                "subject": "S2",
                "style": "T1",
                "camera": "C1",
            },
            {"id": "c", "source": "parti", "text": "A cat", "language": "en", "subject": "S2", "style": "T1", "camera": "C1"},
            {
                "id": "d",
                "source": "generated",
                "text": "一只橘猫在窗台上晒太阳",
                "language": "zh",
                "subject": "S2",
                "style": "T1",
                "camera": "C1",
            },
        ]
    )

    class Picky(RecordingClassifier):
        def classify(self, texts, languages=None):  # any expansion of the hedgehog prompt changes its subject
            return [Prediction("S5" if "hedgehog" in t else "S2", "T1", "C1") for t in texts]

    out, m = run_expand(df, Picky(), OfflineExpander(0), ExpandConfig(max_attempts=2))
    by = out.set_index("id")
    assert (
        by.loc["a", "expanded"]
        and 30 <= n_words(by.loc["a", "text"]) <= 40
        and by.loc["a", "text_original"] == "A red fox asleep in the snow"
    )
    assert not by.loc["b", "expanded"] and by.loc["b", "text"] == "A hedgehog on a mossy rock"
    assert not by.loc["c", "expanded"]  # benchmark prompts are out of the default scope
    assert by.loc["d", "expanded"] and 50 <= len(by.loc["d", "text"]) <= 80
    assert m["fell_back_to_original"] == 1 and m["failed_attempts"]["codes_changed"] == 2 and m["expanded"] == 2
    out_all, m_all = run_expand(df, Picky(), OfflineExpander(0), ExpandConfig(scope=ExpandScope.ALL))
    assert out_all.set_index("id").loc["c", "expanded"] and m_all["candidates"] == 4
    with pytest.raises(ValueError, match="id 'a' appears more than once"):
        run_expand(pd.concat([df, df.iloc[:1]]), Picky(), OfflineExpander(0), ExpandConfig())


# --- Claude backends against the local Messages/Batches server --------------------------------------
@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-generate")
    with FakeAnthropic(lambda text: {"subject": "S10", "style": "T1", "camera": "C1"}) as server:
        yield server


def client(api, mode=LLMMode.SYNC):
    return ClaudeClient(
        ClaudeConfig(temperature=None, base_url=api.url, mode=mode, max_retries=2, timeout_s=0.5, poll_interval_s=0.0),
        sleep=lambda s: None,
    )


@pytest.mark.parametrize("mode", [LLMMode.SYNC, LLMMode.BATCH])
def test_claude_gapfill_asks_per_cell_reasks_short_answers_and_never_pays_twice(api, tmp_path, mode):
    existing = existing_frame(dict.fromkeys(cells(), 2) | {("S2", "T4"): 0, ("S13", "T2"): 0})
    cfg = GapfillConfig(min_per_cell=2, zh_share=0.5, zh_subjects="S13")
    api.message_faults = (
        ["429", "529", "500", "timeout", "too_short", "malformed_json", "no_tool"] if mode is LLMMode.SYNC else []
    )
    api.result_faults = {"g0-r0-g0": ["errored"], "g0-r0-g1": ["expired"]}  # batch: resubmitted, only these
    gen = ClaudeGenerator(client(api, mode), JsonlCache(tmp_path / "gap.jsonl"), per_request=10)
    out, m, _ = run_gapfill(existing, RecordingClassifier(), gen, cfg)
    assert len(out) == 4 and m["cells_below_min_after"] == 0
    assert (out["language"] == "zh").sum() == 1  # half of S13's two slots
    body = api.bodies[0] if mode is LLMMode.SYNC else api.bodies[0]["requests"][0]["params"]
    assert "style_keywords" in body["messages"][0]["content"] and body["tool_choice"]["name"] == "record_prompts"
    if mode is LLMMode.SYNC:
        assert gen.stats.reasked == 1 and gen.stats.invalid == 1  # the too-short answer, re-asked alone
        assert gen.client.usage.errors == {"malformed_response": 2}  # malformed JSON and no tool call: re-asked by the client
    else:
        assert api.count("POST", "/v1/messages/batches") == 2  # one batch, then one resubmitting the 2 failed requests
        assert len(api.bodies[-1]["requests"]) == 2
    asked = sum(api.labelled.values())
    # A resumed run: everything comes from the cache.
    gen2 = ClaudeGenerator(client(api, mode), JsonlCache(tmp_path / "gap.jsonl"), per_request=10)
    out2, _, _ = run_gapfill(existing, RecordingClassifier(), gen2, cfg)
    pd.testing.assert_frame_equal(out, out2)
    assert sum(api.labelled.values()) == asked and gen2.client.usage.requests == 0


def test_claude_expander_reasks_out_of_range_and_caches(api, tmp_path):
    df = pd.DataFrame(
        [
            {
                "id": str(i),
                "source": "generated",
                "text": f"a small prompt number {i}",
                "language": "en",
                "subject": "S10",
                "style": "T1",
                "camera": "C1",
            }
            for i in range(5)
        ]
        + [{"id": "z", "source": "generated", "text": "一只猫", "language": "zh", "subject": "S2", "style": "T1", "camera": "C1"}]
    )
    api.message_faults = ["too_short", "drop_one"]
    exp = ClaudeExpander(client(api), JsonlCache(tmp_path / "exp.jsonl"), per_request=3)

    class Same(RecordingClassifier):
        def classify(self, texts, languages=None):
            return [Prediction("S2" if "猫" in t else "S10", "T1", "C1") for t in texts]

    out, m = run_expand(df, Same(), exp, ExpandConfig())
    assert out["expanded"].all() and m["expanded"] == 6
    assert exp.stats.reasked == 2  # one too short, one dropped from its answer
    assert api.bodies[0]["tools"][0]["name"] == "record_expansions"
    n = api.count("POST", "/v1/messages")
    run_expand(df, Same(), ClaudeExpander(client(api), JsonlCache(tmp_path / "exp.jsonl"), per_request=3), ExpandConfig())
    assert api.count("POST", "/v1/messages") == n


def test_chinese_slots_the_classifier_cannot_verify_switch_to_english():
    existing = existing_frame(dict.fromkeys(cells(), 2) | {("S13", "T2"): 0})
    clf = RecordingClassifier()

    class NoChinese(TruthfulGenerator):
        def candidates(self, slots, round_):
            out = super().candidates(slots, round_)
            for texts in out.values():
                self.clf.wrong.update(t for t in texts if detect_language(t) is Language.ZH)
            return out

    cfg = GapfillConfig(min_per_cell=2, zh_share=1.0, zh_subjects="S13", zh_fallback_round=2, max_rounds=4)
    out, m, _ = run_gapfill(existing, clf, NoChinese(clf, bad_every=10**9), cfg)
    assert len(out) == 2 and (out["language"] == "en").all()
    assert m["zh_slots_switched_to_en"] == 2 and m["rounds"] == 3
    never = GapfillConfig(min_per_cell=2, zh_share=1.0, zh_subjects="S13", zh_fallback_round=0, max_rounds=3)
    out, m, _ = run_gapfill(existing, clf, NoChinese(clf, bad_every=10**9), never)
    assert len(out) == 0 and m["unfilled_cells"] == {"S13/T2": 2}
