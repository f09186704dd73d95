"""The log-scaled slices' x ticks: few enough to read on a slice a third of the dashboard wide."""

from __future__ import annotations

import pytest

from adaptive_hyperopt.jupyter._plots import LivePlots, log_ticks
from adaptive_hyperopt.space import SearchSpace


@pytest.mark.parametrize(
    ("low", "high", "ticks", "fmt"),
    [
        (1e-3, 1.0, [1e-3, 1e-2, 0.1, 1.0], "~g"),  # powers of ten
        (0.0014, 0.99, [0.003, 0.01, 0.03, 0.1, 0.3], "~g"),  # fewer than 3 powers: 1-3 steps
        (0.02, 0.04, [0.02, 0.03, 0.04], "~g"),  # 1-9 steps
        (1.0, 1000.0, [1.0, 10.0, 100.0, 1000.0], "~g"),
        (1e-8, 1e8, [1e-8, 1e-5, 1e-2, 10.0, 1e4, 1e7], ".0e"),  # thinned to 6
        (1.2, 1.9, [], "~g"),  # nothing on a step inside: bqplot's own ticks
        (0.0, 1.0, [], ""),  # not a log range
    ],
)
def test_log_ticks(low: float, high: float, ticks: list[float], fmt: str) -> None:
    assert log_ticks(low, high) == (ticks, fmt)


def test_a_log_slice_gets_its_ticks_from_the_data_and_the_range() -> None:
    space = SearchSpace.from_dict({"y": ("float", 1e-3, 1.0, "log"), "x": ("float", 0.0, 1.0)})
    plots = LivePlots(space)
    record = {
        "history": ([0, 1], [1.0, 2.0], ["COMPLETE", "COMPLETE"]),
        "failed": [],
        "best": [(0, 1.0)],
        "markers": [],
        "slices": {"x": ([0.2, 0.4], [1.0, 2.0]), "y": ([0.002, 0.5], [1.0, 2.0])},
        "space": {
            "params": [
                {"name": "x", "low": 0.0, "high": 1.0},
                {"name": "y", "low": 1e-3, "high": 1.0},
            ]
        },
        "importance": {},
    }
    plots.refresh(record)
    axis = plots._log_axes["y"]
    assert list(axis.tick_values) == [1e-3, 1e-2, 0.1, 1.0] and axis.tick_format == "~g"
    assert "x" not in plots._log_axes  # linear: bqplot's own ticks
    assert list(plots.slices["x"][1].x) == [0.0, 1.0]  # the range shaded after a log slice
