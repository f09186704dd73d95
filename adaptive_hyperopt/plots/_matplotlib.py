"""Thin matplotlib renderers: one plot-data record in, one Figure out.

Figures are built with `matplotlib.figure.Figure` directly, never through pyplot: no global
state, no GUI backend, safe from any thread. A `PlotFigure` shows itself as a PNG when it is the
last expression of a notebook cell, whatever matplotlib backend the kernel runs.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

try:
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError(
        "adaptive_hyperopt's plots need matplotlib: pip install 'adaptive-hyperopt[plots]'"
    ) from exc

from ._data import Record

_BEST = "#d62728"
_POINTS = "#1f77b4"
_MUTED = "#9e9e9e"
_CHANGE = "#ff7f0e"


class PlotFigure(Figure):
    """A matplotlib Figure that renders itself as PNG in Jupyter (`_repr_png_`)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _cmap(direction: str | None) -> str:
    # the best values are always the bright end of the scale
    return "viridis_r" if direction == "minimize" else "viridis"


def _note(fig: Figure, text: str) -> Figure:
    fig.text(0.5, 0.5, text, ha="center", va="center", color=_MUTED, fontsize=12)
    return fig


def _label(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 18 else text[:17] + "…"


def render_history(record: Record) -> Figure:
    """Objective value of every COMPLETE trial, best so far, failures and space changes."""
    fig = PlotFigure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(f"Optimization history: {record['study']}")
    ax.set_xlabel("trial")
    ax.set_ylabel(f"{record['objective']} ({record['direction']})")
    if not record["numbers"]:
        ax.set_axis_off()
        return _note(fig, "no completed trial yet")
    ax.scatter(record["numbers"], record["values"], s=16, color=_POINTS, alpha=0.7, label="trial")
    ax.step(
        record["numbers"], record["best_so_far"], where="post", color=_BEST, label="best so far"
    )
    marks = ax.get_xaxis_transform()  # x in trials, y in axes fractions: ticks along the bottom
    for key, marker, color in (("failed", "x", "black"), ("pruned", "|", _MUTED)):
        if record[key]:
            ax.plot(
                record[key],
                [0.02] * len(record[key]),
                marker,
                color=color,
                transform=marks,
                linestyle="none",
                label=key,
            )
    for i, change in enumerate(c for c in record["space_changes"] if c["trial"] is not None):
        ax.axvline(
            change["trial"] - 0.5,
            color=_CHANGE,
            linestyle="--",
            linewidth=1,
            label="space change" if i == 0 else None,
        )
        ax.text(
            change["trial"] - 0.5,
            0.98,
            f" v{change['version']} {change['source']}",
            transform=marks,
            va="top",
            fontsize=8,
            color=_CHANGE,
        )
    ax.legend(loc="best", fontsize=8)
    return fig


def render_importance(record: Record) -> Figure:
    """Horizontal bars, the most important parameter on top."""
    n = len(record["params"])
    fig = PlotFigure(figsize=(7, max(2.5, 0.45 * n + 1.5)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(f"Parameter importance ({record['evaluator']}): {record['objective']}")
    if not n:
        ax.set_axis_off()
        return _note(fig, record["note"] or "nothing to rate")
    names, values = record["params"][::-1], record["importances"][::-1]
    bars = ax.barh(names, values, color=_POINTS)
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=8)
    ax.set_xlim(0, max(max(values) * 1.15, 0.05))
    ax.set_xlabel(f"importance ({record['n_trials']} completed trials)")
    if record["note"]:
        # a figure-level label, so the constrained layout makes room for it
        fig.supxlabel(textwrap.fill(record["note"], 110), fontsize=7, color=_MUTED)
    return fig


def _unit_positions(axis: Record) -> tuple[list[float | None], list[tuple[float, str]]]:
    """Values of an axis scaled to [0, 1], and (position, label) ticks."""
    values = axis["values"]
    if axis["type"] == "categorical":
        k = max(len(axis["choices"]) - 1, 1)
        ticks = [(i / k, _label(c)) for i, c in enumerate(axis["choices"])]
        return [None if v is None else v / k for v in values], ticks
    low, high = axis["low"], axis["high"]
    scale: Callable[[float], float] = math.log10 if axis["log"] and low > 0 else float
    lo, hi = scale(low), scale(high)
    span = hi - lo or 1.0
    fmt = "{:.3g}"
    ticks = [(0.0, fmt.format(low)), (1.0, fmt.format(high))]
    return [None if v is None else (scale(v) - lo) / span for v in values], ticks


def render_parallel_coordinate(record: Record) -> Figure:
    """One line per trial through the objective axis and every parameter axis."""
    axes = record["params"]
    fig = PlotFigure(figsize=(max(6, 1.6 * (len(axes) + 1)), 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(f"Parallel coordinates: {record['study']}")
    if not record["numbers"]:
        ax.set_axis_off()
        return _note(fig, "no completed trial yet")
    values = record["values"]
    lo, hi = min(values), max(values)
    objective_axis = {
        "name": record["objective"],
        "type": "float",
        "log": False,
        "low": lo,
        "high": hi,
        "values": values,
    }
    columns = [_unit_positions(a) for a in [objective_axis, *axes]]
    lines = []
    for row in range(len(values)):
        # an inactive conditional parameter has no point: the line skips its axis
        points = [(x, col[0][row]) for x, col in enumerate(columns)]
        lines.append([(x, y) for x, y in points if y is not None])
    norm = Normalize(lo, hi if hi > lo else lo + 1)
    collection = LineCollection(lines, cmap=_cmap(record["direction"]), norm=norm, alpha=0.6)
    collection.set_array(values)
    ax.add_collection(collection)
    if record["best_number"] is not None:
        best_row = record["numbers"].index(record["best_number"])
        xs, ys = zip(*lines[best_row], strict=True)
        ax.plot(xs, ys, color=_BEST, linewidth=2.5, label=f"best (trial {record['best_number']})")
        ax.legend(loc="upper right", fontsize=8)
    for x, (_, ticks) in enumerate(columns):
        ax.axvline(x, color="black", linewidth=0.8)
        for y, text in ticks:
            ax.text(x + 0.04, y, text, fontsize=7, va="center")
    ax.set_xticks(range(len(columns)), [a["name"] for a in [objective_axis, *axes]])
    ax.set_xlim(-0.2, len(columns) - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([])
    fig.colorbar(collection, ax=ax, label=record["objective"])
    return fig


def _set_scale(ax: Any, which: str, axis: Record) -> None:
    """Log scale for log parameters, choice names for categoricals."""
    if axis["type"] == "categorical":
        ticks = range(len(axis["choices"]))
        labels = [_label(c) for c in axis["choices"]]
        getattr(ax, f"set_{which}ticks")(ticks, labels)
    elif axis["log"] and axis["low"] > 0:
        getattr(ax, f"set_{which}scale")("log")
    getattr(ax, f"set_{which}label")(axis["name"])


def render_param_relationships(record: Record) -> Figure:
    """An interpolated objective surface for each pair of parameters, trials on top."""
    pairs = record["pairs"]
    n = len(pairs)
    cols = min(3, max(n, 1))
    rows = max(math.ceil(n / cols), 1)
    fig = PlotFigure(figsize=(4.2 * cols + 1, 3.6 * rows + 0.6), layout="constrained")
    fig.suptitle(f"Parameter relationships: {record['objective']} ({record['direction']})")
    if not n:
        return _note(fig, record["note"] or "nothing to show")
    axes_by_name = {a["name"]: a for a in record["params"]}
    every = [v for p in pairs for v in p["values"]]
    norm = Normalize(min(every), max(every) if max(every) > min(every) else min(every) + 1)
    cmap = _cmap(record["direction"])
    subplots = fig.subplots(rows, cols, squeeze=False).ravel()
    mappable = None
    for ax, pair in zip(subplots, pairs, strict=False):
        if pair["grid"] is not None:
            grid = pair["grid"]
            mappable = ax.contourf(grid["x"], grid["y"], grid["z"], levels=12, cmap=cmap, norm=norm)
        points = ax.scatter(
            pair["x_values"],
            pair["y_values"],
            c=pair["values"],
            cmap=cmap,
            norm=norm,
            edgecolors="white",
            linewidths=0.5,
            s=18,
        )
        mappable = mappable or points
        _set_scale(ax, "x", axes_by_name[pair["x"]])
        _set_scale(ax, "y", axes_by_name[pair["y"]])
    for ax in subplots[n:]:
        ax.set_axis_off()
    if mappable is not None:
        fig.colorbar(mappable, ax=list(subplots[:n]), label=record["objective"])
    return fig


def render_pareto_front(record: Record) -> Figure:
    """Objective values of every trial, the Pareto front highlighted; one panel per pair."""
    names: Sequence[str] = record["objectives"]
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    cols = min(3, len(pairs))
    rows = math.ceil(len(pairs) / cols)
    fig = PlotFigure(figsize=(4.6 * cols, 4.0 * rows + 0.4), layout="constrained")
    fig.suptitle(f"Pareto front: {record['study']}")
    subplots = fig.subplots(rows, cols, squeeze=False).ravel()
    values, front = record["values"], record["on_front"]
    for ax, (i, j) in zip(subplots, pairs, strict=False):
        rest = [v for v, f in zip(values, front, strict=True) if not f]
        best = sorted((v for v, f in zip(values, front, strict=True) if f), key=lambda v: v[i])
        if rest:
            ax.scatter(
                [v[i] for v in rest], [v[j] for v in rest], s=14, color=_MUTED, label="trial"
            )
        if best:
            ax.plot(
                [v[i] for v in best],
                [v[j] for v in best],
                "o-",
                color=_BEST,
                markersize=5,
                linewidth=1,
                label="Pareto front",
            )
        ax.set_xlabel(f"{names[i]} ({record['directions'][i]})")
        ax.set_ylabel(f"{names[j]} ({record['directions'][j]})")
        ax.legend(fontsize=8)
    for ax in subplots[len(pairs) :]:
        ax.set_axis_off()
    if not values:
        return _note(fig, "no completed trial yet")
    return fig


_RENDERERS: dict[str, Callable[[Record], Figure]] = {
    "history": render_history,
    "importance": render_importance,
    "parallel_coordinate": render_parallel_coordinate,
    "param_relationships": render_param_relationships,
    "pareto_front": render_pareto_front,
}


def render(record: Record) -> Figure:
    """The Figure of any plot-data record (dispatched on its `kind`)."""
    try:
        renderer = _RENDERERS[record["kind"]]
    except KeyError:
        raise ValueError(f"no renderer for a record of kind {record.get('kind')!r}") from None
    return renderer(record)
