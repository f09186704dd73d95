"""Executors evaluate objectives; they never touch the study. Results go to the driver's inbox."""

from __future__ import annotations

import math
import numbers
import queue
import time
import traceback
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..pruning import Channel, Reporter

Objective = Callable[..., Any]
_INF = math.inf
_NEG_INF = -math.inf


@dataclass(slots=True)
class Outcome:
    """What one evaluation produced: a value, or an exception with its traceback."""

    number: int
    value: Any
    error: BaseException | None
    traceback: str | None
    start: float
    end: float


class TrialLimitExceeded(Exception):
    """A trial passed its time or memory limit, or its process died; the text is the reason."""


def evaluate(
    number: int,
    objective: Objective,
    params: dict[str, Any],
    start: float | None = None,
    channel: Channel | None = None,
) -> Outcome:
    """Run the objective once. Every exception becomes data, KeyboardInterrupt included: the
    driver records the trial, then re-raises what is not an `Exception`. With a `channel`, the
    objective takes `(params, trial)` and `trial` reports through it."""
    if start is None:
        start = time.time()
    try:
        if channel is None:
            value = objective(params)
        else:
            value = objective(params, Reporter(number, params, channel))
    except BaseException as exc:
        return Outcome(number, None, exc, traceback.format_exc(), start, time.time())
    return Outcome(number, value, None, None, start, time.time())


def judge(outcome: Outcome, maximize: bool) -> tuple[float | None, str | None]:
    """(value, None) for a usable result, (None, reason) for a failed trial."""
    if outcome.error is not None:
        err = outcome.error
        if isinstance(err, TrialLimitExceeded):
            return None, str(err)
        return None, f"exception: {type(err).__name__}: {err}"
    value = outcome.value
    if type(value) is float:  # the common case, without the cost of an ABC check
        if value != value:
            return None, "invalid value: the objective returned NaN"
        if value in (_INF, _NEG_INF) and (value > 0) == maximize:
            return None, f"invalid value: {value} in the direction being optimized"
        return value, None
    if value is None:
        return None, "invalid value: the objective returned None"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:  # numpy 0-d arrays and similar
            if isinstance(value, bool) or getattr(value, "ndim", None) != 0:
                raise TypeError
            value = float(value)
        except (TypeError, ValueError, OverflowError):
            return None, (
                f"invalid value: the objective returned {type(value).__name__} "
                f"{_short(value)}, not a number"
            )
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        return None, f"invalid value: {_short(value)} does not fit a float"
    if math.isnan(value):
        return None, "invalid value: the objective returned NaN"
    if math.isinf(value) and (value > 0) == maximize:
        return None, f"invalid value: {value} in the direction being optimized"
    return value, None


def judge_values(
    outcome: Outcome, maximize: Sequence[bool]
) -> tuple[tuple[float, ...] | None, str | None]:
    """`judge` for a multi-objective study: one number per direction, each judged alone."""
    if outcome.error is not None:
        return None, judge(outcome, False)[1]
    raw = outcome.value
    n = len(maximize)
    if isinstance(raw, str | bytes | dict) or not hasattr(raw, "__len__"):
        return None, (
            f"invalid value: the objective returned {type(raw).__name__} {_short(raw)}, "
            f"not {n} numbers"
        )
    items = list(raw)
    if len(items) != n:
        return None, f"invalid value: the objective returned {len(items)} values for {n} objectives"
    values = []
    for i, (item, up) in enumerate(zip(items, maximize, strict=True)):
        value, reason = judge(Outcome(outcome.number, item, None, None, 0.0, 0.0), up)
        if reason is not None:
            return None, f"{reason} (objective {i})"
        assert value is not None
        values.append(value)
    return tuple(values), None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Executor(ABC):
    """Runs evaluations and puts each Outcome into the driver's inbox."""

    workers: int = 1
    name: str = ""
    reports: bool = True  # whether an objective running here can call trial.report()

    @abstractmethod
    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Start evaluating; the Outcome arrives in the inbox. `channel`: see `evaluate`."""

    def shutdown(self) -> None:  # noqa: B027 - nothing to release by default
        """Release workers; running evaluations are abandoned."""


class SerialExecutor(Executor):
    """Evaluates in the driver's own thread: deterministic, and the cheapest."""

    name = "serial"

    def __init__(self, inbox: queue.SimpleQueue[Any]) -> None:
        self._inbox = inbox

    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Evaluate now; the outcome is in the inbox when this returns."""
        self._inbox.put(evaluate(number, objective, params, channel=channel))


class ThreadExecutor(Executor):
    """A pool of threads: cheap and shares memory, but bound by the GIL for Python code."""

    name = "threads"

    def __init__(self, inbox: queue.SimpleQueue[Any], workers: int) -> None:
        self.workers = workers
        self._inbox = inbox
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="adaptive-hyperopt-trial")

    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Queue the evaluation on the pool."""
        self._pool.submit(self._run, number, objective, params, channel)

    def _run(
        self, number: int, objective: Objective, params: dict[str, Any], channel: Channel | None
    ) -> None:
        self._inbox.put(evaluate(number, objective, params, channel=channel))

    def shutdown(self) -> None:
        """Stop taking work; running threads finish in the background."""
        self._pool.shutdown(wait=False, cancel_futures=True)
