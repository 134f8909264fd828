"""The LLM options of the stage scripts (Claude's and an OpenAI-compatible server's), defined once.

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

`openai_options` does the same for the `openai` section (the `openai` backend: an OpenAI-compatible
server): `openai: LLMOptions = openai_defaults(P)` becomes `--openai-model`, `--openai-base-url`,
`--openai-api-key-env`, `--openai-structured-output`, ... `--openai-min-answered-share` (every key of
the section, prefixed). A stage takes both and uses the one its backend names (`options_for`).
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
from diffcurate.llm_openai import OpenAIConfig, StructuredOutput, parse_price
from diffcurate.params import StageDefaults

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class LLMOptions:
    """A stage's params.yaml `claude` or `openai` section: the client's settings and how prompts are grouped."""

    config: ClaudeConfig | OpenAIConfig
    prompts_per_request: int  # prompts (gapfill: slots of one cell) per request
    max_reasks: int  # rounds re-asking items whose answers were invalid or missing
    min_answered_share: float  # below this share of items answered, the stage fails (llm.require_answered)


ClaudeOptions = LLMOptions  # the `claude` section's (its name before there were two providers)


def options_for(backend: str, claude: LLMOptions, openai: LLMOptions) -> LLMOptions:
    """The options of the backend's section: `openai` for the openai backend, else `claude`."""
    return openai if backend == "openai" else claude


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


def openai_defaults(P: StageDefaults) -> LLMOptions:
    """The `openai` section of the stage's params.yaml."""
    return LLMOptions(
        config=OpenAIConfig(
            model=P("openai.model"),
            base_url=P("openai.base_url"),
            api_key_env=P("openai.api_key_env"),
            structured_output=P("openai.structured_output", StructuredOutput),
            temperature=parse_temperature(P("openai.temperature")),
            mode=P("openai.mode", LLMMode),
            concurrency=P("openai.concurrency"),
            max_retries=P("openai.max_retries"),
            timeout_s=P("openai.timeout_s"),
            price_input_per_mtok=parse_price(P("openai.price_input_per_mtok")),
            price_output_per_mtok=parse_price(P("openai.price_output_per_mtok")),
        ),
        prompts_per_request=P("openai.prompts_per_request"),
        max_reasks=P("openai.max_reasks"),
        min_answered_share=P("openai.min_answered_share"),
    )


def _checker(parse: Callable[[str], Any]) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            parse(value)
        except ConfigError as exc:
            raise typer.BadParameter(str(exc)) from None
        return value

    return check


_check_temperature = _checker(parse_temperature)
_check_price = _checker(parse_price)


def _blank(value: float | None) -> str:
    return "" if value is None else str(value)


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


def _replace_parameter(
    command: F, name: str, specs: list[tuple[str, type, dict, Callable[[LLMOptions], Any]]], build: Callable[[dict], LLMOptions]
) -> F:
    """Replace `command`'s parameter `name` (defaulting to an LLMOptions) by the options of `specs`;
    the wrapper builds the LLMOptions back from them (`build(values by option name)`)."""
    signature = inspect.signature(command)
    hints = get_type_hints(command, include_extras=True)
    default = signature.parameters[name].default
    if not isinstance(default, LLMOptions):
        raise TypeError(f"{command.__qualname__}: `{name}` must default to an LLMOptions ({name}_defaults(P))")
    params: list[inspect.Parameter] = []
    for p in signature.parameters.values():
        if p.name != name:
            params.append(p.replace(annotation=hints.get(p.name, p.annotation)))
            continue
        for option, kind, keywords, value in specs:
            annotation = Annotated[kind, typer.Option(**keywords)]
            params.append(inspect.Parameter(option, p.kind, default=value(default), annotation=annotation))

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        values = {option: kwargs.pop(option) for option, *_ in specs}
        return command(**kwargs, **{name: build(values)})

    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": hints.get("return")}
    return wrapper  # type: ignore[return-value]


def claude_options(command: F) -> F:
    """Replace `command`'s `claude: ClaudeOptions = claude_defaults(P)` parameter by the eight options."""

    def build(v: dict) -> LLMOptions:
        return LLMOptions(
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

    return _replace_parameter(command, "claude", _CLAUDE_PARAMS, build)


# The `openai` section's options, each `--openai-<key>`.
_OPENAI_PARAMS: list[tuple[str, type, dict, Callable[[LLMOptions], Any]]] = [
    (
        "openai_model",
        str,
        {"help": "Model name as the OpenAI-compatible server knows it (backend openai)."},
        lambda o: o.config.model,
    ),
    (
        "openai_base_url",
        str,
        {
            "help": "Server URL up to /v1: https://api.openai.com/v1, vLLM http://localhost:8000/v1, Ollama http://localhost:11434/v1."
        },
        lambda o: o.config.base_url,
    ),
    (
        "openai_api_key_env",
        str,
        {"help": "Name of the environment variable holding the API key; empty: send no key (a local server)."},
        lambda o: o.config.api_key_env,
    ),
    (
        "openai_structured_output",
        StructuredOutput,
        {"help": "json_schema (response_format), tools (a forced function call), or auto (json_schema, tools if refused)."},
        lambda o: o.config.structured_output,
    ),
    (
        "openai_temperature",
        str,
        {"callback": _check_temperature, "help": "Sampling temperature; empty: the model's default."},
        lambda o: _blank(o.config.temperature),
    ),
    (
        "openai_mode",
        LLMMode,
        {"help": "sync (Chat Completions) or batch (the OpenAI Batch API, half price; local servers have none)."},
        lambda o: o.config.mode,
    ),
    ("openai_concurrency", int, {"min": 1, "help": "Requests in flight at once (sync mode)."}, lambda o: o.config.concurrency),
    (
        "openai_max_retries",
        int,
        {"min": 0, "help": "Retries of 429, 5xx and timeouts (exponential backoff), and re-asks of malformed answers."},
        lambda o: o.config.max_retries,
    ),
    (
        "openai_timeout_s",
        float,
        {"min": 1.0, "help": "Seconds one request may take (a local model on a CPU may need minutes)."},
        lambda o: o.config.timeout_s,
    ),
    (
        "openai_price_input_per_mtok",
        str,
        {"callback": _check_price, "help": "USD per million input tokens, for the cost in metrics; empty: unknown (no cost)."},
        lambda o: _blank(o.config.price_input_per_mtok),
    ),
    (
        "openai_price_output_per_mtok",
        str,
        {"callback": _check_price, "help": "USD per million output tokens; empty: unknown (no cost)."},
        lambda o: _blank(o.config.price_output_per_mtok),
    ),
    ("openai_prompts_per_request", int, {"min": 1, "help": "Prompts asked in one request."}, lambda o: o.prompts_per_request),
    (
        "openai_max_reasks",
        int,
        {"min": 0, "help": "Rounds re-asking prompts whose answers were invalid or missing, before giving up on them."},
        lambda o: o.max_reasks,
    ),
    (
        "openai_min_answered_share",
        float,
        {
            "min": 0.0,
            "max": 1.0,
            "help": "Fail (exit 1, nothing written) when a smaller share of the items asked of the server got a usable answer.",
        },
        lambda o: o.min_answered_share,
    ),
]


def openai_options(command: F) -> F:
    """Replace `command`'s `openai: LLMOptions = openai_defaults(P)` parameter by the `--openai-*` options."""

    def build(v: dict) -> LLMOptions:
        return LLMOptions(
            config=OpenAIConfig(
                model=v["openai_model"],
                base_url=v["openai_base_url"],
                api_key_env=v["openai_api_key_env"],
                structured_output=StructuredOutput(v["openai_structured_output"]),
                temperature=parse_temperature(v["openai_temperature"]),
                mode=LLMMode(v["openai_mode"]),
                concurrency=v["openai_concurrency"],
                max_retries=v["openai_max_retries"],
                timeout_s=v["openai_timeout_s"],
                price_input_per_mtok=parse_price(v["openai_price_input_per_mtok"]),
                price_output_per_mtok=parse_price(v["openai_price_output_per_mtok"]),
            ),
            prompts_per_request=v["openai_prompts_per_request"],
            max_reasks=v["openai_max_reasks"],
            min_answered_share=v["openai_min_answered_share"],
        )

    return _replace_parameter(command, "openai", _OPENAI_PARAMS, build)
