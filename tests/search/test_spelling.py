"""'Did you mean' (kb/search/spelling.py) over the invented corpus of conftest.py."""

from __future__ import annotations

import random
import string
import time

import pytest

from kb.search import SearchRequest, Snapshot, search
from kb.search.spelling import MAX_LENGTH, MIN_LENGTH, Spelling


@pytest.fixture(scope="module")
def spelling(snapshot: Snapshot) -> Spelling:
    return snapshot.searcher.spelling


@pytest.mark.parametrize(
    ("word", "correction"),
    [
        ("lanterm", "lantern"),  # one substitution
        ("Lanterm", "lantern"),  # case is folded
        ("lantérm", "lantern"),  # so are accents
        ("lantren", "lantern"),  # a transposition: two edits, in a long word
        ("laxtxrn", "lantern"),  # two edits in a long word
        ("keepr", "keeper"),  # one deletion
        ("quietdue", "quietude"),
        ("pilotz", "pilots"),
    ],
)
def test_corrections(spelling: Spelling, word: str, correction: str) -> None:
    assert spelling.correct(word) == correction


def test_the_most_frequent_of_equally_near_words_wins(spelling: Spelling) -> None:
    # "flagz" is one edit from "flags" (label and two texts) and from "flag" (one text)
    assert spelling.correct("flagz") == "flags"


@pytest.mark.parametrize(
    "word",
    [
        "lantern",  # known
        "Keepers",  # known, in another case
        "ada",  # too short
        "lnt",
        "lant3rn",  # not only letters
        "fxxgs",  # two edits in a word shorter than six letters
        "zzzzzzzz",  # nothing near
        "mantern",  # the first letter is never corrected
    ],
)
def test_no_correction(spelling: Spelling, word: str) -> None:
    assert spelling.correct(word) is None


def test_words_from_titles_labels_and_people_are_known(spelling: Spelling) -> None:
    assert "millstones" not in spelling.known
    for word in ("harbour", "quietude", "quill", "beacon", "signals"):
        assert word in spelling.known, word


def test_min_length_is_respected(spelling: Spelling) -> None:
    assert MIN_LENGTH == 4
    assert spelling.correct("wickk") == "wick"
    assert spelling.correct("wic") is None  # one edit from "wick", but too short


def test_the_longest_word_still_corrected_and_the_next_not(spelling: Spelling) -> None:
    """Past MAX_LENGTH letters a "word" is no typo, and its automaton costs milliseconds."""
    typo = "lanterm" * 3  # 21 letters: one edit from nothing, but never even looked up
    assert not spelling.correctable(typo)
    assert not spelling.correctable("l" + "a" * MAX_LENGTH)
    assert spelling.correctable("l" + "a" * (MAX_LENGTH - 1))
    assert spelling.correct("q" * 999) is None


def test_a_lookup_needs_no_index_reader(spelling: Spelling) -> None:
    """Corrections come from the words read when the generation opened: no reader, no lock,
    so a slow lookup never holds up another query's postings."""
    copy = Spelling(dict(spelling.frequencies), ())
    assert copy.correct("lanterm") == "lantern"
    assert copy.correct("flagz") == "flags"


def test_hostile_words_are_answered_quickly(snapshot: Snapshot) -> None:
    """ "s" and 998 random letters took 440-560 ms in Whoosh's fuzzy lookup; a query of 24
    random 40-letter words about 210 ms. Each must be a few milliseconds now (bounded
    here at 50 ms, the median of five, each a new query)."""
    rng = random.Random(5)
    queries = [
        "s" + "".join(rng.choices(string.ascii_lowercase, k=998)),
        " ".join("".join(rng.choices(string.ascii_lowercase, k=40)) for _ in range(24)),
        " ".join("".join(rng.choices(string.ascii_lowercase, k=MAX_LENGTH)) for _ in range(3)),
    ]
    for query in queries:
        took = []
        for n in range(5):
            started = time.perf_counter()
            search(snapshot, SearchRequest(q=f"{query} {'z' * (n + 1)}"))
            took.append(time.perf_counter() - started)
        assert sorted(took)[2] < 0.050, (query[:40], took)
