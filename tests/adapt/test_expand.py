"""Expand: bounds the best trial presses against move out; past declared bounds only if allowed;
stalls widen narrowed ranges unless the trust region owns them."""

from __future__ import annotations

from typing import Any

import pytest

from adaptive_hyperopt.adapt import Expand
from adaptive_hyperopt.space import SearchSpace

from ._util import context, study_of

SPACE = {"x": ("float", 0.0, 10.0), "lr": ("float", 1e-4, 1.0, "log"), "n": ("int", 1, 8)}


def points_towards(x: float, n: int = 12) -> list[dict[str, Any]]:
    return [{"x": x - 0.1 * i, "lr": 1e-2, "n": 4} for i in range(n)]


def test_a_narrowed_bound_the_best_presses_against_moves_out() -> None:
    declared = SearchSpace.from_dict(SPACE)
    space = declared.adapted({"x": declared["x"].with_range(2.0, 4.0)})  # type: ignore[attr-defined]
    study = study_of(space, points_towards(3.98), lambda p: -p["x"])
    step = Expand().propose(context(space, study), dict(space))
    assert step is not None and "near a bound" in step.reason and "'x' widened" in step.reason
    assert step.dims["x"].low == 2.0 and 4.9 <= step.dims["x"].high <= 5.1  # type: ignore[attr-defined]


def test_a_declared_bound_moves_only_when_allowed_and_never_a_users() -> None:
    space = SearchSpace.from_dict(SPACE)
    study = study_of(space, points_towards(9.99), lambda p: -p["x"])
    assert Expand().propose(context(space, study), dict(space)) is None
    step = Expand().propose(context(space, study, beyond=True), dict(space))
    assert step is not None and "past its declared bound" in step.reason
    assert step.dims["x"].high == pytest.approx(12.5) and step.dims["x"].low == 0.0  # type: ignore[attr-defined]
    assert space.adapted(step.dims, beyond=True)["x"].high == step.dims["x"].high  # type: ignore[attr-defined]
    edited = space.with_range("x", 0.0, 10.0 - 1e-9).with_range("x", 0.0, 10.0)
    assert "x" not in edited.user  # back to the declared range: not a limit of the user
    limited = space.with_range("x", 5.0, 10.0)
    study = study_of(limited, points_towards(9.99), lambda p: -p["x"])
    assert Expand().propose(context(limited, study, beyond=True), dict(limited)) is None


def test_a_log_scale_stays_positive_past_its_declared_bound() -> None:
    space = SearchSpace.from_dict(SPACE)
    points = [{"x": 5.0, "lr": 1.1e-4 * (1 + i), "n": 4} for i in range(12)]
    study = study_of(space, points, lambda p: p["lr"])
    step = Expand().propose(context(space, study, beyond=True), dict(space))
    assert step is not None
    assert 0 < step.dims["lr"].low < 1e-4 and step.dims["lr"].high == 1.0  # type: ignore[attr-defined]


def test_a_stall_widens_narrowed_ranges_unless_the_trust_region_owns_stalls() -> None:
    declared = SearchSpace.from_dict(SPACE)
    space = declared.adapted({"x": declared["x"].with_range(4.0, 6.0)})  # type: ignore[attr-defined]
    points = [{"x": 5.0 + 0.01 * i, "lr": 1e-2, "n": 4} for i in range(12)]
    study = study_of(space, points, lambda p: abs(p["x"] - 5.0))
    best = study.best_value
    stalled = context(space, study, last_best=best)  # no improvement since the last checkpoint
    step = Expand().propose(stalled, dict(space))
    assert step is not None and "widened 'x' x1.5" in step.reason
    assert step.dims["x"].low == pytest.approx(3.5) and step.dims["x"].high == pytest.approx(6.5)  # type: ignore[attr-defined]
    owned = context(space, study, last_best=best, active=("narrow", "expand"))
    assert Expand().propose(owned, dict(space)) is None
    improving = context(space, study, last_best=best + 1.0)
    assert Expand().propose(improving, dict(space)) is None


def test_after_a_move_to_another_basin_the_box_centre_presses_not_the_old_best() -> None:
    declared = SearchSpace.from_dict(SPACE)
    space = declared.adapted({"x": declared["x"].with_range(6.0, 8.0)})  # type: ignore[attr-defined]
    # the best trial of all lies far below the box (an old basin); the box's own is inside
    points = [{"x": 1.0, "lr": 1e-2, "n": 4}, {"x": 7.0, "lr": 1e-2, "n": 4}]
    study = study_of(declared, points, lambda p: 0.0 if p["x"] < 2 else 1.0)
    ctx = context(space, study)
    assert Expand().propose(ctx, dict(space)) is not None  # the old best would pull it down
    ctx = context(space, study)
    ctx.notes["centre"] = study.trials[1]  # what `narrow` notes for the box it drew
    assert Expand().propose(ctx, dict(space)) is None
