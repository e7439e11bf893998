"""The JSON shapes of the API, designed once: documents and passages as clients see them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kb.ingest.index import anchored_url
from kb.models import Document, Passage


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
        "citation": f"{document.source.citation}, {passage.label}",
        "url": anchored_url(document.source.url, passage.anchor),
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
