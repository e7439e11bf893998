"""The pages in a real browser: what a reader sees, clicks, types, copies and prints.

Search from the home page, facets that toggle, a document opened at its passage, citations
copied, spelling suggestions, hostile texts shown and never run, a phone-sized screen, the
keyboard, empty states, pagination and print. Every test starts from a fresh page on the
served invented world (tests/browser/conftest.py) and saves a screenshot of its main state
under test-output/screenshots/ (``shot``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.browser.checks import expect_nothing_ran, expect_passage_at_anchor, location_hash
from tests.worlds.mirror import (
    ARTICLE_3,
    ARTICLE_4,
    DECLARATION,
    HOSTILE,
    HOSTILE_CITATION,
    HOSTILE_IMG_TEXT,
    HOSTILE_SHORT_TITLE,
    HOSTILE_TITLE,
    HOSTILE_WORD,
    TREATY,
    TREATY_TITLE,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Without the playwright package conftest.py skips every test here; this keeps the import
# of ``expect`` from failing the collection first.
expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests: the playwright package is not installed"
).expect

Shot = Callable[["Page", str], Path]

# "safeguards" and its synonyms (corpus/themes.toml): "conditions and safeguards" is
# marked where it stands whole, as in Article 4's heading
SAFEGUARD_WORDS = {"safeguard", "safeguards", "conditions"}
PAYLOAD = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=1">'

MOBILE = {"width": 375, "height": 800}
# The pages of the world without hostile texts, one of each kind.
NORMAL_PAGES = {
    "home": "/",
    "results": "/search?q=safeguards",
    "document": f"/documents/{TREATY}?q=signal",
    "sources": "/sources",
}


# --- helpers ----------------------------------------------------------------------------


def search_url(**params: str | int) -> str:
    return f"/search?{urlencode(params)}"


def query_of(page: Page) -> dict[str, list[str]]:
    """The current URL's query string, parsed."""
    return parse_qs(urlsplit(page.url).query)


def search_box(page: Page) -> Locator:
    """The one search box of the page (the big one on the home page, else the header's)."""
    return page.get_by_role("searchbox")


def hits(page: Page) -> Locator:
    return page.locator("ol.hits > li")


def total(page: Page) -> int:
    """The number of passages the count line announces."""
    return int(page.get_by_role("status").locator("strong").inner_text())


def count_line(page: Page) -> str:
    """The count line, its white space collapsed."""
    return " ".join(page.get_by_role("status").inner_text().split())


def citation_line(hit: Locator) -> str:
    """A hit's citation as a reader sees it (without the screen-reader label)."""
    return hit.locator(".hit-citation").inner_text().removeprefix("Citation:").strip()


def facet(page: Page, name: str) -> Locator:
    return page.locator(f'.facet[data-facet="{name}"]')


def facet_value(page: Page, name: str, label: str) -> Locator:
    """A facet value's link: its accessible name is "[✓ ]label count[ (selected; ...)]"."""
    name_pattern = re.compile(rf"^(✓ )?{re.escape(label)} \d+\b")
    return facet(page, name).get_by_role("link", name=name_pattern)


def facet_counts(page: Page, name: str) -> dict[str, int]:
    """{label: count} of a facet, as shown."""
    pairs = (
        facet(page, name)
        .locator(".facet-value")
        .evaluate_all(
            "links => links.map(a => [a.querySelector('.label').textContent,"
            " Number(a.querySelector('.facet-count').textContent)])"
        )
    )
    return dict(pairs)


def selected_facet_values(page: Page) -> list[str]:
    return page.locator('.facet-value[aria-current="true"] .label').all_inner_texts()


def open_first_hit(page: Page) -> None:
    """Follow the first hit's "Open in document" link."""
    hits(page).first.get_by_role("link", name="Open in document").click()
    page.wait_for_url(re.compile(r"/documents/"))


def marked_words(scope: Locator) -> list[str]:
    return [word.lower() for word in scope.locator("mark").all_inner_texts()]


def edges(locator: Locator) -> list[tuple[float, float]]:
    """(left, right) of every element of ``locator``, in CSS pixels."""
    return locator.evaluate_all(
        "elements => elements.map(e => [e.getBoundingClientRect().left,"
        " e.getBoundingClientRect().right])"
    )


def display(locator: Locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).display")


# --- 1. search from the home page -------------------------------------------------------


def test_search_from_the_home_page_lists_highlighted_hits(page: Page, shot: Shot) -> None:
    page.goto("/")
    box = page.get_by_label("Search the provisions and the sessions")
    expect(box).to_be_focused()  # autofocus: type straight away
    page.keyboard.type("safeguards")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/search\?q=safeguards$"))  # a GET permalink
    expect(search_box(page)).to_have_value("safeguards")
    expect(hits(page).first).to_be_visible()
    assert total(page) == hits(page).count() > 1
    assert re.fullmatch(rf"{total(page)} passages · page 1 of 1 · [\d.]+ ms", count_line(page))
    marks = page.locator(".hit-snippet mark")
    expect(marks.first).to_be_visible()
    assert marks.count() > 1
    assert set(marked_words(page.locator(".hits"))) <= SAFEGUARD_WORDS
    first = hits(page).first
    expect(first.get_by_role("heading")).to_have_text(f"{TREATY_TITLE} · {ARTICLE_4}")
    assert citation_line(first) == f"{TREATY_TITLE}, {ARTICLE_4}"
    shot(page, "search-safeguards")


@pytest.mark.parametrize(
    ("region", "link", "query"),
    [("Themes", "Safeguards", ""), ("Try", "safeguards", "safeguards")],
    ids=["theme-chip", "example-query"],
)
def test_two_clicks_from_home_to_the_cited_provision(
    page: Page, shot: Shot, region: str, link: str, query: str
) -> None:
    page.goto("/")
    page.get_by_role("region", name=region).get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    expect(hits(page).first.get_by_role("heading")).to_have_text(f"{TREATY_TITLE} · {ARTICLE_4}")

    open_first_hit(page)
    assert urlsplit(page.url).path == f"/documents/{TREATY}"
    passage = expect_passage_at_anchor(page, "art-4")
    expect(passage.get_by_role("heading")).to_have_text(ARTICLE_4)
    if query:
        assert query_of(page) == {"q": [query]}
        expect(page.get_by_text(f"Words of “{query}” are highlighted.")).to_be_visible()
        words = marked_words(page.locator("article"))
        assert "safeguards" in words and set(words) <= SAFEGUARD_WORDS
    else:  # a theme has no words to mark
        assert page.locator("article mark").count() == 0
    shot(page, f"two-clicks-{region.lower()}")


def test_the_cited_provision_shows_the_words_it_was_found_by(page: Page) -> None:
    page.goto(search_url(q="safeguards"))
    open_first_hit(page)
    passage = expect_passage_at_anchor(page, "art-4")
    assert "safeguards" in marked_words(passage)


# --- 2. facets --------------------------------------------------------------------------


def test_a_facet_value_toggles_its_filter(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="request"))
    before = total(page)
    kinds = facet_counts(page, "kind")
    sources = facet_counts(page, "source")
    assert len(kinds) >= 2 and len(sources) >= 3
    assert sum(kinds.values()) == before and selected_facet_values(page) == []
    expect(page.get_by_role("link", name="Clear all filters")).to_have_count(0)

    facet_value(page, "kind", "Treaty").click()
    page.wait_for_url(re.compile(r"kind=treaty"))
    assert query_of(page) == {"q": ["request"], "kind": ["treaty"]}
    assert total(page) == hits(page).count() == kinds["Treaty"] < before
    assert all(meta.endswith("Treaty") for meta in page.locator(".hit-meta").all_inner_texts())
    expect(facet_value(page, "kind", "Treaty")).to_have_attribute("aria-current", "true")
    assert selected_facet_values(page) == ["Treaty"]
    # a facet is counted without its own filter: the other kinds keep their counts ...
    assert facet_counts(page, "kind") == kinds
    # ... and the other facets count within it
    narrowed = facet_counts(page, "source")
    assert sum(narrowed.values()) == total(page) and len(narrowed) < len(sources)
    shot(page, "facet-kind-treaty")

    facet_value(page, "kind", "Treaty").click()  # again: off
    page.wait_for_url(re.compile(r"/search\?q=request$"))
    assert total(page) == before and selected_facet_values(page) == []
    assert facet_counts(page, "source") == sources


def test_clear_all_filters(page: Page) -> None:
    page.goto(search_url(q="request"))
    before = total(page)
    facet_value(page, "kind", "Treaty").click()
    page.wait_for_url(re.compile(r"kind=treaty"))
    facet_value(page, "source", "Lantern Convention").click()
    page.wait_for_url(re.compile(r"source=pipeline-treaty"))
    assert sorted(selected_facet_values(page)) == ["Lantern Convention", "Treaty"]
    assert total(page) < before

    page.get_by_role("link", name="Clear all filters").click()
    page.wait_for_url(re.compile(r"/search\?q=request$"))
    assert total(page) == before and selected_facet_values(page) == []
    expect(page.get_by_role("link", name="Clear all filters")).to_have_count(0)


def test_a_selected_facet_value_keeps_its_label_at_the_start(page: Page) -> None:
    page.goto(search_url(q="request", kind="treaty"))
    [(row_left, _)] = edges(facet_value(page, "kind", "Treaty"))
    [(label_left, _)] = edges(facet_value(page, "kind", "Treaty").locator(".label"))
    assert label_left - row_left <= 34, f"the label starts {label_left - row_left}px in"


def test_a_long_facet_label_stays_in_the_filters_column(page: Page) -> None:
    page.goto(search_url(q=HOSTILE_WORD))
    [(_, column_right)] = edges(page.locator(".facets"))
    rights = [right for _, right in edges(page.locator(".facet-value .facet-count"))]
    assert max(rights) <= column_right + 0.5, f"{max(rights)} > {column_right}"


# --- 3. a document at its anchor --------------------------------------------------------


def test_open_in_document_lands_on_the_passage_and_the_contents_link(
    page: Page, shot: Shot
) -> None:
    page.goto(search_url(q="signal logs"))
    # the definition of "signal log" (Article 2) comes first, then the articles using it
    expect(hits(page).nth(1).get_by_role("heading")).to_have_text(f"{TREATY_TITLE} · {ARTICLE_3}")
    hits(page).nth(1).get_by_role("link", name="Open in document").click()
    page.wait_for_url(re.compile(r"/documents/"))
    passage = expect_passage_at_anchor(page, "art-3")
    words = marked_words(passage)
    assert "signal" in words and "log" in words
    shot(page, "document-at-art-3")

    contents = page.get_by_role("navigation", name="Contents").get_by_role("link")
    assert contents.count() == page.locator("section.passage").count() >= 4
    for link in contents.all():
        anchor = link.get_attribute("href") or ""
        label = link.inner_text()
        link.click()
        passage = expect_passage_at_anchor(page, anchor.removeprefix("#"))
        expect(passage.get_by_role("heading")).to_have_text(label)


# --- 4. copy a citation -----------------------------------------------------------------


def test_copy_citation_puts_citation_and_link_on_the_clipboard(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="signal logs"))
    first = hits(page).filter(has_text=ARTICLE_3).first  # after the definition, Article 2
    button = first.locator("button.copy")  # not by its name: it changes
    expect(button).to_have_text("Copy citation")
    expect(button).to_be_visible()  # kb.js shows it
    button.click()
    expect(button).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == button.get_attribute("data-copy")
    assert copied.startswith(f"{citation_line(first)}. ")
    assert (
        copied == f"{TREATY_TITLE}, {ARTICLE_3}. https://treaties.example.org/lantern-signals#art-3"
    )
    shot(page, "copy-citation")

    page.evaluate("navigator.clipboard.writeText('')")
    page.goto(f"/documents/{TREATY}#art-3")  # the passage's own button copies the same
    button = page.locator("#art-3 button.copy")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == copied


def test_without_javascript_the_copy_button_is_hidden_and_search_works(
    no_js_page: Page, shot: Shot
) -> None:
    page = no_js_page
    page.goto("/")
    search_box(page).fill("signal logs")
    search_box(page).press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=signal\+logs$"))
    expect(hits(page).first).to_be_visible()
    buttons = page.locator("button.copy")
    assert buttons.count() == hits(page).count()
    for button in buttons.all():
        expect(button).to_be_hidden()
    expect(page.locator(".hit-citation").first).to_be_visible()  # select it by hand instead
    shot(page, "no-javascript-results")


# --- 5. did you mean --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "corrected", "wording"),
    [
        ("lantren", "lantern", "Showing results for"),
        # "logs" alone matches, but no passage can hold "signl": the correction is searched
        ("signl logs", "signal logs", "Showing results for"),
        # either word may match: what "logs" finds is kept, the correction offered
        ("signl OR logs", "signal OR logs", "Did you mean"),
    ],
    ids=["searched-instead", "searched-instead-beside-a-match", "did-you-mean"],
)
def test_a_misspelling_offers_the_corrected_search(
    page: Page, shot: Shot, typed: str, corrected: str, wording: str
) -> None:
    page.goto(search_url(q=typed))
    suggestion = page.locator("p.suggestion")
    expect(suggestion).to_contain_text(wording)
    expect(search_box(page)).to_have_value(typed)
    shot(page, f"suggestion-{typed.replace(' ', '-')}")

    suggestion.get_by_role("link", name=corrected, exact=True).click()
    page.wait_for_url(re.compile(r"/search\?"))
    assert query_of(page) == {"q": [corrected]}
    expect(search_box(page)).to_have_value(corrected)
    expect(page.locator("p.suggestion")).to_have_count(0)
    assert total(page) > 0
    words = set(corrected.split())
    assert words & set(marked_words(page.locator(".hits")))


# --- 6. hostile input and texts ---------------------------------------------------------


def test_a_script_in_the_query_is_shown_as_text(
    page: Page, shot: Shot, console_errors: list[str]
) -> None:
    page.goto("/")
    search_box(page).fill(PAYLOAD)
    search_box(page).press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    assert query_of(page) == {"q": [PAYLOAD]}
    expect(search_box(page)).to_have_value(PAYLOAD)
    assert page.title().startswith(PAYLOAD)
    expect_nothing_ran(page)
    assert console_errors == []
    shot(page, "xss-query")


def test_hostile_texts_are_shown_as_text_everywhere(
    page: Page, shot: Shot, console_errors: list[str]
) -> None:
    page.goto(search_url(q=HOSTILE_WORD))
    assert hits(page).count() > 1
    for hit in hits(page).all():
        assert citation_line(hit).startswith(HOSTILE_CITATION)
        copy = hit.get_by_role("button", name="Copy citation").get_attribute("data-copy")
        assert (copy or "").startswith(HOSTILE_CITATION)
    expect(page.locator(".hit-snippet", has_text=HOSTILE_IMG_TEXT)).to_have_count(1)
    expect(facet(page, "source")).to_contain_text(HOSTILE_SHORT_TITLE)
    expect_nothing_ran(page)
    shot(page, "xss-search-quillwort")

    open_first_hit(page)
    assert urlsplit(page.url).path == f"/documents/{HOSTILE}"
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_TITLE)
    assert page.title().startswith(HOSTILE_SHORT_TITLE)
    expect(page.get_by_role("navigation", name="Contents")).to_contain_text(HOSTILE_IMG_TEXT)
    expect(page.locator("#art-1 .passage-text")).to_contain_text(HOSTILE_IMG_TEXT)
    expect_nothing_ran(page)
    shot(page, "xss-document-hostile")

    page.goto("/sources")
    row = page.get_by_role("row", name=re.compile(HOSTILE))
    expect(row.get_by_role("link")).to_have_text(HOSTILE_SHORT_TITLE)
    expect_nothing_ran(page)
    assert console_errors == []  # nothing was injected that the CSP had to block
    shot(page, "xss-sources")


def test_pages_send_a_csp_and_break_none_of_it(page: Page, console_errors: list[str]) -> None:
    for url in NORMAL_PAGES.values():
        response = page.goto(url)
        assert response is not None and response.ok, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        expect(page.locator("main")).to_be_visible()
    assert console_errors == []  # a CSP violation would be reported here


# --- 7. a phone-sized screen ------------------------------------------------------------


PHONE_PAGES = {
    **NORMAL_PAGES,
    "hostile-results": f"/search?q={HOSTILE_WORD}",
    "hostile-document": f"/documents/{HOSTILE}",
}


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_no_horizontal_scroll_at_375px(page: Page, shot: Shot, name: str) -> None:
    url = PHONE_PAGES[name]
    page.set_viewport_size(MOBILE)
    page.goto(url)
    expect(page.locator("main")).to_be_visible()
    shot(page, f"mobile-375-{name}")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{url}: scrollWidth {widths[0]} > innerWidth {widths[1]}"


# --- 8. the keyboard --------------------------------------------------------------------


def test_slash_focuses_the_search_box(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="safeguards"))
    box = search_box(page)
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("safeguards")  # the slash is not typed ...
    assert box.evaluate("box => [box.selectionStart, box.selectionEnd]") == [0, len("safeguards")]
    page.keyboard.type("jurisdiction")  # ... and what is typed replaces the query
    expect(box).to_have_value("jurisdiction")
    page.keyboard.press("/")  # in the box, "/" is a character
    expect(box).to_have_value("jurisdiction/")
    shot(page, "keyboard-slash")


def test_the_first_tab_reaches_skip_to_content(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="safeguards"))
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert location_hash(page) == "#main"
    expect(skip).not_to_be_in_viewport()


# --- 9. nothing found, nothing held -----------------------------------------------------


def test_a_search_without_hits_gives_tips(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="zzyzx qqqz"))
    assert total(page) == 0
    empty = page.locator("section.empty")
    expect(empty.get_by_role("heading", name="No passage matched")).to_be_visible()
    expect(empty.get_by_role("link", name='"production order"')).to_be_visible()
    expect(empty.get_by_role("link", name="Search without the filters")).to_have_count(0)
    shot(page, "empty-results")

    empty.get_by_role("link", name="safeguards", exact=True).click()
    page.wait_for_url(re.compile(r"/search\?q=safeguards$"))
    assert total(page) > 0


def test_a_search_without_hits_under_filters_offers_to_drop_them(page: Page) -> None:
    page.goto(search_url(q="tidewater", kind="treaty"))
    assert total(page) == 0
    page.locator("section.empty").get_by_role("link", name="Search without the filters").click()
    page.wait_for_url(re.compile(r"/search\?q=tidewater$"))
    assert total(page) == 1


def test_a_metadata_only_document_says_its_text_is_not_held(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="tidewater"))
    hit = hits(page).first
    expect(hit).to_contain_text("the text of this document is not available offline")
    expect(hit.locator(".hit-snippet")).to_have_count(0)
    hit.get_by_role("link", name="Open in document").click()

    page.wait_for_url(re.compile(rf"/documents/{DECLARATION}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Declaration on Tidewater Beacon Registers"
    )
    expect(page.get_by_text("The text of this document is not available offline")).to_be_visible()
    expect(page.get_by_role("link", name="its canonical page")).to_have_attribute(
        "href", "https://declarations.example.org/tidewater-beacons"
    )
    expect(page.get_by_role("navigation", name="Contents")).to_have_count(0)
    shot(page, "metadata-only-document")


# --- 10. pagination ---------------------------------------------------------------------


def test_pagination_moves_page_by_page(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="request", per_page=2))
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages).to_be_visible()
    assert hits(page).count() == 2 and total(page) > 4
    expect(pages.locator('[aria-current="page"]')).to_have_text("1")
    expect(pages.get_by_role("link", name="Previous")).to_have_count(0)
    first_page = hits(page).all_inner_texts()

    pages.get_by_role("link", name="Next").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert query_of(page) == {"q": ["request"], "per_page": ["2"], "page": ["2"]}
    expect(pages.locator('[aria-current="page"]')).to_have_text("2")
    expect(pages.get_by_role("link", name="1", exact=True)).to_be_visible()
    expect(pages.get_by_role("link", name="Previous")).to_be_visible()
    expect(page.locator("ol.hits")).to_have_attribute("start", "3")
    assert hits(page).count() == 2 and hits(page).all_inner_texts() != first_page
    expect(page.get_by_role("status")).to_contain_text("page 2 of")
    shot(page, "pagination-page-2")


# --- 11. print --------------------------------------------------------------------------


def test_print_hides_the_controls(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="safeguards"))
    expect(page.locator(".facets")).to_be_visible()
    page.emulate_media(media="print")
    for selector in (".facets", "header.site form", "button.copy", "a.skip", "footer.site"):
        assert display(page.locator(selector).first) == "none", selector
    expect(page.locator(".facets")).to_be_hidden()
    expect(search_box(page)).to_be_hidden()
    expect(hits(page).first).to_be_visible()
    shot(page, "print-results")
