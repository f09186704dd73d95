"""The backend contract: a backend proposes parameters for a trial and learns from results.

Every trial lives in the Optuna study (the single ledger). A backend gets the Optuna trial the
driver asked for and fills it with parameters (so the study records every value and its
distribution); it is told each finished trial so model-based backends can update themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import optuna

from ..space import SearchSpace


class Backend(ABC):
    """Proposes parameters. Implementations: `_optuna.py` (more to come)."""

    #: Name recorded on every trial it proposes (user attribute `ah.backend`).
    name: str = ""

    @property
    @abstractmethod
    def sampler(self) -> optuna.samplers.BaseSampler:
        """The Optuna sampler the study is created with."""

    @abstractmethod
    def suggest(self, trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
        """Choose values for the active parameters of `space`, recording them in `trial`.

        Returns the parameters as the objective receives them: original Python objects,
        inactive conditional parameters absent.
        """

    def tell(self, trial: optuna.trial.FrozenTrial) -> None:  # noqa: B027 - optional hook
        """Learn from a finished trial (Optuna's samplers read the study; nothing to do)."""

    def describe(self) -> str:
        """A short human description, e.g. "optuna/TPESampler"."""
        return f"{self.name}/{type(self.sampler).__name__}"
