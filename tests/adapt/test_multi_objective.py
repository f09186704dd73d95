"""Adaptation on a front: the ranking, the box spanning the Pareto-optimal trials, expansion where
the front presses, freezing only what no objective needs, progress as hypervolume gain."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import optuna

from adaptive_hyperopt.adapt import Expand, Freeze, SwitchSampler, TrustRegion
from adaptive_hyperopt.adapt._base import Context
from adaptive_hyperopt.adapt._scheduler import make_context
from adaptive_hyperopt.backends._space_sampler import distribution
from adaptive_hyperopt.space import SearchSpace

SPACE = {"x": ("float", -1.0, 3.0), "y": ("float", -5.0, 5.0)}


def two_bowls(p: Mapping[str, Any]) -> tuple[float, float]:
    """The Pareto set is y = 1, x in [0, 2]."""
    return p["x"] ** 2 + (p["y"] - 1) ** 2, (p["x"] - 2) ** 2 + (p["y"] - 1) ** 2


def study_of(
    space: SearchSpace,
    points: Sequence[Mapping[str, Any]],
    objective: Callable[[Mapping[str, Any]], Sequence[float]],
    directions: Sequence[str] = ("minimize", "minimize"),
) -> optuna.Study:
    """A multi-objective study holding one COMPLETE trial per point."""
    study = optuna.create_study(directions=list(directions))
    for point in points:
        dists = {n: distribution(space[n], space.original[n]) for n in point}
        study.add_trial(
            optuna.trial.create_trial(
                params=dict(point), distributions=dists, values=list(objective(point))
            )
        )
    return study


def context(
    space: SearchSpace,
    study: optuna.Study,
    last_front: np.ndarray | None = None,
    checkpoint: int = 0,
    active: tuple[str, ...] = (),
) -> Context:
    return make_context(
        space,
        study,
        trigger="interval",
        threshold=0.001,
        beyond=False,
        checkpoint=checkpoint,
        budget=100,
        last_front=last_front,
        active=active,
    )


def uniform(n: int = 40, seed: int = 0) -> list[dict[str, float]]:
    rng = np.random.default_rng(seed)
    return [{"x": float(rng.uniform(-1, 3)), "y": float(rng.uniform(-5, 5))} for _ in range(n)]


def dominated(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether b dominates a (minimizing)."""
    return all(q <= p for p, q in zip(a, b, strict=True)) and tuple(a) != tuple(b)


def test_the_context_ranks_by_pareto_level_and_its_best_is_the_compromise() -> None:
    space = SearchSpace.from_dict(SPACE)
    points = uniform()
    ctx = context(space, study_of(space, points, two_bowls))
    assert ctx.multi and ctx.improvement is None and ctx.notes["best"] is None
    values = {t.number: t.values for t in ctx.trials}
    expected = {n for n, v in values.items() if not any(dominated(v, w) for w in values.values())}
    assert {t.number for t in ctx.front()} == expected
    ranked = ctx.ranked()
    assert {t.number for t in ranked[: len(expected)]} == expected  # the front comes first
    best = ctx.best
    assert best is not None and best.number in expected
    # the compromise: the front's point with the smallest worse normalized objective
    f1, f2 = np.array([t.values for t in ctx.trials]).T
    norm = {
        t.number: max((t.values[0] - f1.min()) / np.ptp(f1), (t.values[1] - f2.min()) / np.ptp(f2))
        for t in ctx.front()
    }
    assert best.number == min(norm, key=norm.__getitem__)


def test_the_box_spans_the_front_and_narrows_what_the_front_agrees_on() -> None:
    space = SearchSpace.from_dict(SPACE)
    front = [{"x": 0.2 * i, "y": 1.0 + 0.02 * (-1) ** i} for i in range(11)]
    # the next layers, as a sampler converging on the front leaves them
    near = [{"x": 0.2 * i, "y": 1.0 + d * (-1) ** i} for i in range(11) for d in (0.3, 0.5)]
    points = uniform(40) + front + near
    study = study_of(space, points, two_bowls)
    ctx = context(space, study)
    step = TrustRegion().propose(ctx, dict(space))
    assert step is not None and "Pareto-optimal trials" in step.reason
    x, y = step.dims["x"], step.dims["y"]
    for t in ctx.front():  # every Pareto-optimal trial stays inside
        assert x.low <= t.params["x"] <= x.high and y.low <= t.params["y"] <= y.high  # type: ignore[attr-defined]
    assert x.low <= 0.0 and x.high >= 2.0  # type: ignore[attr-defined]  # the front spans x
    assert x.high - x.low < 4.0  # type: ignore[attr-defined]
    assert y.high - y.low < 3.0 and y.low < 1.0 < y.high  # type: ignore[attr-defined]  # agrees on y


def test_progress_is_the_fronts_hypervolume_gain() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, uniform(40), two_bowls)
    first = context(space, study)
    same = context(space, study, last_front=first.notes["front"])
    assert same.improvement == 0.0 and same.stalled
    for i in range(11):  # the true front arrives
        p = {"x": 0.2 * i, "y": 1.0}
        dists = {n: distribution(space[n], space.original[n]) for n in p}
        study.add_trial(
            optuna.trial.create_trial(params=p, distributions=dists, values=list(two_bowls(p)))
        )
    later = context(space, study, last_front=first.notes["front"])
    assert later.improvement is not None and 0.01 < later.improvement <= 1.0
    assert not later.stalled


def test_a_side_the_front_presses_against_moves_out() -> None:
    declared = SearchSpace.from_dict(SPACE)
    space = declared.adapted({"x": declared["x"].with_range(0.0, 1.0)})  # type: ignore[attr-defined]
    points = [{"x": 0.1 * i, "y": 1.0} for i in range(11)] + uniform(10)
    points = [p for p in points if 0.0 <= p["x"] <= 1.0]
    study = study_of(space, points, two_bowls)
    step = Expand().propose(context(space, study), dict(space))
    assert step is not None and "Pareto-optimal trials near a bound" in step.reason
    x = step.dims["x"]
    assert (x.low, x.high) == (-0.5, 1.5)  # type: ignore[attr-defined]  # both sides pressed


def test_freeze_keeps_a_parameter_that_moves_along_the_front() -> None:
    space = SearchSpace.from_dict(
        {"a": ("float", 0.0, 1.0), "d": ("float", 0.0, 1.0), "z": ("float", 0.0, 1.0)}
    )
    rng = np.random.default_rng(0)
    points = [
        {"a": float(rng.uniform()), "d": float(rng.uniform()), "z": float(rng.uniform())}
        for _ in range(80)
    ]

    def tradeoff(p: Mapping[str, Any]) -> tuple[float, float]:
        # `a` moves along the front, `d` is the distance to it, `z` matters to neither
        return p["a"] + p["d"] ** 2 + 1e-9 * p["z"], 1 - p["a"] + p["d"] ** 2

    study = study_of(space, points, tradeoff)
    freeze = Freeze(patience=1)
    step = freeze.propose(context(space, study), dict(space))
    assert step is not None and set(step.dims) == {"z"} and "'z' frozen at" in step.reason


def test_switching_to_the_local_gp_is_off_for_several_objectives() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, uniform(80), two_bowls)
    assert SwitchSampler().propose(context(space, study), dict(space)) is None


def test_maximized_objectives_are_read_in_their_direction() -> None:
    space = SearchSpace.from_dict(SPACE)
    points = uniform(40)
    mins = context(space, study_of(space, points, two_bowls))
    mixed = context(
        space,
        study_of(
            space, points, lambda p: (two_bowls(p)[0], -two_bowls(p)[1]), ["minimize", "maximize"]
        ),
    )
    assert [t.number for t in mins.ranked()] == [t.number for t in mixed.ranked()]
    assert [t.number for t in mins.front()] == [t.number for t in mixed.front()]
