"""What a single-objective proposer learns from: one loss per trial, ParEGO for several objectives.

Hyperopt and scikit-optimize model one loss. In a single-objective study a completed trial's
loss is its value (negated when maximizing). In a multi-objective study the bridges use ParEGO
(Knowles, "ParEGO: a hybrid algorithm with on-line landscape approximation for expensive
multiobjective optimization problems", IEEE TEVC 2006): before each proposal,

1. a weight vector w is drawn uniformly from the simplex (a flat Dirichlet: the continuous form
   of ParEGO's evenly spaced weights), from a generator seeded by `random_state`, so a seeded
   study proposes the same trials again;
2. every completed trial's values f_j become losses (maximized objectives negated), each
   normalized to [0, 1] by its observed range over the study's completed trials (an objective
   that has not varied yet counts 0);
3. each trial's loss is the augmented Chebyshev function
   `max_j(w_j f_j) + rho * sum_j(w_j f_j)` with rho = 0.05.

The proposer fits on those losses and proposes one trial; the next proposal draws other weights,
so over a study the proposals spread along the whole front. The max term makes every
Pareto-optimal point the optimum of some weight vector, on a non-convex front too (a weighted
sum cannot reach its hollows); the small sum term prefers, among weakly dominated points, the
one better in every objective. The Optuna study stays the ledger: every trial is recorded with
all its values, and each trial a bridge proposed this way records its weights in the user
attribute `ah.parego_weights`. Failed trials are handled as in a single-objective study;
a multi-objective study prunes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

#: The weight of the sum term in the augmented Chebyshev function (Knowles 2006).
RHO = 0.05
#: Trial user attribute: the weights of the scalarization a trial was proposed under.
ATTR_WEIGHTS = "ah.parego_weights"
_STREAM = 0x9A7E60  # keeps the weights' generator apart from the bridge's own, same seed


def minimization_form(values: np.ndarray, maximizes: Sequence[bool]) -> np.ndarray:
    """`values` (one row per trial) with maximized objectives negated: lower is better."""
    sign = np.where(np.asarray(maximizes, dtype=bool), -1.0, 1.0)
    return np.asarray(values, dtype=float) * sign


def normalized(losses: np.ndarray) -> np.ndarray:
    """Each column of `losses` scaled to [0, 1] by its range (a column with none: all 0)."""
    low, high = losses.min(axis=0), losses.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    return (losses - low) / width


def chebyshev(normed: np.ndarray, weights: np.ndarray, rho: float = RHO) -> np.ndarray:
    """The augmented Chebyshev loss of each row: max_j(w_j f_j) + rho * sum_j(w_j f_j)."""
    weighted = normed * weights
    return np.asarray(weighted.max(axis=1) + rho * weighted.sum(axis=1))


def non_dominated(losses: np.ndarray) -> np.ndarray:
    """A mask of the rows no other row dominates (lower is better; equal rows all stay)."""
    n = len(losses)
    if n == 0:
        return np.zeros(0, dtype=bool)
    if losses.shape[1] == 2:
        return _non_dominated_2d(losses)
    return _non_dominated_sweep(losses)


def _non_dominated_sweep(losses: np.ndarray) -> np.ndarray:
    """`non_dominated` for any number of objectives. In lexicographic order a row can only be
    dominated by an earlier one, and if it is, by an earlier row of the front (dominance is
    transitive): each row is compared with the front found so far."""
    n = len(losses)
    keep = np.zeros(n, dtype=bool)
    front: list[int] = []
    for i in np.lexsort(losses.T[::-1]):
        row = losses[i]
        if front:
            kept = losses[front]
            if np.any(np.all(kept <= row, axis=1) & np.any(kept < row, axis=1)):
                continue
        keep[i] = True
        front.append(int(i))
    return keep


def _non_dominated_2d(losses: np.ndarray) -> np.ndarray:
    """`non_dominated` for two objectives in O(n log n): sorted by (f1, f2), a row is dominated
    when an earlier row with a smaller f1 has f2 at most its own, or a row with its f1 has a
    smaller f2."""
    order = np.lexsort((losses[:, 1], losses[:, 0]))
    f1, f2 = losses[order, 0], losses[order, 1]
    start = np.r_[True, f1[1:] != f1[:-1]]  # the first row of each run of equal f1
    group = np.cumsum(start) - 1
    firsts = np.flatnonzero(start)
    group_min = f2[firsts]  # the smallest f2 of each run (sorted by f2 within it)
    before = np.minimum.accumulate(group_min)  # the smallest f2 up to and including each run
    smaller_f1 = np.r_[np.inf, before[:-1]][group]  # the smallest f2 among smaller f1
    dominated = (smaller_f1 <= f2) | (f2 > group_min[group])
    keep = np.empty(len(losses), dtype=bool)
    keep[order] = ~dominated
    return keep


class Losses:
    """Each finished trial's loss for a proposing bridge (lower is better).

    `update(study)` before a proposal: reads the study's directions and, when there are
    several, draws the next ParEGO weights and scalarizes every completed trial (see the
    module docstring). `loss(trial)` is then what the bridge learns from.
    """

    def __init__(self, seed: int | None) -> None:
        self._rng = np.random.default_rng(None if seed is None else [seed, _STREAM])
        self.maximizes: tuple[bool, ...] = (False,)
        #: The weights of the latest scalarization (None: one objective).
        self.weights: np.ndarray | None = None
        self._table: dict[int, float] = {}

    @property
    def multi(self) -> bool:
        """Whether the study has several objectives (then every proposal rescalarizes)."""
        return len(self.maximizes) > 1

    def update(self, study: optuna.Study) -> None:
        """Follow `study`'s directions; with several, draw weights and scalarize its trials."""
        self.maximizes = tuple(d == optuna.study.StudyDirection.MAXIMIZE for d in study.directions)
        if not self.multi:
            return
        self.weights = self._rng.dirichlet(np.ones(len(self.maximizes)))
        done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        done = [t for t in done if t.values is not None and np.all(np.isfinite(t.values))]
        self._table = {}
        if done:
            losses = minimization_form(np.array([t.values for t in done]), self.maximizes)
            scalars = chebyshev(normalized(losses), self.weights)
            self._table = {t.number: float(s) for t, s in zip(done, scalars, strict=True)}

    def loss(self, trial: FrozenTrial) -> float | None:
        """The loss of a COMPLETE trial (of a PRUNED one: its last reported value), else None.

        With several objectives, the scalarization of the latest `update` (None for a trial
        completed since).
        """
        if self.multi:
            return self._table.get(trial.number)
        value = trial.value
        if value is None:
            return None
        return -value if self.maximizes[0] else value

    def annotate(self, trial: optuna.Trial) -> None:
        """Record the weights `trial` was proposed under (several objectives only)."""
        if self.multi and self.weights is not None:
            trial.set_user_attr(ATTR_WEIGHTS, [round(float(w), 6) for w in self.weights])
