"""Trial records: the `history` that `optimize()` returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple


class TrialRecord(NamedTuple):
    """One finished trial as the user sees it (immutable; a named tuple, cheap to make).

    `value` is None unless `state` is "COMPLETE"; `reason` says why a trial failed or was pruned.
    `params` holds the original Python objects handed to the objective.
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

    def to_dict(self) -> dict[str, Any]:
        """The record as a plain dict."""
        return self._asdict()


class History(list[TrialRecord]):
    """A list of TrialRecords, in the order trials finished."""

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
