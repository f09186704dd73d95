"""ParEGO: the scalarization the Hyperopt and skopt bridges learn from in multi-objective studies."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import optuna
import pytest

from adaptive_hyperopt.backends._parego import (
    RHO,
    Losses,
    chebyshev,
    non_dominated,
    normalized,
)


def study_with(values: Sequence[Sequence[float]], directions: Sequence[str]) -> optuna.Study:
    study = optuna.create_study(directions=list(directions))
    dist = optuna.distributions.FloatDistribution(0.0, 1.0)
    for v in values:
        study.add_trial(
            optuna.trial.create_trial(params={"x": 0.5}, distributions={"x": dist}, values=list(v))
        )
    return study


def test_augmented_chebyshev_of_normalized_objectives() -> None:
    losses = np.array([[0.0, 10.0], [1.0, 5.0], [2.0, 0.0], [2.0, 10.0]])
    normed = normalized(losses)
    assert normed.tolist() == [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [1.0, 1.0]]
    w = np.array([0.25, 0.75])
    expected = [max(a * 0.25, b * 0.75) + RHO * (a * 0.25 + b * 0.75) for a, b in normed.tolist()]
    assert chebyshev(normed, w) == pytest.approx(expected)
    # an objective that has not varied counts 0 for every trial
    assert normalized(np.array([[1.0, 3.0], [2.0, 3.0]]))[:, 1].tolist() == [0.0, 0.0]


def test_non_dominated_keeps_ties_and_drops_dominated_rows() -> None:
    losses = np.array([[1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [1.0, 2.0], [0.5, 3.0]])
    assert non_dominated(losses).tolist() == [True, True, False, True, True]


def test_non_dominated_matches_the_definition_with_many_ties() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n, m = int(rng.integers(1, 30)), int(rng.integers(2, 5))
        losses = rng.integers(0, 4, size=(n, m)).astype(float)
        expected = [not any(np.all(o <= row) and np.any(o < row) for o in losses) for row in losses]
        assert non_dominated(losses).tolist() == expected


def test_weights_are_seeded_draws_from_the_simplex_and_change_every_proposal() -> None:
    study = study_with([(0.0, 1.0), (1.0, 0.0), (1.0, 1.0)], ["minimize", "minimize"])

    def draws(seed: int) -> list[list[float]]:
        losses = Losses(seed)
        out = []
        for _ in range(5):
            losses.update(study)
            assert losses.weights is not None
            out.append(losses.weights.tolist())
        return out

    first = draws(3)
    assert first == draws(3) and first != draws(4)
    assert all(min(w) >= 0 and sum(w) == pytest.approx(1.0) for w in first)
    assert len({tuple(w) for w in first}) == 5


def test_maximized_objectives_are_flipped_before_scalarizing() -> None:
    values = [(0.0, 4.0), (1.0, 1.0), (4.0, 0.0), (4.0, 4.0)]
    mins = study_with(values, ["minimize", "minimize"])
    mixed = study_with([(a, -b) for a, b in values], ["minimize", "maximize"])
    a, b = Losses(0), Losses(0)
    a.update(mins)
    b.update(mixed)
    assert a.weights is not None and b.weights is not None
    assert a.weights.tolist() == b.weights.tolist()
    for ta, tb in zip(mins.trials, mixed.trials, strict=True):
        assert a.loss(ta) == pytest.approx(b.loss(tb))  # type: ignore[arg-type]
    # the trial worst in both objectives is worst for every weight vector
    assert max(mins.trials, key=lambda t: a.loss(t) or 0.0).number == 3
    worst = a.loss(mins.trials[3])
    assert worst == pytest.approx(max(a.weights) + RHO)


def test_one_objective_is_the_value_in_minimization_form() -> None:
    study = optuna.create_study(direction="maximize")
    study.add_trial(optuna.trial.create_trial(value=2.5))
    losses = Losses(0)
    losses.update(study)
    assert not losses.multi and losses.weights is None
    assert losses.loss(study.trials[0]) == -2.5


def test_a_trial_completed_after_the_scalarization_waits_for_the_next_one() -> None:
    study = study_with([(0.0, 1.0), (1.0, 0.0)], ["minimize", "minimize"])
    losses = Losses(0)
    losses.update(study)
    later = study_with([(0.5, 0.5)] * 3, ["minimize", "minimize"]).trials[2]
    assert losses.loss(later) is None
