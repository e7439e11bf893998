"""The JSON shapes of the API (kb/web/shapes.py), on invented documents.

Each shape is checked whole, key order included: the API's bodies are these dicts
serialised as they are, and ``docs/api.md`` and ``kb/web/openapi.py`` describe them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kb.derive.references import Reference
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Person
from kb.search import Hit, SearchRequest, SearchResult
from kb.search.compare import Column, Comparison
from kb.search.definitions import Definition
from kb.search.explain import Explanation, Reason
from kb.search.themes import Theme, Vocabulary
from kb.web.shapes import (
    brief_entry_json,
    brief_json,
    compare_json,
    definition_json,
    document_json,
    hit_json,
    passage_json,
    passage_view_json,
    reference_json,
    search_json,
    sources_json,
    themes_json,
)
from kb.web.views import BriefView, Defined, Located, PassageView, SourcesView
from tests.worlds import make_source

CHARTER = "tide-charter"
TERMS = '"tide table" means a list of the hours of high and low water at a pier.'
SHA = "ab" * 32


def charter() -> Document:
    source = make_source(
        CHARTER,
        title="Charter on Tide Tables",
        short_title="Tide Charter",
        aliases=("Pier Charter",),
        year=2005,
        date="2005-06-01",
        url="https://example.org/tide-charter",
        citation="Charter on Tide Tables (Pier Series No. 7)",
        text_note="Text as amended by the Reef Protocol",
    )
    passages = [
        Passage("art-1", "Article 1 – Use of terms", TERMS, ("Chapter I",)),
        Passage(
            "art-2",
            "Article 2 – Tide tables",
            "Each port shall publish its tide table under Article 1.",
            ("Chapter I", "Section 1"),
            speakers=("Ana",),
            note="Amended in 2010.",
        ),
        Passage("art-3", "Article 3 – Lost", "", text_available=False),
    ]
    people = [Person("Ana Tide", "rapporteur", organisation="Pier Office")]
    return Document(
        source,
        STATUS_TEXT,
        passages,
        people=people,
        details={"signatories": 3},
        retrieved_at="2024-05-01T10:00:00Z",
        sha256=SHA,
    )


def declaration() -> Document:
    source = make_source(
        "gull-declaration",
        kind="declaration",
        title="Declaration on Gulls",
        short_title="Gull Declaration",
        citation="Declaration on Gulls",
        year=2012,
    )
    return Document(source, STATUS_METADATA_ONLY, [])


REASON = Reason("exact", "tide", matched=("tide",), where=("text",))


def hit(document: Document, passage: Passage | None, score: float = 1.5) -> Hit:
    hit_id = document.passage_id(passage) if passage else f"{document.id}.about"
    explanation = Explanation((REASON,))
    return Hit(
        hit_id, document, passage, score, "the <mark>tide</mark>", ("tide",), lambda: explanation
    )


def result(request: SearchRequest, hits: tuple[Hit, ...], total: int) -> SearchResult:
    return SearchResult(
        request=request,
        read_as="tide",
        mode="all",
        notes=("a note",),
        total=total,
        hits=hits,
        facets={"kind": {"treaty": total}},
        suggestion=None,
        searched_instead=None,
        took_ms=1.25,
    )


# Passages and documents -----------------------------------------------------------------


def test_a_passage() -> None:
    document = charter()
    assert passage_json(document, document.passages[1]) == {
        "id": "tide-charter.art-2",
        "anchor": "art-2",
        "section": "Article 2 – Tide tables",
        "path": ["Chapter I", "Section 1"],
        "text": "Each port shall publish its tide table under Article 1.",
        "text_available": True,
        "note": "Amended in 2010.",
        "speakers": ["Ana"],
        "citation": "Charter on Tide Tables (Pier Series No. 7), Article 2 – Tide tables",
        "url": "https://example.org/tide-charter#art-2",
    }


def test_a_passage_of_another_instrument_in_the_file_cites_that_instrument() -> None:
    document = charter()
    passage = Passage("op1-art-1", "Article 1", "Text.", instrument="Optional Protocol")
    assert passage_json(document, passage)["citation"] == "Optional Protocol, Article 1"


def test_a_document_with_and_without_its_passages() -> None:
    document = charter()
    whole = document_json(document)
    assert list(whole) == [
        "id",
        "title",
        "short_title",
        "aliases",
        "kind",
        "kind_label",
        "year",
        "date",
        "text_note",
        "citation",
        "url",
        "fetch_url",
        "status",
        "retrieved_at",
        "sha256",
        "people",
        "details",
        "passage_count",
        "passages",
    ]
    assert whole["aliases"] == ["Pier Charter"]
    assert (whole["kind"], whole["kind_label"], whole["year"]) == ("treaty", "Treaty", 2005)
    assert (whole["date"], whole["status"], whole["sha256"]) == ("2005-06-01", "text", SHA)
    assert whole["text_note"] == "Text as amended by the Reef Protocol"
    assert whole["people"] == [
        {
            "name": "Ana Tide",
            "role": "rapporteur",
            "organisation": "Pier Office",
            "stakeholder_group": None,
            "region": None,
        }
    ]
    assert whole["details"] == {"signatories": 3}
    assert whole["passage_count"] == 3
    assert whole["passages"] == [passage_json(document, p) for p in document.passages]
    alone = document_json(document, passages=False)
    assert alone == {k: v for k, v in whole.items() if k != "passages"}


def test_a_document_known_by_its_metadata_only() -> None:
    data = document_json(declaration())
    assert (data["status"], data["retrieved_at"], data["sha256"]) == ("metadata-only", None, None)
    assert (data["passage_count"], data["passages"], data["people"]) == (0, [], [])


# Hits, searches, comparisons ----------------------------------------------------------------


def test_a_hit_explained_and_not() -> None:
    document = charter()
    data = hit_json(hit(document, document.passages[1]))
    assert data == {
        "id": "tide-charter.art-2",
        "source": CHARTER,
        "document": "Charter on Tide Tables",
        "kind": "treaty",
        "year": 2005,
        "section": "Article 2 – Tide tables",
        "path": ["Chapter I", "Section 1"],
        "citation": "Charter on Tide Tables (Pier Series No. 7), Article 2 – Tide tables",
        "url": "https://example.org/tide-charter#art-2",
        "score": 1.5,
        "snippet": "the <mark>tide</mark>",
        "matched_terms": ["tide"],
        "text_available": True,
        "explanation": Explanation((REASON,)).to_json(),  # kb/search/explain.py's shape
    }
    plain = hit_json(hit(document, document.passages[1]), explain=False)
    assert plain == {k: v for k, v in data.items() if k != "explanation"}


def test_a_hit_without_text() -> None:
    document = charter()
    assert hit_json(hit(document, document.passages[2]))["text_available"] is False
    data = hit_json(hit(declaration(), None))
    assert data["id"] == "gull-declaration.about"
    assert (data["section"], data["path"]) == ("Gull Declaration", [])
    assert (data["citation"], data["url"]) == (
        "Declaration on Gulls",
        "https://example.org/gull-declaration",
    )
    assert data["text_available"] is False


def test_a_search_answer() -> None:
    document = charter()
    wanted = SearchRequest(q="tide", kinds=("treaty",), page=2, per_page=1, sort="year_desc")
    hits = (hit(document, document.passages[1]),)
    data = search_json(result(wanted, hits, 3), "/api/search?q=tide&page=3")
    assert data == {
        "ok": True,
        "query": {
            "q": "tide",
            "read_as": "tide",
            "mode": "all",
            "filters": {"kind": ["treaty"]},
            "sort": "year_desc",
            "notes": ["a note"],
            "searched_instead": None,
            "related": [],
        },
        "total": 3,
        "page": 2,
        "per_page": 1,
        "pages": 3,
        "took_ms": 1.25,
        "suggestion": None,
        "results": [hit_json(h, explain=False) for h in hits],
        "facets": {"kind": {"treaty": 3}},
        "collapsed": {},
        "next_url": "/api/search?q=tide&page=3",
    }
    explained = search_json(result(wanted, hits, 3), None, explain=True)
    assert explained["results"] == [hit_json(h) for h in hits]
    assert explained["next_url"] is None


def test_a_comparison() -> None:
    document, other = charter(), declaration()
    wanted = SearchRequest(q="tide", theme="mla")
    hits = (hit(document, document.passages[0]),)
    column = Column(
        CHARTER, "Charter on Tide Tables", "Tide Charter", (document,), result(wanted, hits, 1)
    )
    comparison = Comparison(wanted, result(wanted, hits, 2), (column,), (other,), ((other, 1),))
    assert compare_json(comparison) == {
        "ok": True,
        "query": {
            "q": "tide",
            "theme": "mla",
            "read_as": "tide",
            "notes": ["a note"],
            "searched_instead": None,
        },
        "total": 2,
        "columns": [
            {
                "key": CHARTER,
                "source": CHARTER,
                "document": "Charter on Tide Tables",
                "short_title": "Tide Charter",
                "sources": [CHARTER],
                "total": 1,
                "passages": [hit_json(h) for h in hits],
            }
        ],
        "not_held": [
            {
                "source": "gull-declaration",
                "document": "Declaration on Gulls",
                "url": "https://example.org/gull-declaration",
            }
        ],
        "elsewhere": [
            {
                "source": "gull-declaration",
                "document": "Declaration on Gulls",
                "status": "metadata-only",
                "total": 1,
            }
        ],
    }


def test_what_stands_for_a_document_known_by_its_metadata_is_cited_as_it() -> None:
    document = declaration()
    about = document.about
    assert about is not None and charter().about is None
    shown = passage_json(document, about)
    assert (shown["id"], shown["section"], shown["text"]) == (
        "gull-declaration.about",
        "Gull Declaration",
        "",
    )
    assert (shown["citation"], shown["url"]) == (
        "Declaration on Gulls",
        "https://example.org/gull-declaration",
    )
    assert shown["text_available"] is False and "metadata" in shown["note"]
    found = hit_json(hit(document, None))
    assert (found["section"], found["citation"], found["url"]) == (
        shown["section"],
        shown["citation"],
        shown["url"],
    )
    entry = brief_entry_json(document, about)
    assert (entry["citation"], entry["url"]) == (shown["citation"], shown["url"])


# What the views gather --------------------------------------------------------------------


def located(document: Document, index: int) -> Located:
    return Located(document, document.passages[index])


def test_a_definition_with_the_passage_that_makes_it() -> None:
    document = charter()
    defined = Defined(Definition("tide table", CHARTER, "art-1", TERMS), located(document, 0))
    assert definition_json(defined) == {
        "term": "tide table",
        "text": TERMS,
        "passage": "tide-charter.art-1",
        "citation": "Charter on Tide Tables (Pier Series No. 7), Article 1 – Use of terms",
        "url": "https://example.org/tide-charter#art-1",
    }


def test_a_reference_to_a_passage_and_to_a_document() -> None:
    article = Reference(45, 54, "Article 1", CHARTER, "art-1")
    whole = Reference(0, 12, "the Charter", CHARTER, None)
    assert reference_json(article) == {
        "text": "Article 1",
        "start": 45,
        "end": 54,
        "target": "tide-charter.art-1",
    }
    assert reference_json(whole)["target"] == CHARTER


def test_a_passage_with_what_the_corpus_says_of_it() -> None:
    document = charter()
    defined = Defined(Definition("tide table", CHARTER, "art-1", TERMS), located(document, 0))
    reference = Reference(45, 54, "Article 1", CHARTER, "art-1")
    view = PassageView(
        at=located(document, 1),
        position=1,
        previous=located(document, 0),
        next=located(document, 2),
        defines=(),
        definitions=(defined,),
        references=(reference,),
        cited_by=(located(document, 2),),
    )
    assert passage_view_json(view) == {
        **passage_json(document, document.passages[1]),
        "position": 1,
        "previous": "tide-charter.art-1",
        "next": "tide-charter.art-3",
        "document": document_json(document, passages=False),
        "defines": [],
        "definitions": [definition_json(defined)],
        "references": [reference_json(reference)],
        "cited_by": [
            {
                "id": "tide-charter.art-3",
                "citation": "Charter on Tide Tables (Pier Series No. 7), Article 3 – Lost",
            }
        ],
    }
    first = PassageView(located(document, 0), 0, None, None, (defined,), (), (), ())
    data = passage_view_json(first)
    assert (data["previous"], data["next"]) == (None, None)
    assert data["defines"] == [definition_json(defined)]


def test_a_brief_entry_says_how_to_check_it() -> None:
    document = charter()
    passage = document.passages[1]
    assert brief_entry_json(document, passage) == {
        "id": "tide-charter.art-2",
        "citation": "Charter on Tide Tables (Pier Series No. 7), Article 2 – Tide tables",
        "url": "https://example.org/tide-charter#art-2",
        "document": "Charter on Tide Tables",
        "section": "Article 2 – Tide tables",
        "path": ["Chapter I", "Section 1"],
        "text": passage.text,
        "text_available": True,
        "retrieved_at": "2024-05-01T10:00:00Z",
        "text_sha256": hashlib.sha256(passage.text.encode("utf-8")).hexdigest(),
        "source_sha256": SHA,
    }


def test_a_brief() -> None:
    document = charter()
    passages = (located(document, 1), located(document, 0))
    view = BriefView(
        ("tide-charter.art-2", "x.y", "tide-charter.art-1"), passages, ("x.y",), "2024-06-01", "g-1"
    )
    assert brief_json(view) == {
        "prepared": "2024-06-01",
        "index_version": "g-1",
        "passages": [brief_entry_json(at.document, at.passage) for at in passages],
    }


def test_the_sources_flatten_each_source_with_its_status() -> None:
    source = charter().source
    entry: dict[str, Any] = {
        "source": source,
        "last_status": "ok",
        "message": None,
        "holds": "text",
        "passages": 3,
        "retrieved_at": "2024-05-01T10:00:00Z",
        "origin": "mirror",
    }
    view = SourcesView((entry,))
    assert sources_json(view) == [
        {
            **source.to_dict(),
            "kind_label": "Treaty",
            "last_status": "ok",
            "message": None,
            "holds": "text",
            "passages": 3,
            "retrieved_at": "2024-05-01T10:00:00Z",
            "origin": "mirror",
        }
    ]
    assert sources_json(view) == sources_json(view)  # the view is left as it was
    assert entry["source"] is source


def test_the_themes() -> None:
    theme = Theme(
        "mla",
        "Mutual legal assistance",
        "Help between states.",
        (("mla", "mutual assistance"),),
        ("letters rogatory",),
        ("letters-rogatory",),
    )
    assert themes_json(Vocabulary(2, {"mla": theme})) == {
        "version": 2,
        "themes": [
            {
                "id": "mla",
                "label": "Mutual legal assistance",
                "description": "Help between states.",
                "synonyms": [["mla", "mutual assistance"]],
                "related": ["letters rogatory"],
                "concepts": ["letters-rogatory"],
            }
        ],
    }
