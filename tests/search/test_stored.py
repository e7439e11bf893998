"""What ``kb ingest`` stores with a generation (kb/derive/stored.py) and how it is opened.

The references and definitions a server takes from ``derived.json`` are those it would
have read from the documents itself; a generation without the file (written before it
existed) or with one read by other code opens all the same, reading them anew.
"""

from __future__ import annotations

import json
from pathlib import Path

from kb.derive import stored
from kb.derive.names import Names
from kb.derive.references import Reference, References
from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library
from kb.search.corpus import Corpus
from kb.search.definitions import Glossary
from tests.worlds import make_source
from tests.worlds.published import make_documents, reef_protocol, tide_charter, write_generation

BUOY_TEXTS = [
    "Each Party shall moor its buoys as set out in Articles 2 and 3.",
    "The buoys of Article 3 are red; Article 1 of the Buoy Protocol applies.",
    "This Article applies to every buoy of the Buoy Convention.",
]


def buoys() -> list[Document]:
    """A convention and its protocol that refer to each other's articles."""
    convention = make_source("buoy-convention", title="Buoy Convention (BTS No. 5)")
    protocol = make_source(
        "buoy-protocol",
        title="Additional Protocol to the Buoy Convention (BTS No. 6)",
        short_title="Buoy Protocol",
    )
    articles = [Passage(f"art-{n}", f"Article {n}", t) for n, t in enumerate(BUOY_TEXTS, 1)]
    protocol_articles = [Passage("art-1", "Article 1", "Article 2 of the Convention applies.")]
    return [
        Document(convention, STATUS_TEXT, articles),
        Document(protocol, STATUS_TEXT, protocol_articles),
    ]


def corpus_documents() -> list[Document]:
    return [*make_documents(), tide_charter(), reef_protocol(), *buoys()]


def facts(corpus: Corpus) -> tuple[object, ...]:
    """Everything a page shows of the references and definitions of ``corpus``."""
    ids = [
        document.passage_id(passage)
        for document in corpus.documents.values()
        for passage in document.passages
    ]
    references = corpus.references
    glossary = corpus.glossary
    return (
        {pid: references.of(pid) for pid in ids},
        {pid: references.citing(pid) for pid in ids},
        {sid: references.citing_document(sid) for sid in corpus.documents},
        glossary.definitions,
        {pid: glossary.made_in(pid) for pid in ids},
        {
            document.passage_id(passage): glossary.used_in(document, passage)
            for document in corpus.documents.values()
            for passage in document.passages
        },
        glossary.defining("beacon data"),
    )


def test_the_publish_stores_what_a_server_would_read(tmp_path: Path) -> None:
    documents = corpus_documents()
    generation = write_generation(tmp_path, documents)
    assert (generation.path / stored.DERIVED_FILE).is_file()
    derived = stored.read(generation.path)
    assert derived is not None
    by_id = {d.id: d for d in documents}
    read_here = References(by_id, Names(by_id))
    assert derived.references == read_here.found
    assert any(derived.references.values())  # the invented world refers to itself
    assert derived.definitions == Glossary(by_id).definitions
    assert derived.definitions  # and defines terms
    assert facts(Corpus(by_id, derived)) == facts(Corpus(by_id))


def test_a_generation_written_before_opens_reading_them_anew(tmp_path: Path) -> None:
    documents = corpus_documents()
    generation = write_generation(tmp_path, documents)
    (generation.path / stored.DERIVED_FILE).unlink()
    assert stored.read(generation.path) is None
    snapshot = Library(tmp_path).snapshot()
    by_id = {d.id: d for d in documents}
    assert facts(snapshot.corpus) == facts(Corpus(by_id))


def test_what_other_code_stored_is_read_anew(tmp_path: Path) -> None:
    documents = corpus_documents()
    generation = write_generation(tmp_path, documents)
    path = generation.path / stored.DERIVED_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["code"] = "older"
    data["references"] = {}
    path.write_text(json.dumps(data), encoding="utf-8")
    assert stored.read(generation.path) is None
    path.write_text("{not json", encoding="utf-8")
    assert stored.read(generation.path) is None
    snapshot = Library(tmp_path).snapshot()
    by_id = {d.id: d for d in documents}
    assert facts(snapshot.corpus) == facts(Corpus(by_id))


def test_the_stored_file_is_plain_json(tmp_path: Path) -> None:
    generation = write_generation(tmp_path, corpus_documents())
    data = json.loads((generation.path / stored.DERIVED_FILE).read_text(encoding="utf-8"))
    assert data["format"] == stored.FORMAT and data["code"] == stored.CODE_VERSION
    for found in data["references"].values():
        for start, end, text, source_id, anchor in found:
            assert isinstance(start, int) and isinstance(end, int) and end > start
            assert isinstance(text, str) and isinstance(source_id, str)
            assert anchor is None or isinstance(anchor, str)


def test_a_publish_reads_again_only_the_documents_that_changed() -> None:
    documents = corpus_documents()
    previous = stored.derive(documents)
    convention, protocol = buoys()
    changed = Passage("art-1", "Article 1", "Article 3 of the Convention applies, and Article 1.")
    amended = Document(protocol.source, STATUS_TEXT, [changed])
    now = [d if d.id != protocol.id else amended for d in documents]
    # A marker in the previous references of an unchanged document: taken as it is.
    marker = Reference(0, 4, "Each", convention.id, "art-3")
    first = convention.passage_id(convention.passages[0])
    marked = stored.Derived(
        {**previous.references, first: [marker]},
        previous.definitions,
        previous.context,
        previous.digests,
    )
    derived = stored.derive(now, marked)
    assert derived.references[first] == [marker]
    fresh = stored.derive(now)
    assert {k: v for k, v in derived.references.items() if k != first} == {
        k: v for k, v in fresh.references.items() if k != first
    }
    assert derived.definitions == fresh.definitions
    assert (derived.context, derived.digests) == (fresh.context, fresh.digests)
    assert derived.digests[protocol.id] != previous.digests[protocol.id]
    # A new article (new anchors: other documents' references may now resolve): all anew.
    grown = Document(protocol.source, STATUS_TEXT, [*protocol.passages, changed_article()])
    now = [d if d.id != protocol.id else grown for d in documents]
    assert stored.derive(now, marked).context != previous.context
    assert stored.derive(now, marked).references == stored.derive(now).references


def changed_article() -> Passage:
    return Passage("art-2", "Article 2", "Article 1 of this Protocol applies.")
