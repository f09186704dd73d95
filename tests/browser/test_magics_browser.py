"""The %hyperopt line magic in a real JupyterLab: the study starts, its dashboard renders under
the cell and fills while the kernel is idle, and the handle is bound to the variable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from ._lab import keval, output_locator, run_cell, wait_js

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

SETUP = """
import time
%load_ext adaptive_hyperopt

def objective(params):
    time.sleep(0.02)
    return (params["x"] - 1) ** 2

space = {"x": ("float", -5.0, 5.0)}
"""


def test_the_line_magic_shows_a_live_dashboard(notebook: Callable[..., Page]) -> None:
    magic = "%hyperopt objective space -n 60 -d minimize --seed 0 --storage memory -o tuned"
    page = notebook([SETUP, magic])
    run_cell(page, 0)
    run_cell(page, 1)  # returns at once: the study runs in the background
    out = output_locator(page, 1)
    out.locator(".ah-controls").wait_for()
    out.locator(".ah-stream").wait_for()
    study = keval(page, "tuned.study_name")
    # the counter grows after the cell has returned, then reaches the budget
    wait_js(
        page,
        "(s) => (globalThis.__adaptiveHyperopt?.[s]?.status?.n_complete ?? 0) > 0",
        study,
        timeout=20,
    )
    wait_js(
        page,
        "(s) => globalThis.__adaptiveHyperopt?.[s]?.status?.state === 'finished'",
        study,
        timeout=40,
    )
    assert out.locator("[data-ah=n-complete]").text_content() == "60 / 60"
    assert keval(page, "tuned.result()[2].__len__()") == 60
    assert out.locator("table[data-ah=trials] tbody tr").count() > 0
