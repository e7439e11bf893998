"""The API read from another origin's page, in a real browser: CORS as Chromium applies it.

A page of another origin (fixture ``panel``: a bare page served on 127.0.0.1 from another
port, with no Content-Security-Policy of its own) fetches the API on ``site``. A plain
GET needs no preflight; a conditional one, whose script sends ``If-None-Match``, does:
Chromium asks with OPTIONS first and refuses the request unless the answer allows that
header. The page is served for real on the loopback interface, not by Playwright's
routing: Chromium refuses a page it does not know to be local access to 127.0.0.1
(Local Network Access), whatever the API answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.serving import serving_wsgi
from tests.worlds.mirror import TREATY

if TYPE_CHECKING:
    from playwright.sync_api import Page

PANEL_PAGE = b"<!doctype html><html lang=en><title>Panel</title><p>Another origin's page."
# A fetch from the page: its status, ETag and body length, or the error that refused it.
FETCH = """async ([url, headers]) => {
  try {
    const response = await fetch(url, {headers, mode: "cors"});
    const body = await response.text();
    return {status: response.status, etag: response.headers.get("ETag"), length: body.length};
  } catch (error) {
    return {error: String(error)};
  }
}"""
ENDPOINTS = [
    "/api/search?q=lantern",
    f"/api/documents/{TREATY}",
    f"/api/passages/{TREATY}.art-1",
    "/api/compare?q=lantern",
]


def panel_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Any path: the bare page."""
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [PANEL_PAGE]


@pytest.fixture(scope="module")
def panel_url() -> Iterator[str]:
    """The bare page on 127.0.0.1, a free port (another origin than ``site``'s)."""
    with serving_wsgi(panel_app) as url:
        yield f"{url}/"


@pytest.fixture
def panel(page: Page, panel_url: str) -> Page:
    """``page`` on the other origin's page."""
    page.goto(panel_url)
    return page


def fetch(page: Page, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return page.evaluate(FETCH, [url, headers or {}])


@pytest.mark.parametrize("path", ENDPOINTS)
def test_another_origin_can_make_a_conditional_request(panel: Page, site: str, path: str) -> None:
    first = fetch(panel, f"{site}{path}")
    assert first.get("status") == 200, first
    assert first["etag"] and first["length"] > 0  # the ETag is exposed to the page

    again = fetch(panel, f"{site}{path}", {"If-None-Match": first["etag"]})
    assert again == {"status": 304, "etag": first["etag"], "length": 0}

    listed = fetch(panel, f"{site}{path}", {"If-None-Match": f'W/"another", {first["etag"]}'})
    assert listed.get("status") == 304, listed

    other = fetch(panel, f"{site}{path}", {"If-None-Match": 'W/"another", W/"tag"'})
    assert other.get("status") == 200, other
