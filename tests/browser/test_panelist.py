"""A panelist preparing a session, in a real browser: pins, the brief, comparisons, why a
passage matched, defined terms, cross-references and who cites a passage.

Pin hits and a document's passage, gather them in the brief, download it, remove one and
clear it; compare the instruments on a word or a theme; read why each hit matched; open a
defined term where it is used; follow a cross-reference and the "Cited by" links (on
``ref_site``, the world where an invented protocol cites the Convention); hostile texts on
the new pages; a phone-sized screen; the Content-Security-Policy. Every test starts from a
fresh page (tests/browser/conftest.py) and saves a screenshot of its main state under
test-output/screenshots/ (``shot``).
"""

from __future__ import annotations

import csv
import io
import json
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
    HOSTILE,
    HOSTILE_CITATION,
    HOSTILE_IMG_TEXT,
    HOSTILE_SHORT_TITLE,
    HOSTILE_WORD,
    PROPOSAL,
    PROPOSAL_CITATION,
    PROPOSAL_URL,
    PROTOCOL,
    PROTOCOL_CITATION,
    TREATY,
    TREATY_TITLE,
    TREATY_URL,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# Without the playwright package conftest.py skips every test here; this keeps the import
# of ``expect`` from failing the collection first.
expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests: the playwright package is not installed"
).expect

Shot = Callable[["Page", str], Path]

ARTICLE_2 = "Article 2 – Use of terms"
PROTOCOL_ARTICLE_2 = "Article 2 – Requests for fog horn logs"
# The definition of "signal log" in the invented treaty's Article 2 (tests/fixtures).
SIGNAL_LOG_MEANS = "means the written record of such signals kept by a harbour keeper"

# What the hostile source carries (tests/fixtures/hostile-*), shown as text.
HOSTILE_ARTICLE_1 = f"Article 1 – Purpose {HOSTILE_IMG_TEXT}"
PAYLOAD = '<script>window.__pwned=1</script>"><img src=x onerror="window.__pwned=1">'

# The brief of the main journey: two hits of "safeguards", then a session's passage.
PINNED = [
    (f"{TREATY}.art-4", f"{TREATY_TITLE}, {ARTICLE_4}", f"{TREATY_URL}#art-4"),
    (f"{TREATY}.preamble", f"{TREATY_TITLE}, Preamble", f"{TREATY_URL}#preamble"),
    (
        f"{PROPOSAL}.policy-questions",
        f"{PROPOSAL_CITATION}, Policy questions",
        f"{PROPOSAL_URL}#policy-questions",
    ),
]
# The brief's note on pins it cannot show (its wording may change, its gist may not).
LEFT_OUT = re.compile(r"^1 pinned passage .*left out.*no longer in the knowledge base")
RETRIEVED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
SOURCE_HASH = re.compile(r"sha256:[0-9a-f]{64}")
MOBILE = {"width": 375, "height": 800}


# --- helpers ----------------------------------------------------------------------------


def search_url(**params: str | int) -> str:
    return f"/search?{urlencode(params)}"


def hits(scope: Page | Locator) -> Locator:
    return scope.locator("ol.hits > li")


def hit_titled(page: Page, section: str) -> Locator:
    """The hit whose title names ``section``."""
    return hits(page).filter(has=page.locator(".hit-title", has_text=section))


def citation_line(hit: Locator) -> str:
    """A hit's citation as a reader sees it (without the screen-reader label)."""
    return hit.locator(".hit-citation").inner_text().removeprefix("Citation:").strip()


def total(page: Page) -> int:
    return int(page.get_by_role("status").locator("strong").inner_text())


def pin_button(scope: Locator) -> Locator:
    return scope.locator("button[data-pin]")


def brief_link(page: Page) -> Locator:
    """The header's link to the brief ("Brief", "Brief (n)" once passages are pinned)."""
    return page.get_by_role("navigation", name="Site").locator("a[data-brief-link]")


def stored_brief(page: Page) -> list[str]:
    """The pins this browser keeps for the site (localStorage "kb.brief")."""
    return page.evaluate("JSON.parse(localStorage.getItem('kb.brief') || '[]')")


def store_brief(page: Page, ids: list[str]) -> None:
    page.evaluate("ids => localStorage.setItem('kb.brief', JSON.stringify(ids))", ids)


def brief_entries(page: Page) -> Locator:
    return page.locator("ol.brief-entries > li.brief-entry")


def metadata(scope: Locator) -> dict[str, str]:
    """The ``dl.metadata`` of ``scope`` as {term: description}."""
    return scope.locator("dl.metadata").evaluate(
        "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map("
        "dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]))"
    )


def links_of(scope: Locator) -> list[tuple[str, str]]:
    """(text, href) of the links in ``scope``, as written in the page."""
    pairs = scope.locator("a").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    return [(text, href) for text, href in pairs]


def navigations_of(page: Page) -> list[str]:
    """The URLs the page's main frame navigates to from now on (fragment changes too)."""
    seen: list[str] = []
    page.on(
        "framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None
    )
    return seen


def unescape_markdown(text: str) -> str:
    """Text escaped by the brief's Markdown (a backslash before each special character)."""
    return re.sub(r"\\(.)", r"\1", text)


def markdown_entries(markdown: str) -> list[dict[str, str]]:
    """Each "## n. citation" section of a brief: its number, title and "- Key: value" lines."""
    entries = []
    for section in re.split(r"^## ", markdown, flags=re.MULTILINE)[1:]:
        heading, _, body = section.partition("\n")
        number, _, title = heading.partition(". ")
        fields = dict(re.findall(r"^- ([A-Za-z0-9 -]+): (.*)$", body, flags=re.MULTILINE))
        entries.append({"number": number, "title": unescape_markdown(title), **fields})
    return entries


def open_every_details(page: Page) -> None:
    page.locator("details").evaluate_all("all => all.forEach(d => { d.open = true; })")


# --- 1. the brief: pin, gather, download, remove, clear ---------------------------------


def test_pin_hits_and_a_passage_then_download_remove_and_clear_the_brief(
    page: Page, shot: Shot, console_errors: list[str]
) -> None:
    page.goto(search_url(q="safeguards"))
    expect(brief_link(page)).to_have_text("Brief")
    for number, hit in enumerate(hits(page).all()[:2], 1):
        button = pin_button(hit)
        expect(button).to_be_visible()  # kb.js shows it
        expect(button).to_have_text("Add to brief")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_have_text("In the brief ✓")
        expect(brief_link(page)).to_have_text(f"Brief ({number})")
        pin_id, citation, _ = PINNED[number - 1]
        assert button.get_attribute("data-pin") == pin_id
        assert citation_line(hit) == citation
    shot(page, "brief-two-hits-pinned")

    page.goto(f"/documents/{PROPOSAL}")
    expect(brief_link(page)).to_have_text("Brief (2)")  # kept across pages
    button = pin_button(page.locator("section.passage#policy-questions"))
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(brief_link(page)).to_have_text("Brief (3)")
    ids = [pin_id for pin_id, _, _ in PINNED]
    assert stored_brief(page) == ids
    shot(page, "brief-passage-pinned-in-document")

    brief_link(page).click()
    page.wait_for_url(re.compile(r"/brief\?ids="))
    assert parse_qs(urlsplit(page.url).query) == {"ids": [",".join(ids)]}
    expect(page.get_by_role("heading", level=1)).to_have_text("Brief")
    expect(page.locator(".brief-tools")).to_contain_text("3 passages")
    entries = brief_entries(page)
    expect(entries).to_have_count(3)
    for entry, (pin_id, citation, url) in zip(entries.all(), PINNED, strict=True):
        expect(entry).to_have_attribute("data-id", pin_id)
        title = entry.get_by_role("heading", level=2).get_by_role("link")
        expect(title).to_have_text(citation)
        expect(title).to_have_attribute("href", f"/passages/{pin_id}")
        expect(entry.locator("blockquote.passage-text")).not_to_be_empty()
        found = metadata(entry)
        assert found["Cite as"] == citation
        assert found["Link"] == url
        assert RETRIEVED.fullmatch(found["Retrieved"]), found
        assert SOURCE_HASH.fullmatch(found["Source hash"]), found
        expect(entry.get_by_role("link", name=url)).to_have_attribute("href", url)
        expect(entry.get_by_role("link", name="Remove from the brief")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    expect(page.get_by_role("button", name="Clear the brief")).to_be_visible()
    shot(page, "brief-three-passages")

    # the Markdown, downloaded as a reader would: every entry with its citation and link
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Markdown").click()
    download = download_info.value
    assert download.suggested_filename == "brief.md"
    markdown = Path(download.path()).read_text(encoding="utf-8")
    assert markdown.startswith("# Brief\n")
    found_entries = markdown_entries(markdown)
    assert [e["number"] for e in found_entries] == ["1", "2", "3"]
    for entry, (_, citation, url) in zip(found_entries, PINNED, strict=True):
        assert entry["title"] == citation
        assert unescape_markdown(entry["Citation"]) == citation
        assert entry["Link"] == f"<{url}>"
        assert RETRIEVED.fullmatch(entry["Retrieved"]), entry
    # the JSON twin: the same passages, in the same order
    json_href = page.get_by_role("link", name="Download JSON").get_attribute("href") or ""
    answer = page.request.get(json_href)
    assert answer.ok
    assert [(p["id"], p["citation"], p["url"]) for p in answer.json()["passages"]] == PINNED

    entries.nth(1).get_by_role("link", name="Remove from the brief").click()
    kept = [ids[0], ids[2]]
    page.wait_for_url(re.compile(rf"/brief\?ids={re.escape(','.join(kept))}$"))
    expect(entries).to_have_count(2)
    assert [entry.get_attribute("data-id") for entry in entries.all()] == kept
    expect(brief_link(page)).to_have_text("Brief (2)")
    assert stored_brief(page) == kept
    shot(page, "brief-one-removed")

    page.get_by_role("button", name="Clear the brief").click()
    page.wait_for_url(re.compile(r"/brief$"))
    expect(page.locator(".brief-empty")).to_contain_text("The brief is empty")
    expect(entries).to_have_count(0)
    expect(brief_link(page)).to_have_text("Brief")
    assert stored_brief(page) == []
    shot(page, "brief-cleared")

    page.goto(search_url(q="safeguards"))  # the pins are gone on the results too
    for button in hits(page).locator("button[data-pin]").all():
        expect(button).to_have_attribute("aria-pressed", "false")
    assert console_errors == []


def test_a_pin_toggles_and_is_remembered_on_every_page(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="safeguards"))
    button = pin_button(hit_titled(page, ARTICLE_4))
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")

    page.reload()
    expect(pin_button(hit_titled(page, ARTICLE_4))).to_have_attribute("aria-pressed", "true")
    expect(brief_link(page)).to_have_text("Brief (1)")
    expect(brief_link(page)).to_have_attribute("href", f"/brief?ids={TREATY}.art-4")

    page.goto(f"/documents/{TREATY}#art-4")  # the same passage in its document: pinned
    button = pin_button(page.locator("section.passage#art-4"))
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_text("In the brief ✓")
    expect(pin_button(page.locator("section.passage#art-3"))).to_have_attribute(
        "aria-pressed", "false"
    )
    shot(page, "brief-pin-remembered-in-document")
    button.click()  # again: out of the brief
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(brief_link(page)).to_have_text("Brief")
    expect(brief_link(page)).to_have_attribute("href", "/brief")
    assert stored_brief(page) == []


def test_the_brief_without_ids_opens_the_pins_kept_in_this_browser(page: Page) -> None:
    page.goto("/brief")  # nothing pinned: the empty brief, and no redirect
    expect(page.locator(".brief-empty")).to_be_visible()
    assert urlsplit(page.url).query == ""

    ids = [f"{TREATY}.art-3", f"{PROPOSAL}.sdgs"]
    store_brief(page, ids)
    page.goto("/brief")
    page.wait_for_url(re.compile(r"/brief\?ids="))
    assert parse_qs(urlsplit(page.url).query) == {"ids": [",".join(ids)]}
    assert [entry.get_attribute("data-id") for entry in brief_entries(page).all()] == ids


@pytest.mark.parametrize("query", ["ids=", "ids=,", "ids=&ids=%20"])
def test_a_link_to_a_brief_of_no_ids_keeps_the_pins_and_shows_them(
    page: Page, shot: Shot, query: str
) -> None:
    """``/brief?ids=`` names no passage: it is /brief, not an empty brief replacing the pins."""
    page.goto(f"/brief?{query}")  # nothing pinned yet: the empty brief, where it is
    expect(page.locator(".brief-empty")).to_be_visible()
    assert urlsplit(page.url).query == query

    page.goto(search_url(q="safeguards"))
    for section in (ARTICLE_4, "Preamble"):
        button = pin_button(hit_titled(page, section))
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    ids = [f"{TREATY}.art-4", f"{TREATY}.preamble"]
    assert stored_brief(page) == ids

    page.goto(f"/brief?{query}")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query) == {"ids": [",".join(ids)]})
    expect(brief_entries(page)).to_have_count(2)
    assert [entry.get_attribute("data-id") for entry in brief_entries(page).all()] == ids
    assert stored_brief(page) == ids
    expect(brief_link(page)).to_have_text("Brief (2)")
    shot(page, "brief-link-of-no-ids-keeps-the-pins")


def test_a_pin_no_longer_in_the_index_is_left_out_and_said(page: Page, shot: Shot) -> None:
    page.goto("/")
    store_brief(page, [f"{TREATY}.art-3", "gone-treaty.art-9"])
    page.goto("/brief")
    page.wait_for_url(re.compile(r"/brief\?ids="))
    expect(brief_entries(page)).to_have_count(1)
    expect(page.locator("p.note")).to_have_text(LEFT_OUT)
    assert stored_brief(page) == [f"{TREATY}.art-3"]  # the brief on screen is the brief
    expect(brief_link(page)).to_have_text("Brief (1)")
    shot(page, "brief-stale-pin-left-out")


def test_a_brief_of_pins_all_gone_from_the_index_settles_and_says_so(page: Page) -> None:
    """No redirect loop: the page of no passage at all is no reason to ask again."""
    page.goto("/")
    store_brief(page, ["gone-treaty.art-9"])
    navigations = navigations_of(page)
    page.goto("/brief", wait_until="commit")
    page.wait_for_timeout(1_500)  # a redirect loop shows within this
    assert len(navigations) <= 2, f"{len(navigations)} navigations: {navigations[:4]}..."
    expect(page.locator("p.note")).to_have_text(LEFT_OUT)
    expect(page.locator(".brief-empty")).to_be_visible()
    assert stored_brief(page) == []


def test_without_javascript_a_brief_works_from_its_url(no_js_page: Page, shot: Shot) -> None:
    page = no_js_page
    ids = [f"{TREATY}.art-3", f"{PROPOSAL}.sdgs"]
    page.goto(f"/brief?ids={','.join(ids)}")
    entries = brief_entries(page)
    expect(entries).to_have_count(2)
    assert [entry.get_attribute("data-id") for entry in entries.all()] == ids
    expect(page.get_by_role("link", name="Download Markdown")).to_have_attribute(
        "href", f"/api/brief?ids={','.join(ids)}&format=md"
    )
    expect(page.get_by_role("link", name="Download JSON")).to_have_attribute(
        "href", f"/api/brief?ids={','.join(ids)}"
    )
    for name in ("Print", "Clear the brief"):  # only JavaScript can do these
        expect(page.get_by_role("button", name=name, include_hidden=True)).to_be_hidden()
    shot(page, "no-javascript-brief")

    entries.first.get_by_role("link", name="Remove from the brief").click()
    page.wait_for_url(re.compile(rf"/brief\?ids={re.escape(ids[1])}$"))
    expect(entries).to_have_count(1)

    page.goto(search_url(q="safeguards"))  # no pin button without JavaScript
    for button in page.locator("button[data-pin]").all():
        expect(button).to_be_hidden()


# --- 2. compare the instruments ---------------------------------------------------------


def test_compare_a_word_across_the_instruments(
    page: Page, shot: Shot, console_errors: list[str]
) -> None:
    page.goto("/compare")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare the instruments")
    expect(page.locator("section.column")).to_have_count(0)  # the form only
    page.get_by_role("searchbox", name="Words").fill("safeguards")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare\?q=safeguards"))

    columns = page.locator("section.column")
    expect(columns.get_by_role("heading", level=2)).to_have_text(
        ["Lantern Convention", HOSTILE_SHORT_TITLE, "IGF sessions"]
    )
    lantern, hostile, sessions = columns.all()
    expect(lantern.locator(".column-count")).to_have_text("2 matching passages · all of them")
    expect(hits(lantern).locator(".hit-title")).to_have_text(
        [f"{TREATY_TITLE} · {ARTICLE_4}", f"{TREATY_TITLE} · Preamble"]
    )
    expect(hostile.locator("p.gap")).to_have_text("No matching provision.")  # a gap
    expect(hits(hostile)).to_have_count(0)
    expect(sessions.locator(".column-count")).to_have_text("3 matching passages · all of them")
    expect(hits(sessions)).to_have_count(3)
    for hit in hits(columns).all():  # why each matched, in the columns too
        expect(hit.locator(".hit-why")).to_be_visible()
        expect(hit.locator(".hit-why li").first).to_contain_text("safeguards")
    expect(page.locator("main p.note", has_text="Not compared")).to_have_text(
        "Not compared, their text is not held offline: Tidewater Declaration."
    )
    # "safeguards" is a label of the real thesaurus: the reading says so
    expect(page.locator("main p.note", has_text="also searched")).to_contain_text(
        "the concept “conditions and safeguards”"
    )
    expect(page.get_by_role("searchbox", name="Words")).to_have_value("safeguards")
    expect_nothing_ran(page)
    shot(page, "compare-safeguards")

    lantern.get_by_role("link", name="all of them").click()  # all of it in one instrument
    page.wait_for_url(re.compile(rf"/search\?.*source={TREATY}"))
    assert total(page) == hits(page).count() == 2
    assert all(citation_line(hit).startswith(TREATY_TITLE) for hit in hits(page).all())
    expect(page.locator('.facet-value[aria-current="true"] .label')).to_have_text(
        "Lantern Convention"
    )
    assert console_errors == []


def test_compare_a_theme_chosen_in_the_select(page: Page, shot: Shot) -> None:
    page.goto("/compare")
    page.get_by_role("combobox", name="Theme").select_option(label="Safeguards")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(re.compile(r"/compare\?.*theme=safeguards"))
    expect(page.get_by_role("combobox", name="Theme")).to_have_value("safeguards")

    columns = page.locator("section.column")
    expect(columns).to_have_count(3)
    lantern, hostile, sessions = columns.all()
    expect(hits(lantern).first.locator(".hit-title")).to_contain_text(ARTICLE_4)
    expect(hits(lantern).first.locator(".hit-why")).to_contain_text("theme Safeguards:")
    expect(hostile.locator("p.gap")).to_have_text("No matching provision.")
    column_total = int(sessions.locator(".column-count").inner_text().split()[0])
    assert column_total > hits(sessions).count() == 3  # the best three of more
    shot(page, "compare-theme-safeguards")

    sessions.get_by_role("link", name="all of them").click()
    page.wait_for_url(re.compile(rf"/search\?.*source={PROPOSAL}"))
    assert total(page) == hits(page).count() == column_total


def test_compare_finds_the_gap_in_the_sessions(page: Page) -> None:
    page.goto(f"/compare?q={HOSTILE_WORD}")
    columns = page.locator("section.column")
    expect(columns.locator("p.gap")).to_have_text(
        ["No matching provision.", "No matching provision in the sessions."]
    )
    expect(page.locator('section.column[data-column="igf-sessions"] p.gap')).to_be_visible()


def test_results_lead_to_the_comparison_and_to_every_result_as_a_file(
    page: Page, shot: Shot
) -> None:
    page.goto(search_url(q="safeguards"))
    ids = [button.get_attribute("data-pin") for button in page.locator("button[data-pin]").all()]
    assert len(ids) == total(page) == 5
    tools = page.locator("p.result-tools")
    expect(tools).to_contain_text("Download all results")
    shot(page, "results-tools")

    with page.expect_download() as download_info:
        tools.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text("utf-8"))))
    assert [row["id"] for row in rows] == ids
    assert all(row["why"] and row["citation"] and row["url"] for row in rows)

    jsonl_href = tools.get_by_role("link", name="JSON lines").get_attribute("href") or ""
    answer = page.request.get(jsonl_href)
    assert answer.ok
    lines = [json.loads(line) for line in answer.text().splitlines()]
    assert [line["id"] for line in lines] == ids

    tools.get_by_role("link", name="Compare across instruments").click()
    page.wait_for_url(re.compile(r"/compare\?q=safeguards$"))
    expect(page.get_by_role("searchbox", name="Words")).to_have_value("safeguards")
    expect(page.locator("section.column")).to_have_count(3)


# --- 3. why it matched ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "first_reason"),
    [
        ({"q": "signal logs"}, "defines “signal log”"),
        ({"q": "safeguards"}, "a synonym of “safeguards” (theme Safeguards)"),
        ({"theme": "safeguards"}, "theme Safeguards:"),
    ],
    ids=["defined-term", "synonym", "theme"],
)
def test_why_it_matched_is_shown_under_every_hit(
    page: Page, shot: Shot, params: dict[str, str], first_reason: str
) -> None:
    page.goto(search_url(**params))
    assert hits(page).count() == total(page) > 1
    for hit in hits(page).all():
        why = hit.locator(".hit-why")
        expect(why).to_be_visible()
        expect(why.locator(".why-label")).to_have_text("Why it matched:")
        reasons = why.locator("li").all_inner_texts()
        assert reasons and all(reason.strip() for reason in reasons), reasons
    expect(hits(page).first.locator(".hit-why")).to_contain_text(first_reason)
    name = "-".join(f"{key}-{value}" for key, value in params.items())
    shot(page, f"why-it-matched-{name.replace(' ', '-')}")


def test_a_search_for_a_defined_term_lists_its_definition_first(page: Page) -> None:
    page.goto(search_url(q="lantern signal"))
    first = hits(page).first
    expect(first.locator(".hit-title")).to_have_text(f"{TREATY_TITLE} · {ARTICLE_2}")
    expect(first.locator(".hit-why")).to_contain_text("defines “lantern signal”")


# --- 4. defined terms -------------------------------------------------------------------


def test_a_defined_term_opens_its_definition_in_place(page: Page, shot: Shot) -> None:
    page.goto(search_url(q="signal logs"))
    hit = hit_titled(page, ARTICLE_3)
    definitions = hit.locator("details.definitions")
    expect(definitions.locator("summary")).to_have_text("Defined terms used here: “signal log”")
    definition = definitions.locator("dd")
    expect(definition).to_be_hidden()
    before = page.url
    navigations = navigations_of(page)

    definitions.locator("summary").click()
    expect(definitions).to_have_attribute("open", "")
    expect(definitions.locator("dt")).to_have_text("signal log")
    expect(definition).to_be_visible()
    expect(definition.locator(".definition-text")).to_contain_text(SIGNAL_LOG_MEANS)
    expect(definition.get_by_role("link")).to_have_text(f"{TREATY_TITLE}, {ARTICLE_2}")
    expect(definition.get_by_role("link")).to_have_attribute("href", f"/documents/{TREATY}#art-2")
    assert page.url == before and navigations == []  # no navigation, not even a fragment
    shot(page, "definition-open-in-results")
    definitions.locator("summary").click()
    expect(definition).to_be_hidden()

    # in a document, the same, and the definition's link leads to the defining article
    page.goto(f"/documents/{TREATY}#art-3")
    definitions = page.locator("section.passage#art-3 details.definitions")
    definitions.locator("summary").click()
    expect(definitions.locator(".definition-text")).to_contain_text(SIGNAL_LOG_MEANS)
    assert location_hash(page) == "#art-3"
    expect(page.locator("section.passage#art-3")).to_be_in_viewport()
    shot(page, "definition-open-in-document")
    definitions.get_by_role("link").click()
    expect_passage_at_anchor(page, "art-2")
    assert urlsplit(page.url).path == f"/documents/{TREATY}"


def test_a_protocol_uses_the_definitions_of_its_convention(
    page: Page, ref_site: str, shot: Shot
) -> None:
    page.goto(f"{ref_site}/passages/{PROTOCOL}.art-1")
    definitions = page.locator("details.definitions")
    definitions.locator("summary").click()
    expect(definitions.locator("dt")).to_have_text("signal log")
    expect(definitions.locator(".definition-text")).to_contain_text(SIGNAL_LOG_MEANS)
    expect(definitions.get_by_role("link")).to_have_attribute("href", f"/documents/{TREATY}#art-2")
    shot(page, "definition-inherited-by-protocol")


# --- 5. cross-references and who cites a passage ----------------------------------------


def test_a_cross_reference_lands_on_the_passage_it_names(
    page: Page, ref_site: str, shot: Shot
) -> None:
    page.goto(f"{ref_site}/documents/{PROTOCOL}")
    preamble = page.locator("section.passage#preamble")
    assert links_of(preamble.locator(".passage-text")) == [
        (TREATY_TITLE, f"/documents/{TREATY}"),  # the instrument named
        ("Article 3", f"/documents/{TREATY}#art-3"),  # "... of the Convention"
    ]
    article_2 = page.locator("section.passage#art-2")
    assert links_of(article_2.locator(".passage-text")) == [
        ("Article 1", "#art-1"),  # "... of this Protocol": on this very page
        ("Article 3", f"/documents/{TREATY}#art-3"),
    ]
    assert page.locator("a.ref").count() == 8

    article_2.get_by_role("link", name="Article 1", exact=True).click()
    article_1 = expect_passage_at_anchor(page, "art-1")
    assert urlsplit(page.url).path == f"/documents/{PROTOCOL}"
    expect(article_1.locator("p.cited-by")).to_have_text(
        "Cited by: Article 2 – Requests for fog horn logs; "
        "Article 3 – Keepers' notes <i>in markup</i>"
    )
    shot(page, "reference-in-page")

    article_1.locator("a.ref", has_text="Article 4").click()
    page.wait_for_url(re.compile(rf"/documents/{TREATY}#art-4$"))
    passage = expect_passage_at_anchor(page, "art-4")
    expect(passage.get_by_role("heading", level=2)).to_have_text(ARTICLE_4)
    shot(page, "reference-to-the-convention")


def test_the_passage_page_shows_who_cites_it_and_its_neighbours(
    page: Page, ref_site: str, shot: Shot
) -> None:
    page.goto(f"{ref_site}/passages/{TREATY}.art-3")
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_3)
    assert page.title().startswith(f"{ARTICLE_3} · Lantern Convention")
    expect(page.locator("header .kind").get_by_role("link")).to_have_attribute(
        "href", f"/documents/{TREATY}#art-3"
    )
    cited_by = page.locator("p.cited-by")
    expect(cited_by).to_have_text(
        f"Cited by: {PROTOCOL_CITATION}, Preamble; {PROTOCOL_CITATION}, {PROTOCOL_ARTICLE_2}"
    )
    assert links_of(cited_by) == [
        (f"{PROTOCOL_CITATION}, Preamble", f"/documents/{PROTOCOL}#preamble"),
        (f"{PROTOCOL_CITATION}, {PROTOCOL_ARTICLE_2}", f"/documents/{PROTOCOL}#art-2"),
    ]
    found = metadata(page.locator("article"))
    assert found["Cite as"] == f"{TREATY_TITLE}, {ARTICLE_3}"
    assert found["Canonical page"] == f"{TREATY_URL}#art-3"
    assert RETRIEVED.fullmatch(found["Retrieved"]) and SOURCE_HASH.fullmatch(found["Source hash"])
    expect(page.locator("details.definitions summary")).to_contain_text("“signal log”")
    neighbours = page.get_by_role("navigation", name="Neighbouring passages")
    assert links_of(neighbours) == [
        (f"Previous: {ARTICLE_2}", f"/passages/{TREATY}.art-2"),
        (f"Next: {ARTICLE_4}", f"/passages/{TREATY}.art-4"),
    ]
    pin = pin_button(page.locator("section.passage"))
    pin.click()  # a passage page pins too
    expect(brief_link(page)).to_have_text("Brief (1)")
    shot(page, "passage-page-cited-by")

    cited_by.get_by_role("link", name=PROTOCOL_ARTICLE_2, exact=False).click()
    page.wait_for_url(re.compile(rf"/documents/{PROTOCOL}#art-2$"))
    citing = expect_passage_at_anchor(page, "art-2")
    expect(citing.locator("a.ref", has_text="Article 3")).to_have_attribute(
        "href", f"/documents/{TREATY}#art-3"
    )  # and back

    page.goto(f"{ref_site}/passages/{TREATY}.art-3")
    neighbours.get_by_role("link", name=f"Next: {ARTICLE_4}").click()
    page.wait_for_url(re.compile(rf"/passages/{TREATY}\.art-4$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ARTICLE_4)


def test_a_defining_passage_lists_its_terms_and_says_none_cites_it(
    page: Page, ref_site: str, shot: Shot
) -> None:
    page.goto(f"{ref_site}/passages/{TREATY}.art-2")
    defines = page.get_by_role("region", name="Terms defined here")
    expect(defines.locator("dt")).to_have_text(["lantern signal", "signal log"])
    expect(defines.locator("dd").nth(1)).to_contain_text(SIGNAL_LOG_MEANS)
    expect(page.locator("p.cited-by")).to_have_text("No other passage cites this one.")
    expect(page.locator("details.definitions")).to_have_count(0)  # it uses none it does not define
    shot(page, "passage-page-defines")


# --- 6. hostile texts on the new pages --------------------------------------------------


def test_hostile_texts_never_run_on_the_new_pages(
    page: Page, ref_site: str, shot: Shot, console_errors: list[str]
) -> None:
    page.goto(search_url(q=HOSTILE_WORD))
    for hit in hits(page).all()[:2]:
        pin_button(hit).click()
        expect(hit.locator(".hit-why")).to_contain_text("“quillwort”")
    brief_link(page).click()
    page.wait_for_url(re.compile(r"/brief\?ids="))
    titles = brief_entries(page).get_by_role("heading", level=2)
    expect(titles).to_have_count(2)
    for title in titles.all_inner_texts():
        assert title.startswith(f"{HOSTILE_CITATION}, Article ")
    expect_nothing_ran(page)
    shot(page, "xss-brief")
    href = page.get_by_role("link", name="Download Markdown").get_attribute("href") or ""
    markdown = page.request.get(href).text()
    # every markup character of the texts is escaped: the only "<...>" left are the links
    assert all(link.startswith("https://") for link in re.findall(r"(?<!\\)<([^>]*)>", markdown))
    assert "\\<svg onload" in markdown and "\\<b\\>Wardens" in markdown
    assert [e["title"] for e in markdown_entries(markdown)] == titles.all_inner_texts()

    page.goto(f"/compare?q={HOSTILE_WORD}")
    column = page.locator(f'section.column[data-column="{HOSTILE}"]')
    expect(column.get_by_role("heading", level=2)).to_have_text(HOSTILE_SHORT_TITLE)
    for line in column.locator(".hit-citation").all_inner_texts():
        assert line.removeprefix("Citation:").strip().startswith(HOSTILE_CITATION)
    expect_nothing_ran(page)
    shot(page, "xss-compare-quillwort")

    page.goto(f"/compare?{urlencode({'q': PAYLOAD})}")
    expect(page.get_by_role("searchbox", name="Words")).to_have_value(PAYLOAD)
    assert page.title().startswith(f"Compare: {PAYLOAD}")
    expect_nothing_ran(page)

    page.goto(f"/passages/{HOSTILE}.art-1")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_ARTICLE_1)
    expect(page.locator(".passage-text")).to_contain_text(HOSTILE_IMG_TEXT)
    assert (
        metadata(page.locator("article"))["Cite as"] == f"{HOSTILE_CITATION}, {HOSTILE_ARTICLE_1}"
    )
    expect_nothing_ran(page)
    shot(page, "xss-passage-page")

    # references linked inside escaped markup, on the document and on the passage page
    for url in (f"{ref_site}/documents/{PROTOCOL}", f"{ref_site}/passages/{PROTOCOL}.art-3"):
        page.goto(url)
        text = page.locator("section.passage#art-3 .passage-text")
        expect(text).to_contain_text(HOSTILE_IMG_TEXT)
        expect(text).to_contain_text('<a href="javascript:window.__pwned=1">Article 1</a>')
        assert [label for label, _ in links_of(text)] == [
            "Article 2",
            "Article 1",
            "the Convention",
        ]
        expect_nothing_ran(page)
    shot(page, "xss-references")
    assert console_errors == []  # nothing was injected that the CSP had to block


# --- 7. a phone-sized screen ------------------------------------------------------------


BRIEF_IDS = f"{HOSTILE}.art-1,{HOSTILE}.art-2,{TREATY}.art-3,{PROPOSAL}.overview"
PHONE_PAGES = {
    "compare-form": ("site", "/compare"),
    "compare-safeguards": ("site", "/compare?q=safeguards"),
    "compare-theme": ("site", "/compare?theme=safeguards"),
    "compare-quillwort": ("site", f"/compare?q={HOSTILE_WORD}"),
    "brief": ("site", f"/brief?ids={BRIEF_IDS}"),
    "passage-hostile": ("site", f"/passages/{HOSTILE}.art-1"),
    "passage-cited": ("ref_site", f"/passages/{TREATY}.art-3"),
    "passage-references": ("ref_site", f"/passages/{PROTOCOL}.art-3"),
}


@pytest.mark.parametrize("name", list(PHONE_PAGES))
def test_no_horizontal_scroll_at_375px_on_the_new_pages(
    page: Page, shot: Shot, request: pytest.FixtureRequest, name: str
) -> None:
    which, path = PHONE_PAGES[name]
    base = request.getfixturevalue(which)
    page.set_viewport_size(MOBILE)
    page.goto(f"{base}{path}")
    expect(page.locator("main")).to_be_visible()
    open_every_details(page)  # the definitions, opened, must fit too
    shot(page, f"mobile-375-{name}")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{path}: scrollWidth {widths[0]} > innerWidth {widths[1]}"


# --- 8. the Content-Security-Policy -----------------------------------------------------


def test_the_new_pages_send_a_csp_and_break_none_of_it(
    page: Page, ref_site: str, console_errors: list[str]
) -> None:
    brief = f"/brief?ids={TREATY}.art-3,{PROPOSAL}.sdgs"
    urls = [
        ("/compare", None),
        ("/compare?q=safeguards", None),
        ("/compare?theme=safeguards", None),
        (brief, None),
        ("/brief", brief),  # after the one above: redirected to the pins it kept
        (f"/passages/{TREATY}.art-3", None),
        (f"{ref_site}/documents/{PROTOCOL}", None),
        (f"{ref_site}/passages/{TREATY}.art-3", None),
    ]
    for url, redirected in urls:
        response = page.goto(url)
        assert response is not None and response.ok, url
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        if redirected:
            page.wait_for_url(re.compile(f"{re.escape(redirected)}$"))
        expect(page.locator("main")).to_be_visible()
        open_every_details(page)
        for button in page.locator("button[data-pin]").all()[:2]:
            button.click()  # kb.js at work on every page
    assert console_errors == []  # a CSP violation would be reported here
