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

from ._records import Event, Gap

logger = logging.getLogger("adaptive_hyperopt.events")

DEFAULT_CAPACITY = 100_000


class EventBus:
    """Publishes the events of one study."""

    def __init__(self, study: str, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.study = study
        self.capacity = capacity
        self._log: list[Event] = []
        self._first_seq = 0  # sequence number of self._log[0]
        self._next_seq = 0
        self._closed = False
        self._cond = threading.Condition(threading.Lock())

    @property
    def closed(self) -> bool:
        """True once the study has finished publishing."""
        return self._closed

    @property
    def next_seq(self) -> int:
        """The sequence number the next event will get."""
        return self._next_seq

    def publish(self, event: Event) -> Event:
        """Stamp `event` with the next sequence number and append it to the log."""
        with self._cond:
            # Safe: the event is not visible to any other thread before this append.
            object.__setattr__(event, "seq", self._next_seq)
            self._next_seq += 1
            self._log.append(event)
            if len(self._log) >= 2 * self.capacity:
                drop = len(self._log) - self.capacity
                del self._log[:drop]
                self._first_seq += drop
            self._cond.notify_all()
        return event

    def close(self) -> None:
        """No more events will come; wakes every waiting subscriber."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def read(self, cursor: int, limit: int | None = None) -> tuple[list[Event], int]:
        """Events from sequence number `cursor` on, and the cursor to read from next time."""
        with self._cond:
            return self._read_locked(cursor, limit)

    def _read_locked(self, cursor: int, limit: int | None) -> tuple[list[Event], int]:
        out: list[Event] = []
        if cursor < self._first_seq:
            out.append(Gap(self.study, time.time(), first_seq=cursor, last_seq=self._first_seq - 1))
            cursor = self._first_seq
        start = cursor - self._first_seq
        stop = len(self._log) if limit is None else min(len(self._log), start + limit)
        out.extend(self._log[start:stop])
        return out, self._first_seq + stop

    def wait_read(
        self, cursor: int, timeout: float | None, limit: int | None = None
    ) -> tuple[list[Event], int]:
        """Like `read`, but wait up to `timeout` seconds for something new."""
        with self._cond:
            if cursor >= self._next_seq and not self._closed:
                self._cond.wait(timeout)
            return self._read_locked(cursor, limit)

    def subscribe(self, from_seq: int | None = None) -> Subscription:
        """A pull subscription starting at `from_seq` (default: events published from now on)."""
        return Subscription(self, self._next_seq if from_seq is None else from_seq)

    def add_listener(
        self, callback: Callable[[Event], None], from_seq: int | None = None
    ) -> Listener:
        """Call `callback(event)` for every event, on a dispatcher thread of its own."""
        return Listener(self.subscribe(from_seq), callback)


class Subscription:
    """A cursor into the bus. Iterating blocks until the study finishes and all is read."""

    def __init__(self, bus: EventBus, cursor: int) -> None:
        self._bus = bus
        self.cursor = cursor

    def poll(self, limit: int | None = None) -> list[Event]:
        """Whatever has been published since the last read (never blocks)."""
        events, self.cursor = self._bus.read(self.cursor, limit)
        return events

    def get(self, timeout: float | None = None, limit: int | None = None) -> list[Event]:
        """Wait up to `timeout` seconds for new events and return them (maybe none)."""
        events, self.cursor = self._bus.wait_read(self.cursor, timeout, limit)
        return events

    @property
    def exhausted(self) -> bool:
        """The bus is closed and every event has been read."""
        return self._bus.closed and self.cursor >= self._bus.next_seq

    def __iter__(self) -> Iterator[Event]:
        while not self.exhausted:
            yield from self.get(timeout=0.5)


class Listener:
    """Runs a callback for each event on a daemon thread; a failing callback is logged."""

    def __init__(self, subscription: Subscription, callback: Callable[[Event], None]) -> None:
        self._sub = subscription
        self._callback = callback
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

    def close(self, timeout: float | None = None) -> None:
        """Stop after the events already read; wait for the thread up to `timeout`."""
        self._stop.set()
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the study has finished and every event has been delivered."""
        self._thread.join(timeout)
