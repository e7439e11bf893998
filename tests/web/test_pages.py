"""The pages (kb/web/pages.py) through Flask's test client: what they show, link and escape.

The same pages in a real browser are tested in tests/browser/.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.factories import DECLARATION, PROPOSAL, TREATY, invented_world


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    settings = invented_world(tmp_path_factory.mktemp("pages"))
    ingest(settings)
    return create_app(settings, TESTING=True).test_client()


class Links(HTMLParser):
    """Every link's href and text, and the ids of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        if tag == "a":
            self._href, self._text = found.get("href"), []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join("".join(self._text).split())))
            self._href = None


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_home_has_a_labelled_search_box_themes_examples_and_what_is_held(
    client: FlaskClient,
) -> None:
    html = page(client, "/")
    assert re.search(r'<label for="q">[^<]+</label>', html)
    assert re.search(r'<input id="q" type="search" name="q"[^>]*autofocus', html)
    assert '<form class="search" role="search" action="/search" method="get">' in html
    hrefs = [href for href, _ in parsed(html).links]
    assert "/search?theme=safeguards" in hrefs
    assert "/search?q=safeguards" in hrefs
    assert re.search(r"3 documents, 13 passages · last ingest \d{4}-\d\d-\d\d \d\d:\d\d", html)


def test_results_show_count_citation_snippet_and_links(client: FlaskClient) -> None:
    html = page(client, "/search?q=signal+logs")
    assert re.search(r"<strong>\d+</strong> passages", html)
    unmarked = html.replace("<mark>", "").replace("</mark>", "")
    assert (
        'Convention on Lantern Signals between Harbours <span class="sep">·</span> '
        "Article 3 – Requests for signal logs" in unmarked
    )
    assert "Requests for <mark>signal</mark> <mark>logs</mark>" in html
    assert "<mark>signal</mark>" in html
    links = parsed(html).links
    assert ("/documents/pipeline-treaty?q=signal+logs#art-3", "Open in document") in links
    assert ("https://treaties.example.org/lantern-signals#art-3", "Source") in links
    assert 'data-copy="Convention on Lantern Signals between Harbours, Article 3' in html


def test_a_facet_link_toggles_its_filter_and_shows_it_selected(client: FlaskClient) -> None:
    html = page(client, "/search?q=lantern")
    kind_link = next(href for href, text in parsed(html).links if text.startswith("Treaty "))
    assert parse_qs(urlsplit(kind_link).query) == {"q": ["lantern"], "kind": ["treaty"]}
    filtered = page(client, kind_link)
    assert re.search(r'class="facet-value selected" href="[^"]+" aria-current="true"', filtered)
    selected = next(href for href, text in parsed(filtered).links if "(selected" in text)
    assert parse_qs(urlsplit(selected).query) == {"q": ["lantern"]}  # clicking again removes it
    assert "Clear all filters" in filtered


def test_did_you_mean_is_a_link_to_the_corrected_search(client: FlaskClient) -> None:
    html = page(client, "/search?q=lantren")
    assert "Showing results for" in html or "Did you mean" in html
    assert ("/search?q=lantern", "lantern") in parsed(html).links


def test_an_empty_result_gives_tips(client: FlaskClient) -> None:
    html = page(client, "/search?q=zzyzx+qqqz")
    assert "No passage matched" in html
    assert '"production order"' in html


def test_metadata_only_documents_say_their_text_is_not_held(client: FlaskClient) -> None:
    html = page(client, "/search?q=tidewater")
    assert "the text of this document is not available offline" in html


def test_query_and_parameters_are_escaped(client: FlaskClient) -> None:
    payload = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    html = page(client, f"/search?q={payload}&kind=treaty")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_a_bad_parameter_is_a_page_not_a_traceback(client: FlaskClient) -> None:
    html = page(client, "/search?q=lantern&page=many", status=400)
    assert "This search cannot be run" in html
    assert "page: must be a whole number" in html


def test_document_page_has_anchors_contents_metadata_and_highlights(client: FlaskClient) -> None:
    html = page(client, f"/documents/{TREATY}?q=signal")
    found = parsed(html)
    assert {"art-1", "art-3", "art-4"} <= found.ids
    assert ("#art-3", "Article 3 – Requests for signal logs") in found.links
    assert "https://treaties.example.org/lantern-signals" in html
    assert re.search(r"sha256:[0-9a-f]{64}", html)
    assert "<mark>signal</mark>" in html
    assert "<mark>" not in page(client, f"/documents/{TREATY}")


def test_unknown_document_and_path_are_html_404s(client: FlaskClient) -> None:
    assert "no document with the id" in page(client, "/documents/nothing-here", status=404)
    assert "Back to the search" in page(client, "/no/such/page", status=404)


def test_sources_page_lists_every_source_with_its_status(client: FlaskClient) -> None:
    html = page(client, "/sources")
    for source_id in (TREATY, PROPOSAL, DECLARATION):
        assert source_id in html
    assert "metadata only" in html
    assert '<link rel="alternate" type="application/json" href="/api/sources">' in html


@pytest.mark.parametrize(
    "url", ["/", "/search?q=lantern", f"/documents/{TREATY}", "/sources", "/nowhere", "/api/health"]
)
def test_security_headers_on_every_answer(client: FlaskClient, url: str) -> None:
    headers = client.get(url).headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for url in ("/", "/search?q=lantern", f"/documents/{TREATY}", "/sources"):
        html = page(client, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html
