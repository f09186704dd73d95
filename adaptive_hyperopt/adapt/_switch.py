"""Switch: change the sampler as the study matures, by problem shape and budget.

Only for the Optuna backend, and only while the user did not choose `sampler_type` (a choice is
respected). The phases:

1. Model-based search: the configured sampler (TPE unless the user chose otherwise), which
   handles every kind of parameter and conditions.
2. Local refinement: once `refine_after` of the budget is spent, with at least `min_remaining`
   trials left, a space of numeric parameters only and the `cmaes` package installed, CMA-ES
   takes over inside the current region, warm-started from the trials already in it
   (WS-CMA-ES; see backends/_optuna.py). CMA-ES cannot sample categoricals or conditions, and
   needs a few generations (about 4 + 3 ln d trials each) to pay off, hence the conditions.
3. When the trust region restarts on the whole space, back to phase 1: a global search again.

A multi-objective study stays in phase 1: Optuna's CMA-ES is single-objective.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from ..space._dimensions import Dimension, Float, Int
from ._base import Context, Step, Strategy


class SwitchSampler(Strategy):
    """The `switch` strategy."""

    name = "switch"

    def __init__(
        self,
        base: Mapping[str, Any] | None = None,
        refine_after: float = 0.5,
        min_remaining: int = 30,
    ) -> None:
        self.base = dict(base or {})  # the sampler_config of phase 1
        self.refine_after = refine_after
        self.min_remaining = min_remaining
        self.phase = "model"

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Move to the next phase when its conditions hold (see the module docstring)."""
        if self.phase == "refine" and ctx.notes.get("restarted"):
            self.phase = "model"
            return Step("trust region restarted: back to the global sampler", sampler=self.base)
        if self.phase != "model" or ctx.budget is None or ctx.multi:
            return None
        remaining = ctx.budget - ctx.n_finished
        if ctx.n_finished < self.refine_after * ctx.budget or remaining < self.min_remaining:
            return None
        numeric = all(
            isinstance(dims[n], Float | Int) and dims[n].condition is None for n in ctx.space
        )
        if not numeric or importlib.util.find_spec("cmaes") is None:
            return None
        self.phase = "refine"
        config = {"sampler_type": "cmaes", "warn_independent_sampling": False}
        return Step(
            f"{ctx.n_finished} of {ctx.budget} trials spent on a numeric space: CMA-ES refines "
            "inside the current region, warm-started from its trials",
            sampler=config,
        )
