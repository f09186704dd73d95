"""The DSL parser and its translations to Optuna, Hyperopt and scikit-optimize."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from skopt.space import Space

from benchmarks.problems import get_problem
from benchmarks.space import parse_space
from benchmarks.translate import (
    hyperopt_decode,
    hyperopt_space,
    skopt_decode,
    skopt_dimensions,
    suggest_optuna,
)

SPACE: dict[str, tuple[Any, ...]] = {
    "lr": ("float", 1e-4, 1.0, "log"),
    "C": ("float", 0.1, 10.0, "when", "algorithm", "svm"),
    "algorithm": ("categorical", ["svm", "forest", "knn"]),
    "n": ("int", 10, 200, "when", "algorithm", "forest"),
    "k": ("int", 1, 64, "log", "when", "algorithm", ["knn", "forest"]),
    "w": ("categorical", ["uniform", "distance"], "when", "algorithm", "knn"),
}
EXPECTED = {
    "svm": {"lr", "algorithm", "C"},
    "forest": {"lr", "algorithm", "n", "k"},
    "knn": {"lr", "algorithm", "k", "w"},
}


def check(params: dict[str, Any]) -> None:
    assert set(params) == EXPECTED[params["algorithm"]]
    assert 1e-4 <= params["lr"] <= 1.0
    if "n" in params:
        assert isinstance(params["n"], int) and 10 <= params["n"] <= 200
    if "k" in params:
        assert isinstance(params["k"], int) and 1 <= params["k"] <= 64
    if "C" in params:
        assert 0.1 <= params["C"] <= 10.0


def test_parse_orders_parents_first_and_reads_conditions() -> None:
    params = parse_space(SPACE)
    names = [p.name for p in params]
    assert names.index("algorithm") < names.index("C")
    k = next(p for p in params if p.name == "k")
    assert k.log and k.kind == "int" and k.condition is not None
    assert k.condition.values == ("knn", "forest")


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"x": ("float", 1.0, 1.0)}, "below"),
        ({"x": ("float", 0.0, 1.0, "log")}, "low > 0"),
        ({"x": ("categorical", [])}, "choices"),
        ({"x": ("float", 0.0, 1.0, "when", "nope", 1)}, "unknown parameter"),
        ({"x": ("complex", 0, 1)}, "unknown kind"),
    ],
)
def test_parse_rejects_bad_spaces(space: dict[str, tuple[Any, ...]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_space(space)


def test_optuna_define_by_run_respects_conditions() -> None:
    params = parse_space(SPACE)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(60):
        trial = study.ask()
        sample = suggest_optuna(trial, params)
        check(sample)
        seen.add(sample["algorithm"])
        study.tell(trial, 0.0)
    assert seen == {"svm", "forest", "knn"}


def test_hyperopt_space_samples_decode_to_active_params() -> None:
    from hyperopt.pyll import stochastic

    space = hyperopt_space(SPACE)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(100):
        sample = stochastic.sample(space, rng=rng)
        params = hyperopt_decode(SPACE, sample)
        check(params)
        seen.add(params["algorithm"])
    assert seen == {"svm", "forest", "knn"}


def test_hyperopt_rejects_non_categorical_parent() -> None:
    with pytest.raises(ValueError, match="categorical parent"):
        hyperopt_space({"a": ("int", 0, 3), "b": ("float", 0.0, 1.0, "when", "a", 1)})


def test_skopt_flat_encoding_drops_inactive() -> None:
    dims = skopt_dimensions(SPACE)
    assert len(dims) == len(SPACE)
    seen = set()
    for point in Space(dims).rvs(n_samples=50, random_state=0):
        params = skopt_decode(SPACE, point)
        check(params)
        seen.add(params["algorithm"])
    assert seen == {"svm", "forest", "knn"}


def test_skopt_categories_keep_original_values() -> None:
    space = get_problem("sgd_digits").space  # has a boolean categorical
    for point in Space(skopt_dimensions(space)).rvs(n_samples=5, random_state=0):
        params = skopt_decode(space, point)
        assert isinstance(params["average"], bool)
