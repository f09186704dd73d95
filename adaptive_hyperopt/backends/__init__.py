"""Backends propose parameters; the Optuna study records every trial whoever proposed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..space import SearchSpace
from ._base import Backend
from ._optuna import OptunaBackend, build_sampler

_PLANNED = {
    "hyperopt": "the Hyperopt backend (issue: Hyperopt and scikit-optimize backends)",
    "skopt": "the scikit-optimize backend (issue: Hyperopt and scikit-optimize backends)",
}


def create_backend(
    name: str,
    sampler_config: Mapping[str, Any] | None,
    seed: int | None,
    space: SearchSpace | None = None,
) -> Backend:
    """The backend called `name`, configured from `sampler_config`."""
    if name == "optuna":
        return OptunaBackend(sampler_config, seed, space)
    if name in _PLANNED:
        raise NotImplementedError(f"backend={name!r} needs {_PLANNED[name]}, not built yet")
    raise ValueError(f"backend must be one of 'optuna', 'hyperopt', 'skopt', got {name!r}")


__all__ = ["Backend", "OptunaBackend", "build_sampler", "create_backend"]
