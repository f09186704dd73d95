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

from ..browser._lab import launch_browser, require_browser
from .conftest import BAD_REASON

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "report.png"
PLOTS = ("optimization_history", "param_importance", "parallel_coordinate", "param_relationships")


@pytest.fixture
def chromium() -> Any:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_browser(p)
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
    if os.environ.get("AH_UPDATE_SCREENSHOTS", "") not in (
        "",
        "0",
        "false",
        "no",
    ):  # the docs show the top: summary, best trial, history
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
