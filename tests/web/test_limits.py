"""The size of a request (kb/web/limits.py): one limit for every route, pages and API.

A 1 MB query once gave a 48 MB search page (the query echoed into every facet, paging
and export link), and 16 MB a 768 MB page; /compare and /documents/<id>?q= amplified
too. Now a target or a query over its limit is a 414 before any view runs: a short
HTML page on the pages, the API's JSON error under /api/.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from kb.ingest.pipeline import ingest
from kb.web import create_app
from kb.web.limits import MAX_Q_CHARS, MAX_TARGET_BYTES
from tests.web.routes import API, PAGES
from tests.worlds.mirror import TREATY, invented_world

MEGABYTE_QUERY = "q=" + "safeguard+" * 100_000


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    settings = invented_world(tmp_path_factory.mktemp("limits"))
    assert ingest(settings).exit_code == 0
    return create_app(settings, TESTING=True).test_client()


def timed_get(client: FlaskClient, url: str) -> tuple[int, str, bytes, float]:
    started = time.perf_counter()
    response = client.get(url)
    took = time.perf_counter() - started
    return response.status_code, response.content_type, response.data, took


@pytest.mark.parametrize("path", PAGES)
def test_a_megabyte_query_on_a_page_is_a_short_html_414(client: FlaskClient, path: str) -> None:
    status, kind, body, took = timed_get(client, f"{path}?{MEGABYTE_QUERY}")
    assert status == 414
    assert kind.startswith("text/html")
    assert len(body) < 20_000  # the page explains; it does not echo the query
    assert b"safeguard+safeguard" not in body and b"safeguard safeguard" not in body
    assert f"{MAX_TARGET_BYTES:,} bytes".encode() in body
    assert took < 1.0


@pytest.mark.parametrize("path", API)
def test_a_megabyte_query_under_the_api_is_a_json_414(client: FlaskClient, path: str) -> None:
    status, kind, body, _ = timed_get(client, f"{path}?{MEGABYTE_QUERY}")
    assert status == 414
    assert kind == "application/json"
    assert b'"code":"uri-too-long"' in body
    assert len(body) < 1_000


@pytest.mark.parametrize("path", (*PAGES, *API))
def test_a_query_over_its_own_limit_is_a_414_whatever_the_route(
    client: FlaskClient, path: str
) -> None:
    """Within the target's limit, but a query too long to read: 414 too, saying so."""
    q = "lantern " * (MAX_Q_CHARS // 8 + 1)
    assert len(quote(q)) < MAX_TARGET_BYTES
    status, _, body, _ = timed_get(client, f"{path}?q={quote(q)}")
    assert status == 414
    assert f"{MAX_Q_CHARS:,} characters".encode() in body


@pytest.mark.parametrize("path", ("/search", "/compare", f"/documents/{TREATY}", "/api/search"))
def test_a_query_at_the_limit_is_answered(client: FlaskClient, path: str) -> None:
    q = ("lantern " * MAX_Q_CHARS)[:MAX_Q_CHARS]
    status, _, _, _ = timed_get(client, f"{path}?q={quote(q)}")
    assert status == 200


def test_the_longest_query_makes_a_bounded_page(client: FlaskClient) -> None:
    """The query at its limit echoed into every link of the results page: kilobytes, not MB."""
    q = ("signal " * MAX_Q_CHARS)[:MAX_Q_CHARS]
    status, _, body, _ = timed_get(client, f"/search?q={quote(q)}&per_page=100")
    assert status == 200
    assert body.count(b"signal") > 50  # the query is echoed into links, and found
    assert len(body) < 1_000_000


def test_a_long_path_is_a_414(client: FlaskClient) -> None:
    status, kind, _, _ = timed_get(client, "/documents/" + "x" * (MAX_TARGET_BYTES + 1))
    assert (status, kind.split(";")[0]) == (414, "text/html")
    status, kind, _, _ = timed_get(client, "/api/documents/" + "x" * (MAX_TARGET_BYTES + 1))
    assert (status, kind) == (414, "application/json")


def test_any_repeated_query_is_bounded(client: FlaskClient) -> None:
    """``q`` given twice: the search reads the first; each is held to the limit."""
    long = quote("lantern " * (MAX_Q_CHARS // 8 + 1))
    status, _, _, _ = timed_get(client, f"/search?q=lantern&q={long}")
    assert status == 414
