"""What the browser tests check on a page: no injected markup ran, a passage in view."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Elements that only an injection would put on these pages (they have no images at all).
INJECTED = (
    "script:not([src]), img, svg, iframe, object, embed, [onerror], [onload], "
    "a[href^='javascript:' i]"
)


def expect_nothing_ran(page: Page) -> None:
    """No payload ran, and none became an element: the only script is kb.js."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator(INJECTED).count() == 0
    sources = page.locator("script").evaluate_all("scripts => scripts.map(s => s.src)")
    assert [urlsplit(src).path for src in sources] == ["/static/kb.js"]


def location_hash(page: Page) -> str:
    return page.evaluate("location.hash")


def expect_passage_at_anchor(page: Page, anchor: str) -> Locator:
    """The page is scrolled to the passage ``anchor``: the URL's target, on screen, at the
    top of the window (below its scroll margin) unless the page ends before."""
    assert location_hash(page) == f"#{anchor}"
    # imported here: this module loads without playwright (the tests then skip)
    from playwright.sync_api import expect

    passage = page.locator(f"section.passage#{anchor}")
    expect(passage).to_be_in_viewport()
    top, at_end = passage.evaluate(
        "section => [section.getBoundingClientRect().top,"
        " Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight]"
    )
    assert 0 <= top <= 40 or at_end, f"#{anchor} is {top}px below the top"
    assert passage.evaluate("section => section.matches(':target')")
    return passage
