"""The ingest run on a small invented world (tests/worlds/mirror.py), mirror and network."""

from __future__ import annotations

import re

import pytest
from whoosh.qparser import QueryParser
from whoosh.query import Term

from kb.config import Settings
from kb.ingest.errors import ConfigError
from kb.ingest.pipeline import (
    FAILED,
    NEW,
    NO_MIRROR_COPY,
    PARSERS,
    SUSPICIOUS,
    UNCHANGED,
    UPDATED,
    IngestReport,
    shrinkage,
)
from kb.ingest.publish import CURRENT, IngestLocked, current_generation, ingest_lock
from kb.ingest.statuses import read_last_statuses
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from tests.worlds import make_source
from tests.worlds.mirror import (
    CUT_SHORT_PASSAGES,
    DECLARATION,
    DUTCH_PART,
    LONG_TREATY_PASSAGES,
    PROPOSAL,
    PROPOSAL_PASSAGES,
    TREATY,
    TREATY_PASSAGES,
    raw_files,
    with_extra_article,
)


def statuses(report: IngestReport) -> dict[str, str]:
    return {r.source.id: r.status for r in report.results}


def current_name(world) -> str:
    return (world.index_root / CURRENT).read_text(encoding="utf-8").strip()


def indexed_passages(world, source_id: str) -> list[str]:
    """The passage ids the published Whoosh index holds for a source, in order."""
    snapshot = world.library().snapshot()
    with snapshot.index.searcher() as searcher:
        hits = searcher.search(Term("source", source_id), limit=None, sortedby="position")
        return [hit["id"] for hit in hits]


# --- mirror mode -------------------------------------------------------------------


def test_first_run(world) -> None:
    report = world.ingest()
    assert statuses(report) == {TREATY: NEW, PROPOSAL: NEW, DECLARATION: NO_MIRROR_COPY}
    by_id = {r.source.id: r for r in report.results}
    assert by_id[TREATY].passages == TREATY_PASSAGES
    assert by_id[PROPOSAL].passages == PROPOSAL_PASSAGES
    assert by_id[DECLARATION].passages == 0
    assert by_id[DECLARATION].document.status == STATUS_METADATA_ONLY
    assert by_id[TREATY].size == (world.mirror / f"{TREATY}.md").stat().st_size
    assert report.rebuilt
    assert report.exit_code == 0
    assert report.documents == 3
    assert report.passages == TREATY_PASSAGES + PROPOSAL_PASSAGES
    assert current_name(world) == report.generation
    generation = current_generation(world.index_root)
    assert generation is not None
    assert generation.build["passages"] == TREATY_PASSAGES + PROPOSAL_PASSAGES
    assert generation.build["records"] == TREATY_PASSAGES + PROPOSAL_PASSAGES + 1
    assert indexed_passages(world, TREATY) == [
        f"{TREATY}.preamble",
        *(f"{TREATY}.art-{n}" for n in range(1, 5)),
    ]


def test_progress_names_every_source(world) -> None:
    seen: list[str] = []
    world.ingest(progress=lambda source: seen.append(source.id))
    assert seen == [TREATY, PROPOSAL, DECLARATION]


def test_second_run_changes_nothing(world) -> None:
    first = world.ingest()
    second = world.ingest()
    assert statuses(second) == dict.fromkeys((TREATY, PROPOSAL, DECLARATION), UNCHANGED)
    assert second.rebuilt is False
    assert second.generation == first.generation
    assert current_name(world) == first.generation
    assert second.passages == first.passages
    assert second.exit_code == 0


def test_a_changed_mirror_file_updates_that_source_only(world) -> None:
    first = world.ingest()
    world.add_article()
    second = world.ingest()
    assert statuses(second) == {TREATY: UPDATED, PROPOSAL: UNCHANGED, DECLARATION: UNCHANGED}
    assert second.rebuilt is True
    assert second.generation != first.generation
    assert current_name(world) == second.generation
    assert second.passages == first.passages + 1
    assert indexed_passages(world, TREATY)[-1] == f"{TREATY}.art-5"
    documents = world.library().snapshot().documents
    assert documents[TREATY].passages[-1].label == "Article 5 – Entry into force"


def test_garbage_in_the_mirror_fails_and_keeps_the_last_good_copy(world) -> None:
    world.ingest()
    good = world.library().snapshot().documents[TREATY]
    world.break_treaty()
    # Change the proposal too, so that a new index is built and published in this run.
    with (world.mirror / f"{PROPOSAL}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nOne more invented sentence about lighthouses.\n")

    report = world.ingest()

    assert statuses(report) == {TREATY: FAILED, PROPOSAL: UPDATED, DECLARATION: UNCHANGED}
    failed = report.failed[0]
    assert failed.source.id == TREATY
    assert "no articles found" in failed.message
    assert "kept the last good copy" in failed.message
    assert failed.passages == TREATY_PASSAGES
    assert report.exit_code == 1
    assert report.rebuilt
    # No data lost: the newly published index still holds the previous document.
    snapshot = world.library().snapshot()
    assert snapshot.version == report.generation
    assert snapshot.documents[TREATY].passages == good.passages
    assert len(indexed_passages(world, TREATY)) == TREATY_PASSAGES
    cached = world.settings.cache_dir / TREATY
    assert b"Article" in next(cached.glob("*.md")).read_bytes()


def test_garbage_alone_fails_without_rebuilding(world) -> None:
    first = world.ingest()
    world.break_treaty()
    report = world.ingest()
    assert statuses(report)[TREATY] == FAILED
    assert report.exit_code == 1
    assert report.rebuilt is False
    assert report.generation == first.generation
    assert len(indexed_passages(world, TREATY)) == TREATY_PASSAGES


def test_garbage_on_the_first_run_leaves_metadata(world) -> None:
    world.break_treaty()
    report = world.ingest()
    result = report.failed[0]
    assert result.source.id == TREATY
    assert "no earlier copy to keep" in result.message
    assert result.document.status == STATUS_METADATA_ONLY
    assert report.exit_code == 1
    assert indexed_passages(world, TREATY) == [f"{TREATY}.about"]


def test_only_limits_the_run_but_the_index_keeps_every_source(world) -> None:
    world.ingest()
    world.add_article()
    report = world.ingest(only=[PROPOSAL])
    assert [r.source.id for r in report.results] == [PROPOSAL]
    assert statuses(report) == {PROPOSAL: UNCHANGED}
    assert report.documents == 3
    documents = world.library().snapshot().documents
    assert set(documents) == {TREATY, PROPOSAL, DECLARATION}
    assert len(documents[TREATY].passages) == TREATY_PASSAGES  # not re-read: not selected
    assert len(documents[PROPOSAL].passages) == PROPOSAL_PASSAGES


def test_only_on_the_first_run_indexes_the_others_as_metadata(world) -> None:
    report = world.ingest(only=[TREATY])
    assert statuses(report) == {TREATY: NEW}
    documents = world.library().snapshot().documents
    assert set(documents) == {TREATY, PROPOSAL, DECLARATION}
    assert documents[PROPOSAL].status == STATUS_METADATA_ONLY


def test_unknown_only_id_is_a_config_error(world) -> None:
    with pytest.raises(ConfigError, match="unknown source id 'nope'"):
        world.ingest(only=["nope"])
    assert not (world.index_root / CURRENT).exists()


def test_missing_mirror_is_a_config_error(world, tmp_path) -> None:
    settings = Settings(
        data_dir=world.data_dir, manifest=world.manifest, mirror=tmp_path / "no-such-mirror"
    )
    from kb.ingest.pipeline import ingest

    with pytest.raises(ConfigError, match="does not exist"):
        ingest(settings)
    file_mirror = tmp_path / "a-file"
    file_mirror.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a folder"):
        ingest(Settings(data_dir=world.data_dir, manifest=world.manifest, mirror=file_mirror))
    assert not world.index_root.exists()


def test_refresh_forces_a_rebuild(world) -> None:
    first = world.ingest()
    report = world.ingest(refresh=True)
    assert report.rebuilt is True
    assert report.generation != first.generation
    assert current_name(world) == report.generation
    assert statuses(report) == dict.fromkeys((TREATY, PROPOSAL, DECLARATION), UNCHANGED)
    assert report.passages == first.passages


def test_a_metadata_only_source_is_one_record_found_by_title(world) -> None:
    world.ingest()
    snapshot = world.library().snapshot()
    document = snapshot.documents[DECLARATION]
    assert document.status == STATUS_METADATA_ONLY
    assert document.passages == []
    assert document.source.title == "Declaration on Tidewater Beacon Registers"
    with snapshot.index.searcher() as searcher:
        records = searcher.search(Term("source", DECLARATION), limit=None)
        assert len(records) == 1
        query = QueryParser("title", snapshot.index.schema).parse("tidewater beacon")
        hits = searcher.search(query, limit=None)
        assert [hit["id"] for hit in hits] == [f"{DECLARATION}.about"]
        assert hits[0]["metadata_only"] is True
        assert hits[0]["title"] == "Declaration on Tidewater Beacon Registers"


def test_text_documents_hold_text(world) -> None:
    world.ingest()
    documents = world.library().snapshot().documents
    assert documents[TREATY].status == STATUS_TEXT
    assert documents[TREATY].sha256 is not None
    assert [p.label for p in documents[TREATY].passages][1] == "Article 1 – Purpose"
    roles = {p.role for p in documents[PROPOSAL].people}
    assert {"organiser", "speaker"} <= roles


def test_the_lock_keeps_a_second_ingest_out(world) -> None:
    world.ingest()
    with ingest_lock(world.index_root), pytest.raises(IngestLocked) as caught:
        world.ingest()
    message = str(caught.value)
    assert "another kb ingest is running" in message
    assert "wait for it to finish" in message
    # The lock is free again afterwards.
    assert world.ingest().exit_code == 0


def test_leftovers_of_an_interrupted_run_are_removed(world) -> None:
    world.ingest()
    incomplete = world.index_root / "g-20000101T000000000000Z-dead00"
    (incomplete / "whoosh").mkdir(parents=True)
    (incomplete / "whoosh" / "MAIN_1.toc").write_bytes(b"half")
    pointer_tmp = world.index_root / ".tmp-pointer"
    pointer_tmp.write_bytes(b"g-")
    raw = world.settings.cache_dir / TREATY
    (raw / ".tmp-body").write_bytes(b"half a body")
    (raw / f"{'0' * 64}.md").write_bytes(b"an orphan body")

    report = world.ingest()

    assert not incomplete.exists()
    assert incomplete.name in report.cleaned
    assert not pointer_tmp.exists()
    assert not (raw / ".tmp-body").exists()
    assert not (raw / f"{'0' * 64}.md").exists()
    assert report.rebuilt is False
    assert statuses(report) == dict.fromkeys((TREATY, PROPOSAL, DECLARATION), UNCHANGED)


def test_old_generations_are_cleaned_but_a_few_kept(world) -> None:
    names = [world.ingest(refresh=True).generation for _ in range(5)]
    left = sorted(p.name for p in world.index_root.glob("g-*"))
    assert left == names[-3:]


# --- network mode ------------------------------------------------------------------


def test_network_first_run_and_an_offline_second_run(net_world) -> None:
    first = net_world.ingest()
    assert statuses(first) == {TREATY: NEW, PROPOSAL: NEW}
    assert first.exit_code == 0
    assert sorted(net_world.server.paths()) == sorted([f"/{TREATY}.md", f"/{PROPOSAL}.html"])
    copy = net_world.library().snapshot().documents[TREATY]
    assert len(copy.passages) == TREATY_PASSAGES
    assert len(net_world.library().snapshot().documents[PROPOSAL].passages) >= 5

    net_world.server.requests.clear()
    second = net_world.ingest()
    assert net_world.server.requests == []  # the cached copies are used: no request at all
    assert statuses(second) == {TREATY: UNCHANGED, PROPOSAL: UNCHANGED}
    assert second.rebuilt is False


def test_network_refresh_with_etag_gets_304(net_world) -> None:
    net_world.ingest()
    net_world.server.requests.clear()
    report = net_world.ingest(refresh=True, only=[TREATY])
    assert net_world.server.paths() == [f"/{TREATY}.md"]
    headers = net_world.server.requests[0][1]
    assert headers.get("If-None-Match") == '"treaty-v1"'
    assert statuses(report) == {TREATY: UNCHANGED}
    assert report.exit_code == 0


def test_network_refresh_with_a_new_body_updates(net_world) -> None:
    net_world.ingest()
    route = net_world.server.routes[f"/{TREATY}.md"]
    route.body = route.body.replace(
        b"####Verdrag inzake",
        b"### Article 5\n\n####Entry\n\nOn a calm night.\n\n####Verdrag inzake",
    )
    route.etag = '"treaty-v2"'
    report = net_world.ingest(refresh=True, only=[TREATY])
    assert statuses(report) == {TREATY: UPDATED}
    assert len(indexed_passages(net_world, TREATY)) == TREATY_PASSAGES + 1


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (500, b"oops", "text/plain", "HTTP 500"),
        (200, b"<!DOCTYPE html><html><body>Not found</body></html>", "text/html", "HTML page"),
        (404, b"gone", "text/plain", "HTTP 404"),
    ],
    ids=["500", "html-error-page", "404"],
)
def test_network_failure_keeps_the_last_good_copy(
    net_world, status: int, body: bytes, content_type: str, expected: str
) -> None:
    net_world.ingest()
    cached = net_world.settings.cache_dir / TREATY
    before = {p.name: p.read_bytes() for p in cached.iterdir()}
    good_passages = indexed_passages(net_world, TREATY)
    route = net_world.server.routes[f"/{TREATY}.md"]
    route.status, route.body, route.content_type, route.etag = status, body, content_type, None

    report = net_world.ingest(refresh=True)

    assert statuses(report) == {TREATY: FAILED, PROPOSAL: UNCHANGED}
    message = report.failed[0].message
    assert expected in message
    assert f"{net_world.server.url}/{TREATY}.md" in message
    assert "kept the last good copy" in message
    assert report.exit_code == 1
    assert {p.name: p.read_bytes() for p in cached.iterdir()} == before
    assert indexed_passages(net_world, TREATY) == good_passages
    assert len(good_passages) == TREATY_PASSAGES


def test_a_parser_crash_fails_that_source_only(world, monkeypatch) -> None:
    world.ingest()

    def broken(blocks, source):
        raise IndexError("list index out of range")

    monkeypatch.setitem(PARSERS, "treaty", broken)
    world.add_article()  # a new body, so the treaty must be parsed again
    report = world.ingest()

    assert statuses(report) == {TREATY: FAILED, PROPOSAL: UNCHANGED, DECLARATION: UNCHANGED}
    message = report.failed[0].message
    assert "IndexError" in message and "kept the last good copy" in message
    assert len(indexed_passages(world, TREATY)) == TREATY_PASSAGES


def test_a_manifest_edit_updates_that_source_and_rebuilds(world) -> None:
    first = world.ingest()
    manifest = world.manifest.read_text(encoding="utf-8")
    world.manifest.write_text(manifest.replace("year = 1999", "year = 2032", 1), encoding="utf-8")
    assert world.manifest.read_text(encoding="utf-8") != manifest, (
        "the fixture treaty has year = 1999"
    )

    report = world.ingest()

    assert report.rebuilt and report.generation != first.generation
    changed = [r.source.id for r in report.results if r.status == UPDATED]
    assert len(changed) == 1
    assert world.library().snapshot().documents[changed[0]].source.year == 2032


# --- what would hurt the service is refused (issue 11) ---------------------------------


def cached_state(world, source_id: str) -> tuple[dict[str, bytes], bytes]:
    """A source's raw cache folder, file by file, and its parsed cache file."""
    parsed = world.settings.parsed_dir / f"{source_id}.json"
    return raw_files(world.settings, source_id), parsed.read_bytes()


def change_the_proposal(world) -> None:
    """Change another source too, so that the run builds and publishes a new index."""
    with (world.mirror / f"{PROPOSAL}.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nOne more invented sentence about lighthouses.\n")


def test_an_oversized_mirror_file_fails_unread_and_keeps_the_last_good_copy(world) -> None:
    first = world.ingest()
    before = cached_state(world, TREATY)
    path = world.mirror / f"{TREATY}.md"
    # A valid treaty (with a fifth article), padded past the cap with a line of spaces.
    path.write_bytes(with_extra_article(path.read_bytes()) + b" " * (21 * 1024 * 1024))

    report = world.ingest()

    assert statuses(report) == {TREATY: FAILED, PROPOSAL: UNCHANGED, DECLARATION: UNCHANGED}
    assert report.failed[0].message == (
        "the mirror copy is 21.0 MB, over the 20 MB limit; kept the last good copy"
    )
    assert report.exit_code == 1
    assert not report.rebuilt and report.generation == first.generation
    assert cached_state(world, TREATY) == before
    assert len(indexed_passages(world, TREATY)) == TREATY_PASSAGES


def test_a_stray_heading_that_cuts_a_treaty_short_is_held_back(world) -> None:
    world.lengthen_treaty()
    first = world.ingest()
    good = world.library().snapshot().documents[TREATY]
    assert len(good.passages) == LONG_TREATY_PASSAGES
    before = cached_state(world, TREATY)
    world.cut_treaty_short()

    report = world.ingest()

    assert statuses(report) == {TREATY: SUSPICIOUS, PROPOSAL: UNCHANGED, DECLARATION: UNCHANGED}
    assert report.exit_code == 1
    assert report.failed == []
    [held] = report.suspicious
    assert held.passages == LONG_TREATY_PASSAGES
    assert re.match(
        rf"the new copy gives {CUT_SHORT_PASSAGES} passages instead of {LONG_TREATY_PASSAGES} "
        r"\(77% fewer\) and [\d,]+ characters of text instead of [\d,]+ \(\d\d% less\): ",
        held.message,
    ), held.message
    assert held.message.endswith(f"`kb ingest --accept-shrink {TREATY}`")
    assert cached_state(world, TREATY) == before
    assert not report.rebuilt and report.generation == first.generation
    assert read_last_statuses(world.settings)[TREATY]["status"] == SUSPICIOUS

    # Held back again on the next run; a new index still holds the last good document.
    change_the_proposal(world)
    again = world.ingest()
    assert statuses(again)[TREATY] == SUSPICIOUS
    assert again.rebuilt
    assert world.library().snapshot().documents[TREATY].passages == good.passages
    assert len(indexed_passages(world, TREATY)) == LONG_TREATY_PASSAGES
    assert cached_state(world, TREATY) == before


def test_accept_shrink_takes_the_new_copy(world) -> None:
    world.lengthen_treaty()
    world.ingest()
    world.cut_treaty_short()

    report = world.ingest(accept_shrink=[TREATY])

    assert statuses(report) == {TREATY: UPDATED, PROPOSAL: UNCHANGED, DECLARATION: UNCHANGED}
    assert report.exit_code == 0
    result = report.results[0]
    assert result.message.startswith(
        f"accepted a new copy that gives {CUT_SHORT_PASSAGES} passages instead of "
        f"{LONG_TREATY_PASSAGES}"
    )
    assert len(indexed_passages(world, TREATY)) == CUT_SHORT_PASSAGES
    after = world.ingest()
    assert statuses(after)[TREATY] == UNCHANGED
    assert after.exit_code == 0 and after.results[0].message == ""


def test_accept_shrink_of_an_unknown_id_is_a_config_error(world) -> None:
    with pytest.raises(ConfigError, match="--accept-shrink: unknown source id 'nope'"):
        world.ingest(accept_shrink=["nope"])
    assert not world.data_dir.exists()


def document(*texts: str) -> Document:
    passages = [Passage(f"p-{n}", f"Part {n}", text) for n, text in enumerate(texts)]
    return Document(make_source(), STATUS_TEXT, passages)


@pytest.mark.parametrize(
    ("before", "after", "lost"),
    [
        (document(*"abcd"), document("abcd"), ["1 passage instead of 4 (75% fewer)"]),
        (
            document("x" * 900, "y" * 100),
            document("x" * 100, "y" * 100),
            ["200 characters of text instead of 1,000 (80% less)"],
        ),
        (
            document("x" * 1000, "y", "z"),
            document("x"),
            [
                "1 passage instead of 3 (67% fewer)",
                "1 character of text instead of 1,002 (100% less)",
            ],
        ),
        (document(*"abcd"), document(*"ab"), []),  # half is kept: not most of it lost
        (document(*"abcd"), document(*"abcdefgh"), []),
        (Document(make_source(), STATUS_METADATA_ONLY), document("a"), []),
    ],
    ids=["passages", "text", "both", "half", "growth", "no-text-before"],
)
def test_shrinkage_names_what_was_lost(before: Document, after: Document, lost: list[str]) -> None:
    assert shrinkage(before, after) == lost


def test_invalid_utf8_bytes_are_replaced_and_reported_without_failing(world) -> None:
    path = world.mirror / f"{TREATY}.md"
    body = path.read_bytes()
    for word in (b"quickly", b"safety", b"keepers"):
        body = body.replace(word, word[:2] + b"\xff" + word[2:], 1)
    path.write_bytes(body)

    report = world.ingest()

    note = "3 bytes were not valid UTF-8 and were replaced"
    assert statuses(report)[TREATY] == NEW
    assert report.exit_code == 0
    assert report.results[0].message == note
    texts = " ".join(p.text for p in world.library().snapshot().documents[TREATY].passages)
    assert "qu\ufffdickly" in texts and "sa\ufffdfety" in texts
    assert read_last_statuses(world.settings)[TREATY]["message"] == note
    # The cached parse keeps the note: an unchanged run still says so.
    again = world.ingest()
    assert statuses(again)[TREATY] == UNCHANGED
    assert again.results[0].message == note


# An invented second instrument, inserted after the treaty's English text.
OPTIONAL_PROTOCOL = b"""####Optional Protocol to the Convention on Lantern Signals between Harbours

The States Parties to the present Protocol agree that a keeper may ask for a hearing.

### Article  1

Each State Party to the present Protocol shall hear a keeper who asks to be heard.

"""


def test_a_second_instrument_is_reported_and_the_report_kept(world) -> None:
    path = world.mirror / f"{TREATY}.md"
    body = path.read_bytes()
    assert body.count(DUTCH_PART) == 1
    path.write_bytes(body.replace(DUTCH_PART, OPTIONAL_PROTOCOL + DUTCH_PART))

    report = world.ingest()

    note = (
        "the file also holds the Optional Protocol to the Convention on Lantern Signals "
        "between Harbours: 2 passages of its own (op1-...)"
    )
    assert statuses(report)[TREATY] == NEW
    assert report.results[0].message == note
    assert report.results[0].passages == TREATY_PASSAGES + 2
    assert indexed_passages(world, TREATY)[-2:] == [f"{TREATY}.op1-preamble", f"{TREATY}.op1-art-1"]
    assert read_last_statuses(world.settings)[TREATY]["message"] == note
    # The cached parse keeps the note: an unchanged run still says so.
    again = world.ingest()
    assert statuses(again)[TREATY] == UNCHANGED
    assert again.results[0].message == note
