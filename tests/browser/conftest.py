"""Fixtures for the real-browser tests: one Jupyter server (JupyterLab and Notebook 7) and one
headless Chromium per session, a fresh browser context and page per test.

Without chromium or playwright these fixtures skip, so `pytest` still runs anywhere; when the
CI environment variable is set they fail instead, so a missing install step cannot pass as a
green run. (A module-level skip in a conftest would abort the whole collection.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ._lab import (
    VIEWPORT,
    JupyterServer,
    Ui,
    launch_browser,
    open_notebook,
    require_browser,
    write_notebook,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

# Set by the page fixture, called by the report hook while the page is still open.
_ON_FAILURE = pytest.StashKey[Callable[[str], str]]()


def _safe(name: str) -> str:
    """A test's name as a file name."""
    return re.sub(r"\W+", "_", name)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """The Jupyter server; its root_dir (`lab.root`) is where the test notebooks go."""
    require_browser()
    with JupyterServer(tmp_path_factory.mktemp("jupyter-root")) as server:
        yield server


# Package scope, not session: while a sync Playwright is open it marks its event loop as
# running in the main thread, so asyncio.run() and a second sync_playwright() elsewhere in the
# suite would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """One context for the session: its HTTP and compiled-code caches make every page load
    after the first about a second faster. JupyterLab keeps its state on the server, and
    `?reset` ignores it."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(
    lab: JupyterServer,
    browser_context: BrowserContext,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Page]:
    """A new page. On failure its screenshot, the page's console errors and the server log's
    tail go into the test report; afterwards every kernel is shut down, so each test starts
    from a server without kernels."""
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))

    def on_failure(when: str) -> str:
        shots = tmp_path_factory.getbasetemp() / "browser-screenshots"
        shots.mkdir(exist_ok=True)
        shot = shots / f"{_safe(request.node.name)}-{when}.png"
        try:
            page.screenshot(path=str(shot), full_page=True)
        except Exception as e:  # a crashed page must not hide the test's own failure
            shot = Path(f"(no screenshot: {e})")
        return "\n".join(
            [f"screenshot: {shot}", "console:", *console[-30:], "server log:", lab.log_tail(20)]
        )

    request.node.stash[_ON_FAILURE] = on_failure
    yield page
    page.close()
    lab.shutdown_kernels()


@pytest.fixture
def notebook(lab: JupyterServer, page: Page, request: pytest.FixtureRequest) -> Callable[..., Page]:
    """notebook(cells, ui="lab") writes the code cells to a notebook named after the test,
    opens it in `page` in JupyterLab ("lab") or Notebook 7 ("notebook"), waits for its kernel
    to be idle and returns the page. No cell has run yet."""
    base = _safe(request.node.name)
    opened: list[str] = []

    def open_(cells: Sequence[str], ui: Ui = "lab") -> Page:
        name = f"{base}_{len(opened)}.ipynb"
        write_notebook(lab.root / name, cells)
        open_notebook(page, lab, name, ui=ui)
        opened.append(name)
        return page

    return open_


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    on_failure = item.stash.get(_ON_FAILURE, None)
    # "setup" too: the notebook fixture opens the notebook during setup.
    if report.failed and report.when in ("setup", "call") and on_failure is not None:
        report.sections.append(("browser", on_failure(report.when)))
    return report
