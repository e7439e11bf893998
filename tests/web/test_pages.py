"""The pages (kb/web/pages.py) through Flask's test client: what they show, link and escape.

The same pages in a real browser are tested in tests/browser/.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Response
from flask.testing import FlaskClient

from kb.ingest.pipeline import ingest
from kb.ingest.statuses import LAST_STATUS_FILE
from kb.web import create_app, secure_headers
from tests.worlds.mirror import (
    DECLARATION,
    HOSTILE,
    HOSTILE_WORD,
    PROPOSAL,
    PROTOCOL,
    PROTOCOL_CITATION,
    TREATY,
    invented_world,
    referencing_world,
)


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


@pytest.mark.parametrize("status", ["failed", "suspicious"])
def test_a_source_the_last_ingest_held_back_is_marked(tmp_path: Path, status: str) -> None:
    """Its row stands out and says why: a failed fetch, or a copy that shrank."""
    settings = invented_world(tmp_path)
    assert ingest(settings).exit_code == 0
    message = f"the new copy gives 1 passage instead of 5 ({status})"
    statuses = {TREATY: {"status": status, "message": message, "at": "2026-12-03T10:00:00Z"}}
    (settings.data_dir / LAST_STATUS_FILE).write_text(json.dumps(statuses), encoding="utf-8")
    html = page(create_app(settings, TESTING=True).test_client(), "/sources")
    rows = re.findall(r"<tr class=\"([^\"]*)\">(.*?)</tr>", html, re.S)
    marked = [row for classes, row in rows if "attention" in classes.split()]
    assert len(marked) == 1
    assert TREATY in marked[0] and message in marked[0]


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


def test_security_headers_leave_a_views_own_and_come_once() -> None:
    response = Response("x", headers={"x-frame-options": "SAMEORIGIN"})
    secure_headers(secure_headers(response))  # applied twice: nothing doubled
    headers = response.headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Referrer-Policy") == ["same-origin"]
    assert len(headers.getlist("Content-Security-Policy")) == 1


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    for url in ("/", "/search?q=lantern", f"/documents/{TREATY}", "/sources"):
        html = page(client, url)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html and " on" + "click=" not in html


# The new pages: compare, brief, passage ----------------------------------------------------

PAYLOAD = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=1">'
TREATY_TITLE = "Convention on Lantern Signals between Harbours"
ARTICLE_3 = "Article 3 – Requests for signal logs"
ARTICLE_3_CITATION = f"{TREATY_TITLE}, {ARTICLE_3}"
SIGNAL_LOG_MEANS = "means the written record of such signals kept by a harbour keeper"
# What only an injection would put on these pages: none of the templates writes these.
INJECTED_TAGS = {"img", "svg", "iframe", "object", "embed", "b", "i", "math", "style"}


@pytest.fixture(scope="module")
def world_client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The world with the hostile source and an invented protocol whose articles cite the
    treaty's and each other (tests/browser/conftest.py, ``referencing_world``)."""
    settings = referencing_world(tmp_path_factory.mktemp("pages-references"))
    assert ingest(settings).exit_code == 0
    return create_app(settings, TESTING=True).test_client()


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the text of its <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def tags_of(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def injected(html: str) -> list[str]:
    """The elements and attributes of ``html`` that only an injection would have made."""
    found = []
    for tag, attrs in tags_of(html).tags:
        if tag in INJECTED_TAGS or (tag == "script" and not attrs.get("src")):
            found.append(f"<{tag}>")
        found += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        href = (attrs.get("href") or "").strip().lower()
        if href.startswith(("javascript:", "data:text")):
            found.append(f"<{tag} href={href}>")
    return found


def section(html: str, start: str, end: str) -> str:
    """The part of ``html`` from ``start`` to the next ``end``."""
    at = html.index(start)
    return html[at : html.index(end, at)]


def hit_sections(html: str) -> list[str]:
    """Each hit of a results page, from its ``<li class="hit">`` to the next."""
    hits = section(html, '<ol class="hits"', "</ol>")
    return [f'<li class="hit{part}' for part in hits.split('<li class="hit')[1:]]


def alternate(html: str) -> str | None:
    """The href of the page's ``<link rel="alternate" type="application/json">``."""
    for tag, attrs in tags_of(html).tags:
        if tag == "link" and attrs.get("rel") == "alternate":
            assert attrs.get("type") == "application/json"
            return attrs.get("href")
    return None


# Compare


@pytest.mark.parametrize("url", ["/compare", "/compare?q=&theme=", "/compare?q=%20%20"])
def test_compare_without_words_or_theme_shows_the_form_only(client: FlaskClient, url: str) -> None:
    html = page(client, url)
    assert '<form class="search compare-form" action="/compare" method="get">' in html
    assert re.search(r'<label for="compare-q"[^>]*>Words</label>', html)
    assert re.search(r'<input id="compare-q" type="search" name="q"', html)
    assert re.search(r'<label for="compare-theme"[^>]*>Theme</label>', html)
    assert '<option value="">Any theme</option>' in html
    assert '<option value="safeguards">Safeguards</option>' in html
    assert 'class="column"' not in html and 'role="status"' not in html
    assert alternate(html) is None  # nothing compared, nothing to give as JSON


@pytest.mark.parametrize("url", ["/compare?theme=nowhere", "/compare?q=safeguards&theme=nowhere"])
def test_compare_on_an_unknown_theme_is_a_400_page(client: FlaskClient, url: str) -> None:
    html = page(client, url, status=400)
    assert "This search cannot be run" in html
    assert "unknown theme" in html and "nowhere" in html
    assert 'class="column"' not in html


def test_compare_has_a_column_per_instrument_with_gaps_and_links(world_client: FlaskClient) -> None:
    html = page(world_client, "/compare?q=safeguards")
    columns = re.findall(r'<section class="column" data-column="([^"]+)"', html)
    assert columns == [TREATY, HOSTILE, PROTOCOL, "igf-sessions"]
    lantern = section(html, f'data-column="{TREATY}"', "</section>")
    assert '<h2 id="col-1">Lantern Convention</h2>' in lantern
    assert "2 matching passages" in lantern
    assert ("/search?q=safeguards&source=pipeline-treaty", "all of them") in parsed(lantern).links
    assert lantern.count('<li class="hit">') == lantern.count('<div class="hit-why">') == 2
    for gap in (HOSTILE, PROTOCOL):
        column = section(html, f'data-column="{gap}"', "</section>")
        assert '<p class="gap">No matching provision.</p>' in column
        assert "<li" not in column
    sessions = section(html, 'data-column="igf-sessions"', "</section>")
    assert '<h2 id="col-4">IGF sessions</h2>' in sessions
    assert ("/search?q=safeguards&source=pipeline-proposal", "all of them") in parsed(
        sessions
    ).links
    assert sessions.count('<li class="hit">') == 3  # the best three
    assert "Not compared, their text is not held offline:" in html
    assert ("https://declarations.example.org/tidewater-beacons", "Tidewater Declaration") in (
        parsed(html).links
    )
    assert re.search(r'<input id="compare-q" type="search" name="q" value="safeguards"', html)


def test_compare_lists_the_matches_outside_its_columns(world_client: FlaskClient) -> None:
    """The declaration, known by its metadata only, matches by its title: it is counted."""
    html = page(world_client, "/compare?q=tidewater")
    note = section(html, '<p class="note elsewhere">', "</p>")
    assert "Also matching, outside the columns:" in note
    assert ("/search?q=tidewater&source=pipeline-declaration", "Tidewater Declaration") in (
        parsed(note).links
    )
    assert "(1 match, by its metadata)" in note
    assert '<p class="note elsewhere">' not in page(world_client, "/compare?q=safeguards")


def test_compare_on_a_theme_keeps_it_selected_and_says_the_gap_in_the_sessions(
    world_client: FlaskClient,
) -> None:
    html = page(world_client, "/compare?theme=safeguards")
    assert '<option value="safeguards" selected>Safeguards</option>' in html
    assert re.search(r'<input id="compare-q" type="search" name="q" value=""', html)
    lantern = section(html, f'data-column="{TREATY}"', "</section>")
    assert "theme Safeguards:" in lantern  # why it matched
    assert ("/search?theme=safeguards&source=pipeline-treaty", "all of them") in parsed(
        lantern
    ).links
    empty = page(world_client, f"/compare?q={HOSTILE_WORD}")
    assert '<p class="gap">No matching provision in the sessions.</p>' in section(
        empty, 'data-column="igf-sessions"', "</section>"
    )


def test_compare_names_a_theme_by_its_label(client: FlaskClient) -> None:
    html = page(client, "/compare?theme=law-enforcement-access")
    assert "the theme Government access to data" in html
    assert tags_of(html).title.startswith("Compare: Government access to data")


def test_results_link_to_the_comparison_and_to_every_result_as_a_file(
    client: FlaskClient,
) -> None:
    html = page(client, "/search?q=safeguards&per_page=2&page=2")
    links = parsed(html).links
    assert ("/compare?q=safeguards", "Compare across instruments") in links
    # an export holds every page: no page, no per_page
    assert ("/api/export?q=safeguards&format=csv", "CSV") in links
    assert ("/api/export?q=safeguards&format=jsonl", "JSON lines") in links
    assert "Download all results" in html
    assert html.count('<div class="hit-why"><span class="why-label">Why it matched:</span>') == 2
    themed = page(client, "/search?theme=safeguards&kind=treaty")
    assert ("/compare?theme=safeguards", "Compare across instruments") in parsed(themed).links


def test_every_hit_says_why_it_matched_and_can_be_pinned(client: FlaskClient) -> None:
    html = page(client, "/search?q=safeguards")
    hits = html.count('<li class="hit')
    assert hits == html.count('<div class="hit-why">') == 5
    assert "<li>“conditions and safeguards” in the heading, a synonym of “safeguards”" in html
    assert (
        '<button type="button" class="pin" data-pin="pipeline-treaty.art-4" aria-pressed="false"'
        " hidden>Add to brief</button>"
    ) in html
    assert html.count('class="pin" data-pin=') == hits


def test_a_hit_using_a_defined_term_carries_its_definition(client: FlaskClient) -> None:
    html = page(client, "/search?q=safeguards")
    hit = hit_sections(html)[0]
    assert "/documents/pipeline-treaty?q=safeguards#art-4" in hit
    definitions = section(hit, '<details class="definitions">', "</details>")
    assert "<summary>Defined terms used here: “signal log”</summary>" in definitions
    assert "<dt>signal log</dt>" in definitions
    assert SIGNAL_LOG_MEANS in definitions
    assert (f"/documents/{TREATY}#art-2", f"{TREATY_TITLE}, Article 2 – Use of terms") in parsed(
        definitions
    ).links


def test_a_search_for_a_defined_term_lists_its_definition_first(client: FlaskClient) -> None:
    html = page(client, "/search?q=signal+log")
    first = hit_sections(html)[0]
    assert "Article 2 – Use of terms" in first
    assert "<li>defines “signal log”</li>" in first


# Passages and documents


def test_passage_page_shows_text_references_cited_by_metadata_and_neighbours(
    world_client: FlaskClient,
) -> None:
    html = page(world_client, f"/passages/{TREATY}.art-3")
    found = parsed(html)
    assert "art-3" in found.ids
    assert (f"/passages/{TREATY}.art-3", ARTICLE_3) in found.links  # its own heading
    assert (f"/documents/{TREATY}#art-3", TREATY_TITLE) in found.links  # in its document
    cited_by = section(html, '<p class="cited-by">', "</p>")
    assert parsed(cited_by).links == [
        (f"/documents/{PROTOCOL}#preamble", f"{PROTOCOL_CITATION}, Preamble"),
        (
            f"/documents/{PROTOCOL}#art-2",
            f"{PROTOCOL_CITATION}, Article 2 – Requests for fog horn logs",
        ),
    ]
    metadata = section(html, '<dl class="metadata">', "</dl>")
    assert f"<dt>Cite as</dt><dd>{ARTICLE_3_CITATION}</dd>" in metadata
    assert "https://treaties.example.org/lantern-signals#art-3" in metadata
    assert re.search(r"<dt>Retrieved</dt><dd>\d{4}-\d\d-\d\dT[\d:]+Z</dd>", metadata)
    assert re.search(r"<dt>Source hash</dt><dd><code class=\"hash\">sha256:[0-9a-f]{64}", metadata)
    assert "<summary>Defined terms used here: “signal log”</summary>" in html
    neighbours = section(html, '<nav class="neighbours"', "</nav>")
    assert re.findall(r'<a href="([^"]+)" rel="(prev|next)">([^<]+)</a>', neighbours) == [
        (f"/passages/{TREATY}.art-2", "prev", "Previous: Article 2 – Use of terms"),
        (f"/passages/{TREATY}.art-4", "next", "Next: Article 4 – Conditions and safeguards"),
    ]
    assert 'data-pin="pipeline-treaty.art-3"' in html


def test_passage_page_links_what_the_passage_refers_to(world_client: FlaskClient) -> None:
    html = page(world_client, f"/passages/{PROTOCOL}.art-2")
    text = section(html, '<div class="passage-text">', "</div>")
    assert parsed(text).links == [
        (f"/documents/{PROTOCOL}#art-1", "Article 1"),  # "of this Protocol"
        (f"/documents/{TREATY}#art-3", "Article 3"),  # "of the Convention"
    ]
    assert text.count('<a class="ref" ') == 2
    assert f"({PROTOCOL}.art-3)" not in html
    assert parsed(section(html, '<p class="cited-by">', "</p>")).links == [
        (
            f"/documents/{PROTOCOL}#art-3",
            f"{PROTOCOL_CITATION}, Article 3 – Keepers' notes <i>in markup</i>",
        ),
    ]


def test_a_defining_passage_lists_the_terms_it_defines(world_client: FlaskClient) -> None:
    html = page(world_client, f"/passages/{TREATY}.art-2")
    defines = section(html, '<section class="defines"', "</section>")
    assert re.findall(r"<dt>([^<]+)</dt>", defines) == ["lantern signal", "signal log"]
    assert SIGNAL_LOG_MEANS in defines
    assert "No other passage cites this one." in html
    assert '<details class="definitions">' not in html  # the terms it uses, it defines


def test_document_page_links_references_in_page_and_lists_who_cites(
    world_client: FlaskClient,
) -> None:
    html = page(world_client, f"/documents/{PROTOCOL}")
    ids = parsed(html).ids
    references = re.findall(r'<a class="ref" href="([^"]+)">([^<]+)</a>', html)
    assert len(references) == 8
    for href, _ in references:
        if href.startswith("#"):  # on this very page
            assert href[1:] in ids, href
        else:  # another document, at an anchor it has
            path, _, anchor = href.partition("#")
            assert path == f"/documents/{TREATY}"
            assert not anchor or anchor in parsed(page(world_client, path)).ids
    assert ("#art-1", "Article 1") in references and (
        f"/documents/{TREATY}#art-3",
        "Article 3",
    ) in references
    article_1 = section(html, '<section class="passage" id="art-1"', "</section>")
    assert parsed(section(article_1, '<p class="cited-by">', "</p>")).links == [
        ("#art-2", "Article 2 – Requests for fog horn logs"),
        ("#art-3", "Article 3 – Keepers' notes <i>in markup</i>"),
    ]
    # the treaty's own page says who cites its Article 3, in the protocol
    treaty = page(world_client, f"/documents/{TREATY}")
    cited = section(section(treaty, 'id="art-3"', "</section>"), '<p class="cited-by">', "</p>")
    assert (
        f"/documents/{PROTOCOL}#art-2",
        f"{PROTOCOL_CITATION}, Article 2 – Requests for fog horn logs",
    ) in parsed(cited).links


@pytest.mark.parametrize(
    "passage_id",
    ["nothing.art-1", f"{TREATY}.art-99", TREATY, f"{TREATY}.", f"{DECLARATION}.art-1"],
)
def test_an_unknown_passage_is_an_html_404(client: FlaskClient, passage_id: str) -> None:
    html = page(client, f"/passages/{passage_id}", status=404)
    assert "There is no passage with the id" in html
    assert "Back to the search" in html


def test_a_metadata_only_hit_opens_as_a_page(client: FlaskClient) -> None:
    html = page(client, f"/passages/{DECLARATION}.about")
    assert "Tidewater Declaration" in html
    assert "<dt>Cite as</dt><dd>Declaration on Tidewater Beacon Registers</dd>" in html
    assert "its text is not in the knowledge base" in html
    brief = page(client, f"/brief?ids={TREATY}.art-3,{DECLARATION}.about")
    kept = re.findall(r'<li class="brief-entry" data-id="([^"]+)">', brief)
    assert kept == [f"{TREATY}.art-3", f"{DECLARATION}.about"]


# The brief


def test_brief_from_its_url_lists_each_passage_with_citation_link_and_hashes(
    client: FlaskClient,
) -> None:
    ids = [f"{TREATY}.art-3", f"{PROPOSAL}.sdgs"]
    html = page(client, f"/brief?ids={','.join(ids)}")
    assert f'<article class="brief" data-brief="{",".join(ids)}" data-asked="2">' in html
    assert re.findall(r'<li class="brief-entry" data-id="([^"]+)">', html) == ids
    first = section(html, f'data-id="{ids[0]}"', "</li>")
    assert (f"/passages/{ids[0]}", ARTICLE_3_CITATION) in parsed(first).links
    assert f"<dt>Cite as</dt><dd>{ARTICLE_3_CITATION}</dd>" in first
    assert (
        "https://treaties.example.org/lantern-signals#art-3",
        "https://treaties.example.org/lantern-signals#art-3",
    ) in parsed(first).links
    assert re.search(r"<dt>Retrieved</dt><dd>\d{4}-", first)
    assert re.search(r"sha256:[0-9a-f]{64}", first)
    assert (f"/brief?ids={ids[1]}", "Remove from the brief") in parsed(first).links
    second = section(html, f'data-id="{ids[1]}"', "</li>")
    assert (f"/brief?ids={ids[0]}", "Remove from the brief") in parsed(second).links
    markdown = f'href="/api/brief?ids={",".join(ids)}&amp;format=md" download="brief.md"'
    assert f"<a {markdown}>Download Markdown</a>" in html
    assert (
        f'<a href="/api/brief?ids={",".join(ids)}" download="brief.json">Download JSON</a>' in html
    )
    # what only JavaScript can do is hidden without it
    assert '<button type="button" class="print" hidden>Print</button>' in html
    assert '<button type="button" class="clear-brief" hidden>Clear the brief</button>' in html


@pytest.mark.parametrize("query", ["", "?ids=", "?ids=,", "?ids=&ids=%20"])
def test_brief_without_ids_is_empty_and_says_how_to_pin(client: FlaskClient, query: str) -> None:
    """An empty ``ids`` names no passage: the page says so (data-asked), and kb.js then
    opens the pins kept in the browser rather than replacing them with nothing."""
    html = page(client, f"/brief{query}")
    assert '<article class="brief" data-brief="" data-asked="0">' in html
    assert "The brief is empty." in html and "Add to brief" in html
    assert "Download Markdown" not in html and alternate(html) is None


def test_a_brief_of_unknown_ids_says_they_were_asked(client: FlaskClient) -> None:
    html = page(client, "/brief?ids=gone-treaty.art-9")
    assert '<article class="brief" data-brief="" data-asked="1">' in html


@pytest.mark.parametrize(
    ("ids", "kept", "note"),
    [
        (f"{TREATY}.art-3,gone-treaty.art-9", [f"{TREATY}.art-3"], "1 pinned passage was left out"),
        ("gone-treaty.art-9", [], "1 pinned passage was left out"),
        ("gone-treaty.art-9,gone-treaty.art-8", [], "2 pinned passages were left out"),
    ],
    ids=["one-gone", "all-gone", "two-gone"],
)
def test_brief_with_unknown_ids_says_they_were_left_out(
    client: FlaskClient, ids: str, kept: list[str], note: str
) -> None:
    html = page(client, f"/brief?ids={ids}")
    assert re.search(rf'<p class="note">{note}\b[^<]*no longer in the knowledge base', html)
    assert re.findall(r'<li class="brief-entry" data-id="([^"]+)">', html) == kept
    assert f'data-brief="{",".join(kept)}"' in html  # what the browser will keep
    if kept:
        assert alternate(html) == f"/api/brief?ids={','.join(kept)}"
    else:
        assert "The brief is empty." in html and alternate(html) is None


def test_removing_a_passage_from_a_brief_drops_the_pins_already_left_out(
    client: FlaskClient,
) -> None:
    html = page(client, f"/brief?ids={TREATY}.art-3,gone-treaty.art-9,{PROPOSAL}.sdgs")
    removes = [href for href, text in parsed(html).links if text == "Remove from the brief"]
    assert removes == [f"/brief?ids={PROPOSAL}.sdgs", f"/brief?ids={TREATY}.art-3"]


# All the new pages

HOSTILE_PAGES = [
    f"/compare?q={HOSTILE_WORD}",
    f"/compare?{urlencode({'q': PAYLOAD})}",
    f"/compare?{urlencode({'q': PAYLOAD, 'theme': 'safeguards'})}",
    f"/brief?ids={HOSTILE}.preamble,{HOSTILE}.art-1,{HOSTILE}.art-2,{HOSTILE}.art-3",
    f"/brief?{urlencode({'ids': PAYLOAD})}",
    f"/passages/{HOSTILE}.preamble",
    f"/passages/{HOSTILE}.art-1",
    f"/passages/{HOSTILE}.art-2",
    f"/passages/{HOSTILE}.art-3?{urlencode({'q': PAYLOAD})}",
    f"/passages/{PROTOCOL}.art-3",
    f"/documents/{PROTOCOL}",
]


@pytest.mark.parametrize("url", HOSTILE_PAGES)
def test_hostile_texts_are_escaped_on_the_new_pages(world_client: FlaskClient, url: str) -> None:
    html = page(world_client, url)
    assert injected(html) == []
    assert "<script>window" not in html and "<img src" not in html and "<svg" not in html
    scripts = [attrs.get("src") for tag, attrs in tags_of(html).tags if tag == "script"]
    assert scripts == ["/static/kb.js"]


def test_hostile_texts_are_shown_as_text_on_the_new_pages(world_client: FlaskClient) -> None:
    escaped_img = "&lt;img src=x onerror=&#34;window.__pwned=1&#34;&gt;"
    compare = page(world_client, f"/compare?q={HOSTILE_WORD}")
    assert f'<h2 id="col-2">Quillwort {escaped_img} Convention</h2>' in compare
    brief = page(world_client, f"/brief?ids={HOSTILE}.art-1")
    citation = (
        "Quillwort Convention &#34;&gt;&lt;svg onload=window.__pwned=1&gt; &amp;amp; "
        f"&lt;b&gt;Wardens&lt;/b&gt;, Article 1 – Purpose {escaped_img}"
    )
    assert f"<dt>Cite as</dt><dd>{citation}</dd>" in brief
    passage = page(world_client, f"/passages/{HOSTILE}.art-1")
    assert tags_of(passage).title.startswith(
        'Article 1 – Purpose <img src=x onerror="window.__pwned=1"> · Quillwort <img'
    )  # escaped in the page: read back, it is the text as written
    protocol = page(world_client, f"/passages/{PROTOCOL}.art-3")
    text = section(protocol, '<div class="passage-text">', "</div>")
    assert (
        '&lt;a href="javascript:window.__pwned=1"&gt;'
        f'<a class="ref" href="/documents/{PROTOCOL}#art-1">Article 1</a>&lt;/a&gt;'
    ) in text
    query = page(world_client, f"/compare?{urlencode({'q': PAYLOAD})}")
    assert 'value="&lt;script&gt;window.__pwned=1&lt;/script&gt;&#34;&gt;&lt;img' in query
    assert "“&lt;script&gt;window.__pwned=1&lt;/script&gt;" in query  # the count line


NEW_PAGES = [
    "/compare",
    "/compare?q=safeguards",
    "/compare?theme=safeguards",
    "/compare?theme=nowhere",
    "/brief",
    f"/brief?ids={TREATY}.art-3,{PROPOSAL}.sdgs",
    "/brief?ids=gone-treaty.art-9",
    f"/passages/{TREATY}.art-3",
    f"/passages/{PROTOCOL}.art-2",
    f"/documents/{PROTOCOL}",
    "/passages/nothing.art-1",
]


@pytest.mark.parametrize("url", NEW_PAGES)
def test_security_headers_on_the_new_pages(world_client: FlaskClient, url: str) -> None:
    response = world_client.get(url)
    assert response.mimetype == "text/html"
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_the_new_pages_have_no_inline_script_or_style(world_client: FlaskClient) -> None:
    for url in NEW_PAGES:
        html = world_client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "<style" not in html and " style=" not in html, url
        assert not [
            name for _, attrs in tags_of(html).tags for name in attrs if name.startswith("on")
        ], url


@pytest.mark.parametrize(
    ("url", "twin"),
    [
        ("/compare?q=safeguards", "/api/compare?q=safeguards"),
        ("/compare?theme=safeguards", "/api/compare?theme=safeguards"),
        (
            f"/brief?ids={TREATY}.art-3,{PROPOSAL}.sdgs",
            f"/api/brief?ids={TREATY}.art-3,{PROPOSAL}.sdgs",
        ),
        (f"/passages/{TREATY}.art-3", f"/api/passages/{TREATY}.art-3"),
        (f"/passages/{PROTOCOL}.art-2", f"/api/passages/{PROTOCOL}.art-2"),
    ],
)
def test_the_new_pages_name_their_json_twin(world_client: FlaskClient, url: str, twin: str) -> None:
    html = page(world_client, url)
    assert f'<link rel="alternate" type="application/json" href="{twin}">' in html
    assert (twin, "This page as JSON") in parsed(html).links
    answer = world_client.get(twin)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_json()["ok"] is True


def test_a_real_passage_links_what_it_cites_but_not_itself(mirror_client: FlaskClient) -> None:
    """ETS 181 Article 2 speaks of "paragraph 1 of Article 2 of this Protocol" (itself) and
    of "the Convention" (ETS 108, which the protocol supplements)."""
    html = page(mirror_client, "/passages/coe-ets-181.art-2")
    references = re.findall(r'<a class="ref" href="([^"]+)">([^<]+)</a>', html)
    assert references == [("/documents/coe-ets-108", "the Convention")]
    assert "Article 2</a>" not in section(html, '<div class="passage-text">', "</div>")


def test_a_document_capped_on_the_first_page_links_to_its_other_passages(
    client: FlaskClient,
) -> None:
    html = page(client, "/search?q=lantern&per_page=4")
    [(href, text)] = [link for link in parsed(html).links if "more from this document" in link[1]]
    query = parse_qs(urlsplit(href).query)
    assert query["q"] == ["lantern"] and query["per_page"] == ["4"]
    [source] = query["source"]
    count = int(text.split()[0])
    api = client.get("/api/search?q=lantern&per_page=4").get_json()
    assert api["collapsed"] == {source: count}
    shown = sum(hit["source"] == source for hit in api["results"])
    within = client.get(f"/api/search?q=lantern&source={source}").get_json()
    assert within["total"] == shown + count and within["collapsed"] == {}
