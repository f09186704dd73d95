"""The bus: ordered sequence numbers, JSON-ready records, bounded buffering with exact gaps."""

from __future__ import annotations

import json
import math
import threading
import time

import pytest

from adaptive_hyperopt.events import (
    EVENT_TYPES,
    EventBus,
    Gap,
    TrialFinished,
    TrialStarted,
)


def started(bus: EventBus, n: int) -> TrialStarted:
    return TrialStarted(bus.study, time.time(), number=n, params={"x": 0.5, "t": (1, 2)})


def test_publish_stamps_consecutive_sequence_numbers() -> None:
    bus = EventBus("s")
    events = [bus.publish(started(bus, i)) for i in range(5)]
    assert [e.seq for e in events] == [0, 1, 2, 3, 4]
    sub = bus.subscribe(from_seq=0)
    assert [e.seq for e in sub.poll()] == [0, 1, 2, 3, 4]
    assert sub.poll() == []


def test_events_are_frozen_and_json_ready() -> None:
    bus = EventBus("s")
    event = bus.publish(
        TrialFinished(
            "s",
            1.0,
            number=3,
            state="FAIL",
            value=None,
            params={"x": math.inf},
            reason="exception: E",
        )
    )
    with pytest.raises(AttributeError):
        event.number = 4  # type: ignore[misc]
    doc = json.loads(json.dumps(event.to_dict()))
    assert doc["kind"] == "trial_finished" and doc["seq"] == 0 and doc["study"] == "s"
    assert doc["params"] == {"x": "inf"} and doc["reason"] == "exception: E"
    assert set(EVENT_TYPES) >= {
        "trial_started",
        "trial_reported",
        "trial_finished",
        "space_changed",
        "strategy_changed",
        "adaptation",
        "paused",
        "resumed",
        "stopped",
        "finished",
        "error",
    }


def test_a_slow_subscriber_is_told_exactly_what_it_missed() -> None:
    bus = EventBus("s", capacity=10)
    sub = bus.subscribe(from_seq=0)
    for i in range(25):
        bus.publish(started(bus, i))
    got = sub.poll()
    assert isinstance(got[0], Gap)
    gap = got[0]
    kept = got[1:]
    assert gap.first_seq == 0 and gap.last_seq == kept[0].seq - 1
    assert [e.seq for e in kept] == list(range(gap.last_seq + 1, 25))
    assert len(kept) >= 10  # at least `capacity` recent events are always kept


def test_subscriber_within_capacity_loses_nothing() -> None:
    bus = EventBus("s", capacity=1000)
    sub = bus.subscribe()
    seen: list[int] = []
    for i in range(3000):
        bus.publish(started(bus, i))
        if i % 500 == 0:
            seen.extend(e.seq for e in sub.poll())
    seen.extend(e.seq for e in sub.poll())
    assert seen == list(range(3000))


def test_iteration_blocks_until_closed_and_listener_gets_everything() -> None:
    bus = EventBus("s")
    got: list[int] = []
    listener = bus.add_listener(lambda e: got.append(e.seq), from_seq=0)
    sub = bus.subscribe(from_seq=0)

    def produce() -> None:
        for i in range(50):
            bus.publish(started(bus, i))
        bus.close()

    threading.Thread(target=produce).start()
    assert [e.seq for e in sub] == list(range(50))
    listener.join(timeout=5)
    assert got == list(range(50))


def test_failing_listener_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus("s")
    calls: list[int] = []

    def bad(event: object) -> None:
        calls.append(1)
        raise RuntimeError("listener bug")

    listener = bus.add_listener(bad)
    bus.publish(started(bus, 0))
    bus.publish(started(bus, 1))
    bus.close()
    listener.join(timeout=5)
    assert len(calls) == 2 and "listener bug" in caplog.text


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity must be at least 1"):
        EventBus("s", capacity=0)


def test_publish_restamps_a_wrong_sequence_number_and_emit_builds() -> None:
    bus = EventBus("s")
    first = bus.publish(TrialStarted("s", 1.0, seq=17, number=0))
    assert first.seq == 0
    second = bus.emit(TrialStarted, 2.0, 1, {"x": 1}, 0)
    assert (second.seq, second.number, second.study, second.params) == (1, 1, "s", {"x": 1})
    assert isinstance(second, TrialStarted) and second.kind == "trial_started"


def test_subscribe_refuses_a_negative_start() -> None:
    with pytest.raises(ValueError, match="from_seq must be an int >= 0, got -1"):
        EventBus("s").subscribe(from_seq=-1)
