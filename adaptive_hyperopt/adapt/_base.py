"""The Strategy contract: what a strategy sees at a checkpoint and what it may propose.

A checkpoint gives every installed strategy, in order, a `Context` (the current space, the
study's completed trials, the progress since the last checkpoint) and the dimensions as the
strategies before it left them. A strategy answers with a `Step`: new dimensions (each inside
the user's limits; the scheduler checks), a reason in words, and optionally a sampler to switch
to. The scheduler turns the steps of one checkpoint into one new space version.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension, Float, Int


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
    trials: list[FrozenTrial]  # COMPLETE trials with a finite value, oldest first
    maximize: bool
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

    @property
    def stalled(self) -> bool:
        """Whether the best improved by less than the threshold since the last checkpoint."""
        return self.improvement is not None and self.improvement < self.threshold

    def loss(self, trial: FrozenTrial) -> float:
        """The trial's value, lower is better."""
        assert trial.value is not None
        return -trial.value if self.maximize else trial.value

    def ranked(self, trials: list[FrozenTrial] | None = None) -> list[FrozenTrial]:
        """`trials` (default: all completed ones), best first."""
        return sorted(self.trials if trials is None else trials, key=self.loss)

    @property
    def best(self) -> FrozenTrial | None:
        """The best completed trial (direction-aware)."""
        return min(self.trials, key=self.loss) if self.trials else None

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
    """The study's COMPLETE trials with a finite value, oldest first."""
    return [
        t
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if t.value is not None and math.isfinite(t.value)
    ]
