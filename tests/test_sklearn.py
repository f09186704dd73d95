"""AdaptiveSearchCV: scikit-learn's estimator checks and the search on real data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from optuna.trial import TrialState
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge, RidgeClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from adaptive_hyperopt import plots
from adaptive_hyperopt.sklearn import AdaptiveSearchCV

X, y = make_classification(n_samples=90, n_features=5, random_state=0)
C_SPACE = {"C": ("float", 1e-3, 10.0, "log")}


def pipeline_search(**kwargs: Any) -> AdaptiveSearchCV:
    pipeline = Pipeline([("scaler", StandardScaler()), ("classifier", LogisticRegression())])
    space = {
        "scaler__with_mean": ("categorical", [True, False]),
        "classifier__C": ("float", 1e-3, 10.0, "log"),
    }
    kwargs.setdefault("n_trials", 5)
    kwargs.setdefault("cv", 3)
    kwargs.setdefault("random_state", 0)
    return AdaptiveSearchCV(pipeline, space, **kwargs)


# Every check passes for these (none is expected to fail: the search passes on the estimator's
# allow_nan and multi_output tags, which BaseSearchCV alone does not, see AdaptiveSearchCV).
@parametrize_with_checks(
    [
        AdaptiveSearchCV(
            RidgeClassifier(), {"alpha": ("float", 0.1, 10.0, "log")}, n_trials=2, cv=2
        ),
        AdaptiveSearchCV(
            Pipeline([("scaler", StandardScaler()), ("ridge", Ridge())]),
            {"ridge__alpha": ("float", 0.1, 10.0, "log")},
            n_trials=2,
            cv=2,
        ),
    ]
)
def test_sklearn_estimator_checks(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_pipeline_search_results_match_the_study() -> None:
    search = pipeline_search().fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 5 and search.n_splits_ == 3
    assert set(search.best_params_) == {"scaler__with_mean", "classifier__C"}
    assert 1e-3 <= search.best_params_["classifier__C"] <= 10.0
    assert search.best_score_ == results["mean_test_score"][search.best_index_]
    # each row is one trial of the study, scored by its mean test score
    study = search.study_
    by_number = {t.number: t for t in study.trials}
    for row, number in enumerate(results["trial_number"]):
        assert by_number[number].value == pytest.approx(results["mean_test_score"][row])
        assert by_number[number].params["classifier__C"] == results["params"][row]["classifier__C"]
    assert search.best_score_ == pytest.approx(study.best_value)
    assert plots.history_data(study)["values"] == pytest.approx(list(results["mean_test_score"]))
    # refit on everything, predictions delegated to the best pipeline
    best = search.best_estimator_
    assert best.get_params()["classifier__C"] == search.best_params_["classifier__C"]
    np.testing.assert_array_equal(search.predict(X), best.predict(X))
    np.testing.assert_allclose(search.predict_proba(X), best.predict_proba(X))
    np.testing.assert_allclose(search.decision_function(X), best.decision_function(X))
    assert search.score(X, y) == pytest.approx(best.score(X, y))
    assert list(search.classes_) == [0, 1]


def test_clone_keeps_every_argument() -> None:
    search = pipeline_search(
        scoring="f1", backend="optuna", timeout=30.0, optimizer_options={"adaptation_interval": 0}
    )
    params = clone(search).get_params(deep=False)
    assert params["search_space"] == search.search_space and params["timeout"] == 30.0
    assert params["optimizer_options"] == {"adaptation_interval": 0}
    assert params["n_trials"] == 5 and params["scoring"] == "f1" and params["cv"] == 3


def test_same_seed_same_candidates() -> None:
    a = pipeline_search(n_trials=3).fit(X, y).cv_results_["params"]
    b = pipeline_search(n_trials=3).fit(X, y).cv_results_["params"]
    c = pipeline_search(n_trials=3, random_state=np.random.RandomState(0)).fit(X, y)
    assert a == b and len(c.cv_results_["params"]) == 3


def test_multimetric_scoring_refits_on_the_named_metric() -> None:
    search = pipeline_search(
        n_trials=3, scoring={"acc": "accuracy", "bal": "balanced_accuracy"}, refit="bal"
    ).fit(X, y)
    results = search.cv_results_
    assert search.best_score_ == results["mean_test_bal"][search.best_index_]
    values = [t.value for t in sorted(search.study_.trials, key=lambda t: t.number)]
    assert values == pytest.approx(list(results["mean_test_bal"]))  # the study maximizes "bal"


def test_refit_false_has_no_best_estimator() -> None:
    search = AdaptiveSearchCV(LogisticRegression(), C_SPACE, n_trials=2, cv=2, refit=False)
    search.fit(X, y)
    assert hasattr(search, "best_params_") and not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError):
        search.predict(X)


def test_delegates_only_what_the_estimator_has() -> None:
    search = AdaptiveSearchCV(
        DummyClassifier(), {"strategy": ("categorical", ["prior", "uniform"])}, n_trials=2, cv=2
    ).fit(X, y)
    assert hasattr(search, "predict_proba") and not hasattr(search, "decision_function")
    assert not hasattr(search, "transform")


def test_fit_errors_are_raised_as_in_scikit_learn() -> None:
    bad_space = {"C": ("float", -2.0, -1.0)}  # LogisticRegression refuses C <= 0
    with pytest.raises(ValueError, match="C"):
        AdaptiveSearchCV(
            LogisticRegression(), bad_space, n_trials=2, cv=2, error_score="raise"
        ).fit(X, y)
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        AdaptiveSearchCV(LogisticRegression(), bad_space, n_trials=2, cv=2).fit(X, y)


class FailsOnSixRows(ClassifierMixin, BaseEstimator):
    """Fails to fit on exactly 6 rows: one fold of 3 on 10 samples, never the refit."""

    def __init__(self, c: float = 1.0) -> None:
        self.c = c

    def fit(self, X: Any, y: Any) -> FailsOnSixRows:
        if len(X) == 6:
            raise RuntimeError("six rows")
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.classes_[0])


def test_every_candidate_nan_behaves_like_grid_search() -> None:
    search = AdaptiveSearchCV(FailsOnSixRows(), {"c": ("float", 0.0, 1.0)}, n_trials=3, cv=3)
    with pytest.warns(FitFailedWarning):
        search.fit(X[:10], y[:10])
    assert np.isnan(search.best_score_) and len(search.cv_results_["params"]) == 3
    assert {t.state for t in search.study_.trials} == {TrialState.FAIL}
    assert search.predict(X[:2]).shape == (2,)


def test_bad_arguments_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"search_space\['C'\]"):
        AdaptiveSearchCV(LogisticRegression(), {"C": ("float", 1.0, 0.5)}, n_trials=2).fit(X, y)
    with pytest.raises(ValueError, match=r"optimizer_options\['n_trials'\].*n_trials"):
        AdaptiveSearchCV(LogisticRegression(), C_SPACE, optimizer_options={"n_trials": 3}).fit(X, y)
    with pytest.raises(ValueError, match=r"optimizer_options\['executor'\].*this process"):
        AdaptiveSearchCV(
            LogisticRegression(), C_SPACE, optimizer_options={"executor": "processes"}
        ).fit(X, y)
    with pytest.raises(ValueError, match="backend"):
        AdaptiveSearchCV(LogisticRegression(), C_SPACE, backend="grid").fit(X, y)


# Pruning across folds ---------------------------------------------------------------------------
FITS: list[float] = []


class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Predicts x > threshold; on TX, TY (true boundary 0.3) its accuracy is about
    1 - |threshold - 0.3| on every fold. Every fit is counted in FITS."""

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def fit(self, X: Any, y: Any) -> ThresholdClassifier:
        FITS.append(self.threshold)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X: Any) -> Any:
        return (np.asarray(X)[:, 0] > self.threshold).astype(int)


TX = np.random.RandomState(0).uniform(0.0, 1.0, (200, 1))
TY = (TX[:, 0] > 0.3).astype(int)


def threshold_search(cv: int = 4, **options: Any) -> AdaptiveSearchCV:
    """12 candidates from a random sampler with no adaptation: the same candidates in the same
    order whatever the scores, so a run with pruning and one without compare row by row."""
    FITS.clear()
    return AdaptiveSearchCV(
        ThresholdClassifier(),
        {"threshold": ("float", 0.0, 1.0)},
        n_trials=12,
        cv=cv,
        random_state=0,
        optimizer_options={
            "sampler_config": {"sampler_type": "random"},
            "adaptation_interval": 0,
            **options,
        },
    )


@pytest.fixture(scope="module")
def unpruned() -> tuple[AdaptiveSearchCV, int]:
    search = threshold_search().fit(TX, TY)
    return search, len(FITS)


@pytest.mark.parametrize(
    "pruning",
    [
        {"pruner_config": {"pruner_type": "threshold", "lower": 0.6}},
        {"pruning_patience": 3},  # the default pruner: the median, after 3 complete trials
    ],
    ids=["threshold", "median"],
)
def test_pruning_stops_bad_candidates_after_their_first_folds(
    unpruned: tuple[AdaptiveSearchCV, int], pruning: dict[str, Any]
) -> None:
    full, full_fits = unpruned
    assert full_fits == 12 * 4 + 1 and "pruned" not in full.cv_results_  # and a refit
    search = threshold_search(enable_pruning=True, **pruning).fit(TX, TY)
    results, reference = search.cv_results_, full.cv_results_
    pruned = results["pruned"]
    states = [t.state for t in sorted(search.study_.trials, key=lambda t: t.number)]
    assert 0 < pruned.sum() < 12
    assert list(pruned) == [s == TrialState.PRUNED for s in states]
    # a pruned candidate stopped after its first folds: fewer fits, counted exactly
    folds_run = np.isfinite(np.column_stack([results[f"split{k}_test_score"] for k in range(4)]))
    assert all(folds_run[pruned].sum(axis=1) < 4) and all(folds_run[~pruned].all(axis=1))
    assert len(FITS) == folds_run.sum() + 1 < full_fits
    # same candidates; the complete ones scored exactly as without pruning
    assert results["params"] == reference["params"]
    assert list(results["trial_number"]) == list(reference["trial_number"])
    for k in range(4):
        ran = folds_run[:, k]
        np.testing.assert_array_equal(
            results[f"split{k}_test_score"][ran], reference[f"split{k}_test_score"][ran]
        )
    np.testing.assert_array_equal(
        results["mean_test_score"][~pruned], reference["mean_test_score"][~pruned]
    )
    # a pruned row: NaN mean, ranked last; the study has its running means per fold
    assert np.isnan(results["mean_test_score"][pruned]).all()
    assert (results["rank_test_score"][pruned] == results["rank_test_score"].max()).all()
    for row, trial in enumerate(sorted(search.study_.trials, key=lambda t: t.number)):
        scores = [results[f"split{k}_test_score"][row] for k in range(4)]
        for step, value in trial.intermediate_values.items():
            assert value == pytest.approx(np.mean(scores[: step + 1]))
    # the best result is unaffected
    assert search.best_params_ == full.best_params_ and search.best_score_ == full.best_score_
    assert search.best_estimator_.threshold == full.best_estimator_.threshold
    assert search.n_splits_ == 4 and not hasattr(search, "_fold_plan")


def test_fold_by_fold_without_pruning_gives_scikit_learns_results(
    unpruned: tuple[AdaptiveSearchCV, int],
) -> None:
    full, full_fits = unpruned
    never = threshold_search(enable_pruning=True, pruner_config={"pruner_type": "nop"})
    results = never.fit(TX, TY).cv_results_
    assert len(FITS) == full_fits and not results["pruned"].any()
    reference = full.cv_results_
    assert set(results) == set(reference) | {"pruned"}
    for key, value in reference.items():
        if key.endswith("_time") or key == "params":
            continue
        np.testing.assert_array_equal(results[key], value, err_msg=key)
    assert results["params"] == reference["params"]


def test_pruning_with_failing_folds_and_error_score() -> None:
    FITS.clear()
    options = {"enable_pruning": True, "pruning_patience": 1}
    search = AdaptiveSearchCV(
        FailsOnSixRows(), {"c": ("float", 0.0, 1.0)}, n_trials=3, cv=3, optimizer_options=options
    )
    with pytest.warns(FitFailedWarning, match="1 fits failed out of a total of 3"):
        search.fit(X[:10], y[:10])
    results = search.cv_results_
    assert len(results["params"]) == 3 and np.isnan(search.best_score_)
    assert np.isnan(results["split0_test_score"]).all()  # the fold of 6 training rows
    assert np.isfinite(results["split1_test_score"]).all()
    with pytest.warns(FitFailedWarning):
        numeric = AdaptiveSearchCV(
            FailsOnSixRows(),
            {"c": ("float", 0.0, 1.0)},
            n_trials=2,
            cv=3,
            error_score=-1.0,
            optimizer_options=options,
        ).fit(X[:10], y[:10])
    assert (numeric.cv_results_["split0_test_score"] == -1.0).all()
    assert np.isfinite(numeric.cv_results_["mean_test_score"]).all()
    bad_space = {"C": ("float", -2.0, -1.0)}
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        AdaptiveSearchCV(
            LogisticRegression(), bad_space, n_trials=2, cv=2, optimizer_options=options
        ).fit(X, y)
    with pytest.raises(ValueError, match="C"):
        AdaptiveSearchCV(
            LogisticRegression(),
            bad_space,
            n_trials=2,
            cv=2,
            error_score="raise",
            optimizer_options=options,
        ).fit(X, y)


def test_pruning_on_a_pipeline_with_several_metrics() -> None:
    search = pipeline_search(
        n_trials=6,
        scoring={"acc": "accuracy", "bal": "balanced_accuracy"},
        refit="bal",
        return_train_score=True,
        optimizer_options={"enable_pruning": True, "pruning_patience": 2},
    ).fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 6 and "split2_train_acc" in results
    complete = ~results["pruned"]
    values = {t.number: t.value for t in search.study_.trials if t.state == TrialState.COMPLETE}
    assert [values[n] for n in results["trial_number"][complete]] == pytest.approx(
        list(results["mean_test_bal"][complete])
    )
    assert search.best_score_ == pytest.approx(max(values.values()))
