"""StudyHandle: a study driven live from another thread."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, StudyHandle
from adaptive_hyperopt.events import Event

SPACE = {
    "x": ("float", 0.0, 10.0),
    "n": ("int", 1, 100),
    "kind": ("categorical", ["a", "b", "c"]),
}


def slow_objective(delay: float = 0.01):  # type: ignore[no-untyped-def]
    def objective(params: dict[str, Any]) -> float:
        time.sleep(delay)
        return params["x"] + params["n"] / 100

    return objective


def start(n_trials: int = 200, delay: float = 0.01, **kwargs: Any) -> StudyHandle:
    # These tests count the user's space versions: no automatic adaptation unless asked for
    # (tests/adapt covers it).
    kwargs.setdefault("adaptation_interval", 0)
    opt = AdaptiveHyperparameterOptimizer(n_trials=n_trials, random_state=0, **kwargs)
    return opt.start(slow_objective(delay), SPACE, direction="minimize")


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def test_pause_stops_new_trials_and_resume_continues() -> None:
    handle = start()
    wait_for(lambda: handle.status.n_complete >= 3)
    reply = handle.pause().wait(5)
    assert reply.accepted
    done_at_pause = handle.status.n_complete
    time.sleep(0.3)  # ~30 trials' worth of time
    assert handle.status.n_complete <= done_at_pause + 1  # at most the trial that was running
    assert handle.status.paused and handle.status.state == "paused"
    assert handle.resume().wait(5).accepted
    wait_for(lambda: handle.status.n_complete >= done_at_pause + 5)
    handle.stop()
    handle.result(10)


def test_stop_ends_cleanly_with_the_result() -> None:
    handle = start(n_trials=10_000)
    wait_for(lambda: handle.status.n_complete >= 5)
    assert handle.stop().wait(5).accepted
    best_params, best_score, history = handle.result(10)
    assert handle.done() and 5 <= len(history) < 10_000
    assert best_score == min(r.value for r in history if r.value is not None)
    assert set(best_params) == {"x", "n", "kind"}
    assert handle.status.state == "finished" and handle.status.n_running == 0
    late = handle.pause().wait(5)
    assert not late.accepted and late.message == "the study has finished"


def test_range_edit_changes_later_samples_and_is_a_user_space_change() -> None:
    handle = start(n_trials=60)
    events = handle.events
    wait_for(lambda: handle.status.n_complete >= 5)
    reply = handle.set_range("x", 2.0, 2.5).wait(5)
    assert reply.accepted and reply.space_version == 1
    choices = handle.set_choices("kind", ["b"]).wait(5)
    assert choices.accepted and choices.space_version == 2
    _, _, history = handle.result(20)
    later = [r for r in history if r.space_version >= 2]
    assert len(later) >= 20
    assert all(2.0 <= r.params["x"] <= 2.5 and r.params["kind"] == "b" for r in later)
    early = [r for r in history if r.space_version == 0]
    assert any(not 2.0 <= r.params["x"] <= 2.5 for r in early)
    changes = [e for e in events if e.kind == "space_changed"]
    assert [(e.version, e.source) for e in changes] == [(1, "user"), (2, "user")]  # type: ignore[attr-defined]
    assert changes[0].changes == {"x": {"low": 2.0, "high": 2.5}}  # type: ignore[attr-defined]
    log = handle.study.user_attrs["ah.space_log"]
    assert [entry["version"] for entry in log] == [0, 1, 2]


def test_freeze_and_unfreeze_live() -> None:
    handle = start(n_trials=40)
    wait_for(lambda: handle.status.n_complete >= 3)
    assert handle.freeze("n", 42).wait(5).accepted
    wait_for(lambda: handle.status.n_complete >= 15)
    assert handle.unfreeze("n").wait(5).accepted
    _, _, history = handle.result(20)
    frozen = [r for r in history if r.space_version == 1]
    assert frozen and all(r.params["n"] == 42 for r in frozen)
    assert any(r.params["n"] != 42 for r in history if r.space_version == 2)


@pytest.mark.parametrize(
    ("send", "message"),
    [
        (lambda h: h.set_range("nope", 0, 1), "unknown parameter 'nope'"),
        (lambda h: h.set_range("x", 5, 1), "low must be below high"),
        (lambda h: h.set_range("x", "0", 1), "low for 'x' must be a number"),
        (lambda h: h.set_range("kind", 0, 1), "'kind' is categorical"),
        (lambda h: h.set_choices("kind", ["z"]), "'z' is not one of the declared choices"),
        (lambda h: h.set_choices("kind", []), "must not be empty"),
        (lambda h: h.freeze("kind", "z"), "cannot freeze 'kind'"),
        (lambda h: h.unfreeze("x"), "'x' is not frozen"),
        (lambda h: h._send("explode"), "unknown command 'explode'"),
        (lambda h: h.set_range("x", 0, float("inf")), "high for 'x' must be a finite number"),
        (lambda h: h.set_range("x", float("nan"), 1), "low for 'x' must be a finite number"),
        (lambda h: h.set_range("x", 0, 10**400), "high for 'x' must be a finite number"),
        (lambda h: h.set_range("x", -1e308, 1e308), "range of 'x' is too wide"),
    ],
)
def test_invalid_commands_are_refused_and_the_study_goes_on(send, message: str) -> None:  # type: ignore[no-untyped-def]
    handle = start(n_trials=30)
    reply = send(handle).wait(5)
    assert not reply.accepted and message in reply.message
    _, _, history = handle.result(20)
    assert len(history) == 30 and handle.space.version == 0


def test_adapt_now_always_reports_an_adaptation_event() -> None:
    # adaptation_interval=0: no interval checkpoint, but adapt_now still runs one
    handle = start(n_trials=20)
    events = handle.events
    reply = handle.adapt_now().wait(5)
    assert reply.accepted and "narrow: waiting for" in reply.message  # too few trials yet
    handle.result(20)
    adaptations = [e for e in events if e.kind == "adaptation"]
    assert len(adaptations) == 1
    assert adaptations[0].trigger == "user" and adaptations[0].changed is False  # type: ignore[attr-defined]
    assert adaptations[0].reason == reply.message  # type: ignore[attr-defined]


def test_events_arrive_complete_and_in_order() -> None:
    handle = start(n_trials=25, n_jobs=3, delay=0.005)
    received: list[Event] = []
    done = threading.Event()

    def consume() -> None:
        received.extend(handle.events)
        done.set()

    threading.Thread(target=consume).start()
    handle.result(20)
    assert done.wait(10)
    assert [e.seq for e in received] == list(range(len(received)))
    kinds = [e.kind for e in received]
    assert kinds[0] == "study_started" and kinds[-1] == "finished"
    started = [e.number for e in received if e.kind == "trial_started"]  # type: ignore[attr-defined]
    finished = [e.number for e in received if e.kind == "trial_finished"]  # type: ignore[attr-defined]
    assert sorted(started) == sorted(finished) == list(range(25))
    for number in range(25):
        assert kinds.index("trial_started", 0) <= next(
            i
            for i, e in enumerate(received)
            if e.kind == "trial_finished" and e.number == number  # type: ignore[attr-defined]
        )
    assert received[-1].n_complete == 25  # type: ignore[attr-defined]


def test_pause_then_stop_while_paused() -> None:
    handle = start(n_trials=1000)
    wait_for(lambda: handle.status.n_complete >= 2)
    handle.pause().wait(5)
    assert handle.stop().wait(5).accepted
    assert handle.wait(10)
    assert handle.status.state == "finished"


def test_await_handle() -> None:
    async def main() -> float:
        handle = start(n_trials=10, delay=0.001)
        _, best, history = await handle
        assert len(history) == 10
        return best

    assert asyncio.run(main()) >= 0


def test_wait_with_timeout_and_repr() -> None:
    handle = start(n_trials=10_000, delay=0.01)
    assert handle.wait(0.05) is False
    assert "running" in repr(handle) or "paused" in repr(handle)
    handle.stop()
    assert handle.wait(10) is True
    assert "finished" in repr(handle)
    assert "0x" not in repr(handle)


def test_a_paused_study_still_ends_at_its_timeout() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=None, timeout=0.5, random_state=0)
    handle = opt.start(slow_objective(0.01), SPACE, direction="minimize")
    wait_for(lambda: handle.status.n_complete >= 2)
    assert handle.pause().wait(5).accepted
    assert handle.wait(5), "the deadline passed while paused, yet the study did not end"
    assert handle.status.state == "finished"


def test_stop_while_paused_leaves_the_paused_state() -> None:
    handle = start(n_trials=1000, delay=0.05)
    wait_for(lambda: handle.status.n_complete >= 1)
    handle.pause().wait(5)
    handle.stop().wait(5)
    assert handle.status.state in ("running", "finished") and not handle.status.paused
    handle.wait(10)


def test_elapsed_stops_growing_once_the_study_ends() -> None:
    handle = start(n_trials=3, delay=0.001)
    handle.result(10)
    first = handle.status.elapsed
    time.sleep(0.05)
    assert handle.status.elapsed == first


def test_switch_backend_mid_study_and_every_trial_names_its_proposer() -> None:
    handle = start(n_trials=40, delay=0.005, adaptation_interval=0)
    events = handle.events
    wait_for(lambda: handle.status.n_complete >= 5)
    bad = handle.switch_backend("nevergrad").wait(5)
    assert not bad.accepted and "backend must be one of" in bad.message
    reply = handle.switch_backend("hyperopt", {"algo": "rand"}).wait(5)
    assert reply.accepted and "proposes from the next trial" in reply.message
    _, _, history = handle.result(30)
    names = [t.user_attrs["ah.backend"] for t in handle.study.trials]
    assert names[0] == "optuna" and names[-1] == "hyperopt"
    switch = names.index("hyperopt")
    assert set(names[:switch]) == {"optuna"} and set(names[switch:]) == {"hyperopt"}
    assert [r.backend for r in history] == names
    changed = [e for e in events if e.kind == "strategy_changed"]
    assert len(changed) == 1 and "hyperopt" in changed[0].new  # type: ignore[attr-defined]
