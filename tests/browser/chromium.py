"""The browser the tests drive: Debian's Chromium, how it is launched, its screenshots.

Playwright never downloads a browser here (do not run ``playwright install``): it
launches the system Chromium, ``/usr/bin/chromium`` (Debian package ``chromium``;
``.ci/run`` installs it when missing), or the executable named by ``KB_CHROMIUM``.
:func:`skip_reason` says why the browser tests cannot run, when they cannot.
Screenshots go to ``test-output/screenshots/`` at the repository root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from tests.worlds import ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

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


def save_screenshot(page: Page, name: str) -> Path:
    """The whole page as ``test-output/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=path, full_page=True)
    return path
