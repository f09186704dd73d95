"""Immutable, JSON-ready event records. Every event has `kind`, `seq`, `study` and `time`.

Each event is a named tuple (immutable, and about three times cheaper to build than a frozen
dataclass, which matters on the driver's hot path) with the `Event` mixin for `kind`,
`to_dict()` and isinstance checks. The driver builds events with the sequence number the bus
will give them; an event published with any other `seq` is re-stamped by the bus.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, NamedTuple


class Event:
    """Mixin of all events: `kind` names the type; fields come from the named tuple."""

    __slots__ = ()
    kind: ClassVar[str] = "event"
    study: str
    time: float
    seq: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: `{"kind": ..., "seq": ..., "study": ..., "time": ..., ...}`."""
        out: dict[str, Any] = {"kind": self.kind}
        for name, value in self._asdict().items():  # type: ignore[attr-defined]
            out[name] = to_jsonable(value)
        return out

    def with_seq(self, seq: int) -> Event:
        """A copy carrying sequence number `seq`."""
        return self._replace(seq=seq)  # type: ignore[attr-defined]


class _StudyStarted(NamedTuple):
    study: str
    time: float
    seq: int = -1
    direction: str = "minimize"
    backend: str = "optuna"
    n_trials: int | None = None
    timeout: float | None = None
    space: dict[str, Any] | None = None
    space_version: int = 0
    n_existing_trials: int = 0


class StudyStarted(_StudyStarted, Event):
    """The driver started (or resumed) a study."""

    __slots__ = ()
    kind: ClassVar[str] = "study_started"


class _TrialStarted(NamedTuple):
    study: str
    time: float
    seq: int = -1
    number: int = -1
    params: dict[str, Any] | None = None
    space_version: int = 0


class TrialStarted(_TrialStarted, Event):
    """A trial was handed to an executor."""

    __slots__ = ()
    kind: ClassVar[str] = "trial_started"


class _TrialReported(NamedTuple):
    study: str
    time: float
    seq: int = -1
    number: int = -1
    step: int = 0
    value: float = math.nan


class TrialReported(_TrialReported, Event):
    """An objective reported an intermediate value."""

    __slots__ = ()
    kind: ClassVar[str] = "trial_reported"


class _TrialFinished(NamedTuple):
    study: str
    time: float
    seq: int = -1
    number: int = -1
    state: str = "COMPLETE"
    value: float | None = None
    params: dict[str, Any] | None = None
    reason: str | None = None
    duration: float = 0.0
    best_value: float | None = None
    best_number: int | None = None
    space_version: int = 0
    backend: str = ""
    values: tuple[float, ...] | None = None


class TrialFinished(_TrialFinished, Event):
    """A trial ended: `state` is COMPLETE, FAIL or PRUNED; `reason` says why it failed.

    `time` is when the evaluation ended and `duration` how long it ran; `space_version` is the
    space it was sampled from and `backend` the backend that proposed it. In a multi-objective
    study `value` is None and `values` holds one number per objective.
    """

    __slots__ = ()
    kind: ClassVar[str] = "trial_finished"


class _SpaceChanged(NamedTuple):
    study: str
    time: float
    seq: int = -1
    version: int = 0
    source: str = "user"
    reason: str = ""
    changes: dict[str, Any] | None = None
    space: dict[str, Any] | None = None


class SpaceChanged(_SpaceChanged, Event):
    """The search space changed: `source` is "user", "adaptation" or "strategy"."""

    __slots__ = ()
    kind: ClassVar[str] = "space_changed"


class _StrategyChanged(NamedTuple):
    study: str
    time: float
    seq: int = -1
    old: str = ""
    new: str = ""
    reason: str = ""


class StrategyChanged(_StrategyChanged, Event):
    """The sampling strategy changed."""

    __slots__ = ()
    kind: ClassVar[str] = "strategy_changed"


class _Adaptation(NamedTuple):
    study: str
    time: float
    seq: int = -1
    trigger: str = "interval"
    changed: bool = False
    reason: str = ""
    space_version: int = 0


class Adaptation(_Adaptation, Event):
    """An adaptation checkpoint ran; `changed` says whether it edited the space."""

    __slots__ = ()
    kind: ClassVar[str] = "adaptation"


class _Paused(NamedTuple):
    study: str
    time: float
    seq: int = -1


class Paused(_Paused, Event):
    """No new trial starts until resumed."""

    __slots__ = ()
    kind: ClassVar[str] = "paused"


class _Resumed(NamedTuple):
    study: str
    time: float
    seq: int = -1


class Resumed(_Resumed, Event):
    """Trials start again."""

    __slots__ = ()
    kind: ClassVar[str] = "resumed"


class _Stopped(NamedTuple):
    study: str
    time: float
    seq: int = -1
    reason: str = ""


class Stopped(_Stopped, Event):
    """The study is stopping before its budget: `reason` says why (user, max_failures, ...)."""

    __slots__ = ()
    kind: ClassVar[str] = "stopped"


class _Finished(NamedTuple):
    study: str
    time: float
    seq: int = -1
    n_complete: int = 0
    n_failed: int = 0
    n_pruned: int = 0
    best_value: float | None = None
    best_params: dict[str, Any] | None = None
    reason: str = ""


class Finished(_Finished, Event):
    """The driver ended; counts and the best trial at that moment."""

    __slots__ = ()
    kind: ClassVar[str] = "finished"


class _Error(NamedTuple):
    study: str
    time: float
    seq: int = -1
    where: str = ""
    message: str = ""


class Error(_Error, Event):
    """Something went wrong outside a trial (a callback, a command, the driver itself)."""

    __slots__ = ()
    kind: ClassVar[str] = "error"


class _Gap(NamedTuple):
    study: str
    time: float
    seq: int = -1
    first_seq: int = 0
    last_seq: int = 0


class Gap(_Gap, Event):
    """Told to a subscriber that fell behind: events `first_seq`..`last_seq` were dropped.

    A gap is made for one subscriber and never published, so its own `seq` is -1.
    """

    __slots__ = ()
    kind: ClassVar[str] = "gap"


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
