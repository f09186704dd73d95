"""The `switch` strategy: TPE first, then the local Gaussian process, afresh at each restart."""

from __future__ import annotations

import numpy as np

from adaptive_hyperopt.adapt import SwitchSampler
from adaptive_hyperopt.space import SearchSpace

from ._util import context, study_of

SPACE = {"x": ("float", 0.0, 1.0), "k": ("categorical", ["a", "b"])}


def points(n: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    return [{"x": float(rng.uniform()), "k": str(rng.choice(["a", "b"]))} for _ in range(n)]


def loss(p: object) -> float:
    return float(p["x"]) ** 2  # type: ignore[index]


def test_switches_once_enough_trials_completed_even_with_categoricals() -> None:
    space = SearchSpace.from_dict(SPACE)
    switch = SwitchSampler()
    assert switch.propose(context(space, study_of(space, points(9), loss)), dict(space)) is None
    step = switch.propose(context(space, study_of(space, points(10), loss)), dict(space))
    assert step is not None and step.sampler == {"sampler_type": "local_gp"}
    assert "Gaussian process refines" in step.reason
    # once is enough
    assert switch.propose(context(space, study_of(space, points(30), loss)), dict(space)) is None


def test_a_conditional_space_switches_too() -> None:
    # the model handles the branches itself (LocalGPSampler's `conditions`)
    space = SearchSpace.from_dict({**SPACE, "z": ("float", 0.0, 1.0, "when", "k", "b")})
    pts = [{**p, "z": 0.5} if p["k"] == "b" else p for p in points(30)]
    step = SwitchSampler().propose(context(space, study_of(space, pts, loss)), dict(space))
    assert step is not None and step.sampler == {"sampler_type": "local_gp"}


def test_a_restart_gives_the_gaussian_process_a_fresh_start() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, points(40), loss)
    switch = SwitchSampler()
    ctx = context(space, study)
    ctx.notes["restarted"] = 25  # what `narrow` notes when its box collapses
    assert switch.propose(ctx, dict(space)) is not None  # the first switch: phase 2
    ctx = context(space, study)
    ctx.notes["restarted"] = 25
    step = switch.propose(ctx, dict(space))
    assert step is not None and step.sampler == {"sampler_type": "local_gp", "since": 25}
    assert "afresh from trial #25" in step.reason
    assert switch.propose(context(space, study), dict(space)) is None  # no restart, no step


def test_a_move_to_another_basin_gives_the_model_back_the_whole_history() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, points(40), loss)
    switch = SwitchSampler()
    switch.propose(context(space, study), dict(space))  # phase 2
    ctx = context(space, study)
    ctx.notes["restarted"] = 0  # `narrow` moved its box to another basin's best trial
    step = switch.propose(ctx, dict(space))
    assert step is not None and step.sampler == {"sampler_type": "local_gp", "since": 0}
    assert "another basin" in step.reason
