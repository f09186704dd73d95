"""The Hyperopt bridge: options, encoding details and runs through the driver."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

import numpy as np
import optuna
import pytest
from hyperopt import Trials, fmin, hp, tpe

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.backends import create_backend
from adaptive_hyperopt.backends._hyperopt import HyperoptBackend
from adaptive_hyperopt.space import SearchSpace
from adaptive_hyperopt.testing._contract import run

SPACE = {
    "x": ("float", 0.0, 10.0),
    "n": ("int", 1, 20),
    "kind": ("categorical", ["a", "b", (1, 2)]),
    "depth": ("int", 1, 4, "when", "kind", "a"),
}


def objective(params: dict[str, Any]) -> float:
    return (params["x"] - 3) ** 2 + params["n"] + params.get("depth", 0)


def test_optimize_through_the_driver_is_reproducible() -> None:
    results = []
    for _ in range(2):
        opt = AdaptiveHyperparameterOptimizer(
            backend="hyperopt", n_trials=25, random_state=0, sampler_config={"n_startup_jobs": 5}
        )
        best, score, history = opt.optimize(objective, SPACE, direction="minimize")
        assert score == objective(best) and score < 10
        assert {r.backend for r in history} == {"hyperopt"}
        assert opt.study is not None and len(opt.study.trials) == 25
        results.append([r.params for r in history])
    assert results[0] == results[1]


def test_a_seeded_study_proposes_what_fmin_would() -> None:
    def loss(p: dict[str, Any]) -> float:
        return (p["x"] - 2.5) ** 2 + math.log10(p["y"]) ** 2

    native = Trials()
    fmin(
        loss,
        {"x": hp.uniform("x", -5.0, 10.0), "y": hp.loguniform("y", math.log(1e-3), 0.0)},
        algo=tpe.suggest, max_evals=25, trials=native, rstate=np.random.default_rng(3),
        show_progressbar=False,
    )  # fmt: skip
    opt = AdaptiveHyperparameterOptimizer(
        backend="hyperopt", n_trials=25, random_state=3, adaptation_interval=0
    )
    space = {"x": ("float", -5.0, 10.0), "y": ("float", 1e-3, 1.0, "log")}
    _, _, history = opt.optimize(loss, space, direction="minimize")
    expected = [{k: v[0] for k, v in t["misc"]["vals"].items()} for t in native.trials]
    assert [r.params for r in history] == expected


def test_set_range_mid_study_keeps_later_trials_inside() -> None:
    def slow(params: dict[str, Any]) -> float:
        time.sleep(0.005)
        return objective(params)

    opt = AdaptiveHyperparameterOptimizer(backend="hyperopt", n_trials=40, random_state=1)
    handle = opt.start(slow, SPACE, direction="minimize")
    deadline = time.time() + 10
    while handle.status.n_complete < 5 and time.time() < deadline:
        time.sleep(0.005)
    reply = handle.set_range("x", 6.0, 7.0).wait(5)
    assert reply.accepted
    _, _, history = handle.result(30)
    after = [r for r in history if r.space_version >= 1]
    assert len(after) >= 20
    assert all(6.0 <= r.params["x"] <= 7.0 for r in after)


def test_a_range_edit_keeps_the_observations_inside_the_new_region() -> None:
    space = SearchSpace.from_dict(SPACE)
    backend = HyperoptBackend({"n_startup_jobs": 5}, seed=0, space=space)
    study = optuna.create_study(sampler=backend.sampler)
    run(backend, study, space, 20, objective)
    narrowed = space.with_range("x", 0.0, 5.0)
    run(backend, study, narrowed, 1, objective)
    inside = [t for t in study.trials[:20] if t.params["x"] <= 5.0]
    assert 0 < len(inside) < 20
    assert len(backend._trials.trials) == len(inside) + 1


def test_options_are_validated() -> None:
    with pytest.raises(TypeError, match="Did you mean 'n_startup_jobs'"):
        create_backend("hyperopt", {"n_startup_job": 5}, 0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'gamma'"):
        create_backend("hyperopt", {"algo": "anneal", "gamma": 0.2}, 0)
    with pytest.raises(ValueError, match="sampler_config\\['algo'\\] must be one of"):
        create_backend("hyperopt", {"algo": "atpe"}, 0)
    assert create_backend("hyperopt", {"algo": "anneal"}, 0).describe() == "hyperopt/anneal"


def test_a_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "adaptive_hyperopt.backends._hyperopt")
    monkeypatch.setitem(sys.modules, "hyperopt", None)
    with pytest.raises(ImportError, match=r"pip install 'adaptive-hyperopt\[hyperopt\]'"):
        create_backend("hyperopt", None, 0)
