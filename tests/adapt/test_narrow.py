"""The trust region: direction-aware, sized by the top trials, TuRBO's counters, restarts."""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna

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


def two_basins() -> list[dict[str, Any]]:
    """A converged basin near (0.2, 0.2), a coarse design, and one trial on the flank of a
    narrower, deeper basin at (0.8, 0.6)."""
    rng = np.random.default_rng(3)
    design = [{"x": (i + 0.5) / 5, "y": (j + 0.5) / 5} for i in range(5) for j in range(5)]
    dense = [{"x": float(v), "y": float(w)} for v, w in 0.2 + 0.02 * rng.standard_normal((40, 2))]
    return [*design, *dense, {"x": 0.75, "y": 0.64}]


def deceptive(p: Any) -> float:
    a = (p["x"] - 0.2) ** 2 + (p["y"] - 0.2) ** 2
    b = (p["x"] - 0.8) ** 2 + (p["y"] - 0.6) ** 2
    return 1.0 - 0.5 * np.exp(-a / 0.08) - np.exp(-b / 0.005)


def collapse(region: TrustRegion, space: SearchSpace, study: Any) -> Any:
    """Checkpoints without improvement until the box collapses; the restart's step."""
    for _ in range(20):
        step = region.propose(context(space, study, last_best=study.best_value), dict(space))
        if region.restarts:
            return step
    raise AssertionError("the box never collapsed")


def test_a_collapse_moves_the_box_to_the_best_of_another_basin() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)})
    points = two_basins()
    study = study_of(space, points, deceptive)
    region = TrustRegion()
    step = collapse(region, space, study)
    lone = len(points) - 1  # the trial near the other basin: worse than the converged one
    assert step is not None and f"around trial #{lone}" in step.reason and step.dims
    x, y = step.dims["x"], step.dims["y"]
    assert x.low < 0.75 < x.high and y.low < 0.64 < y.high  # type: ignore[attr-defined]
    assert x.low < 0.8 < x.high and y.low < 0.6 < y.high  # type: ignore[attr-defined]
    assert x.low > 0.3 and y.low > 0.3  # type: ignore[attr-defined]  # the old basin stays out
    # the next checkpoint keeps the box there, though the best trial of all is elsewhere
    again = region.propose(context(space, study, last_best=study.best_value), dict(space))
    assert again is not None and f"around trial #{lone}" in again.reason


def test_a_collapse_with_no_other_basin_restarts_on_the_whole_space() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)})
    points = [p for p in two_basins()[:-1]]  # nothing near the second basin
    study = study_of(space, points, lambda p: (p["x"] - 0.2) ** 2 + (p["y"] - 0.2) ** 2)
    region = TrustRegion()
    step = collapse(region, space, study)
    assert step is not None and "on the whole space" in step.reason
    assert region.anchor is None and region.since == len(points)


def test_after_a_restart_the_basins_own_best_counts_as_progress() -> None:
    space = SearchSpace.from_dict({"x": ("float", 0.0, 1.0), "y": ("float", 0.0, 1.0)})
    points = two_basins()
    study = study_of(space, points, deceptive)
    region = TrustRegion()
    collapse(region, space, study)
    length = region.length
    region.propose(context(space, study), dict(space))  # the basin's first checkpoint
    assert region.length == length
    # a trial better than the moved-to one, though worse than the global best: a success
    closer = {"x": 0.75, "y": 0.635}
    assert study.best_value < deceptive(closer) < deceptive(points[-1])
    study.add_trial(
        optuna.trial.create_trial(
            params=closer,
            distributions=study.trials[0].distributions,
            value=deceptive(closer),
        )
    )
    step = region.propose(context(space, study, last_best=study.best_value), dict(space))
    assert step is not None and "moved (an improvement)" in step.reason
    assert region.successes == 1 and region.failures == 0
