"""The reports in a real browser: the OS's headless Chromium driven by Playwright.

One page load per report (inference on the published Dell v2.1 results, training on
the published Dell v4.1 run): the page loads from file:// with every other request
blocked and none attempted, every picture decodes (naturalWidth > 0), no console error,
no page error, and the sortable tables sort by the numbers in ``data-v``.

Chromium comes from the Debian package (``scripts/setup.sh --dev`` installs it); Playwright's
own browser download is never used. Without it these tests fail, saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from realdata import DELL_V21_OFFLINE, SHARED

from joulekit.cli.report import build_report, build_training_report

CHROMIUM = Path("/usr/bin/chromium")
MISSING = (
    f"the browser tests need the Debian Chromium at {CHROMIUM} and the playwright package: "
    "run `bash scripts/setup.sh --dev` (as root it installs chromium with apt-get) or "
    "`apt-get install -y chromium`"
)
DELL_TRAINING = SHARED / "fixtures" / "real-training" / "training_results_v4.1"


@dataclass
class Visit:
    """What one page load did."""

    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(MISSING)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     timeout=30_000)
        try:
            yield chromium
        finally:
            chromium.close()


def _open(browser: Any, page_file: Path) -> tuple[Any, Visit]:
    """Load ``page_file`` offline; every request that is not file:// is blocked and
    recorded."""
    visit = Visit()
    context = browser.new_context(offline=True, java_script_enabled=True)
    context.set_default_timeout(15_000)

    def route(r: Any) -> None:
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            visit.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda req: None if req.url.startswith("file:")
            else visit.blocked.append(req.url))
    page.on("requestfailed", lambda req: visit.failed.append(req.url))
    page.on("console", lambda msg: visit.console_errors.append(msg.text)
            if msg.type == "error" else None)
    page.on("pageerror", lambda err: visit.page_errors.append(str(err)))
    page.goto(page_file.resolve().as_uri(), wait_until="load")
    return page, visit


def _images(page: Any) -> list[tuple[str, bool, int]]:
    found: list[tuple[str, bool, int]] = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.getAttribute('src'), e.complete, e.naturalWidth])")
    return [tuple(x) for x in found]  # type: ignore[misc]


def _column(page: Any, table: str, index: int) -> list[str]:
    values: list[str] = page.eval_on_selector_all(
        f"{table} tbody tr",
        f"rows => rows.map(r => r.cells[{index}].dataset.v ?? r.cells[{index}].textContent)")
    return values


def _numbers(values: list[str]) -> list[float]:
    return [float(v) for v in values if v != "NaN"]


def _sorts(page: Any, table: str, header: str) -> None:
    """Clicking ``header`` sorts ascending, again descending (NaN last both times)."""
    headers: list[str] = page.eval_on_selector_all(f"{table} thead th",
                                                   "ths => ths.map(t => t.textContent)")
    index = headers.index(header)
    th = page.locator(f"{table} thead th").nth(index)
    th.click()
    up = _column(page, table, index)
    th.click()
    down = _column(page, table, index)
    assert _numbers(up) == sorted(_numbers(up)) and len(_numbers(up)) >= 2, up
    assert _numbers(down) == sorted(_numbers(down), reverse=True), down
    for values in (up, down):
        nans = [v == "NaN" for v in values]
        assert nans == sorted(nans), values  # every NaN after every number


def _assert_clean(page: Any, visit: Visit, pictures: int) -> None:
    images = _images(page)
    assert len(images) == pictures
    broken = [src for src, complete, width in images if not complete or width <= 0]
    assert not broken, f"pictures that did not render: {broken}"
    assert all(not src.startswith(("http", "//")) for src, _, _ in images)
    assert visit.blocked == [], f"requests beyond file:// attempted: {visit.blocked}"
    assert visit.failed == []
    assert visit.console_errors == [], visit.console_errors
    assert visit.page_errors == [], visit.page_errors


def test_inference_report_renders_offline_and_sorts(browser: Any, tmp_path: Path) -> None:
    page_file, views = build_report(DELL_V21_OFFLINE.parent, tmp_path)
    assert len(views) == 2  # Offline and Server
    page, visit = _open(browser, page_file)
    try:
        assert page.title() == "joulekit energy report"
        _assert_clean(page, visit, pictures=2)
        assert page.locator("h2").first.inner_text().startswith("Results (2)")
        _sorts(page, "table#results", "average W")
        _sorts(page, "table#results", "published figure")
    finally:
        page.context.close()


def test_training_report_renders_offline_and_sorts(browser: Any, tmp_path: Path) -> None:
    page_file, (_view,) = build_training_report(DELL_TRAINING, tmp_path)
    page, visit = _open(browser, page_file)
    try:
        assert page.title() == "joulekit training energy report"
        _assert_clean(page, visit, pictures=2)  # energy per run, run 0's node traces
        text = page.locator("body").inner_text()
        assert "16,143,282 J" in text and "16,338,359 J" in text
        _sorts(page, "table.files", "energy (official)")
        _sorts(page, "table.files", "readings")
        runs = "table.runs"
        index = 1  # time to train: rows without a time sort last
        page.locator(f"{runs} thead th").nth(index).click()
        times = _column(page, runs, index)
        assert _numbers(times) == sorted(_numbers(times)) and len(times) == 10
        # the findings of a run are folded away, and open on a click
        details = page.locator("details").first
        assert not details.evaluate("d => d.open")
        details.locator("summary").click()
        assert details.evaluate("d => d.open")
        assert details.locator("code", has_text="TRN020").count() > 0
    finally:
        page.context.close()
