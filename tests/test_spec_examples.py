"""The specification's examples, run as written (smaller n_trials and data, as allowed)."""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, OptimizationConfig

X, y = make_classification(n_samples=150, n_features=8, random_state=42)

search_space = {
    "n_estimators": ("int", 10, 200),
    "max_depth": ("int", 3, 20),
    "min_samples_split": ("int", 2, 20),
    "min_samples_leaf": ("int", 1, 10),
    "max_features": ("categorical", ["sqrt", "log2", None]),
}


def objective(params: dict[str, Any]) -> float:
    # As in the spec, with fewer trees' worth of data and folds to keep CI fast.
    model = RandomForestClassifier(**params, random_state=42)
    scores = cross_val_score(model, X, y, cv=3, scoring="accuracy")
    return float(scores.mean())


def test_basic_hyperparameter_optimization() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna", n_trials=4, n_jobs=4, enable_pruning=True
    )
    best_params, best_score, trials_history = optimizer.optimize(
        objective=objective, search_space=search_space, direction="maximize"
    )
    assert set(best_params) == set(search_space)
    assert 0.5 < best_score <= 1.0 and len(trials_history) == 4
    assert f"Best score: {best_score:.4f}".startswith("Best score: ")


def test_advanced_configuration_with_progress_callback(capsys: pytest.CaptureFixture[str]) -> None:
    config = OptimizationConfig(
        backend="optuna",
        n_trials=4,
        timeout=3600,
        n_jobs=8,
        enable_pruning=True,
        pruning_patience=10,
        adaptation_interval=25,
        min_improvement_threshold=0.001,
        sampler_config={"multivariate": True, "n_startup_trials": 20, "n_ei_candidates": 24},
    )
    optimizer = AdaptiveHyperparameterOptimizer.from_config(config)

    def progress_callback(trial_number: int, best_score: float, current_score: float) -> None:
        print(f"Trial {trial_number}: Current={current_score:.4f}, Best={best_score:.4f}")

    best_params, best_score, history = optimizer.optimize(
        objective=objective,
        search_space=search_space,
        direction="maximize",
        callbacks=[progress_callback],
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("Trial ") for line in lines)
    assert f"Best={best_score:.4f}" in lines[-1] or max(
        float(line.split("Best=")[1]) for line in lines
    ) == pytest.approx(best_score, abs=1e-4)


def test_ensemble_optimization() -> None:
    # As in the spec, with n_trials_per_optimizer=2 instead of 50.
    ensemble_config = {
        "optimizers": [
            {"backend": "optuna", "weight": 0.4},
            {"backend": "hyperopt", "weight": 0.3},
            {"backend": "skopt", "weight": 0.3},
        ],
        "combination_strategy": "weighted_average",
        "n_trials_per_optimizer": 2,
    }

    ensemble_optimizer = AdaptiveHyperparameterOptimizer.create_ensemble(ensemble_config)

    best_params, best_score, ensemble_history = ensemble_optimizer.optimize(
        objective=objective, search_space=search_space, direction="maximize"
    )
    assert set(best_params) == set(search_space) and 0.5 < best_score <= 1.0
    assert len(ensemble_history) == 6
    counts = {name: m.n_trials for name, m in ensemble_history.members.items()}
    assert counts == {"optuna": 2, "hyperopt": 2, "skopt": 2}  # 2.4/1.8/1.8, to the nearest
    assert best_score == max(m.best_value for m in ensemble_history.members.values())


def test_search_space_definition_forms() -> None:
    spaces = [
        {
            "learning_rate": ("float", 0.001, 0.1, "log"),
            "n_estimators": ("int", 10, 1000),
            "regularization": ("float", 1e-6, 1e-2, "log"),
        },
        {
            "algorithm": ("categorical", ["auto", "ball_tree", "kd_tree"]),
            "metric": ("categorical", ["euclidean", "manhattan", "minkowski"]),
        },
        {
            "algorithm": ("categorical", ["svm", "random_forest"]),
            "C": ("float", 0.1, 10.0, "when", "algorithm", "svm"),
            "n_estimators": ("int", 10, 200, "when", "algorithm", "random_forest"),
        },
    ]
    for space in spaces:
        opt = AdaptiveHyperparameterOptimizer(n_trials=6, random_state=0)
        best_params, _, history = opt.optimize(lambda p: float(len(str(p))), space)
        assert len(history) == 6 and best_params


def test_dynamic_search_space_adaptation_call_pattern() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna", n_trials=8, adaptation_interval=25, min_improvement_threshold=0.001
    )
    _, _, history = optimizer.optimize(lambda p: -((p["x"] - 0.3) ** 2), {"x": ("float", 0, 1)})
    assert len(history) == 8


def test_scikit_learn_pipeline_objective() -> None:
    pipeline = Pipeline([("scaler", StandardScaler()), ("classifier", RandomForestClassifier())])
    pipeline_space = {
        "scaler__with_mean": ("categorical", [True, False]),
        "scaler__with_std": ("categorical", [True, False]),
        "classifier__n_estimators": ("int", 10, 200),
        "classifier__max_depth": ("int", 3, 20),
    }

    def pipeline_objective(params: dict[str, Any]) -> float:
        pipeline.set_params(**params)
        scores = cross_val_score(pipeline, X, y, cv=3)
        return float(scores.mean())

    optimizer = AdaptiveHyperparameterOptimizer(n_trials=3, random_state=0)
    best_params, best_score, _ = optimizer.optimize(
        objective=pipeline_objective, search_space=pipeline_space, direction="maximize"
    )
    assert isinstance(best_params["scaler__with_mean"], bool) and best_score > 0.5


def test_real_time_progress_tracking_both_forms(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna", n_trials=5, enable_monitoring=True, log_level="INFO"
    )

    def detailed_progress_callback(study: Any, trial: Any) -> None:
        print(f"Trial {trial.number}:")
        print(f"  Parameters: {trial.params}")
        print(f"  Value: {trial.value}")
        print(f"  Best so far: {study.best_value}")
        logging.info(f"Trial {trial.number}: {trial.value}")

    optimizer.add_callback(detailed_progress_callback)
    with caplog.at_level(logging.INFO):
        optimizer.optimize(lambda p: p["x"] ** 2, {"x": ("float", -1, 1)}, direction="minimize")
    out = capsys.readouterr().out
    assert out.count("Best so far:") == 5 and "Trial 4:" in out
    progress = [
        r for r in caplog.records if r.name == "adaptive_hyperopt" and "trial " in r.getMessage()
    ]
    assert len(progress) == 5 and "[5/5 done" in progress[-1].getMessage()


def test_fault_tolerant_optimization_example() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=6,
        max_failures=10,
        retry_failed_trials=True,
        timeout_per_trial=300,
        catch_exceptions=True,
    )

    def robust_objective(params: dict[str, Any]) -> float:
        # timeout_per_trial runs each trial in its own process: the flakiness depends on the
        # parameters, not on state shared between trials
        try:
            if params["x"] < 0.3:
                raise RuntimeError("flaky training")
            return params["x"]
        except Exception as e:
            logging.error(f"Trial failed with error: {e}")
            return float("-inf")  # For maximization problems

    best_params, best_score, _ = optimizer.optimize(
        objective=robust_objective, search_space={"x": ("float", 0, 1)}, direction="maximize"
    )
    assert 0 <= best_score <= 1


def test_best_practices_spaces_run() -> None:
    good = {
        "learning_rate": ("float", 1e-5, 1e-1, "log"),
        "batch_size": ("categorical", [16, 32, 64, 128]),
        "n_layers": ("int", 2, 8),
    }
    avoid = {"learning_rate": ("float", 0, 1), "batch_size": ("int", 1, 1000)}
    for space in (good, avoid):
        _, _, history = AdaptiveHyperparameterOptimizer(n_trials=4).optimize(
            lambda p: p["learning_rate"] * p["batch_size"], space
        )
        assert len(history) == 4


def test_resource_management_and_memory_efficient_examples() -> None:
    optimizer = AdaptiveHyperparameterOptimizer(
        n_trials=3,
        timeout=3600,
        n_jobs=min(4, os.cpu_count() or 1),
        memory_limit="8GB",
    )
    _, _, history = optimizer.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert len(history) == 3
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=3,
        memory_efficient=True,
        max_memory_usage="4GB",
        enable_gc=True,
        trial_timeout=300,
    )
    _, _, history = optimizer.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert len(history) == 3


def test_parallel_optimization_with_sqlite(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=8,
        n_jobs=8,  # Use 8 parallel workers
        storage="sqlite:///optimization.db",  # Shared storage for parallel trials
    )
    _, _, history = optimizer.optimize(lambda p: p["x"], {"x": ("float", 0, 1)})
    assert len(history) == 8 and (tmp_path / "optimization.db").exists()


def test_monitoring_is_visible_without_any_logging_setup() -> None:
    import subprocess
    import sys

    script = (
        "from adaptive_hyperopt import AdaptiveHyperparameterOptimizer\n"
        "o = AdaptiveHyperparameterOptimizer(n_trials=3, enable_monitoring=True, log_level='INFO')\n"
        "o.optimize(lambda p: p['x'], {'x': ('float', 0, 1)})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    progress = [
        line for line in result.stderr.splitlines() if "[adaptive_hyperopt INFO] trial" in line
    ]
    assert len(progress) == 3 and result.stdout == ""


def test_multi_objective_optimization_example() -> None:
    def multi_objective(params: dict[str, Any]) -> tuple[float, float]:
        model = RandomForestClassifier(**params, random_state=42)
        accuracy_scores = cross_val_score(model, X, y, cv=3, scoring="accuracy")
        accuracy = accuracy_scores.mean()
        complexity = 1.0 / params["n_estimators"]
        return accuracy, complexity

    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=8, enable_pruning=True)
    pareto_front = optimizer.multi_objective_optimize(
        objective=multi_objective,
        search_space={**search_space, "n_estimators": ("int", 10, 40)},
        directions=["maximize", "maximize"],
        n_trials=8,
    )
    print(f"Pareto optimal solutions: {len(pareto_front)}")
    assert 1 <= len(pareto_front) <= 8 and pareto_front.hypervolume > 0


def test_custom_adaptation_strategy_as_written() -> None:
    # "Custom Adaptation Strategies", as the spec writes it
    def custom_adaptation_strategy(optimizer, trial_history):
        """Custom strategy for search space adaptation"""
        recent_trials = trial_history[-20:]

        if len(recent_trials) < 10:
            return optimizer.search_space  # No adaptation yet

        # Calculate improvement trend
        scores = [trial.value for trial in recent_trials]
        improvement = (scores[-1] - scores[0]) / len(scores)

        if improvement < 0.001:
            # Narrow search space around best parameters
            return optimizer._narrow_search_space()
        else:
            # Expand search space for exploration
            return optimizer._expand_search_space()

    optimizer = AdaptiveHyperparameterOptimizer(n_trials=60, random_state=0)
    optimizer.set_adaptation_strategy(custom_adaptation_strategy)
    events: list[Any] = []
    optimizer.add_listener(events.append)
    _, _, history = optimizer.optimize(
        lambda p: -((p["x"] - 0.3) ** 2) - (p["y"] - 0.7) ** 2,
        {"x": ("float", 0, 1), "y": ("float", 0, 1)},
        direction="maximize",
    )
    assert len(history) == 60
    changes = [e for e in events if e.kind == "space_changed"]
    assert changes and all(e.reason == "custom strategy" for e in changes)
    assert optimizer.search_space is not None and optimizer.search_space.version == len(changes)


def test_optimization_visualization_example(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    optimizer = AdaptiveHyperparameterOptimizer(backend="optuna", n_trials=8, random_state=0)
    optimizer.optimize(
        objective=lambda p: p["max_depth"] / 20 - p["min_samples_leaf"] / 100,  # fast stand-in
        search_space=search_space,
        direction="maximize",
    )

    # Generate optimization plots
    import matplotlib.pyplot as plt

    # Plot optimization history
    optimizer.plot_optimization_history()

    # Plot parameter importance
    optimizer.plot_param_importance()

    # Plot parallel coordinate plot
    optimizer.plot_parallel_coordinate()

    # Plot hyperparameter relationships
    optimizer.plot_param_relationships()

    # Save plots
    optimizer.save_plots("optimization_plots/")

    out = tmp_path / "optimization_plots"
    assert (out / "report.html").read_text().count("<svg") == 4
    assert sorted(p.stem for p in out.glob("*.png")) == [
        "optimization_history",
        "parallel_coordinate",
        "param_importance",
        "param_relationships",
    ]
    assert plt.get_fignums() == []  # the figures never enter pyplot's global state
