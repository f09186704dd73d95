"""Events: frozen records of everything a study does, and the bus that carries them."""

from ._bus import EventBus, InlineListener, Listener, Subscription
from ._records import (
    EVENT_TYPES,
    Adaptation,
    Error,
    Event,
    Finished,
    Gap,
    Paused,
    Resumed,
    SpaceChanged,
    Stopped,
    StrategyChanged,
    StudyStarted,
    TrialFinished,
    TrialReported,
    TrialStarted,
    to_jsonable,
)

__all__ = [
    "EVENT_TYPES",
    "Adaptation",
    "Error",
    "Event",
    "EventBus",
    "Finished",
    "Gap",
    "InlineListener",
    "Listener",
    "Paused",
    "Resumed",
    "SpaceChanged",
    "Stopped",
    "StrategyChanged",
    "StudyStarted",
    "Subscription",
    "TrialFinished",
    "TrialReported",
    "TrialStarted",
    "to_jsonable",
]
