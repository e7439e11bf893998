"""Questions read as questions: stop and question words, years and kind words.

Unit tests of ``kb/search/wording.py``, then searches on the invented world of
``tests/worlds/published.py`` (the Lantern Convention of 2001, the Harbour Treaty
of 2016, a 2019 workshop proposal and a 2021 transcript).
"""

from __future__ import annotations

import pytest

from kb.search import SearchRequest, SearchResult, Snapshot, search
from kb.search.matching import Concept, Sense
from kb.search.query import filters_in_force
from kb.search.terms import stems
from kb.search.wording import STOP_WORDS, word_out
from tests.worlds.published import LANTERN, PROPOSAL, TRANSCRIPT

YEARS = frozenset({2001, 2016, 2019, 2021})


def concepts(*typed: str) -> list[Concept]:
    return [Concept(word, (stems(word),)) for word in typed]


def labels(found: tuple[Concept, ...]) -> list[str]:
    return [c.label for c in found]


def test_question_and_common_words_are_left_out() -> None:
    wording = word_out(concepts("which", "keepers", "talked", "about", "lanterns"), YEARS)
    assert labels(wording.concepts) == ["keepers", "lanterns"]
    assert wording.dropped == ("which", "talked", "about")


def test_a_year_the_corpus_knows_is_a_filter_and_others_stay_words() -> None:
    wording = word_out(concepts("keepers", "2016", "1999"), YEARS)
    assert labels(wording.concepts) == ["keepers", "1999"]
    assert wording.years == (2016,)


def test_kind_words_are_a_preference() -> None:
    wording = word_out(concepts("keepers", "Workshop", "treaty"), YEARS)
    assert labels(wording.concepts) == ["keepers"]
    assert wording.kinds == ("igf-proposal", "igf-transcript", "treaty")
    assert wording.kind_words == ("Workshop", "treaty")


def test_words_within_a_label_or_a_synonym_stay() -> None:
    sense = Sense("mlat", (stems("mutual legal assistance treaty"),), "the concept")
    label = Concept("legal assistance treaty", (stems("legal assistance treaty"),), sense=sense)
    synonym = Concept("session", (("session",), ("panel",)))
    wording = word_out([label, synonym, *concepts("which")], YEARS)
    assert wording.concepts == (label, synonym)


def test_only_such_words_are_searched_as_words_unless_a_year_is_among_them() -> None:
    assert labels(word_out(concepts("the", "what", "treaty"), YEARS).concepts) == ["treaty"]
    wording = word_out(concepts("2016", "workshop"), YEARS)
    assert (wording.concepts, wording.years) == ((), (2016,))


def test_the_stop_list_keeps_words_that_mean_something_here() -> None:
    assert not STOP_WORDS & {"data", "access", "user", "law", "rights", "request", "state"}


# --- on the invented world ---------------------------------------------------------------------


def run(snapshot: Snapshot, q: str) -> SearchResult:
    return search(snapshot, SearchRequest(q=q, per_page=50))


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


@pytest.mark.parametrize("q", ["what about quietude", "which is the quietude", "quietude please"])
def test_a_question_finds_what_its_words_find(snapshot: Snapshot, q: str) -> None:
    asked, plain = run(snapshot, q), run(snapshot, "quietude")
    assert ids(asked) == ids(plain)
    assert asked.read_as == "quietude" and asked.mode == "all"
    assert any(note.startswith("question and common words left out") for note in asked.notes)


def test_stop_words_never_match_alone(snapshot: Snapshot) -> None:
    # without the stop list "which" and "about" would be words that no passage holds, and
    # "most of the words" would be decided by them
    result = run(snapshot, "which keepers about logbooks")
    assert ids(result) == ids(run(snapshot, "keepers logbooks"))
    assert result.read_as == "keepers OR logbooks"


def test_a_year_in_the_query_filters_and_the_reading_shows_it(snapshot: Snapshot) -> None:
    result = run(snapshot, "who keeps the lantern in 2019")
    assert ids(result) == [f"{PROPOSAL}.policy-questions"]
    assert result.read_as == "keeps AND lantern year:2019"


def test_a_quoted_year_is_a_word_again(snapshot: Snapshot) -> None:
    result = run(snapshot, 'lantern "2019"')
    assert result.read_as == 'lantern AND "2019"'
    assert not any("year filter" in note for note in result.notes)


def test_a_kind_word_puts_that_kind_first_without_hiding_the_rest(snapshot: Snapshot) -> None:
    result = run(snapshot, "what did the session say about logbooks")
    sources = [hit.document.id for hit in result.hits]
    assert sources[:2] == sorted([TRANSCRIPT, PROPOSAL], key=sources.index)
    assert f"{LANTERN}.art-3" in ids(result)
    assert "[igf-proposal, igf-transcript first]" in result.read_as


def test_a_year_and_a_kind_word_browse_that_year(snapshot: Snapshot) -> None:
    result = run(snapshot, "2019 workshop")
    assert result.mode == "browse"
    assert {hit.document.id for hit in result.hits} == {PROPOSAL}


def test_years_typed_as_words_span_a_range_and_are_filters_in_force(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers lantern 2016 2019")
    assert result.read_as == "keepers AND lantern year:2016..2019"
    assert result.years_read == (2016, 2019)
    assert {hit.document.source.year for hit in result.hits} <= {2016, 2019}
    assert filters_in_force(result.request, result.years_read)["year"] == [2016, 2019]
    narrowed = SearchRequest(q="keepers 2016 2019", years=(2018, 2021))
    assert filters_in_force(narrowed, (2016, 2019))["year"] == [2018, 2019]


def test_a_year_and_a_kind_word_are_each_named_once(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers 2019 workshop")
    assert result.read_as == "keepers year:2019 [igf-proposal, igf-transcript first]"
    year, kind = (n for n in result.notes if "read as" in n)
    assert year == "“2019” read as the year filter year:2019; quote a year to search the number"
    assert kind.startswith("“workshop” read as a preference: IGF workshop proposal and")
