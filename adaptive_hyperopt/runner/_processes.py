"""The process executor: each trial in a child process the driver can kill.

Threads cannot be killed in CPython, so per-trial limits need processes. Each trial runs in a
fresh child of a forkserver (a Jupyter kernel's threads must not be forked; CUDA cannot be
re-initialised in a forked child), in its own process group so that grandchildren die with it.
The objective travels with cloudpickle, so functions defined in a notebook work. A supervisor
thread per running trial enforces the wall-clock deadline (SIGKILL of the group) and the memory
cap (an RSS watchdog over the process tree; RLIMIT_AS breaks CUDA and libraries that reserve
large address ranges), relays `trial.report` calls to the driver and back, and puts the
Outcome in the driver's inbox. A crash (a signal, `os._exit`) is an Outcome too.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle
import psutil

from ..pruning import Channel
from ._executors import Executor, Objective, Outcome, TrialLimitExceeded, evaluate

POLL = 0.05  # seconds between memory checks: the cap may be overshot by one interval's growth
# The trial's time limit counts from the moment its objective starts: before that, starting the
# process and unpickling the objective (the first trial also starts the forkserver, which imports
# this package: seconds on a loaded machine) may take this long on top of it.
STARTUP_GRACE = 60.0


class ProcessExecutor(Executor):
    """Runs every trial in a killable child process, at most `workers` at a time."""

    name = "processes"

    def __init__(
        self,
        inbox: queue.SimpleQueue[Any],
        workers: int,
        timeout: float | None = None,
        memory_bytes: int | None = None,
    ) -> None:
        self.workers = workers
        self._inbox = inbox
        self._timeout = timeout
        self._memory = memory_bytes
        self._context = mp.get_context("forkserver")
        # The server imports this module once; each trial's child is a cheap fork of it.
        self._context.set_forkserver_preload([__name__])
        self._children: dict[int, mp.process.BaseProcess] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        number: int,
        objective: Objective,
        params: dict[str, Any],
        channel: Channel | None = None,
    ) -> None:
        """Start the trial's process and its supervisor thread."""
        payload = cloudpickle.dumps((objective, params, channel is not None))
        here, there = self._context.Pipe(duplex=True)
        child = self._context.Process(
            target=_child_main, args=(there, payload, number), daemon=True
        )
        start = time.time()
        child.start()
        there.close()
        with self._lock:
            self._children[number] = child
        threading.Thread(
            target=self._supervise,
            args=(number, child, here, channel, start),
            name=f"adaptive-hyperopt-trial-{number}",
            daemon=True,
        ).start()

    def _supervise(
        self,
        number: int,
        child: mp.process.BaseProcess,
        conn: Connection,
        channel: Any,
        start: float,
    ) -> None:
        outcome = None
        try:
            outcome = self._watch(number, child, conn, channel, start)
        except BaseException as exc:  # never leave the driver waiting for this trial
            outcome = Outcome(number, None, exc, None, start, time.time())
        finally:
            _kill_group(child)
            child.join(5)
            conn.close()
            with self._lock:
                self._children.pop(number, None)
            self._inbox.put(outcome)

    def _watch(
        self,
        number: int,
        child: mp.process.BaseProcess,
        conn: Connection,
        channel: Any,
        start: float,
    ) -> Outcome:
        deadline = None if self._timeout is None else start + STARTUP_GRACE + self._timeout
        started = False
        while True:
            now = time.time()
            if deadline is not None and now >= deadline:
                if not started:
                    return _limit(
                        number,
                        start,
                        f"timeout: the trial's process did not start its objective within "
                        f"{STARTUP_GRACE + (self._timeout or 0):g} s (killed)",
                    )
                return _limit(number, start, f"timeout: exceeded {self._timeout:g} s (killed)")
            wait = POLL if self._memory else 1.0
            if deadline is not None:
                wait = min(wait, max(deadline - now, 0.0))
            if conn.poll(wait):
                try:
                    message = conn.recv()
                except EOFError:
                    return _crashed(number, child, start)
                if message[0] == "started":  # the objective runs from now: the limit starts
                    started = True
                    if self._timeout is not None:
                        deadline = time.time() + self._timeout
                    continue
                if message[0] == "report":
                    conn.send(channel(number, message[1], message[2]))
                    continue
                _, value, error, trace = message
                if error is not None:
                    error = cloudpickle.loads(error)
                return Outcome(number, value, error, trace, start, time.time())
            if self._memory is not None:
                rss = _tree_rss(child.pid)
                if rss > self._memory:
                    return _limit(
                        number,
                        start,
                        f"memory: {rss / 2**20:.0f} MB > memory_limit "
                        f"{self._memory / 2**20:.0f} MB (killed)",
                    )
            if not child.is_alive() and not conn.poll():
                return _crashed(number, child, start)

    def shutdown(self) -> None:
        """Kill every running trial's process group."""
        with self._lock:
            children = list(self._children.values())
        for child in children:
            _kill_group(child)


def _child_main(conn: Connection, payload: bytes, number: int) -> None:
    os.setsid()  # its own process group, so a kill reaches what the objective started
    objective, params, reports = cloudpickle.loads(payload)
    channel = None
    if reports:

        def channel(n: int, step: int, value: float) -> bool:
            conn.send(("report", step, value))
            return bool(conn.recv())

    conn.send(("started",))
    outcome = evaluate(number, objective, params, channel=channel)
    error = outcome.error
    try:
        packed = None if error is None else cloudpickle.dumps(error)
    except Exception:  # an exception that cannot travel: send its text
        packed = cloudpickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))
    try:
        conn.send(("done", outcome.value, packed, outcome.traceback))
    except Exception as exc:  # a value that cannot be pickled
        conn.send(("done", None, cloudpickle.dumps(exc), None))
    conn.close()


def _limit(number: int, start: float, reason: str) -> Outcome:
    return Outcome(number, None, TrialLimitExceeded(reason), None, start, time.time())


def _crashed(number: int, child: mp.process.BaseProcess, start: float) -> Outcome:
    child.join(1)
    code = child.exitcode
    how = f"signal {signal.Signals(-code).name}" if code and code < 0 else f"exit code {code}"
    return _limit(number, start, f"crash: the trial's process died ({how}) without a result")


def _tree_rss(pid: int | None) -> int:
    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def _kill_group(child: mp.process.BaseProcess) -> None:
    if child.pid is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    if child.is_alive():  # killed before it made its own group
        child.kill()
