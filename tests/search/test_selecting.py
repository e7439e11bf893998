"""Selecting and ordering (kb/search/selecting.py) on a small invented world of its own."""

from __future__ import annotations

import pytest

from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library, SearchRequest, Snapshot, search
from kb.search.themes import Vocabulary
from tests.worlds import make_source
from tests.worlds.published import write_generation

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
