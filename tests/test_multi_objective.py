"""Multi-objective studies: the exact Pareto front, its hypervolume, failures and validation."""

from __future__ import annotations

import math
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.pareto import ParetoFront
from adaptive_hyperopt.pruning import Reporter

SPACE = {"x": ("float", -1.0, 3.0), "kind": ("categorical", [(1, 2), "b"])}


def parabolas(params: dict[str, Any]) -> tuple[float, float]:
    """f1 = x^2 and f2 = (x - 2)^2: the Pareto set is exactly x in [0, 2]."""
    x = params["x"]
    return x**2, (x - 2) ** 2


def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return all(p <= q for p, q in zip(a, b, strict=True)) and a != b


def run(objective: Any = parabolas, n_trials: int = 40, **kwargs: Any) -> tuple[Any, ParetoFront]:
    opt = AdaptiveHyperparameterOptimizer(n_trials=n_trials, random_state=1)
    front = opt.multi_objective_optimize(
        objective, SPACE, ["minimize", "minimize"], n_trials=n_trials, **kwargs
    )
    return opt, front


def test_the_front_is_exactly_the_non_dominated_trials() -> None:
    opt, front = run()
    points = {r.number: r.values for r in opt.history if r.state == "COMPLETE"}
    expected = {n for n, v in points.items() if not any(dominates(w, v) for w in points.values())}
    assert {p.number for p in front} == expected and len(front) >= 3
    inside = sum(0.0 <= p.params["x"] <= 2.0 for p in front)
    assert inside >= len(front) - 2  # only the ends may lie just outside the true Pareto set
    for point in front:
        assert point.values == parabolas(point.params)
        assert point.params["kind"] in ((1, 2), "b")  # original objects, not Optuna's labels
    assert all(r.value is None and len(r.values) == 2 for r in opt.history)


def test_hypervolume_against_a_given_reference_point_matches_a_direct_computation() -> None:
    _, front = run(reference_point=[9.0, 9.0])
    assert front.reference_point == [9.0, 9.0]
    pts = sorted(p.values for p in front)  # by f1 ascending, so f2 descending
    area, previous_f2 = 0.0, 9.0
    for f1, f2 in pts:
        area += (9.0 - f1) * (previous_f2 - f2)
        previous_f2 = f2
    assert front.hypervolume == pytest.approx(area)
    # the true front (f2 = (sqrt(f1) - 2)^2) dominates 81 - 8/3 from (9, 9); samples, a bit less
    assert 75.0 < front.hypervolume < 81.0 - 8 / 3


def test_default_reference_point_is_ten_percent_past_the_worst_value() -> None:
    opt, front = run()
    values = [r.values for r in opt.history if r.state == "COMPLETE"]
    for i in range(2):
        worst, best = max(v[i] for v in values), min(v[i] for v in values)
        assert front.reference_point[i] == pytest.approx(worst + 0.1 * (worst - best))


def test_maximized_objectives_and_failing_trials() -> None:
    calls = 0

    def objective(params: dict[str, Any]) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            return (1.0,)  # one value for two objectives
        if calls == 3:
            return (math.nan, 1.0)
        x = params["x"]
        return -(x**2), -((x - 2) ** 2)

    opt = AdaptiveHyperparameterOptimizer(n_trials=12, random_state=1)
    front = opt.multi_objective_optimize(objective, SPACE, ["maximize", "maximize"])
    reasons = [r.reason for r in opt.history if r.state == "FAIL"]
    assert reasons == [
        "invalid value: the objective returned 1 values for 2 objectives",
        "invalid value: the objective returned NaN (objective 0)",
    ]
    assert front.directions == ["maximize"] * 2
    points = {r.number: r.values for r in opt.history if r.state == "COMPLETE"}
    worse = {n: (-a, -b) for n, (a, b) in points.items()}  # maximizing: negate to minimize
    expected = {n for n, v in worse.items() if not any(dominates(w, v) for w in worse.values())}
    assert {p.number for p in front} == expected


def test_reports_in_a_multi_objective_study_are_events_only() -> None:
    def objective(params: dict[str, Any], trial: Reporter) -> tuple[float, float]:
        for step in range(3):
            trial.report(params["x"], step)
        return parabolas(params)

    opt = AdaptiveHyperparameterOptimizer(n_trials=4, random_state=0)
    events: list[Any] = []
    opt.add_listener(events.append)
    front = opt.multi_objective_optimize(objective, SPACE, ["minimize", "minimize"])
    assert len([e for e in events if e.kind == "trial_reported"]) == 12
    assert all(r.state == "COMPLETE" for r in opt.history) and len(front) >= 1


@pytest.mark.parametrize(
    ("directions", "kwargs", "message"),
    [
        (["minimize"], {}, "directions must name at least two objectives"),
        ("minimize", {}, "directions must be a list"),
        (["minimize", "down"], {}, r"directions\[1\] must be 'minimize' or 'maximize'"),
        (["minimize", "minimize"], {"reference_point": [1.0]}, "reference_point must be 2 numbers"),
    ],
)
def test_bad_arguments_are_refused_before_any_trial(
    directions: Any, kwargs: dict[str, Any], message: str
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=3)
    with pytest.raises(ValueError, match=message):
        opt.multi_objective_optimize(parabolas, SPACE, directions, **kwargs)
    assert opt.study is None
