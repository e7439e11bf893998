"""The thesaurus's labels as the reader's senses (``kb/search/senses.py``)."""

from __future__ import annotations

from pathlib import Path

from kb.search import Snapshot
from kb.search.senses import gloss, senses
from kb.search.terms import stems
from kb.search.thesaurus import Concept
from tests.worlds.published import write_thesaurus


def concept(articles: tuple[str, ...], instrument_terms: tuple[str, ...] = ()) -> Concept:
    return Concept("lamps", "powers", "lamp care", (), (), instrument_terms, articles, "invented")


def test_every_label_leads_to_its_concepts_sense(snapshot: Snapshot, tmp_path: Path) -> None:
    found = senses(write_thesaurus(tmp_path), snapshot.corpus)
    assert found[stems("noise curfew")] is found[stems("hush")] is found[stems("calm at night")]
    sense = found[stems("log freeze")]
    assert sense.concept_id == "logbook-preservation"
    assert sense.expansions == (
        stems("preservation of logbooks"),
        stems("log freeze"),
        stems("logbook hold"),
        stems("preserve their logbooks"),
    )


def test_the_gloss_names_the_first_article_the_corpus_holds(snapshot: Snapshot) -> None:
    corpus = snapshot.corpus
    found = concept(("nowhere.art-1", "lantern-convention.art-7"), ("repair a broken wick",))
    assert gloss(found, corpus) == "what Lantern Convention Article 7 calls “repair a broken wick”"


def test_without_an_article_the_gloss_is_the_preferred_term(snapshot: Snapshot) -> None:
    assert gloss(concept(("nowhere.art-1",)), snapshot.corpus) == "the concept “lamp care”"
