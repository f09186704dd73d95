"""Failing trials: every kind ends FAIL with its reason; finished trials are never lost."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import numpy as np
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

SPACE = {"i": ("int", 0, 1000)}


def run_with(results: list[Any], direction: str = "maximize", **kwargs: Any):  # type: ignore[no-untyped-def]
    """Run one trial per entry of `results`: a value to return or an exception to raise."""
    it = iter(results)

    def objective(params: dict[str, Any]) -> Any:
        item = next(it)
        if isinstance(item, BaseException):
            raise item
        return item

    opt = AdaptiveHyperparameterOptimizer(n_trials=len(results), random_state=0, **kwargs)
    return opt, opt.optimize(objective, SPACE, direction=direction)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (ValueError("boom"), "exception: ValueError: boom"),
        (None, "invalid value: the objective returned None"),
        (float("nan"), "invalid value: the objective returned NaN"),
        (np.float64("nan"), "invalid value: the objective returned NaN"),
        ("0.5", "invalid value: the objective returned str '0.5', not a number"),
        ([0.5], "invalid value: the objective returned list [0.5], not a number"),
        (True, "invalid value: the objective returned bool True, not a number"),
        (float("inf"), "invalid value: inf in the direction being optimized"),
    ],
)
def test_each_failure_kind_is_a_fail_with_its_reason(bad: Any, reason: str) -> None:
    opt, (_, best, history) = run_with([0.1, bad, 0.3])
    assert [r.state for r in history] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert history[1].reason == reason and history[1].value is None
    assert best == 0.3
    frozen = opt.study.trials[1]
    assert frozen.state.name == "FAIL" and frozen.user_attrs["ah.fail_reason"] == reason


def test_worst_direction_infinity_is_a_legitimate_value() -> None:
    _, (_, best, history) = run_with([float("-inf"), 0.2], direction="maximize")
    assert [r.state for r in history] == ["COMPLETE", "COMPLETE"] and best == 0.2
    _, (_, best, history) = run_with([float("inf"), -math.inf], direction="maximize")
    assert [r.state for r in history] == ["FAIL", "COMPLETE"] and best == -math.inf


def test_numpy_scalars_are_numbers() -> None:
    _, (_, best, history) = run_with([np.float32(0.25), np.int64(2), np.array(0.5)])
    assert [r.state for r in history] == ["COMPLETE"] * 3 and best == 2.0


def test_max_failures_stops_the_study_with_the_last_reasons(
    caplog: pytest.LogCaptureFixture,
) -> None:
    results: list[Any] = [0.5] + [RuntimeError(f"oom {i}") for i in range(5)] + [0.9] * 4
    opt, (_, best, history) = run_with(results, max_failures=3)
    assert len(history) == 4 and best == 0.5
    assert [r.state for r in history] == ["COMPLETE", "FAIL", "FAIL", "FAIL"]
    assert "max_failures=3 reached" in caplog.text and "oom 2" in caplog.text
    assert len(opt.study.trials) == 4


def test_catch_exceptions_false_reraises_after_recording() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=5, catch_exceptions=False, random_state=0)
    calls = 0

    def objective(params: dict[str, Any]) -> float:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyError("missing column")
        return float(calls)

    with pytest.raises(KeyError, match="missing column"):
        opt.optimize(objective, SPACE)
    states = [t.state.name for t in opt.study.trials]  # type: ignore[union-attr]
    assert states == ["COMPLETE", "COMPLETE", "FAIL"]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_keyboard_interrupt_records_the_running_trial_and_reraises(n_jobs: int) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=10, n_jobs=n_jobs, random_state=0)
    calls = 0

    def objective(params: dict[str, Any]) -> float:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise KeyboardInterrupt
        return 1.0

    with pytest.raises(KeyboardInterrupt):
        opt.optimize(objective, SPACE)
    trials = opt.study.trials  # type: ignore[union-attr]
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in trials)  # nothing left RUNNING
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert any(t.user_attrs["ah.fail_reason"] == "interrupted: KeyboardInterrupt" for t in failed)
    assert sum(t.state.name == "COMPLETE" for t in trials) >= 3 - (n_jobs - 1)


def test_early_stopping_rounds() -> None:
    values = [1.0, 2.0, 2.0005, 2.0, 1.5, 1.9, 2.0009, 5.0, 6.0]
    _opt, (_, best, history) = run_with(
        values, early_stopping_rounds=3, min_improvement_threshold=0.001
    )
    # 2.0 at trial 1 is the last gain above 0.001; trials 2, 3, 4 bring none: stop after trial 4.
    assert len(history) == 5 and best == 2.0005


def test_a_value_too_large_for_a_float_is_a_failed_trial_not_a_stuck_one() -> None:
    opt, (_, best, history) = run_with([0.5, 10**400, 0.7])
    assert [r.state for r in history] == ["COMPLETE", "FAIL", "COMPLETE"] and best == 0.7
    assert "does not fit a float" in (history[1].reason or "")
    assert [t.state.name for t in opt.study.trials] == ["COMPLETE", "FAIL", "COMPLETE"]


class Abort(BaseException):
    """A BaseException that is neither KeyboardInterrupt nor SystemExit."""


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_custom_base_exception_ends_the_study_the_same_way_in_both_executors(
    n_jobs: int,
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=10, n_jobs=n_jobs, random_state=0)
    calls = 0

    def objective(params: dict[str, Any]) -> float:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Abort
        return 1.0

    with pytest.raises(Abort):
        opt.optimize(objective, SPACE)
    trials = opt.study.trials  # type: ignore[union-attr]
    assert all(t.state.name in ("COMPLETE", "FAIL") for t in trials)
    assert any(t.user_attrs.get("ah.fail_reason") == "interrupted: Abort" for t in trials)


def test_an_interrupt_in_a_worker_thread_is_recorded_in_the_history_and_events() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=6, n_jobs=2, random_state=0)
    finished: list[Any] = []
    opt.add_listener(finished.append)
    calls = 0
    lock = threading.Lock()

    def objective(params: dict[str, Any]) -> float:
        nonlocal calls
        with lock:
            calls += 1
            mine = calls
        if mine == 2:
            raise KeyboardInterrupt
        return 1.0

    with pytest.raises(KeyboardInterrupt):
        opt.optimize(objective, SPACE)
    done = [e for e in finished if e.kind == "trial_finished"]
    # one finished event per trial: the one that raised, and any abandoned beside it
    assert sorted(e.number for e in done) == [t.number for t in opt.study.trials]  # type: ignore[union-attr]
    assert any(e.state == "FAIL" and e.reason == "interrupted: KeyboardInterrupt" for e in done)
    assert len(opt.history) == len(done)  # type: ignore[union-attr]


def test_results_already_in_when_the_study_is_interrupted_are_kept() -> None:
    # Trial A finishes at once and its callback keeps the driver busy; meanwhile B raises
    # KeyboardInterrupt and then C completes, so C's result waits in the inbox behind B's.
    opt = AdaptiveHyperparameterOptimizer(n_trials=4, n_jobs=3, random_state=0)
    calls = 0
    lock = threading.Lock()
    start = threading.Barrier(3)

    def objective(params: dict[str, Any]) -> float:
        nonlocal calls
        with lock:
            calls += 1
            mine = calls
        if mine <= 3:
            start.wait(5)  # the three first trials run together
        if mine == 2:
            time.sleep(0.1)
            raise KeyboardInterrupt
        if mine == 3:
            time.sleep(0.2)
            return 3.0
        if mine >= 4:
            time.sleep(0.5)
        return 1.0

    def busy(study: Any, trial: Any) -> None:
        if trial.number == 0 or trial.value == 1.0:
            time.sleep(0.4)

    opt.add_callback(busy)
    with pytest.raises(KeyboardInterrupt):
        opt.optimize(objective, SPACE)
    values = [t.value for t in opt.study.trials if t.state.name == "COMPLETE"]  # type: ignore[union-attr]
    assert 3.0 in values


def test_the_objective_may_mutate_its_params_without_changing_the_record() -> None:
    def objective(params: dict[str, Any]) -> float:
        value = float(params.pop("i"))
        params["junk"] = 1
        return value

    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
    best_params, _, history = opt.optimize(objective, SPACE)
    assert set(best_params) == {"i"} and all(set(r.params) == {"i"} for r in history)


def test_an_interrupt_inside_the_sampler_leaves_no_running_trial(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import optuna

    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(optuna.samplers.RandomSampler, "sample_independent", interrupted)
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=3, random_state=0, sampler_config={"sampler_type": "random"}
    )
    with pytest.raises(KeyboardInterrupt):
        opt.optimize(lambda p: 1.0, SPACE)
    assert [t.state.name for t in opt.study.trials] == ["FAIL"]  # type: ignore[union-attr]
