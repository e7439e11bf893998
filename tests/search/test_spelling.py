"""'Did you mean' (kb/search/spelling.py) over the invented corpus of conftest.py."""

from __future__ import annotations

import pytest

from kb.search import Snapshot
from kb.search.spelling import MIN_LENGTH, Spelling


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
