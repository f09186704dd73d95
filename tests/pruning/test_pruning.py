"""Pruning in real studies: synthetic learning curves where the right decisions are known."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.pruning import Reporter, TrialPruned

SPACE = {"q": ("float", 0.0, 1.0)}
STEPS = 8


def curve(q: float, step: int) -> float:
    """Learning curves ordered by q at every step: a higher q is better at every epoch."""
    return q * (1 - 0.5 ** (step + 1))


def auto_objective(params: dict[str, Any], trial: Reporter) -> float:
    for step in range(STEPS):
        trial.report(curve(params["q"], step), step)  # raises TrialPruned when pruned
    return curve(params["q"], STEPS - 1)


def manual_objective(params: dict[str, Any], trial: Reporter) -> float:
    for step in range(STEPS):
        trial.report(curve(params["q"], step), step)
        if trial.should_prune():
            raise TrialPruned
    return curve(params["q"], STEPS - 1)


def run(objective: Any = auto_objective, n_trials: int = 24, **kwargs: Any) -> Any:
    kwargs.setdefault("pruning_patience", None)
    opt = AdaptiveHyperparameterOptimizer(
        n_trials=n_trials, random_state=3, sampler_config={"sampler_type": "random"}, **kwargs
    )
    events: list[Any] = []
    opt.add_listener(events.append)
    _, _, history = opt.optimize(objective, SPACE, direction="maximize")
    return opt, history, events


def test_threshold_prunes_exactly_the_trials_below_it() -> None:
    _, history, _ = run(pruner_config={"pruner_type": "threshold", "lower": 0.3})
    for rec in history:
        below = curve(rec.params["q"], 0) < 0.3
        assert (rec.state == "PRUNED") == below, rec
        if below:
            assert rec.reason is not None and rec.reason.startswith("pruned at step 0")
            assert rec.value is None


@pytest.mark.parametrize("objective", [auto_objective, manual_objective])
def test_median_prunes_only_trials_worse_than_the_completed_median(objective: Any) -> None:
    config = {"pruner_type": "median", "n_startup_trials": 3}
    opt, history, _ = run(objective, pruner_config=config)
    completed: list[float] = []
    pruned = 0
    for rec in history:
        if rec.state == "PRUNED":
            pruned += 1
            assert rec.params["q"] < statistics.median(completed)
        else:
            assert rec.state == "COMPLETE"
            completed.append(rec.params["q"])
    assert pruned >= 5
    assert opt.study.trials[history[-1].number].state.name == history[-1].state  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "config",
    [
        {"pruner_type": "percentile", "percentile": 25.0, "n_startup_trials": 3},
        {"pruner_type": "successive_halving", "min_resource": 1, "reduction_factor": 2},
        {
            "pruner_type": "hyperband",
            "min_resource": 1,
            "max_resource": STEPS,
            "reduction_factor": 2,
        },
        {"pruner_type": "wilcoxon", "p_threshold": 0.1, "n_startup_steps": 2},
    ],
    ids=lambda c: c["pruner_type"],
)
def test_each_pruner_prunes_worse_curves_and_never_the_best(config: dict[str, Any]) -> None:
    _, history, _ = run(pruner_config=config, n_trials=30)
    pruned = [r.params["q"] for r in history if r.state == "PRUNED"]
    complete = [r.params["q"] for r in history if r.state == "COMPLETE"]
    assert pruned and complete
    assert statistics.mean(pruned) < statistics.mean(complete)
    best = max(history, key=lambda r: r.params["q"])
    assert best.state == "COMPLETE"


def test_patient_prunes_declining_curves_the_wrapped_pruner_rejects() -> None:
    def declining(params: dict[str, Any], trial: Reporter) -> float:
        for step in range(STEPS):
            trial.report(params["q"] - 0.01 * step, step)
        return float(params["q"])

    config = {"pruner_type": "patient", "patience": 1, "wrapped": {"pruner_type": "median"}}
    _, history, _ = run(declining, pruner_config=config, n_trials=30)
    pruned = [r for r in history if r.state == "PRUNED"]
    assert pruned and all(r.reason and r.reason.startswith("pruned at step 2") for r in pruned)


def test_patience_lets_that_many_trials_complete_before_any_is_pruned() -> None:
    _, history, _ = run(pruner_config={"pruner_type": "median"}, pruning_patience=6)
    first_pruned = next(i for i, r in enumerate(history) if r.state == "PRUNED")
    assert first_pruned >= 6 and all(r.state == "COMPLETE" for r in history[:6])


def test_pruning_off_never_prunes_and_one_argument_objectives_still_work() -> None:
    _, history, _ = run(
        enable_pruning=False, pruner_config={"pruner_type": "threshold", "lower": 9}
    )
    assert all(r.state == "COMPLETE" for r in history)
    _, history, _ = run(lambda p: p["q"], pruner_config={"pruner_type": "threshold", "lower": 9})
    assert all(r.state == "COMPLETE" for r in history)


@pytest.mark.parametrize("n_jobs", [1, 3])
def test_reports_are_events_and_pruning_works_across_executors(n_jobs: int) -> None:
    opt, history, events = run(
        pruner_config={"pruner_type": "threshold", "lower": 0.3}, n_jobs=n_jobs, n_trials=12
    )
    reported = [e for e in events if e.kind == "trial_reported"]
    finished = {e.number: e for e in events if e.kind == "trial_finished"}
    for rec in history:
        steps = [e.step for e in reported if e.number == rec.number]
        assert steps == (list(range(STEPS)) if rec.state == "COMPLETE" else [0])
        assert finished[rec.number].state == rec.state
    trials = opt.study.trials  # type: ignore[union-attr]
    assert (
        sum(t.state.name == "PRUNED" for t in trials)
        == sum(r.state == "PRUNED" for r in history)
        > 0
    )
    pruned = next(t for t in trials if t.state.name == "PRUNED")
    assert pruned.intermediate_values == {0: pytest.approx(curve(pruned.params["q"], 0))}
    assert opt.history is history


@pytest.mark.parametrize("backend", ["hyperopt", "skopt"])
def test_pruning_with_the_other_backends(backend: str) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        backend=backend,
        n_trials=10,
        random_state=0,
        pruning_patience=None,
        pruner_config={"pruner_type": "threshold", "lower": 0.3},
        sampler_config={"n_initial_points": 3} if backend == "skopt" else None,
    )
    _, best, history = opt.optimize(auto_objective, SPACE, direction="maximize")
    states = {r.state for r in history}
    assert states <= {"COMPLETE", "PRUNED"} and "COMPLETE" in states
    # pruned trials are observations too: no point is proposed twice
    assert len({r.params["q"] for r in history}) == len(history)
    assert best == max(r.value for r in history if r.value is not None)


def test_bad_reports_fail_the_trial_with_a_clear_reason() -> None:
    def objective(params: dict[str, Any], trial: Reporter) -> float:
        trial.report("high", 0)  # type: ignore[arg-type]
        return 1.0

    opt = AdaptiveHyperparameterOptimizer(n_trials=2, random_state=0)
    with pytest.raises(Exception, match="no completed trial"):
        opt.optimize(objective, SPACE)
    assert "value must be a number, got 'high'" in (opt.history[0].reason or "")
