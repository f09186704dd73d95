"""The backend contract: a backend proposes parameters for a trial and learns from results.

Every trial lives in the Optuna study (the single ledger). A backend asks the study for a new
trial and fills it with parameters (so the study records every value and its distribution); it
is told each finished trial so model-based backends can update themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import optuna

from ..space import SearchSpace


class Backend(ABC):
    """Proposes parameters: `_optuna.py`, `_hyperopt.py`, `_skopt.py`, `_ensemble.py`."""

    #: Name recorded on every trial it proposes (user attribute `ah.backend`).
    name: str = ""
    #: Whether `tell` must be called (Optuna's samplers read the study instead).
    learns: bool = False

    @property
    @abstractmethod
    def sampler(self) -> optuna.samplers.BaseSampler:
        """The Optuna sampler the study is created with."""

    @abstractmethod
    def ask(self, study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
        """Start a trial in `study` with values for the active parameters of `space`.

        Returns the trial and the parameters as the objective receives them: original Python
        objects, inactive conditional parameters absent.
        """

    def tell(self, trial: optuna.trial.FrozenTrial) -> None:  # noqa: B027 - optional hook
        """Learn from a finished trial (Optuna's samplers read the study; nothing to do)."""

    def tell_many(self, trials: Sequence[optuna.trial.FrozenTrial]) -> None:
        """Learn from several finished trials at once (a model-based backend fits once)."""
        for trial in trials:
            self.tell(trial)

    def describe(self) -> str:
        """A short human description, e.g. "optuna/TPESampler"."""
        return f"{self.name}/{type(self.sampler).__name__}"
