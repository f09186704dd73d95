"""The driver: the one writer of a study.

It asks the backend for parameters, hands trials to an executor, tells results to the study,
publishes events, runs callbacks, applies commands at trial boundaries and decides when the
study ends. Executors and other threads talk to it only through its inbox.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.storages import InMemoryStorage
from optuna.trial import TrialState

from ..adapt._scheduler import Scheduler
from ..backends import Backend
from ..config import OptimizationConfig
from ..events import (
    Adaptation,
    Error,
    EventBus,
    Finished,
    InlineListener,
    Listener,
    Paused,
    Resumed,
    SpaceChanged,
    Stopped,
    StrategyChanged,
    StudyStarted,
    TrialFinished,
    TrialReported,
    TrialStarted,
)
from ..pruning import build_pruner
from ..pruning._hyperband import bracket_key
from ..space import SearchSpace
from ..space._dimensions import Categorical
from ..storage._cache import ATTR_CACHED, ResultCache, params_key
from ._callbacks import Callbacks, positional_arity
from ._commands import Command
from ._executors import (
    Executor,
    Objective,
    Outcome,
    SerialExecutor,
    ThreadExecutor,
    evaluate,
    judge,
    judge_values,
)
from ._history import History, StoredHistory, pruned_reason
from ._lease import Heartbeat, grace_for, reap_stale
from ._processes import ProcessExecutor
from ._tell import tell

logger = logging.getLogger("adaptive_hyperopt")

ATTR_BACKEND = "ah.backend"
ATTR_SPACE_VERSION = "ah.space_version"
ATTR_FAIL_REASON = "ah.fail_reason"
ATTR_RETRY_OF = "ah.retry_of"
# Failures of the infrastructure, not of the parameters: retried when retry_failed_trials is on.
# Exceptions, timeouts and memory caps would recur with the same parameters, so they are not.
RETRYABLE = ("crash:", "worker lost:")
STUDY_ATTR_SPACE = "ah.space"
STUDY_ATTR_SPACE_LOG = "ah.space_log"
# The control channel of a study several drivers run: {"state": "running" | "paused" |
# "stopped", "seq": n, "reason": ..., "time": ...}, written when a user pauses, resumes or stops a
# driver, and obeyed by the followers (`adaptive-hyperopt worker`) at their trial boundaries.
STUDY_ATTR_CONTROL = "ah.control"
CONTROL_STATES = ("running", "paused", "stopped")
FOLLOW_INTERVAL = 0.5  # seconds between a paused follower's reads of the study's control


class ReportRequest:
    """A worker thread's `trial.report`, answered by the driver (the study's one writer)."""

    __slots__ = ("_done", "number", "prune", "step", "value")

    def __init__(self, number: int, step: int, value: float) -> None:
        self.number, self.step, self.value = number, step, value
        self.prune = True  # if never answered (the study ended), the trial stops
        self._done = threading.Event()

    def answer(self, prune: bool) -> None:
        """Release the waiting worker with the pruner's decision."""
        self.prune = prune
        self._done.set()

    def wait(self) -> bool:
        """Block the worker until the driver answers."""
        self._done.wait()
        return self.prune


@dataclass(frozen=True)
class StudyStatus:
    """A snapshot of a study's progress, safe to read from any thread."""

    state: str
    n_complete: int
    n_failed: int
    n_pruned: int
    n_running: int
    best_value: float | None
    best_params: dict[str, Any] | None
    elapsed: float
    trials_per_second: float
    space_version: int
    paused: bool


class Driver:
    """Runs one study to the end of its budget, a stop command or too many failures."""

    def __init__(
        self,
        study: optuna.Study,
        space: SearchSpace,
        backend: Backend,
        objective: Objective,
        config: OptimizationConfig,
        bus: EventBus,
        callbacks: Callbacks,
        executor: str = "serial",
        cache: ResultCache | None = None,
    ) -> None:
        self.study = study
        self.space = space
        self.backend = backend
        self.objective = objective
        self.config = config
        self.bus = bus
        self.callbacks = callbacks
        self.maximizes = [d == optuna.study.StudyDirection.MAXIMIZE for d in study.directions]
        self.maximize = self.maximizes[0]
        # A multi-objective study has a Pareto front, not a best value: no best, no early
        # stopping on it, no pruning (Optuna's pruners are single-objective); adaptation works
        # on the front (adapt/_front.py).
        self.multi = len(self.maximizes) > 1
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._accepting = True
        self._inbox_lock = threading.Lock()
        self.executor: Executor
        if executor == "dask":
            from ._dask import DaskExecutor  # imports distributed, an optional dependency

            explicit = config.workers if config.n_jobs != 1 else None
            self.executor = DaskExecutor(self.inbox, config.executor, explicit)
        elif executor == "processes":
            self.executor = ProcessExecutor(
                self.inbox, config.workers, config.trial_timeout, config.memory_limit_bytes
            )
        elif executor == "threads":
            self.executor = ThreadExecutor(self.inbox, config.workers)
        else:
            self.executor = SerialExecutor(self.inbox)
        self.scheduler = Scheduler(config, backend)
        # A two-argument objective gets a Reporter and may be pruned by the study's pruner.
        self._reports = (positional_arity(objective) or 1) >= 2
        if self._reports and not self.executor.reports:
            raise NotImplementedError(
                f"trial.report() from executor={self.executor.name!r} is not built yet: use "
                "executor='processes' or 'threads' for an objective(params, trial)"
            )
        study.pruner = build_pruner(
            config.enable_pruning,
            config.pruner_config,
            config.pruning_patience,
            lambda: bracket_key(study, config.random_state, named=config.study_name is not None),
        )
        self.history = (
            StoredHistory(study, lambda stored: decode_params(self.space, stored))
            if config.memory_efficient
            else History()
        )
        self.listeners: list[Listener] = []  # threads, started by the optimizer; joined at the end
        self.inline_listeners: list[InlineListener] = []  # served by this loop between trials
        self.state = "created"
        self.paused = False
        self._stop_reason: str | None = None
        self._running: dict[int, tuple[optuna.Trial, dict[str, Any], int]] = {}  # + space version
        self._started = 0
        self._budget = math.inf if config.n_trials is None else config.n_trials
        self._serial = isinstance(self.executor, SerialExecutor)
        # Whether anything must run after a COMPLETE trial; a no-op study skips _after_trial.
        self._after_needed = self._needs_after()
        self.n_complete = self.n_failed = self.n_pruned = 0
        self._recent_failures: deque[str] = deque(maxlen=5)
        self.best_value: float | None = None
        self.best_params: dict[str, Any] | None = None
        self.best_number: int | None = None
        self._stale_rounds = 0
        self._reference_best: float | None = None
        self._t0 = self._t_end = 0.0
        self._heartbeat: Heartbeat | None = None
        self._froze = False
        self._next_reap = math.inf
        self._deadline = math.inf
        # The result cache (cache_key): consulted only when on, so a plain study pays nothing.
        self.cache = cache
        self._cache_keys: dict[int, str] = {}  # running trial -> its parameters' cache key
        # Several drivers on one study: a follower takes the study's space and control commands
        # from the storage (and never adapts); any driver on a shared storage publishes its
        # user's pause, resume and stop there.
        self.follower = False
        self._shared = not isinstance(study._storage, InMemoryStorage)
        self._next_follow = 0.0
        self._control_seq = 0
        self._followed_space: Any = None
        self._load_existing_best()

    def send(self, command: Command) -> None:
        """Queue a command from any thread; refused at once if the study has ended."""
        with self._inbox_lock:
            if self._accepting:
                self.inbox.put(command)
                return
        command.answer(False, "the study has finished")

    # Status -------------------------------------------------------------------------------
    def status(self) -> StudyStatus:
        """A consistent-enough snapshot (plain attribute reads, no lock needed)."""
        end = self._t_end or time.time()
        elapsed = end - self._t0 if self._t0 else 0.0
        finished = self.n_complete + self.n_failed + self.n_pruned
        return StudyStatus(
            state=self.state,
            n_complete=self.n_complete,
            n_failed=self.n_failed,
            n_pruned=self.n_pruned,
            n_running=len(self._running),
            best_value=self.best_value,
            best_params=self.best_params,
            elapsed=elapsed,
            trials_per_second=finished / elapsed if elapsed > 0 else 0.0,
            space_version=self.space.version,
            paused=self.paused,
        )

    # The loop -----------------------------------------------------------------------------
    def run(self) -> History:
        """Drive the study to its end; return the trials finished by this run."""
        self._t0 = time.time()
        # What exists before the study (imported modules, the user's data) is frozen out of the
        # garbage collector's full passes for the study's duration: such a pass over that heap
        # cost a 5,000-trial no-op study ~10% of its time. Acyclic garbage is still freed at
        # once; a cycle among those old objects waits until the study ends. A freeze someone
        # else made is left alone.
        self._froze = gc.get_freeze_count() == 0
        if self._froze:
            gc.freeze()
        if not isinstance(self.study._storage, InMemoryStorage):  # others may share the study
            self._heartbeat = Heartbeat(
                self.study._storage,
                self.config.heartbeat_interval,
                lambda: [entry[0]._trial_id for entry in list(self._running.values())],
            )
            self._heartbeat.start()
            self._reap()
        if self.config.timeout is not None:
            self._deadline = self._t0 + self.config.timeout
        self.state = "running"
        if self.follower:
            self._follow()
        else:
            self._record_space()
            self._publish_control("running", "a driver started", unless_already=True)
        self._publish_start()
        try:
            self._loop()
        except KeyboardInterrupt:
            self._abandon_running("interrupted: KeyboardInterrupt")
            self._finish("interrupted")
            raise
        except BaseException as exc:
            self._abandon_running(f"driver error: {type(exc).__name__}: {exc}")
            self.bus.publish(Error(self.bus.study, time.time(), where="driver", message=str(exc)))
            self._finish("error")
            raise
        self._finish(self._stop_reason or "budget")
        return self.history

    def _loop(self) -> None:
        inbox = self.inbox
        while True:
            if self.inline_listeners:
                self._deliver(force=self.paused)
            if self.follower and time.time() >= self._next_follow:
                self._follow()  # at every trial boundary; every FOLLOW_INTERVAL while paused
            if self.paused and not self._running:
                if not self._sleep_paused():
                    return
                continue
            while not inbox.empty():  # commands apply at every trial boundary
                self._handle(inbox.get_nowait())
            if self._may_start():
                self._start_trial()
                continue
            if not self._running:
                if self.paused:
                    continue
                return
            self._handle(inbox.get())

    def _sleep_paused(self) -> bool:
        """Sleep until a command arrives; False when the deadline passes first."""
        wait = max(self._deadline - time.time(), 0.0)
        if self.follower:  # paused through the study: look again for a resume or a stop
            self._next_follow = time.time() + FOLLOW_INTERVAL
            wait = min(wait, FOLLOW_INTERVAL)
        try:
            item = self.inbox.get() if wait == math.inf else self.inbox.get(timeout=wait)
        except queue.Empty:
            if time.time() < self._deadline:
                return True  # a follower's poll is due
            self._stop_reason = self._stop_reason or "timeout"
            return False
        self._handle(item)
        return True

    def _deliver(self, force: bool) -> None:
        now = time.time()
        for listener in self.inline_listeners:
            listener.deliver(now, force)

    def _may_start(self) -> bool:
        if self.paused or self._stop_reason is not None:
            return False
        if len(self._running) >= self.executor.workers or self._started >= self._budget:
            return False
        if self._deadline != math.inf and time.time() >= self._deadline:
            if self._stop_reason is None and not self._running:
                self._stop_reason = "timeout"
            return False
        return True

    def _handle(self, item: Any) -> None:
        if isinstance(item, Outcome):
            self._finish_trial(item)
        elif isinstance(item, ReportRequest):
            item.answer(self._on_report(item.number, item.step, item.value))
        else:
            self._apply(item)

    # Trials -------------------------------------------------------------------------------
    def _reap(self) -> None:
        """Fail other workers' trials that lost their heartbeat; re-queue them when asked."""
        interval = self.config.heartbeat_interval
        self._next_reap = time.time() + interval
        mine = [entry[0]._trial_id for entry in self._running.values()]
        requeue = self._requeue if self.config.retry_failed_trials else None
        reap_stale(self.study, grace_for(interval), mine, requeue)

    def _requeue(self, failed: optuna.trial.FrozenTrial) -> None:
        """Run a failed trial's parameters once more, outside the budget (retry_failed_trials)."""
        if ATTR_RETRY_OF in failed.user_attrs:
            return  # a retry that failed the same way is not retried again
        # the stored values, as Optuna holds them: what enqueue_trial takes
        self.study.enqueue_trial(dict(failed.params), user_attrs={ATTR_RETRY_OF: failed.number})
        self._budget += 1
        logger.info("trial %d will be retried with the same parameters", failed.number)

    def _start_trial(self) -> None:
        if self._heartbeat is not None and time.time() >= self._next_reap:
            self._reap()
        space = self.space
        trial, params = self.backend.ask(self.study, space)
        trial.set_user_attr(ATTR_BACKEND, self.backend.name)
        trial.set_user_attr(ATTR_SPACE_VERSION, space.version)
        number = trial.number
        self._running[number] = (trial, params, space.version)
        self._started += 1
        now = time.time()
        self.bus.emit(TrialStarted, now, number, params, space.version)
        if self.cache is not None and self._from_cache(trial, number, params, now):
            return
        args = dict(params)  # the objective may mutate its dict; the record keeps the original
        channel = None
        if self._reports:
            channel = self._on_report if self._serial else self._report_from_worker
        if self._serial:  # evaluate here and now: no queue round trip on the hot path
            self._finish_trial(evaluate(number, self.objective, args, now, channel))
        else:
            self.executor.submit(number, self.objective, args, channel)

    def _from_cache(
        self, trial: optuna.Trial, number: int, params: dict[str, Any], now: float
    ) -> bool:
        """Finish the trial from the result cache if it holds these parameters' result."""
        assert self.cache is not None
        key = params_key(params)
        if key is None:
            return False
        hit = self.cache.lookup(key, len(self.maximizes))
        if hit is None:
            self._cache_keys[number] = key  # stored when the trial completes
            return False
        trial.set_user_attr(ATTR_CACHED, hit.source)
        if self._reports and not self.multi:  # its learning curve, for the pruner's statistics
            for step, reported in sorted(hit.intermediate.items()):
                trial.report(reported, step)
        value = hit.values if self.multi else hit.values[0]
        self._finish_trial(Outcome(number, value, None, None, now, time.time()))
        return True

    def _report_from_worker(self, number: int, step: int, value: float) -> bool:
        request = ReportRequest(number, step, value)
        with self._inbox_lock:  # once the study has ended, nobody would answer: stop the trial
            if not self._accepting:
                return True
            self.inbox.put(request)
        return request.wait()

    def _on_report(self, number: int, step: int, value: float) -> bool:
        """Record an intermediate value; whether the pruner stops the trial."""
        entry = self._running.get(number)
        if entry is None or self._stop_reason == "interrupted":
            return True
        self.bus.emit(TrialReported, time.time(), number, step, value)
        if self.multi:  # Optuna stores no intermediate values for several objectives
            return False
        trial = entry[0]
        trial.report(value, step)  # a step reported twice keeps its first value (Optuna warns)
        return trial.should_prune()

    def _finish_trial(self, outcome: Outcome) -> None:
        number = outcome.number
        # The trial leaves _running only once told: if telling fails, _abandon_running still
        # finds it and records it as failed instead of leaving it RUNNING in the storage.
        trial, params, version = self._running[number]
        error = outcome.error
        if error is not None and not isinstance(error, Exception):
            # KeyboardInterrupt, SystemExit, or a custom BaseException raised in a worker thread:
            # recorded like any failed trial, then raised as it would be in the serial executor.
            why = f"interrupted: {type(error).__name__}"
            frozen = self._tell_fail(trial, why)
            del self._running[number]
            self.n_failed += 1
            self._record(frozen, params, None, "FAIL", why, outcome, version)
            raise error
        if isinstance(error, optuna.TrialPruned):
            self._finish_pruned(trial, params, version, outcome)
            return
        value: float | tuple[float, ...] | None
        if self.multi:
            value, reason = judge_values(outcome, self.maximizes)
        else:
            value, reason = judge(outcome, self.maximize)
        if reason is not None:
            if outcome.traceback:
                logger.debug("trial %d failed:\n%s", number, outcome.traceback)
            frozen = self._tell_fail(trial, reason)
            del self._running[number]
            if self._cache_keys:
                self._cache_keys.pop(number, None)
            state = "FAIL"
            self.n_failed += 1
            self._recent_failures.append(f"trial {number}: {reason}")
            if self.config.retry_failed_trials and reason.startswith(RETRYABLE):
                self._requeue(frozen)
            if not self.config.catch_exceptions and outcome.error is not None:
                self._record(frozen, params, None, state, reason, outcome, version)
                self._stop_reason = "exception"
                raise outcome.error
        else:
            assert value is not None
            frozen = tell(self.study, trial, value)
            del self._running[number]
            state = "COMPLETE"
            if self.cache is not None:
                key = self._cache_keys.pop(number, None)
                if key is not None:
                    self.cache.store(key, frozen, self.study.study_name)
            self.n_complete += 1
            if not isinstance(value, tuple):
                self._update_best(number, value, params)
        self._record(frozen, params, value, state, reason, outcome, version)
        if self._after_needed or reason is not None:
            self._after_trial(frozen, number, value, state)

    def _finish_pruned(
        self, trial: optuna.Trial, params: dict[str, Any], version: int, outcome: Outcome
    ) -> None:
        # Optuna keeps the last reported value as a pruned trial's value, which is what its
        # samplers learn from; our record keeps value=None, like any trial that did not complete.
        frozen = tell(self.study, trial, state=TrialState.PRUNED)
        reason = pruned_reason(frozen)
        del self._running[outcome.number]
        if self._cache_keys:
            self._cache_keys.pop(outcome.number, None)
        self.n_pruned += 1
        self._record(frozen, params, None, "PRUNED", reason, outcome, version)
        self._after_trial(frozen, outcome.number, None, "PRUNED")

    def _tell_fail(self, trial: optuna.Trial, reason: str) -> optuna.trial.FrozenTrial:
        trial.set_user_attr(ATTR_FAIL_REASON, reason)
        return tell(self.study, trial, state=TrialState.FAIL)

    def _record(
        self,
        frozen: optuna.trial.FrozenTrial,
        params: dict[str, Any],
        value: float | tuple[float, ...] | None,
        state: str,
        reason: str | None,
        outcome: Outcome,
        version: int,
    ) -> None:
        several = isinstance(value, tuple)
        event = self.bus.emit(
            TrialFinished,
            outcome.end,
            frozen.number,
            state,
            None if several else value,
            params,
            reason,
            outcome.end - outcome.start,
            self.best_value,
            self.best_number,
            version,
            # the proposer recorded when the trial started (an ensemble member, or the backend
            # before a switch), not whichever backend is current now
            frozen.user_attrs.get(ATTR_BACKEND, self.backend.name),
            value if several else None,
        )
        self.history.add(event)  # the history is a view of these events

    def _after_trial(
        self,
        frozen: optuna.trial.FrozenTrial,
        number: int,
        value: float | tuple[float, ...] | None,
        state: str,
    ) -> None:
        if self.backend.learns:
            self.backend.tell(frozen)
        if self.callbacks:
            self.callbacks.trial_finished(self.study, frozen, number, self.best_value, value, state)
            if self.callbacks.stop_requested:
                self._request_stop("study.stop() called by a callback")
        if self.config.enable_monitoring:
            self._log_progress(number, value, state)
        cfg = self.config
        if cfg.max_failures is not None and self.n_failed >= cfg.max_failures:
            self._request_stop(
                f"max_failures={cfg.max_failures} reached; last: "
                + "; ".join(self._recent_failures)
            )
        if cfg.early_stopping_rounds is not None and state != "FAIL" and not self.multi:
            self._stale_rounds += 1
            if self._stale_rounds >= cfg.early_stopping_rounds:
                self._request_stop(
                    f"early stopping: no improvement above {cfg.min_improvement_threshold} "
                    f"in {cfg.early_stopping_rounds} trials"
                )
        finished = self.n_complete + self.n_failed + self.n_pruned
        if not self.follower and self.scheduler.due(finished):
            self._adapt("interval")
        if cfg.enable_gc:
            gc.collect()

    def _update_best(self, number: int, value: float, params: dict[str, Any]) -> None:
        best = self.best_value
        if best is None or (value > best if self.maximize else value < best):
            self.best_value, self.best_params, self.best_number = value, params, number
        if self.config.early_stopping_rounds is None:
            return
        ref = self._reference_best
        gain = math.inf if ref is None else (value - ref if self.maximize else ref - value)
        if gain > self.config.min_improvement_threshold:
            self._reference_best = value
            self._stale_rounds = -1  # this trial itself is counted by _after_trial

    def _abandon_running(self, reason: str) -> None:
        # Results that already arrived are told as they are: a finished trial is never lost.
        pending: list[Any] = []
        while not self.inbox.empty():
            item = self.inbox.get_nowait()
            if isinstance(item, Outcome) and item.number in self._running:
                try:
                    self._finish_trial(item)
                except BaseException:  # already ending: record what we can
                    logger.exception("could not record trial %d", item.number)
            elif isinstance(item, ReportRequest):
                item.answer(True)  # the study is ending: that trial stops at its next report
            else:
                pending.append(item)
        for item in pending:  # commands are answered by _finish
            self.inbox.put(item)
        for number, (trial, params, version) in list(self._running.items()):
            try:
                frozen = self._tell_fail(trial, reason)
                self.n_failed += 1
                outcome = Outcome(number, None, None, None, time.time(), time.time())
                self._record(frozen, params, None, "FAIL", reason, outcome, version)
            except Exception:  # the study must still end cleanly
                logger.exception("could not record trial %d as failed", number)
        self._running.clear()
        self.executor.shutdown()

    def _request_stop(self, reason: str) -> None:
        if self._stop_reason is None:
            self._stop_reason = reason
            self.bus.publish(Stopped(self.bus.study, time.time(), reason=reason))
            logger.warning("study %s stopping: %s", self.bus.study, reason)

    def _finish(self, reason: str) -> None:
        self._t_end = time.time()
        if self._froze:
            gc.unfreeze()
        if self._heartbeat is not None:
            self._heartbeat.stop()
        self.executor.shutdown()
        with self._inbox_lock:
            self._accepting = False
        while not self.inbox.empty():
            item = self.inbox.get_nowait()
            if isinstance(item, Command):
                item.answer(False, "the study has finished")
            elif isinstance(item, ReportRequest):
                item.answer(True)
        self.state = "finished" if reason not in ("error", "interrupted") else reason
        self.bus.publish(
            Finished(
                self.bus.study,
                time.time(),
                n_complete=self.n_complete,
                n_failed=self.n_failed,
                n_pruned=self.n_pruned,
                best_value=self.best_value,
                best_params=self.best_params,
                reason=reason,
            )
        )
        self.bus.close()
        self._deliver(force=True)

    # Commands -----------------------------------------------------------------------------
    def _apply(self, command: Command) -> None:
        try:
            handler = _HANDLERS[command.kind]
        except KeyError:
            command.answer(False, f"unknown command {command.kind!r}")
            return
        try:
            handler(self, command)
        except (ValueError, TypeError, ArithmeticError, ImportError) as exc:
            command.answer(False, str(exc))
        except Exception as exc:  # never let a command kill the study
            logger.exception("command %s failed", command.kind)
            self.bus.publish(
                Error(
                    self.bus.study, time.time(), where=f"command {command.kind}", message=str(exc)
                )
            )
            command.answer(False, f"internal error: {exc}")

    def _cmd_pause(self, command: Command) -> None:
        if self.paused:
            command.answer(True, "already paused")
            return
        self.paused = True
        self.state = "paused"
        self.bus.publish(Paused(self.bus.study, time.time()))
        self._publish_control("paused", f"paused by the {command.source}")
        command.answer(True, "paused: running trials finish, no new trial starts")

    def _cmd_resume(self, command: Command) -> None:
        if not self.paused:
            command.answer(True, "not paused")
            return
        self.paused = False
        self.state = "running"
        self.bus.publish(Resumed(self.bus.study, time.time()))
        self._publish_control("running", f"resumed by the {command.source}")
        command.answer(True, "resumed")

    def _cmd_stop(self, command: Command) -> None:
        if self.paused:
            self.paused = False
            self.state = "running"
        reason = str(command.args.get("reason") or "stopped by the user")
        self._request_stop(reason)
        self._publish_control("stopped", reason)
        command.answer(True, "stopping: running trials finish, then the study ends")

    def _cmd_edit(self, command: Command) -> None:
        args = command.args
        name = args.get("name")
        if not isinstance(name, str):
            raise ValueError(f"parameter name must be a string, got {name!r}")
        kind = command.kind
        if kind == "set_range":
            low, high = args.get("low"), args.get("high")
            for label, bound in (("low", low), ("high", high)):
                if isinstance(bound, bool) or not isinstance(bound, int | float):
                    raise ValueError(f"{label} for {name!r} must be a number, got {bound!r}")
                if not _finite(bound):
                    raise ValueError(f"{label} for {name!r} must be a finite number, got {bound!r}")
            if not _finite(float(high) - float(low)):  # type: ignore[arg-type]
                raise ValueError(f"range of {name!r} is too wide: [{low}, {high}]")
            new = self.space.with_range(name, low, high)  # type: ignore[arg-type]
            change: dict[str, Any] = {"low": low, "high": high}
            what = f"range of {name!r} set to [{low}, {high}]"
        elif kind == "set_choices":
            new = self.space.with_choices(name, args.get("choices"))
            change = {"choices": list(new[name].choices)}  # type: ignore[attr-defined]
            what = f"choices of {name!r} set to {change['choices']!r}"
        elif kind == "freeze":
            new = self.space.frozen_at(name, args.get("value"))
            change = {"frozen": new[name].frozen_value}
            what = f"{name!r} frozen at {change['frozen']!r}"
        elif kind == "unfreeze":
            new = self.space.unfrozen(name)
            change = {"frozen": None}
            what = f"{name!r} unfrozen"
        else:  # restore
            new = self.space.restored(name)
            change = {"restored": True}
            what = f"{name!r} restored to its declared domain"
        self._change_space(new, command.source, what, {name: change})
        command.answer(True, what, new.version)

    def _needs_after(self) -> bool:
        """Whether anything must run after a COMPLETE trial (a no-op study skips it)."""
        cfg = self.config
        return bool(
            self.callbacks
            or self.backend.learns
            or cfg.enable_monitoring
            or cfg.early_stopping_rounds is not None
            or self.scheduler.has_strategies
            or cfg.enable_gc
        )

    def _cmd_switch_backend(self, command: Command) -> None:
        from ..backends import create_backend  # the bridges import their libraries lazily

        name = command.args.get("backend")
        if not isinstance(name, str):
            raise ValueError(f"backend must be a backend's name, got {name!r}")
        new = create_backend(
            name, command.args.get("sampler_config"), self.config.random_state, self.space
        )
        old, self.backend = self.backend, new
        self.study.sampler = new.sampler
        self.scheduler.backend = new
        self._after_needed = self._needs_after()  # a bridge learns by being told trials
        what = f"{new.describe()} proposes from the next trial (was {old.describe()})"
        self.bus.publish(
            StrategyChanged(
                self.bus.study, time.time(), old=old.describe(), new=new.describe(), reason=what
            )
        )
        command.answer(True, what, self.space.version)

    def _cmd_adapt_now(self, command: Command) -> None:
        outcome = self._adapt("user")
        command.answer(True, outcome.reason, self.space.version)

    def _adapt(self, trigger: str) -> Any:
        outcome = self.scheduler.checkpoint(self.space, self.study, trigger)
        if outcome.strategy is not None:
            old, new = outcome.strategy
            self.bus.publish(
                StrategyChanged(
                    self.bus.study, time.time(), old=old, new=new, reason=outcome.reason
                )
            )
        if outcome.changed and outcome.space is not None:
            self._change_space(outcome.space, "adaptation", outcome.reason, outcome.changes)
        self.bus.publish(
            Adaptation(
                self.bus.study,
                time.time(),
                trigger=trigger,
                changed=outcome.changed,
                reason=outcome.reason,
                space_version=self.space.version,
            )
        )
        return outcome

    def _change_space(
        self, new: SearchSpace, source: str, reason: str, changes: dict[str, Any] | None
    ) -> None:
        self.space = new
        self._record_space(source, reason)
        self.bus.publish(
            SpaceChanged(
                self.bus.study,
                time.time(),
                version=new.version,
                source=source,
                reason=reason,
                changes=changes,
                space=_space_doc(new),
            )
        )
        logger.info("search space v%d (%s): %s", new.version, source, reason)

    # Persistence and progress -------------------------------------------------------------
    def _record_space(self, source: str = "declared", reason: str = "") -> None:
        """Keep the current space and its change log in the study (replayable history)."""
        doc = _space_doc(self.space)
        if doc is None:
            return
        self.study.set_user_attr(STUDY_ATTR_SPACE, doc)
        log = list(self.study.user_attrs.get(STUDY_ATTR_SPACE_LOG, []))
        if log and log[-1].get("version") == self.space.version:
            return
        log.append(
            {
                "version": self.space.version,
                "source": source,
                "reason": reason,
                "time": time.time(),
                # the number of the first trial sampled from this version
                "trial": len(self.study.get_trials(deepcopy=False)),
            }
        )
        self.study.set_user_attr(STUDY_ATTR_SPACE_LOG, log)

    def _publish_control(self, state: str, reason: str, unless_already: bool = False) -> None:
        """Write a control state for the study's followers (shared storages only)."""
        if not self._shared or self.follower:
            return
        try:
            current = self.study.user_attrs.get(STUDY_ATTR_CONTROL)
            current = current if isinstance(current, dict) else {}
            if unless_already and current.get("state", "running") == state:
                return
            seq = int(current.get("seq", 0)) + 1
            doc = {"state": state, "seq": seq, "reason": reason, "time": time.time()}
            self.study.set_user_attr(STUDY_ATTR_CONTROL, doc)
        except Exception:  # the study goes on; the followers just do not hear of it
            logger.warning(
                "could not record %r for the study's other drivers", state, exc_info=True
            )

    def _follow(self) -> None:
        """A follower's trial boundary: take the study's current space and control state."""
        try:
            attrs = self.study.user_attrs
        except Exception:  # a storage hiccup: try again at the next boundary
            logger.debug("could not read the study's control", exc_info=True)
            return
        doc = attrs.get(STUDY_ATTR_SPACE)
        if isinstance(doc, dict) and doc != self._followed_space:
            self._followed_space = doc
            try:
                space = SearchSpace.from_json(json.dumps(doc))
            except (ValueError, KeyError, TypeError) as exc:
                logger.warning("the study's recorded space cannot be read (%s); keeping mine", exc)
            else:
                if space != self.space:
                    what = f"the study's search space v{space.version}, set by another driver"
                    self.space = space
                    self.bus.publish(
                        SpaceChanged(
                            self.bus.study,
                            time.time(),
                            version=space.version,
                            source="study",
                            reason=what,
                            changes=None,
                            space=doc,
                        )
                    )
                    logger.info("following %s", what)
        control = attrs.get(STUDY_ATTR_CONTROL)
        if not isinstance(control, dict) or not isinstance(control.get("seq"), int):
            return
        if control["seq"] <= self._control_seq:
            return
        self._control_seq = control["seq"]
        state, reason = control.get("state"), str(control.get("reason") or "")
        if state == "stopped":
            self.paused = False
            self._request_stop(f"stopped through the study ({reason})")
        elif state == "paused" and not self.paused and self._stop_reason is None:
            self.paused = True
            self.state = "paused"
            self.bus.publish(Paused(self.bus.study, time.time()))
            logger.info("paused through the study (%s)", reason)
        elif state == "running" and self.paused:
            self.paused = False
            self.state = "running"
            self.bus.publish(Resumed(self.bus.study, time.time()))
            logger.info("resumed through the study (%s)", reason)

    def _publish_start(self) -> None:
        cfg = self.config
        self.bus.publish(
            StudyStarted(
                self.bus.study,
                time.time(),
                direction=",".join("maximize" if up else "minimize" for up in self.maximizes),
                backend=self.backend.describe(),
                n_trials=cfg.n_trials,
                timeout=cfg.timeout,
                space=_space_doc(self.space),
                space_version=self.space.version,
                n_existing_trials=len(self.study.get_trials(deepcopy=False)),
            )
        )

    def _load_existing_best(self) -> None:
        if self.multi:
            return
        try:
            best = self.study.best_trial
        except ValueError:
            return
        params = decode_params(self.space, best.params)
        self.best_value, self.best_params, self.best_number = best.value, params, best.number
        self._reference_best = best.value

    def _log_progress(
        self, number: int, value: float | tuple[float, ...] | None, state: str
    ) -> None:
        n = self.config.n_trials
        done = self.n_complete + self.n_failed + self.n_pruned
        elapsed = max(time.time() - self._t0, 1e-9)
        logger.log(
            self.config.log_level_number,
            "trial %d %s value=%s best=%s [%d%s done, %.2f trials/s]",
            number,
            state,
            _fmt(value),
            "-" if self.best_value is None else f"{self.best_value:.6g}",
            done,
            f"/{n}" if n else "",
            done / elapsed,
        )


def _fmt(value: float | tuple[float, ...] | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:.6g}" for v in value) + ")"
    return f"{value:.6g}"


def decode_params(space: SearchSpace, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored Optuna values as the user's objects (categorical labels decoded)."""
    out = dict(stored)
    for name, value in stored.items():
        declared = space.original.get(name)
        if isinstance(declared, Categorical):
            # a choice the declared space no longer holds keeps its stored label
            with contextlib.suppress(KeyError):
                out[name] = declared.decode(value)
    return out


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond the float range
        return False


def _space_doc(space: SearchSpace) -> dict[str, Any] | None:
    try:
        doc: dict[str, Any] = json.loads(space.to_json())
        return doc
    except ValueError:
        return None  # choices that JSON cannot hold: the space lives only in memory


_HANDLERS: dict[str, Callable[[Driver, Command], None]] = {
    "pause": Driver._cmd_pause,
    "resume": Driver._cmd_resume,
    "stop": Driver._cmd_stop,
    "set_range": Driver._cmd_edit,
    "set_choices": Driver._cmd_edit,
    "freeze": Driver._cmd_edit,
    "unfreeze": Driver._cmd_edit,
    "restore": Driver._cmd_edit,
    "adapt_now": Driver._cmd_adapt_now,
    "switch_backend": Driver._cmd_switch_backend,
}
