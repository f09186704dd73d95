"""The benchmark problems: known optima at their known optimisers, spaces, ML objectives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy.optimize import minimize

from benchmarks.problems import REGRET_FLOOR, Problem, all_problems, get_problem
from benchmarks.problems.synthetic import DECEPTIVE_A, deceptive3
from benchmarks.space import Param, active_subset, parse_space

SYNTHETIC = [p for p in all_problems().values() if p.kind == "synthetic"]
ML = [p for p in all_problems().values() if p.kind == "ml"]


def random_params(problem: Problem, rng: np.random.Generator) -> dict[str, Any]:
    """A uniformly random point of the DSL space (log-uniform for log parameters)."""
    params = parse_space(problem.space)
    values: dict[str, Any] = {}
    for p in params:
        values[p.name] = _draw(p, rng)
    return active_subset(params, values)


def _draw(p: Param, rng: np.random.Generator) -> Any:
    if p.kind == "categorical":
        return p.choices[int(rng.integers(len(p.choices)))]
    if p.log:
        x = math.exp(rng.uniform(math.log(p.low), math.log(p.high)))
    else:
        x = rng.uniform(p.low, p.high)
    return int(min(max(round(x), p.low), p.high)) if p.kind == "int" else float(x)


@pytest.mark.parametrize("problem", SYNTHETIC, ids=lambda p: p.name)
def test_known_optimum_at_known_optimiser(problem: Problem) -> None:
    assert problem.f_star is not None and problem.argopt is not None
    value = problem.objective(problem.argopt)
    assert value == pytest.approx(problem.f_star, abs=1e-9)
    assert problem.metric(problem.f_star) == math.log10(REGRET_FLOOR)
    assert problem.metric(problem.f_star + 0.01) == pytest.approx(-2.0)


@pytest.mark.parametrize("problem", SYNTHETIC, ids=lambda p: p.name)
def test_no_random_point_beats_the_known_optimum(problem: Problem) -> None:
    assert problem.f_star is not None
    rng = np.random.default_rng(0)
    values = [problem.objective(random_params(problem, rng)) for _ in range(2000)]
    assert min(values) >= problem.f_star - 1e-9


@pytest.mark.parametrize("name", ["hartmann6", "deceptive3", "styblinski_tang10", "branin"])
def test_local_search_from_the_optimiser_finds_nothing_lower(name: str) -> None:
    problem = get_problem(name)
    assert problem.argopt is not None and problem.f_star is not None
    keys = list(problem.space)
    bounds = [(problem.space[k][1], problem.space[k][2]) for k in keys]

    def f(x: np.ndarray) -> float:
        return problem.objective(dict(zip(keys, x, strict=True)))

    x0 = np.array([problem.argopt[k] for k in keys])
    res = minimize(f, x0, method="L-BFGS-B", bounds=bounds)
    assert res.fun >= problem.f_star - 1e-12


def test_deceptive3_global_minimum_by_multistart() -> None:
    problem = get_problem("deceptive3")
    assert problem.f_star is not None
    assert problem.f_star == pytest.approx(-8.8454e-05, rel=1e-4)

    def f(x: np.ndarray) -> float:
        return problem.objective({f"x{i}": v for i, v in enumerate(x)})

    starts = np.random.default_rng(1).uniform(size=(40, 3))
    best = min(minimize(f, s, method="L-BFGS-B", bounds=[(0, 1)] * 3).fun for s in starts)
    assert best == pytest.approx(problem.f_star, abs=1e-10)
    decoy = deceptive3({f"x{i}": v for i, v in enumerate(DECEPTIVE_A)})
    assert decoy == pytest.approx(0.5, abs=1e-3)


def test_problem_flags() -> None:
    problems = all_problems()
    assert problems["branin"].continuous and not problems["branin"].conditional
    assert not problems["mixed"].continuous
    assert problems["conditional"].conditional
    assert {p.name for p in ML} == {"hgb_breast_cancer", "sgd_digits", "hgb_diabetes"}
    assert all(p.higher_is_better and p.f_star is None for p in ML)
    assert not any(p.higher_is_better for p in SYNTHETIC)
    with pytest.raises(KeyError, match="known"):
        get_problem("nope")


def test_conditional_branch_floors() -> None:
    f = get_problem("conditional").objective
    linear = {"model": "linear", "scale": 0.4, "alpha": 1e-3, "l1_ratio": 0.5}
    tree = {"model": "tree", "scale": 0.4, "depth": 7, "min_leaf": 10, "n_iter": 60}
    assert f(linear) == pytest.approx(0.4)
    assert f(tree) == pytest.approx(0.2)


@pytest.mark.parametrize("problem", ML, ids=lambda p: p.name)
def test_ml_objective_gives_a_plausible_score(problem: Problem) -> None:
    params = random_params(problem, np.random.default_rng(3))
    score = problem.objective(params)
    assert math.isfinite(score)
    assert score == problem.objective(params)  # deterministic
    assert score <= 1.0
