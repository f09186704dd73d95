"""kill -9 of a worker mid-trial: its trial is failed as "worker lost" once its heartbeat is
older than the grace period, re-run when asked, and nothing stays RUNNING."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.runner._lease import grace_for
from adaptive_hyperopt.storage import open_storage

INTERVAL = 0.5
WORKER = """
import pathlib, time
from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
def objective(params):
    pathlib.Path({marker!r}).write_text(repr(params["x"]))
    time.sleep(600)
opt = AdaptiveHyperparameterOptimizer(n_trials=1, storage={url!r}, study_name="k",
                                      heartbeat_interval={interval})
opt.optimize(objective, {{"x": ("float", 0.0, 1.0)}})
"""


def kill_a_worker_mid_trial(url: str, tmp_path: Path) -> None:
    marker = tmp_path / "running"
    script = WORKER.format(marker=str(marker), url=url, interval=INTERVAL)
    worker = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 120
    while not marker.exists():
        assert time.time() < deadline and worker.poll() is None, "the worker never started"
        time.sleep(0.05)
    time.sleep(2 * INTERVAL)  # it has stamped a heartbeat or two
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)


@pytest.mark.parametrize("retry", [True, False])
def test_a_killed_workers_trial_is_failed_and_retried(tmp_path: Path, retry: bool) -> None:
    url = str(tmp_path / "k.journal")
    kill_a_worker_mid_trial(url, tmp_path)
    storage, _ = open_storage(url, None, "k")
    study = optuna.load_study(study_name="k", storage=storage)
    assert [t.state.name for t in study.trials] == ["RUNNING"]  # nothing else would fix it
    lost_x = study.trials[0].params["x"]
    time.sleep(grace_for(INTERVAL))
    survivor = AdaptiveHyperparameterOptimizer(
        n_trials=2,
        storage=url,
        study_name="k",
        heartbeat_interval=INTERVAL,
        retry_failed_trials=retry,
        random_state=0,
    )
    survivor.optimize(lambda p: p["x"], {"x": ("float", 0.0, 1.0)})
    trials = optuna.load_study(study_name="k", storage=storage).trials
    assert trials[0].state.name == "FAIL"
    assert trials[0].user_attrs["ah.fail_reason"].startswith("worker lost: no heartbeat for")
    assert all(t.state.name != "RUNNING" for t in trials)
    if retry:
        assert len(trials) == 4 and trials[1].params["x"] == lost_x
        assert trials[1].user_attrs["ah.retry_of"] == 0 and trials[1].state.name == "COMPLETE"
    else:
        assert len(trials) == 3


def test_a_live_workers_long_trial_is_not_reaped(tmp_path: Path) -> None:
    url = str(tmp_path / "live.journal")
    marker = tmp_path / "running"
    long_trial = grace_for(INTERVAL) + 2.0  # longer than the grace: only heartbeats save it
    script = (
        WORKER.format(marker=str(marker), url=url, interval=INTERVAL)
        .replace('study_name="k"', 'study_name="live"')
        .replace("time.sleep(600)", f"time.sleep({long_trial}); return 1.0")
    )
    worker = subprocess.Popen([sys.executable, "-c", script])
    while not marker.exists():
        assert worker.poll() is None, "the worker never started"
        time.sleep(0.05)

    def quick(params: dict[str, float]) -> float:
        time.sleep(0.1)
        return params["x"]

    other = AdaptiveHyperparameterOptimizer(
        n_trials=int(long_trial / 0.1), storage=url, study_name="live", heartbeat_interval=INTERVAL
    )
    other.optimize(quick, {"x": ("float", 0.0, 1.0)})  # reaps all along the long trial
    assert worker.wait(60) == 0
    storage, _ = open_storage(url, None, "live")
    trials = optuna.load_study(study_name="live", storage=storage).trials
    assert trials[0].state.name == "COMPLETE" and trials[0].value == 1.0
