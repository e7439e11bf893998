"""Generations and the CURRENT pointer, and what a kill -9 at the worst moment leaves."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from kb.ingest.publish import (
    BUILD_FILE,
    CURRENT,
    DOCUMENTS_FILE,
    KEEP_GENERATIONS,
    SEGMENTS_FILE,
    build_generation,
    clean_generations,
    current_generation,
    document_dict,
    publish,
)
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Source
from tests import worlds
from tests.ingest.crashing import G1_PASSAGES, assert_serves, leftovers, run_and_kill
from tests.worlds.mirror import PROPOSAL, TREATY_PASSAGES
from tests.worlds.published import make_documents


def source(source_id: str = "demo-a", **changes: object) -> Source:
    return worlds.make_source(source_id, **changes)


def documents() -> list[Document]:
    bells = Document(
        source=source(),
        status=STATUS_TEXT,
        passages=[
            Passage("art-1", "Article 1 – Bells", "Each harbour shall keep one bell."),
            Passage("art-2", "Article 2 – Ringing", "The bell shall be rung in fog."),
        ],
        sha256="a" * 64,
    )
    gulls = Document(
        source=source("demo-b", title="Demo Declaration on Gulls"), status=STATUS_METADATA_ONLY
    )
    return [bells, gulls]


def test_build_publish_and_current(tmp_path: Path) -> None:
    root = tmp_path / "index"
    assert current_generation(root) is None
    generation = build_generation(root, documents(), {"k": 1})
    assert (generation.path / BUILD_FILE).is_file()
    assert generation.build["documents"] == 2
    assert generation.build["passages"] == 2
    assert generation.build["records"] == 3  # two passages and one metadata record
    assert generation.build["key"] == {"k": 1}
    assert generation.build["version"] == generation.name
    assert generation.build["built_at"].endswith("Z")
    assert current_generation(root) is None  # built, not yet published

    publish(root, generation)

    current = current_generation(root)
    assert current is not None
    assert current.name == generation.name
    assert (root / CURRENT).read_text(encoding="utf-8") == generation.name
    assert [d.id for d in current.documents()] == ["demo-a", "demo-b"]
    assert current.documents()[0].passages[1].text == "The bell shall be rung in fog."
    ix = whoosh_index.open_dir(str(current.whoosh_dir))
    with ix.searcher() as searcher:
        query = QueryParser("text", ix.schema).parse("fog")
        assert [hit["id"] for hit in searcher.search(query)] == ["demo-a.art-2"]


def test_current_generation_is_none_for_a_broken_pointer(tmp_path: Path) -> None:
    root = tmp_path / "index"
    root.mkdir()
    (root / CURRENT).write_text("g-missing", encoding="utf-8")
    assert current_generation(root) is None


def test_clean_generations_keeps_the_current_and_the_ones_before_it(tmp_path: Path) -> None:
    root = tmp_path / "index"
    published = []
    for _ in range(5):
        published.append(build_generation(root, documents(), {}))
        publish(root, published[-1])
        time.sleep(0.002)  # distinct, ordered names
    never_published = build_generation(root, documents(), {})  # a crash before the switch
    incomplete = root / "g-99991231T000000000000Z-ffffff"
    incomplete.mkdir()
    (incomplete / "whoosh").mkdir()
    (root / ".tmp-leftover").write_bytes(b"x")

    removed = clean_generations(root)

    left = sorted(p.name for p in root.glob("g-*"))
    assert left == sorted(g.name for g in published[-KEEP_GENERATIONS:])
    assert sorted(removed) == sorted(
        [published[0].name, published[1].name, never_published.name, incomplete.name]
    )
    assert not (root / ".tmp-leftover").exists()
    current = current_generation(root)
    assert current is not None
    assert current.name == published[-1].name


def test_clean_generations_without_an_index(tmp_path: Path) -> None:
    assert clean_generations(tmp_path / "nothing") == []


# --- crash safety: kill -9 at the worst moments -------------------------------------


@pytest.mark.parametrize("where", ["index", "before-publish", "during-rename", "parse"])
def test_a_kill_leaves_the_published_generation_serving(world, where: str) -> None:
    first = world.ingest()
    assert first.passages == G1_PASSAGES
    g1 = first.generation
    world.add_article()  # the second run must rebuild
    if where == "parse":  # ... and must parse the proposal, the second source
        with (world.mirror / f"{PROPOSAL}.txt").open("a", encoding="utf-8") as handle:
            handle.write("\nOne more invented sentence about lighthouses.\n")

    child = run_and_kill(world, where)

    assert child.returncode == -9, child.stderr
    assert "dying" in child.stdout
    assert "survived" not in child.stdout
    assert (world.index_root / CURRENT).read_text(encoding="utf-8") == g1
    assert_serves(world, g1, TREATY_PASSAGES)
    if where == "index":
        assert leftovers(world), "the kill should have left an incomplete generation"
    if where == "during-rename":
        assert list(world.index_root.glob(".tmp-*")), "the pointer's temporary file"

    report = world.ingest()

    assert report.rebuilt
    assert report.exit_code == 0
    assert report.generation != g1
    assert report.results[0].status == "updated"
    assert_serves(world, report.generation, TREATY_PASSAGES + 1)
    assert leftovers(world) == []
    build = json.loads((world.index_root / report.generation / BUILD_FILE).read_text())
    assert build["version"] == report.generation


def test_documents_are_written_as_their_to_dict() -> None:
    for document in [*documents(), *make_documents()]:
        assert json.dumps(document_dict(document)) == json.dumps(document.to_dict())


def test_documents_are_a_json_list_one_a_line_with_their_hashes(tmp_path: Path) -> None:
    generation = build_generation(tmp_path / "index", make_documents(), {"k": 1})
    data = (generation.path / DOCUMENTS_FILE).read_bytes()
    assert json.loads(data) == json.loads(json.dumps([d.to_dict() for d in make_documents()]))
    lines = data.split(b"\n")
    assert len(lines) == len(make_documents()) + 2 and (lines[0], lines[-1]) == (b"[", b"]")
    hashes = generation.document_hashes()
    assert hashes is not None and len(set(hashes)) == len(make_documents())
    assert generation.documents() == make_documents()


def test_known_documents_are_taken_and_only_the_others_read(tmp_path: Path) -> None:
    """A worker opening a new generation keeps the documents whose entry is unchanged."""
    first = build_generation(tmp_path / "index", make_documents(), {"k": 1})
    before = first.documents()
    hashes = first.document_hashes()
    assert hashes is not None
    changed = [dataclasses.replace(d, retrieved_at="later") for d in make_documents()[:1]]
    documents = changed + make_documents()[1:]
    second = build_generation(tmp_path / "index", documents, {"k": 2}, first)
    after = second.documents(dict(zip(hashes, before, strict=True)))
    assert after == documents == second.documents()
    assert after[0] is not before[0] and after[0].retrieved_at == "later"
    assert all(a is b for a, b in zip(after[1:], before[1:], strict=True))
    # all of them known: documents.json is not read at all
    (second.path / DOCUMENTS_FILE).write_bytes(b"not read")
    known = dict(zip(second.document_hashes() or [], after, strict=True))
    assert all(a is b for a, b in zip(second.documents(known), after, strict=True))


def test_a_generation_without_hashes_is_read_whole(tmp_path: Path) -> None:
    """As one written before the hashes were recorded: documents.json on one line."""
    generation = build_generation(tmp_path / "index", make_documents(), {"k": 1})
    known = dict(zip(generation.document_hashes() or [], generation.documents(), strict=True))
    recorded = json.loads((generation.path / SEGMENTS_FILE).read_text())
    del recorded["documents"]
    (generation.path / SEGMENTS_FILE).write_text(json.dumps(recorded))
    one_line = json.dumps([document_dict(d) for d in make_documents()], ensure_ascii=False)
    (generation.path / DOCUMENTS_FILE).write_text(one_line)
    assert generation.document_hashes() is None
    read = generation.documents(known)
    assert read == make_documents()
    assert not any(a is b for a, b in zip(read, known.values(), strict=True))
