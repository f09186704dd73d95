"""Plots of a study: plain plot-data records, matplotlib figures, and a static HTML report.

The `*_data` functions compute JSON-ready records from an Optuna study (any study: ours record
space versions and changes, which the history marks) and need no plotting library; the live
dashboard sends the same records to the browser. The `plot_*` functions draw a record with
matplotlib and return the Figure (a `PlotFigure`, shown as PNG when it ends a notebook cell).
`save_plots` writes every plot as PNG and SVG plus `report.html`, one self-contained file.
Drawing needs matplotlib (`pip install 'adaptive-hyperopt[plots]'`); nothing here imports it
before a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import optuna
from optuna.importance import BaseImportanceEvaluator

from ._data import (
    Record,
    history_data,
    importance_data,
    parallel_coordinate_data,
    param_relationships_data,
    pareto_front_data,
    summary_data,
)
from ._report import plot_records, save_plots

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Record",
    "history_data",
    "importance_data",
    "parallel_coordinate_data",
    "param_relationships_data",
    "pareto_front_data",
    "plot_optimization_history",
    "plot_parallel_coordinate",
    "plot_param_importance",
    "plot_param_relationships",
    "plot_pareto_front",
    "plot_records",
    "render",
    "save_plots",
    "summary_data",
]


def render(record: Record) -> Figure:
    """The matplotlib Figure of a plot-data record."""
    from ._matplotlib import render as draw

    return draw(record)


def plot_optimization_history(study: optuna.Study, objective: int | None = None) -> Figure:
    """Values and best-so-far per trial, failed/pruned trials and space changes marked."""
    return render(history_data(study, objective))


def plot_param_importance(
    study: optuna.Study,
    evaluator: str | BaseImportanceEvaluator = "ped_anova",
    objective: int | None = None,
) -> Figure:
    """Parameter importances (PED-ANOVA by default; see `importance_data`)."""
    return render(importance_data(study, evaluator, objective))


def plot_parallel_coordinate(
    study: optuna.Study, params: Sequence[str] | None = None, objective: int | None = None
) -> Figure:
    """Each completed trial as a line through its value and parameters."""
    return render(parallel_coordinate_data(study, params, objective))


def plot_param_relationships(
    study: optuna.Study,
    params: Sequence[str] | None = None,
    n_params: int = 3,
    objective: int | None = None,
) -> Figure:
    """Pairwise objective surfaces of the `n_params` most important parameters."""
    return render(param_relationships_data(study, params, n_params, objective=objective))


def plot_pareto_front(study: optuna.Study) -> Figure:
    """The trials of a multi-objective study in objective space, the Pareto front highlighted."""
    return render(pareto_front_data(study))


def _require_study(study: optuna.Study | None) -> optuna.Study:
    """The optimizer's last study, or a clear error before the first one."""
    if study is None:
        raise RuntimeError("no study to plot yet: run optimize() or start() first")
    return study
