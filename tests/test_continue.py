"""continue_optimization(): more trials of the same study, with the same or another backend."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.pareto import ParetoFront
from adaptive_hyperopt.testing._contract import SIMPLE, simple

#: Each backend with a short random start, so a short first run leaves a model to continue.
FAST: dict[str, dict[str, Any]] = {
    "optuna": {"n_startup_trials": 5},
    "hyperopt": {"n_startup_jobs": 5},
    "skopt": {
        "base_estimator": "ET",
        "n_initial_points": 5,
        "acq_optimizer_kwargs": {"n_points": 500},
    },
}


#: E[(x - 0.3)^2 + (y - 0.7)^2] for x, y uniform on [0, 1].
RANDOM_XY = 2 * (1 / 12 + 0.2**2)


def loss(params: dict[str, Any]) -> float:
    """Module level, so a study recording `tests.test_continue:loss` can import it again."""
    return simple(params)


@pytest.mark.parametrize(
    ("first", "then"),
    [(a, b) for a in FAST for b in FAST if a != b],
    ids=lambda name: name,
)
def test_the_next_backend_learns_from_every_finished_trial(first: str, then: str) -> None:
    opt = AdaptiveHyperparameterOptimizer(  # no adaptation: the proposals show learning alone
        backend=first,
        sampler_config=FAST[first],
        n_trials=25,
        random_state=0,
        adaptation_interval=0,
    )
    _, before, _ = opt.optimize(loss, SIMPLE, direction="minimize")
    best_params, best, history = opt.continue_optimization(
        20, backend=then, sampler_config=FAST[then]
    )
    assert opt.study is not None and len(opt.study.trials) == 45
    assert [r.backend for r in history] == [then] * 20
    assert [t.user_attrs["ah.backend"] for t in opt.study.trials[25:]] == [then] * 20
    # Cold, `then` would start at random; warm, its proposals gather around the optimum
    # (x, y) = (0.3, 0.7). Twenty random points average below 0.7 * RANDOM_XY 4% of the time.
    # Hyperopt's TPE gathers least (about 0.55 over seeds 0-7, against 0.1-0.35 for the others):
    # its "below" set is ceil(0.25 * sqrt(n)) trials, two or three here.
    spread = np.mean([(r.params["x"] - 0.3) ** 2 + (r.params["y"] - 0.7) ** 2 for r in history])
    assert spread < 0.7 * RANDOM_XY
    assert best <= before and best == min(t.value for t in opt.study.trials)
    assert opt.best_score == best and opt.best_params == best_params


def test_a_study_reopened_by_storage_and_name(tmp_path: Path) -> None:
    where = {"storage": str(tmp_path / "s.journal"), "study_name": "s", "random_state": 0}
    AdaptiveHyperparameterOptimizer(n_trials=20, **where).optimize(
        loss, SIMPLE, direction="minimize"
    )
    fresh = AdaptiveHyperparameterOptimizer(**where)  # another process would do the same
    _, _, history = fresh.continue_optimization(
        6, backend="hyperopt", sampler_config=FAST["hyperopt"]
    )
    assert fresh.study is not None and len(fresh.study.trials) == 26
    assert [r.backend for r in history] == ["hyperopt"] * 6
    assert all(set(r.params) == {"x", "y", "c"} for r in history)  # the recorded space
    assert fresh.storage_location == where["storage"]


def test_the_edited_space_recorded_in_the_study_is_continued() -> None:
    gate = threading.Event()

    def gated(params: dict[str, Any]) -> float:
        gate.wait(10)  # the first trial runs until the range is edited
        return loss(params)

    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
    handle = opt.start(gated, SIMPLE, direction="minimize")
    edit = handle.set_range("x", 0.2, 0.4)
    gate.set()
    assert edit.wait(10).accepted
    handle.result(30)
    _, _, history = opt.continue_optimization(5, backend="hyperopt", objective=loss)
    assert all(0.2 <= r.params["x"] <= 0.4 for r in history)
    assert {r.space_version for r in history} == {1}


def test_the_optimizers_own_backend_by_default() -> None:
    opt = AdaptiveHyperparameterOptimizer(
        backend="hyperopt", sampler_config={"algo": "anneal"}, n_trials=3
    )
    opt.optimize(loss, SIMPLE, direction="minimize")
    _, _, history = opt.continue_optimization(additional_trials=2)
    assert [r.backend for r in history] == ["hyperopt"] * 2


def test_a_lambda_continues_in_its_optimizer_and_must_be_passed_to_another(
    tmp_path: Any,
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, cache_dir=tmp_path, study_name="lam")
    opt.optimize(lambda p: p["x"], SIMPLE, direction="minimize")
    _, _, history = opt.continue_optimization(2)  # the optimizer still holds its objective
    assert len(history) == 2
    other = AdaptiveHyperparameterOptimizer.load_study(tmp_path)
    with pytest.raises(ValueError, match=r"<lambda>.*pass continue_optimization\(objective="):
        other.continue_optimization(2)
    _, _, history = other.continue_optimization(2, objective=lambda p: p["x"])
    assert len(history) == 2


def test_continue_into_an_ensemble() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3)
    opt.optimize(loss, SIMPLE, direction="minimize")
    members = {"optimizers": [{"backend": "optuna"}, {"backend": "hyperopt"}]}
    _, _, history = opt.continue_optimization(
        4, backend="ensemble", sampler_config={**members, "combination_strategy": "round_robin"}
    )
    assert [r.backend for r in history] == ["optuna", "hyperopt"] * 2


@pytest.mark.parametrize(
    ("settings", "call", "message"),
    [
        ({}, {"additional_trials": 0}, r"additional_trials must be a positive integer, got 0"),
        ({}, {"additional_trials": 5}, r"no study to continue: run optimize\(\) first"),
        ({"study_name": "nope", "cache_dir": "CACHE"}, {"additional_trials": 5}, r"no study named"),
    ],
)
def test_errors(
    tmp_path: Path, settings: dict[str, Any], call: dict[str, Any], message: str
) -> None:
    if settings.get("cache_dir") == "CACHE":
        settings = {**settings, "cache_dir": str(tmp_path)}
    with pytest.raises(ValueError, match=message):
        AdaptiveHyperparameterOptimizer(**settings).continue_optimization(**call)
    assert not list(tmp_path.iterdir())  # nothing created on the way


def test_a_multi_objective_study_continues_with_another_backend() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3)
    opt.multi_objective_optimize(
        lambda p: (p["x"], p["y"]), SIMPLE, directions=["minimize", "minimize"]
    )
    front = opt.continue_optimization(2, backend="hyperopt")  # the objective the study ran
    assert isinstance(front, ParetoFront) and opt.study is not None
    assert len(opt.study.trials) == 5 and len(front) >= 1


@pytest.mark.parametrize("backend", ["optuna", "hyperopt"])
def test_a_resumed_seeded_study_does_not_replay_its_opening_trials(
    tmp_path: Path, backend: str
) -> None:
    # The sampler's seed for a continuing run is derived from random_state and the trials
    # already there: reproducible, but never the first run's sequence again.
    def run(name: str, trials: int) -> list[dict[str, Any]]:
        opt = AdaptiveHyperparameterOptimizer(
            n_trials=trials, random_state=7, backend=backend, cache_dir=tmp_path,
            study_name=name, sampler_config={"sampler_type": "random"} if backend == "optuna" else {"algo": "rand"},
        )  # fmt: skip
        return [r.params for r in opt.optimize(loss, SIMPLE, direction="minimize")[2]]

    first = run("a", 4)
    resumed = run("a", 4)
    assert resumed != first
    assert run("b", 4) == first and run("b", 4) == resumed  # and both runs are reproducible
