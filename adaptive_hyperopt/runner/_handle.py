"""StudyHandle: control of a study whose driver runs in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Generator
from concurrent.futures import Future
from typing import Any

from ..events import Subscription
from ._commands import Command, CommandFuture
from ._driver import Driver, StudyStatus
from ._history import History

Result = tuple[dict[str, Any], float, History]


class StudyControl:
    """The control plane of a running study, whichever thread drives it.

    Progress, events and commands; `StudyHandle` adds the background thread and the result.
    `optimize(..., dashboard=True)` gives one to the dashboard while it drives the study in
    the caller's thread.
    """

    def __init__(self, driver: Driver) -> None:
        self._driver = driver

    # Identity and progress ----------------------------------------------------------------
    @property
    def study_name(self) -> str:
        """The Optuna study name."""
        return self._driver.bus.study

    @property
    def study(self) -> Any:
        """The Optuna study (read it; only the driver writes)."""
        return self._driver.study

    @property
    def status(self) -> StudyStatus:
        """Progress counters, best value and state at this moment."""
        return self._driver.status()

    @property
    def space(self) -> Any:
        """The current SearchSpace."""
        return self._driver.space

    @property
    def history(self) -> History:
        """Trials finished so far by this run."""
        return History(self._driver.history)

    @property
    def events(self) -> Subscription:
        """A new subscription that replays the study's events from the first one."""
        return self._driver.bus.subscribe(from_seq=0)

    def subscribe(self, from_seq: int | None = None) -> Subscription:
        """A subscription from `from_seq` (default: from now on)."""
        return self._driver.bus.subscribe(from_seq)

    def done(self) -> bool:
        """Whether the study has ended."""
        return self._driver.bus.closed

    # Commands -----------------------------------------------------------------------------
    def _send(self, kind: str, source: str = "user", **args: Any) -> CommandFuture:
        command = Command(kind, args, source)
        self._driver.send(command)
        return command.future

    def pause(self) -> CommandFuture:
        """Start no new trial until `resume()`; running trials finish."""
        return self._send("pause")

    def resume(self) -> CommandFuture:
        """Start trials again."""
        return self._send("resume")

    def stop(self, reason: str = "stopped by the user") -> CommandFuture:
        """End the study after the running trials finish."""
        return self._send("stop", reason=reason)

    def set_range(self, name: str, low: float, high: float) -> CommandFuture:
        """Narrow or widen a numeric parameter; applies from the next trial."""
        return self._send("set_range", name=name, low=low, high=high)

    def set_choices(self, name: str, choices: list[Any]) -> CommandFuture:
        """Restrict a categorical parameter to some of its declared choices."""
        return self._send("set_choices", name=name, choices=choices)

    def freeze(self, name: str, value: Any) -> CommandFuture:
        """Pin a parameter at `value`."""
        return self._send("freeze", name=name, value=value)

    def unfreeze(self, name: str) -> CommandFuture:
        """Sample a frozen parameter again."""
        return self._send("unfreeze", name=name)

    def restore(self, name: str) -> CommandFuture:
        """Return a parameter to the domain it was declared with."""
        return self._send("restore", name=name)

    def switch_backend(
        self, backend: str, sampler_config: dict[str, Any] | None = None
    ) -> CommandFuture:
        """Let `backend` ("optuna", "hyperopt", "skopt", "ensemble") propose from the next trial;
        it learns from every trial the study has finished."""
        return self._send("switch_backend", backend=backend, sampler_config=sampler_config)

    def adapt_now(self) -> CommandFuture:
        """Run an adaptation checkpoint now; an `adaptation` event reports its outcome."""
        return self._send("adapt_now")

    def dashboard(self) -> Any:
        """The live Jupyter dashboard of this study (needs the `jupyter` extra)."""
        from ..jupyter import Dashboard  # Jupyter packages are imported only here

        return Dashboard(self)

    def __repr__(self) -> str:
        s = self.status
        best = "-" if s.best_value is None else f"{s.best_value:.6g}"
        return (
            f"<{type(self).__name__} {self.study_name!r} {s.state}: {s.n_complete} complete, "
            f"{s.n_pruned} pruned, {s.n_failed} failed, {s.n_running} running, best {best}>"
        )


class StudyHandle(StudyControl):
    """Returned by `start()`. Every command is answered through the future it returns."""

    def __init__(self, driver: Driver, finalize: Callable[[Driver, History], Result]) -> None:
        super().__init__(driver)
        self._finalize = finalize
        self._result: Future[Result] = Future()
        self._thread = threading.Thread(
            target=self._run, name=f"adaptive-hyperopt-driver-{driver.bus.study}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            history = self._driver.run()
            self._result.set_result(self._finalize(self._driver, history))
        except BaseException as exc:
            self._result.set_exception(exc)

    def done(self) -> bool:
        """Whether the study has ended and its result is ready."""
        return self._result.done()

    # Results ------------------------------------------------------------------------------
    def wait(self, timeout: float | None = None) -> bool:
        """Block until the study ends or `timeout` seconds pass; True if it has ended."""
        try:
            self._result.exception(timeout)
        except TimeoutError:
            return False
        return True

    def result(self, timeout: float | None = None) -> Result:
        """`(best_params, best_score, history)`, waiting for the end; re-raises a study error."""
        return self._result.result(timeout)

    def __await__(self) -> Generator[Any, None, Result]:
        return asyncio.wrap_future(self._result).__await__()
