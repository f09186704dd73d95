"""Trial records: the `history` that `optimize()` returns."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, overload

from ..events import TrialFinished


class TrialRecord(NamedTuple):
    """One finished trial as the user sees it (immutable).

    `value` is None unless `state` is "COMPLETE"; `reason` says why a trial failed or was pruned.
    `params` holds the original Python objects handed to the objective. The datetimes are when
    the evaluation started and ended (local time, like Optuna's).
    """

    number: int
    params: dict[str, Any]
    value: float | None
    state: str
    reason: str | None
    datetime_start: datetime | None
    datetime_complete: datetime | None
    duration: float
    backend: str
    space_version: int
    values: tuple[float, ...] | None = None  # a multi-objective trial's values (value is None)

    @classmethod
    def from_event(cls, event: TrialFinished) -> TrialRecord:
        """The record of the trial `event` reports."""
        return cls(
            number=event.number,
            params=event.params or {},
            value=event.value,
            state=event.state,
            reason=event.reason,
            datetime_start=datetime.fromtimestamp(event.time - event.duration),
            datetime_complete=datetime.fromtimestamp(event.time),
            duration=event.duration,
            backend=event.backend,
            space_version=event.space_version,
            values=event.values,
        )

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict."""
        return self._asdict()


class History(Sequence[TrialRecord]):
    """The trials of a run as TrialRecords, in the order they finished (read-only).

    The driver adds the run's TrialFinished events; each record is made when first read. The
    study then keeps one object per finished trial instead of two: the extra object made a
    5000-trial study pay for a full garbage collection that a raw Optuna loop did not
    (docs/benchmarks.md, engine overhead).
    """

    __slots__ = ("_events", "_lock", "_records")

    def __init__(self, records: Iterable[TrialRecord | TrialFinished] = ()) -> None:
        self._events: list[TrialRecord | TrialFinished] = list(records)
        self._records: list[TrialRecord] = []
        self._lock = threading.Lock()  # between readers; the driver appends without it

    def add(self, event: TrialFinished) -> None:
        """Record a finished trial (the driver's call)."""
        self._events.append(event)

    def _materialized(self) -> list[TrialRecord]:
        records, events = self._records, self._events
        if len(records) < len(events):
            with self._lock:
                for item in events[len(records) : len(events)]:
                    records.append(
                        item if isinstance(item, TrialRecord) else TrialRecord.from_event(item)
                    )
        return records

    def __len__(self) -> int:
        return len(self._events)

    @overload
    def __getitem__(self, index: int) -> TrialRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[TrialRecord]: ...
    def __getitem__(self, index: int | slice) -> TrialRecord | list[TrialRecord]:
        return self._materialized()[index]

    def __iter__(self) -> Iterator[TrialRecord]:
        return iter(self._materialized()[: len(self)])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __reduce__(self) -> tuple[Any, ...]:
        # The records, not the lock or the study: a pickled history is a plain History.
        return (History, (list(self),))

    def __repr__(self) -> str:
        return f"History({list(self)!r})"

    def to_dataframe(self) -> Any:
        """A pandas DataFrame, one row per trial, parameters as `params_<name>` columns."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is in the extras
            raise ImportError("History.to_dataframe() needs pandas: pip install pandas") from exc
        rows = []
        for rec in self:
            row = {k: v for k, v in rec.to_dict().items() if k != "params"}
            row.update({f"params_{k}": v for k, v in rec.params.items()})
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def completed(self) -> list[TrialRecord]:
        """Only the COMPLETE trials."""
        return [r for r in self if r.state == "COMPLETE"]


class StoredHistory(History):
    """A History that keeps only trial numbers and reads the trials back from the study.

    For `memory_efficient=True`: the study's storage holds the trials once, and records are
    made when read (each read goes to the storage) instead of being kept in Python memory.
    """

    __slots__ = ("_decode", "_study")

    def __init__(self, study: Any, decode: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        super().__init__()
        self._study = study
        self._decode = decode  # stored parameter values -> the user's objects

    def add(self, event: TrialFinished) -> None:
        """Remember which trial finished; its data stays in the storage."""
        self._events.append(event.number)  # type: ignore[arg-type]

    def _materialized(self) -> list[TrialRecord]:
        trials = {t.number: t for t in self._study.get_trials(deepcopy=False)}
        return [self._record(trials[n]) for n in list(self._events)]

    def _record(self, trial: Any) -> TrialRecord:
        state = trial.state.name
        reason = (
            pruned_reason(trial) if state == "PRUNED" else trial.user_attrs.get("ah.fail_reason")
        )
        complete = state == "COMPLETE"
        several = trial.values is not None and len(trial.values) > 1
        start, end = trial.datetime_start, trial.datetime_complete
        return TrialRecord(
            number=trial.number,
            params=self._decode(trial.params),
            value=trial.value if complete and not several else None,
            state=state,
            reason=reason,
            datetime_start=start,
            datetime_complete=end,
            duration=(end - start).total_seconds() if start and end else 0.0,
            backend=trial.user_attrs.get("ah.backend", ""),
            space_version=trial.user_attrs.get("ah.space_version", 0),
            values=tuple(trial.values) if complete and several else None,
        )


def pruned_reason(trial: Any) -> str:
    """Why a PRUNED trial stopped: its last step and the value it reported there."""
    last = trial.last_step
    if last is None:
        return "pruned"
    return f"pruned at step {last} (value {trial.intermediate_values[last]:.6g})"
