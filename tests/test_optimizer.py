"""The engine on Optuna: optimize() end to end, on real Optuna studies."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np
import optuna
import pytest

from adaptive_hyperopt import (
    AdaptiveHyperparameterOptimizer,
    NoCompletedTrialsError,
    OptimizationConfig,
)
from adaptive_hyperopt.backends._optuna import gamma_function, weights_function

SPACE = {
    "x": ("float", -5.0, 5.0),
    "lr": ("float", 1e-4, 1.0, "log"),
    "n": ("int", 1, 50),
    "w": ("int", 2, 256, "log"),
    "kind": ("categorical", ["a", "b", None, True, (1, 2)]),
}


def quadratic(params: dict[str, Any]) -> float:
    return (params["x"] - 1.0) ** 2 + math.log10(params["lr"]) ** 2 / 10 + params["n"] / 100


def test_optimize_returns_the_spec_triple_and_a_history() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=25, random_state=0)
    best_params, best_score, history = opt.optimize(quadratic, SPACE, direction="minimize")
    assert len(history) == 25
    assert best_score == min(r.value for r in history if r.value is not None)
    assert best_params == next(r.params for r in history if r.value == best_score)
    for rec in history:
        assert rec.state == "COMPLETE" and rec.backend == "optuna"
        assert rec.space_version == (0 if rec.number < 20 else 1)  # adapted after 20 trials
        assert -5 <= rec.params["x"] <= 5 and 1e-4 <= rec.params["lr"] <= 1
        assert type(rec.params["n"]) is int and 1 <= rec.params["n"] <= 50
        assert type(rec.params["w"]) is int and 2 <= rec.params["w"] <= 256
        assert rec.params["kind"] in ["a", "b", None, True, (1, 2)]
        assert rec.duration >= 0 and rec.datetime_start <= rec.datetime_complete  # type: ignore[operator]
    assert [r.number for r in history] == list(range(25))
    assert opt.study is not None and len(opt.study.trials) == 25
    assert opt.best_params == best_params and opt.best_score == best_score


def test_categorical_objects_reach_the_objective_as_themselves() -> None:
    seen: list[Any] = []

    def objective(params: dict[str, Any]) -> float:
        seen.append(params["kind"])
        return 0.0

    AdaptiveHyperparameterOptimizer(n_trials=40, random_state=3).optimize(
        objective, {"kind": ("categorical", ["a", None, True, 1, (1, 2)])}
    )
    assert {repr(v) for v in seen} <= {"'a'", "None", "True", "1", "(1, 2)"}
    assert any(v == (1, 2) and isinstance(v, tuple) for v in seen)
    assert any(v is True for v in seen) and any(v == 1 and v is not True for v in seen)


def test_inactive_conditional_params_are_absent() -> None:
    space = {
        "algorithm": ("categorical", ["svm", "random_forest"]),
        "C": ("float", 0.1, 10.0, "when", "algorithm", "svm"),
        "kernel": ("categorical", ["rbf", "poly"], "when", "algorithm", "svm"),
        "degree": ("int", 2, 5, "when", "kernel", "poly"),
        "n_estimators": ("int", 10, 200, "when", "algorithm", "random_forest"),
    }
    calls: list[dict[str, Any]] = []

    def objective(params: dict[str, Any]) -> float:
        calls.append(dict(params))
        return 1.0

    AdaptiveHyperparameterOptimizer(n_trials=40, random_state=1).optimize(objective, space)
    for params in calls:
        if params["algorithm"] == "svm":
            assert set(params) >= {"C", "kernel"} and "n_estimators" not in params
            assert ("degree" in params) == (params["kernel"] == "poly")
        else:
            assert set(params) == {"algorithm", "n_estimators"}
    assert {p["algorithm"] for p in calls} == {"svm", "random_forest"}


def test_same_seed_same_trials_serial() -> None:
    def run() -> list[dict[str, Any]]:
        _, _, history = AdaptiveHyperparameterOptimizer(n_trials=20, random_state=42).optimize(
            quadratic, SPACE, direction="minimize"
        )
        return [r.params for r in history]

    first, second = run(), run()
    assert first == second
    _, _, other = AdaptiveHyperparameterOptimizer(n_trials=20, random_state=7).optimize(
        quadratic, SPACE, direction="minimize"
    )
    assert [r.params for r in other] != first


def test_direction_argument_wins_over_study_direction() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=15, random_state=0, study_direction="maximize")
    _, best, history = opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)}, direction="minimize")
    assert best == min(r.value for r in history)  # type: ignore[type-var]
    _, best, history = opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert best == max(r.value for r in history)  # type: ignore[type-var]
    with pytest.raises(ValueError, match="direction must be 'minimize' or 'maximize', got 'down'"):
        opt.optimize(lambda p: p["x"], {"x": ("float", 0, 1)}, direction="down")


@pytest.mark.parametrize("sampler_type", ["tpe", "gp", "cmaes", "random", "qmc", "nsga2"])
def test_every_sampler_type_runs(sampler_type: str) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=12, random_state=0, sampler_config={"sampler_type": sampler_type}
    )
    _, best, history = opt.optimize(
        lambda p: (p["x"] - 0.2) ** 2 + p["y"],
        {"x": ("float", 0, 1), "y": ("int", 0, 3)},
        direction="minimize",
    )
    assert len(history) == 12 and best < 1.0
    expected = {
        "tpe": "TPESampler",
        "gp": "GPSampler",
        "cmaes": "CmaEsSampler",
        "random": "RandomSampler",
        "qmc": "QMCSampler",
        "nsga2": "NSGAIISampler",
    }
    assert opt.study is not None and type(opt.study.sampler).__name__ == expected[sampler_type]  # type: ignore[attr-defined]


def test_the_spec_sampler_config_runs_as_written() -> None:
    sampler_config = {
        "sampler_type": "tpe",
        "multivariate": True,
        "n_startup_trials": 20,
        "n_ei_candidates": 24,
        "gamma": 0.25,
        "weights": lambda x: min(x, 25),
    }
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=40, random_state=0, sampler_config=sampler_config
    )
    _, best, _ = opt.optimize(quadratic, SPACE, direction="minimize")
    assert best < 3.0


def test_gamma_and_weights_interpretation() -> None:
    gamma = gamma_function(0.25)
    assert [gamma(n) for n in (0, 4, 10, 100, 1000)] == [0, 1, 3, 25, 25]
    weights = weights_function(lambda x: min(x, 25))
    assert weights(0).shape == (0,)
    assert np.array_equal(weights(10), np.ones(10))
    w = weights(40)
    assert w.shape == (40,) and np.all(w[-25:] == 1.0) and np.all(np.diff(w[:15]) > 0)
    assert 0 < w[0] < w[14] < 1.0
    array_form = weights_function(lambda n: np.ones(n) * 2)
    assert np.array_equal(array_form(3), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="returned 2 weights for 3 observations"):
        weights_function(lambda n: np.ones(2))(3)


def test_threads_run_trials_concurrently() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def objective(params: dict[str, Any]) -> float:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return params["x"]

    opt = AdaptiveHyperparameterOptimizer(n_trials=12, n_jobs=3, random_state=0)
    _, _, history = opt.optimize(objective, {"x": ("float", 0, 1)})
    assert len(history) == 12 and peak == 3
    assert sorted(r.number for r in history) == list(range(12))


def test_timeout_stops_starting_trials() -> None:
    def slow(params: dict[str, Any]) -> float:
        time.sleep(0.05)
        return params["x"]

    opt = AdaptiveHyperparameterOptimizer(n_trials=None, timeout=0.3, random_state=0)
    _, _, history = opt.optimize(slow, {"x": ("float", 0, 1)})
    assert 2 <= len(history) <= 8


def test_objective_import_path_is_recorded_in_the_study() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2, random_state=0)
    opt.optimize(quadratic, SPACE)
    assert opt.study is not None
    assert opt.study.user_attrs["ah.objective"] == "tests.test_optimizer:quadratic"
    assert opt.study.user_attrs["ah.space"]["params"][0]["name"] == "x"
    trial = opt.study.trials[0]
    assert trial.user_attrs["ah.backend"] == "optuna" and trial.user_attrs["ah.space_version"] == 0


def test_cache_dir_keeps_the_study_in_a_journal_and_resumes(tmp_path: Any) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=5, random_state=0, cache_dir=tmp_path, study_name="resumable"
    )
    _, best1, _ = opt.optimize(quadratic, SPACE, direction="minimize")
    journal = tmp_path / "resumable.journal"
    assert journal.exists() and journal.stat().st_size > 0
    again = AdaptiveHyperparameterOptimizer(
        n_trials=4, random_state=1, cache_dir=tmp_path, study_name="resumable"
    )
    _, best2, history = again.optimize(quadratic, SPACE, direction="minimize")
    assert len(history) == 4 and best2 <= best1
    loaded = optuna.load_study(study_name="resumable", storage=again.study._storage)  # type: ignore[union-attr]
    assert len(loaded.trials) == 9
    with pytest.raises(ValueError, match="was created to minimize, not maximize"):
        again.optimize(quadratic, SPACE, direction="maximize")


def test_sqlite_storage_url(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path}/study.db"
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0, storage=url, study_name="s")
    opt.optimize(quadratic, SPACE)
    assert len(optuna.load_study(study_name="s", storage=url).trials) == 3
    with pytest.raises(ValueError, match="storage 'ftp://x' is not understood"):
        AdaptiveHyperparameterOptimizer(n_trials=3, storage="ftp://x").optimize(quadratic, SPACE)


def test_history_to_dataframe() -> None:
    _, _, history = AdaptiveHyperparameterOptimizer(n_trials=5, random_state=0).optimize(
        quadratic, SPACE
    )
    df = history.to_dataframe()
    assert len(df) == 5 and {"number", "value", "state", "params_x", "params_kind"} <= set(
        df.columns
    )


def test_bad_search_space_fails_before_any_trial() -> None:
    calls = []
    with pytest.raises(ValueError, match=r"search_space\['lr'\]: a log-scaled range needs low > 0"):
        AdaptiveHyperparameterOptimizer(n_trials=3).optimize(
            lambda p: calls.append(p) or 0.0, {"lr": ("float", 0, 1, "log")}
        )
    assert calls == []


def test_bad_objective_and_callbacks() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3)
    with pytest.raises(ValueError, match="objective must be callable"):
        opt.optimize(42, SPACE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"callbacks\[0\] must be callable"):
        opt.optimize(quadratic, SPACE, callbacks=["nope"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"callbacks\[0\] takes 1 positional arguments"):
        opt.optimize(quadratic, SPACE, callbacks=[lambda a: None])
    with pytest.raises(ValueError, match=r"objective takes 3 positional arguments"):
        opt.optimize(lambda params, trial, extra: 0.0, SPACE)
    with pytest.raises(ValueError, match=r"objective must take the parameters dict"):
        opt.optimize(lambda: 0.0, SPACE)


def test_no_completed_trial_raises_with_reasons() -> None:
    def broken(params: dict[str, Any]) -> float:
        raise RuntimeError("bad data path")

    with pytest.raises(NoCompletedTrialsError, match="RuntimeError: bad data path") as info:
        AdaptiveHyperparameterOptimizer(n_trials=3).optimize(broken, SPACE)
    assert len(info.value.reasons) == 3


def test_a_resumed_study_reports_its_best_params_as_the_declared_objects(tmp_path: Any) -> None:
    space = {"shape": ("categorical", [(1, 2), (3, 4)]), "x": ("float", 0.0, 1.0)}
    first = AdaptiveHyperparameterOptimizer(
        n_trials=6, random_state=0, cache_dir=tmp_path, study_name="tuples"
    )
    best1, _, _ = first.optimize(lambda p: p["x"], space, direction="minimize")
    again = AdaptiveHyperparameterOptimizer(
        n_trials=2, random_state=1, cache_dir=tmp_path, study_name="tuples"
    )
    best2, _, _ = again.optimize(lambda p: 10.0 + p["x"], space, direction="minimize")
    assert best2 == best1 and isinstance(best2["shape"], tuple)


def test_from_config_keeps_the_users_storage_object() -> None:
    storage = optuna.storages.InMemoryStorage()
    config = OptimizationConfig(n_trials=2, storage=storage)
    assert AdaptiveHyperparameterOptimizer.from_config(config).config.storage is storage
    assert config.replace(n_trials=3).storage is storage


def test_resuming_with_other_categorical_choices_is_refused_before_any_trial(
    tmp_path: Any,
) -> None:
    kw: dict[str, Any] = {"random_state": 0, "cache_dir": tmp_path, "study_name": "cats"}
    calls: list[Any] = []

    def objective(params: dict[str, Any]) -> float:
        calls.append(params)
        return 1.0

    AdaptiveHyperparameterOptimizer(n_trials=2, **kw).optimize(
        objective, {"kind": ("categorical", ["a", "b"])}
    )
    again = AdaptiveHyperparameterOptimizer(n_trials=2, **kw)
    with pytest.raises(
        ValueError, match=r"search_space\['kind'\]: study 'cats' .* holds the choices \['a', 'b'\]"
    ):
        again.optimize(objective, {"kind": ("categorical", ["a", "b", "c"])})
    assert len(calls) == 2


def test_monitoring_lines_print_once_when_the_user_sets_up_logging_later() -> None:
    # enable_monitoring adds a handler while nothing else prints; a root handler set up later
    # (here by a bare logging.info in a callback) must not make every line appear twice.
    import subprocess
    import sys

    script = (
        "import logging\n"
        "from adaptive_hyperopt import AdaptiveHyperparameterOptimizer\n"
        "opt = AdaptiveHyperparameterOptimizer(n_trials=3, enable_monitoring=True, random_state=0)\n"
        "opt.optimize(lambda p: p['x'], {'x': ('float', 0.0, 1.0)},\n"
        "             callbacks=[lambda n, b, c: logging.info('callback %d', n)])\n"
    )
    err = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stderr
    for n in range(3):
        assert sum(f"trial {n} COMPLETE" in line for line in err.splitlines()) == 1, err
