"""Phrase templates of the offline generator: `[a|b|c]` alternatives, drawn when a phrase is used."""

from __future__ import annotations

import random
import re

_ALT = re.compile(r"\[([^\[\]]*)\]")


def realize(template: str, rng: random.Random) -> str:
    """`template` with every `[a|b|c]` replaced by one of its alternatives (innermost first, so they nest)."""
    while "[" in template:
        template = _ALT.sub(lambda m: _pick(rng, m.group(1).split("|")), template)
    return " ".join(template.split())  # an empty alternative leaves no double space


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]
