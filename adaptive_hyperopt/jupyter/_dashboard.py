"""Dashboard: a plain object over a study's control that displays as the live widgets.

In a Jupyter kernel it shows the controls, the stream (status line, latest trials, event log,
objective errors) and the live plots, fed by one pump thread. Anywhere else (plain terminal
IPython, a script) it is a text status: its `repr`.
"""

from __future__ import annotations

import logging
from typing import Any

from ._state import DashboardState

logger = logging.getLogger("adaptive_hyperopt.jupyter")


def in_kernel() -> bool:
    """Whether we run inside a Jupyter kernel, where widgets can be displayed."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return getattr(get_ipython(), "kernel", None) is not None


def display_dashboard(dashboard: Dashboard) -> None:
    """Show `dashboard` in the current cell; outside a kernel, say that it cannot be shown."""
    if dashboard.widget is None:
        logger.warning(
            "dashboard=True: no Jupyter kernel here, so no dashboard; the study runs without it"
        )
        return
    from IPython.display import display

    display(dashboard)


class Dashboard:
    """The live dashboard of one study (a `StudyHandle` or another StudyControl).

    `widgets=None` builds the widgets only inside a Jupyter kernel; `plots=False` leaves out
    the bqplot figures (the panel alone).
    """

    def __init__(self, control: Any, *, widgets: bool | None = None, plots: bool = True) -> None:
        self.control = control
        self.state = DashboardState(control.study_name)
        self.widget: Any = None
        self._pump: Any = None
        if widgets if widgets is not None else in_kernel():
            self._build(plots)

    def _build(self, with_plots: bool) -> None:
        import ipywidgets as ipw

        from ._pump import Pump
        from ._widgets import ControlsWidget, StreamWidget

        self.controls = ControlsWidget(self.control)
        self.stream = StreamWidget(self.state)
        self.plots = None
        children = [self.controls, self.stream]
        if with_plots:
            from ._plots import LivePlots

            directions = tuple(d.name.lower() for d in self.control.study.directions)
            self.plots = LivePlots(self.control.space, directions)
            children.append(self.plots.widget)
        self.widget = ipw.VBox(children)
        self.widget.add_class("ah-dashboard")
        self._pump = Pump(self.control, self.state, self.stream.send, self.plots)
        self._pump.start()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": repr(self)}
        if self.widget is not None:
            data = self.widget._repr_mimebundle_(**kwargs)
            bundle.update(data[0] if isinstance(data, tuple) else data)
            bundle["text/plain"] = repr(self)
        return bundle

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the study has ended and the dashboard has shown all of it."""
        ended = self.control.wait(timeout) if hasattr(self.control, "wait") else True
        if ended and self._pump is not None:
            self._pump.join(timeout)
        return ended

    def close(self) -> None:
        """Stop streaming and close the widgets; the study itself goes on."""
        if self._pump is not None:
            self._pump.close(2.0)
            self._pump = None
        if self.widget is not None:
            for widget in (self.controls, self.stream, self.widget):
                widget.close()
            if self.plots is not None:
                self.plots.widget.close()
            self.widget = None

    def __repr__(self) -> str:
        s = self.control.status
        best = "-" if s.best_value is None else f"{s.best_value:.6g}"
        return (
            f"<Dashboard {self.control.study_name!r} {s.state}: {s.n_complete} complete, "
            f"{s.n_pruned} pruned, {s.n_failed} failed, {s.n_running} running, "
            f"{s.trials_per_second:.1f} trials/s, best {best}>"
        )
