"""The Whoosh index: its schema, its analysis, and writing documents into it.

One record per passage. A metadata-only document (no text to be had) becomes one
record too, carrying its title, so it is still found by its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import index
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

from kb.ingest.stemming import stem
from kb.models import (
    METADATA_ANCHOR,
    STATUS_METADATA_ONLY,
    Document,
    Passage,
    anchored_url,
    passage_id,
)

# Bump when the schema or the analysis changes: a new version forces a rebuild.
# 2: Snowball with exceptions (kb/ingest/stemming.py) instead of Porter.
SCHEMA_VERSION = 2


def folding_analyzer() -> Analyzer:
    """Words, lower-cased, with accents and odd letters folded ("offıcials" is "officials")."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def stemming_analyzer(*, whoosh_cache: bool = True) -> Analyzer:
    """Folded words without stop words, stemmed: "safeguards" and "safeguard" meet,
    "accession" and "access" do not (``kb/ingest/stemming.py``).

    ``whoosh_cache=False`` leaves out Whoosh's cache of stems, which is not
    thread-safe: an analyser shared by request threads must do without it
    (``kb/search/terms.py`` keeps a cache of its own).
    """
    stemmer = StemFilter(stem) if whoosh_cache else StemFilter(stem, cachesize=None)
    return folding_analyzer() | StopFilter() | stemmer


# The weighted text fields and their weights (BM25F at search time, kb/search/matching.py):
# the section label weighs most, then the document's title and aliases.
FIELD_WEIGHTS = {
    "section": 3.0,
    "title": 2.0,
    "aliases": 2.0,
    "path": 1.0,
    "text": 1.0,
    "people": 1.0,
}


def build_schema() -> Schema:
    stemmed = stemming_analyzer()
    weight = FIELD_WEIGHTS
    return Schema(
        id=ID(stored=True, unique=True),
        source=ID(stored=True, sortable=True),
        kind=ID(stored=True),
        year=NUMERIC(int, stored=True, sortable=True),
        position=NUMERIC(int, stored=True, sortable=True),
        title=TEXT(analyzer=stemmed, stored=True, field_boost=weight["title"]),
        aliases=TEXT(analyzer=stemmed, field_boost=weight["aliases"]),
        section=TEXT(analyzer=stemmed, stored=True, field_boost=weight["section"]),
        path=TEXT(analyzer=stemmed, stored=True, field_boost=weight["path"]),
        text=TEXT(analyzer=stemmed, stored=True, field_boost=weight["text"]),
        speaker=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        people=TEXT(analyzer=folding_analyzer(), stored=True, field_boost=weight["people"]),
        spell=TEXT(analyzer=folding_analyzer()),
        url=STORED(),
        metadata_only=BOOLEAN(stored=True),
    )


def write_index(documents: Iterable[Document], directory: Path) -> int:
    """Create a new index in ``directory`` holding every passage; returns the record count."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(directory), build_schema())
    count = 0
    with ix.writer(limitmb=256) as writer:
        for document in documents:
            for record in passage_records(document):
                writer.add_document(**record)
                count += 1
    return count


def passage_records(document: Document) -> Iterable[dict[str, object]]:
    """The index records of one document, in document order."""
    if document.status == STATUS_METADATA_ONLY or not document.passages:
        yield _metadata_record(document)
        return
    people = " ; ".join(p.name for p in document.people)
    for position, passage in enumerate(document.passages):
        yield _record(document, passage, position, people)


def _record(document: Document, passage: Passage, position: int, people: str) -> dict[str, object]:
    source = document.source
    path = " › ".join(passage.path)
    return {
        "id": document.passage_id(passage),
        "source": source.id,
        "kind": source.kind,
        "year": source.year,
        "position": position,
        "title": source.title,
        "aliases": " ; ".join((source.short_title, *source.aliases)),
        "section": passage.label,
        "path": path,
        "text": passage.text,
        "speaker": ",".join(passage.speakers),
        "people": people,
        "spell": " ".join((source.title, passage.label, path, passage.text, people)),
        "url": anchored_url(source.url, passage.anchor),
        "metadata_only": False,
    }


def _metadata_record(document: Document) -> dict[str, object]:
    source = document.source
    return {
        "id": passage_id(source.id, METADATA_ANCHOR),
        "source": source.id,
        "kind": source.kind,
        "year": source.year,
        "position": 0,
        "title": source.title,
        "aliases": " ; ".join((source.short_title, *source.aliases)),
        "section": source.short_title,
        "path": "",
        "text": "",
        "speaker": "",
        "people": "",
        "spell": f"{source.title} {source.short_title}",
        "url": source.url,
        "metadata_only": True,
    }
