"""Generations and the CURRENT pointer, and what a kill -9 at the worst moment leaves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser
from whoosh.query import Term

from kb.ingest.publish import (
    BUILD_FILE,
    CURRENT,
    KEEP_GENERATIONS,
    build_generation,
    clean_generations,
    current_generation,
    publish,
)
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Source
from kb.search.library import Library
from tests import worlds
from tests.worlds.mirror import DECLARATION, PROPOSAL, PROPOSAL_PASSAGES, TREATY, TREATY_PASSAGES

G1_PASSAGES = TREATY_PASSAGES + PROPOSAL_PASSAGES


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

_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    from kb.config import Settings
    from kb.ingest import index, pipeline

    data_dir, manifest, mirror, where = sys.argv[1:5]
    settings = Settings(data_dir=Path(data_dir), manifest=Path(manifest), mirror=Path(mirror))

    def die():
        sys.stdout.write("dying\\n")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if where == "index":  # inside index writing, after two documents were added
        real_records = index.passage_records
        seen = []

        def passage_records(document):
            if len(seen) == 2:
                die()
            seen.append(document.id)
            return real_records(document)

        index.passage_records = passage_records
    elif where == "before-publish":  # the new generation complete, CURRENT untouched
        def publish(root, generation):
            assert (generation.path / "build.json").is_file()
            die()

        pipeline.publish = publish
    elif where == "during-rename":  # the new pointer written to its temporary file
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if Path(dst).name == "CURRENT":
                die()
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif where == "parse":  # parsing the second source
        def parse_proposal(blocks, source):
            die()

        pipeline.PARSERS["proposal"] = parse_proposal
    elif where in ("store-raw", "store-parsed"):
        real_replace = os.replace
        # the new body stored but not its meta.json; or the raw copy but not its parse
        folder, name = ("parsed", None)
        if where == "store-raw":
            folder, name = ("pipeline-treaty", "meta.json")

        def replace(src, dst, *args, **kwargs):
            dst = Path(dst)
            if dst.parent.name == folder and (name is None or dst.name == name):
                die()
            return real_replace(src, dst, *args, **kwargs)

        os.replace = replace
    elif where == "after-publish":  # CURRENT switched; no clean-up, no status file yet
        real_clean = pipeline.clean_generations
        calls = []

        def clean_generations(root):
            calls.append(root)
            if len(calls) == 2:
                die()
            return real_clean(root)

        pipeline.clean_generations = clean_generations
    else:
        raise SystemExit(f"unknown crash point {where}")

    pipeline.ingest(settings)
    print("survived")
    """
)


def run_and_kill(world, where: str) -> subprocess.CompletedProcess[str]:
    args = [str(world.data_dir), str(world.manifest), str(world.mirror), where]
    return subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def assert_serves(world, version: str, treaty_passages: int) -> None:
    """The published index is ``version``, whole: documents and Whoosh records."""
    snapshot = Library(world.index_root).snapshot()
    assert snapshot.version == version
    assert set(snapshot.documents) == {TREATY, PROPOSAL, DECLARATION}
    assert len(snapshot.documents[TREATY].passages) == treaty_passages
    assert len(snapshot.documents[PROPOSAL].passages) == PROPOSAL_PASSAGES
    assert snapshot.generation.build["passages"] == treaty_passages + PROPOSAL_PASSAGES
    with snapshot.index.searcher() as searcher:
        assert searcher.doc_count() == treaty_passages + PROPOSAL_PASSAGES + 1
        treaty = searcher.search(Term("source", TREATY), limit=None)
        assert len(treaty) == treaty_passages
        query = QueryParser("text", snapshot.index.schema).parse("signal logs")
        assert len(searcher.search(query)) > 0


def leftovers(world) -> list[str]:
    """Incomplete generations and temporary files anywhere under the data folder."""
    found = [p.name for p in world.index_root.glob("g-*") if not (p / BUILD_FILE).is_file()]
    found += [str(p.relative_to(world.data_dir)) for p in world.data_dir.rglob(".tmp-*")]
    return found


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
