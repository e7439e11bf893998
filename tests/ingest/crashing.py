"""An ingest killed with SIGKILL at a chosen point, and what it must leave behind.

Shared by the crash tests of tests/ingest/test_publish.py and test_crash.py: a child
process runs ``kb.ingest.pipeline.ingest`` with one step replaced by a ``kill -9`` of
itself; the checks read the data folder it left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from whoosh.qparser import QueryParser
from whoosh.query import Term

from kb.ingest.publish import BUILD_FILE
from kb.search.library import Library
from tests.worlds.mirror import DECLARATION, PROPOSAL, PROPOSAL_PASSAGES, TREATY, TREATY_PASSAGES

G1_PASSAGES = TREATY_PASSAGES + PROPOSAL_PASSAGES

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

    if where == "index-reusing":  # a segment a document: the changed one's being written
        index.SEGMENT_RECORDS = 1
        real_records = index.passage_records

        def passage_records(document):
            die()

        index.passage_records = passage_records
    elif where == "index":  # inside index writing, after two documents were added
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
