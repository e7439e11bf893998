"""Selecting and ordering (kb/search/selecting.py) on a small invented world of its own."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library, SearchRequest, Snapshot, search
from kb.search.selecting import collapse
from kb.search.themes import Vocabulary
from tests.worlds import make_source
from tests.worlds.published import LANTERN, write_generation

WAYS = "harbour-ways"
NOTE = "The source gives this article's heading only: it amends the Harbour Treaty."


@pytest.fixture(scope="module")
def ways(tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary) -> Snapshot:
    """A treaty whose Article 1 is a heading without text, and whose Articles 2 to 4 hold
    the words "signal" and "lamps" together, apart and often, and once."""
    passages = [
        Passage("art-1", "Article 1 – Signal lamps at night", "", text_available=False, note=NOTE),
        Passage(
            "art-2",
            "Article 2 – Keeping",
            "The lamps are trimmed; lamps are kept dry; lamps give the signal, and the "
            "signal is watched.",
        ),
        Passage(
            "art-3",
            "Article 3 – Rules",
            "A signal lamps rule applies in every port of the coast, at each pier and each "
            "quay, from the first night of the winter season to the last night of spring.",
        ),
        Passage("art-4", "Article 4 – Night", "The night watch keeps the signal."),
    ]
    source = make_source(WAYS, title="Treaty on Harbour Ways")
    root = tmp_path_factory.mktemp("ways")
    write_generation(root, [Document(source, STATUS_TEXT, passages)])
    return Library(root, vocabulary).snapshot()


def ranked(snapshot: Snapshot, q: str) -> list[str]:
    return [hit.id for hit in search(snapshot, SearchRequest(q=q, per_page=100)).hits]


def test_a_heading_without_its_text_never_ranks_above_a_text_that_matches(
    ways: Snapshot,
) -> None:
    """Its heading alone holds both words, weighed three times; still it comes last."""
    order = ranked(ways, "signal lamps")
    assert order[-1] == f"{WAYS}.art-1"
    hit = next(h for h in search(ways, SearchRequest(q="signal lamps")).hits if h.id.endswith("1"))
    assert hit.snippet == NOTE  # and the hit says why it has no text


def test_words_typed_together_rank_the_passages_holding_them_together_first(
    ways: Snapshot,
) -> None:
    """Article 2 holds "lamps" three times and "signal" twice, apart; Article 3, longer,
    holds "signal lamps" once: the phrase comes first, the words apart next."""
    order = ranked(ways, "signal lamps")
    assert order.index(f"{WAYS}.art-3") < order.index(f"{WAYS}.art-2")
    scores = {h.id: h.score for h in search(ways, SearchRequest(q="signal lamps")).hits}
    assert scores[f"{WAYS}.art-2"] > scores[f"{WAYS}.art-3"]  # by the words alone, 2 first
    assert ranked(ways, "lamps signal")[0] == f"{WAYS}.art-2"  # not the phrase as typed


# --- at most two passages of a document on the first page --------------------------------------


def test_collapse_keeps_two_a_document_on_the_first_page_and_moves_the_rest_after_it() -> None:
    ranked = np.arange(7)
    codes = np.array([0, 0, 0, 1, 0, 2, 1])  # documents A, A, A, B, A, C, B
    order, more = collapse(ranked, codes, ["A", "B", "C"], per_page=4)
    assert order.tolist() == [0, 1, 3, 5, 2, 4, 6]
    assert more == {"A": 2}  # B's second passage is on page 2 by rank, not moved


def test_collapse_fills_the_page_when_too_few_documents_match() -> None:
    order, more = collapse(np.arange(4), np.array([0, 0, 0, 1]), ["A", "B"], per_page=10)
    assert order.tolist() == [0, 1, 3, 2]
    assert more == {}


def test_collapse_looks_far_down_a_long_ranking_for_another_document() -> None:
    """The page is filled from the head of the ranking a window at a time (windows grow),
    so a second document ranked 61st still makes the first page."""
    codes = np.array([0] * 60 + [1] * 40)  # 60 passages of A, then 40 of B
    ranked = np.arange(100)[::-1]  # ranked from the last record: B's come first
    order, more = collapse(ranked, codes, ["A", "B"], per_page=4)
    assert order[:4].tolist() == [99, 98, 59, 58]
    assert sorted(order.tolist()) == list(range(100))  # every passage still follows
    assert more == {"B": 38, "A": 58}


def test_collapse_fills_a_page_from_one_document_after_the_others_run_out() -> None:
    codes = np.array([0] * 30 + [1])
    order, more = collapse(np.arange(31), codes, ["A", "B"], per_page=5)
    assert order[:5].tolist() == [0, 1, 30, 2, 3]
    assert more == {"A": 26}  # 30 of A, 4 of them on the first page


def pages(snapshot: Snapshot, q: str, per_page: int, **fields: object) -> list[list[str]]:
    found, page = [], 1
    while True:
        request = SearchRequest(q=q, per_page=per_page, page=page, **fields)  # type: ignore[arg-type]
        hits = [hit.id for hit in search(snapshot, request).hits]
        if not hits:
            return found
        found.append(hits)
        page += 1


def test_the_first_page_shows_two_passages_a_document_and_paging_reaches_all(
    snapshot: Snapshot,
) -> None:
    every = pages(snapshot, "keepers", 50)[0]
    first, *rest = pages(snapshot, "keepers", 5)
    documents = Counter(passage_id.partition(".")[0] for passage_id in first)
    assert max(documents.values()) == 2
    assert sorted(first + [i for page in rest for i in page]) == sorted(every)
    result = search(snapshot, SearchRequest(q="keepers", per_page=5))
    lantern = [i for i in every if i.startswith(LANTERN)]
    assert result.collapsed[LANTERN] == len(lantern) - documents[LANTERN]


def test_no_collapse_within_one_source_or_in_year_order(snapshot: Snapshot) -> None:
    within = search(snapshot, SearchRequest(q="keepers", per_page=5, sources=(LANTERN,)))
    assert len(within.hits) == 5 and within.collapsed == {}
    by_year = search(snapshot, SearchRequest(q="keepers", per_page=5, sort="year_asc"))
    assert [hit.document.id for hit in by_year.hits[:3]] == [LANTERN] * 3
    assert by_year.collapsed == {}
