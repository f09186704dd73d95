"""Adaptation of the search space: strategies and the scheduler that runs them."""

from ._base import Context, Step, Strategy
from ._expand import Expand
from ._freeze import Freeze
from ._narrow import TrustRegion
from ._scheduler import (
    BUILT_IN,
    DEFAULT_STRATEGIES,
    AdaptationOutcome,
    AdaptationSettings,
    Scheduler,
    accept_space,
)
from ._switch import SwitchSampler

__all__ = [
    "BUILT_IN",
    "DEFAULT_STRATEGIES",
    "AdaptationOutcome",
    "AdaptationSettings",
    "Context",
    "Expand",
    "Freeze",
    "Scheduler",
    "Step",
    "Strategy",
    "SwitchSampler",
    "TrustRegion",
    "accept_space",
]
