"""Synthetic problems with known optima.

Each objective takes a params dict in the DSL; continuous test functions name their
coordinates ``x0 .. x{d-1}``. Optimum values of Hartmann 6D and ``deceptive3`` were computed
with ``scipy.optimize.minimize`` (see tests/benchmarks/test_problems.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from benchmarks.problems.base import Problem


def _box(d: int, low: float, high: float) -> dict[str, tuple[Any, ...]]:
    return {f"x{i}": ("float", low, high) for i in range(d)}


def _vec(params: Mapping[str, Any], d: int) -> np.ndarray:
    return np.array([float(params[f"x{i}"]) for i in range(d)])


def _point(values: list[float]) -> dict[str, Any]:
    return {f"x{i}": v for i, v in enumerate(values)}


# ---------------------------------------------------------------- classic test functions


def branin(params: Mapping[str, Any]) -> float:
    """Branin-Hoo on [-5, 10] x [0, 15]; f* = 5 / (4 pi) at (pi, 2.275) and two others."""
    x, y = float(params["x0"]), float(params["x1"])
    b, c, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - t) * math.cos(x) + 10


HARTMANN_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
HARTMANN_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
HARTMANN_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
HARTMANN6_ARGMIN = [
    0.201689511553439,
    0.150010692585414,
    0.4768739732258419,
    0.2753324311750276,
    0.3116516164348809,
    0.6573005345714009,
]
HARTMANN6_FSTAR = -3.322368011415515


def hartmann6(params: Mapping[str, Any]) -> float:
    """Hartmann 6D on [0, 1]^6."""
    x = _vec(params, 6)
    inner = np.sum(HARTMANN_A * (x - HARTMANN_P) ** 2, axis=1)
    return float(-np.sum(HARTMANN_ALPHA * np.exp(-inner)))


def rosenbrock(params: Mapping[str, Any]) -> float:
    """Rosenbrock 5D on [-5, 10]^5; f* = 0 at (1, ..., 1)."""
    x = _vec(params, 5)
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def ackley(params: Mapping[str, Any]) -> float:
    """Ackley 10D on [-32.768, 32.768]^10; f* = 0 at the origin."""
    x = _vec(params, 10)
    a, b, c = 20.0, 0.2, 2 * math.pi
    s1 = -a * math.exp(-b * math.sqrt(float(np.mean(x**2))))
    s2 = -math.exp(float(np.mean(np.cos(c * x))))
    return s1 + s2 + a + math.e


def levy(params: Mapping[str, Any]) -> float:
    """Levy 8D on [-10, 10]^8; f* = 0 at (1, ..., 1)."""
    x = _vec(params, 8)
    w = 1 + (x - 1) / 4
    head = math.sin(math.pi * w[0]) ** 2
    mid = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(math.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)
    return float(head + mid + tail)


STYBLINSKI_TANG_ARG = -2.903534027771178
STYBLINSKI_TANG_1D_MIN = -39.16616570377142


def styblinski_tang(params: Mapping[str, Any]) -> float:
    """Styblinski-Tang 10D on [-5, 5]^10; f* = 10 * -39.16616570377142."""
    x = _vec(params, 10)
    return float(0.5 * np.sum(x**4 - 16 * x**2 + 5 * x))


# ------------------------------------------------------------------ deceptive3

DECEPTIVE_A = np.array([0.25, 0.25, 0.25])
DECEPTIVE_B = np.array([0.85, 0.85, 0.85])
DECEPTIVE3_FSTAR = -8.845426708348203e-05
DECEPTIVE3_ARGMIN = [0.8499915070210167, 0.8499915070910289, 0.8499915080908814]


def deceptive3(params: Mapping[str, Any]) -> float:
    """A wide basin (f = 0.5) at a, the global minimum in a narrow one near b."""
    x = _vec(params, 3)
    wide = 0.5 * math.exp(-float(np.sum((x - DECEPTIVE_A) ** 2)) / (2 * 0.25**2))
    narrow = math.exp(-float(np.sum((x - DECEPTIVE_B) ** 2)) / (2 * 0.1**2))
    return 1.0 - wide - narrow


# -------------------------------------------------------------------------- mixed

MIXED_SPACE: dict[str, tuple[Any, ...]] = {
    "optimizer": ("categorical", ["sgd", "adam", "rmsprop"]),
    "lr": ("float", 1e-5, 1.0, "log"),
    "weight_decay": ("float", 1e-7, 1e-1, "log"),
    "batch_size": ("int", 8, 1024, "log"),
    "n_layers": ("int", 1, 8),
    "dropout": ("float", 0.0, 0.8),
}
_MIXED_BASE = {"sgd": 0.3, "adam": 0.0, "rmsprop": 0.1}
_MIXED_LR = {"sgd": -1.0, "adam": -3.0, "rmsprop": -2.5}


def mixed(params: Mapping[str, Any]) -> float:
    """A training-like surface over int, categorical and log floats; f* = 0.

    The best learning rate depends on the optimizer and is coupled with the batch size.
    """
    opt = str(params["optimizer"])
    u = math.log10(float(params["lr"])) - _MIXED_LR[opt]
    v = (math.log2(float(params["batch_size"])) - 6.0) / 2.0
    return (
        _MIXED_BASE[opt]
        + u * u
        + v * v
        - u * v
        + 0.25 * (math.log10(float(params["weight_decay"])) + 4.0) ** 2
        + 0.1 * (int(params["n_layers"]) - 3) ** 2
        + 4.0 * (float(params["dropout"]) - 0.2) ** 2
    )


# -------------------------------------------------------------------- conditional

CONDITIONAL_SPACE: dict[str, tuple[Any, ...]] = {
    "model": ("categorical", ["linear", "tree", "kernel"]),
    "scale": ("float", 0.0, 1.0),
    "alpha": ("float", 1e-6, 1.0, "log", "when", "model", "linear"),
    "l1_ratio": ("float", 0.0, 1.0, "when", "model", "linear"),
    "depth": ("int", 1, 20, "when", "model", "tree"),
    "min_leaf": ("int", 1, 100, "log", "when", "model", "tree"),
    "gamma": ("float", 1e-4, 10.0, "log", "when", "model", "kernel"),
    "C": ("float", 1e-2, 1e3, "log", "when", "model", "kernel"),
    "n_iter": ("int", 10, 100, "when", "model", ["tree", "kernel"]),
}


def conditional(params: Mapping[str, Any]) -> float:
    """Three branches with their own parameters; f* = 0 in the narrow ``kernel`` valley.

    Branch floors: linear 0.4, tree 0.2, kernel 0 (but 1 away from its valley).
    """
    model = str(params["model"])
    target_scale = 0.6 if model == "kernel" else 0.4
    f = (float(params["scale"]) - target_scale) ** 2
    if model == "linear":
        f += 0.4 + 0.02 * (math.log10(float(params["alpha"])) + 3.0) ** 2
        f += (float(params["l1_ratio"]) - 0.5) ** 2
    elif model == "tree":
        f += 0.2 + 0.02 * (int(params["depth"]) - 7) ** 2
        f += 0.3 * (math.log10(int(params["min_leaf"])) - 1.0) ** 2
    else:
        g = math.log10(float(params["gamma"])) + 1.5
        c = math.log10(float(params["C"])) - 1.0
        f += 1.0 - math.exp(-(g * g + c * c - 0.8 * g * c) / 0.5)
    if model in ("tree", "kernel"):
        f += 0.1 * ((int(params["n_iter"]) - 60) / 30.0) ** 2
    return f


def synthetic_problems() -> list[Problem]:
    """All synthetic problems, in report order."""
    return [
        Problem(
            "branin",
            "synthetic",
            {"x0": ("float", -5.0, 10.0), "x1": ("float", 0.0, 15.0)},
            "minimize",
            branin,
            5 / (4 * math.pi),
            _point([math.pi, 2.275]),
            "Branin-Hoo 2D",
        ),
        Problem(
            "hartmann6",
            "synthetic",
            _box(6, 0.0, 1.0),
            "minimize",
            hartmann6,
            HARTMANN6_FSTAR,
            _point(HARTMANN6_ARGMIN),
            "Hartmann 6D",
        ),
        Problem(
            "rosenbrock5",
            "synthetic",
            _box(5, -5.0, 10.0),
            "minimize",
            rosenbrock,
            0.0,
            _point([1.0] * 5),
            "Rosenbrock 5D on [-5, 10]^5",
        ),
        Problem(
            "ackley10",
            "synthetic",
            _box(10, -32.768, 32.768),
            "minimize",
            ackley,
            0.0,
            _point([0.0] * 10),
            "Ackley 10D",
        ),
        Problem(
            "levy8",
            "synthetic",
            _box(8, -10.0, 10.0),
            "minimize",
            levy,
            0.0,
            _point([1.0] * 8),
            "Levy 8D",
        ),
        Problem(
            "styblinski_tang10",
            "synthetic",
            _box(10, -5.0, 5.0),
            "minimize",
            styblinski_tang,
            10 * STYBLINSKI_TANG_1D_MIN,
            _point([STYBLINSKI_TANG_ARG] * 10),
            "Styblinski-Tang 10D",
        ),
        Problem(
            "deceptive3",
            "synthetic",
            _box(3, 0.0, 1.0),
            "minimize",
            deceptive3,
            DECEPTIVE3_FSTAR,
            _point(DECEPTIVE3_ARGMIN),
            "wide decoy basin (0.5) at 0.25, narrow global basin near 0.85",
        ),
        Problem(
            "mixed",
            "synthetic",
            MIXED_SPACE,
            "minimize",
            mixed,
            0.0,
            {
                "optimizer": "adam",
                "lr": 1e-3,
                "weight_decay": 1e-4,
                "batch_size": 64,
                "n_layers": 3,
                "dropout": 0.2,
            },
            "int, categorical and log-float parameters, coupled",
        ),
        Problem(
            "conditional",
            "synthetic",
            CONDITIONAL_SPACE,
            "minimize",
            conditional,
            0.0,
            {"model": "kernel", "scale": 0.6, "gamma": 10**-1.5, "C": 10.0, "n_iter": 60},
            "categorical choosing between branches with different parameters",
        ),
    ]
