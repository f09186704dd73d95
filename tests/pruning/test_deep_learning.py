"""The spec's "Deep Learning Integration" example with a small PyTorch MLP on CPU, and its
two-argument form, which reports per epoch and is pruned."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from torch.utils.data import DataLoader, TensorDataset

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, Reporter

torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X_t = torch.tensor(X[:600] / 16.0, dtype=torch.float32)
y_t = torch.tensor(y[:600])
train_set = TensorDataset(X_t[:450], y_t[:450])
X_val, y_val = X_t[450:], y_t[450:]
input_size, output_size = 64, 10

nn_search_space = {
    "hidden_size_1": ("int", 32, 512),
    "hidden_size_2": ("int", 16, 256),
    "dropout_1": ("float", 0.1, 0.5),
    "dropout_2": ("float", 0.1, 0.5),
    "learning_rate": ("float", 1e-5, 1e-2, "log"),
    "batch_size": ("categorical", [16, 32, 64, 128]),
}


def build(params: dict[str, Any]) -> nn.Module:
    return nn.Sequential(
        nn.Linear(input_size, params["hidden_size_1"]),
        nn.ReLU(),
        nn.Dropout(params["dropout_1"]),
        nn.Linear(params["hidden_size_1"], params["hidden_size_2"]),
        nn.ReLU(),
        nn.Dropout(params["dropout_2"]),
        nn.Linear(params["hidden_size_2"], output_size),
    )


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, batch_size: int) -> float:
    model.train()
    for xb, yb in DataLoader(train_set, batch_size=batch_size, shuffle=True):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        return float((model(X_val).argmax(1) == y_val).float().mean())


def neural_network_objective(params: dict[str, Any]) -> float:
    torch.manual_seed(0)
    model = build(params)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
    validation_accuracy = 0.0
    for _ in range(2):  # ... training loop ...
        validation_accuracy = train_epoch(model, optimizer, params["batch_size"])
    return validation_accuracy


def test_the_spec_example_runs() -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
    best_params, best, _ = opt.optimize(neural_network_objective, nn_search_space)
    assert 0.0 < best <= 1.0 and set(best_params) == set(nn_search_space)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_the_two_argument_form_reports_per_epoch_and_is_pruned(n_jobs: int) -> None:
    def objective(params: dict[str, Any], trial: Reporter) -> float:
        torch.manual_seed(0)
        model = build(params)
        optimizer = torch.optim.Adam(model.parameters(), lr=params["learning_rate"])
        accuracy = 0.0
        for epoch in range(4):
            accuracy = train_epoch(model, optimizer, params["batch_size"])
            trial.report(accuracy, epoch)
        return accuracy

    opt = AdaptiveHyperparameterOptimizer(
        n_trials=10, n_jobs=n_jobs, random_state=0, pruning_patience=2
    )
    _, best, history = opt.optimize(objective, nn_search_space, direction="maximize")
    pruned = [r for r in history if r.state == "PRUNED"]
    assert pruned, "the median pruner should stop some of the slow learners"
    assert all(r.value is None and (r.reason or "").startswith("pruned at step") for r in pruned)
    assert best == max(r.value for r in history if r.value is not None)
