"""SpaceSampler: any Optuna sampler, made to honour the current space's restrictions.

Optuna lets a numeric range change within a study, but a categorical distribution must stay the
same for the whole study ("CategoricalDistribution does not support dynamic value space"). So a
categorical is always recorded with its declared choices, and this wrapper applies what the
current space says: a frozen parameter gets its frozen value; a categorical restricted to some
choices keeps the inner sampler's proposal when it is allowed (so the model still guides it) and
otherwise gets a seeded uniform draw among the allowed choices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler
from optuna.trial import FrozenTrial, TrialState

from ..space import SearchSpace
from ..space._dimensions import Categorical, encode_choice, same_value

# Extra proposals asked of the inner sampler before falling back to a uniform draw.
_RETRIES = 2


class SpaceSampler(BaseSampler):
    """Delegates to `inner`, then enforces frozen values and restricted categorical choices."""

    def __init__(self, inner: BaseSampler, seed: int | None = None) -> None:
        self.inner = inner
        self._space: SearchSpace | None = None  # None while nothing is frozen or restricted
        self._rng = np.random.RandomState(seed)

    @property
    def space(self) -> SearchSpace | None:
        """The space whose restrictions apply (None when it has none)."""
        return self._space

    @space.setter
    def space(self, space: SearchSpace | None) -> None:
        self._space = space if space is not None and _restricts(space) else None

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """The inner sampler's joint search space."""
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: optuna.Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """The inner proposal minus values the current space forbids (those are resampled)."""
        proposal = self.inner.sample_relative(study, trial, search_space)
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
        if space is None:
            return self.inner.sample_independent(study, trial, param_name, param_distribution)
        dim = space.get(param_name)
        if dim is not None and dim.frozen:
            return (
                encode_choice(dim.frozen_value)
                if isinstance(dim, Categorical)
                else dim.frozen_value
            )
        value = self.inner.sample_independent(study, trial, param_name, param_distribution)
        if not isinstance(dim, Categorical) or self._allowed(param_name, value):
            return value
        for _ in range(_RETRIES):
            value = self.inner.sample_independent(study, trial, param_name, param_distribution)
            if self._allowed(param_name, value):
                return value
        allowed = dim.encoded_choices
        return allowed[int(self._rng.randint(len(allowed)))]

    def _allowed(self, name: str, value: Any) -> bool:
        assert self._space is not None
        if name not in self._space:
            return True
        dim = self._space[name]
        if dim.frozen:
            return False  # always served by sample_independent
        if isinstance(dim, Categorical):
            return any(same_value(value, c) for c in dim.encoded_choices)
        return bool(dim.contains(value))

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Delegated."""
        self.inner.before_trial(study, trial)

    def after_trial(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Delegated."""
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        """Delegated, and our own fallback generator too."""
        self.inner.reseed_rng()
        self._rng = np.random.RandomState()


def _restricts(space: SearchSpace) -> bool:
    """Whether any parameter is frozen or a categorical is narrower than declared."""
    for name in space:
        dim = space[name]
        if dim.frozen or (isinstance(dim, Categorical) and dim != space.original[name]):
            return True
    return False
