"""A new generation takes the previous one's segments whose documents did not change
(``kb/ingest/publish.py``), and searches exactly as a generation built from scratch."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from kb.ingest import index
from kb.ingest.publish import CURRENT, SEGMENTS_FILE, Generation, build_generation, publish
from kb.ingest.sidecar import SUFFIX
from kb.models import Document
from kb.search import Library
from kb.search.columns import read_sidecars
from tests.ingest.crashing import assert_serves, leftovers, run_and_kill
from tests.worlds.mirror import DECLARATION, PROPOSAL, TREATY, TREATY_PASSAGES, World
from tests.worlds.published import HARBOUR, LANTERN, TRANSCRIPT, answers, make_documents


@pytest.fixture(autouse=True)
def _small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """A segment a document (the invented documents are small), all worth keeping."""
    monkeypatch.setattr(index, "SEGMENT_RECORDS", 1)


def edited(document: Document, words: str) -> Document:
    """``document`` with words added to its first passage, as a new copy would have."""
    first = document.passages[0]
    passage = dataclasses.replace(first, text=f"{first.text} {words}")
    return dataclasses.replace(document, passages=[passage, *document.passages[1:]])


def replaced(documents: list[Document], source: str, document: Document) -> list[Document]:
    return [document if d.source.id == source else d for d in documents]


def segments(generation: Generation) -> dict[str, str]:
    """Source id -> the id of the segment holding it."""
    recorded = json.loads((generation.path / SEGMENTS_FILE).read_text(encoding="utf-8"))
    return {s: entry["id"] for entry in recorded["segments"] for s in entry["sources"]}


def opened_from_sidecars(generation: Generation) -> bool:
    """Whether a worker reads the columns of ``generation`` from its sidecars, one a segment."""
    ix = whoosh_index.open_dir(str(generation.whoosh_dir))
    with ix.searcher() as searcher:
        found = read_sidecars(ix, searcher.reader())
    return found is not None and len(found) == len(set(segments(generation).values()))


def build(root: Path, documents: list[Document], previous: Generation | None = None) -> Generation:
    generation = build_generation(root, documents, {"n": len(list(root.glob("g-*")))}, previous)
    publish(root, generation)
    return generation


def test_one_changed_document_rewrites_its_segment_alone(tmp_path: Path) -> None:
    documents = make_documents()
    first = build(tmp_path / "index", documents)
    assert len(set(segments(first).values())) == len(documents)
    changed = replaced(documents, HARBOUR, edited(documents[1], "driftwood lantern keeper"))
    second = build(tmp_path / "index", changed, first)
    before, after = segments(first), segments(second)
    assert after[HARBOUR] != before[HARBOUR]
    kept = {s: after[s] for s in after if s != HARBOUR}
    assert kept == {s: before[s] for s in before if s != HARBOUR}
    for segment in kept.values():  # the same files, linked: the columns sidecar too
        for suffix in (".seg", SUFFIX):
            old, new = (g.whoosh_dir / f"{segment}{suffix}" for g in (first, second))
            assert os.stat(old).st_ino == os.stat(new).st_ino
    assert opened_from_sidecars(second)
    assert second.build["records"] == first.build["records"]
    # searched as a generation built from scratch is, and on its own once the first is gone
    scratch = build(tmp_path / "scratch", changed)
    shutil.rmtree(first.path)
    assert answers(tmp_path / "index") == answers(tmp_path / "scratch")
    assert scratch.build["records"] == second.build["records"]


def test_documents_added_removed_and_changed_search_as_from_scratch(tmp_path: Path) -> None:
    documents = make_documents()
    first = build(tmp_path / "index", [d for d in documents if d.source.id != TRANSCRIPT])
    later = [
        edited(d, "tide tables") if d.source.id == LANTERN else d
        for d in documents
        if d.source.id != HARBOUR
    ]
    second = build(tmp_path / "index", later, first)
    assert set(segments(second)) == {d.source.id for d in later}
    assert segments(second)[TRANSCRIPT] not in segments(first).values()
    build(tmp_path / "scratch", later)
    assert answers(tmp_path / "index") == answers(tmp_path / "scratch")


def test_small_segments_are_rewritten_with_the_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Segments much smaller than SEGMENT_RECORDS go with the changed documents into new
    ones, so that one source added a run does not leave a segment a run."""
    monkeypatch.setattr(index, "SEGMENT_RECORDS", 1_000)
    documents = make_documents()
    first = build(tmp_path / "index", documents)
    changed = replaced(documents, HARBOUR, edited(documents[1], "driftwood"))
    second = build(tmp_path / "index", changed, first)
    assert len(set(segments(second).values())) == 1
    assert not set(segments(second).values()) & set(segments(first).values())


def test_nothing_is_taken_from_a_generation_of_another_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    documents = make_documents()
    first = build(tmp_path / "index", documents)
    monkeypatch.setattr(index, "SCHEMA_VERSION", index.SCHEMA_VERSION + 1)
    second = build(tmp_path / "index", documents, first)
    assert not set(segments(second).values()) & set(segments(first).values())


def test_a_segment_without_its_sidecar_is_written_anew(tmp_path: Path) -> None:
    """A segment of a generation written before the sidecars (or whose sidecar is gone) is
    not taken: the new generation's segments all have theirs."""
    documents = make_documents()
    first = build(tmp_path / "index", documents)
    lantern = segments(first)[LANTERN]
    (first.whoosh_dir / f"{lantern}{SUFFIX}").unlink()
    second = build(tmp_path / "index", documents, first)
    assert segments(second)[LANTERN] != lantern
    assert segments(second)[HARBOUR] == segments(first)[HARBOUR]
    assert opened_from_sidecars(second)


def test_a_kill_while_reusing_segments_leaves_the_published_generation_serving(
    world: World,
) -> None:
    first = world.ingest()
    g1 = Library(world.index_root).snapshot().generation
    world.add_article()

    child = run_and_kill(world, "index-reusing")

    assert child.returncode == -9, child.stderr
    assert (world.index_root / CURRENT).read_text(encoding="utf-8") == first.generation
    assert_serves(world, first.generation, TREATY_PASSAGES)
    assert leftovers(world), "the kill should have left an incomplete generation"

    report = world.ingest()

    assert report.rebuilt and report.exit_code == 0
    assert_serves(world, report.generation, TREATY_PASSAGES + 1)
    assert leftovers(world) == []
    second = Library(world.index_root).snapshot().generation
    before, after = segments(g1), segments(second)
    assert after[TREATY] != before[TREATY]
    assert after[PROPOSAL] == before[PROPOSAL] and after[DECLARATION] == before[DECLARATION]
