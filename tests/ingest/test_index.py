"""The index: one record per passage, stable ids, and analysis that matches what people type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from kb.ingest.index import METADATA_ANCHOR, stemming_analyzer, write_index
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Source
from tests import worlds


def make_source(source_id: str = "test-treaty", **overrides: object) -> Source:
    return worlds.make_source(
        source_id,
        **{"url": "https://example.org/treaty?id=999", "aliases": ("Lighthouse Convention",)}
        | overrides,
    )


def tokens(text: str) -> list[str]:
    return [t.text for t in stemming_analyzer()(text)]


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("safeguard", "safeguards"),
        ("jurisdiction", "jurisdictional"),
        ("officials", "offıcials"),  # a dotless i, as in the mirror's ETS 182
        ("cooperation", "coöperation"),
        ("DATA", "data"),
    ],
)
def test_analysis_matches_what_people_type(typed: str, written: str) -> None:
    assert tokens(typed) == tokens(written)


def test_analysis_drops_stop_words() -> None:
    assert tokens("the conditions of the safeguards") == tokens("conditions safeguards")


@pytest.fixture
def built(tmp_path: Path) -> Path:
    text_doc = Document(
        source=make_source(),
        status=STATUS_TEXT,
        passages=[
            Passage("preamble", "Preamble", "The Parties, mindful of lighthouses,"),
            Passage(
                "art-1",
                "Article 1 – Jurisdictional safeguards",
                "Each Party shall keep its lamps lit.",
                path=("Chapter I – General provisions",),
            ),
        ],
        retrieved_at="2026-11-27T08:00:00Z",
        sha256="ab" * 32,
    )
    missing = make_source("test-missing", title="A Missing Declaration", aliases=())
    bare_doc = Document(source=missing, status=STATUS_METADATA_ONLY)
    directory = tmp_path / "whoosh"
    assert write_index([text_doc, bare_doc], directory) == 3
    return directory


def search(directory: Path, field: str, text: str) -> list[dict]:
    ix = whoosh_index.open_dir(str(directory))
    with ix.searcher() as searcher:
        query = QueryParser(field, ix.schema).parse(text)
        return [dict(hit) for hit in searcher.search(query, limit=None)]


def test_one_record_per_passage_with_stable_url_safe_ids(built: Path) -> None:
    hits = search(built, "source", "test-treaty")
    assert sorted(h["id"] for h in hits) == ["test-treaty.art-1", "test-treaty.preamble"]
    assert all(re.fullmatch(r"[a-z0-9.-]+", h["id"]) for h in hits)
    article = next(h for h in hits if h["id"] == "test-treaty.art-1")
    assert article["section"] == "Article 1 – Jurisdictional safeguards"
    assert article["path"] == "Chapter I – General provisions"
    assert article["url"] == "https://example.org/treaty?id=999#art-1"
    assert article["year"] == 1999 and article["kind"] == "treaty"


def test_stemmed_fields_find_other_word_forms(built: Path) -> None:
    assert [h["id"] for h in search(built, "section", "jurisdiction safeguard")] == [
        "test-treaty.art-1"
    ]
    assert len(search(built, "aliases", "lighthouse")) == 2


def test_metadata_only_document_is_found_by_its_title(built: Path) -> None:
    hits = search(built, "title", "missing declaration")
    assert [h["id"] for h in hits] == [f"test-missing.{METADATA_ANCHOR}"]
    assert hits[0]["metadata_only"] is True


def test_spelling_field_keeps_words_unstemmed(built: Path) -> None:
    ix = whoosh_index.open_dir(str(built))
    with ix.searcher() as searcher:
        words = {w.decode() for w in searcher.lexicon("spell")}
        assert "jurisdictional" in words and "safeguards" in words
        assert searcher.suggest("spell", "jurisdictonal") == ["jurisdictional"]
