"""The Dask executor: the driver asks and tells here; Dask workers only evaluate.

Each trial is one task (never `study.optimize` inside a task: a worker lost mid-task makes Dask
re-run its task, which for a whole optimize loop orphans trials and overshoots the budget). If
a worker dies, Dask re-runs the evaluation elsewhere and its result is told once; if the task
itself cannot be completed, the trial fails with "worker lost".

A two-argument objective's `trial.report` crosses the cluster through the scheduler: the task
puts `(number, step, value, key)` on a `distributed.Queue` this executor owns, a listener thread
here hands it to the driver (the study's one writer) and sets the `distributed.Variable` `key`
to the pruner's decision, which the task waits for (then deletes). A report is thus a round trip
through the scheduler (docs/scaling.md gives its measured cost). If no answer comes within
REPORT_TIMEOUT seconds (the driver or the scheduler is gone), the trial stops as pruned.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import uuid
from typing import Any

from ..pruning import Channel
from ._executors import Executor, Objective, Outcome, TrialLimitExceeded, evaluate

#: Seconds a reporting task waits for the driver's decision before it stops its trial.
REPORT_TIMEOUT = 60.0
POLL = 0.5  # seconds the listener waits after an error, and shutdown for its end


class _RemoteChannel:
    """The Channel a task's Reporter uses on a Dask worker (pickled with the task)."""

    def __init__(self, queue_name: str, timeout: float) -> None:
        self.queue_name = queue_name
        self.timeout = timeout

    def __call__(self, number: int, step: int, value: float) -> bool:
        from distributed import Queue, Variable

        key = f"{self.queue_name}-{uuid.uuid4().hex}"
        answer = Variable(key)
        try:
            Queue(self.queue_name).put((number, step, value, key), timeout=self.timeout)
            return bool(answer.get(timeout=self.timeout))
        except Exception:  # no answer (the driver or the scheduler is gone): the trial stops
            return True
        finally:
            with contextlib.suppress(Exception):
                answer.delete()


class DaskExecutor(Executor):
    """Submits each evaluation to a `distributed.Client` (given, or connected to an address)."""

    name = "dask"
    reports = True  # through a distributed.Queue to the driver, answered by a Variable

    def __init__(self, inbox: queue.SimpleQueue[Any], client: Any, workers: int | None) -> None:
        from distributed import Client

        self._owned = not isinstance(client, Client)
        self._client = Client(client) if self._owned else client
        self._inbox = inbox
        # One trial per worker thread unless n_jobs says otherwise.
        self.workers = workers or max(1, sum(self._client.nthreads().values()))
        self._futures: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._reports: Any = None  # the distributed.Queue of reports, once a trial reports
        self._listener: threading.Thread | None = None
        self._closing = threading.Event()

    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Send the evaluation to the cluster; the Outcome comes back through a callback."""
        start = time.time()
        remote = None if channel is None else self._remote_channel(channel)
        future = self._client.submit(
            evaluate, number, objective, params, None, remote, pure=False
        )  # fmt: skip
        with self._lock:
            self._futures[number] = future
        future.add_done_callback(lambda f: self._done(number, f, start))

    def _remote_channel(self, channel: Channel) -> _RemoteChannel:
        """The workers' end of the report channel; starts the listener on first use."""
        from distributed import Queue

        if self._listener is None:
            name = f"ah-reports-{uuid.uuid4().hex}"
            self._reports = Queue(name, client=self._client)
            self._listener = threading.Thread(
                target=self._listen, args=(channel,), name="ah-dask-reports", daemon=True
            )
            self._listener.start()
        return _RemoteChannel(self._reports.name, REPORT_TIMEOUT)

    def _listen(self, channel: Channel) -> None:
        """Hand each report to the driver; publish its decision where the task waits."""
        from distributed import Variable

        # A blocking get: Queue.get(timeout=...) logs an error on the scheduler at each timeout.
        # shutdown() puts None to end it.
        while not self._closing.is_set():
            try:
                item = self._reports.get()
            except Exception:  # the cluster is going away
                self._closing.wait(POLL)
                continue
            if item is None:
                break
            number, step, value, key = item
            prune = channel(number, step, value)
            with contextlib.suppress(Exception):  # a task that stopped waiting is gone
                Variable(key, client=self._client).set(prune)

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
        self._closing.set()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._reports.put(None, timeout=POLL)
            self._listener.join(timeout=2 * POLL + 1.0)
        if self._owned:
            self._client.close()
