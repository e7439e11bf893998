"""The pages people read: search, compare, a brief, a document, a passage, the sources.

Server-rendered; each has a JSON twin under /api/ that shows the same view
(``kb/web/views.py``): a page adds only what reading needs, the words of the query
marked, links between passages, filters to switch on and off. Errors are pages too
(``kb/web/errors.py``). The pages work without JavaScript; ``static/kb.js`` only adds
to them (copy buttons, pinning passages to a brief kept in the browser, keyboard
shortcuts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from kb.derive.references import Reference
from kb.models import KIND_LABELS, STATUS_METADATA_ONLY, Document, Passage
from kb.search import Hit, QueryTimeout, SearchResult, Snapshot
from kb.search.compare import Column, Comparison
from kb.search.themes import Theme
from kb.web import views
from kb.web.params import (
    MAX_BRIEF,
    PAGING,
    Change,
    query_with,
    search_request,
    values,
    without,
)
from kb.web.views import Defined, Located, SearchView

blueprint = Blueprint("pages", __name__)

FILTERS = ("kind", "source", "year", "speaker", "theme")
FACET_TITLES = {
    "kind": "Kind",
    "source": "Instrument or session",
    "year": "Year",
    "speaker": "Speaker",
}
EXAMPLES = (
    "safeguards",
    "jurisdiction",
    "emergency disclosure",
    "Article 32 Budapest Convention",
    '"subscriber information"',
    "MLA",
)

Marker = Callable[..., str]  # marks the query's words in a text (snap.searcher.highlighter)


# Search --------------------------------------------------------------------------------


@blueprint.get("/")
@blueprint.get("/search")
def search_page() -> str:
    snap = views.current_snapshot()
    args = request.args
    if not any(args.get(name) for name in ("q", *FILTERS)):
        return render_template("home.html", **home(snap))
    view = views.search_view(snap, search_request(args))
    return render_template("results.html", **results(snap, view, args))


def home(snap: Snapshot) -> dict[str, Any]:
    build = snap.generation.build
    return {
        "themes": views.themes_view(views.current_library()).themes,
        "examples": EXAMPLES,
        "documents": build["documents"],
        "passages": build["passages"],
        "built_at": snap.built_at,
    }


def results(snap: Snapshot, view: SearchView, args: MultiDict[str, str]) -> dict[str, Any]:
    result, wanted = view.result, view.request
    mark = snap.searcher.highlighter(wanted.q, result.marks)
    query: dict[str, Any] = args.to_dict(flat=False)  # as url_for's values: lists repeat
    every_page: dict[str, Any] = without(args, *PAGING).to_dict(flat=False)  # for an export
    return {
        "result": result,
        "q": wanted.q,
        "hits": [shown_hit(snap, hit, wanted.q, mark) for hit in result.hits],
        "more": more_links(result, args),
        "facets": facets_shown(snap, view, args),
        "theme": theme_named(wanted.theme),
        "clear_theme": search_url(args, theme=None),
        "clear_all": search_url(MultiDict({"q": wanted.q})) if wanted.filters else None,
        "pages": page_links(args, wanted.page, result.pages),
        "suggestion_url": search_url(MultiDict({"q": result.suggestion}))
        if result.suggestion
        else None,
        "json_url": url_for("api.search_endpoint", **query),
        "first_rank": (wanted.page - 1) * wanted.per_page + 1,
        "compare_url": url_for("pages.compare_page", q=wanted.q or None, theme=wanted.theme),
        "export_urls": {
            label: url_for("api.export", **every_page, format=form)
            for label, form in (("CSV", "csv"), ("JSON lines", "jsonl"))
        },
    }


def theme_named(theme_id: str | None) -> Theme | None:
    """The theme a search is filtered by (known: the search checked it), for its label."""
    return views.current_library().vocabulary.get(theme_id) if theme_id else None


def search_url(args: MultiDict[str, str], **changes: Change) -> str:
    """The search page for ``args`` with ``changes`` (see ``query_with``): from page 1."""
    return f"{url_for('pages.search_page')}?{query_with(args, **changes)}"


@dataclass(frozen=True)
class ShownDefinition:
    term: str
    text: str
    citation: str
    url: str  # the defining passage in its document


@dataclass(frozen=True)
class ShownHit:
    id: str
    document: str
    section: Markup
    path: str
    snippet: Markup
    year: int
    kind: str
    document_url: str
    source_url: str
    citation: str
    metadata_only: bool
    why: tuple[str, ...]
    definitions: tuple[ShownDefinition, ...]


def more_links(result: SearchResult, args: MultiDict[str, str]) -> dict[str, tuple[int, str]]:
    """After the last hit of each document the first page caps: how many more passages
    it has, and the search limited to it."""
    last = {hit.document.id: hit.id for hit in result.hits}
    return {
        last[source]: (count, search_url(args, source=source))
        for source, count in result.collapsed.items()
        if source in last
    }


def shown_hit(snap: Snapshot, hit: Hit, q: str, mark: Marker) -> ShownHit:
    """A hit as the results and the comparison's columns show it."""
    source, passage = hit.document.source, hit.passage
    anchor = passage.anchor if passage else ""
    query = f"?{urlencode({'q': q})}" if q else ""
    used = views.definitions_used(snap, hit.document, passage) if passage else ()
    return ShownHit(
        id=hit.id,
        document=source.citation,
        section=Markup(mark(passage.label if passage else source.short_title)),
        path=" › ".join(passage.path) if passage else "",
        snippet=Markup(hit.snippet),  # escaped by the search, only <mark> added
        year=source.year,
        kind=KIND_LABELS[source.kind],
        document_url=url_for("pages.document_page", document_id=source.id)
        + query
        + (f"#{anchor}" if anchor else ""),
        source_url=hit.document.url(passage),
        citation=hit.document.citation(passage),
        metadata_only=passage is None,
        why=tuple(r.text for r in hit.explanation.reasons),
        definitions=tuple(shown_definition(d) for d in used),
    )


def shown_definition(defined: Defined) -> ShownDefinition:
    definition = defined.definition
    return ShownDefinition(
        term=definition.term,
        text=definition.text,
        citation=defined.at.citation,
        url=passage_url(definition.source_id, definition.anchor),
    )


def passage_url(source_id: str, anchor: str | None, here: str | None = None) -> str:
    """A passage in its document (``#anchor`` alone on that document's own page)."""
    if here == source_id and anchor:
        return f"#{anchor}"
    url = url_for("pages.document_page", document_id=source_id)
    return f"{url}#{anchor}" if anchor else url


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    selected: bool
    url: str


def facets_shown(
    snap: Snapshot, view: SearchView, args: MultiDict[str, str]
) -> list[tuple[str, str, list[FacetValue], str | None]]:
    """(name, title, values, clear url) for each facet with counts."""
    shown = []
    for name, counts in view.result.facets.items():
        chosen = selected_values(args, name)
        found = [
            facet_value(snap, args, name, value, count, value in chosen)
            for value, count in counts.items()
        ]
        # selected, but nothing left under the other filters
        found += [facet_value(snap, args, name, value, 0, True) for value in chosen - set(counts)]
        clear = search_url(args, **{name: None}) if chosen else None
        shown.append((name, FACET_TITLES[name], found, clear))
    return shown


def facet_value(
    snap: Snapshot, args: MultiDict[str, str], name: str, value: str, count: int, selected: bool
) -> FacetValue:
    return FacetValue(
        facet_label(snap, name, value), count, selected, toggle_url(args, name, value)
    )


def facet_label(snap: Snapshot, name: str, value: str) -> str:
    if name == "kind":
        return KIND_LABELS.get(value, value)
    if name == "source" and value in snap.documents:
        return snap.documents[value].source.short_title
    return value


def selected_values(args: MultiDict[str, str], name: str) -> set[str]:
    return {v.strip() for value in args.getlist(name) for v in value.split(",") if v.strip()}


def toggle_url(args: MultiDict[str, str], name: str, value: str) -> str:
    """The current search with ``value`` of filter ``name`` switched on or off, from page 1."""
    chosen = selected_values(args, name)
    chosen = chosen - {value} if value in chosen else chosen | {value}
    if name == "year":  # one year at a time: the API reads one year or one range
        chosen = {value} if value in chosen else set()
    return search_url(args, **{name: sorted(chosen) or None})


def page_links(
    args: MultiDict[str, str], page: int, pages: int
) -> list[tuple[str, str | None, bool]]:
    """(label, url, current) for the pages around this one, with previous and next."""
    if pages <= 1:
        return []
    links: list[tuple[str, str | None, bool]] = [
        ("Previous", search_url(args, page=page - 1) if page > 1 else None, False)
    ]
    for number in range(max(1, page - 2), min(pages, page + 2) + 1):
        links.append((str(number), search_url(args, page=number), number == page))
    links.append(("Next", search_url(args, page=page + 1) if page < pages else None, False))
    return links


# Documents and passages ------------------------------------------------------------------


@blueprint.get("/documents/<document_id>")
def document_page(document_id: str) -> str:
    snap = views.current_snapshot()
    document = views.document_view(snap, document_id).document
    q = request.args.get("q", "")
    mark = highlighter(snap, q)
    return render_template(
        "document.html",
        document=document,
        source=document.source,
        kind=KIND_LABELS[document.source.kind],
        passages=[
            shown_passage(snap, document, p, mark, here=document.id) for p in document.passages
        ],
        q=q,
        metadata_only=document.status == STATUS_METADATA_ONLY,
        json_url=url_for("api.document", document_id=document_id),
    )


@blueprint.get("/passages/<passage_id>")
def passage_page(passage_id: str) -> str:
    snap = views.current_snapshot()
    view = views.passage_view(snap, passage_id)
    document = view.at.document
    q = request.args.get("q", "")
    neighbours = [
        (label, at.passage.label, url_for("pages.passage_page", passage_id=at.id))
        for label, at in (("Previous", view.previous), ("Next", view.next))
        if at is not None
    ]
    return render_template(
        "passage.html",
        document=document,
        source=document.source,
        kind=KIND_LABELS[document.source.kind],
        passage=shown_passage(snap, document, view.at.passage, highlighter(snap, q)),
        defines=[shown_definition(d) for d in view.defines],
        neighbours=neighbours,
        q=q,
        json_url=url_for("api.passage", passage_id=passage_id),
    )


def highlighter(snap: Snapshot, q: str) -> Marker:
    try:
        return snap.searcher.highlighter(q)
    except QueryTimeout:  # the words cannot be read in time: the text, unmarked
        return snap.searcher.highlighter("")


@dataclass(frozen=True)
class ShownPassage:
    id: str
    anchor: str
    label: str
    heading: Markup  # escaped, only <mark> added
    path: str
    text: Markup  # escaped, only <mark> and links to what it refers to added
    note: str | None
    citation: str
    url: str  # the canonical page at the passage's anchor
    page_url: str  # the passage's own page
    definitions: tuple[ShownDefinition, ...]
    cited_by: tuple[tuple[str, str], ...]  # (label, url) of the passages citing this one


def shown_passage(
    snap: Snapshot, document: Document, passage: Passage, mark: Marker, here: str | None = None
) -> ShownPassage:
    """A passage as the pages show it; ``here`` is the document whose page shows it."""
    passage_id = document.passage_id(passage)
    links = [  # "paragraph 1 of Article 2" inside Article 2 is no link
        (r.start, r.end, reference_url(r, here))
        for r in views.references(snap, passage_id)
        if r.target != passage_id
    ]
    used = views.definitions_used(snap, document, passage)
    return ShownPassage(
        id=passage_id,
        anchor=passage.anchor,
        label=passage.label,
        heading=Markup(mark(passage.label)),
        path=" › ".join(passage.path),
        text=Markup(mark(passage.text, links)),
        note=passage.note,
        citation=document.citation(passage),
        url=document.url(passage),
        page_url=url_for("pages.passage_page", passage_id=passage_id),
        definitions=tuple(shown_definition(d) for d in used),
        cited_by=tuple(citing_link(at, here) for at in views.cited_by(snap, passage_id)),
    )


def reference_url(reference: Reference, here: str | None) -> str:
    return passage_url(reference.source_id, reference.anchor, here)


def citing_link(at: Located, here: str | None) -> tuple[str, str]:
    label = at.passage.label if at.document.id == here else at.citation
    return label, passage_url(at.document.id, at.passage.anchor, here)


# Comparing and the brief ---------------------------------------------------------------


@blueprint.get("/compare")
def compare_page() -> str:
    snap = views.current_snapshot()
    args = request.args
    themes = views.themes_view(views.current_library()).themes
    q, theme = args.get("q", ""), args.get("theme", "")
    if not q.strip() and not theme:
        return render_template("compare.html", comparison=None, themes=themes, q=q, theme=theme)
    wanted = search_request(MultiDict({"q": q, "theme": theme}))  # other parameters ignored
    view = views.compare_view(snap, wanted)
    chosen = theme_named(wanted.theme)
    return render_template(
        "compare.html",
        comparison=view.comparison,
        columns=columns_shown(snap, view.comparison, q, theme),
        elsewhere=[(d, n, sources_url((d,), q, theme)) for d, n in view.comparison.elsewhere],
        per_column=view.per_column,
        theme_label=chosen.label if chosen else "",
        themes=themes,
        q=q,
        theme=theme,
        json_url=url_for("api.compare_endpoint", q=q or None, theme=theme or None),
    )


def columns_shown(
    snap: Snapshot, comparison: Comparison, q: str, theme: str
) -> list[tuple[Column, list[ShownHit], str]]:
    """(column, its hits, the url of all of them) for each column of the comparison."""
    mark = snap.searcher.highlighter(q, comparison.overall.marks)
    return [
        (
            column,
            [shown_hit(snap, hit, q, mark) for hit in column.hits],
            sources_url(column.documents, q, theme),
        )
        for column in comparison.columns
    ]


def sources_url(documents: Iterable[Document], q: str, theme: str) -> str:
    """The comparison searched within ``documents`` alone (a column's instrument or
    sessions, a document without a column): every match, not the best few."""
    args = MultiDict([(name, value) for name, value in (("q", q), ("theme", theme)) if value])
    return search_url(args, source=[d.id for d in documents])


@blueprint.get("/brief")
def brief_page() -> str:
    """The brief pinned in the browser; unlike its JSON, ids the index lacks are left out."""
    snap = views.current_snapshot()
    view = views.brief_view(snap, values(request.args.to_dict(flat=False), "ids"))
    mark = highlighter(snap, "")
    shown = [shown_passage(snap, at.document, at.passage, mark) for at in view.passages]
    ids = [passage.id for passage in shown]
    entries = [
        (passage, at.document, brief_url([i for i in ids if i != passage.id]))
        for passage, at in zip(shown, view.passages, strict=True)
    ]
    joined = ",".join(ids)
    return render_template(
        "brief.html",
        entries=entries,
        missing=len(view.asked) - len(entries),
        max_brief=MAX_BRIEF,
        ids=joined,
        asked=len(view.asked),
        markdown_url=url_for("api.brief", ids=joined, format="md") if entries else None,
        json_url=url_for("api.brief", ids=joined) if entries else None,
    )


def brief_url(ids: list[str]) -> str:
    return url_for("pages.brief_page", ids=",".join(ids)) if ids else url_for("pages.brief_page")


# Sources -------------------------------------------------------------------------------


@blueprint.get("/sources")
def sources_page() -> str:
    view = views.sources_view(views.current_library(), current_app.config["KB_SETTINGS"])
    json_url = url_for("api.sources")
    return render_template(
        "sources.html", entries=view.entries, kinds=KIND_LABELS, json_url=json_url
    )
