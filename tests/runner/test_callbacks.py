"""Callbacks: the spec's two forms; a failing callback is reported and never kills the study."""

from __future__ import annotations

from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer


def flaky(params: dict[str, Any]) -> float:
    if params["i"] % 3 == 0:
        raise ValueError("every third fails")
    return float(params["i"])


SPACE = {"i": ("int", 0, 30)}


def test_progress_form_sees_only_complete_trials_and_running_best() -> None:
    seen: list[tuple[int, float, float]] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=20, random_state=0)
    _, best, history = opt.optimize(
        flaky, SPACE, direction="maximize", callbacks=[lambda n, b, c: seen.append((n, b, c))]
    )
    complete = [r for r in history if r.state == "COMPLETE"]
    assert [s[0] for s in seen] == [r.number for r in complete]
    assert [s[2] for s in seen] == [r.value for r in complete]
    running = [max(r.value for r in complete[: i + 1]) for i in range(len(complete))]  # type: ignore[type-var]
    assert [s[1] for s in seen] == running and seen[-1][1] == best
    assert len(complete) < len(history)  # some failed and were not reported


def test_study_form_sees_every_finished_trial() -> None:
    states: list[str] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=15, random_state=0)
    opt.add_callback(lambda study, trial: states.append(trial.state.name))
    _, _, history = opt.optimize(flaky, SPACE, direction="maximize")
    assert states == [r.state for r in history] and "FAIL" in states


def test_a_study_callback_may_modify_its_trial_without_touching_the_study() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=5, random_state=0)

    def vandal(study: Any, trial: Any) -> None:
        trial.params.clear()
        trial.user_attrs["ah.backend"] = "vandal"

    opt.add_callback(vandal)
    opt.optimize(lambda p: float(p["i"]), SPACE)
    stored = opt.study.get_trials(deepcopy=False)
    assert all(t.params and t.user_attrs["ah.backend"] == "optuna" for t in stored)


def test_failing_callback_is_reported_and_the_study_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=10, random_state=0)
    handle = opt.start(lambda p: 1.0, SPACE, callbacks=[lambda n, b, c: 1 / 0])
    events = handle.events
    _, _, history = handle.result(20)
    assert len(history) == 10
    errors = [e for e in events if e.kind == "error"]
    assert len(errors) == 10 and "ZeroDivisionError" in errors[0].message  # type: ignore[attr-defined]
    assert "callback" in caplog.text


def test_add_callback_validates_its_argument() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2)
    with pytest.raises(ValueError, match="must be callable"):
        opt.add_callback("print")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="takes 4 positional arguments"):
        opt.add_callback(lambda a, b, c, d: None)


@pytest.mark.parametrize("thread", [False, True])
def test_add_listener_receives_every_event_before_optimize_returns(thread: bool) -> None:
    import threading

    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0)
    got: list[Any] = []
    threads: set[str] = set()

    def listener(event: Any) -> None:
        threads.add(threading.current_thread().name)
        got.append(event)

    opt.add_listener(listener, interval=0.01, thread=thread)
    opt.optimize(lambda p: float(p["i"]), SPACE)
    assert [e.seq for e in got] == list(range(len(got)))
    assert got[0].kind == "study_started" and got[-1].kind == "finished"
    assert sum(e.kind == "trial_finished" for e in got) == 30
    expected = "adaptive-hyperopt-listener" if thread else threading.current_thread().name
    assert threads == {expected}


def test_inline_listener_sees_a_pause_while_the_study_waits() -> None:
    import time

    opt = AdaptiveHyperparameterOptimizer(n_trials=1000, random_state=0)
    kinds: list[str] = []
    opt.add_listener(lambda e: kinds.append(e.kind), interval=10.0)  # only forced deliveries
    handle = opt.start(lambda p: time.sleep(0.002) or 1.0, SPACE)
    assert handle.pause().wait(5).accepted
    deadline = time.time() + 5
    while "paused" not in kinds and time.time() < deadline:
        time.sleep(0.01)
    assert "paused" in kinds
    handle.stop()
    handle.result(10)
    assert kinds[-1] == "finished"
    with pytest.raises(ValueError, match="must be callable"):
        opt.add_listener(42)  # type: ignore[arg-type]


def test_study_stop_in_an_optuna_form_callback_stops_the_study() -> None:
    def stop_at_five(study: Any, trial: Any) -> None:
        if trial.number == 4:
            study.stop()

    opt = AdaptiveHyperparameterOptimizer(n_trials=50, random_state=0)
    opt.add_callback(stop_at_five)
    _, _, history = opt.optimize(lambda p: float(p["i"]), SPACE)
    assert len(history) == 5
    assert not opt.study._thread_local.in_optimize_loop  # type: ignore[union-attr]


def test_parameters_with_defaults_do_not_change_the_callback_form() -> None:
    progress: list[int] = []
    trials: list[int] = []

    def progress_cb(n: int, best: float, current: float, label: str = "x") -> None:
        progress.append(n)

    def study_cb(study: Any, trial: Any, verbose: bool = False) -> None:
        trials.append(trial.number)

    opt = AdaptiveHyperparameterOptimizer(n_trials=4, random_state=0)
    opt.add_callback(study_cb)
    opt.optimize(lambda p: float(p["i"]), SPACE, callbacks=[progress_cb])
    assert progress == trials == [0, 1, 2, 3]
