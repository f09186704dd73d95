"""The tuple DSL: every form of the spec parses; every invalid form is refused by name."""

from __future__ import annotations

import pytest

from adaptive_hyperopt.space import Categorical, Float, Int, parse_space


def test_every_form_of_the_spec_parses() -> None:
    dims = parse_space(
        {
            "learning_rate": ("float", 0.001, 0.1, "log"),
            "n_estimators": ("int", 10, 1000),
            "width": ("int", 8, 512, "log"),
            "dropout": ("float", 0.0, 0.5),
            "max_features": ("categorical", ["sqrt", "log2", None]),
            "flag": ("categorical", [True, False]),
            "mixed": ("categorical", [1, "two", 3.0, None, (4, 5)]),
        }
    )
    assert dims["learning_rate"] == Float("learning_rate", 0.001, 0.1, True)
    assert isinstance(dims["n_estimators"], Int) and dims["n_estimators"].high == 1000
    assert dims["width"].log is True  # type: ignore[attr-defined]
    assert isinstance(dims["max_features"], Categorical)
    assert dims["max_features"].choices == ("sqrt", "log2", None)
    assert dims["mixed"].choices[-1] == (4, 5)  # type: ignore[attr-defined]


def test_conditions_single_value_list_and_nested() -> None:
    dims = parse_space(
        {
            "algorithm": ("categorical", ["svm", "random_forest", "knn"]),
            "C": ("float", 0.1, 10.0, "when", "algorithm", "svm"),
            "n_estimators": ("int", 10, 200, "when", "algorithm", ["random_forest"]),
            "kernel": ("categorical", ["rbf", "poly"], "when", "algorithm", "svm"),
            "degree": ("int", 2, 5, "when", "kernel", "poly"),
            "gamma": ("float", 1e-4, 1.0, "log", "when", "kernel", ["rbf", "poly"]),
        }
    )
    assert dims["C"].condition is not None and dims["C"].condition.values == ("svm",)
    assert dims["degree"].condition is not None and dims["degree"].condition.parent == "kernel"
    assert dims["gamma"].log is True  # type: ignore[attr-defined]


def test_pipeline_names_are_plain_names() -> None:
    dims = parse_space({"classifier__n_estimators": ("int", 10, 200)})
    assert list(dims) == ["classifier__n_estimators"]


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"x": ("float", 1.0, 1.0)}, r"search_space\['x'\]: low must be below high"),
        ({"x": ("float", 2.0, 1.0)}, r"'x'.*low must be below high"),
        ({"n": ("int", 5, 3)}, r"'n'.*low must be below high, got low=5 >= high=3"),
        ({"lr": ("float", 0.0, 1.0, "log")}, r"'lr'.*log-scaled range needs low > 0"),
        ({"lr": ("float", -1.0, 1.0, "log")}, r"'lr'.*low > 0"),
        ({"n": ("int", 0, 10, "log")}, r"'n'.*low > 0"),
        ({"c": ("categorical", [])}, r"'c'.*choices must not be empty"),
        ({"c": ("categorical", ["a", "a"])}, r"'c'.*'a' appears more than once"),
        ({"c": ("categorical", "abc")}, r"'c'.*expected \('categorical'"),
        ({"x": ("double", 0, 1)}, r"'x'.*unknown type 'double'"),
        ({"x": ("float", 0)}, r"'x'.*expected \('float', low, high\)"),
        ({"x": ("float", 0, 1, "log", "extra")}, r"'x'.*expected"),
        ({"x": ("float", 0, 1, "linear")}, r"'x'.*fourth element may only be 'log'"),
        ({"n": ("int", 0.5, 3)}, r"'n'.*low must be an integer"),
        ({"x": ("float", 0, "1")}, r"'x'.*high must be a finite number"),
        ({"x": ("float", 0, float("inf"))}, r"'x'.*high must be a finite number"),
        ({"x": [1, 2]}, r"'x'.*unknown type 1"),
        ({"x": 3}, r"'x'.*expected a tuple"),
        ({"C": ("float", 0.1, 1, "when", "algo", "svm")}, r"'C'.*'algo', which is not a param"),
        (
            {"a": ("categorical", ["svm", "rf"]), "C": ("float", 0.1, 1, "when", "a", "lr")},
            r"'C'.*condition value 'lr' is not a value 'a' can take",
        ),
        (
            {"a": ("categorical", ["x"]), "C": ("float", 0.1, 1, "when", "a")},
            r"'C'.*'when', PARENT, VALUE",
        ),
        (
            {"a": ("float", 0, 1), "C": ("float", 0.1, 1, "when", "a", 0.5)},
            r"'C'.*categorical or int parent",
        ),
        (
            {
                "a": ("categorical", [1, 2], "when", "b", 1),
                "b": ("categorical", [1, 2], "when", "a", 1),
            },
            r"cycle",
        ),
        ({"a": ("categorical", [1], "when", "a", 1)}, r"'a'.*conditioned on itself"),
        ({}, r"at least one parameter"),
    ],
)
def test_invalid_spaces_are_refused_naming_the_parameter(space: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_space(space)


def test_not_a_dict() -> None:
    with pytest.raises(ValueError, match="search_space must be a dict"):
        parse_space([("x", "float", 0, 1)])  # type: ignore[arg-type]


def test_condition_on_int_parent_value() -> None:
    dims = parse_space({"layers": ("int", 1, 3), "w2": ("int", 4, 64, "when", "layers", [2, 3])})
    assert dims["w2"].condition is not None and dims["w2"].condition.holds(2)
    with pytest.raises(ValueError, match="condition value 7"):
        parse_space({"layers": ("int", 1, 3), "w": ("int", 4, 64, "when", "layers", 7)})


def test_boolean_choice_does_not_match_integer_condition() -> None:
    dims = parse_space({"c": ("categorical", [True, 1]), "x": ("float", 0, 1, "when", "c", True)})
    cond = dims["x"].condition
    assert cond is not None and cond.holds(True) and not cond.holds(1)
