"""Adaptation of the search space: strategies and the scheduler that runs them."""

from ._scheduler import AdaptationOutcome, Scheduler

__all__ = ["AdaptationOutcome", "Scheduler"]
