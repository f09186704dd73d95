"""Frozen, JSON-ready event records. Every event has `kind`, `seq`, `study` and `time`.

The driver creates them with `seq=-1`; the bus stamps the sequence number as it publishes, before
any other thread can see the event (so the records stay immutable to everyone who reads them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    """Base of all events."""

    kind: ClassVar[str] = "event"
    study: str
    time: float
    seq: int = -1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `{"kind": ..., "seq": ..., "study": ..., "time": ..., ...}`."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            out[f.name] = to_jsonable(getattr(self, f.name))
        return out


@dataclass(frozen=True, slots=True)
class StudyStarted(Event):
    """The driver started (or resumed) a study."""

    kind: ClassVar[str] = "study_started"
    direction: str = "minimize"
    backend: str = "optuna"
    n_trials: int | None = None
    timeout: float | None = None
    space: dict[str, Any] | None = None
    space_version: int = 0
    n_existing_trials: int = 0


@dataclass(frozen=True, slots=True)
class TrialStarted(Event):
    """A trial was handed to an executor."""

    kind: ClassVar[str] = "trial_started"
    number: int = -1
    params: dict[str, Any] | None = None
    space_version: int = 0


@dataclass(frozen=True, slots=True)
class TrialReported(Event):
    """An objective reported an intermediate value."""

    kind: ClassVar[str] = "trial_reported"
    number: int = -1
    step: int = 0
    value: float = math.nan


@dataclass(frozen=True, slots=True)
class TrialFinished(Event):
    """A trial ended: `state` is COMPLETE, FAIL or PRUNED; `reason` says why it failed."""

    kind: ClassVar[str] = "trial_finished"
    number: int = -1
    state: str = "COMPLETE"
    value: float | None = None
    params: dict[str, Any] | None = None
    reason: str | None = None
    duration: float = 0.0
    best_value: float | None = None
    best_number: int | None = None


@dataclass(frozen=True, slots=True)
class SpaceChanged(Event):
    """The search space changed: `source` is "user", "adaptation" or "strategy"."""

    kind: ClassVar[str] = "space_changed"
    version: int = 0
    source: str = "user"
    reason: str = ""
    changes: dict[str, Any] | None = None
    space: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StrategyChanged(Event):
    """The sampling strategy changed."""

    kind: ClassVar[str] = "strategy_changed"
    old: str = ""
    new: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Adaptation(Event):
    """An adaptation checkpoint ran; `changed` says whether it edited the space."""

    kind: ClassVar[str] = "adaptation"
    trigger: str = "interval"
    changed: bool = False
    reason: str = ""
    space_version: int = 0


@dataclass(frozen=True, slots=True)
class Paused(Event):
    """No new trial starts until resumed."""

    kind: ClassVar[str] = "paused"


@dataclass(frozen=True, slots=True)
class Resumed(Event):
    """Trials start again."""

    kind: ClassVar[str] = "resumed"


@dataclass(frozen=True, slots=True)
class Stopped(Event):
    """The study is stopping before its budget: `reason` says why (user, max_failures, ...)."""

    kind: ClassVar[str] = "stopped"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Finished(Event):
    """The driver ended; counts and the best trial at that moment."""

    kind: ClassVar[str] = "finished"
    n_complete: int = 0
    n_failed: int = 0
    n_pruned: int = 0
    best_value: float | None = None
    best_params: dict[str, Any] | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Error(Event):
    """Something went wrong outside a trial (a callback, a command, the driver itself)."""

    kind: ClassVar[str] = "error"
    where: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Gap(Event):
    """Told to a subscriber that fell behind: events `first_seq`..`last_seq` were dropped."""

    kind: ClassVar[str] = "gap"
    first_seq: int = 0
    last_seq: int = 0


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        StudyStarted,
        TrialStarted,
        TrialReported,
        TrialFinished,
        SpaceChanged,
        StrategyChanged,
        Adaptation,
        Paused,
        Resumed,
        Stopped,
        Finished,
        Error,
        Gap,
    )
}


def to_jsonable(value: Any) -> Any:
    """Convert params and values to JSON-safe data (non-finite floats become strings)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    try:  # numpy scalars
        return to_jsonable(value.item())
    except AttributeError:
        return repr(value)
