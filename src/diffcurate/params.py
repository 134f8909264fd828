"""params.yaml is the one place a stage's defaults live.

`dvc.yaml` passes every value as `--option ${stage.key}`; a stage run by hand takes the same
values from params.yaml through its option defaults:

    P = stage_defaults("train", __file__)
    lr: Annotated[float, typer.Option(help="...")] = P("lr")

so `python stages/train.py` runs what `dvc repro` runs, and a typo in a key fails at import.
"""

from __future__ import annotations

from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from diffcurate.errors import DiffcurateError

PARAMS_FILE = "params.yaml"
E = TypeVar("E", bound=Enum)


class ParamsError(DiffcurateError):
    """params.yaml is missing, malformed, or lacks a key a stage reads."""


def find_params(start: Path | str) -> Path:
    """params.yaml in `start`'s folder or the nearest folder above it (a stage script's repository)."""
    here = Path(start).resolve()
    for folder in [here, *here.parents] if here.is_dir() else here.parents:
        if (folder / PARAMS_FILE).is_file():
            return folder / PARAMS_FILE
    raise ParamsError(f"no {PARAMS_FILE} in {here} or any folder above it")


@cache
def load_params(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of stage sections at the top level")
    return data


def lookup(params: dict[str, Any], key: str, path: Path | str = PARAMS_FILE) -> Any:
    """The value at a dotted key (`train.lr`, `classify.claude.model`)."""
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ParamsError(f"{path}: no key {key!r}")
        node = node[part]
    return node


class StageDefaults:
    """Callable view of one params.yaml section: `P("lr")`, `P("claude.model")`, `P("precision", Precision)`."""

    def __init__(self, section: str, path: Path) -> None:
        self.section = section
        self.path = path

    def __call__(self, key: str, enum: type[E] | None = None) -> Any:
        value = lookup(load_params(self.path), f"{self.section}.{key}", self.path)
        if enum is not None:
            try:
                return enum(value)
            except ValueError:
                raise ParamsError(
                    f"{self.path}: {self.section}.{key} = {value!r}; expected one of {[e.value for e in enum]}"
                ) from None
        return value


def stage_defaults(section: str, script: Path | str) -> StageDefaults:
    """The defaults of `section`, read from the params.yaml of the repository `script` lives in."""
    return StageDefaults(section, find_params(script))
