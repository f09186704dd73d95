"""The pump: one thread that folds a study's events into the dashboard and streams them out.

It reads the event bus at most `send_hz` times a second and sends one delta per wake-up (the
Jupyter server silently drops comm messages above about 1000 per second, shared by every comm of
the kernel: docs/dashboard.md); it redraws the plots at 2 Hz, and less often when they hold many
points (bqplot re-sends whole arrays and lags past about 10k re-rendered points per second).
It is the only thread that writes to the stream widget and the plots: one writer per widget.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..adapt._importance import region_importances
from ._state import DashboardState

logger = logging.getLogger("adaptive_hyperopt.jupyter")

SEND_HZ = 10
PLOT_POINTS_PER_SECOND = 8_000
PLOT_INTERVAL = (0.5, 2.0)  # seconds: 2 Hz at most, and never slower than every 2 s
IMPORTANCE_INTERVAL = 2.0  # seconds between importance computations


class Pump:
    """Streams `control`'s events into `state`, `send` (the stream widget) and `plots`."""

    def __init__(
        self,
        control: Any,
        state: DashboardState,
        send: Callable[[dict[str, Any]], None],
        plots: Any = None,
        send_hz: float = SEND_HZ,
    ) -> None:
        self._control = control
        self._state = state
        self._send = send
        self._plots = plots
        self._period = 1.0 / send_hz
        self._sub = control.subscribe(from_seq=0)
        self._stop = threading.Event()
        self._next_plot = 0.0
        self._next_importance = 0.0
        self._thread = threading.Thread(
            target=self._run, name=f"adaptive-hyperopt-pump-{control.study_name}", daemon=True
        )

    def start(self) -> None:
        """Start streaming."""
        self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Stop after the current wake-up."""
        self._stop.set()
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait until the study has ended and everything has been sent."""
        self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Whether the pump is still streaming."""
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            finished = self._sub.exhausted
            try:
                self.step(force=finished)
            except Exception:  # a broken comm or plot must not take the study down
                logger.exception("dashboard pump failed; the study goes on without it")
                return
            if finished:
                return
            self._sub.bus.wait_closed(self._period)

    def step(self, force: bool = False) -> None:
        """One wake-up: fold new events, send a delta, redraw the plots if due."""
        state = self._state
        events = self._sub.poll()
        with state.lock:
            for event in events:
                state.apply(event)
            if state.resync:
                state.sync_counts(self._control.status)
            delta = state.take_delta()
            if delta is not None:
                self._send(delta)  # under the lock: ordered with snapshot replies
        if self._plots is None:
            return
        now = time.monotonic()
        if state.importance_due and (force or now >= self._next_importance):
            self._next_importance = now + IMPORTANCE_INTERVAL
            importance = self._importance()
            with state.lock:
                state.importance_due = False
                if importance:
                    state.importance, state.plot_dirty = importance, True
        if state.plot_dirty and (force or now >= self._next_plot):
            with state.lock:
                record = state.plot_record()
            points = len(record["history"][0]) + sum(len(x) for x, _ in record["slices"].values())
            low, high = PLOT_INTERVAL
            self._next_plot = now + min(max(points / PLOT_POINTS_PER_SECOND, low), high)
            self._plots.refresh(record)

    def _importance(self) -> dict[str, float]:
        """Each parameter's share of the PED-ANOVA importance inside the current region, as the
        freeze strategy sees it ({} while there is nothing to say)."""
        study = self._control.study
        if len(study.directions) != 1:
            return {}
        raw = region_importances(study, self._control.space)
        total = sum(raw.values())
        return {n: float(v) / total for n, v in raw.items()} if total > 0 else {}
