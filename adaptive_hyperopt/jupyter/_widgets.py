"""The dashboard's two anywidgets: the stream (written by the pump) and the controls.

They are split for one reason (docs/dashboard.md): ipykernel 7 routes a comm's incoming
messages to the thread that last sent on it, so a widget the pump streams on has its clicks
wait behind a long foreground cell. The controls widget is never sent on except inside its own
handler, so JupyterLab keeps its clicks on a comm subshell (about 60 ms even while a cell
runs). It learns the status and the ranges by asking; its handler validates, enqueues a command
and answers.
"""

from __future__ import annotations

import logging
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..events import to_jsonable
from ..space import Categorical
from ._protocol import CONTROL_KINDS, STREAM_KINDS, ProtocolError, Request, parse, reply
from ._state import DashboardState

logger = logging.getLogger("adaptive_hyperopt.jupyter")

REPLY_WAIT = 0.5  # seconds a handler waits for the driver before answering "pending"
MAX_PENDING = 100


def asset(name: str) -> Path:
    """A frontend file: inside the wheel (`_static/`), or `widgets/` in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_static" / name, package.parent / "widgets" / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"the dashboard's frontend file {name!r} is missing")


class _Widget(anywidget.AnyWidget):
    _esm = asset("dashboard.js")
    _css = asset("dashboard.css")
    view = traitlets.Unicode("stream").tag(sync=True)
    study = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            self.send(self.answer(content))
        except Exception:  # nothing from the frontend may raise in the kernel
            logger.exception("dashboard: failed to answer a %s message", self.view)

    def answer(self, content: Any) -> dict[str, Any]:
        """The reply to one message from the frontend (an error reply if it is invalid)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.study!r}>"


class StreamWidget(_Widget):
    """Carries the event stream (deltas pushed by the pump) and answers snapshot requests."""

    def __init__(self, state: DashboardState) -> None:
        super().__init__(view="stream", study=state.study)
        self._state = state

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            with self._state.lock:  # ordered with the pump's deltas
                self.send(self.answer(content))
        except Exception:
            logger.exception("dashboard: failed to answer a stream message")

    def answer(self, content: Any) -> dict[str, Any]:
        """A snapshot (call with the state's lock held), or an error reply."""
        try:
            request = parse(content, STREAM_KINDS)
        except ProtocolError as exc:
            return reply(exc.id, False, str(exc))
        return self._state.snapshot(request.id)


class ControlsWidget(_Widget):
    """Pause, resume, stop, force adaptation and the range editor, over a study's control."""

    def __init__(self, control: Any) -> None:
        super().__init__(view="controls", study=control.study_name)
        self._control = control
        self._pending: dict[str | int, Any] = {}
        _route_by_header(self.comm)

    def answer(self, content: Any) -> dict[str, Any]:
        """Validate, enqueue the command, and answer with its outcome and the current state."""
        try:
            request = parse(content, CONTROL_KINDS, self._control.space)
        except ProtocolError as exc:
            return reply(exc.id, False, str(exc), state=self.state())
        if request.kind == "get_state":
            return reply(request.id, True, "", state=self.state())
        future = self._command(request)
        try:
            answer = future.result(REPLY_WAIT)
        except FutureTimeout:
            if len(self._pending) >= MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))
            self._pending[request.id] = future
            return reply(
                request.id, True, f"{request.kind}: queued", pending=True, state=self.state()
            )
        return reply(request.id, answer.accepted, answer.message, state=self.state())

    def _command(self, request: Request) -> Any:
        control, args = self._control, request.args
        if request.kind == "stop":
            return control.stop("stopped from the dashboard")
        if request.kind in ("pause", "resume", "adapt_now", "unfreeze", "restore"):
            return getattr(control, request.kind)(**args)
        if request.kind == "set_range":
            return control.set_range(args["name"], args["low"], args["high"])
        if request.kind == "set_choices":
            return control.set_choices(args["name"], args["choices"])
        return control.freeze(args["name"], args["value"])

    def state(self) -> dict[str, Any]:
        """Status, the space as the editor shows it, and commands answered since last asked."""
        status = self._control.status
        answered = [
            {"id": rid, "ok": f.result().accepted, "message": f.result().message}
            for rid, f in list(self._pending.items())
            if f.done()
        ]
        for item in answered:
            self._pending.pop(item["id"], None)
        return {
            "status": {
                "state": status.state,
                "paused": status.paused,
                "done": self._control.done(),
                "n_complete": status.n_complete,
                "best_value": to_jsonable(status.best_value),
                "best_params": to_jsonable(status.best_params),
                "space_version": status.space_version,
            },
            "params": editor_rows(self._control.space),
            "answers": answered,
        }


def _route_by_header(comm: Any) -> None:
    """Have ipykernel run each of `comm`'s incoming messages where the page sent it.

    ipykernel 7.4 routes a comm's incoming message to the subshell named in the parent header
    of the comm's last outgoing message (`BaseComm._reply_subshell_for`): the controls' comm_open
    (from the cell) and any reply to a message the page sent before JupyterLab's comm subshell
    existed name no subshell, so the controls' next messages, a click included, wait on the main
    shell behind a running cell until a poll is answered there. The controls send only replies
    and never wait for the page, so the header the page chose is the right route."""
    if comm is not None and hasattr(comm, "_reply_subshell_for"):
        comm._reply_subshell_for = lambda _data, default: default


def editor_rows(space: Any) -> list[dict[str, Any]]:
    """One row per parameter for the range editor: the current and the declared domain.

    Categorical choices are sent as labels with their index into the declared choices, which
    is what the frontend sends back (`_protocol`)."""
    rows = []
    for name in space:
        dim, declared = space[name], space.original[name]
        row: dict[str, Any] = {"name": name, "type": dim.kind, "frozen": dim.frozen}
        if dim.frozen:
            row["frozen_value"] = _label(dim.frozen_value)
        if isinstance(declared, Categorical):
            current = set(range(len(declared.choices)))
            if isinstance(dim, Categorical):
                current = {i for i, c in enumerate(declared.choices) if c in dim.choices}
            row["choices"] = [
                {"index": i, "label": _label(c), "on": i in current}
                for i, c in enumerate(declared.choices)
            ]
        else:
            row.update(
                low=dim.low,
                high=dim.high,
                log=dim.log,
                declared_low=declared.low,
                declared_high=declared.high,
            )
        if dim.condition is not None:
            row["when"] = f"{dim.condition.parent} in {list(map(_label, dim.condition.values))}"
        rows.append(row)
    return rows


def _label(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)
