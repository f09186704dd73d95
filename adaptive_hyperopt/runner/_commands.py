"""Commands sent to a running study, and the replies the driver gives them.

Any thread may send a command; the driver applies it at the next trial boundary (at once while
paused) and answers through the command's future: accepted, or refused with the reason.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "pause",
    "resume",
    "stop",
    "set_range",
    "set_choices",
    "freeze",
    "unfreeze",
    "restore",
    "adapt_now",
)


@dataclass(frozen=True)
class Reply:
    """The driver's answer to a command."""

    accepted: bool
    message: str = ""
    space_version: int | None = None

    def __bool__(self) -> bool:
        return self.accepted


class CommandFuture(Future[Reply]):
    """A pending reply. `wait()` blocks until the driver has answered and returns the Reply."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def wait(self, timeout: float | None = None) -> Reply:
        """Block until answered (or `timeout` seconds) and return the Reply."""
        return self.result(timeout)

    def __repr__(self) -> str:
        if not self.done():
            return f"<{self.kind}: pending>"
        reply = self.result()
        verdict = "accepted" if reply.accepted else "refused"
        return f"<{self.kind}: {verdict}{': ' + reply.message if reply.message else ''}>"


@dataclass
class Command:
    """A request to the driver; `args` are checked by the driver, never trusted."""

    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    source: str = "user"
    future: CommandFuture = field(init=False)

    def __post_init__(self) -> None:
        self.future = CommandFuture(self.kind)

    def answer(self, accepted: bool, message: str = "", space_version: int | None = None) -> Reply:
        """Resolve the command's future."""
        reply = Reply(accepted, message, space_version)
        if not self.future.done():
            self.future.set_result(reply)
        return reply
