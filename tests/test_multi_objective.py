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


# Hyperopt and scikit-optimize: ParEGO ---------------------------------------------------------
PARABOLA = {"x": ("float", -1.0, 3.0)}


def assert_the_known_front(opt: Any, front: ParetoFront, f: Any = parabolas) -> None:
    """The front is exactly the non-dominated trials, and on two parabolas that is known: every
    trial with x in [0, 2] (the Pareto set), and outside it at most the nearest trial per side."""
    trials = [r for r in opt.history if r.state == "COMPLETE"]
    sign = [-1.0 if d == "maximize" else 1.0 for d in front.directions]
    loss = {r.number: tuple(s * v for s, v in zip(sign, r.values, strict=True)) for r in trials}
    expected = {n for n, v in loss.items() if not any(dominates(w, v) for w in loss.values())}
    assert {p.number for p in front} == expected
    xs = {r.number: r.params["x"] for r in trials}
    assert {n for n, x in xs.items() if 0.0 <= x <= 2.0} <= expected
    for side in (lambda x: x < 0.0, lambda x: x > 2.0):
        outside = [n for n in expected if side(xs[n])]
        assert len(outside) <= 1
        if outside:  # the trial closest to the Pareto set on that side
            nearest = min(
                (n for n in xs if side(xs[n])), key=lambda n: min(abs(xs[n] - e) for e in (0, 2))
            )
            assert outside == [nearest]
    for point in front:
        assert point.values == f(point.params)


def spread(front: ParetoFront) -> float:
    """The widest gap the front leaves on the Pareto set [0, 2]."""
    inside = sorted(p.params["x"] for p in front if 0.0 <= p.params["x"] <= 2.0)
    return max(b - a for a, b in zip([0.0, *inside], [*inside, 2.0], strict=True))


def on_the_set(opt: Any, after: int) -> float:
    """The share of the trials after the random start that landed on the Pareto set."""
    xs = [r.params["x"] for r in opt.history if r.number >= after]
    return sum(0.0 <= x <= 2.0 for x in xs) / len(xs)


def test_hyperopt_finds_the_exact_front_through_parego() -> None:
    opt = AdaptiveHyperparameterOptimizer(
        backend="hyperopt", n_trials=40, random_state=0, sampler_config={"n_startup_jobs": 8}
    )
    front = opt.multi_objective_optimize(parabolas, PARABOLA, ["minimize", "minimize"])
    assert_the_known_front(opt, front)
    assert {r.backend for r in opt.history} == {"hyperopt"}
    assert on_the_set(opt, after=8) > 0.6  # uniform proposals: 0.5
    assert len(front) >= 20 and spread(front) < 0.4  # fresh weights spread it along the set
    assert opt.study is not None
    weights = [t.user_attrs["ah.parego_weights"] for t in opt.study.trials]
    assert all(len(w) == 2 and sum(w) == pytest.approx(1.0, abs=1e-5) for w in weights)
    assert len({tuple(w) for w in weights}) == 40


def test_skopt_finds_the_exact_front_with_mixed_directions() -> None:
    def mixed(params: dict[str, Any]) -> tuple[float, float]:
        f1, f2 = parabolas(params)
        return f1, -f2

    opt = AdaptiveHyperparameterOptimizer(
        backend="skopt", n_trials=25, random_state=0, sampler_config={"n_initial_points": 8}
    )
    front = opt.multi_objective_optimize(mixed, PARABOLA, ["minimize", "maximize"])
    assert front.directions == ["minimize", "maximize"]
    assert_the_known_front(opt, front, mixed)
    assert {r.backend for r in opt.history} == {"skopt"}
    assert on_the_set(opt, after=8) > 0.6
    assert len(front) >= 12 and spread(front) < 0.5


def test_parego_studies_repeat_with_a_seed() -> None:
    def trials(seed: int, backend: str = "hyperopt") -> list[tuple[float, list[float]]]:
        opt = AdaptiveHyperparameterOptimizer(
            backend=backend,
            n_trials=15,
            random_state=seed,
            sampler_config={"n_startup_jobs": 5} if backend == "hyperopt" else None,
        )
        opt.multi_objective_optimize(parabolas, PARABOLA, ["minimize", "minimize"])
        assert opt.study is not None
        return [(t.params["x"], t.user_attrs["ah.parego_weights"]) for t in opt.study.trials]

    first = trials(7)
    assert first == trials(7) and first != trials(8)


@pytest.mark.parametrize(
    "directions", [["maximize", "maximize"], ["maximize", "minimize"], ["minimize", "maximize"]]
)
def test_maximizing_a_negated_objective_proposes_the_same_trials(directions: list[str]) -> None:
    def proposals(directions: list[str]) -> list[float]:
        def objective(params: dict[str, Any]) -> tuple[float, ...]:
            return tuple(
                -v if d == "maximize" else v
                for v, d in zip(parabolas(params), directions, strict=True)
            )

        opt = AdaptiveHyperparameterOptimizer(
            backend="hyperopt", n_trials=20, random_state=3, sampler_config={"n_startup_jobs": 5}
        )
        front = opt.multi_objective_optimize(objective, PARABOLA, directions)
        assert_the_known_front(opt, front, objective)
        return [r.params["x"] for r in opt.history]

    assert proposals(directions) == proposals(["minimize", "minimize"])


# Adaptation on the front ---------------------------------------------------------------------
PLANE = {"x": ("float", -1.0, 3.0), "y": ("float", -5.0, 5.0)}


def two_bowls(params: dict[str, Any]) -> tuple[float, float]:
    """The Pareto set is y = 1, x in [0, 2]."""
    x, y = params["x"], params["y"]
    return x**2 + (y - 1) ** 2, (x - 2) ** 2 + (y - 1) ** 2


@pytest.mark.parametrize("backend", ["optuna", "hyperopt"])
def test_adaptation_narrows_the_space_around_the_front(backend: str) -> None:
    opt = AdaptiveHyperparameterOptimizer(
        backend=backend, n_trials=60, random_state=1, adaptation_interval=10
    )
    events: list[Any] = []
    opt.add_listener(events.append)
    front = opt.multi_objective_optimize(two_bowls, PLANE, ["minimize", "minimize"])
    adaptations = [e for e in events if e.kind == "adaptation"]
    assert [e.trigger for e in adaptations] == ["interval"] * 6
    changes = [e for e in events if e.kind == "space_changed"]
    assert changes and all("Pareto-optimal trials" in e.reason for e in changes)
    # every version's box holds the front as it stood when the version began
    study = opt.study
    assert study is not None
    log = study.user_attrs["ah.space_log"]
    for change, entry in zip(changes, log[1:], strict=True):
        before = [
            t for t in study.trials if t.number < entry["trial"] and t.state.name == "COMPLETE"
        ]
        values = {t.number: tuple(t.values) for t in before}
        on_front = [
            t for t in before if not any(dominates(w, values[t.number]) for w in values.values())
        ]
        box = {o["name"]: o for o in change.space["params"]}
        for t in on_front:
            for name in ("x", "y"):
                assert box[name]["low"] <= t.params[name] <= box[name]["high"]
    ys = [next(o for o in e.space["params"] if o["name"] == "y") for e in changes]
    widths = [y["high"] - y["low"] for y in ys]
    assert min(widths) < 5.0  # y, which the whole front agrees on, narrowed to half or less
    # the front found is still exactly the non-dominated trials, and lies near the Pareto set
    complete = {r.number: r for r in opt.history if r.state == "COMPLETE"}
    values = {n: r.values for n, r in complete.items()}
    expected = {n for n, v in values.items() if not any(dominates(w, v) for w in values.values())}
    assert {p.number for p in front} == expected and len(front) >= 8
    near = [p for p in front if abs(p.params["y"] - 1.0) < 0.5 and -0.3 < p.params["x"] < 2.3]
    assert len(near) >= 0.75 * len(front)


def test_a_custom_strategy_sees_every_objectives_values() -> None:
    seen: list[Any] = []

    def strategy(optimizer: Any, trial_history: Any) -> Any:
        seen.extend(trial_history)
        return optimizer.search_space

    opt = AdaptiveHyperparameterOptimizer(n_trials=10, random_state=0, adaptation_interval=5)
    opt.set_adaptation_strategy(strategy)
    events: list[Any] = []
    opt.add_listener(events.append)
    opt.multi_objective_optimize(parabolas, PARABOLA, ["minimize", "minimize"])
    reasons = [e.reason for e in events if e.kind == "adaptation"]
    assert reasons == ["custom strategy: no change"] * 2
    assert len(seen) == 5 + 10
    assert all(r.value is None and r.values == parabolas(r.params) for r in seen)


def test_continue_optimization_extends_the_front() -> None:
    optimizer, _ = run(n_trials=6)
    front = optimizer.continue_optimization(4, objective=parabolas, reference_point=[20.0, 20.0])
    assert isinstance(front, ParetoFront) and front is optimizer.pareto_front
    trials = optimizer.study.trials
    assert len(trials) == 10 and front.reference_point == [20.0, 20.0]
    values = [tuple(t.values) for t in trials]
    expected = {v for v in values if not any(dominates(w, v) for w in values)}
    assert {tuple(p.values) for p in front} == expected
    assert front.hypervolume >= 0


def test_continue_optimization_checks_the_reference_point() -> None:
    optimizer, _ = run(n_trials=3)
    with pytest.raises(ValueError, match="reference_point"):
        optimizer.continue_optimization(2, objective=parabolas, reference_point=[1.0])
    assert len(optimizer.study.trials) == 3


def test_ensemble_multi_objective_optimize() -> None:
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(
        {
            "optimizers": [{"backend": "optuna"}, {"backend": "hyperopt"}],
            "n_trials_per_optimizer": 3,
            "random_state": 0,
        }
    )
    front = ensemble.multi_objective_optimize(parabolas, SPACE, ["minimize", "minimize"])
    assert ensemble.study is not None and len(ensemble.study.trials) == 6 and len(front) >= 1
    more = ensemble.continue_optimization(2, objective=parabolas)
    assert isinstance(more, ParetoFront) and len(ensemble.study.trials) == 8
