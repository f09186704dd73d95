"""The result of a multi-objective study: its Pareto front and the hypervolume it dominates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume  # Optuna's exact WFG implementation

from .runner._driver import decode_params
from .space import SearchSpace


class ParetoPoint(NamedTuple):
    """One non-dominated trial: its number, parameters (the original objects) and values."""

    number: int
    params: dict[str, Any]
    values: tuple[float, ...]


class ParetoFront(list[ParetoPoint]):
    """The non-dominated trials of a study, with the hypervolume they dominate.

    `reference_point` is the user's, or by default the worst observed value of each objective
    moved 10% of its observed range further in the worse direction (so the extreme points of the
    front add volume). `hypervolume` is measured against it, in the objectives' own units.
    """

    def __init__(
        self,
        points: Sequence[ParetoPoint],
        directions: Sequence[str],
        reference_point: Sequence[float],
        hypervolume: float,
    ) -> None:
        super().__init__(points)
        self.directions = list(directions)
        self.reference_point = [float(r) for r in reference_point]
        self.hypervolume = hypervolume

    def __repr__(self) -> str:
        return (
            f"ParetoFront({len(self)} points, hypervolume={self.hypervolume:.6g}, "
            f"reference_point={self.reference_point})"
        )


def pareto_front(
    study: optuna.Study,
    space: SearchSpace,
    reference_point: Sequence[float] | None = None,
) -> ParetoFront:
    """The Pareto front of `study` (every COMPLETE trial counts, from this run or before)."""
    directions = [d.name.lower() for d in study.directions]
    sign = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    points = [
        ParetoPoint(t.number, decode_params(space, t.params), tuple(t.values))
        for t in sorted(study.best_trials, key=lambda t: t.number)
    ]
    if not complete:
        return ParetoFront([], directions, reference_point or [], 0.0)
    losses = np.array([t.values for t in complete]) * sign  # minimization form
    if reference_point is None:
        worst, best = losses.max(axis=0), losses.min(axis=0)
        ref = worst + 0.1 * np.where(worst > best, worst - best, np.maximum(abs(worst), 1.0))
    else:
        ref = np.asarray(reference_point, dtype=float) * sign
    front = np.array([p.values for p in points]) * sign
    inside = front[(front < ref).all(axis=1)]
    volume = float(compute_hypervolume(inside, ref)) if len(inside) else 0.0
    return ParetoFront(points, directions, ref * sign, volume)
