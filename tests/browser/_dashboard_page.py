"""Helpers for the dashboard's browser tests: the notebook cells that start a study and show
its dashboard, and `DashboardPage`, which reads and drives that dashboard in the page.

The frontend (widgets/dashboard.js) marks what it draws with `data-ah` attributes and keeps a
probe per study, `globalThis.__adaptiveHyperopt[study] = {upto, status, renders, maxLag, lags}`,
updated at every redraw of the stream view; the tests read those, and the kernel through
`keval`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._lab import keval, output_locator, wait_js, wait_kernel_idle

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

# A 2-parameter study (one log-scaled) at about 15 trials a second: slow enough to act on
# mid-study, fast enough to fill the plots within seconds.
SETUP = """
import time
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
from adaptive_hyperopt import AdaptiveHyperparameterOptimizer

def objective(params):
    time.sleep({delay})
    return (params["x"] - 1) ** 2 + (params["y"] - 0.3) ** 2

space = {{"x": ("float", -5.0, 5.0), "y": ("float", 1e-3, 1.0, "log")}}
opt = AdaptiveHyperparameterOptimizer(
    n_trials={n_trials}, random_state=0, adaptation_interval=0, study_direction="minimize"
)
"""
START = """
handle = opt.start(objective, space)
dash = handle.dashboard()
dash
"""


def study_cells(n_trials: int = 300, delay: float = 0.05) -> list[str]:
    """Cell 0 defines the study, cell 1 starts it and shows its dashboard (returns at once)."""
    return [SETUP.format(n_trials=n_trials, delay=delay), START]


def update_screenshots() -> bool:
    """Whether to (re)write the screenshots under docs/images (AH_UPDATE_SCREENSHOTS=1)."""
    return os.environ.get("AH_UPDATE_SCREENSHOTS", "") == "1"


class DashboardPage:
    """The dashboard shown under notebook cell `cell` of `page`, and the study behind it."""

    def __init__(self, page: Page, cell: int, study: str) -> None:
        self.page = page
        self.cell = cell
        self.study = study

    @classmethod
    def wait_shown(cls, page: Page, cell: int, timeout: float = 30.0) -> DashboardPage:
        """Wait until the dashboard under `cell` has rendered and drawn its first status."""
        out = output_locator(page, cell)
        out.locator(".ah-controls").wait_for(timeout=timeout * 1000)
        out.locator(".ah-stream").wait_for(timeout=timeout * 1000)
        study = out.locator(".ah-stream").get_attribute("data-study")
        assert study, "the stream view names its study"
        dash = cls(page, cell, study)
        dash.wait_probe("p.status !== null", timeout=timeout)
        return dash

    # Locators ------------------------------------------------------------------------------
    @property
    def out(self) -> Locator:
        return output_locator(self.page, self.cell)

    @property
    def controls(self) -> Locator:
        return self.out.locator(".ah-controls")

    @property
    def stream(self) -> Locator:
        return self.out.locator(f".ah-stream[data-study='{self.study}']")

    @property
    def message(self) -> Locator:
        return self.controls.locator("[data-ah=message]")

    @property
    def history_figure(self) -> Locator:
        """The optimization-history figure (bqplot, the first figure of the dashboard)."""
        return self.out.locator(".bqplot.figure").first

    def text(self, key: str) -> str:
        """A field of the status line: state, n-complete, rate, best-value..."""
        return self.stream.locator(f"[data-ah={key}]").text_content() or ""

    def n_complete(self) -> int:
        """The page's count of complete trials (the status line reads "41 / 300")."""
        return int(self.text("n-complete").split("/")[0])

    def table_numbers(self) -> list[int]:
        """Trial numbers in the latest-trials table, newest first."""
        rows = self.stream.locator("table[data-ah=trials] tbody tr")
        return [int(n) for n in rows.evaluate_all("rs => rs.map(r => r.dataset.number)")]

    def wait_table_past(self, number: int, timeout: float = 30.0) -> None:
        """Wait until the table's newest row is a trial after `number`."""
        wait_js(
            self.page,
            "([el, n]) => Number(el.querySelector('tbody tr')?.dataset.number ?? -1) > n",
            [self.stream.locator("table[data-ah=trials]").element_handle(), number],
            timeout=timeout,
        )

    def log_items(self, kind: str) -> list[str]:
        """The event log's lines of one kind (space_changed, adaptation, paused...)."""
        return self.stream.locator(f"ul[data-ah=log] li[data-kind={kind}]").all_text_contents()

    def marker_labels(self) -> list[str]:
        """The labels bqplot drew beside the history plot's space-change markers."""
        return [
            t.strip()
            for t in self.history_figure.locator("text").all_text_contents()
            if t.strip().startswith("v") and t.strip()[1:2].isdigit()
        ]

    # The probe -----------------------------------------------------------------------------
    def probe(self) -> dict[str, Any]:
        """What the stream view has drawn: {upto, status, renders, maxLag, lags}."""
        return self.page.evaluate("(s) => globalThis.__adaptiveHyperopt?.[s] ?? null", self.study)

    def wait_probe(self, condition: str, timeout: float = 30.0) -> Any:
        """Wait until the JS expression `condition` over the probe `p` holds."""
        return wait_js(
            self.page,
            f"(s) => {{ const p = globalThis.__adaptiveHyperopt?.[s]; return !!p && ({condition}); }}",
            self.study,
            timeout=timeout,
        )

    def wait_complete(self, at_least: int, timeout: float = 30.0) -> None:
        """Wait until the page shows at least `at_least` complete trials."""
        self.wait_probe(f"(p.status?.n_complete ?? 0) >= {at_least}", timeout=timeout)

    def wait_state(self, state: str, timeout: float = 30.0) -> None:
        """Wait until the status line shows `state` (running, paused, finished...)."""
        self.wait_probe(f"p.status?.state === {state!r}", timeout=timeout)

    # Controls ------------------------------------------------------------------------------
    def _clear_message(self) -> None:
        # So the next wait sees the answer to the next click, not an earlier one.
        self.message.evaluate("m => { m.textContent = ''; m.className = 'ah-message'; }")

    def click(self, button: str) -> None:
        """Click pause, resume, stop or adapt."""
        self._clear_message()
        self.controls.locator(f"button[data-ah={button}]").click()

    def edit_range(self, name: str, low: str, high: str) -> None:
        """Type a range into the editor's row for `name` and click Apply."""
        row = self.controls.locator(f"tr[data-ah-param='{name}']")
        row.locator("input[data-ah=low]").fill(low)
        row.locator("input[data-ah=high]").fill(high)
        self._clear_message()
        row.locator("button[data-ah=apply]").click()

    def wait_answer(self, timeout: float = 10.0) -> tuple[bool, str]:
        """Wait for the answer to the last command (not a "queued" note): (ok, text)."""
        wait_js(
            self.page,
            """(m) => m.textContent !== '' && !m.classList.contains('ah-pending')""",
            self.message.element_handle(),
            timeout=timeout,
        )
        ok = self.message.get_attribute("data-ok") == "true"
        return ok, self.message.text_content() or ""

    # The kernel ----------------------------------------------------------------------------
    def kernel(self, expr: str) -> Any:
        """Evaluate `expr` in the kernel (`handle` and `dash` are the study's)."""
        return keval(self.page, expr)

    def kernel_status(self) -> dict[str, Any]:
        """The driver's counters and state, JSON-ready."""
        return self.kernel(
            "(lambda s: {'state': s.state, 'paused': s.paused, 'n_complete': s.n_complete, "
            "'n_pruned': s.n_pruned, 'n_failed': s.n_failed, 'n_running': s.n_running, "
            "'best_value': s.best_value})(handle.status)"
        )

    # Screenshots ---------------------------------------------------------------------------
    def screenshot(self, locator: Locator, name: str) -> Path:
        """Save `locator` as docs/images/NAME (only called when updating screenshots)."""
        IMAGES.mkdir(parents=True, exist_ok=True)
        path = IMAGES / name
        locator.screenshot(path=str(path), animations="disabled")
        return path


def reload_notebook(page: Page, timeout: float = 60.0) -> None:
    """Save the open notebook (so its outputs, the widget views, are on disk), reload the page
    and wait until JupyterLab has reopened it on the same kernel."""
    path = page.evaluate("() => window.__ahPanel.context.path")
    page.evaluate("() => window.__ahPanel.context.save()")
    page.reload(wait_until="domcontentloaded")
    wait_js(
        page,
        """(name) => {
          const w = window.jupyterapp?.shell.currentWidget;
          if (!w || !w.context || w.context.path !== name || !w.content) return false;
          window.__ahPanel = w;
          return true;
        }""",
        path,
        timeout=timeout,
    )
    wait_kernel_idle(page, timeout=timeout)


def sample_statuses(page: Page, study: str, seconds: float) -> list[tuple[int, str]]:
    """(complete trials drawn, kernel status) as the page sees them every 20 ms for `seconds`."""
    samples: list[tuple[int, str]] = page.evaluate(
        """async ([s, ms]) => {
          const out = [], end = Date.now() + ms;
          while (Date.now() < end) {
            const p = globalThis.__adaptiveHyperopt?.[s];
            out.push([p?.status?.n_complete ?? 0,
                      window.__ahPanel.sessionContext.session.kernel.status]);
            await new Promise((r) => setTimeout(r, 20));
          }
          return out;
        }""",
        [study, int(seconds * 1000)],
    )
    return [(int(n), str(status)) for n, status in samples]


def quiet_for(dash: DashboardPage, seconds: float) -> int:
    """Assert that no trial completes for `seconds`, on the page and in the kernel, and that
    both count the same; return that count."""
    before = dash.n_complete(), dash.kernel_status()["n_complete"]
    time.sleep(seconds)
    after = dash.n_complete(), dash.kernel_status()["n_complete"]
    assert before == after, f"trials went on: (page, kernel) {before} -> {after}"
    assert before[0] == before[1], f"the page shows {before[0]}, the kernel has {before[1]}"
    return before[0]
