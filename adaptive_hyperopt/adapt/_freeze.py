"""Freeze: pin parameters whose importance stays negligible at their best value; unfreeze later.

Importance is Optuna's PED-ANOVA (`PedAnovaImportanceEvaluator`, Watanabe et al., IJCAI 2023):
how differently the top 10% of trials are spread over a parameter than all trials. It costs
milliseconds where fANOVA's random forest costs seconds past about 1000 trials, so it can run
at every checkpoint. It is computed over the trials inside the user's space, each seen with the
user's distributions (a narrowing in between would otherwise split a parameter into regimes).

- A parameter's share of the total importance below `negligible / d` (d parameters sampled)
  counts as negligible; after `patience` negligible checkpoints in a row it is frozen at its
  value in the best trial that has one inside its current domain. At most half
  of the sampled parameters are frozen at once.
- Conditional spaces: only the parameters of the best trial's branch are candidates, and never
  one that chooses a branch (another parameter's condition names it). Once the search exploits
  one branch, the trials barely vary the choice and rarely use the other branches' parameters,
  so they measure unimportant; frozen, they would cut the other branches off or pin them at a
  poor trial's values (measured: on the `conditional` benchmark, some seeds stayed on the worst
  branch's floor).
- A parameter this strategy froze is unfrozen after `hold` checkpoints, or at the first stall
  (improvement below `min_improvement_threshold`) one checkpoint after freezing, so its
  importance is measured again on fresh trials. A parameter the user froze is never touched.

Several objectives: a parameter's share is its largest share over the objectives, each
objective's importance measured alone (PED-ANOVA with that objective as the target). So a
parameter is frozen only when it is negligible for every objective. PED-ANOVA's own
multi-objective mode (the importance of reaching the front) is not used: a parameter that only
moves a trial along the front (f1 = a, f2 = 1 - a) puts every trial on it, looks unimportant
there, and freezing it would collapse the front to a point. It is frozen at its value in the
first trial of `Context.ranked()`, the front's compromise point.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from typing import Any

from optuna.trial import FrozenTrial

from ..space._dimensions import Dimension
from ._base import Context, Step, Strategy
from ._importance import region_importances

logger = logging.getLogger("adaptive_hyperopt")


class Freeze(Strategy):
    """The `freeze` strategy."""

    name = "freeze"

    def __init__(
        self, negligible: float = 0.2, patience: int = 2, hold: int = 3, min_trials: int = 20
    ) -> None:
        self.negligible = negligible
        self.patience = patience
        self.hold = hold
        self.min_trials = min_trials
        self.low: dict[str, int] = {}  # negligible checkpoints in a row
        self.frozen: dict[str, int] = {}  # what this strategy froze -> checkpoint it did

    def propose(self, ctx: Context, dims: dict[str, Dimension]) -> Step | None:
        """Unfreeze what has waited long enough, then freeze what stays negligible."""
        new: dict[str, Dimension] = {}
        why: list[str] = []
        for name, since in list(self.frozen.items()):
            dim = dims[name]
            if not dim.frozen or ctx.space.limit(name).frozen:  # released or taken by the user
                del self.frozen[name]
                continue
            age = ctx.checkpoint - since
            if age >= self.hold or (ctx.stalled and age >= 1):
                new[name] = dim.unfreeze()
                del self.frozen[name]
                self.low[name] = 0
                why.append(f"{name!r} unfrozen to measure it again")
        parents = {d.condition.parent for d in dims.values() if d.condition is not None}
        ranked = ctx.ranked()
        candidates = [
            n
            for n in ctx.space.order
            if not dims[n].frozen
            and not ctx.space.limit(n).frozen
            and n not in new
            and n not in parents
            and (not ranked or dims[n].condition is None or n in ranked[0].params)
        ]
        # a count holds only for checkpoints in a row: one that left the candidates starts over
        self.low = {n: c for n, c in self.low.items() if n in candidates}
        needed = max(self.min_trials, 4 * len(candidates))
        if len(ctx.trials) >= needed and len(candidates) > 1:
            shares = self._shares(ctx, candidates)
            sampled = len(candidates) + len(self.frozen)
            room = sampled // 2 - len(self.frozen)
            for name in sorted(shares, key=shares.__getitem__):
                negligible = shares[name] < self.negligible / len(candidates)
                self.low[name] = self.low.get(name, 0) + 1 if negligible else 0
                value = _best_value(ctx, ranked, name, dims[name])
                if self.low[name] >= self.patience and room > 0 and value is not None:
                    new[name] = dims[name].freeze(value)
                    self.frozen[name] = ctx.checkpoint
                    room -= 1
                    why.append(
                        f"{name!r} frozen at {value!r} (importance share {shares[name]:.1%} for "
                        f"{self.patience} checkpoints)"
                    )
        return Step("; ".join(why), new) if why else None

    def _shares(self, ctx: Context, names: list[str]) -> dict[str, float]:
        """Each parameter's share of the PED-ANOVA importance (empty when it cannot say)."""
        targets: list[Callable[[FrozenTrial], float] | None] = [None]
        if ctx.multi:  # each objective alone, lower is better (see the module docstring)
            targets = [_objective(i, up) for i, up in enumerate(ctx.maximizes)]
        shares: dict[str, float] = {}
        for target in targets:
            if target is None:
                raw = region_importances(ctx.study, ctx.space, names)
            else:
                with warnings.catch_warnings():  # PED-ANOVA's note that a target is a loss
                    warnings.simplefilter("ignore", UserWarning)
                    raw = region_importances(ctx.study, ctx.space, names, target)
            present = [n for n in names if math.isfinite(raw.get(n, math.nan))]
            total = sum(raw[n] for n in present)
            if len(present) < 2 or total <= 0:
                return {}
            for n in present:
                shares[n] = max(shares.get(n, 0.0), raw[n] / total)
        return shares


def _objective(index: int, maximize: bool) -> Callable[[FrozenTrial], float]:
    """A PED-ANOVA target: objective `index` of a trial, lower is better."""
    sign = -1.0 if maximize else 1.0
    return lambda trial: sign * trial.values[index]


def _best_value(ctx: Context, ranked: list[FrozenTrial], name: str, dim: Dimension) -> Any:
    """`name`'s value in the best trial that has one inside `dim` (None: no such trial)."""
    for trial in ranked:
        value = ctx.value(trial, name)
        if value is not None and dim.contains(value):
            return value
    return None
