"""The Dask executor on a real local cluster: trials evaluated by workers, told by the driver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from distributed import Client, LocalCluster

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, Reporter, TrialPruned

SPACE = {"x": ("float", -1.0, 1.0)}


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        yield dask_client


def where(params: dict[str, Any]) -> float:
    if params["x"] > 0.9:
        raise ValueError("too far right")
    return params["x"] ** 2 + os.getpid() * 0.0


def test_trials_run_on_the_workers_and_failures_stay_trials(client: Client) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=12, random_state=0, executor=client)
    _, best, history = opt.optimize(where, SPACE, direction="minimize")
    assert len(history) == 12 and len(opt.study.trials) == 12  # type: ignore[union-attr]
    assert sorted(r.number for r in history) == list(range(12))  # each told exactly once
    for rec in history:
        expected = "FAIL" if rec.params["x"] > 0.9 else "COMPLETE"
        assert rec.state == expected
    assert best == min(r.value for r in history if r.value is not None)


def test_a_scheduler_address_works_too(client: Client) -> None:
    address = client.scheduler.address
    opt = AdaptiveHyperparameterOptimizer(n_trials=4, random_state=0, executor=address)
    _, _, history = opt.optimize(where, SPACE, direction="minimize")
    assert len(history) == 4


def test_limits_are_refused_clearly(client: Client) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2, executor=client, trial_timeout=5)
    with pytest.raises(ValueError, match=r"trial_timeout=5 needs executor='processes'"):
        opt.optimize(where, SPACE)


def curve(params: dict[str, Any], trial: Reporter) -> float:
    """A flat learning curve at x: the threshold pruner (upper=0) stops exactly the x > 0."""
    for step in range(4):
        trial.report(params["x"], step)
    return float(params["x"])


def asking(params: dict[str, Any], trial: Reporter) -> float:
    for step in range(4):
        trial.report(params["x"], step)
        if trial.should_prune():
            raise TrialPruned()
    return float(params["x"])


@pytest.mark.parametrize("objective", [curve, asking])
def test_reports_from_the_workers_are_judged_by_the_driver(client: Client, objective: Any) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=8,
        random_state=0,
        executor=client,
        enable_pruning=True,
        pruner_config={"pruner_type": "threshold", "upper": 0.0},
    )
    _, best, history = opt.optimize(objective, SPACE, direction="minimize")
    trials = opt.study.trials  # type: ignore[union-attr]
    assert len(history) == 8 and len(trials) == 8
    for trial in trials:  # never left RUNNING; pruned exactly where the decision is known
        assert trial.state.name == ("PRUNED" if trial.params["x"] > 0 else "COMPLETE")
        if trial.state.name == "PRUNED":  # stopped at its first report
            assert list(trial.intermediate_values) == [0]
        else:
            assert list(trial.intermediate_values) == [0, 1, 2, 3]
    pruned = sum(r.state == "PRUNED" for r in history)
    assert pruned == sum(t.params["x"] > 0 for t in trials) and 0 < pruned < 8
    assert best == min(t.value for t in trials if t.state.name == "COMPLETE")


def test_a_report_nobody_answers_stops_the_trial(client: Client) -> None:
    from adaptive_hyperopt.runner._dask import _RemoteChannel

    lonely = _RemoteChannel("ah-reports-nobody-listens", timeout=0.5)
    assert client.submit(lonely, 0, 0, 1.0, pure=False).result(timeout=30) is True


def slow_and_marked(params: dict[str, Any]) -> float:
    """Leaves `<pid>-<x>` in $AH_MARKS while it runs a second, so a test can kill its worker."""
    import time
    from pathlib import Path

    mark = Path(os.environ["AH_MARKS"]) / f"{os.getpid()}-{params['x']!r}"
    mark.write_text("running")
    time.sleep(1.0)
    mark.write_text("done")
    return float(params["x"])


def test_kill_9_of_a_dask_worker_mid_trial_loses_nothing_and_counts_nothing_twice(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal
    import time

    monkeypatch.setenv("AH_MARKS", str(tmp_path))  # inherited by the worker processes
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        opt = AdaptiveHyperparameterOptimizer(n_trials=6, random_state=0, executor=dask_client)
        handle = opt.start(slow_and_marked, SPACE, direction="minimize")
        deadline = time.time() + 120
        while not list(tmp_path.glob("*-*")):
            assert time.time() < deadline, "no trial started on the cluster"
            time.sleep(0.05)
        victim = tmp_path.glob("*-*").__next__()
        os.kill(int(victim.name.split("-")[0]), signal.SIGKILL)  # the worker process, mid-trial
        _, _, history = handle.result(300)
    trials = opt.study.trials  # type: ignore[union-attr]
    assert len(history) == 6 and len(trials) == 6  # the budget, exactly
    assert sorted(t.number for t in trials) == list(range(6))  # each told once
    assert sorted(r.number for r in history) == list(range(6))
    for trial in trials:  # re-run elsewhere, or failed as lost: never left RUNNING
        assert trial.state.name in ("COMPLETE", "FAIL"), trial.state
        if trial.state.name == "FAIL":
            assert trial.user_attrs["ah.fail_reason"].startswith("worker lost:")
    killed_x = float(victim.name.split("-", 1)[1])
    killed = next(t for t in trials if t.params["x"] == killed_x)
    if killed.state.name == "COMPLETE":  # Dask ran it again on a live worker: told once
        reruns = [m for m in tmp_path.glob(f"*-{killed_x!r}") if m != victim]
        assert [m.read_text() for m in reruns] == ["done"]
    else:
        assert killed.user_attrs["ah.fail_reason"].startswith("worker lost:")
    assert victim.read_text() == "running"  # it really died mid-trial
