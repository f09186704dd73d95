"""Pruners from the configuration: every type, its options checked, errors that name the key."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

from adaptive_hyperopt import OptimizationConfig
from adaptive_hyperopt.pruning import PRUNERS, build_pruner


@pytest.mark.parametrize("kind", sorted(PRUNERS))
def test_every_pruner_type_builds(kind: str) -> None:
    options = {"lower": 0.1} if kind == "threshold" else {}
    pruner = build_pruner(True, {"pruner_type": kind, **options}, None)
    assert isinstance(pruner, PRUNERS[kind])


def test_the_spec_hyperband_config_builds() -> None:
    config = {
        "pruner_type": "hyperband",
        "min_resource": 1,
        "max_resource": "auto",
        "reduction_factor": 3,
    }
    pruner = build_pruner(True, config, 5)
    assert isinstance(pruner, optuna.pruners.HyperbandPruner)
    assert pruner._reduction_factor == 3 and pruner._min_resource == 1


def test_patience_is_the_median_pruners_startup_trials_unless_set() -> None:
    median = build_pruner(True, None, 7)
    assert isinstance(median, optuna.pruners.MedianPruner) and median._n_startup_trials == 7
    explicit = build_pruner(True, {"pruner_type": "percentile", "n_startup_trials": 2}, 7)
    assert explicit._n_startup_trials == 2


def test_defaults_and_switches() -> None:
    assert isinstance(
        build_pruner(False, {"pruner_type": "hyperband"}, 5), optuna.pruners.NopPruner
    )
    assert isinstance(build_pruner(True, None, None), optuna.pruners.MedianPruner)
    patient = build_pruner(
        True, {"pruner_type": "patient", "wrapped": {"pruner_type": "median"}}, 3
    )
    assert isinstance(patient, optuna.pruners.PatientPruner) and patient._patience == 3
    assert isinstance(patient._wrapped_pruner, optuna.pruners.MedianPruner)


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ({"pruner_type": "medain"}, ValueError, r"pruner_config\['pruner_type'\] must be one of"),
        (
            {"pruner_type": "median", "n_warmup": 2},
            TypeError,
            r"pruner_config for pruner_type='median' .* 'n_warmup'. Did you mean 'n_warmup_steps'",
        ),
        ({"pruner_type": "threshold"}, ValueError, r"pruner_type='threshold': .*lower.*upper"),
        (
            {"pruner_type": "patient", "wrapped": 3},
            ValueError,
            r"\['wrapped'\] must be a pruner_config",
        ),
        ({"pruner_type": "percentile", "percentile": 150}, ValueError, r"pruner_type='percentile'"),
    ],
)
def test_bad_configs_are_refused_when_the_config_is_made(
    config: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        OptimizationConfig(pruner_config=config)
