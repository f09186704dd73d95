"""Every backend passes the same contract (adaptive_hyperopt.testing.BackendContract)."""

from __future__ import annotations

from adaptive_hyperopt.backends import Backend, create_backend
from adaptive_hyperopt.space import SearchSpace
from adaptive_hyperopt.testing import BackendContract


class TestOptunaTPE(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("optuna", {"n_startup_trials": 5}, seed, space)


class TestHyperoptTPE(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("hyperopt", {"n_startup_jobs": 5}, seed, space)


class TestHyperoptAnneal(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("hyperopt", {"algo": "anneal"}, seed, space)


class TestHyperoptRand(BackendContract):
    models = False

    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("hyperopt", {"algo": "rand"}, seed, space)


# Few candidate points per proposal keep the forest surrogates fast enough for a test suite.
_FAST = {"n_initial_points": 5, "acq_optimizer_kwargs": {"n_points": 500}}


class TestSkoptET(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("skopt", {"base_estimator": "ET", **_FAST}, seed, space)


class TestSkoptGBRT(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        return create_backend("skopt", {"base_estimator": "GBRT", **_FAST}, seed, space)


#: One member of each backend, each with a short random start.
ENSEMBLE_MEMBERS = [
    {"backend": "optuna", "sampler_config": {"n_startup_trials": 5}},
    {"backend": "hyperopt", "sampler_config": {"n_startup_jobs": 5}},
    {"backend": "skopt", "sampler_config": {"base_estimator": "ET", **_FAST}},
]


class TestEnsembleWeighted(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        config = {"optimizers": ENSEMBLE_MEMBERS, "combination_strategy": "weighted_average"}
        return create_backend("ensemble", config, seed, space)


class TestEnsembleAdaptive(BackendContract):
    def make_backend(self, seed: int | None, space: SearchSpace) -> Backend:
        config = {"optimizers": ENSEMBLE_MEMBERS, "combination_strategy": "adaptive"}
        return create_backend("ensemble", config, seed, space)
