"""What the proposing bridges (Hyperopt, scikit-optimize) share: pinned values, choice indices,
which stored trials fit the current space, and recording a proposal as an Optuna trial."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension
from ._optuna import suggest_dimension


def pinned(dim: Dimension) -> tuple[Any] | None:
    """`(value,)` when `dim` takes a single value (frozen, or one choice left), else None."""
    if dim.frozen:
        return (dim.frozen_value,)
    if isinstance(dim, Categorical) and len(dim.choices) == 1:
        return (dim.choices[0],)
    return None


def choice_index(dim: Categorical, value: Any) -> int:
    """The position of `value` among the choices of `dim`."""
    index = dim.index(value)
    if index is None:
        raise KeyError(value)
    return index


def fitting_params(frozen: FrozenTrial, space: SearchSpace) -> dict[str, Any] | None:
    """The trial's active parameters as original objects, or None when they leave `space`.

    Activity follows the trial's own values; frozen parameters are not checked.
    """
    params: dict[str, Any] = {}
    for name in space.order:
        if not space.is_active(name, params):
            continue
        if name not in frozen.params:
            return None
        dim = space[name]
        value = frozen.params[name]
        if isinstance(dim, Categorical):
            declared = space.original[name]
            assert isinstance(declared, Categorical)
            try:
                value = declared.decode(value)
            except KeyError:
                return None
        if not dim.frozen and not dim.contains(value):
            return None
        params[name] = value
    return params


def _stored(space: SearchSpace, name: str, value: Any) -> Any:
    declared = space.original[name]
    return declared.encode(value) if isinstance(declared, Categorical) else value


def record(
    study: optuna.Study, space: SearchSpace, proposal: dict[str, Any]
) -> tuple[optuna.Trial, dict[str, Any]]:
    """Start a trial holding `proposal`, so the study records every value and distribution.

    The values come back through Optuna's suggest calls; a trial someone else enqueued first is
    served first, and the returned parameters are what the trial really holds.
    """
    study.enqueue_trial({name: _stored(space, name, value) for name, value in proposal.items()})
    trial = study.ask()
    params: dict[str, Any] = {}
    try:
        for name in space.order:
            if space.is_active(name, params):
                params[name] = suggest_dimension(trial, space[name], space.original[name])
    except BaseException as exc:  # never leave a RUNNING trial behind, even on Ctrl-C
        trial.set_user_attr("ah.fail_reason", f"sampler error: {type(exc).__name__}: {exc}")
        study.tell(trial, state=TrialState.FAIL)
        raise
    return trial, params
