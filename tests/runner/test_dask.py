"""The Dask executor on a real local cluster: trials evaluated by workers, told by the driver."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from distributed import Client, LocalCluster

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, Reporter

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


def test_limits_and_reports_are_refused_clearly(client: Client) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=2, executor=client, trial_timeout=5)
    with pytest.raises(ValueError, match=r"trial_timeout=5 needs executor='processes'"):
        opt.optimize(where, SPACE)

    def reporting(params: dict[str, Any], trial: Reporter) -> float:
        trial.report(1.0, 0)
        return 1.0

    opt = AdaptiveHyperparameterOptimizer(n_trials=2, executor=client)
    with pytest.raises(NotImplementedError, match=r"trial.report\(\) from executor='dask'"):
        opt.optimize(reporting, SPACE)
    assert opt.study is not None and len(opt.study.trials) == 0
