"""The Strategy contract: what a strategy sees at a checkpoint and what it may propose.

A checkpoint gives every installed strategy, in order, a `Context` (the current space, the
study's completed trials, the progress since the last checkpoint) and the dimensions as the
strategies before it left them. A strategy answers with a `Step`: new dimensions (each inside
the user's limits; the scheduler checks), a reason in words, and optionally a sampler to switch
to. The scheduler turns the steps of one checkpoint into one new space version.

In a multi-objective study (`ctx.multi`) there is no best value: `best`, `ranked` and `loss`
follow the front (`_front.py`), `front()` lists the non-dominated trials and `improvement` is
the front's hypervolume gain since the last checkpoint, as a fraction.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from ..backends._parego import non_dominated
from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension, Float, Int
from ._front import compromise, levels


@dataclass(frozen=True)
class Step:
    """A strategy's answer: dimensions to replace, why, and maybe a sampler to switch to."""

    reason: str
    dims: Mapping[str, Dimension] = field(default_factory=dict)
    sampler: Mapping[str, Any] | None = None  # a sampler_config for the backend


@dataclass
class Context:
    """What a strategy knows at a checkpoint."""

    space: SearchSpace
    study: optuna.Study
    trials: list[FrozenTrial]  # COMPLETE trials with finite values, oldest first
    maximize: bool  # one objective's direction (several objectives: see `maximizes`)
    trigger: str  # "interval" or "user"
    checkpoint: int  # how many checkpoints ran before this one
    n_finished: int  # finished trials of every state
    budget: int | None  # n_trials of this run, when known
    interval: int
    threshold: float  # min_improvement_threshold, in the objective's units
    beyond: bool  # whether a parameter the user never edited may go past its declared bounds
    improvement: float | None  # gain of the best since the last checkpoint (None: first one)
    active: tuple[str, ...] = ()  # names of the installed strategies
    notes: dict[str, Any] = field(default_factory=dict)  # what earlier strategies did
    #: Each objective's direction (True: maximize) when there are several, else empty.
    maximizes: tuple[bool, ...] = ()
    _scores: dict[int, tuple[int, float]] | None = field(default=None, init=False, repr=False)

    @property
    def multi(self) -> bool:
        """Whether the study has several objectives (adaptation then follows the front)."""
        return len(self.maximizes) > 1

    @property
    def stalled(self) -> bool:
        """Whether the best (several objectives: the front's hypervolume, as a fraction)
        improved by less than the threshold since the last checkpoint."""
        return self.improvement is not None and self.improvement < self.threshold

    def loss(self, trial: FrozenTrial) -> float:
        """The trial's value, lower is better (several objectives: the equal-weight augmented
        Chebyshev loss of its normalized values, a trial of `trials` only)."""
        if self.multi:
            return self._score()[trial.number][1]
        assert trial.value is not None
        return -trial.value if self.maximize else trial.value

    def ranked(self, trials: list[FrozenTrial] | None = None) -> list[FrozenTrial]:
        """`trials` (default: all completed ones), best first (several objectives: by Pareto
        level over the best quarter of all completed trials at least, then by `loss`)."""
        pool = self.trials if trials is None else trials
        if self.multi:
            scores = self._score()
            return sorted(pool, key=lambda t: scores[t.number])
        return sorted(pool, key=self.loss)

    @property
    def best(self) -> FrozenTrial | None:
        """The best completed trial (direction-aware; several objectives: the first of
        `ranked()`, the front's point closest to the ideal one)."""
        if self.multi:
            return self.ranked()[0] if self.trials else None
        return min(self.trials, key=self.loss) if self.trials else None

    def losses(self, trials: list[FrozenTrial]) -> np.ndarray:
        """The trials' values, one row each, with maximized objectives negated."""
        sign = np.array([-1.0 if up else 1.0 for up in self.maximizes or (self.maximize,)])
        return np.array([t.values for t in trials], dtype=float).reshape(len(trials), -1) * sign

    def front(self, trials: list[FrozenTrial] | None = None) -> list[FrozenTrial]:
        """The non-dominated trials among `trials` (default: all completed ones), oldest
        first; with one objective, the best trial alone."""
        pool = self.trials if trials is None else trials
        if not pool:
            return []
        if not self.multi:
            return [min(pool, key=self.loss)]
        mask = non_dominated(self.losses(pool))
        return [t for t, keep in zip(pool, mask, strict=True) if keep]

    def _score(self) -> dict[int, tuple[int, float]]:
        if self._scores is None:
            self._scores = {}
            if self.trials:
                losses = self.losses(self.trials)
                level = levels(losses, enough=math.ceil(len(self.trials) / 4))
                for t, lv, c in zip(self.trials, level, compromise(losses), strict=True):
                    self._scores[t.number] = (int(lv), float(c))
        return self._scores

    def value(self, trial: FrozenTrial, name: str) -> Any:
        """The trial's value of `name` as the objective received it (None when inactive)."""
        if name not in trial.params:
            return None
        declared = self.space.original[name]
        raw = trial.params[name]
        if isinstance(declared, Categorical):
            try:
                return declared.decode(raw)
            except KeyError:
                return None
        return raw

    def frame(self, name: str) -> tuple[float, float]:
        """The hard bounds adaptation keeps `name` inside.

        The user's range; for a parameter the user never edited, while going past the declared
        bounds is allowed, also as far as the current range already reaches.
        """
        limit = self.space.limit(name)
        assert isinstance(limit, Float | Int)
        low, high = float(limit.low), float(limit.high)
        dim = self.space[name]
        if self.beyond and name not in self.space.user and isinstance(dim, Float | Int):
            low, high = min(low, float(dim.low)), max(high, float(dim.high))
        return low, high

    def numeric(self, dims: Mapping[str, Dimension]) -> list[str]:
        """The numeric parameters adaptation may move: not frozen, not frozen by the user."""
        out = []
        for name in self.space.order:
            dim = dims[name]
            if (
                isinstance(dim, Float | Int)
                and not dim.frozen
                and not self.space.limit(name).frozen
            ):
                out.append(name)
        return out


class Strategy(ABC):
    """A way to adapt the space. Subclasses set `name` and implement `propose`.

    A strategy may keep state between checkpoints (a trust region's size, how long a parameter
    has been frozen); one instance serves one study.
    """

    name: str = ""

    @abstractmethod
    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """What to change, given the dimensions as earlier strategies left them (None: nothing
        to say). Return a Step without dims to explain why nothing changes."""


# Unit coordinates ---------------------------------------------------------------------------
# Strategies reason about numeric ranges in [0, 1] over a frame: linear or logarithmic as the
# parameter is, and for integers over [low - 0.5, high + 0.5] so every integer gets its share.


def _ends(dim: Float | Int, low: float, high: float) -> tuple[float, float]:
    if isinstance(dim, Int):
        low, high = low - 0.5, high + 0.5
    if dim.log:
        return math.log(low), math.log(high)
    return low, high


def to_unit(dim: Float | Int, frame: tuple[float, float], value: float) -> float:
    """`value` in unit coordinates of `frame` (may fall outside [0, 1])."""
    a, b = _ends(dim, *frame)
    x = math.log(value) if dim.log else float(value)
    return (x - a) / (b - a)


def span(dim: Float | Int, frame: tuple[float, float]) -> tuple[float, float]:
    """The unit interval of `frame` that `dim`'s current range covers ([0, 1]: all of it)."""
    a, b = _ends(dim, *frame)
    lo, hi = _ends(dim, float(dim.low), float(dim.high))
    return (lo - a) / (b - a), (hi - a) / (b - a)


def from_unit(dim: Float | Int, frame: tuple[float, float], u: float) -> float:
    """Inverse of `to_unit` (not rounded)."""
    a, b = _ends(dim, *frame)
    x = a + u * (b - a)
    return math.exp(x) if dim.log else x


def ranged(dim: Float | Int, frame: tuple[float, float], lo: float, hi: float) -> Float | Int:
    """`dim` over the unit interval [lo, hi] of `frame`, clipped to it and never empty."""
    f_low, f_high = frame
    low = min(max(from_unit(dim, frame, lo), f_low), f_high)
    high = min(max(from_unit(dim, frame, hi), f_low), f_high)
    if isinstance(dim, Int):
        ilow, ihigh = math.ceil(low - 1e-9), math.floor(high + 1e-9)
        if ihigh <= ilow:  # keep two integers at least
            ihigh = ilow + 1
            if ihigh > f_high:
                ilow, ihigh = int(f_high) - 1, int(f_high)
        return dim.with_range(max(ilow, int(f_low)), min(ihigh, int(f_high)))
    if high <= low:
        return dim
    return dim.with_range(low, high)


def completed(study: optuna.Study) -> list[FrozenTrial]:
    """The study's COMPLETE trials with finite values (every objective's), oldest first."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.values is not None and all(math.isfinite(v) for v in t.values)
    ]
