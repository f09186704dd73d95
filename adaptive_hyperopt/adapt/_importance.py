"""PED-ANOVA importances over the recent trials inside a region, asked only where it can answer.

Optuna's `PedAnovaImportanceEvaluator` (Watanabe et al., IJCAI 2023) costs milliseconds where
fANOVA costs seconds past about 1000 trials, so the freeze strategy (on the driver's thread) and
the dashboard (on its pump's thread) both run it live. Each trial is seen with the region's
distributions (a narrowing in between would otherwise split a parameter into "regimes").

It is never asked where it would only warn (too few trials, a top quantile that is every trial,
a regime of one trial): Python's warning filters are process-wide and `catch_warnings` is not
thread-safe, so a note raised on a background thread would land in whatever notebook cell runs.
The one note left is the `target` note of several objectives; the freeze strategy silences it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, cast

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from ..backends._space_sampler import RegionView
from ..space import SearchSpace

logger = logging.getLogger("adaptive_hyperopt")

# Over the most recent trials only: a checkpoint then costs the same at trial 5,000 as at trial
# 500 (over every trial, the default configuration spent 20x a raw Optuna loop's time on a
# 5,000-trial no-op study), and recent trials describe the space as it is now.
WINDOW = 500
MIN_TRIALS = 10
_TARGET_QUANTILE = 0.1  # PED-ANOVA's default
_MIN_IN_REGIME = 2  # PED-ANOVA's own minimum (it warns below it)


def region_importances(
    study: optuna.Study,
    space: SearchSpace,
    params: Sequence[str] | None = None,
    target: Callable[[FrozenTrial], float] | None = None,
) -> dict[str, float]:
    """Raw PED-ANOVA importances of `params` (default: every parameter) over the last `WINDOW`
    complete trials inside `space`'s user region; {} when there is nothing to say yet.

    `target` (lower is better) replaces the study's single objective."""
    recent = cast(optuna.Study, _Recent(study, WINDOW))  # reads only _get_trials
    view = RegionView(recent, space.base, inside=True)
    trials = view.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    sign = -1.0 if target is None and study.directions[0] == StudyDirection.MAXIMIZE else 1.0
    losses = [sign * _loss(t, target) for t in trials]
    kept = [(t, v) for t, v in zip(trials, losses, strict=True) if math.isfinite(v)]
    if len(kept) < MIN_TRIALS:
        return {}
    ordered = sorted(v for _, v in kept)
    cutoff = ordered[math.ceil(_TARGET_QUANTILE * len(ordered)) - 1]
    if ordered[-1] <= cutoff:  # ties: the top quantile would be every trial
        return {}
    names = list(space.order if params is None else params)
    answerable = [n for n in names if _regimes_answerable(n, [t for t, _ in kept])]
    if not answerable:
        return {}
    # imported here: `optuna.importance` imports fANOVA and with it scikit-learn (about 1.2 s),
    # which `import adaptive_hyperopt` need not pay before the first checkpoint
    from optuna.importance import PedAnovaImportanceEvaluator

    try:
        return PedAnovaImportanceEvaluator().evaluate(
            view,  # type: ignore[arg-type]
            params=answerable,
            target=target,
        )
    except (ValueError, ZeroDivisionError) as exc:
        logger.debug("PED-ANOVA could not rank the parameters: %s", exc)
        return {}


def _loss(trial: FrozenTrial, target: Callable[[FrozenTrial], float] | None) -> float:
    if target is not None:
        return float(target(trial))
    return float(trial.values[0]) if len(trial.values) == 1 else math.nan


def _regimes_answerable(name: str, trials: list[FrozenTrial]) -> bool:
    """Whether `name` is sampled, and each of its regimes (active, inactive) is empty or holds
    enough trials."""
    active = sum(name in t.params for t in trials)
    inactive = len(trials) - active
    return active >= _MIN_IN_REGIME and inactive not in range(1, _MIN_IN_REGIME)


class _Recent:
    """The study, as far as a RegionView reads it, cut to its last `size` trials."""

    def __init__(self, study: Any, size: int) -> None:
        self._study, self._size = study, size

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    def _get_trials(self, deepcopy: bool = False, use_cache: bool = False) -> list[FrozenTrial]:
        trials = self._study._get_trials(deepcopy=deepcopy, use_cache=use_cache)
        return trials[-self._size :]
