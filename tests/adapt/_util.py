"""Studies made of hand-placed trials, and strategy contexts over them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import optuna

from adaptive_hyperopt.adapt._base import Context
from adaptive_hyperopt.adapt._scheduler import make_context
from adaptive_hyperopt.backends._space_sampler import distribution
from adaptive_hyperopt.space import SearchSpace


def study_of(
    space: SearchSpace,
    points: list[Mapping[str, Any]],
    objective: Callable[[Mapping[str, Any]], float],
    direction: str = "minimize",
) -> optuna.Study:
    """A study holding one COMPLETE trial per point, recorded under `space`."""
    study = optuna.create_study(direction=direction)
    for point in points:
        params, dists = {}, {}
        for name, value in point.items():
            declared = space.original[name]
            dists[name] = distribution(space[name], declared)
            params[name] = declared.encode(value) if hasattr(declared, "encode") else value  # type: ignore[attr-defined]
        study.add_trial(
            optuna.trial.create_trial(params=params, distributions=dists, value=objective(point))
        )
    return study


def context(
    space: SearchSpace,
    study: optuna.Study,
    last_best: float | None = None,
    beyond: bool = False,
    active: tuple[str, ...] = (),
    threshold: float = 0.001,
    checkpoint: int = 0,
) -> Context:
    return make_context(
        space,
        study,
        trigger="interval",
        threshold=threshold,
        beyond=beyond,
        checkpoint=checkpoint,
        last_best=last_best,
        active=active,
    )
