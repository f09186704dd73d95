"""Per-epoch reporting without boilerplate, for scikit-learn `partial_fit` and any training loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._reporter import Reporter


def report_each_epoch(
    trial: Reporter, epochs: int, train_one_epoch: Callable[[int], float]
) -> float:
    """Call `train_one_epoch(epoch)` (it trains one epoch and returns the validation score) for
    each epoch, reporting every score; return the last one. A pruned trial stops here.

    The natural shape for a PyTorch loop::

        def objective(params, trial):
            model, opt = build(params)
            def epoch(i):
                train(model, opt, train_loader)
                return accuracy(model, val_loader)
            return report_each_epoch(trial, 20, epoch)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    score = float("nan")
    for epoch in range(epochs):
        score = float(train_one_epoch(epoch))
        trial.report(score, epoch)
    return score


def fit_incrementally(
    estimator: Any,
    X: Any,
    y: Any,
    X_val: Any,
    y_val: Any,
    trial: Reporter,
    epochs: int,
    *,
    classes: Any = None,
    scoring: str | Callable[..., float] | None = None,
) -> float:
    """Train a scikit-learn estimator with `partial_fit`, one pass over (X, y) per epoch,
    reporting its validation score after each; return the last score.

    `classes` is passed to the first `partial_fit` of a classifier (default: the labels of y).
    `scoring` is a scikit-learn scorer name or callable `(estimator, X, y)`; by default the
    estimator's own `score`.
    """
    if not hasattr(estimator, "partial_fit"):
        raise ValueError(f"estimator {type(estimator).__name__} has no partial_fit")
    if scoring is None:
        scorer: Callable[..., float] = lambda est, Xs, ys: est.score(Xs, ys)  # noqa: E731
    elif isinstance(scoring, str):
        from sklearn.metrics import get_scorer

        scorer = get_scorer(scoring)
    else:
        scorer = scoring
    first = {}
    if _is_classifier(estimator):
        import numpy as np

        first["classes"] = np.unique(y) if classes is None else classes

    def epoch(i: int) -> float:
        estimator.partial_fit(X, y, **(first if i == 0 else {}))
        return float(scorer(estimator, X_val, y_val))

    return report_each_epoch(trial, epochs, epoch)


def _is_classifier(estimator: Any) -> bool:
    try:
        from sklearn.base import is_classifier
    except ImportError:  # pragma: no cover - scikit-learn is what partial_fit estimators use
        return False
    return bool(is_classifier(estimator))
