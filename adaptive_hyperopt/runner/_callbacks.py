"""User callbacks, in the two forms of the specification.

- progress form `fn(trial_number, best_score, current_score)`: called for every COMPLETE trial;
- Optuna form `fn(study, trial)`: called for every finished trial with a copy of Optuna's
  FrozenTrial, which it may modify.

A callback that raises is logged and published as an error event; the study goes on.
"""

from __future__ import annotations

import copy
import inspect
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

import optuna

from ..events import Error, EventBus

logger = logging.getLogger("adaptive_hyperopt")

ProgressCallback = Callable[[int, float | None, float | None], Any]
StudyCallback = Callable[[optuna.Study, optuna.trial.FrozenTrial], Any]


def positional_arity(fn: Callable[..., Any], required: bool = True) -> int | None:
    """How many positional arguments `fn` requires (None: any number, or unknown).

    With `required`, parameters with defaults are not counted: `fn(study, trial, verbose=False)`
    is a two-argument callback.
    """
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return None
    return sum(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and (not required or p.default is inspect.Parameter.empty)
        for p in params
    )


class Callbacks:
    """The callbacks of one study, split by form."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.progress: list[ProgressCallback] = []
        self.study: list[StudyCallback] = []
        self.stop_requested = False  # set when a callback called study.stop()

    def __bool__(self) -> bool:
        return bool(self.progress or self.study)

    def extend(self, callbacks: Sequence[Callable[..., Any]], where: str) -> None:
        """Sort `callbacks` by the number of arguments they take; ValueError for other shapes."""
        for i, fn in enumerate(callbacks):
            self.add(fn, f"{where}[{i}]")

    def add(self, fn: Callable[..., Any], where: str, default: str = "progress") -> None:
        """Register one callback; 3 positional arguments -> progress form, 2 -> Optuna form."""
        if not callable(fn):
            raise ValueError(f"{where} must be callable, got {fn!r}")
        arity = positional_arity(fn)
        if arity == 3 or (arity is None and default == "progress"):
            self.progress.append(fn)
        elif arity == 2 or arity is None:
            self.study.append(fn)
        else:
            raise ValueError(
                f"{where} takes {arity} positional arguments; expected "
                f"fn(trial_number, best_score, current_score) or fn(study, trial)"
            )

    def trial_finished(
        self,
        study: optuna.Study,
        frozen: optuna.trial.FrozenTrial,
        number: int,
        best: float | None,
        value: float | tuple[float, ...] | None,
        state: str,
    ) -> None:
        """Call every callback that applies to this trial."""
        if state == "COMPLETE":
            for fn in self.progress:
                self._call(fn, number, best, value)
        if not self.study:
            return
        # Optuna callbacks may call study.stop(), which Optuna allows only inside its own
        # optimize loop: open that window, and report the request to the driver.
        local = study._thread_local
        study._stop_flag = False
        local.in_optimize_loop = True
        try:
            for cb in self.study:  # each its own copy, as in Study.optimize: the driver's is
                self._call(cb, study, copy.deepcopy(frozen))  # the storage's record
        finally:
            local.in_optimize_loop = False
        if study._stop_flag:
            study._stop_flag = False
            self.stop_requested = True

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:
            name = getattr(fn, "__qualname__", repr(fn))
            logger.exception("callback %s raised; the study goes on", name)
            self._bus.publish(
                Error(
                    self._bus.study,
                    time.time(),
                    where=f"callback {name}",
                    message=f"{type(exc).__name__}: {exc}",
                )
            )
