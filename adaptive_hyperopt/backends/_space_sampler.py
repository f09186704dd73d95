"""SpaceSampler: any Optuna sampler, made to honour the current space and to learn across changes.

Two problems, one wrapper.

1. Optuna lets a numeric range change within a study, but a categorical distribution must stay
   the same for the whole study ("CategoricalDistribution does not support dynamic value
   space"). So a categorical is always recorded with its declared choices, and this wrapper
   applies what the current space says: a frozen parameter gets its frozen value; a categorical
   restricted to some choices keeps the inner sampler's proposal when it is allowed (so the
   model still guides it) and otherwise gets a seeded uniform draw among the allowed choices.

2. After a range change, Optuna's samplers lose part of their history (optuna#1553): TPE's
   joint (multivariate) model drops every parameter whose distribution differs between trials
   and falls back to independent sampling for it; CMA-ES resumes an optimizer built for the old
   bounds or falls back to random. So the inner sampler never sees the study itself but a
   `RegionView` in which every trial is recorded as if it had been sampled from the current
   space (its distributions; frozen parameters left out). TPE keeps modelling jointly, from
   every trial: one outside the region still shapes its truncated kernels, which measured
   better than in-region trials alone (docs/adaptive.md). CMA-ES sees only the trials inside
   the region (its coordinates are the region's), starts a fresh optimizer there (state kept
   in trial system attributes by another region's sampler is hidden) and is warm-started from
   the in-region trials (`source_trials`, see `_optuna.py`).
"""

from __future__ import annotations

import copy
from collections.abc import Container, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from ..space import SearchSpace
from ..space._dimensions import Categorical, Dimension, Float, Int, exact_value

# Extra proposals asked of the inner sampler before falling back to a uniform draw.
_RETRIES = 2


def distribution(dim: Dimension, declared: Dimension) -> BaseDistribution:
    """The distribution a trial records for `dim` (what `suggest_dimension` asks for)."""
    if isinstance(dim, Float | Int):
        low, high = dim.low, dim.high
        if dim.frozen:
            low, high = min(low, dim.frozen_value), max(high, dim.frozen_value)
        if isinstance(dim, Int):
            return IntDistribution(int(low), int(high), log=dim.log)
        return FloatDistribution(float(low), float(high), log=dim.log)
    assert isinstance(declared, Categorical)
    return CategoricalDistribution(list(declared.encoded_choices))


class RegionView:
    """A study as a sampler should see it while sampling inside `space`.

    Every trial carries the region's distributions and loses its frozen parameters; with
    `inside=True`, trials whose active parameters leave the region are hidden. Trials that
    another sampler proposed (not
    in `own`) lose their system attributes, where samplers such as CMA-ES keep state built for
    another region. Everything else is the study's own (storage, directions).
    """

    def __init__(
        self,
        study: optuna.Study,
        space: SearchSpace,
        own: Container[int] = frozenset(),
        inside: bool = True,
    ) -> None:
        self._study = study
        self._space = space
        self._own = own
        self._inside = inside
        self._dists = {
            name: distribution(space[name], space.original[name])
            for name in space.order
            if not space[name].frozen
        }
        # Samplers ask for the trials several times per trial: the views of the leading run of
        # finished trials (immutable) are made once, and kept filtered per `states` asked for.
        self._prefix: list[FrozenTrial] = []  # views of the leading finished trials
        self._done = 0  # how many leading trials are finished and viewed
        self._kept: dict[frozenset[TrialState] | None, list[FrozenTrial]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    @property
    def study(self) -> optuna.Study:
        """The real study."""
        return self._study

    @property
    def trials(self) -> list[FrozenTrial]:
        """Every trial inside the region (copies)."""
        return self.get_trials()

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """As `Study.get_trials`, inside the region."""
        return self._get_trials(deepcopy, states)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        trials = self._study._get_trials(deepcopy=False, use_cache=use_cache)
        key = None if states is None else frozenset(s for s in TrialState if s in states)
        if key not in self._kept:  # a new filter: start it from the views made so far
            self._kept[key] = [v for v in self._prefix if key is None or v.state in key]
        done = self._done
        while done < len(trials) and trials[done].state.is_finished():
            done += 1
        if done > self._done:
            fresh = self._views(trials[self._done : done])
            self._prefix.extend(fresh)
            for k, kept in self._kept.items():
                kept.extend(v for v in fresh if k is None or v.state in k)
            self._done = done
        out = list(self._kept[key])
        # the rest: running trials (they change, never kept), and any finished after them
        out.extend(v for v in self._views(trials[done:]) if key is None or v.state in key)
        return copy.deepcopy(out) if deepcopy else out

    def _views(self, trials: list[FrozenTrial]) -> list[FrozenTrial]:
        return [v for v in map(self._view, trials) if v is not None]

    def _view(self, trial: FrozenTrial) -> FrozenTrial | None:
        if not self._inside:
            names = [n for n in trial.params if n in self._dists]
            return self._rewritten(
                trial, {n: trial.params[n] for n in names}, {n: self._dists[n] for n in names}
            )
        space = self._space
        finished = trial.state.is_finished()
        values: dict[str, Any] = {}  # decoded, to follow conditions
        params: dict[str, Any] = {}
        dists: dict[str, BaseDistribution] = {}
        for name in space.order:
            if not space.is_active(name, values):
                continue
            if name not in trial.params:
                if finished:
                    return None  # an active parameter it never had: another structure
                continue
            dim = space[name]
            declared = space.original[name]
            raw = trial.params[name]
            if isinstance(declared, Categorical):
                try:
                    value = declared.decode(raw)
                except KeyError:
                    return None
            else:
                value = raw
            values[name] = value
            if dim.frozen:
                continue  # pinned, so not modelled; and not used to filter (it matters little)
            if not dim.contains(value):
                return None
            params[name] = raw
            dists[name] = self._dists[name]
        return self._rewritten(trial, params, dists)

    def _rewritten(
        self, trial: FrozenTrial, params: dict[str, Any], dists: dict[str, BaseDistribution]
    ) -> FrozenTrial:
        seen = FrozenTrial.__new__(FrozenTrial)  # a shallow copy, without copy.copy's cost
        seen.__dict__.update(trial.__dict__)
        seen.params = params
        seen.distributions = dists
        if trial.number not in self._own:
            seen.system_attrs = {}
        return seen


class SpaceSampler(BaseSampler):
    """Delegates to `inner` through a RegionView, then enforces the current space."""

    def __init__(self, inner: BaseSampler, seed: int | None = None, inside: bool = False) -> None:
        self.inner = inner
        self._inside = inside  # whether `inner` sees only the trials inside the region
        self._space: SearchSpace | None = None
        self._own: set[int] = set()  # numbers of the trials this sampler proposed
        self._view: RegionView | None = None
        self._rng = np.random.RandomState(seed)

    @property
    def space(self) -> SearchSpace | None:
        """The space whose region and restrictions apply."""
        return self._space

    def attach(self, space: SearchSpace) -> None:
        """Sample inside `space` from now on."""
        if space is not self._space:
            self._space = space
            self._view = None

    def _seen(self, study: optuna.Study) -> Any:
        if self._space is None:
            return study
        view = self._view
        if view is None or view.study is not study:
            view = self._view = RegionView(study, self._space, self._own, self._inside)
        return view

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """The inner sampler's joint search space, inferred from the region's trials."""
        return self.inner.infer_relative_search_space(self._seen(study), trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """The inner proposal minus values the current space forbids (those are resampled)."""
        proposal = self.inner.sample_relative(self._seen(study), trial, search_space)
        if self._space is None:
            return proposal
        return {name: value for name, value in proposal.items() if self._allowed(name, value)}

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """One value for `param_name`, honouring the current space."""
        space = self._space
        seen = self._seen(study)
        if space is None:
            return self.inner.sample_independent(seen, trial, param_name, param_distribution)
        dim = space.get(param_name)
        if dim is not None and dim.frozen:
            declared = space.original[param_name]
            if isinstance(declared, Categorical):
                return declared.encode(dim.frozen_value)
            return dim.frozen_value
        value = self.inner.sample_independent(seen, trial, param_name, param_distribution)
        if not isinstance(dim, Categorical) or self._allowed(param_name, value):
            return value
        for _ in range(_RETRIES):
            value = self.inner.sample_independent(seen, trial, param_name, param_distribution)
            if self._allowed(param_name, value):
                return value
        declared = space.original[param_name]
        assert isinstance(declared, Categorical)
        allowed = [declared.encode(c) for c in dim.choices]
        return allowed[int(self._rng.randint(len(allowed)))]

    def _allowed(self, name: str, value: Any) -> bool:
        assert self._space is not None
        if name not in self._space:
            return True
        dim = self._space[name]
        if dim.frozen:
            return False  # always served by sample_independent
        if isinstance(dim, Categorical):
            declared = self._space.original[name]
            assert isinstance(declared, Categorical)
            return any(exact_value(value, declared.encode(c)) for c in dim.choices)
        return bool(dim.contains(value))

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Delegated; the trial is remembered as this sampler's own."""
        self._own.add(trial.number)
        self.inner.before_trial(self._seen(study), trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Delegated."""
        self.inner.after_trial(self._seen(study), trial, state, values)

    def reseed_rng(self) -> None:
        """Delegated, and our own fallback generator too."""
        self.inner.reseed_rng()
        self._rng = np.random.RandomState()


def is_declared(space: SearchSpace) -> bool:
    """Whether `space` samples exactly its declared domains (nothing narrowed or frozen)."""
    return all(space[name] == space.original[name] for name in space)
