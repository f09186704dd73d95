"""Several drivers on one study: `adaptive-hyperopt worker` follows the study's space and its
pause, resume and stop, read from the storage (a journal file, Redis, PostgreSQL), as two real
processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.runner._driver import STUDY_ATTR_CONTROL
from adaptive_hyperopt.storage import open_storage

WORKER_OBJECTIVE = """
import pathlib, time
def objective(params):
    time.sleep(0.05)
    with open(pathlib.Path(__file__).with_name("worker.txt"), "a") as out:
        out.write(repr(params["x"]) + "\\n")
    return params["x"]
"""


def main_objective(params: dict[str, Any]) -> float:
    time.sleep(0.05)
    return float(params["x"])


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.time() + timeout
    while not check():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def seen(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(line) for line in path.read_text().splitlines() if line]


def start_worker(tmp_path: Path, url: str) -> subprocess.Popen[str]:
    (tmp_path / "wobj.py").write_text(WORKER_OBJECTIVE)
    return subprocess.Popen(
        [sys.executable, "-m", "adaptive_hyperopt.cli", "worker", url, "--study", "follow",
         "--objective", "wobj:objective", "--trials", "100000"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def follow_the_main_driver(tmp_path: Path, url: str) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=None, timeout=600, storage=url, study_name="follow", heartbeat_interval=1.0
    )
    handle = opt.start(main_objective, {"x": ("float", 0.0, 1.0)}, direction="minimize")
    worker: subprocess.Popen[str] | None = None
    try:
        wait_for(lambda: handle.status.n_complete >= 2, "the main driver's first trials")
        worker = start_worker(tmp_path, url)
        log = tmp_path / "worker.txt"
        wait_for(lambda: len(seen(log)) >= 8, "the worker's first trials")
        before = seen(log)
        assert any(x < 0.9 for x in before), before  # the whole range, so far

        # A range edit on the main study's handle: the worker samples inside it from its next
        # trial boundaries on (one trial may still be running, one may start before it looks)
        assert handle.set_range("x", 0.9, 1.0).wait(10)
        edited_at = len(seen(log))
        wait_for(lambda: len(seen(log)) >= edited_at + 10, "the worker's trials after the edit")
        after = seen(log)[edited_at + 2 :]
        assert after and all(0.9 <= x <= 1.0 for x in after), after

        # Pause: the worker starts nothing new; resume: it goes on
        assert handle.pause().wait(10)
        time.sleep(1.5)  # a running trial finishes and the worker reads the pause
        paused_at = len(seen(log))
        time.sleep(1.5)
        assert len(seen(log)) == paused_at, "the worker ran trials while the study was paused"
        assert handle.resume().wait(10)
        wait_for(lambda: len(seen(log)) >= paused_at + 3, "the worker's trials after resume")

        # Stop: the worker finishes its trial and ends
        assert handle.stop().wait(10)
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err[-3000:]
        assert f"worker ran {len(seen(log))} trials of 'follow'" in out
        assert "; stopped through the study (stopped by the user)" in out
        handle.result(60)
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(10)
        handle.stop()
        handle.wait(60)

    storage, _ = open_storage(url, None, "follow")
    study = optuna.load_study(study_name="follow", storage=storage)
    trials = study.trials
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert sorted(t.number for t in trials) == list(range(len(trials)))
    assert len(trials) == handle.status.n_complete + len(seen(log))
    # the worker's trials after the edit were sampled from the study's space as edited (v1),
    # or as the main driver's adaptation changed it since
    worker_values = set(seen(log)[edited_at + 2 :])
    versions = {t.user_attrs["ah.space_version"] for t in trials if t.params["x"] in worker_values}
    assert versions and min(versions) >= 1
    assert max(versions) <= study.user_attrs["ah.space"]["version"]
    assert study.user_attrs[STUDY_ATTR_CONTROL]["state"] == "stopped"


def test_a_worker_follows_the_main_driver_on_a_journal_file(tmp_path: Path) -> None:
    follow_the_main_driver(tmp_path, str(tmp_path / "follow.journal"))


def test_a_worker_follows_the_main_driver_on_redis(tmp_path: Path, redis_url: str) -> None:
    follow_the_main_driver(tmp_path, redis_url)


def test_a_worker_follows_the_main_driver_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    follow_the_main_driver(tmp_path, postgres_url)


def test_a_worker_joining_a_stopped_study_runs_nothing_until_a_driver_runs_it_again(
    tmp_path: Path,
) -> None:
    url = str(tmp_path / "stopped.journal")
    opt = AdaptiveHyperparameterOptimizer(n_trials=None, timeout=600, storage=url,
                                          study_name="follow")  # fmt: skip
    handle = opt.start(main_objective, {"x": ("float", 0.0, 1.0)})
    wait_for(lambda: handle.status.n_complete >= 2, "the main driver's first trials")
    handle.stop().wait(10)
    handle.result(60)
    worker = start_worker(tmp_path, url)
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err[-3000:]
    assert "worker ran 0 trials" in out and not seen(tmp_path / "worker.txt")
    # the study's own driver runs it again: the channel says "running", and a worker joins
    again = AdaptiveHyperparameterOptimizer(n_trials=2, storage=url, study_name="follow")
    again.optimize(main_objective, {"x": ("float", 0.0, 1.0)})
    storage, _ = open_storage(url, None, "follow")
    control = optuna.load_study(study_name="follow", storage=storage).user_attrs[STUDY_ATTR_CONTROL]
    assert control["state"] == "running" and control["seq"] == 2
    worker = subprocess.Popen(
        [sys.executable, "-m", "adaptive_hyperopt.cli", "worker", url, "--study", "follow",
         "--objective", "wobj:objective", "--trials", "3"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0 and "worker ran 3 trials" in out, err[-3000:]


@pytest.mark.parametrize("storage", ["memory", "journal"])
def test_a_driver_alone_pays_nothing_for_the_channel(storage: str, tmp_path: Path) -> None:
    url = None if storage == "memory" else str(tmp_path / "alone.journal")
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, storage=url, study_name="alone")
    opt.optimize(main_objective, {"x": ("float", 0.0, 1.0)})
    assert STUDY_ATTR_CONTROL not in opt.study.user_attrs  # type: ignore[union-attr]
