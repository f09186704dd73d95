"""The process executor: per-trial time and memory limits, crashes, reports, no leftovers."""

from __future__ import annotations

import ctypes
import logging
import os
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, Reporter

SPACE = {"i": ("int", 0, 1000)}


def scripted(plan: list[str], pid_dir: Path):  # type: ignore[no-untyped-def]
    """An objective (a closure, as in a notebook) doing plan[i] in the trial i-th to start."""

    def objective(params: dict[str, Any]) -> float:
        index = 0
        while True:  # claim the next index atomically: the first free "<index>-..." slot
            try:
                fd = os.open(pid_dir / f"{index}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                index += 1
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        action = plan[index % len(plan)]
        if action == "sleep":
            time.sleep(3600)
        if action == "hog":
            blocks = [bytearray(50 * 2**20) for _ in range(40)]  # 2 GB, 50 MB at a time
            return float(len(blocks))
        if action == "segfault":
            ctypes.string_at(0)
        if action == "raise":
            raise ValueError("boom")
        return float(params["i"])

    return objective


def test_each_kind_of_runaway_trial_fails_with_its_reason_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    plan = ["ok", "sleep", "ok", "hog", "segfault", "raise", "ok"]
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=len(plan), random_state=0, trial_timeout=2.0, memory_limit="300MB"
    )
    _, best, history = opt.optimize(scripted(plan, tmp_path), SPACE, direction="maximize")
    by_action = dict(zip(plan, [None] * len(plan), strict=False))
    for path in sorted(tmp_path.iterdir(), key=lambda p: int(p.name)):
        index, pid = int(path.name), int(path.read_text())
        record = next(r for r in history if r.number == index)
        by_action[plan[index]] = record
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    assert by_action["sleep"].reason == "timeout: exceeded 2 s (killed)"  # type: ignore[union-attr]
    assert by_action["hog"].reason.startswith("memory: ")  # type: ignore[union-attr]
    assert "> memory_limit 286 MB (killed)" in by_action["hog"].reason  # type: ignore[union-attr]
    assert by_action["segfault"].reason == (  # type: ignore[union-attr]
        "crash: the trial's process died (signal SIGSEGV) without a result"
    )
    assert by_action["raise"].reason == "exception: ValueError: boom"  # type: ignore[union-attr]
    assert [r.state for r in history].count("COMPLETE") == 3 and best is not None
    assert len(opt.study.trials) == len(plan)  # type: ignore[union-attr]


def test_processes_run_in_parallel_and_reports_cross_the_process_boundary(
    tmp_path: Path,
) -> None:
    def objective(params: dict[str, Any], trial: Reporter) -> float:
        for step in range(4):
            trial.report(params["i"] / 1000, step)
        return params["i"] / 1000

    events: list[Any] = []
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=10,
        n_jobs=2,
        executor="processes",
        random_state=0,
        pruning_patience=None,
        pruner_config={"pruner_type": "threshold", "lower": 0.5},
    )
    opt.add_listener(events.append)
    _, best, history = opt.optimize(objective, SPACE, direction="maximize")
    for rec in history:
        assert (rec.state == "PRUNED") == (rec.params["i"] < 500)
    steps = [e for e in events if e.kind == "trial_reported"]
    assert len(steps) == sum(4 if r.state == "COMPLETE" else 1 for r in history)
    assert best == max(r.value for r in history if r.value is not None)


def test_auto_picks_processes_for_limits_and_threads_cannot_have_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="adaptive_hyperopt"):
        opt = AdaptiveHyperparameterOptimizer(n_trials=2, trial_timeout=30, random_state=0)
        opt.optimize(lambda p: 1.0, SPACE)
    assert "executor='auto' chose 'processes': trial_timeout=30 needs killable" in caplog.text
    bad = AdaptiveHyperparameterOptimizer(
        n_trials=2, n_jobs=2, executor="threads", memory_limit="1GB"
    )
    with pytest.raises(ValueError, match=r"memory_limit='1GB' needs executor='processes'"):
        bad.optimize(lambda p: 1.0, SPACE)


@pytest.mark.parametrize("retry", [True, False])
def test_a_crashed_trial_is_retried_with_the_same_parameters_when_asked(
    tmp_path: Path, retry: bool
) -> None:
    marker = tmp_path / "crashed-once"

    def objective(params: dict[str, Any]) -> float:
        if not marker.exists():
            marker.touch()
            ctypes.string_at(0)  # the first trial's process dies
        return float(params["i"])

    opt = AdaptiveHyperparameterOptimizer(
        n_trials=3, random_state=0, executor="processes", retry_failed_trials=retry
    )
    _, _, history = opt.optimize(objective, SPACE, direction="maximize")
    trials = opt.study.trials  # type: ignore[union-attr]
    assert trials[0].state.name == "FAIL"
    assert trials[0].user_attrs["ah.fail_reason"].startswith("crash:")
    if retry:
        assert len(history) == 4 and trials[1].params == trials[0].params
        assert trials[1].state.name == "COMPLETE" and trials[1].user_attrs["ah.retry_of"] == 0
    else:
        assert len(history) == 3 and trials[1].params != trials[0].params
