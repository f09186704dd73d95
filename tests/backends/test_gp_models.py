"""The Gaussian processes of LocalGPSampler: the product kernel and the additive one."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import optimize

from adaptive_hyperopt.backends._gp_models import (
    GP,
    AdditiveGP,
    additive_neg_log_posterior,
    log_h,
    neg_log_posterior,
    sq_dists,
)


@pytest.mark.parametrize(
    ("objective", "theta"),
    [
        (neg_log_posterior, [0.1, -0.3, 0.2, 0.1, -5.0]),
        (additive_neg_log_posterior, [0.1, -0.3, 0.2, -1.0, -0.5, -2.0, -5.0]),
    ],
    ids=["product", "additive"],
)
def test_marginal_likelihood_gradient_is_exact(objective: Any, theta: list[float]) -> None:
    rng = np.random.RandomState(0)
    x = np.column_stack([rng.rand(25), rng.rand(25), rng.randint(0, 3, 25)])
    cat = np.array([False, False, True])
    y = np.sin(3 * x[:, 0]) + x[:, 1] ** 2 + 0.3 * x[:, 2]
    y = (y - y.mean()) / y.std()
    sq = sq_dists(x, x, cat)
    mean, width = np.zeros(len(theta)), np.ones(len(theta))
    err = optimize.check_grad(
        lambda t: objective(t, sq, y, mean, width)[0],
        lambda t: objective(t, sq, y, mean, width)[1],
        np.array(theta),
    )
    assert err < 1e-3


def test_improvement_is_measured_from_the_posterior_mean_not_from_a_lucky_trial() -> None:
    rng = np.random.RandomState(0)
    x = rng.rand(40, 2)
    bowl = (x[:, 0] - 0.5) ** 2 + (x[:, 1] - 0.3) ** 2
    cat = np.array([False, False])

    def standardized(v: np.ndarray) -> np.ndarray:
        return (v - v.mean()) / v.std()

    smooth = GP.fit(x, standardized(bowl), cat, None)
    assert smooth.best == pytest.approx(float(smooth.y.min()), abs=1e-3)
    rugged = GP.fit(x, standardized(bowl + 0.1 * rng.randn(40)), cat, None)
    # the fitted noise explains the luckiest trial: the bar is the posterior's, well above it
    assert math.exp(rugged.theta[-1]) > 0.05
    assert rugged.best > float(rugged.y.min()) + 0.3


def test_log_expected_improvement_is_finite_and_increasing_far_into_the_tail() -> None:
    z = np.array([-1e3, -200.0, -40.0, -8.0, -1.0, 0.0, 1.0, 10.0, 60.0])
    h = log_h(z)
    assert np.all(np.isfinite(h)) and np.all(np.diff(h) > 0)
    # against the direct formula where it is accurate
    direct = np.log(1.0 * 0.8413447460685429 + math.exp(-0.5) / math.sqrt(2 * math.pi))
    assert h[6] == pytest.approx(direct)


def test_the_additive_model_predicts_a_far_move_of_one_parameter_where_the_product_cannot() -> None:
    # a separable objective: each coordinate has a shallow well at 0.8 and a deeper one at 0.2
    def f(x: np.ndarray) -> np.ndarray:
        wells = -0.5 * np.exp(-((x - 0.8) ** 2) / 0.02) - 0.7 * np.exp(-((x - 0.2) ** 2) / 0.02)
        return np.sum(wells, axis=1)

    rng = np.random.RandomState(0)
    spread = rng.rand(40, 4)
    # the trials a trust region leaves: a cluster in the shallow well of every coordinate
    cluster = np.clip(0.8 + 0.03 * rng.randn(60, 4), 0, 1)
    x = np.vstack([spread, cluster])
    y = f(x)
    y = (y - y.mean()) / y.std()
    cat = np.zeros(4, dtype=bool)
    start = np.full(4, 0.8)
    moved = start.copy()
    moved[2] = 0.2  # one coordinate into its deep well: better than the cluster's best
    rows = np.vstack([start, moved])
    additive = AdditiveGP.fit(x, y, cat, None)
    product = GP.fit(x, y, cat, None)
    add_mean = additive._kernel(rows, x) @ additive.alpha
    prod_mean = product._kernel(rows, x) @ product.alpha
    assert add_mean[1] < add_mean[0]  # the additive model sees the deeper well
    assert prod_mean[1] > prod_mean[0]  # the product kernel, far from the data, does not
    assert additive.log_ei(rows)[1] > additive.log_ei(rows)[0]
