"""How adaptation reads a multi-objective study: the front, a ranking, and progress.

A multi-objective study has no best trial, so the strategies read three things instead
(objectives in minimization form, each normalized by its observed range over the completed
trials, as ParEGO does in `backends/_parego.py`):

- the **front**: the non-dominated completed trials;
- a **ranking** where one is needed (the top trials, the value a parameter is frozen at): by
  Pareto level (non-dominated sorting: the front, then the front of the rest, ...) for the
  best quarter of the trials at least, ties and the rest ordered by the equal-weight augmented
  Chebyshev loss, which prefers the front's compromise points (peeling every level would cost
  a checkpoint seconds on a long study, and only the top of the ranking is read);
- **progress**: the hypervolume the front gained since the last checkpoint, as a fraction of
  its hypervolume now (reference point 1.1 in every normalized objective, both fronts
  normalized alike), compared with `min_improvement_threshold`.
"""

from __future__ import annotations

import numpy as np
from optuna._hypervolume import compute_hypervolume  # Optuna's exact WFG implementation

from ..backends._parego import chebyshev, non_dominated, normalized

#: The reference point of the progress measure, in every normalized objective.
REFERENCE = 1.1


def levels(losses: np.ndarray, enough: int | None = None) -> np.ndarray:
    """Each row's Pareto level: 0 for the non-dominated rows, 1 for the front of the rest, ...

    With `enough`, peeling stops once that many rows have a level; the others share the next.
    """
    out = np.full(len(losses), -1, dtype=int)
    left = np.arange(len(losses))
    level = 0
    while len(left):
        if enough is not None and len(losses) - len(left) >= enough:
            out[left] = level
            break
        mask = non_dominated(losses[left])
        out[left[mask]] = level
        left = left[~mask]
        level += 1
    return out


def compromise(losses: np.ndarray) -> np.ndarray:
    """Each row's equal-weight augmented Chebyshev loss over the normalized objectives."""
    m = losses.shape[1]
    return chebyshev(normalized(losses), np.full(m, 1.0 / m))


def front_gain(losses: np.ndarray, previous: np.ndarray) -> float:
    """The hypervolume the front of `losses` adds to the front `previous` (both minimization
    form, normalized by the range of `losses`), as a fraction of its own hypervolume."""
    low, high = losses.min(axis=0), losses.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    ref = np.full(losses.shape[1], REFERENCE)

    def volume(points: np.ndarray) -> float:
        scaled = np.minimum((points - low) / width, REFERENCE)
        inside = scaled[(scaled < ref).all(axis=1)]
        return float(compute_hypervolume(inside, ref)) if len(inside) else 0.0

    now = volume(losses[non_dominated(losses)])
    if now <= 0:
        return 0.0
    before = volume(previous[non_dominated(previous)]) if len(previous) else 0.0
    return max(now - before, 0.0) / now
