"""The scikit-optimize bridge: options, the GBRT repair, failures and runs through the driver."""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np
import optuna
import pytest
import skopt
from sklearn.base import is_regressor

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.backends import create_backend
from adaptive_hyperopt.backends._skopt import SkoptBackend, _QuantileGBRT
from adaptive_hyperopt.space import SearchSpace
from adaptive_hyperopt.testing._contract import SIMPLE, run, simple

SPACE = {
    "x": ("float", 0.0, 10.0),
    "n": ("int", 1, 20),
    "kind": ("categorical", ["a", "b", (1, 2)]),
    "depth": ("int", 1, 4, "when", "kind", "a"),
}
FAST = {"base_estimator": "ET", "n_initial_points": 5, "acq_optimizer_kwargs": {"n_points": 500}}


def objective(params: dict[str, Any]) -> float:
    return (params["x"] - 3) ** 2 + params["n"] + params.get("depth", 0)


def test_optimize_with_the_default_gp_through_the_driver() -> None:
    opt = AdaptiveHyperparameterOptimizer(
        backend="skopt", n_trials=10, random_state=0, sampler_config={"n_initial_points": 5}
    )
    best, score, history = opt.optimize(objective, SPACE, direction="minimize")
    assert score == objective(best)
    assert {r.backend for r in history} == {"skopt"}
    assert all(("depth" in r.params) == (r.params["kind"] == "a") for r in history)


def test_a_seeded_study_proposes_what_gp_minimize_would() -> None:
    space = {"x": ("float", -5.0, 10.0), "y": ("float", 1e-3, 1.0, "log"), "n": ("int", 1, 9)}

    def loss(p: dict[str, Any]) -> float:
        return (p["x"] - 2.5) ** 2 + np.log10(p["y"]) ** 2 + 0.1 * p["n"]

    dims = [
        skopt.space.Real(-5.0, 10.0, name="x"),
        skopt.space.Real(1e-3, 1.0, prior="log-uniform", name="y"),
        skopt.space.Integer(1, 9, name="n"),
    ]
    native = skopt.gp_minimize(
        lambda v: loss(dict(zip(("x", "y", "n"), v, strict=True))),
        dims, n_calls=13, n_initial_points=5, acq_optimizer="sampling", random_state=7,
    )  # fmt: skip
    opt = AdaptiveHyperparameterOptimizer(
        backend="skopt", n_trials=13, random_state=7, adaptation_interval=0,
        sampler_config={"n_initial_points": 5, "acq_optimizer": "sampling"},
    )  # fmt: skip
    _, _, history = opt.optimize(loss, space, direction="minimize")
    ours = [[r.params["x"], r.params["y"], r.params["n"]] for r in history]
    assert ours == [list(x) for x in native.x_iters]


def test_set_range_mid_study_keeps_later_trials_inside() -> None:
    def slow(params: dict[str, Any]) -> float:
        time.sleep(0.005)
        return objective(params)

    opt = AdaptiveHyperparameterOptimizer(
        backend="skopt", n_trials=20, random_state=1, sampler_config=FAST
    )
    handle = opt.start(slow, SPACE, direction="maximize")
    deadline = time.time() + 10
    while handle.status.n_complete < 4 and time.time() < deadline:
        time.sleep(0.005)
    assert handle.set_range("n", 5, 8).wait(5).accepted
    _, _, history = handle.result(60)
    after = [r for r in history if r.space_version >= 1]
    assert len(after) >= 10
    assert all(5 <= r.params["n"] <= 8 for r in after)


def test_gbrt_is_repaired_for_current_scikit_learn_and_numpy() -> None:
    model = _QuantileGBRT()
    assert is_regressor(model)
    rng = np.random.default_rng(0)
    X, y = rng.random((30, 2)), rng.random(30)
    mean, std = model.fit(X, y).predict(X, return_std=True)
    assert mean.shape == std.shape == (30,)


def test_gbrt_proposals_do_not_depend_on_numpys_global_rng() -> None:
    # Unseeded, the GBRT surrogate drew from numpy's global RNG, which every process seeds
    # differently: the same random_state proposed other points in another process.
    runs = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)
        space = SearchSpace.from_dict(SIMPLE)
        config = {"base_estimator": "GBRT", "n_initial_points": 5}
        backend = create_backend("skopt", config, 0, space)
        runs.append(run(backend, optuna.create_study(sampler=backend.sampler), space, 16, simple))
    assert runs[0] == runs[1]


def test_failed_trials_are_told_as_the_worst_value_so_far() -> None:
    space = SearchSpace.from_dict(SPACE)
    backend = SkoptBackend(FAST, seed=0, space=space)
    study = optuna.create_study(sampler=backend.sampler)
    trial, _ = backend.ask(study, space)
    backend.tell(study.tell(trial, state=optuna.trial.TrialState.FAIL))  # nothing to compare
    for value in (3.0, 7.0):
        trial, _ = backend.ask(study, space)
        backend.tell(study.tell(trial, value))
    trial, _ = backend.ask(study, space)
    backend.tell(study.tell(trial, state=optuna.trial.TrialState.FAIL))
    assert backend._optimizer is not None and backend._optimizer.yi == [3.0, 7.0, 7.0]


def test_the_surrogate_sees_inactive_parameters_imputed_in_trials_and_candidates() -> None:
    space = SearchSpace.from_dict(SPACE)
    backend = SkoptBackend({**FAST, "base_estimator": "GP"}, seed=0, space=space)
    study = optuna.create_study(sampler=backend.sampler)
    backend.ask(study, space)  # builds the optimizer for `space`
    assert backend._optimizer is not None
    transform = backend._optimizer.space.transform
    # order: x, n, kind, depth; kind "1" is "b", where depth is inactive
    b_deep, b_shallow = [3.0, 5, "1", 4], [3.0, 5, "1", 1]
    a_deep, a_shallow = [3.0, 5, "0", 4], [3.0, 5, "0", 1]
    assert np.array_equal(transform([b_deep]), transform([b_shallow]))  # imputed: depth = 1
    assert not np.array_equal(transform([a_deep]), transform([a_shallow]))  # active: kept
    flat = SkoptBackend(FAST, seed=0, space=space)._make(SearchSpace.from_dict({"x": SPACE["x"]}))
    assert flat is not None and type(flat.space) is skopt.space.Space  # as gp_minimize's


def test_concurrent_asks_get_different_points() -> None:
    space = SearchSpace.from_dict(SPACE)
    backend = SkoptBackend(FAST, seed=0, space=space)
    study = optuna.create_study(sampler=backend.sampler)
    for _ in range(6):  # past the random start: the model's proposal is cached until a tell
        trial, params = backend.ask(study, space)
        backend.tell(study.tell(trial, objective(params)))
    first = backend.ask(study, space)[1]
    second = backend.ask(study, space)[1]
    assert first != second


def test_options_are_validated() -> None:
    with pytest.raises(TypeError, match="Did you mean 'acq_func'"):
        create_backend("skopt", {"acq_fun": "EI"}, 0)
    with pytest.raises(ValueError, match="sampler_config for backend='skopt'"):
        create_backend("skopt", {"base_estimator": "XGB"}, 0)
    with pytest.raises(ValueError, match="acq_optimizer"):
        create_backend("skopt", {"base_estimator": "RF", "acq_optimizer": "lbfgs"}, 0)
    assert create_backend("skopt", {"base_estimator": "gbrt"}, 0).describe() == "skopt/GBRT"


def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "adaptive_hyperopt.backends._skopt", raising=False)
    monkeypatch.setitem(sys.modules, "skopt", None)
    with pytest.raises(ImportError, match=r"pip install 'adaptive-hyperopt\[skopt\]'"):
        create_backend("skopt", None, 0)
