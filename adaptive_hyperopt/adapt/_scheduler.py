"""The adaptation scheduler: decides when the search space is revisited, and by whom.

Every `adaptation_interval` finished trials (and on demand: `adapt_now()`,
`force_adaptation()`) the driver asks for a checkpoint. The installed strategies run in order,
each seeing the dimensions the previous ones left; their changes become one new space version
(inside the user's limits), with their reasons joined. A sampler switch is applied to the
backend here and reported in the outcome; the driver installs the space and publishes the
events. A custom strategy (`set_adaptation_strategy`) replaces the built-in ones. A checkpoint
never raises: whatever goes wrong is logged and reported as its reason, and the space stays.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import optuna

from ..space import SearchSpace
from ._base import Context, Strategy, completed
from ._expand import Expand
from ._freeze import Freeze
from ._front import front_gain
from ._narrow import TrustRegion
from ._switch import SwitchSampler

if TYPE_CHECKING:
    from ..backends import Backend
    from ..config import OptimizationConfig

logger = logging.getLogger("adaptive_hyperopt")

#: The built-in strategies by name, in the order they run.
BUILT_IN: dict[str, type[Strategy]] = {
    "freeze": Freeze,
    "narrow": TrustRegion,
    "expand": Expand,
    "switch": SwitchSampler,
}
DEFAULT_STRATEGIES: tuple[str, ...] = ("freeze", "narrow", "expand", "switch")
DEFAULT_FULL_SPACE_SHARE = 0.1

#: A custom strategy as the scheduler calls it: (space, study, trigger) -> new space or None.
CustomStrategy = Callable[[SearchSpace, optuna.Study, str], Any]


@dataclass(frozen=True)
class AdaptationOutcome:
    """The result of one checkpoint: a new space, or the reason nothing changed."""

    changed: bool
    reason: str
    space: SearchSpace | None = None  # the new space, when the space changed
    changes: dict[str, Any] | None = None  # per parameter: what changed (for the event)
    strategy: tuple[str, str] | None = None  # (old, new) sampling strategy, when it switched


@dataclass(frozen=True)
class AdaptationSettings:
    """How a study adapts (see `AdaptiveHyperparameterOptimizer.configure_adaptation`)."""

    strategies: tuple[str | Strategy, ...] = DEFAULT_STRATEGIES
    expand_beyond_bounds: bool = False
    full_space_share: float = DEFAULT_FULL_SPACE_SHARE
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for s in self.strategies:
            if isinstance(s, str) and s not in BUILT_IN:
                raise ValueError(
                    f"unknown adaptation strategy {s!r}; built-in ones: "
                    f"{', '.join(repr(k) for k in BUILT_IN)} (or pass a Strategy instance)"
                )
            if not isinstance(s, str | Strategy):
                raise ValueError(f"a strategy must be a name or a Strategy, got {s!r}")
        share = self.full_space_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share < 1:
            raise ValueError(f"full_space_share must be a fraction in [0, 1), got {share!r}")
        if not isinstance(self.expand_beyond_bounds, bool):
            raise ValueError(
                f"expand_beyond_bounds must be True or False, got {self.expand_beyond_bounds!r}"
            )


class Scheduler:
    """Runs adaptation checkpoints every `interval` finished trials and on demand."""

    def __init__(
        self,
        config: OptimizationConfig,
        backend: Backend,
        settings: AdaptationSettings | None = None,
    ) -> None:
        self.interval = config.adaptation_interval
        self.backend = backend
        self.threshold = float(config.min_improvement_threshold)
        self.budget = config.n_trials
        self._user_sampler = "sampler_type" in (config.sampler_config or {})
        self.custom: CustomStrategy | None = None
        self.strategies: list[Strategy] = []
        self.settings = AdaptationSettings()
        self._checkpoints = 0
        self._last_best: float | None = None
        self._last_front: np.ndarray | None = None  # several objectives: the front, as losses
        self.configure(settings or AdaptationSettings())

    def configure(self, settings: AdaptationSettings) -> None:
        """Install the strategies `settings` names (fresh instances: state is per study)."""
        self.settings = settings
        strategies: list[Strategy] = []
        for item in settings.strategies:
            if isinstance(item, Strategy):
                strategies.append(copy.deepcopy(item))
            elif item == "switch":
                # switching needs a backend that can, and a sampler the user did not choose
                if hasattr(self.backend, "switch_sampler") and not self._user_sampler:
                    strategies.append(SwitchSampler())
            else:
                strategies.append(BUILT_IN[item]())
        order = list(BUILT_IN)
        # built-ins in their natural order (freeze, narrow, expand, switch); custom ones last
        strategies.sort(key=lambda s: order.index(s.name) if s.name in order else len(order))
        self.strategies = strategies
        if hasattr(self.backend, "full_space_share"):
            self.backend.full_space_share = settings.full_space_share

    @property
    def has_strategies(self) -> bool:
        """Whether interval checkpoints run (a strategy is installed and the interval is > 0)."""
        return self.interval > 0 and bool(self.strategies or self.custom)

    def due(self, n_finished: int) -> bool:
        """Whether an interval checkpoint falls after `n_finished` trials."""
        return self.has_strategies and n_finished > 0 and n_finished % self.interval == 0

    def checkpoint(
        self, space: SearchSpace, study: optuna.Study, trigger: str
    ) -> AdaptationOutcome:
        """Run the strategies over the current space and the study's finished trials.

        `trigger` is "interval" or "user" (adapt_now / force_adaptation). A strategy switch is
        applied to the backend here and reported in `strategy`; the driver applies the space.
        Never raises: an error is logged and becomes the outcome's reason.
        """
        try:
            if self.custom is not None:
                return self._custom(space, study, trigger)
            if not self.strategies:
                return AdaptationOutcome(False, "no strategy installed")
            return self._built_in(space, study, trigger)
        except Exception as exc:
            logger.exception("adaptation checkpoint failed; the space stays at v%d", space.version)
            return AdaptationOutcome(
                False,
                f"adaptation failed ({type(exc).__name__}: {exc}); "
                f"the space stays at version {space.version}",
            )
        finally:
            self._checkpoints += 1

    def context(self, space: SearchSpace, study: optuna.Study, trigger: str) -> Context:
        """What the strategies see at a checkpoint now."""
        return make_context(
            space,
            study,
            trigger=trigger,
            threshold=self.threshold,
            beyond=self.settings.expand_beyond_bounds,
            checkpoint=self._checkpoints,
            budget=self.budget,
            interval=self.interval,
            last_best=self._last_best,
            active=tuple(s.name for s in self.strategies),
            last_front=self._last_front,
        )

    def _built_in(self, space: SearchSpace, study: optuna.Study, trigger: str) -> AdaptationOutcome:
        ctx = self.context(space, study, trigger)
        if ctx.notes["best"] is not None:
            self._last_best = ctx.notes["best"]
        if ctx.notes.get("front") is not None:
            self._last_front = ctx.notes["front"]
        work = space
        dims = dict(space)
        reasons: list[str] = []
        sampler: Mapping[str, Any] | None = None
        for strategy in self.strategies:
            step = strategy.propose(ctx, dims)
            if step is None:
                continue
            if step.dims:
                try:  # each step is checked alone, so one bad step cannot sink the others
                    work = work.adapted(step.dims, beyond=self.settings.expand_beyond_bounds)
                except ValueError as exc:
                    logger.warning(
                        "adaptation: %s proposed an invalid change: %s", strategy.name, exc
                    )
                    reasons.append(f"{strategy.name}: refused ({exc})")
                    continue
                dims = dict(work)
            if step.reason:
                reasons.append(f"{strategy.name}: {step.reason}")
            if step.sampler is not None:
                sampler = step.sampler
        switched = None
        if sampler is not None:
            switch = getattr(self.backend, "switch_sampler", None)
            if switch is not None:
                old, new = switch(sampler)
                switched = (old, new) if old != new else None
        reason = "; ".join(reasons) or "nothing to change"
        if work is space:
            return AdaptationOutcome(False, reason, strategy=switched)
        new_space = SearchSpace(
            dims, original=space.original, version=space.version + 1, user=space.user
        )
        return AdaptationOutcome(
            True, reason, new_space, new_space.changes_from(space), strategy=switched
        )

    def _custom(self, space: SearchSpace, study: optuna.Study, trigger: str) -> AdaptationOutcome:
        assert self.custom is not None
        keep = f"the space stays at version {space.version}"
        try:
            result = self.custom(space, study, trigger)
        except Exception as exc:
            logger.error(
                "custom adaptation strategy raised %s: %s; %s", type(exc).__name__, exc, keep
            )
            return AdaptationOutcome(
                False, f"custom strategy raised {type(exc).__name__}: {exc}; {keep}"
            )
        try:
            new = accept_space(space, result)
        except ValueError as exc:
            logger.error("custom adaptation strategy returned an invalid space: %s; %s", exc, keep)
            return AdaptationOutcome(
                False, f"custom strategy returned an invalid space: {exc}; {keep}"
            )
        if new is None:
            return AdaptationOutcome(False, "custom strategy: no change")
        return AdaptationOutcome(True, "custom strategy", new, new.changes_from(space))


_FINISHED = (
    optuna.trial.TrialState.COMPLETE,
    optuna.trial.TrialState.FAIL,
    optuna.trial.TrialState.PRUNED,
)


def make_context(
    space: SearchSpace,
    study: optuna.Study,
    *,
    trigger: str,
    threshold: float,
    beyond: bool,
    checkpoint: int = 0,
    budget: int | None = None,
    interval: int = 0,
    last_best: float | None = None,
    active: tuple[str, ...] = (),
    last_front: np.ndarray | None = None,
) -> Context:
    """A strategy's view of `study` now; `last_best` is the best at the previous checkpoint.

    With several objectives, `last_front` is the front at the previous checkpoint (its
    values in minimization form, `notes["front"]` of that checkpoint's context), and the
    improvement is the hypervolume the front gained since, as a fraction (`_front.py`).
    """
    trials = completed(study)
    maximizes = tuple(d == optuna.study.StudyDirection.MAXIMIZE for d in study.directions)
    if len(maximizes) > 1:
        return _multi_context(
            space,
            study,
            trials,
            maximizes,
            last_front,
            trigger=trigger,
            threshold=threshold,
            beyond=beyond,
            checkpoint=checkpoint,
            budget=budget,
            interval=interval,
            active=active,
        )
    maximize = maximizes[0]
    best = None
    if trials:
        values = [float(t.value) for t in trials if t.value is not None]
        best = max(values) if maximize else min(values)
    improvement = None
    if best is not None and last_best is not None:
        improvement = (best - last_best) if maximize else (last_best - best)
    return Context(
        space=space,
        study=study,
        trials=trials,
        maximize=maximize,
        trigger=trigger,
        checkpoint=checkpoint,
        n_finished=len(study.get_trials(deepcopy=False, states=_FINISHED)),
        budget=budget,
        interval=interval,
        threshold=threshold,
        beyond=beyond,
        improvement=improvement,
        active=active,
        notes={"best": best},
    )


def _multi_context(
    space: SearchSpace,
    study: optuna.Study,
    trials: list[optuna.trial.FrozenTrial],
    maximizes: tuple[bool, ...],
    last_front: np.ndarray | None,
    **kwargs: Any,
) -> Context:
    ctx = Context(
        space=space,
        study=study,
        trials=trials,
        maximize=False,
        n_finished=len(study.get_trials(deepcopy=False, states=_FINISHED)),
        improvement=None,
        notes={"best": None},
        maximizes=maximizes,
        **kwargs,
    )
    if trials:
        front = ctx.losses(ctx.front())
        if last_front is not None:
            ctx.improvement = front_gain(ctx.losses(trials), last_front)
        ctx.notes["front"] = front
    return ctx


def accept_space(space: SearchSpace, result: Any) -> SearchSpace | None:
    """`result` of a custom strategy as the next version of `space` (None: no change).

    A strategy returns a SearchSpace derived from `optimizer.search_space` (through its edits or
    `narrow_search_space()`/`expand_search_space()`), or None. Anything else, or a space with
    other parameters or other declared domains, raises ValueError saying what is wrong.
    """
    if result is None or result is space:
        return None
    if not isinstance(result, SearchSpace):
        raise ValueError(
            f"expected a SearchSpace (e.g. optimizer.search_space or one derived from it), "
            f"got {type(result).__name__}"
        )
    if set(result) != set(space):
        missing = sorted(set(space) - set(result))
        extra = sorted(set(result) - set(space))
        raise ValueError(f"parameters differ: missing {missing}, unknown {extra}")
    if result.original != space.original:
        odd = sorted(n for n in space if result.original.get(n) != space.original[n])
        raise ValueError(
            f"declared domains of {odd} differ: derive the space from optimizer.search_space"
        )
    if dict(result) == dict(space) and result.user == space.user:
        return None
    return SearchSpace(
        dict(result), original=space.original, version=space.version + 1, user=result.user
    )


def strategies_named(names: Sequence[str | Strategy]) -> tuple[str | Strategy, ...]:
    """`names` checked (unknown names raise ValueError naming the built-in ones)."""
    return AdaptationSettings(strategies=tuple(names)).strategies
