"""The JSON shapes of the API, designed once: documents, passages, search results, and
the views (``kb/web/views.py``) that the pages show too.

``docs/api.md`` shows them; ``kb/web/openapi.py`` describes them formally.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from kb.derive.references import Reference
from kb.models import Document, Passage
from kb.search import Hit, SearchResult
from kb.search.compare import Comparison
from kb.search.query import filters_in_force
from kb.search.themes import Vocabulary
from kb.web.views import BriefView, Defined, PassageView, SourcesView


def passage_json(document: Document, passage: Passage) -> dict[str, Any]:
    return {
        "id": document.passage_id(passage),
        "anchor": passage.anchor,
        "section": passage.label,
        "path": list(passage.path),
        "text": passage.text,
        "text_available": passage.text_available,
        "note": passage.note,
        "speakers": list(passage.speakers),
        "citation": document.citation(passage),
        "url": document.url(passage),
    }


def document_json(document: Document, *, passages: bool = True) -> dict[str, Any]:
    source = document.source
    data: dict[str, Any] = {
        "id": source.id,
        "title": source.title,
        "short_title": source.short_title,
        "aliases": list(source.aliases),
        "kind": source.kind,
        "kind_label": source.kind_label,
        "year": source.year,
        "date": source.date,
        "text_note": source.text_note,
        "citation": source.citation,
        "url": source.url,
        "fetch_url": source.fetch_url,
        "status": document.status,
        "retrieved_at": document.retrieved_at,
        "sha256": document.sha256,
        "people": [asdict(p) for p in document.people],
        "details": document.details,
        "passage_count": len(document.passages),
    }
    if passages:
        data["passages"] = [passage_json(document, p) for p in document.passages]
    return data


def hit_json(hit: Hit, *, explain: bool = True) -> dict[str, Any]:
    """A hit; with ``explain``, why it matched (``explanation``)."""
    document, passage = hit.document, hit.passage
    source = document.source
    data = {
        "id": hit.id,
        "source": source.id,
        "document": source.title,
        "kind": source.kind,
        "year": source.year,
        "section": passage.label if passage else source.short_title,
        "path": list(passage.path) if passage else [],
        "citation": document.citation(passage),
        "url": document.url(passage),
        "score": hit.score,
        "snippet": hit.snippet,
        "matched_terms": list(hit.matched_terms),
        "text_available": bool(passage and passage.text_available),
    }
    if explain:
        data["explanation"] = hit.explanation.to_json()
    return data


def search_json(
    result: SearchResult, next_url: str | None, *, explain: bool = False
) -> dict[str, Any]:
    request = result.request
    return {
        "ok": True,
        "query": {
            "q": request.q,
            "read_as": result.read_as,
            "mode": result.mode,
            "filters": filters_in_force(request, result.years_read),
            "sort": request.sort,
            "notes": list(result.notes),
            "searched_instead": result.searched_instead,
            "related": list(result.related),
        },
        "total": result.total,
        "page": request.page,
        "per_page": request.per_page,
        "pages": result.pages,
        "took_ms": result.took_ms,
        "suggestion": result.suggestion,
        "results": [hit_json(h, explain=explain) for h in result.hits],
        "facets": result.facets,
        "collapsed": result.collapsed,
        "next_url": next_url,
    }


def compare_json(comparison: Comparison) -> dict[str, Any]:
    overall, request = comparison.overall, comparison.request
    return {
        "ok": True,
        "query": {
            "q": request.q,
            "theme": request.theme,
            "read_as": overall.read_as,
            "notes": list(overall.notes),
            "searched_instead": overall.searched_instead,
        },
        "total": overall.total,
        "columns": [
            {
                "key": column.key,
                "source": column.source,
                "document": column.title,
                "short_title": column.short_title,
                "sources": [d.id for d in column.documents],
                "total": column.total,
                "passages": [hit_json(h) for h in column.hits],
            }
            for column in comparison.columns
        ],
        "not_held": [
            {"source": d.id, "document": d.source.title, "url": d.source.url}
            for d in comparison.not_held
        ],
        "elsewhere": [
            {"source": d.id, "document": d.source.title, "status": d.status, "total": total}
            for d, total in comparison.elsewhere
        ],
    }


def passage_view_json(view: PassageView) -> dict[str, Any]:
    """A passage with its place in its document and what the corpus says of it."""
    at = view.at
    return {
        **passage_json(at.document, at.passage),
        "position": view.position,
        "previous": view.previous.id if view.previous else None,
        "next": view.next.id if view.next else None,
        "document": document_json(at.document, passages=False),
        "defines": [definition_json(d) for d in view.defines],
        "definitions": [definition_json(d) for d in view.definitions],
        "references": [reference_json(r) for r in view.references],
        "cited_by": [{"id": c.id, "citation": c.citation} for c in view.cited_by],
    }


def brief_json(view: BriefView) -> dict[str, Any]:
    entries = [brief_entry_json(at.document, at.passage) for at in view.passages]
    return {"prepared": view.prepared, "index_version": view.index_version, "passages": entries}


def brief_entry_json(document: Document, passage: Passage) -> dict[str, Any]:
    """A passage as a brief cites it: where to find it, when it was read, how to check it."""
    return {
        "id": document.passage_id(passage),
        "citation": document.citation(passage),
        "url": document.url(passage),
        "document": document.source.title,
        "section": passage.label,
        "path": list(passage.path),
        "text": passage.text,
        "text_available": passage.text_available,
        "retrieved_at": document.retrieved_at,
        "text_sha256": hashlib.sha256(passage.text.encode("utf-8")).hexdigest(),
        "source_sha256": document.sha256,
    }


def definition_json(defined: Defined) -> dict[str, Any]:
    """A definition, with the passage that makes it."""
    definition, at = defined.definition, defined.at
    return {
        "term": definition.term,
        "text": definition.text,
        "passage": definition.passage_id,
        "citation": at.citation,
        "url": at.document.url(at.passage),
    }


def reference_json(reference: Reference) -> dict[str, Any]:
    """A span of a passage's text that refers to ``target`` (a passage or a document id)."""
    return {
        "text": reference.text,
        "start": reference.start,
        "end": reference.end,
        "target": reference.target,
    }


def sources_json(view: SourcesView) -> list[dict[str, Any]]:
    """Each source as the manifest describes it, with its status and what the index holds."""
    return [
        {
            **entry["source"].to_dict(),
            "kind_label": entry["source"].kind_label,
            **{name: value for name, value in entry.items() if name != "source"},
        }
        for entry in view.entries
    ]


def themes_json(vocabulary: Vocabulary) -> dict[str, Any]:
    return {"version": vocabulary.version, "themes": vocabulary.to_json()}
