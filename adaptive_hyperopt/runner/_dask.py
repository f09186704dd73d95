"""The Dask executor: the driver asks and tells here; Dask workers only evaluate.

Each trial is one task (never `study.optimize` inside a task: a worker lost mid-task makes Dask
re-run its task, which for a whole optimize loop orphans trials and overshoots the budget). If
a worker dies, Dask re-runs the evaluation elsewhere and its result is told once; if the task
itself cannot be completed, the trial fails with "worker lost".
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from ..pruning import Channel
from ._executors import Executor, Objective, Outcome, TrialLimitExceeded, evaluate


class DaskExecutor(Executor):
    """Submits each evaluation to a `distributed.Client` (given, or connected to an address)."""

    name = "dask"
    reports = False  # no channel back from the workers yet

    def __init__(self, inbox: queue.SimpleQueue[Any], client: Any, workers: int | None) -> None:
        from distributed import Client

        self._owned = not isinstance(client, Client)
        self._client = Client(client) if self._owned else client
        self._inbox = inbox
        # One trial per worker thread unless n_jobs says otherwise.
        self.workers = workers or max(1, sum(self._client.nthreads().values()))
        self._futures: dict[int, Any] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Send the evaluation to the cluster; the Outcome comes back through a callback."""
        start = time.time()
        future = self._client.submit(evaluate, number, objective, params, pure=False)
        with self._lock:
            self._futures[number] = future
        future.add_done_callback(lambda f: self._done(number, f, start))

    def _done(self, number: int, future: Any, start: float) -> None:
        with self._lock:
            self._futures.pop(number, None)
        try:
            outcome = future.result()
        except BaseException as exc:  # the task could not run: the worker or the cluster is gone
            reason = f"worker lost: {type(exc).__name__}: {exc}"
            outcome = Outcome(number, None, TrialLimitExceeded(reason), None, start, time.time())
        self._inbox.put(outcome)

    def shutdown(self) -> None:
        """Cancel what is still queued; close the client if this executor opened it."""
        with self._lock:
            futures = list(self._futures.values())
        if futures:
            self._client.cancel(futures)
        if self._owned:
            self._client.close()
