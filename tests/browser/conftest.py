"""Fixtures of the browser tests: Playwright driving Debian's Chromium against the real app.

The browser
    Found and launched as ``tests/browser/chromium.py`` says (``/usr/bin/chromium`` or
    ``$KB_CHROMIUM``; never a downloaded one). Without a Chromium, or without the
    ``playwright`` package (``pip install -e '.[dev]'``), every test of this folder is
    skipped with the reason. One headless browser serves the whole session (fixture
    ``browser``); each test gets a fresh context and page (fixture ``page``: 1280x900,
    clipboard read/write granted on the site's origin).

The site
    Fixture ``site`` ingests the invented world with its hostile treaty
    (``tests/worlds/mirror.py``: 4 documents, 18 passages; search "quillwort" to find
    the hostile one) into a temporary folder once per session and serves the real app
    (``kb.web.create_app``) on 127.0.0.1, on a free port, from a background thread
    (``tests/browser/serving.py``); it yields the base URL (``http://127.0.0.1:PORT``),
    which is also the page's ``base_url``, so ``page.goto("/api/health")`` works.

    Fixture ``ref_site`` serves a second app, on its own port, over the same world plus
    the protocol citing its treaty (``referencing_world``), so that cross-references,
    "Cited by" and inherited definitions have something to show. The first world has no
    cross-reference at all, and its counts stay as they are.

Running
    ``pytest tests/browser`` runs these tests alone (``pytest`` runs them with the rest).
    Screenshots go to ``test-output/screenshots/`` at the repository root: the ones a
    test takes with ``shot(page, name)`` as ``<name>.png``, and one of the page of every
    failing test as ``FAILED-<test name>.png``. What the tests check on a page
    (``expect_nothing_ran``, ``expect_passage_at_anchor``) is in ``tests/browser/checks.py``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kb.config import Settings
from kb.ingest.pipeline import ingest
from tests.browser.chromium import (
    CHROMIUM_ARGS,
    CLIPBOARD,
    SCREENSHOTS,
    TIMEOUT_MS,
    VIEWPORT,
    chromium_path,
    save_screenshot,
    skip_reason,
)
from tests.browser.serving import serving
from tests.worlds.mirror import invented_world, referencing_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = skip_reason()
    if reason is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Keep each phase's report on the item, for the ``page`` fixture's teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the site ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The invented world, ingested once per session."""
    settings = invented_world(tmp_path_factory.mktemp("browser-site"), hostile=True)
    report = ingest(settings)
    assert report.exit_code == 0, report
    return settings


@pytest.fixture(scope="session")
def site(site_settings: Settings) -> Iterator[str]:
    """The real app on 127.0.0.1 in a background thread; yields its base URL."""
    with serving(site_settings) as url:
        yield url


@pytest.fixture(scope="session")
def ref_site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The world with cross-references (see the docstring above), ingested once."""
    settings = referencing_world(tmp_path_factory.mktemp("browser-ref-site"))
    report = ingest(settings)
    assert report.exit_code == 0, report
    return settings


@pytest.fixture(scope="session")
def ref_site(ref_site_settings: Settings) -> Iterator[str]:
    """The app over the world with cross-references; yields its base URL (another port:
    another origin, so its pins are kept apart from the first site's)."""
    with serving(ref_site_settings) as url:
        yield url


# --- the browser ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()),
            headless=True,
            args=CHROMIUM_ARGS,
            timeout=30_000,
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser: Browser, site: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context and page on ``site``; a screenshot is saved when the test fails."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site)
    context.grant_permissions(CLIPBOARD, origin=site)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed and not page.is_closed():
            # a broken page's screenshot must not hide the test's own failure
            with contextlib.suppress(Exception):
                save_screenshot(page, f"FAILED-{request.node.name}")
        context.close()


@pytest.fixture
def no_js_page(browser: Browser, site: str) -> Iterator[Page]:
    """A page on ``site`` with JavaScript switched off."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def console_errors(page: Page) -> Iterator[list[str]]:
    """Console errors and uncaught exceptions of ``page`` while the test runs (a CSP
    violation is reported as a console error)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # the browser's own request for /favicon.ico (the site has none) is no page error
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield errors


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """``test-output/screenshots/`` at the repository root (created)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shot(screenshots: Path) -> Callable[[Page, str], Path]:
    """``shot(page, name)`` saves the whole page as ``test-output/screenshots/<name>.png``."""
    return save_screenshot
