"""The record every benchmark problem is defined as, and its metric."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from benchmarks.space import SpaceSpec, is_conditional, is_continuous

Objective = Callable[[Mapping[str, Any]], float]

#: Regrets below this are treated as exact hits (log10 regret floor of -12).
REGRET_FLOOR = 1e-12


@dataclass(frozen=True)
class Problem:
    """A benchmark problem: a DSL search space, a direction and an objective on a params dict.

    Synthetic problems carry their known optimum ``f_star`` (and a known optimiser
    ``argopt`` used by the tests); their metric is the log10 simple regret, lower is better.
    ML problems have ``f_star = None``; their metric is the best cross-validated score,
    higher is better.
    """

    name: str
    kind: Literal["synthetic", "ml"]
    space: SpaceSpec
    direction: Literal["minimize", "maximize"]
    objective: Objective
    f_star: float | None = None
    argopt: Mapping[str, Any] | None = None
    description: str = ""
    metric_name: str = field(default="")

    @property
    def continuous(self) -> bool:
        """Every parameter is an unconditional float."""
        return is_continuous(self.space)

    @property
    def conditional(self) -> bool:
        """Some parameter is conditional."""
        return is_conditional(self.space)

    @property
    def dims(self) -> int:
        """Number of parameters in the space (active or not)."""
        return len(self.space)

    @property
    def higher_is_better(self) -> bool:
        """Orientation of :meth:`metric` (not of the objective)."""
        return self.kind == "ml" and self.direction == "maximize"

    def metric(self, best: float) -> float:
        """The reported figure for a best-so-far objective value.

        Synthetic: ``log10(max(regret, 1e-12))`` with the regret taken in the problem's
        direction. ML: the best value itself.
        """
        if self.f_star is None:
            return float(best)
        regret = best - self.f_star if self.direction == "minimize" else self.f_star - best
        return math.log10(max(regret, REGRET_FLOOR))
