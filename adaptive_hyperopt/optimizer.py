"""AdaptiveHyperparameterOptimizer: the facade of the specification.

It validates everything before the first trial, opens the study (every study is an Optuna
study), builds the backend and hands the rest to the driver: `optimize()` runs it in the calling
thread, `start()` in a background thread with a `StudyHandle` for live control.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import optuna
from optuna.distributions import CategoricalDistribution

from ._validation import unknown_keyword, warn_once
from .backends import Backend, create_backend
from .config import DIRECTIONS, FIELD_NAMES, OptimizationConfig
from .events import Event, EventBus, InlineListener
from .events._bus import LISTENER_INTERVAL
from .exceptions import NoCompletedTrialsError
from .pareto import ParetoFront, pareto_front
from .runner import Callbacks, Driver, History, StudyHandle
from .runner._callbacks import positional_arity
from .space import SearchSpace
from .space._dimensions import Categorical
from .storage import open_storage

logger = logging.getLogger("adaptive_hyperopt")

STUDY_ATTR_OBJECTIVE = "ah.objective"
Result = tuple[dict[str, Any], float, History]


class AdaptiveHyperparameterOptimizer:
    """Tunes an objective over a search space, adapting the space as the study learns."""

    def __init__(
        self,
        backend: str = "optuna",
        n_trials: int | None = 100,
        timeout: float | None = None,
        n_jobs: int = 1,
        random_state: int | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        enable_pruning: bool = True,
        adaptation_interval: int = 20,
        min_improvement_threshold: float = 0.001,
        *,
        pruning_patience: int | None = 5,
        sampler_config: dict[str, Any] | None = None,
        pruner_config: dict[str, Any] | None = None,
        study_direction: str = "maximize",
        storage: Any = None,
        study_name: str | None = None,
        executor: Any = "auto",
        early_stopping_rounds: int | None = None,
        max_failures: int | None = None,
        retry_failed_trials: bool = False,
        catch_exceptions: bool = True,
        trial_timeout: float | None = None,
        timeout_per_trial: float | None = None,
        memory_limit: int | str | None = None,
        max_memory_usage: int | str | None = None,
        memory_efficient: bool = False,
        enable_gc: bool = False,
        enable_monitoring: bool = False,
        log_level: str | int = "INFO",
        **unexpected: Any,
    ) -> None:
        for name in unexpected:
            raise unknown_keyword("AdaptiveHyperparameterOptimizer()", name, FIELD_NAMES)
        settings = {k: v for k, v in locals().items() if k in FIELD_NAMES}
        self.config = OptimizationConfig(**settings)
        # fail on a bad sampler_config now, not at trial 1
        create_backend(self.config.backend, self.config.sampler_config, self.config.random_state)
        self._study_callbacks: list[Callable[..., Any]] = []
        self._listeners: list[tuple[Callable[[Event], Any], float, bool]] = []
        self.study: optuna.Study | None = None
        self.search_space: SearchSpace | None = None
        self.history: History = History()
        self.best_params: dict[str, Any] | None = None
        self.best_score: float | None = None
        self.pareto_front: ParetoFront | None = None
        self.storage_location: str | None = None
        if self.config.enable_monitoring:
            _ensure_log_output(self.config.log_level_number)

    @classmethod
    def from_config(cls, config: OptimizationConfig) -> AdaptiveHyperparameterOptimizer:
        """An optimizer with the settings of `config`."""
        if not isinstance(config, OptimizationConfig):
            raise ValueError(f"config must be an OptimizationConfig, got {type(config).__name__}")
        return cls(**config.to_dict())

    def add_callback(self, callback: Callable[..., Any]) -> None:
        """Call `callback(study, trial)` after every finished trial of later studies.

        A callback taking three arguments is called as `fn(trial_number, best, current)`
        for every COMPLETE trial instead.
        """
        Callbacks(EventBus("validation")).add(callback, "add_callback(callback)", default="study")
        self._study_callbacks.append(callback)

    def add_listener(
        self,
        listener: Callable[[Event], Any],
        interval: float = LISTENER_INTERVAL,
        thread: bool = False,
    ) -> None:
        """Call `listener(event)` for every event of later studies, in order.

        By default the study's own thread calls it between trials, in batches at most every
        `interval` seconds, and with everything left before `optimize` returns: no thread, no
        cost to speak of, but a slow listener delays trials. With `thread=True` a thread of its
        own delivers instead (latency independent of trial length, at the price of a second
        thread). A listener that raises is logged and keeps receiving.
        """
        if not callable(listener):
            raise ValueError(f"add_listener(listener) must be callable, got {listener!r}")
        if isinstance(interval, bool) or not isinstance(interval, int | float) or interval < 0:
            raise ValueError(f"interval must be a number of seconds >= 0, got {interval!r}")
        self._listeners.append((listener, float(interval), bool(thread)))

    # Running ------------------------------------------------------------------------------
    def optimize(
        self,
        objective: Callable[[dict[str, Any]], Any],
        search_space: Mapping[str, Any] | SearchSpace,
        direction: str | None = None,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        study_name: str | None = None,
        dashboard: bool = False,
    ) -> Result:
        """Run a study in this thread and return `(best_params, best_score, history)`.

        `history` lists the trials of this run (TrialRecord: number, params, value, state,
        reason, times, backend, space version); it has `to_dataframe()`.
        """
        if dashboard:
            raise NotImplementedError("optimize(dashboard=True) arrives with the dashboard issue")
        driver = self._prepare(
            objective, search_space, direction, callbacks, n_trials, timeout, study_name
        )
        try:
            history = driver.run()
        finally:
            for listener in driver.listeners:  # deliver every event before returning
                listener.join(timeout=10.0)
        return self._finalize(driver, history)

    def start(
        self,
        objective: Callable[[dict[str, Any]], Any],
        search_space: Mapping[str, Any] | SearchSpace,
        direction: str | None = None,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        study_name: str | None = None,
    ) -> StudyHandle:
        """Run a study in a background thread; control it through the returned StudyHandle."""
        driver = self._prepare(
            objective, search_space, direction, callbacks, n_trials, timeout, study_name
        )
        return StudyHandle(driver, self._finalize)

    def _prepare(
        self,
        objective: Callable[[dict[str, Any]], Any],
        search_space: Mapping[str, Any] | SearchSpace,
        direction: str | list[str] | None,
        callbacks: Sequence[Callable[..., Any]] | None,
        n_trials: int | None,
        timeout: float | None,
        study_name: str | None,
    ) -> Driver:
        _check_objective(objective)
        space = SearchSpace.from_dict(search_space)
        resolved = direction if direction is not None else self.config.study_direction
        if isinstance(resolved, str) and resolved not in DIRECTIONS:
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {resolved!r}")
        overrides: dict[str, Any] = {}
        if n_trials is not None:
            overrides["n_trials"] = n_trials
        if timeout is not None:
            overrides["timeout"] = timeout
        if study_name is not None:
            overrides["study_name"] = study_name
        config = self.config.replace(**overrides) if overrides else self.config
        if callbacks is not None and (
            isinstance(callbacks, str | bytes) or not isinstance(callbacks, Sequence)
        ):
            raise ValueError(f"callbacks must be a list of callables, got {callbacks!r}")
        name = config.study_name or _default_study_name(objective)
        bus = EventBus(name)
        cbs = Callbacks(bus)
        cbs.extend(list(callbacks or ()), "callbacks")
        for cb in self._study_callbacks:
            cbs.add(cb, "add_callback(callback)", default="study")
        backend = create_backend(config.backend, config.sampler_config, config.random_state, space)
        _warn_unbuilt(config)
        executor = _resolve_executor(config)
        study = self._open_study(config, name, resolved, backend, objective, space)
        self.search_space = space
        driver = Driver(study, space, backend, objective, config, bus, cbs, executor)
        self.history = driver.history  # filled as trials finish, kept if the run is interrupted
        for fn, interval, threaded in self._listeners:
            if threaded:
                driver.listeners.append(bus.add_listener(fn, 0, interval))
            else:
                driver.inline_listeners.append(InlineListener(bus.subscribe(0), fn, interval))
        return driver

    def _open_study(
        self,
        config: OptimizationConfig,
        name: str,
        direction: str | list[str],
        backend: Backend,
        objective: Callable[..., Any],
        space: SearchSpace | None = None,
    ) -> optuna.Study:
        directions = [direction] if isinstance(direction, str) else list(direction)
        storage, where = open_storage(config.storage, config.cache_dir, name)
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # Optuna announces new studies
        try:
            study = optuna.create_study(
                storage=storage,
                sampler=backend.sampler,
                study_name=name,
                directions=directions,  # type: ignore[arg-type]  # checked against DIRECTIONS
                load_if_exists=True,
            )
        finally:
            optuna.logging.set_verbosity(verbosity)
        stored = [d.name.lower() for d in study.directions]
        if stored != directions:
            raise ValueError(
                f"study {name!r} in {where} was created to {', '.join(stored)}, "
                f"not {', '.join(directions)}: use another study_name"
            )
        if space is not None:
            _check_stored_choices(study, space, where)
        study.set_user_attr(STUDY_ATTR_OBJECTIVE, objective_path(objective))
        self.study = study
        self.storage_location = where
        logger.info("study %r in %s (%s)", name, where, backend.describe())
        return study

    def _finalize(self, driver: Driver, history: History) -> Result:
        self.history = history
        if driver.best_value is None or driver.best_params is None:
            reasons = [r.reason or "" for r in history if r.state == "FAIL"][-5:]
            raise NoCompletedTrialsError(
                f"study {driver.bus.study!r} ended with no completed trial"
                + (": " + "; ".join(reasons) if reasons else ""),
                reasons,
            )
        self.best_params = dict(driver.best_params)
        self.best_score = driver.best_value
        return dict(driver.best_params), driver.best_value, history

    # Features that later issues build -----------------------------------------------------
    def multi_objective_optimize(
        self,
        objective: Callable[[dict[str, Any]], Any],
        search_space: Mapping[str, Any] | SearchSpace,
        directions: Sequence[str],
        n_trials: int | None = None,
        *,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        timeout: float | None = None,
        study_name: str | None = None,
        reference_point: Sequence[float] | None = None,
    ) -> ParetoFront:
        """Optimize several objectives at once; return the Pareto front.

        The objective returns one number per entry of `directions`. The result is a list of
        ParetoPoint (number, params, values) with `.hypervolume` against `reference_point`
        (default: see ParetoFront). Optuna's samplers handle several objectives natively (TPE
        by default; `sampler_config={'sampler_type': 'nsga2'}` for NSGA-II). Pruning does not
        apply (Optuna's pruners are single-objective); a two-argument objective's reports are
        published as events only.
        """
        wanted = _check_directions(directions)
        if reference_point is not None:
            _check_reference_point(reference_point, len(wanted))
        if self.config.backend != "optuna":
            _unbuilt(
                f"multi-objective optimization with backend={self.config.backend!r} "
                "(a ParEGO scalarization)",
                "a later release; backend='optuna' handles several objectives",
            )
        if self.config.enable_pruning:
            warn_once(
                "multi_objective_pruning",
                "enable_pruning does not apply to multi-objective studies: Optuna's pruners are "
                "single-objective, so every trial runs to the end",
            )
        if self.config.early_stopping_rounds is not None:
            warn_once(
                "multi_objective_early_stopping",
                "early_stopping_rounds does not apply to multi-objective studies (no best value)",
            )
        driver = self._prepare(
            objective, search_space, wanted, callbacks, n_trials, timeout, study_name
        )
        try:
            driver.run()
        finally:
            for listener in driver.listeners:
                listener.join(timeout=10.0)
        self.history = driver.history
        if driver.n_complete == 0 and not driver.study.best_trials:
            reasons = [r.reason or "" for r in driver.history if r.state == "FAIL"][-5:]
            raise NoCompletedTrialsError(
                f"study {driver.bus.study!r} ended with no completed trial"
                + (": " + "; ".join(reasons) if reasons else ""),
                reasons,
            )
        self.pareto_front = pareto_front(driver.study, driver.space, reference_point)
        return self.pareto_front

    @classmethod
    def create_ensemble(cls, ensemble_config: Mapping[str, Any]) -> NoReturn:
        """An optimizer over a portfolio of backends."""
        _unbuilt("create_ensemble()", "the Hyperopt/scikit-optimize backends issue")

    def save_study(self, path: str | os.PathLike[str]) -> NoReturn:
        """Save the study to a file."""
        _unbuilt("save_study()", "the persistence issue")

    @classmethod
    def load_study(cls, path: str | os.PathLike[str]) -> NoReturn:
        """Load a study saved by save_study()."""
        _unbuilt("load_study()", "the persistence issue")

    def continue_optimization(self, additional_trials: int) -> NoReturn:
        """Run more trials of the loaded study."""
        _unbuilt("continue_optimization()", "the persistence issue")

    def set_adaptation_strategy(self, strategy: Callable[..., Any]) -> NoReturn:
        """Install a custom adaptation strategy."""
        _unbuilt("set_adaptation_strategy()", "the adaptive search space issue")

    def force_adaptation(self) -> NoReturn:
        """Run an adaptation checkpoint now (use StudyHandle.adapt_now() on a running study)."""
        _unbuilt("force_adaptation()", "the adaptive search space issue")

    def plot_optimization_history(self) -> NoReturn:
        """Plot values and best-so-far per trial."""
        _unbuilt("plot_optimization_history()", "the plots issue")

    def plot_param_importance(self) -> NoReturn:
        """Plot parameter importances."""
        _unbuilt("plot_param_importance()", "the plots issue")

    def plot_parallel_coordinate(self) -> NoReturn:
        """Plot a parallel-coordinate view of the trials."""
        _unbuilt("plot_parallel_coordinate()", "the plots issue")

    def plot_param_relationships(self) -> NoReturn:
        """Plot pairwise relationships of the most important parameters."""
        _unbuilt("plot_param_relationships()", "the plots issue")

    def save_plots(self, directory: str | os.PathLike[str]) -> NoReturn:
        """Write every plot and an HTML report to `directory`."""
        _unbuilt("save_plots()", "the plots issue")

    def dashboard(self) -> NoReturn:
        """The live Jupyter dashboard."""
        _unbuilt("dashboard()", "the dashboard issue")


def _unbuilt(what: str, issue: str) -> NoReturn:
    raise NotImplementedError(f"{what} is not built yet: it arrives with {issue}")


def _check_directions(directions: Any) -> list[str]:
    if isinstance(directions, str) or not isinstance(directions, Sequence):
        raise ValueError(f"directions must be a list of 'minimize'/'maximize', got {directions!r}")
    wanted = list(directions)
    if len(wanted) < 2:
        raise ValueError(
            f"directions must name at least two objectives, got {wanted!r}: use optimize() for one"
        )
    for i, d in enumerate(wanted):
        if d not in DIRECTIONS:
            raise ValueError(f"directions[{i}] must be 'minimize' or 'maximize', got {d!r}")
    return wanted


def _check_reference_point(point: Any, n: int) -> None:
    if isinstance(point, str) or not isinstance(point, Sequence) or len(point) != n:
        raise ValueError(f"reference_point must be {n} numbers, one per objective, got {point!r}")
    for i, value in enumerate(point):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ValueError(f"reference_point[{i}] must be a number, got {value!r}")


def _check_objective(objective: Any) -> None:
    if not callable(objective):
        raise ValueError(f"objective must be callable, got {objective!r}")
    arity = positional_arity(objective)
    if arity is not None and arity > 2:
        raise ValueError(
            f"objective takes {arity} positional arguments; expected objective(params) or "
            "objective(params, trial)"
        )
    if arity == 0 and positional_arity(objective, required=False) == 0:
        raise ValueError("objective must take the parameters dict as its first argument")


def _check_stored_choices(study: optuna.Study, space: SearchSpace, where: str) -> None:
    """Refuse, before any trial runs, categorical choices that differ from the stored study's.

    Optuna fixes a categorical parameter's choices for the life of a study; without this check
    the first trial would fail deep inside Optuna.
    """
    pending = {
        name: dim.encoded_choices
        for name, dim in space.original.items()
        if isinstance(dim, Categorical)
    }
    for trial in study.get_trials(deepcopy=False):
        for name in [n for n in pending if n in trial.distributions]:
            stored = trial.distributions[name]
            declared = pending.pop(name)
            if isinstance(stored, CategoricalDistribution) and tuple(stored.choices) != declared:
                raise ValueError(
                    f"search_space[{name!r}]: study {study.study_name!r} in {where} holds the "
                    f"choices {list(stored.choices)!r}, the space declares {list(declared)!r}; "
                    "a categorical's choices are fixed for the life of a study: declare the "
                    "stored choices (set_choices() narrows them) or use another study_name"
                )
        if not pending:
            return


def objective_path(objective: Callable[..., Any]) -> str:
    """`module:qualname` of the objective, recorded so a study can be resumed later."""
    module = getattr(objective, "__module__", None) or "__main__"
    qualname = getattr(objective, "__qualname__", None) or type(objective).__qualname__
    return f"{module}:{qualname}"


def _default_study_name(objective: Callable[..., Any]) -> str:
    name = getattr(objective, "__name__", "objective").strip("<>") or "objective"
    return f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(2).hex()}"


def _resolve_executor(config: OptimizationConfig) -> str:
    workers = config.workers
    kind = config.executor
    if not isinstance(kind, str):
        warn_once(
            "executor:dask",
            "executor=<dask Client> arrives with the parallel-execution issue; "
            "running trials on local threads until then",
        )
        return "threads"
    if kind == "processes":
        warn_once(
            "executor:processes",
            "executor='processes' arrives with the parallel-execution issue; "
            "running trials on threads until then",
        )
        return "threads"
    if kind == "auto":
        chosen = "threads" if workers > 1 else "serial"
        logger.debug("executor='auto' chose %s for n_jobs=%s", chosen, config.n_jobs)
        return chosen
    if kind == "serial" and workers > 1:
        raise ValueError(f"executor='serial' runs one trial at a time; n_jobs={config.n_jobs}")
    return kind


def _warn_unbuilt(config: OptimizationConfig) -> None:
    warn_once(
        "adaptation",
        f"adaptive search space (adaptation_interval={config.adaptation_interval}) is not "
        "built yet: the space changes only through StudyHandle commands for now",
    )
    planned = {
        "trial_timeout": (config.trial_timeout is not None, "per-trial limits"),
        "memory_limit": (config.memory_limit_bytes is not None, "per-trial limits"),
        "memory_efficient": (config.memory_efficient, "the persistence issue"),
        "retry_failed_trials": (config.retry_failed_trials, "the execution issue"),
    }
    for field, (given, feature) in planned.items():
        if given:
            warn_once(field, f"{field} is accepted but not honoured yet: it arrives with {feature}")


def _ensure_log_output(level: int) -> None:
    """enable_monitoring asks to see progress: give the package logger a handler if none is set."""
    pkg = logging.getLogger("adaptive_hyperopt")
    if pkg.level == logging.NOTSET or pkg.level > level:
        pkg.setLevel(level)
    real = [h for h in pkg.handlers if not isinstance(h, logging.NullHandler)]
    if not real and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[adaptive_hyperopt %(levelname)s] %(message)s"))
        pkg.addHandler(handler)
