"""History: a read-only view of the run's TrialFinished events as TrialRecords."""

from __future__ import annotations

import time
from typing import Any

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, TrialRecord
from adaptive_hyperopt.events import TrialFinished
from adaptive_hyperopt.runner import History


def finished(number: int, value: float | None = 1.0, state: str = "COMPLETE") -> TrialFinished:
    return TrialFinished(
        "s",
        time.time(),
        number,
        number,
        state,
        value,
        {"x": number},
        None,
        0.5,
        1.0,
        0,
        3,
        "optuna",
    )


def test_records_are_made_from_events_and_follow_later_additions() -> None:
    history = History()
    history.add(finished(0))
    first = history[0]
    assert isinstance(first, TrialRecord) and first.params == {"x": 0}
    assert first.space_version == 3 and first.backend == "optuna" and first.duration == 0.5
    assert first.datetime_start is not None and first.datetime_complete is not None
    assert (first.datetime_complete - first.datetime_start).total_seconds() == 0.5
    history.add(finished(1, None, "FAIL"))
    assert len(history) == 2 and [r.state for r in history] == ["COMPLETE", "FAIL"]
    assert history[0] is first  # made once
    assert history.completed == [first] and history[-1:] == [history[1]]
    assert history == list(history) and History(list(history)) == history


def test_an_optimize_history_matches_the_study() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=6, random_state=0)
    _, _, history = opt.optimize(lambda p: p["x"], {"x": ("float", 0.0, 1.0)})
    trials = opt.study.trials  # type: ignore[union-attr]
    assert [r.number for r in history] == [t.number for t in trials]
    assert [r.value for r in history] == [t.value for t in trials]
    assert all(r.datetime_start <= r.datetime_complete for r in history)  # type: ignore[operator]
    assert len(history.to_dataframe()) == 6


def test_memory_efficient_reads_the_history_back_from_the_study() -> None:
    space = {"x": ("float", 0.0, 1.0), "shape": ("categorical", [(1, 2), "b"])}

    def objective(params: dict[str, object]) -> float:
        x = float(params["x"])  # type: ignore[arg-type]
        if x > 0.8:
            raise ValueError("too big")
        return x

    # TPE throughout: the subject is the history, and the default's Gaussian process would
    # spend most of a minute per study modelling this trivial objective
    tpe = {"sampler_type": "tpe"}
    kept = AdaptiveHyperparameterOptimizer(n_trials=1100, random_state=0, sampler_config=tpe)
    _, _, expected = kept.optimize(objective, space)
    lean = AdaptiveHyperparameterOptimizer(
        n_trials=1100, random_state=0, memory_efficient=True, sampler_config=tpe
    )
    events: list[Any] = []
    lean.add_listener(events.append)
    handle = lean.start(objective, space)
    _, best, history = handle.result(60)
    assert type(history).__name__ == "StoredHistory" and len(history) == 1100
    for mine, theirs in zip(history, expected, strict=True):
        assert (mine.number, mine.params, mine.value, mine.state, mine.reason) == (
            theirs.number,
            theirs.params,
            theirs.value,
            theirs.state,
            theirs.reason,
        )
    assert any(isinstance(r.params["shape"], tuple) for r in history)
    assert best == max(r.value for r in history if r.value is not None)
    # a listener keeping pace misses nothing; the bus itself keeps only the last 1,000 events
    assert sum(e.kind == "trial_finished" for e in events) == 1100
    assert all(e.kind != "gap" for e in events)
    replay = handle.subscribe(from_seq=0).poll()
    assert replay[0].kind == "gap" and replay[0].first_seq == 0


def test_a_history_pickles_as_its_records() -> None:
    import pickle

    history = History()
    history.add(finished(0))
    history.add(finished(1, None, "FAIL"))
    copy = pickle.loads(pickle.dumps(history))
    assert type(copy) is History and copy == history and copy[1].state == "FAIL"
