"""Reading a query through the thesaurus: everyday words find what the instruments say.

On the invented world of ``tests/worlds/published.py`` and its invented thesaurus:
"hush" and "noise curfew" are labels of the concept "calm at night", which the Lantern
Convention calls "quietude" (its Article 2) and the Harbour Treaty "quiet hours".
"""

from __future__ import annotations

import pytest

from kb.search import SearchRequest, SearchResult, Snapshot, search
from kb.search.matching import EXPANSION_WEIGHT
from tests.worlds.published import HARBOUR, LANTERN, PROPOSAL

QUIETUDE = {f"{LANTERN}.art-2", f"{LANTERN}.art-6", f"{PROPOSAL}.policy-questions"}
QUIET_HOURS = f"{HARBOUR}.art-3"


def run(snapshot: Snapshot, q: str) -> SearchResult:
    return search(snapshot, SearchRequest(q=q, per_page=50))


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize("q", ["hush", "Hush", "noise curfew", "noise-curfews"])
def test_an_everyday_word_finds_what_the_instruments_call_it(snapshot: Snapshot, q: str) -> None:
    result = run(snapshot, q)
    assert set(ids(result)) == {*QUIETUDE, QUIET_HOURS}


def test_the_reading_says_what_the_instruments_call_it(snapshot: Snapshot) -> None:
    result = run(snapshot, "hush")
    gloss = "“hush”: what Lantern Convention Article 2 calls “quietude”"
    assert any(note.startswith(gloss) for note in result.notes)


def test_no_gloss_when_the_word_typed_is_the_instruments_own(snapshot: Snapshot) -> None:
    assert not any("calls" in note for note in run(snapshot, "quietude").notes)
    assert any("calls" in note for note in run(snapshot, "calm at night").notes)


def test_the_explanation_names_the_concept(snapshot: Snapshot) -> None:
    hit = next(h for h in run(snapshot, "hush").hits if h.id == QUIET_HOURS)
    [reason] = hit.explanation.reasons
    assert (reason.how, reason.concept, reason.matched) == (
        "thesaurus",
        "calm",
        ("quiet hours",),
    )
    assert reason.text == (
        "“quiet hours” in the heading: “hush” is what Lantern Convention Article 2 calls “quietude”"
    )


def test_an_expansion_weighs_less_than_the_words_typed(snapshot: Snapshot) -> None:
    article = f"{LANTERN}.art-6"  # it says "quietude"
    typed = next(h for h in run(snapshot, "quietude").hits if h.id == article)
    expanded = next(h for h in run(snapshot, "hush").hits if h.id == article)
    assert expanded.score == pytest.approx(EXPANSION_WEIGHT * typed.score, abs=1e-3)


def test_the_words_typed_mark_the_text_and_so_do_the_expansions(snapshot: Snapshot) -> None:
    result = run(snapshot, "hush")
    assert {("quietud",), ("quiet", "hour")} <= result.marks


def test_a_label_of_several_words_is_one_concept(snapshot: Snapshot) -> None:
    result = run(snapshot, "log freeze")
    assert ids(result)[0] == f"{LANTERN}.art-3"
    assert result.read_as.startswith("log freeze")
    assert any("Lantern Convention Article 3" in note for note in result.notes)


def test_the_articles_the_thesaurus_lists_rank_with_the_best_whatever_their_words(
    snapshot: Snapshot,
) -> None:
    # Harbour Treaty Article 6 says "stays awake"; Lantern Convention Article 6 has none of
    # the concept's words, but the thesaurus lists it
    result = run(snapshot, "night watch")
    assert ids(result)[:2] == [f"{HARBOUR}.art-6", f"{LANTERN}.art-6"]
    listed = result.hits[1]
    [reason] = listed.explanation.reasons
    assert reason.text == (
        "the thesaurus lists this provision for “night watch”, "
        "what Harbour Treaty Article 6 calls “stays awake”"
    )
