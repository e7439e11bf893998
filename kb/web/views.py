"""One view per resource: the one function that gathers what a resource's answers show.

Datasette's way: for search, document, passage, compare, brief, sources, themes and
export, a view gathers the data into a plain dataclass, and the JSON answer
(``kb/web/api.py``, shaped by ``kb/web/shapes.py``) and the page (``kb/web/pages.py``)
each render that one result, so a page and its JSON twin show the same data.

A view takes what the request asks for, already read from the query string
(``kb/web/params.py``), and knows nothing of HTML, JSON or addresses. What it cannot
answer it raises, and ``kb/web/errors.py`` maps that for both kinds of answer:
``NoIndex`` (nothing published) 503; ``BadParameter`` and ``InvalidRequest`` (a
parameter that cannot be read or is out of range) 400; ``QueryTimeout`` (a query
too costly to answer) 400; :class:`Unknown` (an id that names nothing) 404.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request

from kb.config import SearchLimits, Settings
from kb.derive.references import Reference
from kb.ingest.report import source_statuses
from kb.models import Document, Passage
from kb.search import Hit, Library, SearchRequest, SearchResult, Snapshot, search
from kb.search.compare import PER_COLUMN, Comparison, compare
from kb.search.definitions import Definition
from kb.search.request import MAX_DEPTH
from kb.search.themes import Theme, Vocabulary
from kb.web.answers import SNAPSHOT
from kb.web.params import MAX_BRIEF


class Unknown(LookupError):
    """An id that names no ``kind`` ("document", "passage") of the index: a 404."""

    def __init__(self, kind: str, asked: str) -> None:
        super().__init__(f"no {kind} with id {asked!r}")
        self.kind, self.asked = kind, asked


def current_library() -> Library:
    """The app's library of published generations (one per worker)."""
    return current_app.extensions["kb.library"]


def current_snapshot() -> Snapshot:
    """The generation this request reads: the one the answers cache looked its answer up
    in, if it did; NoIndex before the first publish."""
    held: Snapshot | None = request.environ.get(SNAPSHOT)
    return held if held is not None else current_library().snapshot()


# What the corpus says of a passage --------------------------------------------------


@dataclass(frozen=True)
class Located:
    """A passage in its document: what a definition, a citation or a brief points to."""

    document: Document
    passage: Passage

    @property
    def id(self) -> str:
        return self.document.passage_id(self.passage)

    @property
    def citation(self) -> str:
        return self.document.citation(self.passage)


@dataclass(frozen=True)
class Defined:
    """A defined term and the passage that defines it."""

    definition: Definition
    at: Located


def locate(snap: Snapshot, passage_id: str) -> Located:
    """The passage of an id, or what stands for a document known only by its metadata
    (``<id>.about``: search finds it, so the passage, the page and the brief open it);
    Unknown when there is none."""
    try:
        return Located(*snap.corpus.record(passage_id))
    except KeyError:
        raise Unknown("passage", passage_id) from None


def definitions_used(snap: Snapshot, document: Document, passage: Passage) -> tuple[Defined, ...]:
    """The instrument's own definitions of the terms the passage uses, in order of use."""
    used = snap.corpus.glossary.used_in(document, passage)
    return tuple(Defined(d, locate(snap, d.passage_id)) for d in used)


def definitions_made(snap: Snapshot, passage_id: str) -> tuple[Defined, ...]:
    """The terms a passage defines, in order."""
    made = snap.corpus.glossary.made_in(passage_id)
    return tuple(Defined(d, locate(snap, d.passage_id)) for d in made)


def references(snap: Snapshot, passage_id: str) -> tuple[Reference, ...]:
    """What the passage's text refers to: other passages, whole documents, itself."""
    return tuple(snap.corpus.references.of(passage_id))


def cited_by(snap: Snapshot, passage_id: str) -> tuple[Located, ...]:
    """The passages whose text refers to this one."""
    return tuple(locate(snap, cited) for cited in snap.corpus.references.citing(passage_id))


# Search and export -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchView:
    """A page of hits; ``next_page`` when the API may page on (None past MAX_DEPTH)."""

    request: SearchRequest
    result: SearchResult
    next_page: int | None


def search_view(snap: Snapshot, wanted: SearchRequest) -> SearchView:
    result = search(snap, wanted)
    return SearchView(wanted, result, next_page(wanted.page, wanted.per_page, result.pages))


def next_page(page: int, per_page: int, pages: int) -> int | None:
    """The page after ``page`` if there is one and it can be asked for (MAX_DEPTH)."""
    following = page + 1
    if following > pages or following * per_page > MAX_DEPTH:
        return None
    return following


@dataclass(frozen=True)
class ExportView:
    """Every hit of a search, up to the export's limit, in order; ``total`` counts them all."""

    hits: tuple[Hit, ...]
    total: int


def export_view(snap: Snapshot, wanted: SearchRequest, limits: SearchLimits) -> ExportView:
    """The search's pages walked in order, all of them searched before the caller
    writes anything: a query that cannot be answered fails here, not mid-file."""
    hits: list[Hit] = []
    page, pages, total = 1, 1, 0
    while page <= pages and len(hits) < limits.export_hits:
        result = search(snap, replace(wanted, page=page, per_page=limits.export_page))
        hits += result.hits
        pages, total = result.pages, result.total
        page += 1
    return ExportView(tuple(hits[: limits.export_hits]), total)


# Documents and passages --------------------------------------------------------------


@dataclass(frozen=True)
class DocumentView:
    document: Document


def document_view(snap: Snapshot, document_id: str) -> DocumentView:
    found = snap.documents.get(document_id)
    if found is None:
        raise Unknown("document", document_id)
    return DocumentView(found)


@dataclass(frozen=True)
class PassageView:
    """A passage with its place in its document and what the corpus says of it."""

    at: Located
    position: int  # in its document, from 0
    previous: Located | None
    next: Located | None
    defines: tuple[Defined, ...]  # the terms it defines
    definitions: tuple[Defined, ...]  # the defined terms it uses
    references: tuple[Reference, ...]
    cited_by: tuple[Located, ...]


def passage_view(snap: Snapshot, passage_id: str) -> PassageView:
    at = locate(snap, passage_id)
    before, after = snap.corpus.neighbours(passage_id)
    return PassageView(
        at=at,
        position=snap.corpus.position(passage_id),
        previous=Located(at.document, before) if before else None,
        next=Located(at.document, after) if after else None,
        defines=definitions_made(snap, passage_id),
        definitions=definitions_used(snap, at.document, at.passage),
        references=references(snap, passage_id),
        cited_by=cited_by(snap, passage_id),
    )


# Comparing and the brief --------------------------------------------------------------


@dataclass(frozen=True)
class CompareView:
    comparison: Comparison
    per_column: int


def compare_view(
    snap: Snapshot, wanted: SearchRequest, per_column: int = PER_COLUMN
) -> CompareView:
    return CompareView(compare(snap, wanted, per_column), per_column)


@dataclass(frozen=True)
class BriefView:
    """The passages asked for that the index holds, in the order asked, up to MAX_BRIEF."""

    asked: tuple[str, ...]
    passages: tuple[Located, ...]
    unknown: tuple[str, ...]  # the ids among the first MAX_BRIEF that name no passage
    prepared: str  # today's date
    index_version: str


def brief_view(snap: Snapshot, ids: tuple[str, ...]) -> BriefView:
    """The brief of ``ids``: a pin from an older index is left out, and named in ``unknown``."""
    found, unknown = [], []
    for passage_id in ids[:MAX_BRIEF]:
        try:
            found.append(locate(snap, passage_id))
        except Unknown:
            unknown.append(passage_id)
    prepared = datetime.now(UTC).date().isoformat()
    return BriefView(ids, tuple(found), tuple(unknown), prepared, snap.version)


# Sources and themes --------------------------------------------------------------------


@dataclass(frozen=True)
class SourcesView:
    """Every source of the manifest: its last ingest, what the index holds of it.

    Each entry is ``kb.ingest.report.source_statuses``'s: the ``source`` and its status.
    """

    entries: tuple[dict[str, Any], ...]


def sources_view(library: Library, settings: Settings) -> SourcesView:
    return SourcesView(tuple(source_statuses(settings, library.published_documents())))


@dataclass(frozen=True)
class ThemesView:
    vocabulary: Vocabulary

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(self.vocabulary.themes.values())


def themes_view(library: Library) -> ThemesView:
    return ThemesView(library.vocabulary)
