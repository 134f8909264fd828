"""The LLM backends (`claude`, `openai`): many prompts per request, strict structured output, cached per prompt.

One classifier for every provider (`diffcurate.llm.LLMClient`): the backend is the client's name.

Invalid answers are never guessed: a prompt whose codes are invalid or missing from the answer
is re-asked (alone with the other failures) up to `max_reasks` times, then flagged with no codes;
a round in which no request got any answer (the API unreachable, a bad key) is not re-asked.
Only valid answers enter the cache, keyed by (backend, model, prompt version, text): answers of
another provider or model are never served. Each enters as
its request's answer arrives, so a killed run keeps every answer it received.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from diffcurate import schemas as S
from diffcurate.cache import JsonlCache, cache_key
from diffcurate.classify.base import Backend, Prediction, Progress
from diffcurate.llm import ErrorKind, LLMClient, ToolRequest, ToolResult, require_answered
from diffcurate.taxonomy import AXES, CODES, Axis

log = logging.getLogger(__name__)

# Bump when SYSTEM_PROMPT, the tool or the message format changes: it is part of the cache key.
PROMPT_VERSION = "classify-v1"
TOOL_NAME = "record_labels"


def _table(axis: Axis) -> str:
    return "\n".join(f"- {c.code} {c.name}: {c.meaning}" for c in AXES[axis])


SYSTEM_PROMPT = f"""You label text-to-image prompts with a fixed taxonomy. For every prompt give exactly one
Subject, one Style and one Camera code.

Subjects (what the image is primarily of):
{_table(Axis.SUBJECT)}

Priority when several subjects apply: text that must be rendered legibly (S11) and Chinese cultural
content (S13) first; then a prominent person (S1) over clothing, animals, settings or objects; then the
most specific remaining subject. "A woman wearing a red dress in a garden" is S1, not S9. S13 is decided
by content, never by the prompt's language: a Chinese-language prompt about a cat is S2.

Styles (how it is rendered); T1 is the default when nothing implies another style. Implicit styles count:
"dreamy ethereal quality" is T7.
{_table(Axis.STYLE)}

Cameras (framing and optics); C1 is the default when no special framing is stated.
{_table(Axis.CAMERA)}

Answer only through the {TOOL_NAME} tool, with one entry per prompt index."""

TOOL = {
    "name": TOOL_NAME,
    "description": "Record the Subject, Style and Camera code of every prompt, by its index.",
    "strict": True,
    "input_schema": {
        "type": "object",
        "properties": {
            "labels": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "index": {"type": "integer"},
                        S.SUBJECT: {"type": "string", "enum": CODES[Axis.SUBJECT]},
                        S.STYLE: {"type": "string", "enum": CODES[Axis.STYLE]},
                        S.CAMERA: {"type": "string", "enum": CODES[Axis.CAMERA]},
                    },
                    "required": ["index", *S.CODE_COLUMNS],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["labels"],
        "additionalProperties": False,
    },
}


def user_message(texts: Sequence[str]) -> str:
    items = [{"index": i, "prompt": t} for i, t in enumerate(texts)]
    return f"Label these {len(items)} prompts:\n" + "\n".join(json.dumps(x, ensure_ascii=False) for x in items)


def parse_labels(answer: dict | None, n: int) -> dict[int, dict[str, str]]:
    """Valid labels by prompt index; entries with out-of-range indices or invalid codes are left out."""
    valid: dict[int, dict[str, str]] = {}
    for entry in (answer or {}).get("labels", []) if isinstance(answer, dict) else []:
        if not isinstance(entry, dict):
            continue
        idx = entry.get("index")
        if not isinstance(idx, int) or not 0 <= idx < n or idx in valid:
            continue
        codes = {axis.value: entry.get(axis.value) for axis in Axis}
        if all(codes[a.value] in CODES[a] for a in Axis):
            valid[idx] = codes
    return valid


class LLMClassifier:
    def __init__(self, client: LLMClient, cache: JsonlCache, prompts_per_request: int = 25, max_reasks: int = 2):
        self.client = client
        self.backend = Backend(client.name)
        self.cache = cache
        self.prompts_per_request = prompts_per_request
        self.max_reasks = max_reasks
        self.reasked = 0
        self.flagged = 0  # distinct prompts given up on
        self.prompts = 0  # distinct prompts labelled or given up on, over every call

    def labelled_share(self) -> float:
        return 1.0 - self.flagged / self.prompts if self.prompts else 1.0

    def require_labelled(self, min_share: float, what: str = "classify") -> None:
        """LLMError with the first error of each kind when under `min_share` of the prompts got labels."""
        require_answered(
            f"{what}: prompts {self.client.label} labelled",
            self.prompts - self.flagged,
            self.prompts,
            min_share,
            self.client.usage,
            section=self.client.name,
        )

    def _key(self, text: str) -> str:
        return cache_key(self.backend.value, self.client.cfg.model, PROMPT_VERSION, text)

    def classify(
        self, texts: Sequence[str], languages: Sequence[str] | None = None, progress: Progress | None = None
    ) -> list[Prediction]:
        advance = progress or (lambda n: None)
        unique = list(dict.fromkeys(texts))
        self.prompts += len(unique)
        todo = [t for t in unique if self.cache.get(self._key(t)) is None]
        advance(len(texts) - len(todo))  # cached and repeated prompts
        for round_ in range(self.max_reasks + 1):
            if not todo:
                break
            if round_:
                self.reasked += len(todo)
                log.warning("re-asking %d prompts with invalid or missing labels (round %d)", len(todo), round_)
            # Re-asks go in smaller groups: a long request is where answers get dropped.
            size = max(1, self.prompts_per_request // (2**round_))
            groups = [todo[i : i + size] for i in range(0, len(todo), size)]
            requests = [ToolRequest(f"r{round_}-g{g}", SYSTEM_PROMPT, user_message(grp), TOOL) for g, grp in enumerate(groups)]
            failed: list[list[str]] = [[] for _ in groups]

            def take(g: int, result: ToolResult, groups=groups, requests=requests, failed=failed) -> None:
                """Cache one request's valid labels the moment its answer arrives (a kill loses none)."""
                grp = groups[g]
                labels = parse_labels(result.input, len(grp))
                if result.error is None and len(labels) < len(grp):
                    self.client.usage.first_error(
                        ErrorKind.BAD_ANSWER,
                        f"{requests[g].custom_id}: {len(grp) - len(labels)} of {len(grp)} prompts without valid codes",
                    )
                # The text is stored with its codes so a cache can serve as seed labels later.
                self.cache.put_many({self._key(t): {S.TEXT: t, **labels[i]} for i, t in enumerate(grp) if i in labels})
                failed[g] = [t for i, t in enumerate(grp) if i not in labels]
                advance(len(labels))

            results = self.client.run(requests, on_result=take)
            todo = [t for grp in failed for t in grp]  # in the order asked, whatever order answers came in
            if all(r.error is not None for r in results):  # no answer at all: the API is down or refuses us
                break
        self.flagged += len(todo)
        advance(len(todo))  # given up on: flagged
        out = []
        for text in texts:
            codes = self.cache.get(self._key(text))
            if codes is None:
                out.append(Prediction(None, None, None, 0.0, 0.0, 0.0, flag=f"no valid labels after {self.max_reasks} re-asks"))
            else:
                out.append(Prediction(codes[S.SUBJECT], codes[S.STYLE], codes[S.CAMERA]))
        return out


ClaudeClassifier = LLMClassifier  # the name it had with one provider
