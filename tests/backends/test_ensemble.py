"""Ensembles: allocation strategies, learning across members, history, validation."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from typing import Any

import numpy as np
import optuna
import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer
from adaptive_hyperopt.backends import create_backend
from adaptive_hyperopt.backends._ensemble import ATTR_CREDIT, Bandit
from adaptive_hyperopt.optimizer import EnsembleHistory
from adaptive_hyperopt.space import SearchSpace
from adaptive_hyperopt.testing._contract import RANDOM_MEAN, SIMPLE, simple

RANDOM = {"backend": "optuna", "sampler_config": {"sampler_type": "random"}}
RAND = {"backend": "hyperopt", "sampler_config": {"algo": "rand"}}
FAST_ET = {"base_estimator": "ET", "n_initial_points": 5, "acq_optimizer_kwargs": {"n_points": 500}}


def _labels(history: EnsembleHistory) -> list[str]:
    return [r.backend for r in sorted(history, key=lambda r: r.number)]


def test_weighted_average_allocates_by_weight_interleaved() -> None:
    config = {
        "optimizers": [
            {**RANDOM, "weight": 0.4},
            {**RAND, "weight": 0.3},
            {**RANDOM, "weight": 0.3},
        ],
        "combination_strategy": "weighted_average",
        "n_trials_per_optimizer": 50,
        "random_state": 0,
        "adaptation_interval": 0,
    }
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    _, best, history = ensemble.optimize(simple, SIMPLE, direction="minimize")
    labels = _labels(history)
    assert Counter(labels) == {"optuna": 60, "hyperopt": 45, "optuna#2": 45}
    shares = {"optuna": Fraction(2, 5), "hyperopt": Fraction(3, 10), "optuna#2": Fraction(3, 10)}
    for t in range(1, len(labels) + 1):  # every member stays within one trial of its share
        counts = Counter(labels[:t])
        assert all(abs(counts[k] - s * t) < 1 for k, s in shares.items()), t
    assert {k: m.n_trials for k, m in history.members.items()} == Counter(labels)
    for label, member in history.members.items():
        mine = [r for r in history if r.backend == label]
        assert member.best_value == min(r.value for r in mine)  # type: ignore[type-var]
        assert member.n_complete == len(mine) and member.credit is None
    assert best == min(m.best_value for m in history.members.values())  # type: ignore[type-var]
    assert sum(m.improvements for m in history.members.values()) >= 3
    study = ensemble.study
    assert study is not None
    assert [t.user_attrs["ah.backend"] for t in study.trials] == labels


def test_round_robin_takes_turns_and_each_member_keeps_its_sampler_config() -> None:
    config = {
        "optimizers": [
            {"backend": "optuna", "sampler_config": {"sampler_type": "qmc"}},
            {"backend": "hyperopt", "sampler_config": {"algo": "anneal"}},
            {"backend": "skopt", "sampler_config": FAST_ET},
        ],
        "combination_strategy": "round_robin",
        "n_trials_per_optimizer": 2,
    }
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    _, _, history = ensemble.optimize(simple, SIMPLE, direction="minimize")
    assert _labels(history) == ["optuna", "hyperopt", "skopt"] * 2
    backend = create_backend("ensemble", ensemble.optimizer.config.sampler_config, 0)
    assert backend.describe() == (
        "ensemble/round_robin(optuna/QMCSampler 1, hyperopt/anneal 1, skopt/ET 1)"
    )


@pytest.mark.parametrize(
    "learner",
    [
        {"backend": "optuna", "sampler_config": {"n_startup_trials": 5}},
        {"backend": "hyperopt", "sampler_config": {"n_startup_jobs": 5}},
        {"backend": "skopt", "sampler_config": FAST_ET},
    ],
    ids=lambda m: m["backend"],
)
def test_every_member_learns_from_the_trials_others_proposed(learner: dict[str, Any]) -> None:
    # A random member proposes 4 trials in 5; the learner's own proposals improve all the same.
    teacher = RAND if learner["backend"] == "optuna" else RANDOM
    config = {
        "optimizers": [{**teacher, "weight": 4}, {**learner, "weight": 1}],
        "n_trials_per_optimizer": 20,
        "random_state": 1,
        "adaptation_interval": 0,
    }
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    _, _, history = ensemble.optimize(simple, SIMPLE, direction="minimize")
    late = [r.value for r in history if r.backend == learner["backend"] and r.number >= 20]
    assert len(late) == 4
    assert np.mean(late) < 0.5 * RANDOM_MEAN, late  # type: ignore[arg-type]


def test_bandit_shifts_towards_the_arm_that_improves() -> None:
    bandit = Bandit([1.0, 1.0, 1.0], np.random.default_rng(0))
    picks = []
    for _ in range(200):
        arm = bandit.choose()
        picks.append(arm)
        bandit.update(arm, reward=arm == 2)
    assert Counter(picks[100:])[2] > 80
    credit = bandit.credit()
    assert credit[2] == max(credit) and credit[2] > 0.8


def test_adaptive_ensemble_favours_the_member_making_improvements() -> None:
    config = {
        "optimizers": [RANDOM, {"backend": "optuna", "sampler_config": {"n_startup_trials": 5}}],
        "combination_strategy": "adaptive",
        "n_trials_per_optimizer": 40,
        "random_state": 0,
        "adaptation_interval": 0,
    }
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    _, _, history = ensemble.optimize(simple, SIMPLE, direction="minimize")
    members = history.members
    assert members["optuna#2"].n_trials > members["optuna"].n_trials
    assert members["optuna#2"].improvements > members["optuna"].improvements
    assert all(0 < m.credit < 1 for m in members.values())  # type: ignore[operator]
    assert [n for n, _ in history.credit] == sorted(r.number for r in history)
    study = ensemble.study
    assert study is not None
    assert study.trials[-1].user_attrs[ATTR_CREDIT] == history.credit[-1][1]


def test_threads_record_each_trial_with_its_proposer() -> None:
    config = {
        "optimizers": [RANDOM, RAND],
        "combination_strategy": "round_robin",
        "n_trials_per_optimizer": 6,
        "n_jobs": 2,
    }
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    _, _, history = ensemble.optimize(simple, SIMPLE, direction="minimize")
    study = ensemble.study
    assert study is not None
    assert all(r.backend == study.trials[r.number].user_attrs["ah.backend"] for r in history)
    assert Counter(r.backend for r in history) == {"optuna": 6, "hyperopt": 6}


def test_continue_an_ensemble_study() -> None:
    config = {"optimizers": [RANDOM, RAND], "n_trials_per_optimizer": 3}
    ensemble = AdaptiveHyperparameterOptimizer.create_ensemble(config)
    ensemble.optimize(simple, SIMPLE, direction="minimize")
    _, best, history = ensemble.continue_optimization(4)
    assert len(history) == 4 and len(ensemble.study.trials) == 10  # type: ignore[union-attr]
    assert sum(m.n_trials for m in history.members.values()) == 4
    assert best == min(t.value for t in ensemble.study.trials)  # type: ignore[union-attr]


def _config(**changes: Any) -> dict[str, Any]:
    return {"optimizers": [{"backend": "optuna", "weight": 1}], **changes}


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ("not a dict", ValueError, r"ensemble_config must be a dict"),
        ({"optimisers": []}, TypeError, r"'optimisers'. Did you mean 'optimizers'\?"),
        (_config(random_sate=1), TypeError, r"Did you mean 'random_state'\?"),
        ({"optimizers": []}, ValueError, r"\['optimizers'\] must be a non-empty list"),
        (_config(n_trials=10), ValueError, r"\['n_trials'\] is not an ensemble setting"),
        (_config(backend="optuna"), ValueError, r"\['backend'\] is not an ensemble setting"),
        (_config(combination_strategy="vote"), ValueError, r"must be one of 'weighted_average'"),
        (_config(n_trials_per_optimizer=0), ValueError, r"n_trials_per_optimizer'\] must be"),
        (_config(n_jobs=0), ValueError, r"n_jobs must be a positive count"),
        ({"optimizers": ["optuna"]}, ValueError, r"\['optimizers'\]\[0\] must be a dict"),
        (
            {"optimizers": [{"backend": "optuna", "wieght": 1}]},
            TypeError,
            r"ensemble_config\['optimizers'\]\[0\] got an unexpected keyword argument 'wieght'. "
            r"Did you mean 'weight'\?",
        ),
        (
            {"optimizers": [{"backend": "sklearn"}]},
            ValueError,
            r"\['optimizers'\]\[0\]\['backend'\] must be one of 'optuna', 'hyperopt', 'skopt'",
        ),
        (
            {"optimizers": [{"backend": "ensemble"}]},
            ValueError,
            r"\['optimizers'\]\[0\]\['backend'\] must be one of",
        ),
        (
            {"optimizers": [{"backend": "optuna", "weight": -0.5}]},
            ValueError,
            r"\['optimizers'\]\[0\]\['weight'\] must be a positive number, got -0.5",
        ),
        (
            {"optimizers": [{"backend": "optuna", "weight": True}]},
            ValueError,
            r"\['weight'\] must be a positive number, got True",
        ),
        (
            {"optimizers": [{"backend": "optuna", "weight": 1}, {"backend": "hyperopt"}]},
            ValueError,
            r"\['optimizers'\]\[1\]\['weight'\] is missing",
        ),
        (
            {"optimizers": [{"backend": "optuna", "sampler_config": "tpe"}]},
            ValueError,
            r"\['optimizers'\]\[0\]\['sampler_config'\] must be a dict",
        ),
        (
            {
                "optimizers": [
                    {"backend": "optuna"},
                    {"backend": "hyperopt", "sampler_config": {"algo": "tpe", "gama": 0.2}},
                ]
            },
            TypeError,
            r"ensemble_config\['optimizers'\]\[1\]: .*'gama'. Did you mean 'gamma'\?",
        ),
    ],
)
def test_invalid_configs_name_the_field(config: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        AdaptiveHyperparameterOptimizer.create_ensemble(config)


def test_ensemble_backend_needs_its_members() -> None:
    with pytest.raises(ValueError, match=r"backend='ensemble' needs sampler_config"):
        AdaptiveHyperparameterOptimizer(backend="ensemble")
    with pytest.raises(
        TypeError,
        match=r"sampler_config got an unexpected keyword argument 'n_trials_per_optimizer'",
    ):
        AdaptiveHyperparameterOptimizer(
            backend="ensemble", sampler_config=_config(n_trials_per_optimizer=3)
        )


def test_a_multi_objective_ensemble_credits_the_members_that_extend_the_front() -> None:
    def parabolas(params: dict[str, Any]) -> tuple[float, float]:
        return params["x"] ** 2, (params["x"] - 2) ** 2

    config = {
        "optimizers": [
            {"backend": "optuna", "sampler_config": {"n_startup_trials": 5}},
            {"backend": "hyperopt", "sampler_config": {"n_startup_jobs": 5}},
        ],
        "combination_strategy": "adaptive",
    }
    opt = AdaptiveHyperparameterOptimizer(
        backend="ensemble", sampler_config=config, n_trials=30, random_state=0
    )
    front = opt.multi_objective_optimize(parabolas, {"x": ("float", -1.0, 3.0)}, ["minimize"] * 2)
    assert opt.study is not None
    trials = opt.study.trials
    assert {t.user_attrs["ah.backend"] for t in trials} == {"optuna", "hyperopt"}
    assert all(ATTR_CREDIT in t.user_attrs for t in trials)
    # the hyperopt member learns from ParEGO scalarizations; Optuna's TPE from the values
    proposed = [t for t in trials if t.user_attrs["ah.backend"] == "hyperopt"]
    assert all("ah.parego_weights" in t.user_attrs for t in proposed)
    values = {t.number: tuple(t.values) for t in trials}
    expected = {
        n
        for n, v in values.items()
        if not any(
            all(a <= b for a, b in zip(w, v, strict=True)) and w != v for w in values.values()
        )
    }
    assert {p.number for p in front} == expected


def test_joining_the_front_is_the_multi_objective_improvement() -> None:
    backend = create_backend("ensemble", {"optimizers": [RANDOM]}, 0)
    study = optuna.create_study(directions=["minimize", "maximize"], sampler=backend.sampler)
    backend.ask(study, SearchSpace.from_dict({"x": ("float", 0.0, 1.0)}))  # learns the directions
    dist = {"x": optuna.distributions.FloatDistribution(0.0, 1.0)}

    def told(v: tuple[float, float]) -> bool:
        trial = optuna.trial.create_trial(params={"x": 0.5}, distributions=dist, values=list(v))
        return backend._improves(trial)  # type: ignore[attr-defined]

    assert told((1.0, 1.0))  # the first completed trial
    assert told((0.5, 0.5))  # better in the first objective: a new trade-off
    assert not told((1.0, 0.5))  # dominated by (0.5, 0.5) (the second is maximized)
    assert not told((0.5, 0.5))  # equal to a front point: nothing new
    assert told((2.0, 3.0))  # worse in the first, better in the second
    assert told((0.1, 5.0))  # dominates every point so far
    assert not told((1.0, 1.0))
