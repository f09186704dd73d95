"""Runs contenders on problems, one seeded run at a time, and records each run as it ends."""

from __future__ import annotations

import math
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from threadpoolctl import threadpool_limits

from benchmarks.contenders import Contender
from benchmarks.machine import now_iso, package_version
from benchmarks.problems.base import Problem
from benchmarks.results import Record, ResultStore


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    return str(value)


class RecordingObjective:
    """Wraps a problem's objective, recording every evaluation in call order.

    A call that raises, or returns a non-finite value, counts as a failed evaluation
    (``None`` in :attr:`values`); the exception propagates to the optimizer.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.values: list[float | None] = []
        self.best_value: float | None = None
        self.best_params: dict[str, Any] | None = None

    def __call__(self, params: Mapping[str, Any]) -> float:
        try:
            value = float(self.problem.objective(params))
        except Exception:
            self.values.append(None)
            raise
        if not math.isfinite(value):
            self.values.append(None)
            return value
        self.values.append(value)
        better = self.best_value is None or (
            value < self.best_value
            if self.problem.direction == "minimize"
            else value > self.best_value
        )
        if better:
            self.best_value = value
            self.best_params = {str(k): _jsonable(v) for k, v in params.items()}
        return value

    def trace(self, n_trials: int) -> list[float | None]:
        """Best-so-far value after each of the first ``n_trials`` evaluations."""
        out: list[float | None] = []
        best: float | None = None
        minimize = self.problem.direction == "minimize"
        for v in self.values[:n_trials]:
            if v is not None and (best is None or (v < best if minimize else v > best)):
                best = v
            out.append(best)
        return out


def run_one(problem: Problem, contender: Contender, seed: int, n_trials: int) -> Record:
    """One seeded run of ``contender`` on ``problem``; never raises for a contender's failure.

    The whole run (the optimizer's own computations and the objective) is limited to one
    BLAS/OpenMP thread, so all contenders get the same resources.
    """
    recorder = RecordingObjective(problem)
    status, error, tb = "ok", None, None
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    start = time.perf_counter()
    try:
        with threadpool_limits(limits=1):
            contender.run(problem, recorder, n_trials, seed)
    except Exception as exc:
        status = "failed"
        error = f"{type(exc).__name__}: {exc}"
        tb = traceback.format_exc(limit=-6)
    finally:
        optuna.logging.set_verbosity(verbosity)
    wall = time.perf_counter() - start
    n_failed = sum(v is None for v in recorder.values[:n_trials])
    return {
        "problem": problem.name,
        "contender": contender.name,
        "seed": seed,
        "n_trials": n_trials,
        "status": status,
        "error": error,
        "traceback": tb,
        "trace": recorder.trace(n_trials),
        "n_evaluations": len(recorder.values),
        "n_failed_evaluations": n_failed,
        "best_value": recorder.best_value,
        "best_params": recorder.best_params,
        "wall_time_s": round(wall, 3),
        "finished_at": now_iso(),
        "version": package_version(contender.package),
    }


@dataclass
class RunSummary:
    """What a call of :func:`run_matrix` did."""

    ran: list[Record] = field(default_factory=list)
    skipped: int = 0
    not_applicable: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)


def budget_for(contender: Contender, trials_cap: int | None) -> int:
    """The contender's budget, capped by ``trials_cap`` when given."""
    return contender.budget if trials_cap is None else min(contender.budget, trials_cap)


def run_matrix(
    problems: Sequence[Problem],
    contenders: Sequence[Contender],
    seeds: Iterable[int],
    store_for: Callable[[Contender], ResultStore],
    *,
    trials_cap: int | None = None,
    retry_failed: bool = False,
    session_for: Callable[[ResultStore], int | None] = lambda store: None,
    on_record: Callable[[Record, bool], None] = lambda record, skipped: None,
) -> RunSummary:
    """Run every applicable (problem, contender, seed) not yet in its results store.

    Problems run in order, then seeds, then contenders, so a partial run covers whole
    problems first. Each record is saved as soon as its run ends. An existing record is
    skipped (``on_record(record, True)``) unless it failed and ``retry_failed`` is set.
    Contenders that cannot run here (a missing package) are listed in the summary, not run.
    """
    summary = RunSummary()
    runnable: list[Contender] = []
    for c in contenders:
        reason = c.unavailable_reason()
        if reason is None:
            runnable.append(c)
        else:
            summary.unavailable[c.name] = reason
    seed_list = list(seeds)
    for problem in problems:
        for seed in seed_list:
            for contender in runnable:
                if not contender.applicable(problem):
                    summary.not_applicable += 1
                    continue
                n_trials = budget_for(contender, trials_cap)
                store = store_for(contender)
                existing = store.get((problem.name, contender.name, seed, n_trials))
                if existing is not None and not (retry_failed and existing["status"] != "ok"):
                    summary.skipped += 1
                    on_record(existing, True)
                    continue
                record = run_one(problem, contender, seed, n_trials)
                record["session"] = session_for(store)
                store.put(record)
                summary.ran.append(record)
                on_record(record, False)
    return summary
