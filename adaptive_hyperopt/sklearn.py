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
import warnings
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

try:
    from sklearn.exceptions import FitFailedWarning
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.utils import check_random_state, get_tags
    from sklearn.utils._param_validation import Interval, StrOptions
except ImportError as exc:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "adaptive_hyperopt.sklearn needs scikit-learn: pip install 'adaptive-hyperopt[sklearn]'"
    ) from exc

from .exceptions import NoCompletedTrialsError
from .optimizer import AdaptiveHyperparameterOptimizer
from .pruning import Reporter, TrialPruned
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

    Pruning (`optimizer_options={"enable_pruning": True}`, with `pruner_config` and
    `pruning_patience` as for the optimizer) evaluates a candidate's folds one after another and
    reports the running mean test score after each fold but the last, so the pruner can stop a
    bad candidate after its first folds. A pruned candidate keeps its row in `cv_results_`: the
    folds it ran have their scores, the others NaN, so its mean is NaN and it ranks last;
    `cv_results_["pruned"]` marks such rows.

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
    n_splits_: int  # set by fit

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
        """Let the optimizer pick candidates; each trial scores one with `evaluate_candidates`.

        Without pruning a trial evaluates all folds of its candidate in one call (in parallel
        with n_jobs). With pruning it evaluates them one after another and reports the running
        mean score after each fold but the last, so the study's pruner can stop a candidate
        after its first folds (see `_fold_by_fold`).
        """
        space = SearchSpace.from_dict(self.search_space)  # a bad space fails before any fit
        optimizer = self._make_optimizer()
        metric = self.refit if isinstance(self.refit, str) else "score"
        evaluated = 0

        def all_folds(params: dict[str, Any], trial: Reporter) -> float:
            nonlocal evaluated
            results = evaluate_candidates([params], more_results={"trial_number": [trial.number]})
            evaluated += 1
            return float(results[_score_key(results, metric)][-1])

        objective: Callable[[dict[str, Any], Reporter], float] = all_folds
        plan: _FoldPlan | None = None
        if optimizer.config.enable_pruning:
            plan = _FoldPlan(self.n_splits_, self.error_score)
            objective = self._fold_by_fold(evaluate_candidates, plan, metric)
        try:
            if plan is not None:
                # evaluate_candidates checks the cv it is given against n_splits_: one fold
                self._fold_plan = plan
                self.n_splits_ = 1
            try:
                # optimize() takes objective(params) or objective(params, trial)
                optimizer.optimize(cast(Objective, objective), space, direction="maximize")
            except NoCompletedTrialsError:
                # every candidate scored NaN (error_score=np.nan and failing folds) or was
                # pruned: scikit-learn keeps such candidates and ranks them last, so selecting
                # a best one is its call
                if evaluated == 0 and (plan is None or plan.results is None):
                    raise
            if plan is not None and plan.results is not None:
                # fit() keeps the dict evaluate_candidates returned last: bring it up to date
                # with what happened since (a failed last fold, the pruning decisions)
                fresh = self._fold_results(plan)
                plan.results.clear()
                plan.results.update(fresh)
        finally:
            if plan is not None:
                self.n_splits_ = plan.n_splits
                del self._fold_plan
        self.study_ = optimizer.study

    def _fold_by_fold(
        self,
        evaluate_candidates: Callable[..., dict[str, Any]],
        plan: _FoldPlan,
        metric: str,
    ) -> Callable[[dict[str, Any], Reporter], float]:
        """The objective with pruning: one `evaluate_candidates` call per fold.

        Each call evaluates one fold (a `_OneFold` of the search's splits, computed once), so
        everything scikit-learn does per fit (routing, scoring, error_score, verbose) still
        happens; `_format_results` puts the folds of each candidate back into one row.
        """
        folds = _Folds(self._checked_cv_orig)
        n_splits = plan.n_splits

        def objective(params: dict[str, Any], trial: Reporter) -> float:
            plan.trials[trial.number] = params
            scores: list[float] = []
            try:
                for k in range(n_splits):
                    try:
                        results = evaluate_candidates(
                            [params],
                            cv=folds.only(k),
                            more_results={"trial_number": [trial.number], _FOLD: [k]},
                        )
                    except ValueError as exc:
                        # with a numeric error_score scikit-learn raises when every fit of a
                        # call failed: here, this one fold
                        details = _single_fit_failure(exc)
                        if details is None:
                            raise
                        plan.failed.setdefault(trial.number, {})[k] = details
                        scores.append(float(self.error_score))
                    else:
                        key = _score_key(results, metric)
                        scores.append(float(results[f"split{k}_{key[5:]}"][-1]))
                    mean = float(np.mean(scores))
                    if k < n_splits - 1 and np.isfinite(mean):  # the last fold: nothing to save
                        trial.report(mean, k)
            except TrialPruned:
                plan.pruned.add(trial.number)
                raise
            finally:
                _fold_failures(plan, trial.number)
            return float(np.mean(scores))

        return objective

    def _format_results(
        self,
        candidate_params: list[dict[str, Any]],
        n_splits: int,
        out: list[dict[str, Any]],
        more_results: dict[str, list[Any]] | None = None,
    ) -> dict[str, Any]:
        """scikit-learn's cv_results_; with pruning, from the folds evaluated one at a time."""
        plan: _FoldPlan | None = self.__dict__.get("_fold_plan")
        if plan is None:
            return cast(
                dict[str, Any],
                super()._format_results(candidate_params, n_splits, out, more_results),
            )
        plan.flat = (candidate_params, out, dict(more_results or {}))
        plan.results = self._fold_results(plan)
        return plan.results

    def _fold_results(self, plan: _FoldPlan) -> dict[str, Any]:
        """cv_results_ with one row per candidate: the folds it did not run (pruned) are NaN,
        so its mean is NaN and it ranks last; `pruned` says which rows were pruned."""
        assert plan.flat is not None
        _, outs, more = plan.flat
        ran: dict[int, dict[int, dict[str, Any]]] = {}
        for number, k, fold in zip(more["trial_number"], more[_FOLD], outs, strict=True):
            ran.setdefault(int(number), {})[int(k)] = fold
        template = outs[0]
        rows: list[dict[str, Any]] = []
        numbers: list[int] = []
        flat: list[dict[str, Any]] = []
        genuine = False  # a non-finite score from a fold that ran, not from pruning
        for number, params in plan.trials.items():
            done, failed = ran.get(number, {}), plan.failed.get(number, {})
            if not done and not failed:
                continue
            rows.append(params)
            numbers.append(number)
            for k in range(plan.n_splits):
                if k in done:
                    fold = done[k]
                    genuine = genuine or not _finite(fold)
                elif k in failed:
                    fold = _stand_in(template, plan.error_score, failed[k])
                    genuine = genuine or not _finite(fold)
                else:  # not run: pruned, or the candidate running now
                    fold = _stand_in(template, np.nan, None)
                flat.append(fold)
        extra = {"trial_number": numbers, "pruned": [n in plan.pruned for n in numbers]}
        with warnings.catch_warnings():
            if not genuine:  # NaN means of pruned rows are expected, not worth a warning
                warnings.filterwarnings(
                    "ignore", "One or more of the (test|train) scores are non-finite", UserWarning
                )
            return cast(
                dict[str, Any],
                super()._format_results(rows, plan.n_splits, flat, extra),
            )


#: The more_results key of the fold a call evaluated (with pruning; not in cv_results_).
_FOLD = "_ah_fold"


@dataclass
class _FoldPlan:
    """What the fold-by-fold search has evaluated; lives on the estimator during `fit`."""

    n_splits: int
    error_score: Any
    trials: dict[int, dict[str, Any]] = field(default_factory=dict)  # in the order they ran
    failed: dict[int, dict[int, str]] = field(default_factory=dict)  # trial -> fold -> error
    pruned: set[int] = field(default_factory=set)
    # what evaluate_candidates last gave _format_results, and the dict that returned
    flat: tuple[list[Any], list[dict[str, Any]], dict[str, list[Any]]] | None = None
    results: dict[str, Any] | None = None


class _Folds:
    """The search's cv splits, computed once per fit, served one fold at a time."""

    def __init__(self, cv: Any) -> None:
        self.cv = cv
        self.splits: list[Any] | None = None

    def only(self, k: int) -> _OneFold:
        """A splitter yielding fold `k` alone."""
        return _OneFold(self, k)


class _OneFold:
    """A cv splitter with one split: fold `k` of the search's splits."""

    def __init__(self, folds: _Folds, k: int) -> None:
        self.folds, self.k = folds, k

    def split(self, X: Any, y: Any = None, **params: Any) -> Iterator[Any]:
        """Yield the fold's (train, test) indices."""
        if self.folds.splits is None:
            self.folds.splits = list(self.folds.cv.split(X, y, **params))
        yield self.folds.splits[self.k]

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """One split."""
        return 1


def _score_key(results: Mapping[str, Any], metric: str) -> str:
    """`mean_test_<metric>`; with several metrics, refit=False or a callable: the first."""
    key = f"mean_test_{metric}"
    if key in results:
        return key
    return next(k for k in results if k.startswith("mean_test_"))


def _single_fit_failure(exc: ValueError) -> str | None:
    """The details of scikit-learn's "All the 1 fits failed" error, None for another error."""
    text = str(exc)
    if not text.lstrip().startswith("All the 1 fits failed"):
        return None
    marker = "Below are more details about the failures:\n"
    return text.split(marker, 1)[-1].strip()


def _fold_failures(plan: _FoldPlan, number: int) -> None:
    """Warn, as scikit-learn does, about the folds of trial `number` that failed to fit;
    raise its error when all of them failed."""
    failed = plan.failed.get(number)
    if not failed:
        return
    details = "\n".join(
        f"{'-' * 80}\n{n} fits failed with the following error:\n{error}"
        for error, n in Counter(failed.values()).items()
    )
    if len(failed) == plan.n_splits:
        raise ValueError(
            f"\nAll the {plan.n_splits} fits failed.\n"
            "It is very likely that your model is misconfigured.\n"
            "You can try to debug the error by setting error_score='raise'.\n\n"
            f"Below are more details about the failures:\n{details}"
        )
    warnings.warn(
        f"\n{len(failed)} fits failed out of a total of {plan.n_splits}.\n"
        "The score on these train-test partitions for these parameters will be set to "
        f"{plan.error_score}.\nIf these failures are not expected, you can try to debug them "
        f"by setting error_score='raise'.\n\nBelow are more details about the failures:\n"
        f"{details}",
        FitFailedWarning,
        stacklevel=2,
    )


def _stand_in(template: dict[str, Any], score: Any, error: str | None) -> dict[str, Any]:
    """A fold's result for a fold that did not produce one: `score` for every metric."""
    fold = dict(template)
    scores = template["test_scores"]
    for key in ("test_scores", "train_scores"):
        if key in fold:
            fold[key] = dict.fromkeys(scores, score) if isinstance(scores, dict) else score
    fold.update(fit_time=0.0, score_time=0.0, fit_error=error)
    return fold


def _finite(fold: Mapping[str, Any]) -> bool:
    """Whether every score of a fold's result is finite."""
    values: list[Any] = []
    for key in ("test_scores", "train_scores"):
        scores = fold.get(key)
        if scores is not None:
            values.extend(scores.values() if isinstance(scores, dict) else [scores])
    return bool(np.all(np.isfinite(np.asarray(values, dtype=float))))
