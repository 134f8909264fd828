"""LLM backends (`claude`, `openai`) of `gapfill` (write prompts for a cell) and `expand` (lengthen prompts).

Both use the shared client interface (`llm.LLMClient`: Claude's `ClaudeClient` or an
OpenAI-compatible server's `llm_openai.OpenAIClient`; sync or batch, retries on
429/5xx/timeouts, malformed bodies re-asked) and the same per-item pattern as `classify`:
items go in groups of `per_request`; an answer is validated per item (present, right length);
invalid or missing items are re-asked alone with the other failures in smaller groups, up to
`max_reasks` times (not after a round in which no request got any answer: the API is down or
refuses the key); only valid answers enter the cache, keyed by (backend, model, prompt
version, item), as each request's answer arrives, so a resumed or killed run never pays for an
item twice. `stats.asked` / `stats.answered` feed the stage's `claude.min_answered_share` check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache, cache_key
from diffcurate.generate.expand import Expander, Job, length
from diffcurate.generate.gapfill import GenBackend, Generator, Slot
from diffcurate.generate.vocab import STYLE_KEYWORDS
from diffcurate.llm import ErrorKind, LLMClient, ToolRequest, ToolResult, require_answered
from diffcurate.schemas import Language
from diffcurate.taxonomy import AXES, NAMES, SUBJECTS, Axis

log = logging.getLogger(__name__)

GAPFILL_VERSION = "gapfill-v1"
EXPAND_VERSION = "expand-v1"


def _meaning(axis: Axis, code: str) -> str:
    return next(f"{c.code} {c.name}: {c.meaning}" for c in AXES[axis] if c.code == code)


def _items_tool(name: str, description: str) -> dict:
    return {
        "name": name,
        "description": description,
        "strict": True,
        "input_schema": {
            "type": "object",
            "properties": {
                "items": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"index": {"type": "integer"}, "text": {"type": "string"}},
                        "required": ["index", "text"],
                        "additionalProperties": False,
                    },
                }
            },
            "required": ["items"],
            "additionalProperties": False,
        },
    }


GAPFILL_TOOL = _items_tool("record_prompts", "Record one text-to-image prompt per requested index.")
EXPAND_TOOL = _items_tool("record_expansions", "Record the expanded prompt for every index.")

_SUBJECT_LINES = "\n".join(f"- {c.code} {c.name}: {c.meaning}" for c in SUBJECTS)

GAPFILL_SYSTEM = f"""You write prompts for a text-to-image dataset. Each prompt you write must clearly belong to one
Subject and one Style of a fixed taxonomy, and must state its camera treatment in words.

Subjects:
{_SUBJECT_LINES}

Rules: the requested subject must be the primary subject (a prominent person makes a prompt S1; quoted text
to render makes it S11; Chinese heritage makes it S13). The style must be explicit and use at least one of the
style's keywords given in the request. Write the camera treatment into the prompt (e.g. "macro shot",
"aerial view"); for C1 state no special framing. Vary subjects, settings and sentence shapes: no two prompts
alike. Write in the language asked for each index (en: English words; zh: Simplified Chinese). Respect the
length range. Answer only through the record_prompts tool, one item per index."""

EXPAND_SYSTEM = """You expand short text-to-image prompts with concrete visual detail: colours, materials, textures,
lighting, atmosphere and composition. Keep the prompt's subject, style and camera exactly (they are given with each
prompt): do not add people, text, a new style or a new camera treatment. Keep the original wording and add to it.
Reach the length range given with each prompt (English: words; Chinese: characters). Answer only through the
record_expansions tool, one item per index."""


def parse_items(answer: dict | None, n: int) -> dict[int, str]:
    """Texts by index from an items answer; out-of-range, repeated or non-text entries are left out."""
    out: dict[int, str] = {}
    entries = answer.get("items", []) if isinstance(answer, dict) else []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and isinstance(e.get("index"), int) and 0 <= e["index"] < n and e["index"] not in out:
            if isinstance(e.get("text"), str) and e["text"].strip():
                out[e["index"]] = e["text"].strip()
    return out


@dataclass
class AskStats:
    reasked: int = 0
    invalid: int = 0
    gave_up: int = 0
    asked: int = 0  # items asked for (answered from the cache or by Claude, or given up on)
    answered: int = 0


class ClaudeAsker:
    """What the Claude generator and expander share: a client, a response cache and ask statistics."""

    client: LLMClient
    cache: JsonlCache
    stats: AskStats

    def usage_metrics(self) -> dict:
        """The `claude` / `openai` entry of the stage's metrics: model, mode, tokens and cost, re-asks, cache size."""
        s, cfg = self.stats, self.client.cfg
        return {
            "provider": cfg.provider.value,
            "model": cfg.model,
            "mode": cfg.mode.value,
            **self.client.usage.as_dict(cfg),
            "reasked": s.reasked,
            "invalid_answers": s.invalid,
            "gave_up": s.gave_up,
            "answered": s.answered,
            "asked": s.asked,
            "cache_entries": len(self.cache),
            "cache_dropped_lines": self.cache.dropped_lines,
        }

    def require_answered(self, min_share: float, what: str) -> None:
        """LLMError with the first error of each kind when under `min_share` of the items asked got a usable answer."""
        require_answered(what, self.stats.answered, self.stats.asked, min_share, self.client.usage, section=self.client.name)


def ask_items(
    client: LLMClient,
    cache: JsonlCache,
    keys: Sequence[str],
    request: Callable[[str, list[int]], ToolRequest],
    valid: Callable[[int, str], bool],
    per_request: int,
    max_reasks: int,
    stats: AskStats,
    group_of: Callable[[int], Hashable] = lambda i: 0,
) -> dict[str, str]:
    """Answers for items `keys` (cache keys), asking only what the cache lacks, in one client run per round.

    `request(custom_id, item_indices)` builds a request for those items (the answer's `index`
    is the position within the group); `valid(item_index, text)` checks one answer; items of
    one request share `group_of(item)` (gapfill: the cell).
    """
    todo = [i for i, k in enumerate(keys) if cache.get(k) is None]
    for round_ in range(max_reasks + 1):
        if not todo:
            break
        if round_:
            stats.reasked += len(todo)
            log.warning("re-asking %d items with invalid or missing answers (round %d)", len(todo), round_)
        size = max(1, per_request // (2**round_))
        by_group: dict[Hashable, list[int]] = {}
        for i in todo:
            by_group.setdefault(group_of(i), []).append(i)
        groups = [items[i : i + size] for items in by_group.values() for i in range(0, len(items), size)]
        failed: list[list[int]] = [[] for _ in groups]

        def take(g: int, res: ToolResult, round_: int = round_, groups=groups, failed=failed) -> None:
            """Cache one request's valid answers the moment it arrives (a kill loses none)."""
            grp = groups[g]
            got = parse_items(res.input, len(grp))
            good = {}
            for pos, item in enumerate(grp):
                text = got.get(pos)
                if text is not None and valid(item, text):
                    good[keys[item]] = text
                else:
                    stats.invalid += text is not None
                    failed[g].append(item)
            cache.put_many(good)
            if res.error is None and len(good) < len(grp):
                client.usage.first_error(
                    ErrorKind.BAD_ANSWER, f"r{round_}-g{g}: {len(grp) - len(good)} of {len(grp)} items missing or invalid"
                )

        results = client.run([request(f"r{round_}-g{g}", grp) for g, grp in enumerate(groups)], on_result=take)
        todo = [i for grp in failed for i in grp]  # in the order asked, whatever order answers came in
        if all(r.error is not None for r in results):  # no answer at all: the API is down or refuses us
            break
    stats.gave_up += len(todo)
    answers = {k: cache.get(k) for k in keys if cache.get(k) is not None}
    stats.asked += len(dict.fromkeys(keys))
    stats.answered += len(answers)
    return answers


class ClaudeGenerator(ClaudeAsker, Generator):
    """One prompt per open slot, asked per cell: the quota, the style's keywords, each slot's camera and language."""

    def __init__(
        self,
        client: LLMClient,
        cache: JsonlCache,
        seed: int = 0,
        words: tuple[int, int] = (10, 20),
        chars_zh: tuple[int, int] = (15, 40),
        per_request: int = 10,
        max_reasks: int = 2,
    ):
        self.client, self.cache, self.seed = client, cache, seed
        self.name = GenBackend(client.name)
        self.words, self.chars_zh = words, chars_zh
        self.per_request, self.max_reasks = per_request, max_reasks
        self.stats = AskStats()

    def _range(self, lang: Language) -> tuple[int, int]:
        return self.chars_zh if lang is Language.ZH else self.words

    def _key(self, slot: Slot, round_: int) -> str:
        s = slot.spec
        return cache_key(
            self.client.name,  # "claude" / "openai": answers of two providers are never mixed
            self.client.cfg.model,
            GAPFILL_VERSION,
            str(self.seed),
            str(round_),
            slot.id,
            s.subject,
            s.style,
            s.camera,
            s.language.value,
        )

    def user_message(self, slots: Sequence[Slot]) -> str:
        s0 = slots[0].spec
        head = {
            S.SUBJECT: _meaning(Axis.SUBJECT, s0.subject),
            S.STYLE: _meaning(Axis.STYLE, s0.style),
            "style_keywords": STYLE_KEYWORDS[Language.EN][s0.style] + STYLE_KEYWORDS[Language.ZH][s0.style],
            "length": {"en_words": list(self.words), "zh_chars": list(self.chars_zh)},
        }
        lines = [f"Write {len(slots)} prompts for this cell:", json.dumps(head, ensure_ascii=False)]
        for i, slot in enumerate(slots):
            lines.append(
                json.dumps(
                    {"index": i, S.CAMERA: _meaning(Axis.CAMERA, slot.spec.camera), S.LANGUAGE: slot.spec.language.value},
                    ensure_ascii=False,
                )
            )
        return "\n".join(lines)

    def candidates(self, slots: Sequence[Slot], round_: int) -> dict[str, list[str]]:
        slots = list(slots)
        keys = [self._key(s, round_) for s in slots]

        def request(cid: str, items: list[int]) -> ToolRequest:
            return ToolRequest(f"g{round_}-{cid}", GAPFILL_SYSTEM, self.user_message([slots[i] for i in items]), GAPFILL_TOOL)

        def valid(item: int, text: str) -> bool:
            lang = slots[item].spec.language
            lo, hi = self._range(lang)
            return lo <= length(text, lang) <= 2 * hi  # too short is re-asked; a little long is fine

        answers = ask_items(
            self.client,
            self.cache,
            keys,
            request,
            valid,
            self.per_request,
            self.max_reasks,
            self.stats,
            group_of=lambda i: (slots[i].spec.subject, slots[i].spec.style),
        )
        return {s.id: [answers[k]] for s, k in zip(slots, keys, strict=True) if k in answers}


class ClaudeExpander(ClaudeAsker, Expander):
    def __init__(self, client: LLMClient, cache: JsonlCache, per_request: int = 10, max_reasks: int = 2):
        self.client, self.cache = client, cache
        self.name = client.name
        self.per_request, self.max_reasks = per_request, max_reasks
        self.stats = AskStats()

    def _key(self, job: Job, attempt: int) -> str:
        return cache_key(
            self.client.name,
            self.client.cfg.model,
            EXPAND_VERSION,
            job.text,
            job.subject,
            job.style,
            job.camera,
            job.language.value,
            str(job.lo),
            str(job.hi),
            str(attempt),
        )

    @staticmethod
    def user_message(jobs: Sequence[Job]) -> str:
        lines = [f"Expand these {len(jobs)} prompts:"]
        for i, j in enumerate(jobs):
            unit = "characters" if j.language is Language.ZH else "words"
            lines.append(
                json.dumps(
                    {
                        "index": i,
                        "prompt": j.text,
                        "length": f"{j.lo}-{j.hi} {unit}",
                        "keep": {
                            S.SUBJECT: f"{j.subject} {NAMES[j.subject]}",
                            S.STYLE: f"{j.style} {NAMES[j.style]}",
                            S.CAMERA: f"{j.camera} {NAMES[j.camera]}",
                        },
                    },
                    ensure_ascii=False,
                )
            )
        return "\n".join(lines)

    def expand(self, jobs: Sequence[Job], attempt: int) -> dict[str, str]:
        jobs = list(jobs)
        keys = [self._key(j, attempt) for j in jobs]

        def request(cid: str, items: list[int]) -> ToolRequest:
            return ToolRequest(f"a{attempt}-{cid}", EXPAND_SYSTEM, self.user_message([jobs[i] for i in items]), EXPAND_TOOL)

        def valid(item: int, text: str) -> bool:
            j = jobs[item]
            return j.lo <= length(text, j.language) <= j.hi  # out of range is re-asked

        answers = ask_items(self.client, self.cache, keys, request, valid, self.per_request, self.max_reasks, self.stats)
        return {j.key: answers[k] for j, k in zip(jobs, keys, strict=True) if k in answers}
