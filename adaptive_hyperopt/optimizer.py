"""AdaptiveHyperparameterOptimizer: the facade of the specification.

It validates everything before the first trial, opens the study (every study is an Optuna
study), builds the backend and hands the rest to the driver: `optimize()` runs it in the calling
thread, `start()` in a background thread with a `StudyHandle` for live control.
"""

from __future__ import annotations

import functools
import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState

from ._validation import unknown_keyword, warn_once
from .backends import Backend, create_backend
from .backends._ensemble import ATTR_CREDIT, EnsembleBackend, Member, parse_ensemble
from .config import DASK_SCHEMES, DIRECTIONS, FIELD_NAMES, OptimizationConfig
from .events import Event, EventBus, InlineListener
from .events._bus import LISTENER_INTERVAL
from .exceptions import NoCompletedTrialsError
from .pareto import ParetoFront, pareto_front
from .runner import Callbacks, Driver, History, StudyControl, StudyHandle, TrialRecord
from .runner._callbacks import positional_arity
from .runner._driver import ATTR_BACKEND, STUDY_ATTR_SPACE, decode_params
from .space import SearchSpace
from .space._dimensions import Categorical
from .storage import journal_path, open_storage
from .storage._cache import check_cache_arguments, open_result_cache, warm_start_study
from .storage._file import dump_study, load_study_file

if TYPE_CHECKING:  # the plots import matplotlib only when they draw
    from matplotlib.figure import Figure

logger = logging.getLogger("adaptive_hyperopt")

STUDY_ATTR_OBJECTIVE = "ah.objective"
STUDY_ATTR_CONFIG = "ah.config"
# Settings a study records for load_study(); where it lives and its budget are the caller's.
_RECORDED = (
    "backend",
    "sampler_config",
    "pruner_config",
    "enable_pruning",
    "pruning_patience",
    "adaptation_interval",
    "min_improvement_threshold",
    "random_state",
    "early_stopping_rounds",
    "max_failures",
    "catch_exceptions",
    "trial_timeout",
    "memory_limit",
)
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
        heartbeat_interval: float = 10.0,
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
        self._objective: Callable[..., Any] | None = None  # what ran self.study last
        self._control: StudyControl | None = None  # the latest study's control, for dashboard()
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
        cache_key: str | bool = False,
        warm_start: Any = None,
    ) -> Result:
        """Run a study in this thread and return `(best_params, best_score, history)`.

        `history` lists the trials of this run (TrialRecord: number, params, value, state,
        reason, times, backend, space version); it has `to_dataframe()`.

        With a `cache_dir`, `cache_key=True` memoizes finished trials by a fingerprint of the
        objective and the parameters (a hit is a COMPLETE trial marked `ah.cached`, the objective
        not called); a string also vouches for what cannot be fingerprinted, such as the data
        (docs/storage.md). `warm_start` seeds a new study with earlier results: `True` (the
        result cache's), an Optuna study, or a `save_study` file or storage holding one study.
        """
        driver = self._prepare(
            objective, search_space, direction, callbacks, n_trials, timeout, study_name,
            cache_key=cache_key, warm_start=warm_start,
        )  # fmt: skip
        history = self._run_with_dashboard(driver) if dashboard else _run(driver)
        return self._finalize(driver, history)

    def _run_with_dashboard(self, driver: Driver) -> History:
        """Run in this thread with the live dashboard shown: it streams from its pump thread,
        and its controls are answered on the comm subshell while the cell runs."""
        from .jupyter import Dashboard, display_dashboard

        view = Dashboard(self._control)
        display_dashboard(view)
        try:
            return _run(driver)
        finally:
            view.wait(timeout=10.0)

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
        cache_key: str | bool = False,
        warm_start: Any = None,
    ) -> StudyHandle:
        """Run a study in a background thread; control it through the returned StudyHandle.

        `cache_key` and `warm_start`: as for `optimize()`."""
        driver = self._prepare(
            objective, search_space, direction, callbacks, n_trials, timeout, study_name,
            cache_key=cache_key, warm_start=warm_start,
        )  # fmt: skip
        handle = StudyHandle(driver, self._finalize)
        self._control = handle
        return handle

    def _prepare(
        self,
        objective: Callable[[dict[str, Any]], Any],
        search_space: Mapping[str, Any] | SearchSpace,
        direction: str | list[str] | None,
        callbacks: Sequence[Callable[..., Any]] | None,
        n_trials: int | None,
        timeout: float | None,
        study_name: str | None,
        *,
        cache_key: str | bool = False,
        warm_start: Any = None,
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
        check_cache_arguments(config.cache_dir, cache_key, warm_start)
        if callbacks is not None and (
            isinstance(callbacks, str | bytes) or not isinstance(callbacks, Sequence)
        ):
            raise ValueError(f"callbacks must be a list of callables, got {callbacks!r}")
        name = config.study_name or _default_study_name(objective)
        # memory_efficient: the bus keeps the last 1,000 events (a late reader is told what it
        # missed), and the history reads the trials back from the storage.
        bus = EventBus(name, capacity=1_000) if config.memory_efficient else EventBus(name)
        cbs = Callbacks(bus)
        cbs.extend(list(callbacks or ()), "callbacks")
        for cb in self._study_callbacks:
            cbs.add(cb, "add_callback(callback)", default="study")
        backend = create_backend(config.backend, config.sampler_config, config.random_state, space)
        executor = _resolve_executor(config)
        study = self._open_study(config, name, resolved, backend, objective, space)
        follower = bool(self.__dict__.get("_follower"))
        seed = _run_seed(config.random_state, len(study.get_trials(deepcopy=False)), follower)
        if seed != config.random_state:
            backend = create_backend(config.backend, config.sampler_config, seed, space)
            study.sampler = backend.sampler
        cache = None
        if (cache_key is not False or warm_start is True) and config.cache_dir is not None:
            cache = open_result_cache(
                config.cache_dir, objective, cache_key, objective_path(objective), name
            )
        if warm_start is not None and warm_start is not False:
            warm_start_study(study, space, warm_start, cache, lambda where: _load(where, None)[0])
        self.search_space = space
        self._objective = objective
        driver = Driver(study, space, backend, objective, config, bus, cbs, executor, cache)
        # `adaptive-hyperopt worker`: follow the study's space and control (runner/_driver.py)
        driver.follower = follower
        self._control = StudyControl(driver)
        self._attach_adaptation(driver)
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
        study.set_user_attr(STUDY_ATTR_CONFIG, _recordable(config))
        self.study = study
        self.storage_location = where
        logger.info("study %r in %s (%s)", name, where, backend.describe())
        return study

    def _finalize(self, driver: Driver, history: History) -> Result:
        self.history = history
        if driver.best_value is None or driver.best_params is None:
            raise _no_completed_trial(driver)
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
        dashboard: bool = False,
        cache_key: str | bool = False,
    ) -> ParetoFront:
        """Optimize several objectives at once; return the Pareto front.

        The objective returns one number per entry of `directions`. The result is a list of
        ParetoPoint (number, params, values) with `.hypervolume` against `reference_point`
        (default: see ParetoFront). Optuna's samplers handle several objectives natively (TPE
        by default; `sampler_config={'sampler_type': 'nsga2'}` for NSGA-II). Hyperopt and
        scikit-optimize (and ensemble members of theirs) learn from a ParEGO scalarization:
        fresh random weights on the simplex per proposal, augmented Chebyshev over the
        objectives normalized by their observed ranges (backends/_parego.py). The adaptive
        space works on the front (docs/adaptive.md). Pruning does not apply (Optuna's pruners
        are single-objective); a two-argument objective's reports are published as events
        only. `dashboard=True` shows the live dashboard, with the front drawn as it grows.
        `cache_key`: the result cache, as for `optimize()`.
        """
        wanted = _check_directions(directions)
        if reference_point is not None:
            _check_reference_point(reference_point, len(wanted))
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
            objective, search_space, wanted, callbacks, n_trials, timeout, study_name,
            cache_key=cache_key,
        )  # fmt: skip
        if dashboard:
            self._run_with_dashboard(driver)
        else:
            _run(driver)
        self.history = driver.history
        if driver.n_complete == 0 and not driver.study.best_trials:
            raise _no_completed_trial(driver)
        self.pareto_front = pareto_front(driver.study, driver.space, reference_point)
        return self.pareto_front

    @classmethod
    def create_ensemble(cls, ensemble_config: Mapping[str, Any]) -> EnsembleOptimizer:
        """An optimizer whose trials are proposed by a portfolio of backends on one study.

        `ensemble_config`: `optimizers` (a list of `{'backend', 'weight', 'sampler_config'}`),
        `combination_strategy` (`weighted_average`, `round_robin` or `adaptive`),
        `n_trials_per_optimizer` (the budget is that times the number of members), and any
        setting of the optimizer but `backend`, `sampler_config` and `n_trials`.
        """
        return _create_ensemble(ensemble_config)

    def save_study(self, path: str | os.PathLike[str]) -> Path:
        """Write the last study (every trial, its space log and settings) to `path` as JSON.

        The file is plain data whatever its name; `load_study(path)` reads it back.
        """
        if self.study is None:
            raise ValueError("save_study() has no study to save: run optimize() first")
        return dump_study(self.study, path)

    @classmethod
    def load_study(
        cls,
        path_or_storage: str | os.PathLike[str] | optuna.storages.BaseStorage,
        study_name: str | None = None,
        **settings: Any,
    ) -> AdaptiveHyperparameterOptimizer:
        """An optimizer holding a saved or stored study, ready for `continue_optimization()`.

        `path_or_storage` is a file written by `save_study()`, a storage (a URL such as
        `sqlite:///study.db`, `postgresql://...`, `redis://...`, a `.journal` file, or an Optuna
        storage object), or a `cache_dir` (so a study interrupted before any save resumes from
        its journal). `study_name` picks the study when there are several. `settings` are the
        optimizer's; by default those the study recorded (backend, sampler and pruner settings
        that can be written as JSON, ...). Nothing from the file is ever executed.
        """
        study, where = _load(path_or_storage, study_name)
        recorded = study.user_attrs.get(STUDY_ATTR_CONFIG)
        merged = {**(recorded if isinstance(recorded, dict) else {}), **settings}
        opt = cls(**{k: v for k, v in merged.items() if k in FIELD_NAMES})
        opt.study = study
        opt.storage_location = where
        opt.search_space = _recorded_space(study)
        if len(study.directions) == 1:
            try:
                best = study.best_trial
            except ValueError:
                best = None
            if best is not None and opt.search_space is not None:
                opt.best_params = decode_params(opt.search_space, best.params)
                opt.best_score = best.value
        return opt

    def continue_optimization(
        self,
        additional_trials: int,
        backend: str | None = None,
        *,
        sampler_config: dict[str, Any] | None = None,
        objective: Callable[[dict[str, Any]], Any] | None = None,
        search_space: Mapping[str, Any] | SearchSpace | None = None,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        timeout: float | None = None,
        cache_key: str | bool = False,
        reference_point: Sequence[float] | None = None,
    ) -> Result | ParetoFront:
        """Run `additional_trials` more trials of the study, proposed by `backend` if given.

        The study is the one `optimize()` last ran, else the one named by `storage` (or
        `cache_dir`) and `study_name`. The backend, the same or another one, learns from every
        finished trial of the study. `sampler_config` defaults to the optimizer's when the
        backend is its own, else to that backend's defaults. The objective and the space
        default to what the study recorded: `ah.objective` (a `module:qualname` imported
        here, so a lambda or a closure must be passed again) and `ah.space` (the current space,
        with its edits). Returns `(best_params, best_score, history)` like `optimize()`; for a
        multi-objective study, the updated ParetoFront of all its trials like
        `multi_objective_optimize()` (`reference_point` as there; ignored otherwise).
        `cache_key`: the result cache, as for `optimize()`.
        """
        return _continue(
            self,
            additional_trials,
            backend,
            sampler_config,
            objective,
            search_space,
            callbacks,
            timeout,
            cache_key,
            reference_point,
        )

    # Adaptation (docs/adaptive.md) ----------------------------------------------------------
    @property
    def search_space(self) -> SearchSpace | None:
        """The current search space: the running study's as adaptation and edits leave it,
        else the last study's final one (None before any study)."""
        adapting = self.__dict__.get("_adapting")
        if adapting is not None:  # inside a custom strategy: the space being adapted
            return adapting
        driver = self.__dict__.get("_adaptation_driver")
        if driver is not None:
            return driver.space
        return self.__dict__.get("_search_space")

    @search_space.setter
    def search_space(self, space: SearchSpace | None) -> None:
        self.__dict__["_search_space"] = space
        self.__dict__["_adaptation_driver"] = None

    def set_adaptation_strategy(self, strategy: Callable[..., Any] | None) -> None:
        """Adapt with `strategy(optimizer, trial_history)` instead of the built-in strategies.

        At every checkpoint (every `adaptation_interval` finished trials, and on demand) it gets
        this optimizer, whose `search_space` is the current space, and the study's completed
        trials as TrialRecords, oldest first. It returns the next space: `optimizer.search_space`
        for no change, or a space derived from it (`narrow_search_space()`,
        `expand_search_space()`, `search_space.with_range(...)`, ...). A strategy that raises or
        returns anything else is logged, its error becomes the `adaptation` event's reason, and
        the study keeps its last valid space. `None` restores the built-in strategies.
        Applies to studies started after the call.
        """
        if strategy is not None:
            if not callable(strategy):
                raise ValueError(f"strategy must be callable, got {strategy!r}")
            arity = positional_arity(strategy)
            if arity is not None and arity != 2:
                raise ValueError(
                    "strategy must take (optimizer, trial_history), "
                    f"got a callable taking {arity} positional arguments"
                )
        self.__dict__["_custom_strategy"] = strategy

    def configure_adaptation(
        self,
        *,
        strategies: Sequence[str | Any] | None = None,
        expand_beyond_bounds: bool | None = None,
        full_space_share: float | None = None,
    ) -> None:
        """Choose how later studies adapt (defaults in docs/adaptive.md).

        `strategies`: built-in names ("freeze", "narrow", "expand", "switch") or
        `adaptive_hyperopt.adapt.Strategy` instances; `()` installs none.
        `expand_beyond_bounds`: let `expand` move a bound the user never edited past its declared
        value. `full_space_share`: the fraction of trials sampled from the whole (user-limited)
        space while adaptation has narrowed it (Optuna backend; under the `switch` strategy's
        Gaussian process, once the region is small, every other one is an escape: the
        region's best with one parameter moved out).
        """
        from .adapt import AdaptationSettings

        current = self._adaptation_settings()
        changes: dict[str, Any] = {}
        if strategies is not None:
            if isinstance(strategies, str):
                raise ValueError(f"strategies must be a list of names, got {strategies!r}")
            changes["strategies"] = tuple(strategies)
        if expand_beyond_bounds is not None:
            changes["expand_beyond_bounds"] = expand_beyond_bounds
        if full_space_share is not None:
            changes["full_space_share"] = full_space_share
        self.__dict__["_adaptation"] = AdaptationSettings(
            **{
                "strategies": current.strategies,
                "expand_beyond_bounds": current.expand_beyond_bounds,
                "full_space_share": current.full_space_share,
                **changes,
            }
        )

    def narrow_search_space(self) -> SearchSpace:
        """The current space narrowed to a box around the best trial (the `narrow` strategy's
        first box: centred on the best, sized by how consistent the top trials are), inside the
        user's limits. Returns a new space and changes nothing; unchanged with too few trials."""
        from .adapt import TrustRegion

        space, ctx = self._adaptation_context()
        if ctx is None:
            return space
        step = TrustRegion(min_trials=3).propose(ctx, dict(space))
        if step is None or not step.dims:
            return space
        return space.adapted(step.dims, beyond=ctx.beyond)

    def expand_search_space(self, factor: float = 2.0) -> SearchSpace:
        """The current space with every narrowed numeric range widened `factor` times around
        its centre (inside the user's limits) and what adaptation froze unfrozen. Returns a new
        space and changes nothing."""
        from .adapt._expand import widened

        if isinstance(factor, bool) or not isinstance(factor, int | float) or factor < 1:
            raise ValueError(f"factor must be a number >= 1, got {factor!r}")
        space, ctx = self._adaptation_context(need_trials=False)
        if ctx is None:
            return space
        dims = dict(widened(ctx, dict(space), float(factor)))
        for name in space:
            if space[name].frozen and not space.limit(name).frozen:
                dims[name] = space[name].unfreeze()
        return space.adapted(dims, beyond=ctx.beyond)

    def _narrow_search_space(self) -> SearchSpace:
        """The spec's name for `narrow_search_space()`."""
        return self.narrow_search_space()

    def _expand_search_space(self) -> SearchSpace:
        """The spec's name for `expand_search_space()`."""
        return self.expand_search_space()

    def force_adaptation(self) -> Any:
        """Run an adaptation checkpoint now and return the Reply (accepted, reason, version).

        On a study running in another thread (`start()`), this is `handle.adapt_now()` and waits
        for the answer; called from the study's own thread (a callback), it is queued for the
        next trial boundary and the CommandFuture is returned. After a study ended, the
        checkpoint runs on it here: `search_space` and the study's recorded space
        (`ah.space`, `ah.space_log`) take the result, which `continue_optimization` resumes with.
        """
        from .runner._commands import Command, Reply

        driver = self.__dict__.get("_adaptation_driver")
        study = self.study
        space = self.search_space
        if study is None or space is None:
            raise RuntimeError("force_adaptation() needs a study: run optimize() or start() first")
        if driver is not None and driver.state in ("running", "paused"):
            command = Command("adapt_now")
            driver.send(command)
            if self._on_driver_thread(driver):  # waiting here would block the study itself
                return command.future
            return command.future.wait()
        scheduler = self.__dict__.get("_adaptation_scheduler") or self._scheduler(study)
        outcome = scheduler.checkpoint(space, study, "user")
        if outcome.changed and outcome.space is not None:
            space = self.search_space = outcome.space
            _record_forced(study, space, outcome.reason)
        return Reply(True, outcome.reason, space.version)

    def _adaptation_settings(self) -> Any:
        from .adapt import AdaptationSettings

        return self.__dict__.get("_adaptation") or AdaptationSettings()

    def _scheduler(self, study: optuna.Study) -> Any:
        """A scheduler for `study` outside a run (force_adaptation after the study ended)."""
        from .adapt import Scheduler

        backend = create_backend("optuna", None, self.config.random_state)
        scheduler = Scheduler(self.config, backend, self._adaptation_settings())
        self._install_custom(scheduler)
        return scheduler

    def _attach_adaptation(self, driver: Driver) -> None:
        """Give the driver's scheduler this optimizer's adaptation settings and strategy."""
        self.__dict__["_adaptation_driver"] = driver
        self.__dict__["_adaptation_scheduler"] = driver.scheduler
        self.__dict__["_adaptation_caller"] = threading.get_ident()  # optimize() runs it here
        settings = self.__dict__.get("_adaptation")
        if settings is not None:
            driver.scheduler.configure(settings)
        self._install_custom(driver.scheduler)

    def _on_driver_thread(self, driver: Driver) -> bool:
        """Whether this thread runs `driver`: start()'s thread, or optimize()'s caller."""
        handle_thread = f"adaptive-hyperopt-driver-{driver.bus.study}"
        if threading.current_thread().name == handle_thread:
            return True
        started = any(t.name == handle_thread and t.is_alive() for t in threading.enumerate())
        return not started and self.__dict__.get("_adaptation_caller") == threading.get_ident()

    def _install_custom(self, scheduler: Any) -> None:
        strategy = self.__dict__.get("_custom_strategy")
        if strategy is None:
            return

        def call(space: SearchSpace, study: optuna.Study, trigger: str) -> Any:
            self.__dict__["_adapting"] = space
            try:
                return strategy(self, _completed_history(study, space))
            finally:
                self.__dict__["_adapting"] = None

        scheduler.custom = call

    def _adaptation_context(self, need_trials: bool = True) -> tuple[SearchSpace, Any]:
        """The current space, and what a strategy would see now (None: too few trials)."""
        from .adapt._scheduler import make_context

        space = self.search_space
        if space is None:
            raise ValueError("no search space yet: run optimize() or start() first")
        study = self.study
        if study is None:
            return space, None
        settings = self._adaptation_settings()
        ctx = make_context(
            space,
            study,
            trigger="user",
            threshold=float(self.config.min_improvement_threshold),
            beyond=settings.expand_beyond_bounds,
        )
        if need_trials and len(ctx.trials) < 3:
            return space, None
        return space, ctx

    def plot_optimization_history(self, objective: int | None = None) -> Figure:
        """The last study's values and best-so-far per trial, space changes marked.

        Returns a matplotlib Figure (shown when it ends a notebook cell; `fig.savefig(...)`).
        `objective` picks one objective of a multi-objective study. See adaptive_hyperopt.plots.
        """
        from .plots import _require_study, plot_optimization_history

        return plot_optimization_history(_require_study(self.study), objective)

    def plot_param_importance(
        self, evaluator: str = "ped_anova", objective: int | None = None
    ) -> Figure:
        """The last study's parameter importances (PED-ANOVA, or `evaluator="fanova"`): a Figure."""
        from .plots import _require_study, plot_param_importance

        return plot_param_importance(_require_study(self.study), evaluator, objective)

    def plot_parallel_coordinate(
        self, params: Sequence[str] | None = None, objective: int | None = None
    ) -> Figure:
        """The last study's completed trials as lines through value and parameters: a Figure."""
        from .plots import _require_study, plot_parallel_coordinate

        return plot_parallel_coordinate(_require_study(self.study), params, objective)

    def plot_param_relationships(
        self,
        params: Sequence[str] | None = None,
        n_params: int = 3,
        objective: int | None = None,
    ) -> Figure:
        """Pairwise objective surfaces of the last study's most important parameters: a Figure."""
        from .plots import _require_study, plot_param_relationships

        return plot_param_relationships(_require_study(self.study), params, n_params, objective)

    def save_plots(self, directory: str | os.PathLike[str]) -> Path:
        """Write every plot of the last study (PNG and SVG) and `report.html` to `directory`.

        Returns the report's path: one self-contained HTML file (summary, best trial, plots,
        adaptation log) that opens in a browser with no server.
        """
        from .plots import _require_study, save_plots

        return save_plots(_require_study(self.study), directory)

    def dashboard(self) -> Any:
        """The live Jupyter dashboard of the latest study started by this optimizer.

        Shown live while it runs (after `start()`), or the finished study's picture. Outside a
        Jupyter kernel it is a text status.
        """
        if self._control is None:
            raise RuntimeError(
                "dashboard(): no study yet; call start() or optimize(..., dashboard=True) first"
            )
        return self._control.dashboard()


def _completed_history(study: optuna.Study, space: SearchSpace) -> History:
    """The study's completed trials as TrialRecords (what a custom strategy receives; with
    several objectives `value` is None and `values` holds them)."""
    from .adapt._base import completed
    from .runner._driver import ATTR_SPACE_VERSION, decode_params

    records = []
    for t in completed(study):
        start, end = t.datetime_start, t.datetime_complete
        several = len(t.values) > 1
        records.append(
            TrialRecord(
                number=t.number,
                params=decode_params(space, t.params),
                value=None if several else t.value,
                state="COMPLETE",
                reason=None,
                datetime_start=start,
                datetime_complete=end,
                duration=(end - start).total_seconds() if start and end else 0.0,
                backend=str(t.user_attrs.get(ATTR_BACKEND, "")),
                space_version=int(t.user_attrs.get(ATTR_SPACE_VERSION, 0)),
                values=tuple(t.values) if several else None,
            )
        )
    return History(records)


def _record_forced(study: optuna.Study, space: SearchSpace, reason: str) -> None:
    """Record a space adapted after its study ended, as the driver records a change."""
    from .runner._driver import STUDY_ATTR_SPACE_LOG

    try:
        doc = json.loads(space.to_json())
    except ValueError:
        return  # choices JSON cannot hold: the space lives only in memory
    study.set_user_attr(STUDY_ATTR_SPACE, doc)
    log = list(study.user_attrs.get(STUDY_ATTR_SPACE_LOG, []))
    log.append(
        {
            "version": space.version,
            "source": "adaptation",
            "reason": reason,
            "time": time.time(),
            "trial": len(study.get_trials(deepcopy=False)),
        }
    )
    study.set_user_attr(STUDY_ATTR_SPACE_LOG, log)


def _run(driver: Driver) -> History:
    """Run the study in this thread; every event is delivered before it returns."""
    try:
        return driver.run()
    finally:
        for listener in driver.listeners:
            listener.join(timeout=10.0)


def _no_completed_trial(driver: Driver) -> NoCompletedTrialsError:
    """The error for a study that ended without a COMPLETE trial, with the last reasons."""
    reasons = [r.reason or "" for r in driver.history if r.state == "FAIL"][-5:]
    return NoCompletedTrialsError(
        f"study {driver.bus.study!r} ended with no completed trial"
        + (": " + "; ".join(reasons) if reasons else ""),
        reasons,
    )


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


def _recordable(config: OptimizationConfig) -> dict[str, Any]:
    """The settings of `config` that JSON can hold (a callable in sampler_config cannot)."""
    out = {}
    for name in _RECORDED:
        value = getattr(config, name)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError):
            continue
        out[name] = value
    return out


def _load(where: Any, study_name: str | None, cache_dir: bool = False) -> tuple[optuna.Study, str]:
    """The study in a save_study() file, a storage, or a cache_dir (`cache_dir=True`: `where`
    is one even if it does not exist yet); and where it is."""
    if isinstance(where, optuna.storages.BaseStorage):
        label = type(where).__name__
        return _load_from(where, label, study_name), label
    if not isinstance(where, str | os.PathLike):
        raise ValueError(f"load_study() takes a path or a storage, got {where!r}")
    path = Path(where)
    if cache_dir or path.is_dir():  # one journal per study
        names = sorted(p.stem for p in path.glob("*.journal"))
        if study_name is None and len(names) == 1:
            study_name = names[0]
        if study_name is None:
            raise ValueError(f"cache_dir {str(path)!r} holds studies {names}: pass study_name=")
        journal = journal_path(path, study_name)
        if not journal.exists():  # opening a journal that is not there would create it
            raise ValueError(f"no study named {study_name!r} in cache_dir {str(path)!r}")
        storage, _ = open_storage(None, path, study_name)
        assert storage is not None
        return _load_from(storage, str(journal), study_name), str(journal)
    if path.is_file() and path.suffix not in (".journal", ".log", ".db", ".sqlite"):
        return load_study_file(path), str(path)
    storage, label = open_storage(os.fspath(where), None, study_name or "")
    assert storage is not None
    return _load_from(storage, label, study_name), label


def _load_from(storage: Any, label: str, study_name: str | None) -> optuna.Study:
    names = optuna.get_all_study_names(storage)
    if study_name is None:
        if len(names) != 1:
            raise ValueError(f"{label} holds studies {names}: pass study_name=")
        study_name = names[0]
    if study_name not in names:
        raise ValueError(f"no study named {study_name!r} in {label} (it holds {names})")
    return optuna.load_study(study_name=study_name, storage=storage)


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
    limits = [
        f"{name}={value!r}"
        for name, value in (
            ("trial_timeout", config.trial_timeout),
            ("memory_limit", config.memory_limit or config.max_memory_usage),
        )
        if value is not None
    ]
    need = f"{' and '.join(limits)} need{'s' if len(limits) == 1 else ''}"
    dask = not isinstance(kind, str) or kind.startswith(DASK_SCHEMES)
    if dask:
        try:
            import distributed  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                "executor=<a Dask client or address> needs dask.distributed: "
                "pip install 'adaptive-hyperopt[distributed]'"
            ) from exc
        kind = "dask"
    if kind == "auto":
        if limits:
            chosen, why = "processes", f"{need} killable trial processes"
        elif workers > 1:
            chosen, why = "threads", f"n_jobs={config.n_jobs}"
        else:
            chosen, why = "serial", "one trial at a time"
        # Processes change how the objective runs (pickled, in a child): say so where it shows.
        level = logging.INFO if chosen == "processes" else logging.DEBUG
        logger.log(level, "executor='auto' chose %r: %s", chosen, why)
        return chosen
    if limits and kind != "processes":
        raise ValueError(
            f"{need} executor='processes' (or 'auto'): a trial running in executor={kind!r} "
            "cannot be stopped"
        )
    if kind == "serial" and workers > 1:
        raise ValueError(f"executor='serial' runs one trial at a time; n_jobs={config.n_jobs}")
    return kind


def _run_seed(random_state: int | None, n_existing: int, follower: bool) -> int | None:
    """The sampler's seed for one run: `random_state` itself for a new study. A study that
    continues gets a seed derived from it and the number of trials already there, so it does
    not replay its opening trials (still reproducible); a worker joining a shared study also
    mixes in its process id, so two workers never propose the same sequence."""
    if random_state is None or (n_existing == 0 and not follower):
        return random_state
    parts = [random_state, n_existing, *([os.getpid()] if follower else [])]
    return int(np.random.SeedSequence(parts).generate_state(1)[0])


def _ensure_log_output(level: int) -> None:
    """enable_monitoring asks to see progress: give the package logger a handler if none is set."""
    pkg = logging.getLogger("adaptive_hyperopt")
    if pkg.level == logging.NOTSET or pkg.level > level:
        pkg.setLevel(level)
    real = [h for h in pkg.handlers if not isinstance(h, logging.NullHandler)]
    if not real and not logging.getLogger().handlers:
        handler = _UntilRootHandler()
        handler.setFormatter(logging.Formatter("[adaptive_hyperopt %(levelname)s] %(message)s"))
        pkg.addHandler(handler)


class _UntilRootHandler(logging.StreamHandler):
    """Prints the package's records only while the root logger has no handler of its own:
    once the user sets up logging (even later, even by a bare `logging.info`), theirs prints
    each record and this one steps aside, so no line appears twice."""

    def emit(self, record: logging.LogRecord) -> None:
        if not logging.getLogger().handlers:
            super().emit(record)


# Continuing a study ---------------------------------------------------------------------------
def _continue(
    opt: AdaptiveHyperparameterOptimizer,
    additional_trials: int,
    backend: str | None,
    sampler_config: dict[str, Any] | None,
    objective: Callable[[dict[str, Any]], Any] | None,
    search_space: Mapping[str, Any] | SearchSpace | None,
    callbacks: Sequence[Callable[..., Any]] | None,
    timeout: float | None,
    cache_key: str | bool = False,
    reference_point: Sequence[float] | None = None,
) -> Result | ParetoFront:
    if (
        isinstance(additional_trials, bool)
        or not isinstance(additional_trials, int)
        or additional_trials < 1
    ):
        raise ValueError(f"additional_trials must be a positive integer, got {additional_trials!r}")
    if opt.study is not None:
        study = opt.study
    else:
        study, opt.storage_location = _reopen(opt.config)
    directions = [d.name.lower() for d in study.directions]
    if reference_point is not None and len(directions) > 1:
        _check_reference_point(reference_point, len(directions))
    name = opt.config.backend if backend is None else backend
    if sampler_config is None and name == opt.config.backend:
        sampler_config = opt.config.sampler_config
    space = (
        SearchSpace.from_dict(search_space)
        if search_space is not None
        else _recorded_space(study) or opt.search_space
    )
    if space is None:
        raise ValueError(
            f"study {study.study_name!r} records no search space that can be restored: "
            "pass continue_optimization(search_space=...)"
        )
    if objective is not None:
        fn = objective
    elif opt.study is study and opt._objective is not None:  # this optimizer ran it: a lambda too
        fn = opt._objective
    else:
        fn = _recorded_objective(study)
    settings = opt.config.to_dict()
    settings.update(
        backend=name,
        sampler_config=sampler_config,
        n_trials=additional_trials,
        study_name=study.study_name,
        # The study's own storage object: an in-memory study exists nowhere else, and a
        # database or journal is not opened twice. Optuna has no public accessor for it.
        storage=study._storage,
    )
    runner = AdaptiveHyperparameterOptimizer(**settings)
    runner._study_callbacks = list(opt._study_callbacks)
    runner._listeners = list(opt._listeners)
    # set_adaptation_strategy, configure_adaptation, and a worker's following of the study
    for adaptation in ("_custom_strategy", "_adaptation", "_follower"):
        if adaptation in opt.__dict__:
            runner.__dict__[adaptation] = opt.__dict__[adaptation]
    result: Result | ParetoFront
    try:
        if len(directions) > 1:
            result = runner.multi_objective_optimize(
                fn, space, directions, callbacks=callbacks, timeout=timeout,
                reference_point=reference_point, cache_key=cache_key,
            )  # fmt: skip
            opt.pareto_front = result
        else:
            result = runner.optimize(
                fn, space, directions[0], callbacks, timeout=timeout, cache_key=cache_key
            )
    finally:  # what ran is the optimizer's latest study, also after an interruption
        opt.study = runner.study or study
        opt.search_space = runner.search_space or space
        opt.history = runner.history
    opt.best_params, opt.best_score = runner.best_params, runner.best_score
    opt._objective = fn
    return result


def _reopen(config: OptimizationConfig) -> tuple[optuna.Study, str]:
    """The study named by the config's storage (or cache_dir) and study_name."""
    name = config.study_name
    if name is None or (config.storage is None and config.cache_dir is None):
        raise ValueError(
            "continue_optimization() has no study to continue: run optimize() first, or create "
            "the optimizer with the storage= (or cache_dir=) and study_name= of an existing study"
        )
    if config.storage is not None:
        return _load(config.storage, name)
    return _load(config.cache_dir, name, cache_dir=True)


def _recorded_space(study: optuna.Study) -> SearchSpace | None:
    """The current space the driver recorded in the study (None if it holds no JSON space)."""
    doc = study.user_attrs.get(STUDY_ATTR_SPACE)
    return None if doc is None else SearchSpace.from_json(json.dumps(doc))


def _recorded_objective(study: optuna.Study) -> Callable[[dict[str, Any]], Any]:
    """The objective named by the study's `ah.objective`, imported."""
    path = study.user_attrs.get(STUDY_ATTR_OBJECTIVE)
    hint = "pass continue_optimization(objective=...)"
    if not isinstance(path, str) or ":" not in path:
        raise ValueError(f"study {study.study_name!r} records no objective: {hint}")
    module_name, qualname = path.split(":", 1)
    try:
        if "<" in qualname:  # "<lambda>", "f.<locals>.g"
            raise LookupError("a lambda or a nested function cannot be imported")
        fn = functools.reduce(getattr, qualname.split("."), importlib.import_module(module_name))
    except (ImportError, AttributeError, LookupError) as exc:
        raise ValueError(
            f"study {study.study_name!r} records its objective as {path!r}, which cannot be "
            f"found here ({exc}): {hint}"
        ) from exc
    if not callable(fn):
        raise ValueError(
            f"{path!r}, the objective study {study.study_name!r} records, is not callable"
        )
    return fn


# Ensembles ------------------------------------------------------------------------------------
#: What an ensemble configuration may hold besides the members: its budget per member and the
#: optimizer's settings (its backend, sampler_config and n_trials are the ensemble's own).
_ENSEMBLE_SETTINGS = tuple(
    f for f in FIELD_NAMES if f not in ("backend", "sampler_config", "n_trials")
)
_NOT_IN_ENSEMBLES = {
    "backend": "the members' backends are given in 'optimizers'",
    "sampler_config": "each member takes its own, in 'optimizers'",
    "n_trials": "the budget is n_trials_per_optimizer times the number of members",
}


class MemberSummary(NamedTuple):
    """One member's share of an ensemble run.

    `improvements` counts its trials that improved the study's best value; `credit` is the
    adaptive bandit's estimate of its chance to improve (None for the other strategies), as it
    stood at the run's last allocation.
    """

    label: str
    backend: str
    weight: float
    n_trials: int
    n_complete: int
    n_failed: int
    best_value: float | None
    best_number: int | None
    improvements: int
    credit: float | None


class EnsembleHistory(History):
    """The trials of an ensemble run, each record's `backend` naming its proposer.

    `members` maps each member's label to its MemberSummary; `credit` lists, for the adaptive
    strategy, `(trial number, {label: credit})` as the bandit stood when it chose that trial's
    proposer.
    """

    def __init__(
        self,
        records: Sequence[TrialRecord],
        members: dict[str, MemberSummary],
        credit: list[tuple[int, dict[str, float]]],
    ) -> None:
        super().__init__(records)
        self.members = members
        self.credit = credit


EnsembleResult = tuple[dict[str, Any], float, EnsembleHistory]


class EnsembleOptimizer:
    """What `create_ensemble()` returns: `optimize()` as the optimizer's, over one study.

    `optimizer` is the underlying AdaptiveHyperparameterOptimizer (backend "ensemble"): its
    `add_callback`, `add_listener`, `start()` and settings apply.
    """

    def __init__(self, optimizer: AdaptiveHyperparameterOptimizer, members: Sequence[Member]):
        self.optimizer = optimizer
        self.members = tuple(members)
        self.history: EnsembleHistory | None = None

    @property
    def study(self) -> optuna.Study | None:
        """The study of the latest run."""
        return self.optimizer.study

    @property
    def best_params(self) -> dict[str, Any] | None:
        """The best parameters of the latest run's study."""
        return self.optimizer.best_params

    @property
    def best_score(self) -> float | None:
        """The best value of the latest run's study."""
        return self.optimizer.best_score

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
    ) -> EnsembleResult:
        """Run a study whose trials the members propose; `(best_params, best_score, history)`.

        `n_trials` overrides the budget (n_trials_per_optimizer times the members).
        """
        params, score, history = self.optimizer.optimize(
            objective,
            search_space,
            direction,
            callbacks,
            n_trials=n_trials,
            timeout=timeout,
            study_name=study_name,
        )
        return params, score, self._summarize(history)

    def continue_optimization(
        self,
        additional_trials: int,
        *,
        objective: Callable[[dict[str, Any]], Any] | None = None,
        search_space: Mapping[str, Any] | SearchSpace | None = None,
        callbacks: Sequence[Callable[..., Any]] | None = None,
        timeout: float | None = None,
    ) -> EnsembleResult | ParetoFront:
        """Run more trials of the latest study with the same ensemble.

        For a multi-objective study, returns its updated ParetoFront (see
        `multi_objective_optimize()`)."""
        result = self.optimizer.continue_optimization(
            additional_trials,
            objective=objective,
            search_space=search_space,
            callbacks=callbacks,
            timeout=timeout,
        )
        if isinstance(result, ParetoFront):
            return result
        params, score, history = result
        return params, score, self._summarize(history)

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
        """Optimize several objectives with the members proposing (each Optuna member natively,
        Hyperopt and skopt members through ParEGO); the Pareto front, as the optimizer's.

        `n_trials` overrides the budget (n_trials_per_optimizer times the members).
        """
        return self.optimizer.multi_objective_optimize(
            objective,
            search_space,
            directions,
            n_trials,
            callbacks=callbacks,
            timeout=timeout,
            study_name=study_name,
            reference_point=reference_point,
        )

    def _summarize(self, history: History) -> EnsembleHistory:
        study = self.optimizer.study
        assert study is not None
        self.history = ensemble_history(study, history, self.members)
        return self.history


def ensemble_history(
    study: optuna.Study, history: Sequence[TrialRecord], members: Sequence[Member]
) -> EnsembleHistory:
    """The EnsembleHistory of a run: proposers read from the study's `ah.backend`."""
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    records = [
        r._replace(backend=trials[r.number].user_attrs.get(ATTR_BACKEND, r.backend))
        for r in history
    ]
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE

    def better(a: float, b: float | None) -> bool:
        return b is None or (a > b if maximize else a < b)

    ran = {r.number for r in records}
    best: float | None = None  # the study's best before this run, then as trials finished
    for t in trials.values():
        if t.number not in ran and t.state == TrialState.COMPLETE and t.value is not None:
            best = t.value if better(t.value, best) else best
    tally: dict[str, dict[str, Any]] = {
        m.label: dict(
            n_trials=0, n_complete=0, n_failed=0, best_value=None, best_number=None, improvements=0
        )
        for m in members
    }
    for r in records:
        row = tally.get(r.backend)
        if row is None:  # not one of these members
            continue
        row["n_trials"] += 1
        if r.state == "COMPLETE" and r.value is not None:
            row["n_complete"] += 1
            if better(r.value, row["best_value"]):
                row["best_value"], row["best_number"] = r.value, r.number
            if better(r.value, best):
                best = r.value
                row["improvements"] += 1
        elif r.state == "FAIL":
            row["n_failed"] += 1
    credit = [
        (number, dict(trials[number].user_attrs[ATTR_CREDIT]))
        for number in sorted(ran)
        if ATTR_CREDIT in trials[number].user_attrs
    ]
    last = credit[-1][1] if credit else {}
    summaries = {
        m.label: MemberSummary(
            m.label, m.backend, m.weight, credit=last.get(m.label), **tally[m.label]
        )
        for m in members
    }
    return EnsembleHistory(records, summaries, credit)


def _create_ensemble(config: Mapping[str, Any]) -> EnsembleOptimizer:
    where = "ensemble_config"
    if isinstance(config, Mapping):
        for key, why in _NOT_IN_ENSEMBLES.items():
            if key in config:
                raise ValueError(f"{where}[{key!r}] is not an ensemble setting: {why}")
    members, strategy = parse_ensemble(
        config, where, ("n_trials_per_optimizer", *_ENSEMBLE_SETTINGS)
    )
    per = config.get("n_trials_per_optimizer", 50)
    if isinstance(per, bool) or not isinstance(per, int) or per < 1:
        raise ValueError(
            f"{where}['n_trials_per_optimizer'] must be a positive integer, got {per!r}"
        )
    settings = {k: v for k, v in config.items() if k in _ENSEMBLE_SETTINGS}
    backend_config = {
        "optimizers": [dict(entry) for entry in config["optimizers"]],
        "combination_strategy": strategy,
    }
    EnsembleBackend(backend_config, where=where)  # members' sampler_config errors name the field
    optimizer = AdaptiveHyperparameterOptimizer(
        backend="ensemble", sampler_config=backend_config, n_trials=per * len(members), **settings
    )
    return EnsembleOptimizer(optimizer, members)
