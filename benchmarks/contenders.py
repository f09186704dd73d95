"""The optimizers compared: peers from Optuna, Hyperopt and scikit-optimize, and OURS.

A contender drives a given objective (a params dict -> float, already wrapped by the runner to
record every evaluation) for ``n_trials`` evaluations with a given seed. Everything else
(timing, recording, failure handling) is the runner's job, identical for all contenders.
"""

from __future__ import annotations

import importlib.util
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import optuna

from benchmarks.problems.base import Problem
from benchmarks.space import parse_space
from benchmarks.translate import (
    hyperopt_decode,
    hyperopt_space,
    skopt_decode,
    skopt_dimensions,
    suggest_optuna,
)

ParamsObjective = Callable[[Mapping[str, Any]], float]

#: The contender whose verdicts against every peer head the report (OURS, Optuna backend).
HEADLINE = "ours"
#: OURS with the same sampler and adaptation off: the ablation's baseline.
ABLATION = "ours_off"
#: Budget of one run for most contenders, and for the (slow) Gaussian-process peers.
FULL_BUDGET = 200
GP_BUDGET = 100


class Contender(ABC):
    """One optimizer under comparison."""

    #: Short stable identifier used in results files and on the command line.
    name: str = ""
    #: Human label for the report.
    label: str = ""
    #: "peer" or "ours"; peers' results are kept in the repository and reused.
    group: str = "peer"
    #: Evaluations per run at full budget.
    budget: int = FULL_BUDGET
    #: The distribution whose version is recorded with each run.
    package: str = "optuna"
    #: Shown under the report's contender table.
    note: str = ""
    #: For a bridge of ours: the contender running the same library natively, which the
    #: report compares it with ("not worse" is the bridge's bar).
    native: str | None = None

    def applicable(self, problem: Problem) -> bool:
        """Whether the contender is run on ``problem`` (else reported "n/a")."""
        return True

    def unavailable_reason(self) -> str | None:
        """Why the contender cannot run here (a missing package), or None."""
        module = self.package.replace("-", "_").replace("scikit_optimize", "skopt")
        if importlib.util.find_spec(module) is None:
            return f"package {self.package!r} is not installed"
        return None

    @abstractmethod
    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        """Evaluate ``objective`` ``n_trials`` times, optimizing in ``problem.direction``."""


class _OptunaContender(Contender):
    """Runs an Optuna study with a sampler built by :meth:`sampler`."""

    @abstractmethod
    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        """The sampler for one seeded run."""

    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        params = parse_space(problem.space)
        study = optuna.create_study(direction=problem.direction, sampler=self.sampler(seed))

        def optuna_objective(trial: optuna.Trial) -> float:
            return objective(suggest_optuna(trial, params))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
            study.optimize(optuna_objective, n_trials=n_trials, catch=(Exception,))


class OptunaRandom(_OptunaContender):
    name, label = "random", "Random search (Optuna RandomSampler)"

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.RandomSampler(seed=seed)


class OptunaTPE(_OptunaContender):
    name, label = "optuna_tpe", "Optuna TPE (TPESampler defaults)"

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.TPESampler(seed=seed)


class OptunaGP(_OptunaContender):
    name, label = "optuna_gp", "Optuna GPSampler"
    budget = GP_BUDGET
    note = "needs torch; conditional parameters outside the common space are sampled at random"

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("torch") is None:
            return "GPSampler needs the package 'torch', which is not installed"
        return None

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.GPSampler(seed=seed, warn_independent_sampling=False)


class OptunaCmaEs(_OptunaContender):
    name, label = "optuna_cmaes", "Optuna CmaEsSampler"
    note = "continuous problems only"

    def applicable(self, problem: Problem) -> bool:
        return problem.continuous

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("cmaes") is None:
            return "CmaEsSampler needs the package 'cmaes', which is not installed"
        return None

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)


class HyperoptTPE(Contender):
    name, label = "hyperopt_tpe", "Hyperopt TPE (fmin, tpe.suggest)"
    package = "hyperopt"
    note = "conditional spaces as hp.choice over one dict per branch"

    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        import hyperopt

        space = hyperopt_space(problem.space)
        sign = 1.0 if problem.direction == "minimize" else -1.0

        def loss(sample: dict[str, Any]) -> dict[str, Any]:
            try:
                value = objective(hyperopt_decode(problem.space, sample))
            except Exception as exc:  # a failed evaluation is a failed trial, as in Optuna
                return {"status": hyperopt.STATUS_FAIL, "error": repr(exc)}
            return {"status": hyperopt.STATUS_OK, "loss": sign * value}

        hyperopt.fmin(
            loss,
            space,
            algo=hyperopt.tpe.suggest,
            max_evals=n_trials,
            trials=hyperopt.Trials(),
            rstate=np.random.default_rng(seed),
            show_progressbar=False,
            verbose=False,
        )


class SkoptGP(Contender):
    name, label = "skopt_gp", 'scikit-optimize gp_minimize (acq_optimizer="sampling")'
    package = "scikit-optimize"
    budget = GP_BUDGET
    note = (
        'acq_optimizer="sampling" (about 0.4 s/trial); conditional spaces flat-encoded: every '
        "parameter is a dimension, inactive ones are dropped before the objective is called"
    )

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("skopt") is None:
            return "package 'scikit-optimize' is not installed"
        return None

    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        from skopt import gp_minimize

        dims = skopt_dimensions(problem.space)
        sign = 1.0 if problem.direction == "minimize" else -1.0

        def loss(x: list[Any]) -> float:
            return sign * objective(skopt_decode(problem.space, x))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            gp_minimize(
                loss,
                dims,
                n_calls=n_trials,
                n_initial_points=min(10, n_trials),  # skopt's default, capped for tiny budgets
                acq_optimizer="sampling",
                random_state=seed,
            )


class Ours(Contender):
    name, label = HEADLINE, 'OURS: adaptive_hyperopt (backend="optuna")'
    group = "ours"
    package = "adaptive-hyperopt"
    note = 'AdaptiveHyperparameterOptimizer defaults, backend="optuna"'

    def unavailable_reason(self) -> str | None:
        if importlib.util.find_spec("adaptive_hyperopt") is None:
            return "package 'adaptive_hyperopt' is not importable yet"
        return None

    #: Settings on top of the defaults (the adaptation-off variant sets adaptation_interval=0).
    settings: dict[str, Any] = {}

    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

        opt = AdaptiveHyperparameterOptimizer(
            backend="optuna", n_trials=n_trials, random_state=seed, **self.settings
        )
        opt.optimize(
            objective=objective, search_space=dict(problem.space), direction=problem.direction
        )


class OursNoAdaptation(Ours):
    name, label = ABLATION, 'OURS with adaptation off (backend="optuna")'
    note = "AdaptiveHyperparameterOptimizer defaults with adaptation_interval=0 (no adaptation)"
    settings = {"adaptation_interval": 0}


class _OursWith(Contender):
    """OURS with a backend other than Optuna's (a bridge, or the spec's ensemble).

    The adaptive search space is off (`adaptation_interval=0`): these measure the backend
    itself, so a bridge is compared with its library on the same space.
    """

    group = "ours"
    package = "adaptive-hyperopt"
    #: The libraries the backend needs, besides adaptive_hyperopt.
    needs: tuple[str, ...] = ()

    def unavailable_reason(self) -> str | None:
        for module in ("adaptive_hyperopt", *self.needs):
            if importlib.util.find_spec(module) is None:
                return f"package {module!r} is not importable"
        return None

    @abstractmethod
    def optimizer(self, n_trials: int, seed: int) -> Any:
        """The optimizer (or ensemble) for one seeded run."""

    def run(self, problem: Problem, objective: ParamsObjective, n_trials: int, seed: int) -> None:
        self.optimizer(n_trials, seed).optimize(
            objective=objective,
            search_space=dict(problem.space),
            direction=problem.direction,
            n_trials=n_trials,
        )


class OursHyperopt(_OursWith):
    name, label = "ours_hyperopt", 'OURS: hyperopt bridge (backend="hyperopt", TPE)'
    needs = ("hyperopt",)
    native = "hyperopt_tpe"
    note = (
        "Hyperopt's tpe.suggest at its defaults, driven ask/tell, adaptation off; native peer: "
        "hyperopt_tpe"
    )

    def optimizer(self, n_trials: int, seed: int) -> Any:
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

        return AdaptiveHyperparameterOptimizer(
            backend="hyperopt", n_trials=n_trials, random_state=seed, adaptation_interval=0
        )


class OursSkopt(_OursWith):
    name, label = "ours_skopt", 'OURS: skopt bridge (backend="skopt", GP)'
    budget = GP_BUDGET
    needs = ("skopt",)
    native = "skopt_gp"
    note = (
        'skopt.Optimizer(base_estimator="GP", acq_optimizer="sampling", n_initial_points=10), '
        "the settings of skopt_gp, adaptation off; conditionals flat-encoded with inactive "
        "parameters imputed"
    )

    def optimizer(self, n_trials: int, seed: int) -> Any:
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

        settings = {
            "base_estimator": "GP",
            "acq_optimizer": "sampling",
            "n_initial_points": min(10, n_trials),  # as skopt_gp
        }
        return AdaptiveHyperparameterOptimizer(
            backend="skopt",
            sampler_config=settings,
            n_trials=n_trials,
            random_state=seed,
            adaptation_interval=0,
        )


class OursEnsemble(_OursWith):
    name, label = "ours_ensemble", "OURS: the spec's ensemble (optuna 0.4, hyperopt 0.3, skopt 0.3)"
    budget = GP_BUDGET
    needs = ("hyperopt", "skopt")
    note = (
        "create_ensemble with the spec's config, weighted_average, members at their defaults, "
        "adaptation off"
    )

    def optimizer(self, n_trials: int, seed: int) -> Any:
        from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

        return AdaptiveHyperparameterOptimizer.create_ensemble(
            {
                "optimizers": [
                    {"backend": "optuna", "weight": 0.4},
                    {"backend": "hyperopt", "weight": 0.3},
                    {"backend": "skopt", "weight": 0.3},
                ],
                "combination_strategy": "weighted_average",
                "n_trials_per_optimizer": -(-n_trials // 3),  # the run's n_trials decides
                "random_state": seed,
                "adaptation_interval": 0,
            }
        )


def all_contenders() -> dict[str, Contender]:
    """Every contender by name, peers first, in report order."""
    items: list[Contender] = [
        OptunaRandom(),
        OptunaTPE(),
        OptunaGP(),
        OptunaCmaEs(),
        HyperoptTPE(),
        SkoptGP(),
        Ours(),
        OursNoAdaptation(),
        OursHyperopt(),
        OursSkopt(),
        OursEnsemble(),
    ]
    return {c.name: c for c in items}
