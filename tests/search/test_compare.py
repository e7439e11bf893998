"""Comparing instruments side by side (kb/search/compare.py) on the invented corpus."""

from __future__ import annotations

import pytest

from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from kb.search import InvalidRequest, Library, SearchRequest, Snapshot, search
from kb.search.compare import IGF_COLUMN, MAX_PER_COLUMN, PER_COLUMN, Column, Comparison, compare
from kb.search.themes import Vocabulary
from tests.worlds import make_source
from tests.worlds.published import (
    DECLARATION,
    HARBOUR,
    LANTERN,
    PROPOSAL,
    TRANSCRIPT,
    harbour_treaty,
    lantern_convention,
    write_generation,
)

KEYS = [LANTERN, HARBOUR, IGF_COLUMN]


def columns(comparison: Comparison) -> dict[str, Column]:
    return {column.key: column for column in comparison.columns}


def hit_ids(column: Column) -> list[str]:
    return [hit.id for hit in column.hits]


def alone(
    snapshot: Snapshot, q: str, sources: tuple[str, ...], n: int, **fields: object
) -> list[str]:
    """The first ``n`` hits of ``q`` searched within ``sources`` on its own."""
    request = SearchRequest(q=q, sources=sources, per_page=n, **fields)  # type: ignore[arg-type]
    return [hit.id for hit in search(snapshot, request).hits]


# --- the columns -----------------------------------------------------------------------------


def test_one_column_per_instrument_with_text_then_the_igf_sessions(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="keepers"))
    assert [c.key for c in comparison.columns] == KEYS  # the documents' order, IGF last
    lantern, harbour, igf = comparison.columns
    assert (lantern.title, lantern.short_title) == (
        "Convention on Lantern Keeping",
        "Lantern Convention",
    )
    assert [d.id for d in lantern.documents] == [LANTERN]
    assert lantern.source == LANTERN
    assert (harbour.title, harbour.short_title, harbour.source) == (
        "Treaty on Harbour Signals",
        "Harbour Treaty",
        HARBOUR,
    )
    assert (igf.title, igf.short_title, igf.source) == ("IGF sessions", "IGF sessions", None)
    assert [d.id for d in igf.documents] == [PROPOSAL, TRANSCRIPT]


def test_metadata_only_instruments_are_listed_apart(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="beacon"))
    assert [d.id for d in comparison.not_held] == [DECLARATION]
    assert DECLARATION not in columns(comparison)
    # the overall search still finds the declaration by its title
    assert [hit.id for hit in comparison.overall.hits] == [f"{DECLARATION}.about"]
    assert all(column.total == 0 for column in comparison.columns)


def test_each_column_holds_its_own_best_passages(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="keepers"), per_column=MAX_PER_COLUMN)
    by_key = columns(comparison)
    assert by_key[LANTERN].total == 6
    assert by_key[HARBOUR].total == 2
    assert by_key[IGF_COLUMN].total == 4
    assert sum(c.total for c in comparison.columns) == comparison.overall.total == 12
    for key in (LANTERN, HARBOUR):
        assert {h.document.id for h in by_key[key].hits} == {key}
        assert hit_ids(by_key[key]) == alone(snapshot, "keepers", (key,), MAX_PER_COLUMN)
    # the IGF column ranks the proposal's and the transcript's passages together
    igf = by_key[IGF_COLUMN]
    assert {h.document.id for h in igf.hits} == {PROPOSAL, TRANSCRIPT}
    assert hit_ids(igf) == alone(snapshot, "keepers", (PROPOSAL, TRANSCRIPT), MAX_PER_COLUMN)


def test_column_hits_are_explained(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="MLA"))
    article = columns(comparison)[LANTERN].hits[0]
    assert article.id == f"{LANTERN}.art-4"
    assert article.explanation.summary.startswith("“mutual assistance” in the heading")
    assert "(theme Mutual legal assistance)" in article.explanation.summary


@pytest.mark.parametrize("per_column", [1, 2, PER_COLUMN, MAX_PER_COLUMN])
def test_per_column_is_respected(snapshot: Snapshot, per_column: int) -> None:
    comparison = compare(snapshot, SearchRequest(q="keepers"), per_column=per_column)
    for column in comparison.columns:
        assert len(column.hits) == min(per_column, column.total)
        assert column.result.request.per_page == per_column
        assert column.result.request.page == 1
    assert len(columns(comparison)[LANTERN].hits) == min(per_column, 6)


def test_three_passages_a_column_by_default(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="keepers"))
    assert [len(c.hits) for c in comparison.columns] == [PER_COLUMN, 2, PER_COLUMN]


def test_paging_and_sources_of_the_request_do_not_narrow_the_comparison(
    snapshot: Snapshot,
) -> None:
    request = SearchRequest(q="keepers", sources=(HARBOUR,), page=3, per_page=1)
    comparison = compare(snapshot, request)
    assert comparison.request == request
    assert [c.key for c in comparison.columns] == KEYS
    assert columns(comparison)[LANTERN].total == 6
    assert len(columns(comparison)[LANTERN].hits) == PER_COLUMN


# --- gaps ------------------------------------------------------------------------------------


def test_an_instrument_without_a_match_has_an_empty_column(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="pennants"))
    by_key = columns(comparison)
    assert [c.key for c in comparison.columns] == KEYS  # the gaps are shown, not dropped
    assert hit_ids(by_key[HARBOUR]) == [f"{HARBOUR}.art-2"]
    for key in (LANTERN, IGF_COLUMN):
        assert by_key[key].total == 0
        assert by_key[key].hits == ()


def test_a_theme_alone_compares_the_instruments(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(theme="mla"))
    by_key = columns(comparison)
    assert hit_ids(by_key[LANTERN]) == [f"{LANTERN}.art-4"]
    assert by_key[HARBOUR].total == 0  # the harbour treaty is silent on assistance
    assert hit_ids(by_key[IGF_COLUMN]) == [f"{TRANSCRIPT}.turns-1"]
    for column in comparison.columns:
        assert column.result.request.theme == "mla"


def test_query_and_theme_together(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="keepers", theme="cross-border"))
    by_key = columns(comparison)
    assert hit_ids(by_key[LANTERN]) == [f"{LANTERN}.art-5"]
    assert by_key[HARBOUR].total == 0
    assert hit_ids(by_key[IGF_COLUMN]) == [f"{PROPOSAL}.policy-questions"]


def test_no_igf_column_without_igf_sessions(
    tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary
) -> None:
    root = tmp_path_factory.mktemp("treaties-only")
    write_generation(root, [lantern_convention(), harbour_treaty()])
    comparison = compare(Library(root, vocabulary).snapshot(), SearchRequest(q="keepers"))
    assert [c.key for c in comparison.columns] == [LANTERN, HARBOUR]
    assert comparison.not_held == ()


# --- the whole search, counted --------------------------------------------------------------


def adds_up(comparison: Comparison) -> bool:
    """The columns' totals and the matches elsewhere make the overall total."""
    elsewhere = sum(total for _, total in comparison.elsewhere)
    return sum(c.total for c in comparison.columns) + elsewhere == comparison.overall.total


def test_a_match_in_a_document_known_by_its_metadata_is_counted_apart(
    snapshot: Snapshot,
) -> None:
    """The declaration has no text and no column; its title matches, and is counted."""
    comparison = compare(snapshot, SearchRequest(q="beacon OR keepers"))
    assert [(d.id, total) for d, total in comparison.elsewhere] == [(DECLARATION, 1)]
    assert comparison.overall.total == 13
    assert adds_up(comparison)
    nothing_apart = compare(snapshot, SearchRequest(q="keepers"))
    assert nothing_apart.elsewhere == ()
    assert adds_up(nothing_apart)


def test_a_commentary_and_a_session_known_by_metadata_are_counted_apart(
    tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary
) -> None:
    """An explanatory report has no column of its own, nor has a session without text."""
    report = make_source(
        "lantern-report",
        kind="explanatory-report",
        title="Explanatory Report to the Convention on Lantern Keeping",
        short_title="Lantern Report",
        year=2001,
    )
    session = make_source(
        "keepers-session",
        kind="igf-transcript",
        title="Transcript: keepers of the lights",
        short_title="IGF 2003 WS 1",
        year=2003,
    )
    paragraphs = [
        Passage("para-1", "Paragraph 1", "The keepers asked for a convention of their own."),
        Passage("para-2", "Paragraph 2", "Article 2 keeps the keepers calm in storms."),
    ]
    root = tmp_path_factory.mktemp("with-a-report")
    write_generation(
        root,
        [
            lantern_convention(),
            Document(report, STATUS_TEXT, paragraphs),
            Document(session, STATUS_METADATA_ONLY, []),
        ],
    )
    snapshot = Library(root, vocabulary).snapshot()
    comparison = compare(snapshot, SearchRequest(q="keepers"))
    assert [c.key for c in comparison.columns] == [LANTERN]
    assert [(d.id, total) for d, total in comparison.elsewhere] == [
        ("lantern-report", 2),
        ("keepers-session", 1),
    ]
    assert comparison.overall.total == 6 + 2 + 1
    assert adds_up(comparison)
    assert adds_up(compare(snapshot, SearchRequest(theme="mla")))


# --- one question for every column -----------------------------------------------------------


def test_a_typo_corrected_for_the_whole_is_corrected_in_every_column(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="lanterm"), per_column=MAX_PER_COLUMN)
    overall = comparison.overall
    assert overall.searched_instead == "lantern"
    assert "no passage matched 'lanterm'; showing results for 'lantern'" in overall.notes
    by_key = columns(comparison)
    for column in comparison.columns:
        assert column.result.request.q == "lantern"
        assert column.total > 0
    assert by_key[LANTERN].total == 9
    assert hit_ids(by_key[HARBOUR]) == alone(snapshot, "lantern", (HARBOUR,), MAX_PER_COLUMN)
    assert hit_ids(by_key[IGF_COLUMN]) == alone(
        snapshot, "lantern", (PROPOSAL, TRANSCRIPT), MAX_PER_COLUMN
    )
    assert sum(c.total for c in comparison.columns) == overall.total == 13


def test_a_typo_only_suggested_for_the_whole_is_searched_as_typed(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="lanterm OR pennants"))
    assert comparison.overall.suggestion == "lantern OR pennants"
    assert comparison.overall.searched_instead is None
    by_key = columns(comparison)
    assert hit_ids(by_key[HARBOUR]) == [f"{HARBOUR}.art-2"]
    assert by_key[LANTERN].total == 0  # "lanterm" is not corrected in one column only
    for column in comparison.columns:
        assert column.result.request.q == "lanterm OR pennants"


def test_a_theme_shown_for_the_whole_is_shown_in_every_column(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="letters rogatory"))
    assert comparison.overall.answered is not None
    assert comparison.overall.answered.theme == "mla"
    by_key = columns(comparison)
    for column in comparison.columns:
        assert column.result.request.theme == "mla"
        assert column.result.request.q == ""
    assert hit_ids(by_key[LANTERN]) == [f"{LANTERN}.art-4"]
    assert hit_ids(by_key[IGF_COLUMN]) == [f"{TRANSCRIPT}.turns-1"]
    assert by_key[HARBOUR].hits == ()


def test_the_overall_result_is_the_search_over_everything(snapshot: Snapshot) -> None:
    comparison = compare(snapshot, SearchRequest(q="logbooks"), per_column=2)
    overall = comparison.overall
    assert overall.total == 4
    assert overall.read_as == "logbooks"
    assert [h.id for h in overall.hits] == alone(snapshot, "logbooks", (), 2)


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "per_column", "param"),
    [
        (SearchRequest(), PER_COLUMN, "q"),
        (SearchRequest(q="   "), PER_COLUMN, "q"),
        (SearchRequest(q="keepers"), 0, "per_column"),
        (SearchRequest(q="keepers"), -1, "per_column"),
        (SearchRequest(q="keepers"), MAX_PER_COLUMN + 1, "per_column"),
        (SearchRequest(theme="mla"), MAX_PER_COLUMN + 1, "per_column"),
        (SearchRequest(q="keepers", theme="tides"), PER_COLUMN, "theme"),
        (SearchRequest(q="keepers", kinds=("pamphlet",)), PER_COLUMN, "kind"),
        (SearchRequest(q="keepers", sort="alphabetical"), PER_COLUMN, "sort"),
    ],
)
def test_invalid_comparisons(
    snapshot: Snapshot, request_: SearchRequest, per_column: int, param: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        compare(snapshot, request_, per_column)
    assert caught.value.param == param


def test_the_error_messages_say_what_to_give(snapshot: Snapshot) -> None:
    with pytest.raises(InvalidRequest) as caught:
        compare(snapshot, SearchRequest())
    assert "q" in caught.value.message and "theme" in caught.value.message
    with pytest.raises(InvalidRequest) as caught:
        compare(snapshot, SearchRequest(q="keepers"), MAX_PER_COLUMN + 1)
    assert str(MAX_PER_COLUMN) in caught.value.message
