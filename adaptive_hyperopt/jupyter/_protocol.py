"""The dashboard's wire protocol: frontend-to-kernel envelopes, validated like untrusted input.

Every message from the frontend is an envelope `{kind, id, ...}`. `parse` checks its shape and
types (the driver then checks the meaning: a valid range, which may widen past the declared one;
a declared choice)
and returns a `Request`, or raises `ProtocolError`, which the widget sends back as an error reply
echoing the id. Nothing a frontend sends can raise anything else here. Categorical values travel
as indices into the declared choices (which may be tuples or None, not all JSON-friendly) and are
turned back into the declared objects here.
`widgets/dashboard.js` keeps its own copy of `STREAM_KINDS` and `CONTROL_KINDS`; a test keeps
the two in agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..space import Categorical, SearchSpace

# Requests the data (stream) widget answers.
STREAM_KINDS = ("snapshot",)
# Requests the controls widget answers: status and space queries, and the study's commands.
CONTROL_KINDS = (
    "get_state",
    "pause",
    "resume",
    "stop",
    "adapt_now",
    "set_range",
    "set_choices",
    "freeze",
    "unfreeze",
    "restore",
)
# Messages the kernel sends: a reply to a request, or (stream widget only) an unrequested delta.
KERNEL_KINDS = ("reply", "snapshot", "delta")

MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
MAX_CHOICES = 1_000

_FIELDS: dict[str, tuple[str, ...]] = {
    "set_range": ("name", "low", "high"),
    "set_choices": ("name", "choices"),
    "freeze": ("name", "value"),
    "unfreeze": ("name",),
    "restore": ("name",),
}


class ProtocolError(ValueError):
    """A message the widget refuses; `id` is echoed in the error reply when it was readable."""

    def __init__(self, message: str, id: str | int | None = None) -> None:
        super().__init__(message)
        self.id = id


@dataclass(frozen=True)
class Request:
    """A validated message: its kind, the id to echo, and its arguments."""

    kind: str
    id: str | int
    args: dict[str, Any] = field(default_factory=dict)


def parse(msg: Any, kinds: tuple[str, ...], space: SearchSpace | None = None) -> Request:
    """Validate an envelope against `kinds` and, for parameter edits, against `space`."""
    if not isinstance(msg, dict):
        raise ProtocolError(f"a message must be an object, got {type(msg).__name__}")
    mid = _id(msg.get("id"))
    kind = msg.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise ProtocolError(f"unknown kind {_show(kind)}; expected one of {list(kinds)}", mid)
    allowed = {"kind", "id", *_FIELDS.get(kind, ())}
    extra = sorted(str(k)[:MAX_NAME_LENGTH] for k in msg if k not in allowed)
    if extra:
        raise ProtocolError(f"{kind}: unexpected field(s) {extra}", mid)
    missing = [f for f in _FIELDS.get(kind, ()) if f not in msg]
    if missing:
        raise ProtocolError(f"{kind}: missing field(s) {missing}", mid)
    args: dict[str, Any] = {}
    if "name" not in _FIELDS.get(kind, ()):
        return Request(kind, mid, args)
    if space is None:
        raise ProtocolError(f"{kind}: the study has no search space", mid)
    name = args["name"] = _name(msg["name"], kind, space, mid)
    declared = space.original[name]
    if kind == "set_range":
        if isinstance(declared, Categorical):
            raise ProtocolError(f"set_range: {name!r} is categorical; set its choices", mid)
        for bound in ("low", "high"):
            args[bound] = _number(msg[bound], f"set_range {args['name']!r}: {bound}", mid)
        if not args["low"] < args["high"]:
            raise ProtocolError(
                f"set_range {args['name']!r}: low must be below high, "
                f"got [{args['low']}, {args['high']}]",
                mid,
            )
    elif kind == "set_choices":
        if not isinstance(declared, Categorical):
            raise ProtocolError(f"set_choices: {name!r} is numeric; set its range", mid)
        what = f"set_choices {name!r}: choices"
        picked = msg["choices"]
        if not isinstance(picked, list) or not 0 < len(picked) <= MAX_CHOICES:
            raise ProtocolError(
                f"{what} must be a non-empty list of indices, got {_show(picked)}", mid
            )
        indices = [_index(i, len(declared.choices), what, mid) for i in picked]
        if len(set(indices)) != len(indices):
            raise ProtocolError(f"{what} lists an index twice: {indices}", mid)
        args["choices"] = [declared.choices[i] for i in sorted(indices)]
    elif kind == "freeze":
        what = f"freeze {name!r}: value"
        if isinstance(declared, Categorical):
            args["value"] = declared.choices[_index(msg["value"], len(declared.choices), what, mid)]
        else:
            args["value"] = _number(msg["value"], what, mid)
    return Request(kind, mid, args)


def reply(request_id: str | int | None, ok: bool, message: str = "", **extra: Any) -> dict:
    """The kernel's answer to a request, echoing its id."""
    return {"kind": "reply", "id": request_id, "ok": ok, "message": message, **extra}


def _id(value: Any) -> str | int:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ProtocolError(f"id must be a string or an integer, got {_show(value)}")
    if isinstance(value, str) and not 0 < len(value) <= MAX_ID_LENGTH:
        raise ProtocolError(f"id must be 1 to {MAX_ID_LENGTH} characters long")
    if isinstance(value, int) and not 0 <= value < 2**53:
        raise ProtocolError(f"id must be an integer in [0, 2**53), got {value}")
    return value


def _name(value: Any, kind: str, space: SearchSpace, mid: str | int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME_LENGTH:
        raise ProtocolError(f"{kind}: name must be a parameter's name, got {_show(value)}", mid)
    if value not in space:
        raise ProtocolError(f"{kind}: unknown parameter {value!r}", mid)
    return value


def _number(value: Any, what: str, mid: str | int) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"{what} must be a number, got {_show(value)}", mid)
    if isinstance(value, float) and not math.isfinite(value):
        raise ProtocolError(f"{what} must be finite, got {value}", mid)
    if isinstance(value, int) and abs(value) > 2**53:
        raise ProtocolError(f"{what} is out of range: {value}", mid)
    return value


def _index(value: Any, n: int, what: str, mid: str | int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise ProtocolError(f"{what} must be a choice's index in [0, {n}), got {_show(value)}", mid)
    return value


def _show(value: Any) -> str:
    """A short, safe description of an untrusted value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
