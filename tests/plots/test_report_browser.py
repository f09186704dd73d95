"""The HTML report of `save_plots`, rendered by headless Chromium from disk (file://, no server).

`AH_UPDATE_SCREENSHOTS=1` also writes the screenshot to docs/images/report.png (shown in
docs/plots.md). Without chromium or playwright the test skips; with the CI environment variable
set it fails instead, so a missing install cannot pass as a green run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import optuna
import pytest

from adaptive_hyperopt import plots

from .conftest import BAD_REASON

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "report.png"
PLOTS = ("optimization_history", "param_importance", "parallel_coordinate", "param_relationships")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not os.access(CHROMIUM, os.X_OK):
        return f"chromium is not installed at {CHROMIUM}"
    return None


@pytest.fixture
def chromium() -> Any:
    reason = _missing()
    if reason is not None:
        if _flag("CI"):
            pytest.fail(f"CI is set but {reason}: the report's browser test must run", False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_report_renders_from_disk_in_chromium(
    study: optuna.Study, chromium: Any, tmp_path: Path
) -> None:
    report = plots.save_plots(study, tmp_path / "report")
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    requested: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    response = page.goto(report.as_uri(), wait_until="load")
    assert response is not None and response.ok
    # one self-contained file: nothing else is fetched, nothing fails, no script error
    assert requested == [report.as_uri()] and not failed and not errors

    assert page.title().startswith(f"Study {study.study_name}")
    text = page.inner_text("body")
    for heading in ("Summary", "Best trial: #", "Plots", "Adaptation log", "Failures"):
        assert heading in text
    assert BAD_REASON in text  # escaped in the HTML, shown as written
    # every plot is an inline SVG that the browser laid out at a real size
    for stem in PLOTS:
        box = page.locator(f"figure#{stem} svg").first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150, stem
    # every image decodes: the page's own (none today) and the PNGs it links to
    sizes = page.evaluate(
        """async () => {
            const links = [...document.querySelectorAll('a[href$=".png"]')].map(a => a.href);
            const loaded = await Promise.all(links.map(src => new Promise(resolve => {
                const img = new Image();
                img.onload = () => resolve([src, img.naturalWidth, img.naturalHeight]);
                img.onerror = () => resolve([src, 0, 0]);
                img.src = src;
            })));
            const own = [...document.images].map(i => [i.src, i.naturalWidth, i.naturalHeight]);
            return own.concat(loaded);
        }"""
    )
    assert sorted(Path(src).stem for src, _, _ in sizes) == sorted(PLOTS)
    assert all(width > 0 and height > 0 for _, width, height in sizes), sizes
    assert not failed

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    if _flag("AH_UPDATE_SCREENSHOTS"):  # the docs show the top: summary, best trial, history
        history = page.locator("figure#optimization_history").bounding_box()
        assert history is not None
        bottom = history["y"] + history["height"] + 16
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOT),
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1200, "height": bottom},
        )
    page.close()
