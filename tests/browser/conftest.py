"""Browser tests: Playwright driving Debian's Chromium against the real app.

The browser
    Playwright never downloads a browser here (do not run ``playwright install``): it
    launches the system Chromium, ``/usr/bin/chromium`` (Debian package ``chromium``;
    ``.ci/run`` installs it when missing), or the executable named by ``KB_CHROMIUM``.
    Without a Chromium, or without the ``playwright`` package (``pip install -e '.[dev]'``),
    every test of this folder is skipped with the reason. One headless browser serves
    the whole session (fixture ``browser``); each test gets a fresh context and page
    (fixture ``page``: 1280x900, clipboard read/write granted on the site's origin).

The site
    Fixture ``site`` ingests an invented world into a temporary folder once per session
    and serves the real app (``kb.web.create_app``) on 127.0.0.1, on a free port, from a
    background thread; it yields the base URL (``http://127.0.0.1:PORT``), which is also
    the page's ``base_url``, so ``page.goto("/api/health")`` works. The world is
    ``pipeline-treaty`` (tests/fixtures/pipeline-treaty.md), ``pipeline-proposal``
    (igf-proposal-sample.txt), ``pipeline-declaration`` (metadata only), all from
    pipeline-sources.toml, and ``hostile-treaty`` (hostile-treaty.md, its entry in
    hostile-sources.toml): title, headings, texts and citation carrying
    ``<script>``/``onerror``/``"><svg onload>`` payloads that set ``window.__pwned``, and
    entities; search "quillwort" to find it. 4 documents, 18 passages.

    Fixture ``ref_site`` serves a second app, on its own port, over the same world plus
    ``lantern-protocol``: an invented protocol to the Lantern Convention (written below,
    ``LANTERN_PROTOCOL``) whose articles cite the Convention's Articles 3 and 4 and each
    other, so that cross-references, "Cited by" and inherited definitions have something
    to show; its Article 3 wraps such references in escaped markup. The first world has
    no cross-reference at all, and its counts stay as they are.

Running
    ``pytest tests/browser`` runs these tests alone (``pytest`` runs them with the rest).
    Screenshots go to ``test-output/screenshots/`` at the repository root: the ones a
    test takes with ``shot(page, name)`` as ``<name>.png``, and one of the page of every
    failing test as ``FAILED-<test name>.png``.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from kb.config import Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.factories import invented_world

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from playwright.sync_api import Browser, ConsoleMessage, Locator, Page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCREENSHOTS = ROOT / "test-output" / "screenshots"

DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Playwright adds --headless itself (with headless=True, which also makes the page report
# a mouse: hover media queries match); the repeated flag is harmless.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
CLIPBOARD = ["clipboard-read", "clipboard-write"]
TIMEOUT_MS = 5_000  # per action or assertion: a failing test fails fast

# The invented world (see the docstring above).
HOSTILE_WORD = "quillwort"
WORLD_DOCUMENTS, WORLD_PASSAGES = 4, 18

# The second world's extra document: invented text, in the mirror's Markdown shape.
PROTOCOL = "lantern-protocol"
PROTOCOL_TITLE = "Additional Protocol to the Convention on Lantern Signals between Harbours"
PROTOCOL_CITATION = "Fog Horn Protocol to the Lantern Convention"
LANTERN_PROTOCOL = f"""\
<meta http-equiv='Content-Type' content='text/html; charset=utf-8' />

##Protocol inzake misthoorns

####{PROTOCOL_TITLE}

The Parties to this Protocol, being Parties to the Convention on Lantern Signals between \
Harbours, and wishing to add fog horns to the signals exchanged under Article 3 of the \
Convention, have agreed as follows:

### Article  1

####Fog horn logs

Each Party shall keep a fog horn log beside the signal logs that Article 4 of the Convention \
protects.

### Article  2

####Requests for fog horn logs

A request for a fog horn log shall be made as Article 1 of this Protocol and Article 3 of the \
Convention say.

### Article  3

####Keepers' notes &lt;i&gt;in markup&lt;/i&gt;

A keeper's note may carry &lt;img src=x onerror="window.__pwned=1"&gt; next to Article 2, or \
&lt;a href="javascript:window.__pwned=1"&gt;Article 1&lt;/a&gt;, and \
"&gt;&lt;svg onload=window.__pwned=1&gt; before the Convention; all of it is read as fog \
horn text.
"""
PROTOCOL_SOURCE = f"""
[[source]]
id = "{PROTOCOL}"
title = "{PROTOCOL_TITLE}"
short_title = "Fog Horn Protocol"
kind = "treaty"
year = 2003
url = "https://treaties.example.org/lantern-signals-fog-horns"
fetch_url = "http://127.0.0.1:9/{PROTOCOL}.md"
format = "markdown"
parser = "treaty"
citation = "{PROTOCOL_CITATION}"
"""
REF_WORLD_DOCUMENTS, REF_WORLD_PASSAGES = 5, 22

# Elements that only an injection would put on these pages (they have no images at all).
INJECTED = (
    "script:not([src]), img, svg, iframe, object, embed, [onerror], [onload], "
    "a[href^='javascript:' i]"
)


def chromium_path() -> Path:
    """The Chromium to drive: ``$KB_CHROMIUM``, else ``/usr/bin/chromium``."""
    return Path(os.environ.get("KB_CHROMIUM") or DEFAULT_CHROMIUM)


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests: the playwright package is not installed (pip install -e '.[dev]')"
    path = chromium_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        return (
            f"browser tests: no Chromium at {path} "
            "(apt-get install chromium, or set KB_CHROMIUM to its path)"
        )
    return None


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


def referencing_world(root: Path) -> Settings:
    """The invented world, hostile source included, plus the protocol citing it."""
    settings = invented_world(root, hostile=True)
    assert settings.mirror is not None
    (settings.mirror / f"{PROTOCOL}.md").write_text(LANTERN_PROTOCOL, encoding="utf-8")
    with settings.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write(PROTOCOL_SOURCE)
    return settings


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


def serving(settings: Settings) -> contextlib.AbstractContextManager[str]:
    """The app over ``settings`` on 127.0.0.1, a free port, in a background thread."""
    return serving_wsgi(create_app(settings))


@contextlib.contextmanager
def serving_wsgi(app: WSGIApplication) -> Iterator[str]:
    """A WSGI app on 127.0.0.1, a free port, in a background thread: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


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


def expect_nothing_ran(page: Page) -> None:
    """No payload ran, and none became an element: the only script is kb.js."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(INJECTED).count() == 0
    sources = page.locator("script").evaluate_all("scripts => scripts.map(s => s.src)")
    assert [urlsplit(src).path for src in sources] == ["/static/kb.js"]


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """``test-output/screenshots/`` at the repository root (created)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shot(screenshots: Path) -> Callable[[Page, str], Path]:
    """``shot(page, name)`` saves the whole page as ``test-output/screenshots/<name>.png``."""
    return save_screenshot


def save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path


def location_hash(page: Page) -> str:
    return page.evaluate("location.hash")


def expect_passage_at_anchor(page: Page, anchor: str) -> Locator:
    """The page is scrolled to the passage ``anchor``: the URL's target, on screen, at the
    top of the window (below its scroll margin) unless the page ends before."""
    assert location_hash(page) == f"#{anchor}"
    from playwright.sync_api import expect  # imported here: conftest loads without playwright

    passage = page.locator(f"section.passage#{anchor}")
    expect(passage).to_be_in_viewport()
    top, at_end = passage.evaluate(
        "section => [section.getBoundingClientRect().top,"
        " Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight]"
    )
    assert 0 <= top <= 40 or at_end, f"#{anchor} is {top}px below the top"
    assert passage.evaluate("section => section.matches(':target')")
    return passage
