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
