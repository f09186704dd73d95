"""OptimizationConfig and the optimizer's keywords: every spec argument accepted and validated."""

from __future__ import annotations

import pytest

from adaptive_hyperopt import AdaptiveHyperparameterOptimizer, OptimizationConfig
from adaptive_hyperopt._validation import parse_memory


def test_spec_dataclass_defaults() -> None:
    cfg = OptimizationConfig()
    assert (cfg.backend, cfg.n_trials, cfg.timeout, cfg.n_jobs) == ("optuna", 100, None, 1)
    assert cfg.enable_pruning is True and cfg.pruning_patience == 5
    assert cfg.adaptation_interval == 20 and cfg.min_improvement_threshold == 0.001
    assert cfg.sampler_config is None and cfg.study_direction == "maximize"


def test_unknown_keyword_gets_did_you_mean() -> None:
    with pytest.raises(
        TypeError, match=r"unexpected keyword argument 'n_trial'. Did you mean 'n_trials'\?"
    ):
        AdaptiveHyperparameterOptimizer(n_trial=10)
    with pytest.raises(
        TypeError, match=r"'adaptation_intervall'. Did you mean 'adaptation_interval'"
    ):
        OptimizationConfig(adaptation_intervall=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"'zzz'$"):
        AdaptiveHyperparameterOptimizer(zzz=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "optunaa"}, r"backend must be one of 'optuna', 'hyperopt', 'skopt'"),
        ({"n_trials": 0}, r"n_trials must be at least 1, got 0"),
        ({"n_trials": 2.5}, r"n_trials must be an integer"),
        ({"n_trials": None}, r"n_trials and timeout are both None"),
        ({"timeout": -1}, r"timeout must be a positive number"),
        ({"n_jobs": 0}, r"n_jobs must be a positive count"),
        ({"random_state": -3}, r"random_state must be at least 0"),
        ({"random_state": "42"}, r"random_state must be an integer"),
        ({"enable_pruning": "yes"}, r"enable_pruning must be True or False"),
        ({"pruning_patience": -1}, r"pruning_patience must be at least 0"),
        ({"adaptation_interval": -1}, r"adaptation_interval must be at least 0"),
        ({"random_state": 2**32}, r"random_state must be at most 4294967295"),
        ({"memory_limit": float("inf")}, r"memory_limit: must be a positive, finite size"),
        ({"memory_limit": float("nan")}, r"memory_limit: must be a positive, finite size"),
        ({"min_improvement_threshold": -0.1}, r"min_improvement_threshold must be at least 0"),
        ({"sampler_config": [1]}, r"sampler_config must be a dict"),
        ({"pruner_config": "median"}, r"pruner_config must be a dict"),
        ({"study_direction": "up"}, r"study_direction must be one of 'minimize', 'maximize'"),
        ({"executor": "gpu"}, r"executor must be one of"),
        ({"executor": object()}, r"executor must be one of .* or a dask.distributed.Client"),
        ({"early_stopping_rounds": 0}, r"early_stopping_rounds must be at least 1"),
        ({"max_failures": 0}, r"max_failures must be at least 1"),
        ({"trial_timeout": 0}, r"trial_timeout must be a positive number"),
        (
            {"trial_timeout": 5, "timeout_per_trial": 6},
            r"trial_timeout=5 and timeout_per_trial=6 are aliases",
        ),
        ({"memory_limit": "4 parsecs"}, r"memory_limit: expected a size such as '4GB'"),
        (
            {"memory_limit": "1GB", "max_memory_usage": "2GB"},
            r"memory_limit=.* and max_memory_usage=.* are aliases",
        ),
        ({"log_level": "LOUD"}, r"log_level must be one of"),
        ({"study_name": "  "}, r"study_name must be a non-empty string"),
        ({"cache_dir": 3}, r"cache_dir must be a path"),
        (
            {"sampler_config": {"sampler_type": "bayes"}},
            r"sampler_config\['sampler_type'\] must be one of",
        ),
        (
            {"sampler_config": {"n_startup_trial": 3}},
            r"sampler_config for sampler_type='tpe' got an unexpected keyword argument 'n_startup_trial'. Did you mean 'n_startup_trials'",
        ),
        (
            {"sampler_config": {"n_startup_trials": -1}},
            r"sampler_config\['n_startup_trials'\] must be an integer >= 0",
        ),
        ({"sampler_config": {"gamma": 1.5}}, r"sampler_config\['gamma'\] must be a fraction"),
        ({"sampler_config": {"weights": 3}}, r"sampler_config\['weights'\] must be a callable"),
        (
            {"sampler_config": {"seed": 1}, "random_state": 2},
            r"sampler_config\['seed'\]=1 disagrees",
        ),
    ],
)
def test_invalid_values_name_the_field(kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        AdaptiveHyperparameterOptimizer(**kwargs)


def test_aliases_resolve_to_one_value() -> None:
    cfg = OptimizationConfig(timeout_per_trial=300)
    assert cfg.trial_timeout == cfg.timeout_per_trial == 300
    cfg = OptimizationConfig(max_memory_usage="4GB")
    assert cfg.memory_limit_bytes == 4 * 10**9


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("4GB", 4 * 10**9),
        ("8GB", 8 * 10**9),
        ("512MiB", 512 * 2**20),
        ("1.5g", int(1.5e9)),
        ("100", 100),
        (2048, 2048),
        ("2k", 2000),
        ("1 TiB", 2**40),
    ],
)
def test_memory_sizes_parse(text: object, size: int) -> None:
    assert parse_memory("memory_limit", text) == size


def test_n_jobs_minus_one_means_all_cores() -> None:
    import os

    assert OptimizationConfig(n_jobs=-1).workers == (os.cpu_count() or 1)
    assert OptimizationConfig(n_jobs=3).workers == 3


def test_from_config_round_trips() -> None:
    config = OptimizationConfig(n_trials=7, sampler_config={"n_startup_trials": 3}, timeout=60)
    opt = AdaptiveHyperparameterOptimizer.from_config(config)
    assert opt.config == config
    with pytest.raises(ValueError, match="config must be an OptimizationConfig"):
        AdaptiveHyperparameterOptimizer.from_config({"n_trials": 3})  # type: ignore[arg-type]


def test_every_spec_argument_is_accepted() -> None:
    AdaptiveHyperparameterOptimizer(
        backend="optuna",
        n_trials=10,
        timeout=3600,
        n_jobs=2,
        random_state=1,
        cache_dir=None,
        enable_pruning=True,
        adaptation_interval=25,
        min_improvement_threshold=0.001,
        pruning_patience=10,
        sampler_config={"multivariate": True},
        pruner_config={"pruner_type": "median"},
        storage=None,
        memory_efficient=True,
        max_memory_usage="4GB",
        enable_gc=True,
        trial_timeout=300,
        max_failures=10,
        retry_failed_trials=True,
        catch_exceptions=True,
        enable_monitoring=True,
        log_level="INFO",
        memory_limit="4GB",
        study_name="s",
        executor="threads",
        early_stopping_rounds=5,
        study_direction="minimize",
    )


def test_dashboard_before_any_study_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"dashboard\(\): no study yet; call start\(\)"):
        AdaptiveHyperparameterOptimizer().dashboard()
