"""Reading the published index (kb/search/library.py): the current generation, and the next.

A :class:`Library` opens the generation ``CURRENT`` names, follows a new publish without
a restart while the snapshots handed out before keep answering from theirs, has nothing
to serve before the first publish, and keeps serving its open snapshot when the pointer
cannot be read. Under gunicorn, with requests in flight, the same is tested by
tests/web/test_reingest_under_load.py.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from kb.ingest.publish import CURRENT, publish
from kb.search import (
    InvalidRequest,
    Library,
    NoIndex,
    SearchRequest,
    SearchResult,
    Snapshot,
    search,
)
from kb.search.themes import Vocabulary
from tests.worlds.published import (
    HARBOUR,
    LANTERN,
    SOURCE_IDS,
    harbour_treaty,
    lantern_convention,
    make_documents,
    write_generation,
)


def run(snapshot: Snapshot, q: str = "", **fields: object) -> SearchResult:
    return search(snapshot, SearchRequest(q=q, **fields))  # type: ignore[arg-type]


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


# --- the current generation ------------------------------------------------------------------


def test_a_snapshot_is_the_generation_the_pointer_names(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    write_generation(tmp_path, [lantern_convention()], key=1)
    generation = write_generation(tmp_path, make_documents(), key=2)
    snapshot = Library(tmp_path, vocabulary).snapshot()
    assert snapshot.generation.path == generation.path
    assert snapshot.version == generation.name == (tmp_path / CURRENT).read_text().strip()
    assert snapshot.built_at == generation.build["built_at"]
    assert tuple(snapshot.documents) == SOURCE_IDS  # in the order they were published
    assert snapshot.documents is snapshot.corpus.documents
    assert snapshot.index.doc_count() == generation.build["records"]
    assert run(snapshot, "pennants").total == 1


def test_published_documents_are_the_current_ones_or_none(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    library = Library(tmp_path, vocabulary)
    assert library.published_documents() == {}
    write_generation(tmp_path, make_documents())
    assert library.published_documents() is library.snapshot().documents
    assert tuple(library.published_documents()) == SOURCE_IDS


def test_no_index_before_the_first_publish(tmp_path: Path, vocabulary: Vocabulary) -> None:
    with pytest.raises(NoIndex):
        Library(tmp_path, vocabulary).snapshot()


# --- following new generations ---------------------------------------------------------------


def test_new_generation_is_picked_up_while_the_old_snapshot_still_answers(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    write_generation(tmp_path, [lantern_convention()], key=1)
    library = Library(tmp_path, vocabulary)
    old = library.snapshot()
    assert library.snapshot() is old  # nothing changed: the same snapshot
    assert run(old, "pennants").total == 0
    assert set(old.documents) == {LANTERN}

    write_generation(tmp_path, [lantern_convention(), harbour_treaty()], key=2)
    new = library.snapshot()
    assert new is not old
    assert new.version != old.version
    assert set(new.documents) == {LANTERN, HARBOUR}
    assert ids(run(new, "pennants")) == [f"{HARBOUR}.art-2"]
    assert run(new, "lantern").total > run(old, "lantern").total

    # the old snapshot keeps answering, new queries too, from its own generation
    assert run(old, "pennants").total == 0
    assert run(old, "wick OR keepers").total > 0
    with pytest.raises(InvalidRequest):
        run(old, sources=(HARBOUR,))
    assert library.snapshot() is new


def test_a_new_generation_keeps_the_documents_that_did_not_change(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    """Its unchanged documents are the open generation's objects, not read again; the
    changed one is read anew; and it answers as a Library opening it first does."""
    write_generation(tmp_path, make_documents(), key=1)
    library = Library(tmp_path, vocabulary)
    old = library.snapshot()
    changed = [
        dataclasses.replace(d, retrieved_at="later") if d.id == HARBOUR else d
        for d in make_documents()
    ]
    write_generation(tmp_path, changed, key=2)
    new = library.snapshot()
    assert new is not old
    for source, document in new.documents.items():
        assert (document is old.documents[source]) == (source != HARBOUR)
    assert new.documents[HARBOUR].retrieved_at == "later"
    fresh = Library(tmp_path, vocabulary).snapshot()
    assert new.documents == fresh.documents
    for q in ("", "lantern", "pennants", "keeper light"):
        assert ids(run(new, q)) == ids(run(fresh, q))


def test_a_watching_library_opens_a_new_generation_without_being_asked(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    write_generation(tmp_path, [lantern_convention()], key=1)
    library = Library(tmp_path, vocabulary, watch=0.02)
    old = library.snapshot()  # starts the watcher of this process
    generation = write_generation(tmp_path, [lantern_convention(), harbour_treaty()], key=2)
    deadline = time.monotonic() + 10
    while library._snapshot is old:  # no snapshot() asked meanwhile
        assert time.monotonic() < deadline, "the watcher did not open the new generation"
        time.sleep(0.01)
    opened = library._snapshot
    assert opened is not None and opened.version == generation.name
    assert library.snapshot() is opened
    assert not Library(tmp_path, vocabulary)._watch  # only a served Library watches


def test_a_pointer_moved_back_to_an_earlier_generation_is_followed(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    first = write_generation(tmp_path, [lantern_convention()], key=1)
    library = Library(tmp_path, vocabulary)
    assert library.snapshot().version == first.name
    second = write_generation(tmp_path, [lantern_convention(), harbour_treaty()], key=2)
    assert library.snapshot().version == second.name
    publish(tmp_path, first)
    back = library.snapshot()
    assert back.version == first.name
    assert set(back.documents) == {LANTERN}
    assert run(back, "pennants").total == 0


def test_threads_asking_after_a_publish_share_one_new_snapshot(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    write_generation(tmp_path, [lantern_convention()], key=1)
    library = Library(tmp_path, vocabulary)
    old = library.snapshot()
    new_generation = write_generation(tmp_path, make_documents(), key=2)
    threads = 8
    start = threading.Barrier(threads)
    seen: list[Snapshot] = []

    def ask() -> None:
        start.wait(5)
        seen.append(library.snapshot())

    workers = [threading.Thread(target=ask) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert len(seen) == threads
    assert len({id(snapshot) for snapshot in seen}) == 1  # opened once, by one thread
    assert seen[0] is not old and seen[0].version == new_generation.name


def test_an_open_snapshot_keeps_serving_when_the_pointer_cannot_be_read(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    write_generation(tmp_path, [lantern_convention()], key=1)
    library = Library(tmp_path, vocabulary)
    opened = library.snapshot()
    (tmp_path / "CURRENT").unlink()
    assert library.snapshot() is opened
    assert run(library.snapshot(), "lantern").total > 0
    with pytest.raises(NoIndex):
        Library(tmp_path, vocabulary).snapshot()  # a new reader has nothing to serve
