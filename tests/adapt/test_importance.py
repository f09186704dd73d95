"""PED-ANOVA inside a region: answers where it can, and never warns (it runs on background
threads, where a warning would land in whatever notebook cell runs)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.adapt._importance import region_importances

SPACE = {
    "x": ("float", 0.0, 1.0),
    "noise": ("float", 0.0, 1.0),
    "kind": ("categorical", ["a", "b"]),
    "depth": ("int", 1, 8, "when", "kind", "b"),
}


def objective(params: dict[str, Any]) -> float:
    return (params["x"] - 0.3) ** 2 + 0.001 * params["noise"]


@pytest.fixture
def no_warnings() -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    assert [str(w.message) for w in caught] == []


def test_after_a_range_edit_the_region_is_ranked_without_regime_notes(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0, adaptation_interval=0)
    opt.optimize(objective, SPACE)
    narrowed = dict(SPACE, x=("float", 0.0, 0.6))  # x now has two distributions in the study
    opt.continue_optimization(additional_trials=30, search_space=narrowed)
    assert opt.search_space is not None
    raw = region_importances(opt.study, opt.search_space)  # type: ignore[arg-type]
    assert set(raw) >= {"x", "noise"}
    assert raw["x"] > raw["noise"]


def test_a_regime_of_one_trial_is_left_out_not_warned_about(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    completed_b: list[int] = []

    def one_b(params: dict[str, Any]) -> float:
        if params["kind"] == "b":  # only the first "b" completes: "depth" active in one trial
            if completed_b:
                raise ValueError("b again")
            completed_b.append(params["depth"])
        return objective(params)

    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0, adaptation_interval=0)
    opt.optimize(one_b, SPACE)
    assert completed_b  # the situation arose
    raw = region_importances(opt.study, opt.search_space)  # type: ignore[arg-type]
    assert "depth" not in raw and {"x", "noise", "kind"} <= set(raw)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_nothing_to_say_is_an_empty_answer(
    direction: str, no_warnings: list[warnings.WarningMessage]
) -> None:
    few = AdaptiveHyperparameterOptimizer(n_trials=5, random_state=0, adaptation_interval=0)
    few.optimize(objective, SPACE, direction)
    assert region_importances(few.study, few.search_space) == {}  # type: ignore[arg-type]
    flat = AdaptiveHyperparameterOptimizer(n_trials=20, random_state=0, adaptation_interval=0)
    flat.optimize(lambda p: 1.0, SPACE, direction)  # every trial ties: no top quantile
    assert region_importances(flat.study, flat.search_space) == {}  # type: ignore[arg-type]
