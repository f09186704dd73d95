"""adaptive_hyperopt: adaptive hyperparameter optimization, live in Jupyter.

Every study is an Optuna study; Hyperopt and scikit-optimize plug in as backends. The core has no
Jupyter dependency; `%load_ext adaptive_hyperopt` loads the magics when IPython is present.
"""

from __future__ import annotations

import logging
from typing import Any

from .config import OptimizationConfig
from .events import Event, EventBus, Subscription
from .exceptions import NoCompletedTrialsError, StudyFinishedError
from .optimizer import AdaptiveHyperparameterOptimizer
from .pareto import ParetoFront, ParetoPoint
from .pruning import Reporter, TrialPruned, fit_incrementally, report_each_epoch
from .runner import History, Reply, StudyHandle, StudyStatus, TrialRecord
from .space import Categorical, Float, Int, SearchSpace

__version__ = "0.1.0.dev0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AdaptiveHyperparameterOptimizer",
    "Categorical",
    "Event",
    "EventBus",
    "Float",
    "History",
    "Int",
    "NoCompletedTrialsError",
    "OptimizationConfig",
    "ParetoFront",
    "ParetoPoint",
    "Reply",
    "Reporter",
    "SearchSpace",
    "StudyFinishedError",
    "StudyHandle",
    "StudyStatus",
    "Subscription",
    "TrialPruned",
    "TrialRecord",
    "__version__",
    "fit_incrementally",
    "load_ipython_extension",
    "report_each_epoch",
]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext adaptive_hyperopt`: register the `%hyperopt` and `%%hyperopt` magics."""
    from .jupyter._magics import HyperoptMagics  # IPython only when loaded into it

    ipython.register_magics(HyperoptMagics)
