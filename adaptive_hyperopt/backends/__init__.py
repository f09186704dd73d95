"""Backends propose parameters; the Optuna study records every trial whoever proposed it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..space import SearchSpace
from ._base import Backend
from ._ensemble import EnsembleBackend
from ._optuna import OptunaBackend, build_sampler

_EXTRAS = {"hyperopt": "hyperopt", "skopt": "skopt"}


def create_backend(
    name: str,
    sampler_config: Mapping[str, Any] | None,
    seed: int | None,
    space: SearchSpace | None = None,
) -> Backend:
    """The backend called `name`, configured from `sampler_config`.

    The Hyperopt and scikit-optimize bridges are imported here, so the core imports without
    those optional packages. "ensemble" is a portfolio of the others (`_ensemble.py`), its
    members given in `sampler_config`.
    """
    if name == "optuna":
        return OptunaBackend(sampler_config, seed, space)
    if name == "ensemble":
        return EnsembleBackend(sampler_config, seed, space)
    if name not in _EXTRAS:
        raise ValueError(
            f"backend must be one of 'optuna', 'hyperopt', 'skopt', 'ensemble', got {name!r}"
        )
    try:
        if name == "hyperopt":
            from ._hyperopt import HyperoptBackend as bridge
        else:
            from ._skopt import SkoptBackend as bridge  # type: ignore[assignment]
    except ImportError as exc:
        raise ImportError(
            f"backend={name!r} needs {exc.name or name!r}: "
            f"pip install 'adaptive-hyperopt[{_EXTRAS[name]}]'"
        ) from exc
    return bridge(sampler_config, seed, space)


__all__ = ["Backend", "EnsembleBackend", "OptunaBackend", "build_sampler", "create_backend"]
