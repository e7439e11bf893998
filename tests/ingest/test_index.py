"""The index: one record per passage, stable ids, and analysis that matches what people type."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from kb.ingest import index as index_module
from kb.ingest import sidecar as sidecar_module
from kb.ingest.index import (
    FIELD_WEIGHTS,
    METADATA_ANCHOR,
    build_schema,
    folding_analyzer,
    group_documents,
    passage_records,
    stemming_analyzer,
    write_index,
    write_segments,
    write_toc,
)
from kb.ingest.sidecar import SUFFIX, Sidecar, stored_length
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Person, Source
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


# --- the segment writer writes what Whoosh's own writer would -------------------------

ODD_TEXT = (
    "The Parties' *wildcard* e.g. U.S. 3.5 per cent, Coöperation and OFFıCIALS; "
    "a 1 I of seizure seizures, authorized AUTHORISED ratification — the the the. "
    "Naïve café, straße, 'quoted' words_with_underscores and x."
)


def odd_documents() -> list[Document]:
    """Documents whose text exercises the analysis: accents, a dotless i, stop words,
    one-letter words, dotted abbreviations, asterisks, repeated words, an empty text."""
    people = [Person("Ada Öztürk", "speaker"), Person("Bo Li", "moderator")]
    turns = Document(
        source=make_source("odd-transcript", kind="igf-transcript", title="Odd Turns Ölmez"),
        status=STATUS_TEXT,
        passages=[
            Passage(
                "turns-1", "Turns 1", f"ADA ÖZTÜRK: {ODD_TEXT}", ("Transcript",), ("Ada Öztürk",)
            ),
            Passage("turns-2", "Turns 2", "", ("Transcript",), ("Bo Li", "Ada Öztürk")),
            Passage("turns-3", "Turns 3", ODD_TEXT.upper(), ("Transcript", "Part 2"), ("Bo Li",)),
        ],
        people=people,
        sha256="cd" * 32,
    )
    treaty = Document(
        source=make_source(),
        status=STATUS_TEXT,
        passages=[
            Passage(
                f"art-{i}", f"Article {i} – Safeguards {i}", f"{ODD_TEXT} {i} " * i, ("Chapter I",)
            )
            for i in range(1, 6)
        ],
        sha256="ab" * 32,
    )
    bare = Document(source=make_source("odd-missing", aliases=()), status=STATUS_METADATA_ONLY)
    return [treaty, turns, bare]


def whoosh_written(documents: list[Document], directory: Path) -> Path:
    """The index Whoosh's own writer makes of the same records."""
    directory.mkdir(parents=True)
    ix = whoosh_index.create_in(str(directory), build_schema())
    with ix.writer() as writer:
        for document in documents:
            for record in passage_records(document):
                writer.add_document(**record)
    return directory


def contents(directory: Path) -> dict[object, object]:
    """Everything a reader sees of an index, by record id rather than docnum: stored
    fields, field lengths, every term's postings (weights, positions) and statistics,
    the sortable columns."""
    ix = whoosh_index.open_dir(str(directory))
    seen: dict[object, object] = {}
    with ix.reader() as reader:
        n = reader.doc_count_all()
        ids = {d: reader.stored_fields(d)["id"] for d in range(n)}
        seen["stored"] = {ids[d]: reader.stored_fields(d) for d in range(n)}
        for field in ix.schema.names():
            seen["total", field] = reader.field_length(field)
            # (a record without the field reads as None in a segment where other
            # records have it, 0 in one where none has: the same to the search)
            seen["lengths", field] = {
                ids[d]: reader.doc_field_length(d, field) or 0 for d in range(n)
            }
            if ix.schema[field].column_type:
                column = reader.column_reader(field)
                seen["column", field] = {ids[d]: column[d] for d in range(n)}
        for field, term in reader.all_terms():
            postings = reader.postings(field, term)
            found = []
            while postings.is_active():
                found.append((ids[postings.id()], postings.weight(), postings.value()))
                postings.next()
            info = reader.term_info(field, term)
            seen[field, term] = (
                sorted(found),
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
            )
    return seen


def test_the_segment_writer_writes_what_whoosh_writes(tmp_path: Path) -> None:
    documents = odd_documents()
    ours = tmp_path / "ours"
    assert write_index(documents, ours) == 9
    assert contents(ours) == contents(whoosh_written(documents, tmp_path / "whoosh"))


def test_segments_written_by_worker_processes_hold_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = odd_documents()
    monkeypatch.setattr(index_module, "workers", lambda: 2)
    groups = group_documents(documents, parts=3)
    assert [len(g) for g in groups] == [1, 1, 1]
    parts = write_segments(groups, tmp_path / "parts")
    write_toc(tmp_path / "parts", [p.segment for p in parts])
    assert [p.sources for p in parts] == [("test-treaty",), ("odd-transcript",), ("odd-missing",)]
    names = sorted(f.name.partition(".")[2] for f in (tmp_path / "parts").iterdir())
    assert names == ["columns.npz"] * 3 + ["seg"] * 3 + ["toc"]
    assert contents(tmp_path / "parts") == contents(whoosh_written(documents, tmp_path / "whoosh"))


def test_spelling_counts_every_word_of_every_passage(tmp_path: Path) -> None:
    """The document's first record holds the ``spell`` words of all its passages: the
    corpus's frequency of each word is what one ``spell`` a passage gave."""
    documents = odd_documents()
    directory = tmp_path / "whoosh"
    write_index(documents, directory)
    expected: dict[str, float] = {}
    analyse = folding_analyzer()
    for document in documents:
        people = " ; ".join(p.name for p in document.people)
        for passage in document.passages:
            path = " › ".join(passage.path)
            spell = " ".join((document.source.title, passage.label, path, passage.text, people))
            for token in analyse(spell):
                expected[token.text] = expected.get(token.text, 0) + 1
    with whoosh_index.open_dir(str(directory)).reader() as reader:
        found = {t.decode(): info.weight() for t, info in reader.iter_field("spell")}
    bare = documents[2].source
    for token in analyse(f"{bare.title} {bare.short_title}"):
        expected[token.text] = expected.get(token.text, 0) + 1
    assert found == expected


# --- the columns sidecar holds what Whoosh gives back --------------------------------


def test_the_sidecar_holds_what_whooshs_own_index_gives_back(tmp_path: Path) -> None:
    """Each record's stored values and field lengths, and the ``spell`` frequencies, as
    an index written by Whoosh's own writer gives them: what the search read of it."""
    documents = odd_documents()
    write_index(documents, tmp_path / "ours")
    (path,) = (tmp_path / "ours").glob(f"*{SUFFIX}")
    sidecar = Sidecar.read(path, FIELD_WEIGHTS)
    assert sidecar is not None and sidecar.n == 9
    ix = whoosh_index.open_dir(str(whoosh_written(documents, tmp_path / "whoosh")))
    with ix.reader() as reader:
        for d in range(reader.doc_count_all()):
            stored = reader.stored_fields(d)
            assert sidecar.ids[d] == stored["id"]
            for name, table in sidecar.tables.items():
                assert table.names[table.codes[d]] == stored.get(name, ""), name
            assert sidecar.years[d] == stored.get("year", 0)
            assert sidecar.positions[d] == stored.get("position", 0)
            assert sidecar.metadata_only[d] == bool(stored.get("metadata_only"))
            for field in FIELD_WEIGHTS:
                assert sidecar.lengths[field][d] == (reader.doc_field_length(d, field) or 0)
        spelling = {t.decode(): int(info.weight()) for t, info in reader.iter_field("spell")}
    words, counts = sidecar.spell_words.tolist(), sidecar.spell_counts.tolist()
    assert dict(zip(words, counts, strict=True)) == spelling and words == list(spelling)
    # a length is Whoosh's one-byte approximation, not the count of words
    longest = documents[0].passages[-1]
    docnum = sidecar.ids.tolist().index(documents[0].passage_id(longest))
    count = len(tokens(longest.text))
    assert sidecar.lengths["text"][docnum] == stored_length(count) != count


def test_no_sidecar_for_a_value_a_unicode_array_would_cut(tmp_path: Path) -> None:
    """A unicode array drops a trailing NUL: such a segment has no sidecar, and the search
    reads its generation from Whoosh."""
    treaty = odd_documents()[0]
    source = dataclasses.replace(treaty.source, kind="treaty\0")
    write_index([dataclasses.replace(treaty, source=source)], tmp_path / "nul")
    assert not list((tmp_path / "nul").glob(f"*{SUFFIX}"))
    assert list((tmp_path / "nul").glob("*.seg"))


def test_a_sidecar_of_another_format_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_index(odd_documents(), tmp_path / "ours")
    (path,) = (tmp_path / "ours").glob(f"*{SUFFIX}")
    assert Sidecar.read(path, FIELD_WEIGHTS) is not None
    monkeypatch.setattr(sidecar_module, "FORMAT", sidecar_module.FORMAT + 1)
    assert Sidecar.read(path, FIELD_WEIGHTS) is None
