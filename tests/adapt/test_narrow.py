"""The trust region: direction-aware, sized by the top trials, TuRBO's counters, restarts."""

from __future__ import annotations

from typing import Any

import numpy as np

from adaptive_hyperopt.adapt import TrustRegion
from adaptive_hyperopt.space import SearchSpace

from ._util import context, study_of

SPACE = {"x": ("float", 0.0, 10.0), "n": ("int", 1, 100), "k": ("categorical", ["a", "b"])}


def grid(seed: int = 0, n: int = 40) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [
        {"x": float(rng.uniform(0, 10)), "n": int(rng.integers(1, 101)), "k": "ab"[i % 2]}
        for i in range(n)
    ]


def bowl(p: Any) -> float:
    return (p["x"] - 2.0) ** 2 + ((p["n"] - 70) / 10) ** 2


def test_the_box_surrounds_the_best_trial_whichever_the_direction() -> None:
    space = SearchSpace.from_dict(SPACE)
    points = grid()
    for direction, objective in (("minimize", bowl), ("maximize", lambda p: -bowl(p))):
        study = study_of(space, points, objective, direction)
        step = TrustRegion().propose(context(space, study), dict(space))
        assert step is not None and "opened around trial" in step.reason
        best = study.best_trial
        x, n = step.dims["x"], step.dims["n"]
        assert x.low <= best.params["x"] <= x.high and x.high - x.low < 10  # type: ignore[attr-defined]
        assert n.low <= best.params["n"] <= n.high and isinstance(n.low, int)  # type: ignore[attr-defined]
        assert "k" not in step.dims  # categoricals keep their choices
        # the worst trial (far from the optimum at x=2, n=70) is outside when maximizing -bowl
        worst = max(points, key=bowl)
        assert not (x.low <= worst["x"] <= x.high and n.low <= worst["n"] <= n.high)  # type: ignore[attr-defined]


def test_consistent_top_trials_give_a_smaller_box() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)})
    rng = np.random.default_rng(1)
    far = [{"x": float(rng.uniform()), "y": float(rng.uniform())} for _ in range(30)]
    tight = [{"x": 0.3 + 0.01 * i, "y": 0.6 - 0.01 * i} for i in range(5)]

    def side(points: list[dict[str, Any]]) -> float:
        study = study_of(space, points, lambda p: (p["x"] - 0.32) ** 2 + (p["y"] - 0.58) ** 2)
        region = TrustRegion()
        step = region.propose(context(space, study), dict(space))
        assert step is not None and region.length is not None
        return region.length

    assert side(far + tight) < 0.5 * side(far)


def test_grows_after_successes_shrinks_after_a_failure_and_restarts_when_collapsed() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)})
    study = study_of(space, grid_2d(), lambda p: (p["x"] - 0.5) ** 2 + p["y"])
    region = TrustRegion(length_init=0.4, length_min=0.05)
    best = study.best_value
    region.propose(context(space, study), dict(space))
    assert region.length == 0.4
    for _ in range(3):  # three improving checkpoints in a row
        step = region.propose(context(space, study, last_best=best + 1.0), dict(space))
    assert region.length == 0.8 and step is not None and "grown" in step.reason
    step = region.propose(context(space, study, last_best=best), dict(space))  # no improvement
    assert region.length == 0.4 and step is not None and "shrunk" in step.reason
    for _ in range(4):
        step = region.propose(context(space, study, last_best=best), dict(space))
    assert step is not None and "collapsed" in step.reason and region.restarts == 1
    assert step.dims["x"].low == 0.0 and step.dims["x"].high == 1.0  # type: ignore[attr-defined]
    # after a restart the next box waits for trials made after it
    assert region.since == len(study.trials)
    waiting = region.propose(context(space, study), dict(space))
    assert waiting is not None and "waiting for" in waiting.reason and not waiting.dims


def grid_2d() -> list[dict[str, Any]]:
    return [{"x": i / 7, "y": j / 7} for i in range(8) for j in range(8) if (i + j) % 2 == 0]


def test_the_box_stays_inside_the_users_range_and_skips_what_is_frozen() -> None:
    space = SearchSpace.from_dict(SPACE).with_range("x", 1.0, 4.0).frozen_at("n", 70)
    points = [p for p in grid(n=80) if 1.0 <= p["x"] <= 4.0]
    study = study_of(space, points, bowl)
    step = TrustRegion().propose(context(space, study), dict(space))
    assert step is not None and set(step.dims) == {"x"}
    assert 1.0 <= step.dims["x"].low < step.dims["x"].high <= 4.0  # type: ignore[attr-defined]
    assert space.adapted(step.dims).user == space.user


def test_nothing_happens_before_enough_trials() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, grid(n=5), bowl)
    step = TrustRegion().propose(context(space, study), dict(space))
    assert (
        step is not None
        and not step.dims
        and "waiting for 10 completed trials (have 5)" in step.reason
    )
