"""The browser infrastructure works: the real app served, Chromium driving it, screenshots."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tests.worlds.mirror import HOSTILE, HOSTILE_WORD, WORLD_DOCUMENTS, WORLD_PASSAGES

if TYPE_CHECKING:
    from playwright.sync_api import Page

Shot = Callable[["Page", str], Path]


def shown_json(page: Page) -> object:
    """The JSON document the browser shows as text."""
    return json.loads(page.locator("pre").first.inner_text())


def test_health_in_the_browser(page: Page, site: str) -> None:
    response = page.goto(f"{site}/api/health")
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    health = shown_json(page)
    assert isinstance(health, dict)
    assert health["ok"] is True
    assert (health["documents"], health["passages"]) == (WORLD_DOCUMENTS, WORLD_PASSAGES)


def test_hostile_json_is_shown_not_run(page: Page, shot: Shot) -> None:
    page.goto(f"/api/search?q={HOSTILE_WORD}")
    found = shown_json(page)
    assert isinstance(found, dict)
    assert {r["source"] for r in found["results"]} == {HOSTILE}
    assert "<script>window.__pwned = 1</script>" in page.locator("pre").first.inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script, img, svg").count() == 0
    path = shot(page, "smoke-search-quillwort")
    assert path.is_file() and path.read_bytes().startswith(b"\x89PNG")

    page.goto(f"/api/documents/{HOSTILE}")
    document = shown_json(page)
    assert isinstance(document, dict)
    assert document["passage_count"] == 5
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_the_clipboard_can_be_read_back(page: Page) -> None:
    page.goto("/api/health")
    page.evaluate("navigator.clipboard.writeText('Lantern Convention, Article 3')")
    assert page.evaluate("navigator.clipboard.readText()") == "Lantern Convention, Article 3"
