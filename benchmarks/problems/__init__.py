"""The benchmark problems: synthetic functions with known optima and ML tuning tasks."""

from __future__ import annotations

from benchmarks.problems.base import REGRET_FLOOR, Problem
from benchmarks.problems.ml import ml_problems
from benchmarks.problems.synthetic import synthetic_problems

__all__ = ["REGRET_FLOOR", "Problem", "all_problems", "get_problem"]


def all_problems() -> dict[str, Problem]:
    """Every problem by name, synthetic first, in report order."""
    return {p.name: p for p in [*synthetic_problems(), *ml_problems()]}


def get_problem(name: str) -> Problem:
    """One problem by name; KeyError lists the known names."""
    problems = all_problems()
    if name not in problems:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(problems)}")
    return problems[name]
