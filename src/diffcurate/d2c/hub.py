"""Pretrained models from a local folder or the Hugging Face Hub at an exact commit, in one place.

A local folder is loaded as it is (its origin is `local:<absolute folder>`); a Hub repo id has its
revision (a branch, tag or commit) resolved to the commit it points at now, and is loaded at that
commit, so the origin a stage records names exactly the weights it ran.

    vae, origin = from_pretrained(AutoencoderKL, "stabilityai/sd-vae-ft-ema", "main")
    tok = load_at(AutoTokenizer, name, origin)  # a second piece of the same repo, at the same commit
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from diffcurate.errors import DiffcurateError

LOCAL = "local:"  # origin prefix of a model loaded from a local folder


class ModelUnavailable(DiffcurateError, OSError):
    """A pretrained model could not be resolved or loaded (offline, a typo, a folder without weights)."""


def _one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def is_local(name: str | Path) -> bool:
    return Path(name).is_dir()


def resolve(name: str, revision: str) -> str:
    """`local:<folder>` for a local folder, else the commit `revision` of Hub repo `name` points at."""
    if is_local(name):
        return f"{LOCAL}{Path(name).resolve()}"
    from huggingface_hub import HfApi

    try:
        return HfApi().model_info(name, revision=revision).sha
    except Exception as exc:  # noqa: BLE001 — one network call: every failure means "not reachable"
        raise ModelUnavailable(
            f"{name}@{revision}: not a local folder, and the Hub does not resolve it ({_one_line(exc)})"
        ) from None


def load_at(cls: Any, name: str, origin: str, *, hub_subfolder: str | None = None, **kwargs: Any) -> Any:
    """`cls.from_pretrained` of `name` at an origin from `resolve`. `hub_subfolder`: where the model
    lives inside a Hub repo (a pipeline repo's `transformer`); a local folder is the model itself."""
    if origin.startswith(LOCAL):
        where, call = name, {}
    else:
        where, call = (
            f"{name}@{origin}",
            {"revision": origin} | ({"subfolder": hub_subfolder} if hub_subfolder is not None else {}),
        )
    try:
        return cls.from_pretrained(name, **call, **kwargs)
    except OSError as exc:  # transformers / diffusers: missing files, no weights, not downloadable
        raise ModelUnavailable(f"{where}: {cls.__name__} cannot be loaded ({_one_line(exc)})") from None


def from_pretrained(cls: Any, name: str, revision: str, *, hub_subfolder: str | None = None, **kwargs: Any) -> tuple[Any, str]:
    """(`cls.from_pretrained(...)`, its origin): a local folder as is, or Hub repo `name` at the
    commit `revision` resolves to. `kwargs` go to `from_pretrained` either way."""
    origin = resolve(name, revision)
    return load_at(cls, name, origin, hub_subfolder=hub_subfolder, **kwargs), origin
