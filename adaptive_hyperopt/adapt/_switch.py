"""Switch: change the sampler as the study matures, by problem shape.

Only for the Optuna backend, and only while the user did not choose `sampler_type` (a choice is
respected). The phases:

1. Global search: the configured sampler (TPE unless the user chose otherwise; its first 10
   trials are random, Optuna's startup), which handles every kind of parameter and conditions.
2. Local refinement: from the first checkpoint with at least `min_trials` completed trials, a
   Gaussian process takes over: `LocalGPSampler` (backends/_local_gp.py), fitted to the trials
   near the current region and proposing by expected improvement inside it, as TuRBO does
   inside its trust region. The whole-space share samples the whole space with it too; once
   the region has converged, every other share trial is an escape: the region's best trial
   with one parameter moved out, chosen by an additive model of all trials. It
   needs no PyTorch (numpy and scipy). On a conditional space it models every branch at once,
   a parameter a branch does not use imputed with a constant.
3. When the trust region collapses and restarts on the whole space, a fresh Gaussian process
   that models only the trials from then on (its first 10 drawn uniformly), as TuRBO restarts
   from scratch: a model that still saw the old basin would lead straight back to it. When it
   moves to another basin instead, the model keeps the whole history (it models the trials
   near the new box, and proposes from the box's own best).

A multi-objective study stays in phase 1: the model is single-objective.
"""

from __future__ import annotations

from typing import Any

from ..space._dimensions import Dimension
from ._base import Context, Step, Strategy

#: The sampler of the refinement phase.
LOCAL_GP: dict[str, Any] = {"sampler_type": "local_gp"}


class SwitchSampler(Strategy):
    """The `switch` strategy."""

    name = "switch"

    def __init__(self, min_trials: int = 10) -> None:
        self.min_trials = min_trials
        self.phase = "global"

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Move to local refinement when its conditions hold (see the module docstring)."""
        since = ctx.notes.get("restarted")
        if self.phase == "local" and since is not None:
            reason = (
                f"trust region restarted: the Gaussian process starts afresh from trial #{since}"
                if since
                else "trust region moved to another basin: the Gaussian process models the "
                "trials near it, old ones included"
            )
            return Step(reason, sampler={**LOCAL_GP, "since": since})
        if self.phase != "global" or ctx.multi or len(ctx.trials) < self.min_trials:
            return None
        self.phase = "local"
        return Step(
            f"{len(ctx.trials)} trials completed: a Gaussian process refines inside the current "
            "region, fitted to the trials near it",
            sampler=LOCAL_GP,
        )
