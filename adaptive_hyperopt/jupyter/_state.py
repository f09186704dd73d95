"""What the dashboard shows, folded from the study's events: a plain object with no Jupyter.

`DashboardState.apply(event)` costs O(1) per event. The frontend gets append-only deltas
(`take_delta`) and, when a view renders or reloads, a `snapshot`; every row carries the sequence
number of its event, so a view that mixes the two drops what it already has and asks for a new
snapshot when a delta starts past what it has seen. Counters and the best value are exact; only
the plotted points are decimated (`Decimated`), so a long study keeps a bounded drawing cost.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from ..events import Event, to_jsonable

TABLE_ROWS = 50  # kept for a snapshot
DELTA_ROWS = 20  # sent in a delta: the view shows the latest 20
LOG_ROWS = 200
ERROR_ROWS = 20
HISTORY_POINTS = 2_000
SLICE_POINTS = 500


class Decimated:
    """A scatter series that keeps at most `cap` points: past it, every other point goes and
    only every `stride`-th new one is kept, so the kept points stay spread over the study."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.stride = 1
        self.seen = 0
        self.x: list[Any] = []
        self.y: list[float] = []
        self.tags: list[Any] = []

    def add(self, x: Any, y: float, tag: Any = "") -> None:
        """Offer one point; it is kept if it falls on the current stride."""
        self.seen += 1
        if self.seen % self.stride:
            return
        self.x.append(x)
        self.y.append(y)
        self.tags.append(tag)
        if len(self.x) > self.cap:
            self.x, self.y, self.tags = self.x[1::2], self.y[1::2], self.tags[1::2]
            self.stride *= 2


class DashboardState:
    """The dashboard's picture of one study. Callers hold `lock` around `apply` and reads."""

    def __init__(self, study: str) -> None:
        self.lock = threading.Lock()
        self.study = study
        self.upto = -1  # seq of the last event applied
        self.event_time = 0.0  # the kernel's time of that event
        self.state = "created"
        self.direction = "minimize"
        self.backend = ""
        self.n_trials: int | None = None
        self.timeout: float | None = None
        self.t_start: float | None = None
        self.t_end: float | None = None
        self.counts = {"COMPLETE": 0, "PRUNED": 0, "FAIL": 0}
        self.running: set[int] = set()
        self.next_number = 0
        self.best_value: float | None = None
        self.best_number: int | None = None
        self.best_params: dict[str, Any] | None = None
        self.space: dict[str, Any] | None = None
        self.space_version = 0
        self.trials: deque[Any] = deque(maxlen=TABLE_ROWS)  # TrialFinished events
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_ROWS)
        self.errors: deque[dict[str, Any]] = deque(maxlen=ERROR_ROWS)
        # Plot data: exact best-so-far steps and change markers; decimated scatters.
        self.history = Decimated(HISTORY_POINTS)
        self.failed = Decimated(HISTORY_POINTS)
        self.best_steps: list[tuple[int, float]] = []
        self.markers: list[dict[str, Any]] = []
        # Multi-objective studies: every kept point, and the exact non-dominated front.
        self.signs: tuple[float, ...] = (1.0,)  # +1 minimize, -1 maximize, per objective
        self.points = Decimated(HISTORY_POINTS)
        self.front: list[tuple[int, tuple[float, ...]]] = []
        self.importance: dict[str, float] = {}
        self.importance_due = False
        self.plot_dirty = False
        self.resync = False  # a gap: counters must be re-read from the study
        self._delta_since = -1
        self._new_trials: deque[Any] = deque(maxlen=DELTA_ROWS)  # a delta sends the latest only
        self._new: dict[str, list[dict[str, Any]]] = {"log": [], "errors": []}
        self._space_sent = -1

    # Folding events -------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        """Fold one event into the picture."""
        handler = _APPLY.get(event.kind)
        if handler is not None:
            handler(self, event)
        if event.seq >= 0:
            self.upto = event.seq
        self.event_time = event.time

    def _started(self, e: Any) -> None:
        self.state = "running"
        self.direction, self.backend = e.direction, e.backend
        self.signs = tuple(-1.0 if d == "maximize" else 1.0 for d in e.direction.split(","))
        self.n_trials, self.timeout = e.n_trials, e.timeout
        self.t_start, self.t_end = e.time, None
        self.next_number = max(self.next_number, e.n_existing_trials)
        if e.space is not None:
            self._set_space(e.space, e.space_version)
        self._note(e, f"study started: {e.backend}, {e.direction}")

    def _trial_started(self, e: Any) -> None:
        self.running.add(e.number)
        if e.number >= self.next_number:
            self.next_number = e.number + 1

    def _trial_finished(self, e: Any) -> None:
        # The hot path (once per trial): keep the event; rows are built only when sent.
        self.running.discard(e.number)
        if e.number >= self.next_number:
            self.next_number = e.number + 1
        self.counts[e.state] = self.counts.get(e.state, 0) + 1
        self.trials.append(e)
        self._new_trials.append(e)
        value = e.value
        if e.state == "FAIL":
            self.failed.add(e.number, 0.0)
            self._push(
                "errors", self.errors, {"seq": e.seq, "number": e.number, "reason": e.reason}
            )
        elif e.values is not None and e.state == "COMPLETE":
            self._add_to_front(e.number, tuple(e.values))
        elif value is not None:  # the slices are drawn from these kept trials' params
            self.history.add(e.number, value, (e.state, e.params))
        if e.best_value is not None and e.best_value != self.best_value:
            self.best_value, self.best_number = e.best_value, e.best_number
            if e.best_number == e.number:
                self.best_params = to_jsonable(e.params or {})
            self.best_steps.append((e.number, float(e.best_value)))
        self.plot_dirty = True

    def _add_to_front(self, number: int, values: tuple[float, ...]) -> None:
        """Keep the point for the scatter; update the exact front (O(front) per trial)."""
        self.points.add(values, 0.0)
        key = tuple(s * v for s, v in zip(self.signs, values, strict=False))

        def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
            return all(x <= y for x, y in zip(a, b, strict=False)) and a != b

        keyed = [(tuple(s * v for s, v in zip(self.signs, pv, strict=False)), n, pv)
                 for n, pv in self.front]  # fmt: skip
        if any(dominates(k, key) or k == key for k, _, _ in keyed):
            return
        self.front = [(n, pv) for k, n, pv in keyed if not dominates(key, k)] + [(number, values)]

    def _space_changed(self, e: Any) -> None:
        if e.space is not None:
            self._set_space(e.space, e.version)
        self.markers.append(
            {
                "number": self.next_number,
                "version": e.version,
                "source": e.source,
                "reason": e.reason,
            }
        )
        self._note(e, f"space v{e.version} ({e.source}): {e.reason}", source=e.source)
        self.plot_dirty = True

    def _adaptation(self, e: Any) -> None:
        outcome = "changed the space" if e.changed else "left the space unchanged"
        self._note(e, f"adaptation ({e.trigger}) {outcome}: {e.reason}", changed=e.changed)
        self.importance_due = True

    def _strategy_changed(self, e: Any) -> None:
        self._note(e, f"strategy {e.old} -> {e.new}: {e.reason}")

    def _paused(self, e: Any) -> None:
        self.state = "paused"
        self._note(e, "paused")

    def _resumed(self, e: Any) -> None:
        self.state = "running"
        self._note(e, "resumed")

    def _stopped(self, e: Any) -> None:
        self.state = "stopping"
        self._note(e, f"stopping: {e.reason}")

    def _finished(self, e: Any) -> None:
        self.state = "finished"
        self.t_end = e.time
        self.running.clear()
        self.counts.update(COMPLETE=e.n_complete, FAIL=e.n_failed, PRUNED=e.n_pruned)
        if e.best_value is not None:
            self.best_value, self.best_params = e.best_value, to_jsonable(e.best_params)
        self.importance_due = True
        self._note(e, f"finished: {e.reason}" if e.reason else "finished")

    def _error(self, e: Any) -> None:
        self._note(e, f"error in {e.where}: {e.message}")
        self._push("errors", self.errors, {"seq": e.seq, "number": None, "reason": e.message})

    def _gap(self, e: Any) -> None:
        self.resync = True
        self._note(e, f"the dashboard fell behind: events {e.first_seq}-{e.last_seq} skipped")

    def _set_space(self, doc: dict[str, Any], version: int) -> None:
        self.space, self.space_version = doc, version

    def _note(self, e: Any, text: str, **extra: Any) -> None:
        entry = {"seq": e.seq, "kind": e.kind, "time": e.time, "text": text, **extra}
        self._push("log", self.log, entry)

    def _push(self, key: str, rows: deque[dict[str, Any]], row: dict[str, Any]) -> None:
        rows.append(row)
        self._new[key].append(row)

    def sync_counts(self, status: Any) -> None:
        """After a gap, take the counters from the driver's own status."""
        self.counts.update(COMPLETE=status.n_complete, FAIL=status.n_failed, PRUNED=status.n_pruned)
        self.best_value, self.best_params = status.best_value, to_jsonable(status.best_params)
        self.resync = False

    # What the frontend receives --------------------------------------------------------------
    def status(self, now: float | None = None) -> dict[str, Any]:
        """Counters, timings and the best trial, JSON-ready."""
        now = time.time() if now is None else now
        end = self.t_end or now
        elapsed = end - self.t_start if self.t_start is not None else 0.0
        done = sum(self.counts.values())
        rate = done / elapsed if elapsed > 0 else 0.0
        return {
            "state": self.state,
            "n_complete": self.counts["COMPLETE"],
            "n_pruned": self.counts["PRUNED"],
            "n_failed": self.counts["FAIL"],
            "n_running": len(self.running),
            "n_trials": self.n_trials,
            "best_value": to_jsonable(self.best_value),
            "best_number": self.best_number,
            "best_params": self.best_params,
            "elapsed": round(elapsed, 3),
            "rate": round(rate, 3),
            "remaining": self._remaining(elapsed, done, rate),
            "direction": self.direction,
            "backend": self.backend,
            "space_version": self.space_version,
            "front_size": len(self.front) if len(self.signs) > 1 else None,
            "time": self.event_time,
        }

    def _remaining(self, elapsed: float, done: int, rate: float) -> float | None:
        if self.state in ("finished", "created"):
            return None
        left: list[float] = []
        if self.n_trials is not None and rate > 0:
            left.append(max(self.n_trials - done, 0) / rate)
        if self.timeout is not None:
            left.append(max(self.timeout - elapsed, 0.0))
        return round(min(left), 1) if left else None

    def snapshot(self, request_id: Any = None) -> dict[str, Any]:
        """Everything a view needs to draw from scratch; later deltas continue from `upto`."""
        return {
            "kind": "snapshot",
            "id": request_id,
            "study": self.study,
            "upto": self.upto,
            "status": self.status(),
            "space": self.space,
            "trials": [_row(e) for e in self.trials],
            "log": list(self.log),
            "errors": list(self.errors),
        }

    def take_delta(self) -> dict[str, Any] | None:
        """What changed since the last delta, or None if nothing did."""
        if self.upto == self._delta_since:
            return None
        delta = {
            "kind": "delta",
            "since": self._delta_since,
            "upto": self.upto,
            "status": self.status(),
            "trials": [_row(e) for e in self._new_trials],
            **self._new,
        }
        if self.space_version != self._space_sent:
            delta["space"] = self.space
            self._space_sent = self.space_version
        self._delta_since = self.upto
        self._new_trials.clear()
        self._new = {"log": [], "errors": []}
        return delta

    def plot_record(self) -> dict[str, Any]:
        """A copy of the plot data (lists, not views), to draw outside the lock."""
        self.plot_dirty = False
        xs, ys, tags = self.history.x, self.history.y, self.history.tags
        step = -(-len(xs) // SLICE_POINTS) or 1  # every step-th kept trial: at most SLICE_POINTS
        slices: dict[str, tuple[list[Any], list[float]]] = {}
        for y, (state, params) in zip(ys[::step], tags[::step], strict=True):
            if state == "COMPLETE":
                for name, v in (params or {}).items():
                    sx, sy = slices.setdefault(name, ([], []))
                    sx.append(v)
                    sy.append(y)
        return {
            "direction": self.direction,
            "history": (list(xs), list(ys), [tag[0] for tag in tags]),
            "failed": list(self.failed.x),
            "best": list(self.best_steps),
            "markers": list(self.markers),
            "slices": slices,
            "space": self.space,
            "importance": dict(self.importance),
            "points": list(self.points.x),
            "front": sorted(self.front, key=lambda p: p[1]),
        }


def _row(e: Any) -> dict[str, Any]:
    """A finished trial as a table row (JSON-ready)."""
    value = e.value if e.value is not None or e.values is None else list(e.values)
    return {
        "seq": e.seq,
        "number": e.number,
        "state": e.state,
        "value": to_jsonable(value),
        "duration": round(e.duration, 4),
        "params": to_jsonable(e.params or {}),
        "reason": e.reason,
    }


_APPLY: dict[str, Any] = {
    "study_started": DashboardState._started,
    "trial_started": DashboardState._trial_started,
    "trial_finished": DashboardState._trial_finished,
    "space_changed": DashboardState._space_changed,
    "adaptation": DashboardState._adaptation,
    "strategy_changed": DashboardState._strategy_changed,
    "paused": DashboardState._paused,
    "resumed": DashboardState._resumed,
    "stopped": DashboardState._stopped,
    "finished": DashboardState._finished,
    "error": DashboardState._error,
    "gap": DashboardState._gap,
}
