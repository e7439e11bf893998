"""The pages people read: search, compare, a brief, a document, a passage, the sources.

Server-rendered; each has a JSON twin under /api/. They work without JavaScript;
``static/kb.js`` only adds to them (copy buttons, pinning passages to a brief kept in
the browser, keyboard shortcuts).
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
from kb.models import KIND_LABELS, STATUS_METADATA_ONLY, Document, Passage
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
from kb.search.compare import PER_COLUMN, Column, compare
from kb.search.definitions import Definition
from kb.search.references import Reference
from kb.web.params import MAX_BRIEF, BadParameter, search_request, values

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
    except (BadParameter, InvalidRequest, QueryTimeout) as error:
        return cannot_run(error), 400
    return render_template("results.html", **results(snap, result, args))


def cannot_run(error: Exception) -> str:
    if isinstance(error, QueryTimeout):
        message = "The query took too long to answer. Try fewer words or fewer wildcards."
    else:
        message = getattr(error, "message", str(error))
    return error_page(400, "This search cannot be run", message)


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
        "hits": [hit_view(snap, hit, wanted.q, mark) for hit in result.hits],
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
        "compare_url": url_for("pages.compare_page", q=wanted.q or None, theme=wanted.theme),
        "export_urls": {
            label: url_for("api.export", **exported(args), format=form)
            for label, form in (("CSV", "csv"), ("JSON lines", "jsonl"))
        },
    }


def exported(args: MultiDict[str, str]) -> dict[str, list[str]]:
    """The search's parameters without its paging: an export has every page."""
    return {k: v for k, v in args.to_dict(flat=False).items() if k not in ("page", "per_page")}


@dataclass(frozen=True)
class DefinitionView:
    term: str
    text: str
    citation: str
    url: str  # the defining passage in its document


@dataclass(frozen=True)
class HitView:
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
    definitions: tuple[DefinitionView, ...]


def hit_view(snap: Snapshot, hit: Hit, q: str, mark: Callable[..., str]) -> HitView:
    source, passage = hit.document.source, hit.passage
    anchor = passage.anchor if passage else ""
    query = f"?{urlencode({'q': q})}" if q else ""
    return HitView(
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
        definitions=definitions_used(snap, hit.document, passage) if passage else (),
    )


def definitions_used(
    snap: Snapshot, document: Document, passage: Passage
) -> tuple[DefinitionView, ...]:
    """The instrument's own definitions of the terms the passage uses."""
    return tuple(definition_view(snap, d) for d in snap.corpus.glossary.used_in(document, passage))


def definition_view(snap: Snapshot, definition: Definition) -> DefinitionView:
    document, passage = snap.corpus.passage(definition.passage_id)
    return DefinitionView(
        term=definition.term,
        text=definition.text,
        citation=document.citation(passage),
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
    mark = highlighter(snap, q)
    return render_template(
        "document.html",
        document=document,
        source=document.source,
        kind=KIND_LABELS[document.source.kind],
        passages=[
            passage_view(snap, document, p, mark, here=document.id) for p in document.passages
        ],
        q=q,
        metadata_only=document.status == STATUS_METADATA_ONLY,
        json_url=url_for("api.document", document_id=document_id),
    )


@blueprint.get("/passages/<passage_id>")
def passage_page(passage_id: str) -> str:
    snap = snapshot()
    try:
        document, passage = snap.corpus.passage(passage_id)
    except KeyError:
        abort(404, f"There is no passage with the id “{passage_id}”.")
    q = request.args.get("q", "")
    position = document.passages.index(passage)
    neighbours = [
        (label, document.passages[at])
        for label, at in (("Previous", position - 1), ("Next", position + 1))
        if 0 <= at < len(document.passages)
    ]
    return render_template(
        "passage.html",
        document=document,
        source=document.source,
        kind=KIND_LABELS[document.source.kind],
        passage=passage_view(snap, document, passage, highlighter(snap, q)),
        defines=[definition_view(snap, d) for d in snap.corpus.glossary.made_in(passage_id)],
        neighbours=[
            (label, p.label, url_for("pages.passage_page", passage_id=document.passage_id(p)))
            for label, p in neighbours
        ],
        q=q,
        json_url=url_for("api.passage", passage_id=passage_id),
    )


def highlighter(snap: Snapshot, q: str) -> Callable[..., str]:
    try:
        return snap.searcher.highlighter(q)
    except QueryTimeout:  # the words cannot be read in time: the text, unmarked
        return snap.searcher.highlighter("")


@dataclass(frozen=True)
class PassageView:
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
    definitions: tuple[DefinitionView, ...]
    cited_by: tuple[tuple[str, str], ...]  # (label, url) of the passages citing this one


def passage_view(
    snap: Snapshot,
    document: Document,
    passage: Passage,
    mark: Callable[..., str],
    here: str | None = None,
) -> PassageView:
    """A passage as the pages show it; ``here`` is the document whose page shows it."""
    references = snap.corpus.references
    passage_id = document.passage_id(passage)
    links = [  # "paragraph 1 of Article 2" inside Article 2 is no link
        (r.start, r.end, reference_url(r, here))
        for r in references.of(passage_id)
        if r.target != passage_id
    ]
    return PassageView(
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
        definitions=definitions_used(snap, document, passage),
        cited_by=tuple(citing_link(snap, cited, here) for cited in references.citing(passage_id)),
    )


def reference_url(reference: Reference, here: str | None) -> str:
    return passage_url(reference.source_id, reference.anchor, here)


def citing_link(snap: Snapshot, passage_id: str, here: str | None) -> tuple[str, str]:
    document, passage = snap.corpus.passage(passage_id)
    label = passage.label if document.id == here else document.citation(passage)
    return label, passage_url(document.id, passage.anchor, here)


# Comparing and the brief ---------------------------------------------------------------


@blueprint.get("/compare")
def compare_page() -> str | tuple[str, int]:
    snap = snapshot()
    args = request.args
    themes = library().vocabulary.themes.values()
    q, theme = args.get("q", ""), args.get("theme", "")
    if not q.strip() and not theme:
        return render_template("compare.html", comparison=None, themes=themes, q=q, theme=theme)
    try:
        wanted = search_request(MultiDict({"q": q, "theme": theme}))
        comparison = compare(snap, wanted)
    except (BadParameter, InvalidRequest, QueryTimeout) as error:
        return cannot_run(error), 400
    mark = snap.searcher.highlighter(q, comparison.overall.marks)
    columns = [
        (column, [hit_view(snap, hit, q, mark) for hit in column.hits], more_url(column, q, theme))
        for column in comparison.columns
    ]
    return render_template(
        "compare.html",
        comparison=comparison,
        columns=columns,
        per_column=PER_COLUMN,
        theme_label=library().vocabulary.get(wanted.theme).label if wanted.theme else "",
        themes=themes,
        q=q,
        theme=theme,
        json_url=url_for("api.compare_endpoint", q=q or None, theme=theme or None),
    )


def brief_url(ids: list[str]) -> str:
    return url_for("pages.brief_page", ids=",".join(ids)) if ids else url_for("pages.brief_page")


def more_url(column: Column, q: str, theme: str) -> str:
    """The column's instrument (or sessions) searched alone: every match, not the best few."""
    args = MultiDict([(name, value) for name, value in (("q", q), ("theme", theme)) if value])
    return url_with(args, source=[d.id for d in column.documents])


@blueprint.get("/brief")
def brief_page() -> str:
    snap = snapshot()
    asked = values(request.args.to_dict(flat=False), "ids")
    found = []
    for passage_id in asked[:MAX_BRIEF]:
        try:
            found.append(snap.corpus.passage(passage_id))
        except KeyError:
            continue  # a pin from an older index: dropped, and said on the page
    mark = highlighter(snap, "")
    views = [passage_view(snap, document, passage, mark) for document, passage in found]
    ids = [view.id for view in views]
    entries = [
        (view, document, brief_url([i for i in ids if i != view.id]))
        for view, (document, _) in zip(views, found, strict=True)
    ]
    missing = len(asked) - len(entries)
    joined = ",".join(ids)
    return render_template(
        "brief.html",
        entries=entries,
        missing=missing,
        max_brief=MAX_BRIEF,
        ids=joined,
        asked=len(asked),
        markdown_url=url_for("api.brief", ids=joined, format="md") if entries else None,
        json_url=url_for("api.brief", ids=joined) if entries else None,
    )


@blueprint.get("/sources")
def sources_page() -> str:
    documents = library().published_documents()
    entries = source_statuses(current_app.config["KB_SETTINGS"], documents)
    json_url = url_for("api.sources")
    return render_template("sources.html", entries=entries, kinds=KIND_LABELS, json_url=json_url)


def error_page(status: int, title: str, message: str) -> str:
    return render_template("error.html", status=status, title=title, message=message)
