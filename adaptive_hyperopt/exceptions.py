"""Exceptions raised by adaptive_hyperopt."""

from __future__ import annotations

from collections.abc import Sequence


class NoCompletedTrialsError(RuntimeError):
    """A study ended without a single COMPLETE trial; `reasons` holds the last failure reasons."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.reasons = list(reasons)


class StudyFinishedError(RuntimeError):
    """A command was sent to a study that has already finished."""
