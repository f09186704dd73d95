"""The dashboard's live bqplot figures, redrawn by the pump from `DashboardState.plot_record()`.

History: every kept trial (complete and pruned in two colours), failed trials as ticks along
the bottom, the exact best-so-far line, and a labelled marker wherever the space changed.
One slice per parameter (value against score, the current range shaded), and the importance
bars refreshed at adaptation checkpoints. A multi-objective study shows its Pareto front instead:
every kept trial by its first two objectives, the exact non-dominated ones highlighted.
"""

from __future__ import annotations

import math
from typing import Any

import bqplot as bq
import ipywidgets as ipw

COLORS = {"COMPLETE": "#1f77b4", "PRUNED": "#ff7f0e", "FAIL": "#d62728", "best": "#2ca02c"}
MARKER_COLORS = {"user": "#9467bd", "adaptation": "#17becf", "strategy": "#8c564b"}


def _figure(marks: list[Any], axes: list[Any], title: str, height: str) -> Any:
    return bq.Figure(
        marks=marks,
        axes=axes,
        title=title,
        layout=ipw.Layout(width="100%", height=height),
        fig_margin={"top": 30, "bottom": 40, "left": 60, "right": 15},
        animation_duration=0,
    )


class LivePlots:
    """History, slices and importance for one study's space (the front for several objectives)."""

    def __init__(self, space: Any, directions: tuple[str, ...] = ("minimize",)) -> None:
        self.pareto: Any = None
        if len(directions) > 1:
            self._build_pareto(directions)
            return
        self._x = bq.LinearScale()
        self._y = bq.LinearScale()
        unit = bq.LinearScale(min=0.0, max=1.0)  # for ticks and markers pinned to the frame
        scales = {"x": self._x, "y": self._y}
        self.complete = bq.Scatter(
            x=[], y=[], scales=scales, colors=[COLORS["COMPLETE"]], default_size=16
        )
        self.pruned = bq.Scatter(
            x=[], y=[], scales=scales, colors=[COLORS["PRUNED"]], default_size=16
        )
        self.best = bq.Lines(
            x=[], y=[], scales=scales, colors=[COLORS["best"]], stroke_width=2,
            interpolation="step-after",
        )  # fmt: skip
        self.failed = bq.Scatter(
            x=[], y=[], scales={"x": self._x, "y": unit}, marker="cross",
            colors=[COLORS["FAIL"]], default_size=20,
        )  # fmt: skip
        self.markers = bq.Scatter(
            x=[], y=[], scales={"x": self._x, "y": unit}, marker="triangle-down",
            default_size=60, names=[], display_names=True, colors=[MARKER_COLORS["user"]],
        )  # fmt: skip
        self.history = _figure(
            [self.complete, self.pruned, self.best, self.failed, self.markers],
            [
                bq.Axis(scale=self._x, label="trial"),
                bq.Axis(scale=self._y, side="left", label="objective"),
            ],
            "optimization history",
            "300px",
        )
        self.slices: dict[str, tuple[Any, Any, Any]] = {}
        self._log_axes: dict[str, Any] = {}  # the x axes of log-scaled parameters' slices
        figures = []
        for name in space:
            dim = space.original[name]
            if dim.kind == "categorical":
                xs: Any = bq.OrdinalScale()
            else:
                xs = bq.LogScale() if dim.log else bq.LinearScale()
            ys = bq.LinearScale()
            dots = bq.Scatter(
                x=[], y=[], scales={"x": xs, "y": ys}, colors=[COLORS["COMPLETE"]],
                default_size=12, opacities=[0.6],
            )  # fmt: skip
            shade = bq.Lines(
                x=[], y=[], scales={"x": xs, "y": unit}, fill="bottom",
                fill_opacities=[0.12], fill_colors=["#9467bd"], colors=["#9467bd"],
                stroke_width=1,
            )  # fmt: skip
            self.slices[name] = (dots, shade, dim)
            axes = [bq.Axis(scale=xs, label=name), bq.Axis(scale=ys, side="left")]
            if dim.kind != "categorical" and dim.log:
                self._log_axes[name] = axes[0]
            figures.append(_figure([shade, dots], axes, name, "220px"))
        bar_x = bq.OrdinalScale()
        self.bars = bq.Bars(
            x=[], y=[], scales={"x": bar_x, "y": bq.LinearScale(min=0.0)}, colors=["#1f77b4"]
        )
        self.importance = _figure(
            [self.bars],
            [bq.Axis(scale=bar_x), bq.Axis(scale=self.bars.scales["y"], side="left")],
            "parameter importance (PED-ANOVA, at adaptation checkpoints)",
            "220px",
        )
        self.widget = ipw.VBox(
            [
                self.history,
                ipw.GridBox(figures, layout=ipw.Layout(grid_template_columns="repeat(3, 1fr)")),
                self.importance,
            ]
        )

    def _build_pareto(self, directions: tuple[str, ...]) -> None:
        xs, ys = bq.LinearScale(), bq.LinearScale()
        scales = {"x": xs, "y": ys}
        self.cloud = bq.Scatter(x=[], y=[], scales=scales, colors=["#bbbbbb"], default_size=14)
        self.front = bq.Scatter(x=[], y=[], scales=scales, colors=[COLORS["FAIL"]], default_size=28)
        self.front_line = bq.Lines(
            x=[], y=[], scales=scales, colors=[COLORS["FAIL"]], interpolation="step-after"
        )
        self.pareto = _figure(
            [self.cloud, self.front_line, self.front],
            [
                bq.Axis(scale=xs, label=f"objective 0 ({directions[0]})"),
                bq.Axis(scale=ys, side="left", label=f"objective 1 ({directions[1]})"),
            ],
            "Pareto front (first two objectives)",
            "360px",
        )
        self.widget = ipw.VBox([self.pareto])

    def refresh(self, record: dict[str, Any]) -> None:
        """Redraw from a plot record (called by the pump only)."""
        if self.pareto is not None:
            self._refresh_pareto(record)
            return
        xs, ys, states = record["history"]
        done = [(x, y) for x, y, s in zip(xs, ys, states, strict=True) if s != "PRUNED"]
        cut = [(x, y) for x, y, s in zip(xs, ys, states, strict=True) if s == "PRUNED"]
        for mark, points in ((self.complete, done), (self.pruned, cut)):
            with mark.hold_sync():
                mark.x = [p[0] for p in points]
                mark.y = [p[1] for p in points]
        best = record["best"]
        if best:
            last = max(xs[-1] if xs else 0, record["failed"][-1] if record["failed"] else 0)
            steps = [*best, (max(last, best[-1][0]), best[-1][1])]
            with self.best.hold_sync():
                self.best.x = [s[0] for s in steps]
                self.best.y = [s[1] for s in steps]
        with self.failed.hold_sync():
            self.failed.x = record["failed"]
            self.failed.y = [0.02] * len(record["failed"])
        markers = record["markers"]
        with self.markers.hold_sync():
            self.markers.x = [m["number"] for m in markers]
            self.markers.y = [0.97] * len(markers)
            self.markers.names = [f"v{m['version']} {m['source']}" for m in markers]
        self._refresh_slices(record)
        importance = record["importance"]
        if importance:
            with self.bars.hold_sync():
                self.bars.x = list(importance)
                self.bars.y = list(importance.values())

    def _refresh_pareto(self, record: dict[str, Any]) -> None:
        points, front = record["points"], [values for _, values in record["front"]]
        with self.cloud.hold_sync():
            self.cloud.x = [p[0] for p in points]
            self.cloud.y = [p[1] for p in points]
        for mark in (self.front, self.front_line):
            with mark.hold_sync():
                mark.x = [p[0] for p in front]
                mark.y = [p[1] for p in front]

    def _refresh_slices(self, record: dict[str, Any]) -> None:
        current = {p["name"]: p for p in (record["space"] or {}).get("params", [])}
        for name, (dots, shade, dim) in self.slices.items():
            x, y = record["slices"].get(name, ([], []))
            with dots.hold_sync():
                dots.x = [str(v) for v in x] if dim.kind == "categorical" else x
                dots.y = y
            now = current.get(name)
            span = list(x)
            if dim.kind != "categorical" and now is not None:
                low, high = (now["frozen"],) * 2 if "frozen" in now else (now["low"], now["high"])
                with shade.hold_sync():
                    shade.x, shade.y = [low, high], [1.0, 1.0]
                span += [low, high]
            axis = self._log_axes.get(name)
            if axis is not None and span:
                ticks, fmt = log_ticks(min(span), max(span))
                shown = axis.tick_values
                if shown is None or list(shown) != ticks:
                    with axis.hold_sync():
                        axis.tick_values, axis.tick_format = ticks, fmt


def log_ticks(low: float, high: float, most: int = 6) -> tuple[list[float], str]:
    """Tick values and a d3 format for a log axis over [low, high]: powers of ten, or 1-3,
    1-2-5, then 1-9 steps when fewer than three fall inside, thinned to at most `most`.

    bqplot's own log ticks (1, 2 and 5 of every decade, 1 to 9 under two decades) overlap on
    a slice plot a third of the dashboard wide. No ticks (bqplot's own) when low <= 0."""
    if not 0 < low <= high:
        return [], ""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    ticks: list[float] = []
    for steps in ((1,), (1, 3), (1, 2, 5), tuple(range(1, 10))):
        ticks = [
            float(f"{m}e{e}")  # exact decimal values (3e-3, not 0.0030000000000000005)
            for e in range(first, last + 1)
            for m in steps
            if low <= float(f"{m}e{e}") <= high
        ]
        if len(ticks) >= 3:
            break
    if len(ticks) > most:
        ticks = ticks[:: -(-len(ticks) // most)]
    small, large = ticks and ticks[0] < 1e-3, ticks and ticks[-1] >= 1e5
    return ticks, ".0e" if small or large else "~g"
