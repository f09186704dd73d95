"""`AdaptiveSearchCV`: a scikit-learn search estimator driven by AdaptiveHyperparameterOptimizer.

Importing this module needs scikit-learn (the `sklearn` extra); the package itself does not import
it. The class is a `BaseSearchCV`, scikit-learn's base for custom searches, so `cv_results_`,
`refit`, `scoring` (one metric or several), `error_score`, metadata routing and the delegated
`predict`/`predict_proba`/`decision_function`/`transform`/`score` behave as in `GridSearchCV`.
What differs is who picks the candidates: our optimizer, one trial per candidate, every trial
recorded in an Optuna study (`study_`) that the plots and the dashboard read.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np

try:
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.utils import check_random_state, get_tags
    from sklearn.utils._param_validation import Interval, StrOptions
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "adaptive_hyperopt.sklearn needs scikit-learn: pip install 'adaptive-hyperopt[sklearn]'"
    ) from exc

from .exceptions import NoCompletedTrialsError
from .optimizer import AdaptiveHyperparameterOptimizer
from .pruning import Reporter
from .space import SearchSpace

__all__ = ["AdaptiveSearchCV"]

Objective = Callable[[dict[str, Any]], Any]

_OWN = "set it through AdaptiveSearchCV's "
_IN_PROCESS = "candidates are scored in this process, where scikit-learn collects the results"
#: Optimizer settings that optimizer_options may not hold, and why.
_REFUSED = {
    "backend": _OWN + "backend",
    "n_trials": _OWN + "n_trials",
    "timeout": _OWN + "timeout",
    "random_state": _OWN + "random_state",
    "n_jobs": _OWN + "n_jobs (folds run in parallel; trials run one after another)",
    "catch_exceptions": "error_score decides what a failing fit does",
    "study_direction": "scikit-learn scores are maximized",
    **{
        name: _IN_PROCESS
        for name in (
            "executor",
            "trial_timeout",
            "timeout_per_trial",
            "memory_limit",
            "max_memory_usage",
        )
    },
}


class AdaptiveSearchCV(BaseSearchCV):
    """Cross-validated search over `search_space` (our tuple DSL), a trial per candidate.

    Parameters are those of scikit-learn's `RandomizedSearchCV` with `search_space` for
    `param_distributions` and `n_trials` for `n_iter`, plus:

    - `backend`: "optuna", "hyperopt", "skopt" or "ensemble", as for the optimizer.
    - `timeout`: no new trial after this many seconds.
    - `optimizer_options`: any other `AdaptiveHyperparameterOptimizer` keyword
      (`sampler_config`, `storage`, `study_name`, `adaptation_interval`, ...).

    Pipeline parameters use scikit-learn's names: `{"classifier__max_depth": ("int", 3, 20)}`.
    `n_jobs` runs the folds of a candidate in parallel; candidates run one after another so each
    trial learns from all earlier ones. An error while fitting is handled by `error_score` as in
    scikit-learn: `"raise"` re-raises it, a number records that score for the failed fold.

    After `fit`: `best_params_`, `best_score_`, `best_index_`, `best_estimator_` (with `refit`),
    `cv_results_` (scikit-learn's format, plus `trial_number`: the row's trial in the study),
    `scorer_`, `n_splits_`, `refit_time_`, `multimetric_` and `study_` (the Optuna study, every
    trial with its parameters and mean test score: `adaptive_hyperopt.plots` draws it).
    """

    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "search_space": [dict],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left")],
        "backend": [StrOptions({"optuna", "hyperopt", "skopt", "ensemble"})],
        "random_state": ["random_state"],
        "timeout": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "optimizer_options": [dict, None],
    }

    def __init__(
        self,
        estimator: Any,
        search_space: Mapping[str, Any],
        *,
        n_trials: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: bool | str | Callable[..., Any] = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: int | str = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        backend: str = "optuna",
        timeout: float | None = None,
        optimizer_options: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.search_space = search_space
        self.n_trials = n_trials
        self.random_state = random_state
        self.backend = backend
        self.timeout = timeout
        self.optimizer_options = optimizer_options

    def __sklearn_tags__(self) -> Any:
        """The estimator's tags, as BaseSearchCV gives them, plus what it accepts in X and y.

        BaseSearchCV does not pass on `allow_nan` and `multi_output`, so scikit-learn's checks
        expected errors that the estimator (e.g. a tree, Ridge) rightly does not raise.
        """
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = inner.target_tags.multi_output
        return tags

    def _make_optimizer(self) -> AdaptiveHyperparameterOptimizer:
        options = dict(self.optimizer_options or {})
        for name in options.keys() & _REFUSED.keys():
            raise ValueError(f"optimizer_options[{name!r}] is not accepted: {_REFUSED[name]}")
        # the optimizer takes an int seed; a RandomState instance gives one, as in sklearn
        seed = self.random_state
        if seed is not None and not isinstance(seed, numbers.Integral):
            seed = int(check_random_state(seed).randint(np.iinfo(np.int32).max))
        options.setdefault("enable_pruning", False)
        return AdaptiveHyperparameterOptimizer(
            backend=self.backend,
            n_trials=self.n_trials,
            timeout=self.timeout,
            n_jobs=1,
            random_state=seed,
            # an objective error is a fit error that error_score="raise" let through, or an
            # error scikit-learn raises itself (every fit failed): re-raise it, as GridSearchCV
            catch_exceptions=False,
            **options,
        )

    def _run_search(self, evaluate_candidates: Callable[..., dict[str, Any]]) -> None:
        """Let the optimizer pick candidates; each trial scores one with `evaluate_candidates`."""
        space = SearchSpace.from_dict(self.search_space)  # a bad space fails before any fit
        optimizer = self._make_optimizer()
        metric = self.refit if isinstance(self.refit, str) else "score"
        evaluated = 0

        def objective(params: dict[str, Any], trial: Reporter) -> float:
            # Every fold of the candidate at once (in parallel with n_jobs). Pruning across folds
            # belongs here: fold by fold, trial.report(running mean, fold) between them. It needs
            # cv_results_ assembled outside BaseSearchCV's evaluate_candidates, which runs all
            # folds of a candidate in one call; not built yet.
            nonlocal evaluated
            results = evaluate_candidates([params], more_results={"trial_number": [trial.number]})
            evaluated += 1
            key = f"mean_test_{metric}"
            if key not in results:  # several metrics, refit=False or a callable: the first
                key = next(k for k in results if k.startswith("mean_test_"))
            return float(results[key][-1])

        try:
            # optimize() takes objective(params) or objective(params, trial)
            optimizer.optimize(cast(Objective, objective), space, direction="maximize")
        except NoCompletedTrialsError:
            # every candidate scored NaN (error_score=np.nan and failing folds): scikit-learn
            # keeps such candidates and ranks them last, so selecting a best one is its call
            if evaluated == 0:
                raise
        self.study_ = optimizer.study
