"""Categorical choices that Python calls equal across types (1 == 1.0 == True) stay distinct."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.space import Categorical, SearchSpace, parse_space


@pytest.mark.parametrize(
    "choices", [[1, True], [0, False], [1.0, 1], [True, 1, 1.0, "x", None], [(1, 2), (True, 2)]]
)
def test_cross_type_equal_choices_round_trip_exactly(choices: list[Any]) -> None:
    dim = parse_space({"c": ("categorical", choices)})["c"]
    assert isinstance(dim, Categorical)
    labels = dim.encoded_choices
    # Optuna finds a stored value with list.index (==): every label must be == to itself only.
    assert [labels.index(label) for label in labels] == list(range(len(labels)))
    for choice in choices:
        back = dim.decode(dim.encode(choice))
        assert type(back) is type(choice) and back == choice
    distribution = optuna.distributions.CategoricalDistribution(list(labels))
    for choice in choices:
        index = distribution.to_internal_repr(dim.encode(choice))
        assert dim.decode(distribution.to_external_repr(index)) is choice


def test_unambiguous_primitives_are_stored_as_they_are() -> None:
    dim = parse_space({"c": ("categorical", [1, 2.5, "a", None, False])})["c"]
    assert dim.encoded_choices == (1, 2.5, "a", None, False)  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        dim.decode(0)  # type: ignore[attr-defined]  # strict: 0 is not False


def test_a_string_spelling_another_choices_label_is_refused() -> None:
    with pytest.raises(ValueError, match=r"search_space\['c'\]: choices .* stored as the same"):
        parse_space({"c": ("categorical", [1, True, "bool:True"])})
    with pytest.raises(ValueError, match=r"choice 1 appears more than once"):
        parse_space({"c": ("categorical", [1, 2, 1])})


def test_conditions_tell_one_from_one_point_zero() -> None:
    dims = parse_space({"c": ("categorical", [1.0, 1]), "x": ("float", 0, 1, "when", "c", 1)})
    cond = dims["x"].condition
    assert cond is not None and cond.holds(1) and not cond.holds(1.0)


def test_a_study_hands_the_objective_the_exact_choice() -> None:
    seen: list[Any] = []

    def objective(params: dict[str, Any]) -> float:
        seen.append(params["c"])
        return float(params["c"] is True)

    opt = AdaptiveHyperparameterOptimizer(n_trials=30, random_state=0)
    best, _, _ = opt.optimize(objective, {"c": ("categorical", [1, True, 1.0])})
    assert {(type(v), v) for v in seen} == {(int, 1), (bool, True), (float, 1.0)}
    assert best["c"] is True


def test_with_choices_picks_by_exact_value() -> None:
    space = SearchSpace.from_dict({"c": ("categorical", [1, True, 1.0])})
    only = space.with_choices("c", [True])
    assert only["c"].choices == (True,)  # type: ignore[attr-defined]
    frozen = space.frozen_at("c", 1.0)
    assert type(frozen["c"].frozen_value) is float
