"""The pages people read: search, a document, the sources. Server-rendered; each has a JSON
twin under /api/. They work without JavaScript; ``static/kb.js`` only adds to them (copy
buttons, keyboard shortcuts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from kb.ingest.report import source_statuses
from kb.models import KIND_LABELS, STATUS_METADATA_ONLY
from kb.search import (
    Hit,
    InvalidRequest,
    Library,
    NoIndex,
    QueryTimeout,
    SearchResult,
    Snapshot,
    search,
)
from kb.web.params import BadParameter, search_request

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


def library() -> Library:
    return current_app.extensions["kb.library"]


def snapshot() -> Snapshot:
    try:
        return library().snapshot()
    except NoIndex:
        abort(503, "The knowledge base has no index yet: run `kb ingest`, then reload this page.")


# Search --------------------------------------------------------------------------------


@blueprint.get("/")
@blueprint.get("/search")
def search_page() -> str | tuple[str, int]:
    snap = snapshot()
    args = request.args
    if not any(args.get(name) for name in ("q", *FILTERS)):
        return render_template("home.html", **home(snap))
    try:
        result = search(snap, search_request(args))
    except (BadParameter, InvalidRequest) as error:
        return error_page(400, "This search cannot be run", error.message), 400
    except QueryTimeout:
        message = "The query took too long to answer. Try fewer words or fewer wildcards."
        return error_page(400, "This search cannot be run", message), 400
    return render_template("results.html", **results(snap, result, args))


def home(snap: Snapshot) -> dict[str, Any]:
    build = snap.generation.build
    return {
        "themes": library().vocabulary.themes.values(),
        "examples": EXAMPLES,
        "documents": build["documents"],
        "passages": build["passages"],
        "built_at": snap.built_at,
    }


def results(snap: Snapshot, result: SearchResult, args: MultiDict[str, str]) -> dict[str, Any]:
    wanted = result.request
    mark = snap.searcher.highlighter(wanted.q, result.marks)
    return {
        "result": result,
        "q": wanted.q,
        "hits": [hit_view(hit, wanted.q, mark) for hit in result.hits],
        "facets": facet_views(snap, result, args),
        "theme": library().vocabulary.get(wanted.theme) if wanted.theme else None,
        "clear_theme": url_with(args, theme=None),
        "clear_all": url_with(MultiDict({"q": wanted.q})) if wanted.filters else None,
        "pages": page_links(args, wanted.page, result.pages),
        "suggestion_url": url_with(MultiDict({"q": result.suggestion}))
        if result.suggestion
        else None,
        "json_url": url_for("api.search_endpoint", **args.to_dict(flat=False)),
        "first_rank": (wanted.page - 1) * wanted.per_page + 1,
    }


@dataclass(frozen=True)
class HitView:
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


def hit_view(hit: Hit, q: str, mark: Callable[[str], str]) -> HitView:
    source, passage = hit.document.source, hit.passage
    anchor = passage.anchor if passage else ""
    query = f"?{urlencode({'q': q})}" if q else ""
    return HitView(
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
    )


@dataclass(frozen=True)
class FacetValue:
    label: str
    count: int
    selected: bool
    url: str


def facet_views(
    snap: Snapshot, result: SearchResult, args: MultiDict[str, str]
) -> list[tuple[str, str, list[FacetValue], str | None]]:
    """(name, title, values, clear url) for each facet with counts."""
    views = []
    for name, counts in result.facets.items():
        chosen = selected_values(args, name)
        values = [
            FacetValue(
                label=facet_label(snap, name, value),
                count=count,
                selected=value in chosen,
                url=toggle_url(args, name, value),
            )
            for value, count in counts.items()
        ]
        for value in chosen - set(counts):  # selected, but nothing left under the other filters
            values.append(
                FacetValue(facet_label(snap, name, value), 0, True, toggle_url(args, name, value))
            )
        clear = url_with(args, **{name: None}) if chosen else None
        views.append((name, FACET_TITLES[name], values, clear))
    return views


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
    return url_with(args, **{name: sorted(chosen) or None})


def url_with(args: MultiDict[str, str], **changes: Any) -> str:
    """``/search`` with ``args`` changed (None removes a parameter); back to page 1."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in changes and k != "page"]
    for name, value in changes.items():
        if value is None:
            continue
        pairs += [(name, v) for v in (value if isinstance(value, list | tuple) else [value])]
    return f"{url_for('pages.search_page')}?{urlencode(pairs)}"


def page_links(
    args: MultiDict[str, str], page: int, pages: int
) -> list[tuple[str, str | None, bool]]:
    """(label, url, current) for the pages around this one, with previous and next."""
    if pages <= 1:
        return []

    def at(number: int) -> str:
        pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"] + [("page", number)]
        return f"{url_for('pages.search_page')}?{urlencode(pairs)}"

    links: list[tuple[str, str | None, bool]] = [
        ("Previous", at(page - 1) if page > 1 else None, False)
    ]
    for number in range(max(1, page - 2), min(pages, page + 2) + 1):
        links.append((str(number), at(number), number == page))
    links.append(("Next", at(page + 1) if page < pages else None, False))
    return links


# Documents and sources ---------------------------------------------------------------------


@blueprint.get("/documents/<document_id>")
def document_page(document_id: str) -> str:
    snap = snapshot()
    document = snap.documents.get(document_id)
    if document is None:
        abort(404, f"There is no document with the id “{document_id}”.")
    q = request.args.get("q", "")
    try:
        mark = snap.searcher.highlighter(q)
    except QueryTimeout:  # the words cannot be read in time: the document, unmarked
        mark = snap.searcher.highlighter("")
    passages = [
        {
            "anchor": p.anchor,
            "label": p.label,
            "heading": Markup(mark(p.label)),  # escaped, only <mark> added
            "path": " › ".join(p.path),
            "text": Markup(mark(p.text)),  # escaped, only <mark> added
            "note": p.note,
            "citation": document.citation(p),
            "url": document.url(p),
        }
        for p in document.passages
    ]
    return render_template(
        "document.html",
        document=document,
        source=document.source,
        kind=KIND_LABELS[document.source.kind],
        passages=passages,
        q=q,
        metadata_only=document.status == STATUS_METADATA_ONLY,
        json_url=url_for("api.document", document_id=document_id),
    )


@blueprint.get("/sources")
def sources_page() -> str:
    documents = library().published_documents()
    entries = source_statuses(current_app.config["KB_SETTINGS"], documents)
    json_url = url_for("api.sources")
    return render_template("sources.html", entries=entries, kinds=KIND_LABELS, json_url=json_url)


def error_page(status: int, title: str, message: str) -> str:
    return render_template("error.html", status=status, title=title, message=message)
