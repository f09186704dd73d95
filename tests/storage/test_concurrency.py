"""N processes x M trials on one study: exactly N*M finished trials with unique numbers, on a
journal file, SQLite, PostgreSQL and Redis (real servers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from adaptive_hyperopt.storage import open_storage

N, M = 3, 8

WORKER = """
import sys
from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
opt = AdaptiveHyperparameterOptimizer(n_trials={m}, storage={url!r}, study_name="shared",
                                      random_state=int(sys.argv[1]))
opt.optimize(lambda p: (p["x"] - 0.3) ** 2, {{"x": ("float", 0.0, 1.0)}}, direction="minimize")
"""


def run_workers(url: str) -> None:
    script = WORKER.format(m=M, url=url)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(seed)]) for seed in range(N)]
    assert [p.wait(300) for p in procs] == [0] * N


def check(url: str) -> None:
    storage, _ = open_storage(url, None, "shared")
    study = optuna.load_study(study_name="shared", storage=storage)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == N * M
    assert sorted(t.number for t in trials) == list(range(N * M))
    assert all(t.state.name == "COMPLETE" for t in trials)


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_processes_on_one_file_study(kind: str, tmp_path: Path) -> None:
    url = str(tmp_path / "s.journal") if kind == "journal" else f"sqlite:///{tmp_path}/s.db"
    run_workers(url)
    check(url)


def test_processes_on_one_postgresql_study(postgres_url: str) -> None:
    run_workers(postgres_url)
    check(postgres_url)


def test_processes_on_one_redis_study(redis_url: str) -> None:
    run_workers(redis_url)
    check(redis_url)


def test_the_spec_parallel_optimization_example_on_a_real_redis(redis_url: str) -> None:
    from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

    # Distributed optimization (Redis backend), as the specification writes it but for the
    # address of the test's server and a smaller budget
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=40,
        n_jobs=-1,  # Use all available cores
        storage=redis_url,
    )
    best_params, best_score, history = optimizer.optimize(
        lambda params: (params["x"] - 0.3) ** 2,
        {"x": ("float", 0.0, 1.0)},
        direction="minimize",
    )
    assert len(history) == 40 and best_score == min(r.value for r in history)
    assert optimizer.storage_location == redis_url
    name = optimizer.study.study_name  # type: ignore[union-attr]
    storage, _ = open_storage(redis_url, None, name)
    stored = optuna.load_study(study_name=name, storage=storage)  # another client reads it
    assert len(stored.trials) == 40 and {t.state.name for t in stored.trials} == {"COMPLETE"}
    assert stored.best_params == best_params
