"""Freeze: PED-ANOVA finds the negligible parameter; it is frozen at its best value after
`patience` checkpoints and unfrozen later; the user's freezes are never touched."""

from __future__ import annotations

from typing import Any

import numpy as np

from adaptive_hyperopt.adapt import Freeze
from adaptive_hyperopt.space import SearchSpace

from ._util import context, study_of

SPACE = {
    "x": ("float", 0.0, 1.0),
    "y": ("float", 0.0, 1.0),
    "noise": ("float", 0.0, 1.0),
    "k": ("categorical", ["a", "b", "c"]),
}


def points(n: int = 60) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    return [
        {
            "x": float(rng.uniform()),
            "y": float(rng.uniform()),
            "noise": float(rng.uniform()),
            "k": "abc"[int(rng.integers(3))],
        }
        for _ in range(n)
    ]


def objective(p: Any) -> float:
    return (p["x"] - 0.3) ** 2 + 2 * (p["y"] - 0.6) ** 2 + 0.3 * (p["k"] != "b") + 1e-6 * p["noise"]


def test_a_negligible_parameter_is_frozen_at_its_best_value_then_released() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, points(), objective)
    freeze = Freeze(patience=2, hold=2)
    first = freeze.propose(context(space, study, checkpoint=0), dict(space))
    assert first is None and freeze.low["noise"] == 1  # negligible once: not yet
    assert freeze.low["x"] == 0 and freeze.low["k"] == 0
    step = freeze.propose(context(space, study, checkpoint=1), dict(space))
    assert step is not None and set(step.dims) == {"noise"} and "'noise' frozen at" in step.reason
    best_noise = study.best_trial.params["noise"]
    assert step.dims["noise"].frozen_value == best_noise
    frozen = space.adapted(step.dims)
    assert freeze.propose(context(frozen, study, checkpoint=2), dict(frozen)) is None
    later = freeze.propose(context(frozen, study, checkpoint=3), dict(frozen))
    assert later is not None and "'noise' unfrozen" in later.reason
    assert not later.dims["noise"].frozen


def test_a_stall_releases_a_frozen_parameter_early() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, points(), objective)
    freeze = Freeze(patience=1)
    step = freeze.propose(context(space, study, checkpoint=0), dict(space))
    assert step is not None and step.dims["noise"].frozen
    frozen = space.adapted(step.dims)
    stalled = context(frozen, study, checkpoint=1, last_best=study.best_value)
    again = freeze.propose(stalled, dict(frozen))
    assert again is not None and not again.dims["noise"].frozen


def test_the_users_freeze_and_the_half_limit_are_respected() -> None:
    space = SearchSpace.from_dict(SPACE).frozen_at("noise", 0.5)
    study = study_of(space, [{**p, "noise": 0.5} for p in points()], objective)
    freeze = Freeze(patience=1, negligible=10.0)  # everything "negligible"
    step = freeze.propose(context(space, study), dict(space))
    assert step is not None and "noise" not in step.dims
    assert len(step.dims) == 1  # 3 parameters sampled: at most one frozen at a time


def test_in_a_conditional_space_only_the_best_branchs_own_parameters_can_be_frozen() -> None:
    # `model` chooses the branch and `depth` belongs to the branch the best trials do not use:
    # both barely matter among trials that exploit branch "a", and neither may be frozen
    space = SearchSpace.from_dict(
        {
            "model": ("categorical", ["a", "b"]),
            "x": ("float", 0.0, 1.0),
            "noise": ("float", 0.0, 1.0),
            "depth": ("int", 1, 20, "when", "model", "b"),
        }
    )
    rng = np.random.default_rng(0)
    pts: list[dict[str, Any]] = []
    for i in range(80):
        p: dict[str, Any] = {"model": "a" if i % 8 else "b", "x": float(rng.uniform())}
        p["noise"] = float(rng.uniform())
        if p["model"] == "b":
            p["depth"] = int(rng.integers(1, 21))
        pts.append(p)

    def f(p: Any) -> float:
        return (p["x"] - 0.3) ** 2 + 1e-6 * p["noise"] + (0.5 if p["model"] == "b" else 0.0)

    study = study_of(space, pts, f)
    freeze = Freeze(patience=1, negligible=10.0)  # everything "negligible"
    step = freeze.propose(context(space, study), dict(space))
    assert step is not None and step.dims and "model" not in step.dims
    assert "depth" not in step.dims and set(step.dims) <= {"x", "noise"}
    assert "model" not in freeze.low and "depth" not in freeze.low  # not even measured


def test_a_conditional_parameter_the_best_trial_set_to_none_is_still_its_own() -> None:
    space = SearchSpace.from_dict(
        {
            "model": ("categorical", ["a", "b"]),
            "x": ("float", 0.0, 1.0),
            "depth": ("categorical", [None, 3, 5], "when", "model", "a"),
        }
    )
    rng = np.random.default_rng(1)
    pts: list[dict[str, Any]] = []
    for i in range(40):
        p: dict[str, Any] = {"model": "a" if i % 4 else "b", "x": float(rng.uniform())}
        if p["model"] == "a":
            p["depth"] = [None, 3, 5][int(rng.integers(3))]
        pts.append(p)
    pts[0] = {"model": "a", "x": 0.3, "depth": None}  # the best trial

    def f(p: Any) -> float:
        return (p["x"] - 0.3) ** 2 + (0.5 if p["model"] == "b" else 0.0)

    freeze = Freeze(patience=1, negligible=10.0)
    freeze.propose(context(space, study_of(space, pts, f)), dict(space))
    assert "depth" in freeze.low  # measured as a candidate: `None` is a choice, not "inactive"
