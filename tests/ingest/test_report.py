"""What ingestion tells maintainers (kb/ingest/report.py): the run's table, its summary and
messages, sizes in words, and each source's last status.

The whole run through the ``kb`` command is in tests/test_cli.py; here the report is
rendered from results made by hand, so that each line can be asserted whole.
"""

from __future__ import annotations

import pytest

from kb.ingest.pipeline import FAILED, NEW, SUSPICIOUS, UNCHANGED, IngestReport, SourceResult
from kb.ingest.publish import current_generation
from kb.ingest.report import human_bytes, render_report, source_statuses, table
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from tests.worlds import make_source
from tests.worlds.mirror import DECLARATION, IDS, PROPOSAL, TREATY, World

GENERATION = "g-20300101T000000000000Z-abc123"


def result(
    source_id: str, status: str, passages: int = 0, size: int = 0, message: str = ""
) -> SourceResult:
    """A source's result holding ``passages`` passages (metadata only when none)."""
    source = make_source(source_id)
    held = [Passage(f"art-{n}", f"Article {n}", "The lantern is lit.") for n in range(passages)]
    document = Document(source, STATUS_TEXT if held else STATUS_METADATA_ONLY, held)
    return SourceResult(source, status, document, size=size, message=message)


def lines(report: IngestReport) -> list[str]:
    return render_report(report).split("\n")


# --- table --------------------------------------------------------------------------------


def test_a_table_aligns_its_columns_under_a_rule() -> None:
    rendered = table(("source", "passages"), [("lantern", 5), ("bell", 12)], right=(1,))
    assert rendered.split("\n") == [
        "source   passages",
        "-------  --------",
        "lantern         5",
        "bell           12",
    ]


def test_a_table_has_no_trailing_spaces_and_takes_any_cell() -> None:
    rendered = table(("a", "b"), [("long cell", None), (1, "x")])
    assert rendered.split("\n") == [
        "a          b",
        "---------  ----",
        "long cell  None",
        "1          x",
    ]


def test_a_table_without_rows_is_its_header() -> None:
    assert table(("source", "status"), []) == "source  status\n------  ------"


# --- human_bytes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (1024 * 1024, "1.0 MB"),
        (21 * 1024 * 1024, "21.0 MB"),
        (3 * 1024**3, "3072.0 MB"),
    ],
)
def test_human_bytes(size: int, shown: str) -> None:
    assert human_bytes(size) == shown


# --- the run's report ---------------------------------------------------------------------


def test_the_report_is_a_table_a_summary_and_the_published_index() -> None:
    report = IngestReport(
        [
            result(TREATY, NEW, passages=5, size=4096),
            result(PROPOSAL, UNCHANGED, passages=8, size=2048),
            result(DECLARATION, "no mirror copy"),
        ],
        GENERATION,
        rebuilt=True,
        documents=3,
        passages=13,
    )
    assert lines(report) == [
        "source                status          holds          passages   bytes",
        "--------------------  --------------  -------------  --------  ------",
        "pipeline-treaty       new             text                  5  4.0 KB",
        "pipeline-proposal     unchanged       text                  8  2.0 KB",
        "pipeline-declaration  no mirror copy  metadata-only         0       -",
        "",
        "3 sources: 2 with text, 1 metadata-only, 0 failed; 13 passages, 6.0 KB.",
        f"Published index {GENERATION}: 3 documents, 13 passages.",
    ]


def test_nothing_rebuilt_says_so_and_names_the_kept_index() -> None:
    report = IngestReport([result(TREATY, UNCHANGED, passages=5, size=10)], GENERATION, False)
    assert lines(report)[-2:] == [
        "1 sources: 1 with text, 0 metadata-only, 0 failed; 5 passages, 10 B.",
        f"Nothing changed: index {GENERATION} kept, nothing rebuilt.",
    ]


def test_removed_index_folders_are_counted() -> None:
    report = IngestReport(
        [result(TREATY, NEW, passages=1, size=1)],
        GENERATION,
        rebuilt=True,
        documents=1,
        passages=1,
        cleaned=["g-1", "g-2"],
    )
    assert lines(report)[-1] == "Removed 2 old or unfinished index folders."


def test_failed_suspicious_and_noted_sources_each_get_a_line_in_order() -> None:
    report = IngestReport(
        [
            result("quiet-source", NEW, passages=2, size=100),
            result("noted-source", NEW, passages=2, size=100, message="3 bad bytes replaced"),
            result("failed-source", FAILED, passages=4, message="HTTP 503; kept the copy"),
            result("short-source", SUSPICIOUS, passages=9, message="3 passages instead of 9"),
        ],
        GENERATION,
        rebuilt=True,
        documents=4,
        passages=17,
    )
    rendered = lines(report)
    assert rendered[7] == (
        "4 sources: 4 with text, 0 metadata-only, 1 failed, 1 suspicious; 17 passages, 200 B."
    )
    assert rendered[-3:] == [
        "NOTE noted-source: 3 bad bytes replaced",
        "FAILED failed-source: HTTP 503; kept the copy",
        "SUSPICIOUS short-source: 3 passages instead of 9",
    ]
    assert not any("quiet-source:" in line for line in rendered)
    assert report.exit_code == 1


def test_a_failed_source_keeps_what_the_index_holds_in_the_table() -> None:
    report = IngestReport(
        [result(TREATY, FAILED, passages=5, message="no articles found")], GENERATION, False
    )
    assert lines(report)[2] == "pipeline-treaty  failed  text          5      -"


# --- each source's last status ------------------------------------------------------------


def test_sources_before_any_ingest_are_never_ingested_and_not_indexed(world: World) -> None:
    rows = source_statuses(world.settings)
    assert [row["source"].id for row in rows] == list(IDS)  # manifest order
    assert {
        (row["last_status"], row["message"], row["holds"], row["passages"], row["origin"])
        for row in rows
    } == {("never ingested", None, "not indexed", 0, None)}


def test_sources_after_an_ingest_say_what_the_index_holds(world: World) -> None:
    assert world.ingest().exit_code == 0
    rows = {row["source"].id: row for row in source_statuses(world.settings)}
    assert (rows[TREATY]["last_status"], rows[TREATY]["holds"], rows[TREATY]["passages"]) == (
        NEW,
        STATUS_TEXT,
        5,
    )
    assert rows[TREATY]["origin"] == "mirror" and rows[TREATY]["retrieved_at"].endswith("Z")
    assert (rows[DECLARATION]["holds"], rows[DECLARATION]["retrieved_at"]) == (
        STATUS_METADATA_ONLY,
        None,
    )


def test_sources_take_the_documents_a_server_already_holds(world: World) -> None:
    assert world.ingest().exit_code == 0
    generation = current_generation(world.index_root)
    assert generation is not None
    [treaty] = [d for d in generation.documents() if d.id == TREATY]
    rows = {row["source"].id: row for row in source_statuses(world.settings, {TREATY: treaty})}
    assert (rows[TREATY]["holds"], rows[TREATY]["passages"]) == (STATUS_TEXT, 5)
    assert rows[PROPOSAL]["holds"] == "not indexed"  # not among the documents given
    assert rows[PROPOSAL]["last_status"] == NEW
