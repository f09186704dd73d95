"""The runner: the driver loop, executors, commands and the StudyHandle."""

from ._callbacks import Callbacks
from ._commands import Command, CommandFuture, Reply
from ._driver import Driver, StudyStatus
from ._handle import StudyControl, StudyHandle
from ._history import History, TrialRecord

__all__ = [
    "Callbacks",
    "Command",
    "CommandFuture",
    "Driver",
    "History",
    "Reply",
    "StudyControl",
    "StudyHandle",
    "StudyStatus",
    "TrialRecord",
]
