"""A description of the machine and software a benchmark ran on."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
from typing import Any

#: Distributions whose versions every results session records.
PACKAGES = (
    "adaptive-hyperopt",
    "optuna",
    "hyperopt",
    "scikit-optimize",
    "scikit-learn",
    "numpy",
    "scipy",
    "torch",
    "cmaes",
)


def package_version(name: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_average() -> list[float] | None:
    """1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def now_iso() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def describe_machine() -> dict[str, Any]:
    """CPU count, platform, Python and library versions."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "python": platform.python_version(),
        "packages": {name: package_version(name) for name in PACKAGES},
    }
