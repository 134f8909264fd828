"""The Claude options of the stage scripts, defined once.

`classify`, `gapfill` and `expand` each have a `claude` section in params.yaml with the same eight
keys. `claude_options` gives a stage command those eight options and hands them to it as one
`ClaudeOptions`, built in one place:

    P = stage_defaults("gapfill", __file__)

    @app.command()
    @claude_options
    def main(..., claude: ClaudeOptions = claude_defaults(P), ...) -> None:
        client = ClaudeClient(claude.config)

The `claude` parameter is replaced, in place, by `--claude-model`, `--claude-temperature`,
`--claude-mode`, `--claude-concurrency`, `--claude-max-retries`, `--prompts-per-request`,
`--max-reasks` and `--claude-min-answered-share`, whose defaults are the stage's params.yaml values (`claude_defaults(P)`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, get_type_hints

import typer

from diffcurate.errors import ConfigError
from diffcurate.llm import ClaudeConfig, LLMMode, parse_temperature
from diffcurate.params import StageDefaults

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ClaudeOptions:
    """A stage's params.yaml `claude` section: the client's settings and how prompts are grouped."""

    config: ClaudeConfig
    prompts_per_request: int  # prompts (gapfill: slots of one cell) per request
    max_reasks: int  # rounds re-asking items whose answers were invalid or missing
    min_answered_share: float  # below this share of items answered, the stage fails (llm.require_answered)


def claude_defaults(P: StageDefaults) -> ClaudeOptions:
    """The `claude` section of the stage's params.yaml."""
    return ClaudeOptions(
        config=ClaudeConfig(
            model=P("claude.model"),
            temperature=parse_temperature(P("claude.temperature")),
            mode=P("claude.mode", LLMMode),
            concurrency=P("claude.concurrency"),
            max_retries=P("claude.max_retries"),
        ),
        prompts_per_request=P("claude.prompts_per_request"),
        max_reasks=P("claude.max_reasks"),
        min_answered_share=P("claude.min_answered_share"),
    )


def _check_temperature(value: str) -> str:
    try:
        parse_temperature(value)
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


# (parameter name, type, typer.Option keywords, default from ClaudeOptions): the eight options, once.
_CLAUDE_PARAMS: list[tuple[str, type, dict, Callable[[ClaudeOptions], Any]]] = [
    ("claude_model", str, {"help": "Claude model (backend claude)."}, lambda o: o.config.model),
    (
        "claude_temperature",
        str,
        {"callback": _check_temperature, "help": "Sampling temperature; empty: the model's default."},
        lambda o: "" if o.config.temperature is None else str(o.config.temperature),
    ),
    (
        "claude_mode",
        LLMMode,
        {"help": "sync (Messages API) or batch (Message Batches API, half price)."},
        lambda o: o.config.mode,
    ),
    ("claude_concurrency", int, {"min": 1, "help": "Requests in flight at once (sync mode)."}, lambda o: o.config.concurrency),
    (
        "claude_max_retries",
        int,
        {"min": 0, "help": "Retries of rate limits, overloads, 5xx and timeouts, and re-asks of malformed answers."},
        lambda o: o.config.max_retries,
    ),
    ("prompts_per_request", int, {"min": 1, "help": "Prompts asked in one request."}, lambda o: o.prompts_per_request),
    (
        "max_reasks",
        int,
        {"min": 0, "help": "Rounds re-asking prompts whose answers were invalid or missing, before giving up on them."},
        lambda o: o.max_reasks,
    ),
    (
        "claude_min_answered_share",
        float,
        {
            "min": 0.0,
            "max": 1.0,
            "help": "Fail (exit 1, nothing written) when a smaller share of the items asked of Claude got a usable answer.",
        },
        lambda o: o.min_answered_share,
    ),
]


def claude_options(command: F) -> F:
    """Replace `command`'s `claude: ClaudeOptions = claude_defaults(P)` parameter by the eight options."""
    signature = inspect.signature(command)
    hints = get_type_hints(command, include_extras=True)
    default = signature.parameters["claude"].default
    if not isinstance(default, ClaudeOptions):
        raise TypeError(f"{command.__qualname__}: `claude` must default to a ClaudeOptions (claude_defaults(P))")
    params: list[inspect.Parameter] = []
    for p in signature.parameters.values():
        if p.name != "claude":
            params.append(p.replace(annotation=hints.get(p.name, p.annotation)))
            continue
        for name, kind, option, value in _CLAUDE_PARAMS:
            annotation = Annotated[kind, typer.Option(**option)]
            params.append(inspect.Parameter(name, p.kind, default=value(default), annotation=annotation))

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        v = {name: kwargs.pop(name) for name, *_ in _CLAUDE_PARAMS}
        claude = ClaudeOptions(
            config=ClaudeConfig(
                model=v["claude_model"],
                temperature=parse_temperature(v["claude_temperature"]),
                mode=LLMMode(v["claude_mode"]),
                concurrency=v["claude_concurrency"],
                max_retries=v["claude_max_retries"],
            ),
            prompts_per_request=v["prompts_per_request"],
            max_reasks=v["max_reasks"],
            min_answered_share=v["claude_min_answered_share"],
        )
        return command(**kwargs, claude=claude)

    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": hints.get("return")}
    return wrapper  # type: ignore[return-value]
