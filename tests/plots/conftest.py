"""Small real studies, run once per session, that the plot tests read."""

from __future__ import annotations

import threading
from typing import Any

import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

SPACE = {
    "x": ("float", 0.0, 1.0),
    "lr": ("float", 1e-4, 1e-1, "log"),
    "n": ("int", 1, 8),
    "kind": ("categorical", ["a", "b", None]),
    "depth": ("int", 1, 4, "when", "kind", "a"),
}
N_TRIALS = 30
FAILING_CALL = 2  # the objective raises on its third call: trial 2 fails
BAD_REASON = "<boom> & co"  # an error message the HTML report must escape


@pytest.fixture(scope="session")
def study() -> optuna.Study:
    """30 trials maximizing a function of x alone; trial 2 fails; x narrowed to [0.2, 0.6]
    by the user after trial 0, so trials 1 and later run under space version 1."""
    calls = {"n": 0}
    first_running = threading.Event()
    go = threading.Event()

    def objective(params: dict[str, Any]) -> float:
        calls["n"] += 1
        if calls["n"] == 1:
            first_running.set()
            go.wait(10)
        if calls["n"] == FAILING_CALL + 1:
            raise RuntimeError(BAD_REASON)
        return -((params["x"] - 0.35) ** 2)

    opt = AdaptiveHyperparameterOptimizer(
        n_trials=N_TRIALS, random_state=0, adaptation_interval=0, enable_pruning=False
    )
    handle = opt.start(objective, SPACE, direction="maximize")
    assert first_running.wait(10)
    edit = handle.set_range("x", 0.2, 0.6)  # queued while trial 0 runs: applies from trial 1
    go.set()
    assert edit.wait(10).accepted
    handle.result(60)
    assert opt.study is not None
    return opt.study


@pytest.fixture(scope="session")
def multi_study() -> optuna.Study:
    """A two-objective study: maximize x, minimize (1 - x)^2 + y."""
    opt = AdaptiveHyperparameterOptimizer(n_trials=16, random_state=0, enable_pruning=False)
    opt.multi_objective_optimize(
        lambda p: (p["x"], (1 - p["x"]) ** 2 + p["y"]),
        {"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)},
        directions=["maximize", "minimize"],
    )
    assert opt.study is not None
    return opt.study
