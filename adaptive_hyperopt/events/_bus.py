"""The event bus: an append-only, bounded log that subscribers read at their own pace.

Publishing is an append under a short lock, so it never blocks the driver on a subscriber.
Each subscriber is only a cursor into the log. The log keeps at least `capacity` recent events;
a subscriber that falls further behind gets a `Gap` event naming exactly the sequence numbers
it missed, then continues with what is still kept.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ._records import Event, Gap

logger = logging.getLogger("adaptive_hyperopt.events")
E = TypeVar("E")

DEFAULT_CAPACITY = 100_000
LISTENER_INTERVAL = 0.1  # 10 Hz, the low end of the dashboard cadence (DESIGN.md)


class EventBus:
    """Publishes the events of one study.

    One thread publishes: the study's driver (DESIGN.md: one writer). Readers, on any thread,
    take no lock: the log and the sequence number of its first event live in one tuple that is
    replaced whole when the log is trimmed, and appending to a list is atomic, so a reader always
    sees a consistent prefix. (A lock shared with readers made a busy driver wait behind a
    reader thread that the GIL had paused while holding it.)
    """

    def __init__(self, study: str, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.study = study
        self.capacity = capacity
        self._state: tuple[int, list[Event]] = (0, [])  # (seq of log[0], log)
        self._closed = False
        self._closed_event = threading.Event()
        self._waiting = 0  # readers blocked in wait_read: notify only when there are some
        self._cond = threading.Condition(threading.Lock())

    @property
    def closed(self) -> bool:
        """True once the study has finished publishing."""
        return self._closed

    @property
    def next_seq(self) -> int:
        """The sequence number the next event will get."""
        first, log = self._state
        return first + len(log)

    def publish(self, event: Event) -> Event:
        """Append `event`, stamped with the next sequence number (a copy if it had another)."""
        first, log = self._state
        if event.seq != first + len(log):
            event = event.with_seq(first + len(log))
        self._append(event)
        return event

    def emit(self, cls: Callable[..., E], time: float, *fields: Any) -> E:
        """Build `cls(study, time, seq, *fields)` and publish it: the driver's cheap path."""
        first, log = self._state
        event = cls(self.study, time, first + len(log), *fields)
        self._append(event)  # type: ignore[arg-type]
        return event

    def _append(self, event: Event) -> None:
        first, log = self._state
        log.append(event)
        if len(log) >= 2 * self.capacity:
            drop = len(log) - self.capacity
            self._state = (first + drop, log[drop:])
        if self._waiting:
            with self._cond:
                self._cond.notify_all()

    def close(self) -> None:
        """No more events will come; wakes every waiting subscriber."""
        self._closed = True
        self._closed_event.set()
        with self._cond:
            self._cond.notify_all()

    def read(self, cursor: int, limit: int | None = None) -> tuple[list[Event], int]:
        """Events from sequence number `cursor` on, and the cursor to read from next time."""
        first, log = self._state
        out: list[Event] = []
        if cursor < first:
            out.append(Gap(self.study, time.time(), first_seq=cursor, last_seq=first - 1))
            cursor = first
        start = cursor - first
        chunk = log[start:] if limit is None else log[start : start + limit]
        out.extend(chunk)
        return out, cursor + len(chunk)

    def wait_read(
        self, cursor: int, timeout: float | None, limit: int | None = None
    ) -> tuple[list[Event], int]:
        """Like `read`, but wait up to `timeout` seconds for something new."""
        if cursor >= self.next_seq and not self._closed:
            with self._cond:
                self._waiting += 1  # before the re-check, so a publish after it will notify
                try:
                    if cursor >= self.next_seq and not self._closed:
                        self._cond.wait(timeout)
                finally:
                    self._waiting -= 1
        return self.read(cursor, limit)

    def wait_closed(self, timeout: float | None) -> bool:
        """Sleep until the bus closes or `timeout` passes; True if it is closed."""
        return self._closed_event.wait(timeout)

    def subscribe(self, from_seq: int | None = None) -> Subscription:
        """A pull subscription starting at `from_seq` (default: events published from now on)."""
        if from_seq is None:
            return Subscription(self, self.next_seq)
        if isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 0:
            raise ValueError(f"from_seq must be an int >= 0, got {from_seq!r}")
        return Subscription(self, from_seq)

    def add_listener(
        self,
        callback: Callable[[Event], None],
        from_seq: int | None = None,
        interval: float = LISTENER_INTERVAL,
    ) -> Listener:
        """Call `callback(event)` for every event, on a dispatcher thread of its own."""
        return Listener(self.subscribe(from_seq), callback, interval)


class Subscription:
    """A cursor into the bus. Iterating blocks until the study finishes and all is read."""

    def __init__(self, bus: EventBus, cursor: int) -> None:
        self.bus = bus
        self.cursor = cursor

    def poll(self, limit: int | None = None) -> list[Event]:
        """Whatever has been published since the last read (never blocks)."""
        events, self.cursor = self.bus.read(self.cursor, limit)
        return events

    def get(self, timeout: float | None = None, limit: int | None = None) -> list[Event]:
        """Wait up to `timeout` seconds for new events and return them (maybe none)."""
        events, self.cursor = self.bus.wait_read(self.cursor, timeout, limit)
        return events

    @property
    def exhausted(self) -> bool:
        """The bus is closed and every event has been read."""
        return self.bus.closed and self.cursor >= self.bus.next_seq

    def __iter__(self) -> Iterator[Event]:
        while not self.exhausted:
            yield from self.get(timeout=0.5)


class Listener:
    """Runs a callback for each event on a daemon thread; a failing callback is logged.

    It wakes at most once per `interval` seconds and delivers what arrived meanwhile, so a busy
    study does not pay a thread switch per event.
    """

    def __init__(
        self,
        subscription: Subscription,
        callback: Callable[[Event], None],
        interval: float = LISTENER_INTERVAL,
    ) -> None:
        self._sub = subscription
        self._callback = callback
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="adaptive-hyperopt-listener")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and not self._sub.exhausted:
            for event in self._sub.get(timeout=0.25):
                try:
                    self._callback(event)
                except Exception:
                    logger.exception("event listener %r failed on %s", self._callback, event.kind)
            if self._interval > 0:
                self._sub.bus.wait_closed(self._interval)  # batch, but never delay the end

    def close(self, timeout: float | None = None) -> None:
        """Stop after the events already read; wait for the thread up to `timeout`."""
        self._stop.set()
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the study has finished and every event has been delivered."""
        self._thread.join(timeout)


class InlineListener:
    """Runs a callback for each event on the publisher's own thread, in batches.

    The driver calls `deliver()` at trial boundaries; events go out at most every `interval`
    seconds, and all of them when forced (at pauses and at the end). No thread is started:
    a second thread alone slowed a no-op study by about 12% here (its mere presence makes
    CPython and the allocator take slower paths), so this is the default for listeners.
    A callback here runs between trials: keep it quick.
    """

    def __init__(
        self, subscription: Subscription, callback: Callable[[Event], None], interval: float
    ) -> None:
        self._sub = subscription
        self._callback = callback
        self._interval = interval
        self._due = 0.0

    def deliver(self, now: float, force: bool = False) -> None:
        """Hand over what arrived since the last delivery, if it is time (or `force`)."""
        if not force and now < self._due:
            return
        self._due = now + self._interval
        for event in self._sub.poll():
            try:
                self._callback(event)
            except Exception:
                logger.exception("event listener %r failed on %s", self._callback, event.kind)
