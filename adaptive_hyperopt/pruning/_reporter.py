"""The `trial` a two-argument objective receives: report intermediate values, learn when to stop."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import optuna

# Called with (trial number, step, value); answers whether the trial should stop. The driver
# behind it records the value in the study (the one writer) and asks the study's pruner.
Channel = Callable[[int, int, float], bool]


class TrialPruned(optuna.TrialPruned):
    """Raised to end a trial early; the trial is recorded as PRUNED, not failed."""


class Reporter:
    """Passed as `trial` to `objective(params, trial)`.

    Call `trial.report(value, step)` after each epoch (or fold, or boosting round). Either check
    `trial.should_prune()` yourself and raise `TrialPruned`, or never ask and let `report`
    raise it when the pruner decides. Once you have asked, `report` leaves the decision to you.
    """

    __slots__ = ("_asked", "_channel", "_prune", "number", "params")

    def __init__(self, number: int, params: dict[str, Any], channel: Channel) -> None:
        self.number = number
        self.params = params
        self._channel = channel
        self._prune = False
        self._asked = False

    def report(self, value: float, step: int) -> None:
        """Record the objective's `value` at `step` (an int >= 0, one report per step)."""
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"trial.report(value, step): step must be an int >= 0, got {step!r}")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"trial.report(value, step): value must be a number, got {value!r}"
            ) from None
        if math.isnan(number):
            raise ValueError("trial.report(value, step): value is NaN")
        self._prune = self._channel(self.number, step, number)
        if self._prune and not self._asked:
            raise TrialPruned(f"pruned at step {step} (value {number:.6g})")

    def should_prune(self) -> bool:
        """Whether the pruner wants this trial stopped, judged at the last report."""
        self._asked = True
        return self._prune

    def __repr__(self) -> str:
        return f"Reporter(number={self.number}, params={self.params!r})"
