"""Incremental-training helpers: partial_fit epochs and any training loop, reported per epoch."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from adaptive_hyperopt import (
    AdaptiveHyperparameterOptimizer,
    Reporter,
    fit_incrementally,
    report_each_epoch,
)

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0)
EPOCHS = 6


def sgd_objective(params: dict[str, Any], trial: Reporter) -> float:
    model = SGDClassifier(alpha=params["alpha"], random_state=0)
    return fit_incrementally(model, X_train, y_train, X_val, y_val, trial, EPOCHS)


def test_partial_fit_reports_each_epoch_and_pruning_saves_epochs() -> None:
    events: list[Any] = []
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=16,
        random_state=0,
        pruning_patience=None,
        pruner_config={"pruner_type": "median", "n_startup_trials": 3},
    )
    opt.add_listener(events.append)
    _, best, history = opt.optimize(
        sgd_objective, {"alpha": ("float", 1e-6, 10.0, "log")}, direction="maximize"
    )
    reports = [e for e in events if e.kind == "trial_reported"]
    complete = [r for r in history if r.state == "COMPLETE"]
    pruned = [r for r in history if r.state == "PRUNED"]
    assert pruned and 0.8 < best <= 1.0
    assert len(reports) < EPOCHS * len(history)  # pruned trials stopped early
    for rec in complete:
        mine = [e for e in reports if e.number == rec.number]
        assert [e.step for e in mine] == list(range(EPOCHS)) and mine[-1].value == rec.value


def test_scoring_by_name_and_a_generic_loop() -> None:
    seen: list[tuple[int, float]] = []
    reporter = Reporter(0, {}, lambda n, step, value: bool(seen.append((step, value))))
    scores = iter([0.1, 0.5, 0.7])
    assert report_each_epoch(reporter, 3, lambda epoch: next(scores)) == 0.7
    assert seen == [(0, 0.1), (1, 0.5), (2, 0.7)]
    seen.clear()
    model = SGDClassifier(random_state=0)
    score = fit_incrementally(
        model, X_train, y_train, X_val, y_val, reporter, 2, scoring="balanced_accuracy"
    )
    assert [s for s, _ in seen] == [0, 1] and seen[-1][1] == score and 0.5 < score <= 1.0


def test_helpers_refuse_bad_arguments() -> None:
    reporter = Reporter(0, {}, lambda n, s, v: False)
    with pytest.raises(ValueError, match="epochs must be a positive int"):
        report_each_epoch(reporter, 0, lambda e: 1.0)
    with pytest.raises(ValueError, match="has no partial_fit"):
        fit_incrementally(object(), X, y, X, y, reporter, 1)
    with pytest.raises(ValueError, match="step must be an int >= 0"):
        reporter.report(1.0, -1)
    with pytest.raises(ValueError, match="value is NaN"):
        reporter.report(float("nan"), 0)
