"""What a generation knows (kb/search/corpus.py), on the invented corpus of conftest.py."""

from __future__ import annotations

import pytest

from kb.search import Snapshot
from tests.worlds.published import DECLARATION, HARBOUR, LANTERN


def test_passage_by_id(snapshot: Snapshot) -> None:
    document, passage = snapshot.corpus.passage(f"{LANTERN}.art-5")
    assert document.id == LANTERN
    assert passage.anchor == "art-5"
    assert passage.label == "Article 5 – Lights beyond the line"


@pytest.mark.parametrize(
    "passage_id", [f"{LANTERN}.art-99", "nowhere.art-1", f"{DECLARATION}.about", ""]
)
def test_passage_not_there(snapshot: Snapshot, passage_id: str) -> None:
    with pytest.raises(KeyError):
        snapshot.corpus.passage(passage_id)


def test_a_record_is_a_passage_or_what_stands_for_a_document_without_any(
    snapshot: Snapshot,
) -> None:
    corpus = snapshot.corpus
    assert corpus.record(f"{LANTERN}.art-5") == corpus.passage(f"{LANTERN}.art-5")
    document, about = corpus.record(f"{DECLARATION}.about")
    assert document.id == DECLARATION and about == document.about
    assert (about.anchor, about.label, about.text, about.text_available) == (
        "about",
        "Beacon Declaration",
        "",
        False,
    )
    assert corpus.neighbours(f"{DECLARATION}.about") == (None, None)
    assert corpus.position(f"{DECLARATION}.about") == 0
    for missing in (f"{LANTERN}.about", f"{LANTERN}.art-99", "nowhere.about", ""):
        with pytest.raises(KeyError):
            corpus.record(missing)


def test_neighbours_and_position_follow_the_document(snapshot: Snapshot) -> None:
    corpus = snapshot.corpus
    document = corpus.documents[LANTERN]
    first, second, last = document.passages[0], document.passages[1], document.passages[-1]
    assert corpus.neighbours(document.passage_id(first)) == (None, second)
    assert corpus.position(document.passage_id(second)) == 1
    assert corpus.neighbours(document.passage_id(last))[1] is None


def test_articles_by_number_across_instruments(snapshot: Snapshot) -> None:
    both = snapshot.corpus.articles["1"]
    assert f"{LANTERN}.art-1" in both and f"{HARBOUR}.art-1" in both
    assert all(pid.endswith(".art-1") for pid in both)


def test_the_corpus_is_the_searchers(snapshot: Snapshot) -> None:
    """One corpus per generation: the searcher reads the same one, not a copy."""
    assert snapshot.searcher.corpus is snapshot.corpus
    assert snapshot.documents is snapshot.corpus.documents
