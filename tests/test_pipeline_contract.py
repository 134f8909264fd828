"""The DVC graph is the truth: every stage declares every library module it runs, and its CLI
defaults are params.yaml's values (one source), so `dvc repro` re-runs a stage whenever code it
uses changes and a stage run by hand runs what `dvc repro` runs."""

from __future__ import annotations

import ast
import dataclasses
import re
import shlex
from enum import Enum
from pathlib import Path

import pytest
import typer
import yaml
from conftest import REPO, load_stage

from diffcurate import params

SRC = REPO / "src"
DVC = yaml.safe_load((REPO / "dvc.yaml").read_text())
PARAMS = yaml.safe_load((REPO / "params.yaml").read_text())
STAGES = DVC["stages"]


def stage_script(stage: str) -> Path:
    words = shlex.split(STAGES[stage]["cmd"])
    assert words[0] == "python" and words[1].startswith("stages/"), f"{stage}: cmd should run `python stages/<name>.py`"
    return REPO / words[1]


def module_file(name: str) -> Path | None:
    """src/diffcurate/a/b.py or src/diffcurate/a/b/__init__.py for `diffcurate.a.b`; None outside diffcurate."""
    if name != "diffcurate" and not name.startswith("diffcurate."):
        return None
    base = SRC.joinpath(*name.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def imported_modules(path: Path) -> set[str]:
    """Every module an `import` in `path` names (top level and inside functions: lazy imports run too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = None
    if path.is_relative_to(SRC):
        parts = path.relative_to(SRC).with_suffix("").parts
        package = ".".join(parts if path.name == "__init__.py" else parts[:-1])
        package = package.removesuffix(".__init__")
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                assert package, f"{path}: relative import outside the package"
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            names.add(mod)
            # `from diffcurate.d2c import dit` imports the submodule dit.
            names.update(f"{mod}.{a.name}" for a in node.names if module_file(f"{mod}.{a.name}"))
    return names


def library_closure(script: Path) -> set[Path]:
    """The diffcurate files a script runs: its imports, theirs, and every package __init__ on the way."""
    seen: set[Path] = set()
    todo = [script]
    while todo:
        for name in imported_modules(todo.pop()):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ first
                f = module_file(".".join(parts[:i]))
                if f is not None and f not in seen:
                    seen.add(f)
                    todo.append(f)
    return seen


def test_closure_follows_lazy_and_relative_imports(tmp_path: Path) -> None:
    closure = {p.relative_to(REPO).as_posix() for p in library_closure(REPO / "stages/download.py")}
    assert "src/diffcurate/__init__.py" in closure and "src/diffcurate/io.py" in closure
    assert "src/diffcurate/sources/__init__.py" in closure


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_deps_cover_every_module_it_imports(stage: str) -> None:
    script = stage_script(stage)
    deps = [REPO / d for d in STAGES[stage].get("deps", [])]
    assert script in deps, f"dvc.yaml {stage}: deps should list {script.relative_to(REPO)}"

    def covered(f: Path) -> bool:
        return any(f == d or (d.is_dir() and f.is_relative_to(d)) for d in deps)

    missing = sorted(f.relative_to(REPO).as_posix() for f in library_closure(script) if not covered(f))
    assert not missing, f"dvc.yaml {stage}: deps miss library modules the stage runs: {missing}"


# --- one source of defaults ------------------------------------------------------------------

PARAM_REF = re.compile(r"^\$\{([\w.]+)\}$")


def cmd_options(stage: str) -> dict[str, str]:
    """`--name value` pairs of a stage's cmd (values as written: `${a.b}` or a literal)."""
    words = shlex.split(STAGES[stage]["cmd"])[2:]
    out, i = {}, 0
    while i < len(words):
        assert words[i].startswith("--"), f"dvc.yaml {stage}: unexpected word {words[i]!r} in cmd"
        if i + 1 < len(words) and not words[i + 1].startswith("--"):
            out[words[i]] = words[i + 1]
            i += 2
        else:
            out[words[i]] = ""
            i += 1
    return out


def lookup(key: str):
    return params.lookup(PARAMS, key)


def plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    return value


def click_options(stage: str) -> dict[str, object]:
    command = typer.main.get_command(load_stage(stage_script(stage).stem).app)
    return {opt: param for param in command.params for opt in param.opts}


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_cli_defaults_are_params_yaml(stage: str) -> None:
    """Every `--opt ${key}` of the cmd defaults to params.yaml's value; every literal path to itself."""
    options = click_options(stage)
    wrong = []
    for opt, value in cmd_options(stage).items():
        assert opt in options, f"dvc.yaml {stage}: {opt} is not an option of {stage_script(stage).name}"
        param = options[opt]
        m = PARAM_REF.match(value)
        expected = lookup(m.group(1)) if m else value
        got = plain(param.default)
        if isinstance(expected, bool) or isinstance(got, bool):
            ok = got == expected
        elif isinstance(expected, int | float) and isinstance(got, int | float):
            ok = float(got) == float(expected)
        else:
            ok = str(got) == str(expected)
        if not ok:
            wrong.append(f"{opt}: CLI default {got!r}, dvc.yaml/params.yaml {expected!r}")
    assert not wrong, f"{stage}: CLI defaults disagree with what `dvc repro` runs: {wrong}"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_option_has_help(stage: str) -> None:
    missing = [
        p.opts[0]
        for p in typer.main.get_command(load_stage(stage_script(stage).stem).app).params
        if isinstance(p, typer.core.TyperOption) and not p.help
    ]
    assert not missing, f"{stage}: options without help: {missing}"


def leaf_keys(node, prefix: str) -> list[str]:
    if isinstance(node, dict):
        return [k for key, value in node.items() for k in leaf_keys(value, f"{prefix}.{key}")]
    return [prefix]


@pytest.mark.parametrize("section", sorted(PARAMS))
def test_every_param_reaches_a_stage(section: str) -> None:
    """A params.yaml key no cmd passes would be a default nobody runs (or a typo)."""
    used = {m.group(1) for stage in STAGES for v in cmd_options(stage).values() if (m := PARAM_REF.match(v))}
    dead = [k for k in leaf_keys(PARAMS[section], section) if k not in used]
    assert not dead, f"params.yaml keys no stage passes: {dead}"


# Library config dataclasses whose fields mirror params sections (field name = params key).
CONFIG_SECTIONS = {
    "diffcurate.download:DownloadConfig": ["download"],
    "diffcurate.neardup:NearDupConfig": ["download.near_dup"],
    "diffcurate.classify.run:ClassifyConfig": ["classify"],
    "diffcurate.classify.embedding:EmbeddingConfig": ["classify.embedding"],
    "diffcurate.llm:ClaudeConfig": ["classify.claude", "gapfill.claude", "expand.claude"],
    "diffcurate.llm_openai:OpenAIConfig": ["classify.openai", "gapfill.openai", "expand.openai"],
    "diffcurate.generate.gapfill:GapfillConfig": ["gapfill"],
    "diffcurate.generate.expand:ExpandConfig": ["expand"],
    "diffcurate.balance:BalanceConfig": ["balance"],
    "diffcurate.d2c.encode:EncodeConfig": ["encode"],
    "diffcurate.d2c.training:TrainConfig": ["pretrain", "train"],
    "diffcurate.d2c.score:ScoreConfig": ["score"],
    "diffcurate.d2c.student:StudentConfig": ["train"],
}


def test_config_dataclass_defaults_agree_with_params() -> None:
    """A library config's field default, where it has one, is params.yaml's value for every section using it."""
    import importlib

    wrong = []
    for name, sections in CONFIG_SECTIONS.items():
        module, _, attr = name.partition(":")
        cls = getattr(importlib.import_module(module), attr)
        for field in dataclasses.fields(cls):
            if field.default is dataclasses.MISSING:
                continue
            for section in sections:
                try:
                    expected = lookup(section + "." + field.name)
                except params.ParamsError:
                    continue
                got = plain(field.default)
                if (
                    (float(got) != float(expected))
                    if isinstance(expected, int | float) and not isinstance(expected, bool)
                    else (str(got) != str(expected))
                ):
                    wrong.append(f"{cls.__name__}.{field.name} = {got!r}, params.yaml {section}.{field.name} = {expected!r}")
    assert not wrong, wrong


def test_stage_defaults_read_params_yaml(tmp_path: Path) -> None:
    from diffcurate.params import ParamsError, stage_defaults

    (tmp_path / "params.yaml").write_text("train:\n  lr: 0.5\n  precision: bf16\n")
    (tmp_path / "stages").mkdir()
    P = stage_defaults("train", tmp_path / "stages" / "x.py")

    class Prec(Enum):
        NO = "no"
        BF16 = "bf16"

    assert P("lr") == 0.5 and P("precision", Prec) is Prec.BF16
    with pytest.raises(ParamsError, match="no key 'train.lrr'"):
        P("lrr")


def test_params_survive_dvc_exp_set(tmp_path: Path) -> None:
    """`dvc exp run -S key=value` rewrites params.yaml (DVC's YAML 1.2 round trip drops quotes); every
    other value must read back the same to the stages (YAML 1.1), or an experiment fails at start:
    `train.precision: "no"` came back as a bare `no`, which the stages read as false."""
    from dvc.utils.serialize import modify_yaml

    path = tmp_path / "params.yaml"
    path.write_text((REPO / "params.yaml").read_text())
    with modify_yaml(path) as data:
        data["train"]["steps"] = PARAMS["train"]["steps"] + 1
    after = params.load_params(path)
    after["train"]["steps"] -= 1
    assert after == PARAMS
