"""OptimizationConfig: every setting of a study, validated when it is made.

Semantics worth knowing (also in docs/configuration.md):
- `optimize(direction=...)` wins over `study_direction`.
- `trial_timeout` and `timeout_per_trial` are aliases, as are `memory_limit` and
  `max_memory_usage`; giving both of a pair with different values is an error.
- `min_improvement_threshold` is absolute, in the objective's units.
- `pruning_patience` is how many trials complete before any is pruned (the median and percentile
  pruners' `n_startup_trials`; the patient pruner's `patience`).
- `heartbeat_interval`: on a persistent storage, each running trial is stamped this often; a
  RUNNING trial without a stamp for 3x that plus a second lost its worker and is failed.
- `early_stopping_rounds` stops the study when the best value has not improved by more than
  `min_improvement_threshold` for that many finished trials.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ._validation import parse_memory, unknown_keyword
from .pruning import build_pruner

BACKENDS = ("optuna", "hyperopt", "skopt", "ensemble")
EXECUTORS = ("auto", "serial", "threads", "processes")
DIRECTIONS = ("minimize", "maximize")
DASK_SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://", "ws://", "wss://")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET")


@dataclass
class OptimizationConfig:
    """All settings of an optimizer. Unknown keywords raise TypeError with a did-you-mean."""

    backend: str = "optuna"
    n_trials: int | None = 100
    timeout: float | None = None
    n_jobs: int = 1
    random_state: int | None = None
    enable_pruning: bool = True
    pruning_patience: int | None = 5
    adaptation_interval: int = 20
    min_improvement_threshold: float = 0.001
    sampler_config: dict[str, Any] | None = None
    study_direction: str = "maximize"
    pruner_config: dict[str, Any] | None = None
    cache_dir: str | os.PathLike[str] | None = None
    storage: Any = None
    study_name: str | None = None
    executor: Any = "auto"
    early_stopping_rounds: int | None = None
    heartbeat_interval: float = 10.0
    max_failures: int | None = None
    retry_failed_trials: bool = False
    catch_exceptions: bool = True
    trial_timeout: float | None = None
    timeout_per_trial: float | None = None
    memory_limit: int | str | None = None
    max_memory_usage: int | str | None = None
    memory_efficient: bool = False
    enable_gc: bool = False
    enable_monitoring: bool = False
    log_level: str | int = "INFO"

    def __post_init__(self) -> None:
        _check_choice("backend", self.backend, BACKENDS)
        _check_int("n_trials", self.n_trials, minimum=1, optional=True)
        _check_positive("timeout", self.timeout)
        if self.n_trials is None and self.timeout is None:
            raise ValueError("n_trials and timeout are both None: the study would never end")
        _check_int("n_jobs", self.n_jobs)
        if self.n_jobs == 0:
            raise ValueError("n_jobs must be a positive count or negative (-1: all cores), got 0")
        _check_int("random_state", self.random_state, minimum=0, optional=True, maximum=2**32 - 1)
        for flag in (
            "enable_pruning",
            "retry_failed_trials",
            "catch_exceptions",
            "memory_efficient",
            "enable_gc",
            "enable_monitoring",
        ):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be True or False, got {getattr(self, flag)!r}")
        _check_int("pruning_patience", self.pruning_patience, minimum=0, optional=True)
        _check_int("adaptation_interval", self.adaptation_interval, minimum=0)  # 0: off
        _check_number("min_improvement_threshold", self.min_improvement_threshold, minimum=0.0)
        _check_mapping("sampler_config", self.sampler_config)
        _check_mapping("pruner_config", self.pruner_config)
        build_pruner(self.enable_pruning, self.pruner_config, self.pruning_patience)  # fail now
        _check_choice("study_direction", self.study_direction, DIRECTIONS)
        if self.cache_dir is not None and not isinstance(self.cache_dir, str | os.PathLike):
            raise ValueError(f"cache_dir must be a path, got {self.cache_dir!r}")
        if self.study_name is not None and (
            not isinstance(self.study_name, str) or not self.study_name.strip()
        ):
            raise ValueError(f"study_name must be a non-empty string, got {self.study_name!r}")
        if isinstance(self.executor, str):
            if not self.executor.startswith(DASK_SCHEMES):
                _check_choice("executor", self.executor, EXECUTORS)
        elif not callable(getattr(self.executor, "submit", None)):
            raise ValueError(
                f"executor must be one of {EXECUTORS} or a dask.distributed.Client, "
                f"got {self.executor!r}"
            )
        _check_int("early_stopping_rounds", self.early_stopping_rounds, minimum=1, optional=True)
        _check_int("max_failures", self.max_failures, minimum=1, optional=True)
        _check_positive("trial_timeout", self.trial_timeout)
        _check_positive("heartbeat_interval", self.heartbeat_interval)
        _check_positive("timeout_per_trial", self.timeout_per_trial)
        self.trial_timeout = self.timeout_per_trial = _alias(
            "trial_timeout", self.trial_timeout, "timeout_per_trial", self.timeout_per_trial
        )
        limit = parse_memory("memory_limit", self.memory_limit)
        usage = parse_memory("max_memory_usage", self.max_memory_usage)
        _alias("memory_limit", limit, "max_memory_usage", usage)
        _check_log_level(self.log_level)

    @property
    def memory_limit_bytes(self) -> int | None:
        """The per-trial memory cap in bytes (from `memory_limit` or `max_memory_usage`)."""
        return parse_memory("memory_limit", self.memory_limit) or parse_memory(
            "max_memory_usage", self.max_memory_usage
        )

    @property
    def workers(self) -> int:
        """`n_jobs` resolved to a count of workers (-1: every core, -2: all but one, ...)."""
        if self.n_jobs > 0:
            return self.n_jobs
        return max(1, (os.cpu_count() or 1) + 1 + self.n_jobs)

    @property
    def log_level_number(self) -> int:
        """`log_level` as a number of the logging module."""
        if isinstance(self.log_level, int):
            return self.log_level
        return int(logging.getLevelName(self.log_level.upper()))

    def to_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (callables in sampler_config are kept as they are)."""
        # Shallow: a storage or executor object is the user's own and must not be copied.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def replace(self, **changes: Any) -> OptimizationConfig:
        """A validated copy with `changes` applied."""
        return OptimizationConfig(**{**self.to_dict(), **changes})


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(OptimizationConfig))
_dataclass_init = OptimizationConfig.__init__


@functools.wraps(_dataclass_init)
def _init_with_did_you_mean(self: OptimizationConfig, *args: Any, **kwargs: Any) -> None:
    for name in kwargs:
        if name not in FIELD_NAMES:
            raise unknown_keyword("OptimizationConfig()", name, FIELD_NAMES)
    _dataclass_init(self, *args, **kwargs)


setattr(OptimizationConfig, "__init__", _init_with_did_you_mean)  # noqa: B010


def _check_choice(field: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(
            f"{field} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}"
        )


def _check_int(
    field: str,
    value: Any,
    minimum: int | None = None,
    optional: bool = False,
    maximum: int | None = None,
) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{field} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{field} must be at most {maximum}, got {value}")


def _check_number(field: str, value: Any, minimum: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ValueError(f"{field} must be a number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{field} must be at least {minimum}, got {value}")


def _check_positive(field: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{field} must be a positive number of seconds, got {value!r}")


def _check_mapping(field: str, value: Any) -> None:
    if value is not None and not isinstance(value, Mapping):
        raise ValueError(f"{field} must be a dict, got {type(value).__name__}")


def _alias(name_a: str, a: Any, name_b: str, b: Any) -> Any:
    if a is not None and b is not None and a != b:
        raise ValueError(f"{name_a}={a!r} and {name_b}={b!r} are aliases but disagree; give one")
    return a if a is not None else b


def _check_log_level(level: Any) -> None:
    if isinstance(level, bool):
        raise ValueError(f"log_level must be a logging level name or number, got {level!r}")
    if isinstance(level, int):
        return
    if not isinstance(level, str) or level.upper() not in _LOG_LEVELS:
        raise ValueError(
            f"log_level must be one of {', '.join(_LOG_LEVELS)} or a number, got {level!r}"
        )
