"""The spec's custom-strategy API: set_adaptation_strategy, search_space, narrow/expand, force."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.events import Event
from adaptive_hyperopt.space import SearchSpace

SPACE = {"x": ("float", 0.0, 10.0), "n": ("int", 1, 50), "k": ("categorical", ["a", "b"])}


def objective(p: dict[str, Any]) -> float:
    return (p["x"] - 7.0) ** 2 + abs(p["n"] - 10) / 10 + (p["k"] == "b")


def run(
    strategy: Any, n: int = 40, **kwargs: Any
) -> tuple[AdaptiveHyperparameterOptimizer, list[Event]]:
    events: list[Event] = []
    opt = AdaptiveHyperparameterOptimizer(n_trials=n, random_state=0, **kwargs)
    opt.set_adaptation_strategy(strategy)
    opt.add_listener(events.append)
    opt.optimize(objective, SPACE, direction="minimize")
    return opt, events


def test_the_strategy_sees_the_optimizer_and_the_completed_trials() -> None:
    seen: list[tuple[int, int, int, str]] = []

    def strategy(optimizer: AdaptiveHyperparameterOptimizer, history: Any) -> Any:
        space = optimizer.search_space
        assert isinstance(space, SearchSpace)
        assert all(r.state == "COMPLETE" and r.value is not None for r in history)
        assert history[-1].params["k"] in ("a", "b")  # decoded, as the objective got them
        seen.append(
            (len(history), space.version, history[-1].number, threading.current_thread().name)
        )
        return optimizer.narrow_search_space()

    opt, events = run(strategy, n=40)
    assert [s[:2] for s in seen] == [(20, 0), (40, 1)]
    changes = [e for e in events if e.kind == "space_changed"]
    assert [e.version for e in changes] == [1, 2]  # type: ignore[attr-defined]
    assert changes[0].reason == "custom strategy" and "x" in changes[0].changes  # type: ignore[attr-defined]
    assert opt.search_space is not None and opt.search_space.version == 2


@pytest.mark.parametrize(
    ("result", "message"),
    [
        (lambda o: 42, "expected a SearchSpace"),
        (lambda o: SearchSpace.from_dict({"x": ("float", 0.0, 10.0)}), "parameters differ"),
        (
            lambda o: SearchSpace.from_dict({**SPACE, "x": ("float", 0.0, 20.0)}),
            r"declared domains of \['x'\] differ",
        ),
    ],
)
def test_an_invalid_space_is_reported_and_the_study_keeps_its_last_valid_one(
    result: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    opt, events = run(lambda o, h: result(o))
    adaptations = [e for e in events if e.kind == "adaptation"]
    assert len(adaptations) == 2 and not any(e.changed for e in adaptations)  # type: ignore[attr-defined]
    for e in adaptations:
        assert "custom strategy returned an invalid space" in e.reason  # type: ignore[attr-defined]
        assert "the space stays at version 0" in e.reason  # type: ignore[attr-defined]
    assert any(re.search(message, r.getMessage()) for r in caplog.records)
    assert opt.search_space is not None and opt.search_space.version == 0
    assert len(opt.history) == 40


def test_a_strategy_that_raises_is_reported_and_the_study_goes_on() -> None:
    def strategy(optimizer: Any, history: Any) -> Any:
        raise KeyError("oops")

    opt, events = run(strategy)
    reasons = [e.reason for e in events if e.kind == "adaptation"]  # type: ignore[attr-defined]
    assert reasons and all("custom strategy raised KeyError: 'oops'" in r for r in reasons)
    assert len(opt.history) == 40


def test_a_custom_range_edit_counts_and_returning_the_space_changes_nothing() -> None:
    calls = {"n": 0}

    def strategy(optimizer: AdaptiveHyperparameterOptimizer, history: Any) -> Any:
        calls["n"] += 1
        space = optimizer.search_space
        assert space is not None
        return space if calls["n"] == 1 else space.with_range("x", 5.0, 9.0)

    opt, events = run(strategy)
    outcomes = [(e.changed, e.reason) for e in events if e.kind == "adaptation"]  # type: ignore[attr-defined]
    assert outcomes == [(False, "custom strategy: no change"), (True, "custom strategy")]
    assert opt.search_space is not None and opt.search_space["x"].low == 5.0  # type: ignore[attr-defined]


def test_set_adaptation_strategy_checks_its_argument_and_none_restores_the_built_ins() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=40, random_state=0)
    with pytest.raises(ValueError, match="strategy must be callable"):
        opt.set_adaptation_strategy(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must take \\(optimizer, trial_history\\)"):
        opt.set_adaptation_strategy(lambda only: None)
    opt.set_adaptation_strategy(lambda o, h: None)
    opt.set_adaptation_strategy(None)
    events: list[Event] = []
    opt.add_listener(events.append)
    opt.optimize(objective, SPACE, direction="minimize")
    assert any("narrow:" in e.reason for e in events if e.kind == "adaptation")  # type: ignore[attr-defined]


def test_narrow_and_expand_are_previews_inside_the_users_limits() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0, adaptation_interval=0)
    with pytest.raises(ValueError, match="no search space yet"):
        opt.narrow_search_space()
    opt.optimize(objective, SPACE, direction="minimize")
    space = opt.search_space
    assert space is not None and space.version == 0  # adaptation_interval=0: never adapted
    narrow = opt.narrow_search_space()
    assert narrow.version == 1 and opt.search_space is space  # a preview: nothing changes
    best = opt.best_params
    assert best is not None
    assert narrow["x"].low <= best["x"] <= narrow["x"].high < 10  # type: ignore[attr-defined]
    assert opt._narrow_search_space() == narrow  # the spec's name
    opt.search_space = narrow
    wide = opt.expand_search_space()
    assert wide["x"].high - wide["x"].low > narrow["x"].high - narrow["x"].low  # type: ignore[attr-defined]
    assert wide["x"].low >= 0.0 and wide["x"].high <= 10.0  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="factor must be a number >= 1"):
        opt.expand_search_space(0.5)


def test_force_adaptation_after_the_study_is_recorded_for_continuing() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0, adaptation_interval=0)
    with pytest.raises(RuntimeError, match="needs a study"):
        opt.force_adaptation()
    opt.optimize(objective, SPACE, direction="minimize")
    reply = opt.force_adaptation()
    assert reply.accepted and "narrow: trust region opened" in reply.message
    assert opt.search_space is not None and reply.space_version == opt.search_space.version == 1
    assert opt.study is not None and opt.study.user_attrs["ah.space"]["version"] == 1
    assert opt.study.user_attrs["ah.space_log"][-1]["source"] == "adaptation"


def test_force_adaptation_on_a_running_study_is_adapt_now() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=400, random_state=0, adaptation_interval=0)

    def slow(p: dict[str, Any]) -> float:
        threading.Event().wait(0.002)
        return objective(p)

    handle = opt.start(slow, SPACE, direction="minimize")
    events = handle.events
    deadline = threading.Event()
    while handle.status.n_complete < 25 and not deadline.wait(0.01):
        pass
    reply = opt.force_adaptation()
    assert reply.accepted and reply.space_version == 1
    assert opt.search_space is handle.space and handle.space.version == 1
    handle.stop()
    handle.result(30)
    assert [e.trigger for e in events if e.kind == "adaptation"] == ["user"]  # type: ignore[attr-defined]


def test_adaptation_interval_zero_turns_interval_checkpoints_off() -> None:
    opt, events = run(None, n=60, adaptation_interval=0)
    assert not [e for e in events if e.kind in ("adaptation", "space_changed")]
    assert opt.search_space is not None and opt.search_space.version == 0


def test_force_adaptation_from_a_callback_is_queued_not_waited_for() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=40, random_state=0, adaptation_interval=0)
    futures: list[Any] = []

    def callback(study: Any, trial: Any) -> None:
        if trial.number == 24:
            futures.append(opt.force_adaptation())  # on the study's own thread

    opt.add_callback(callback)
    events: list[Event] = []
    opt.add_listener(events.append)
    opt.optimize(objective, SPACE, direction="minimize")
    assert futures and futures[0].done() and futures[0].result().accepted
    assert [e.trigger for e in events if e.kind == "adaptation"] == ["user"]  # type: ignore[attr-defined]
