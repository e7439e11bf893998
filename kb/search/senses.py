"""The thesaurus as the reader uses it: each label's sense, ready to match.

A panelist types "cracking"; the thesaurus (:mod:`kb.search.thesaurus`) knows it as
a label of the concept "illegal access", which the instruments hold in Budapest
Convention Article 2. Here each label's index terms are tied to a
:class:`~kb.search.matching.Sense`: the concept's other phrasings as index terms
(the expansions a search also looks for, weighing less than the words typed) and a
gloss naming what the instruments call it, for the reading and the explanations.
"""

from __future__ import annotations

from collections.abc import Iterable

from kb.search.corpus import Corpus
from kb.search.matching import Sense, phrase_terms
from kb.search.thesaurus import Concept, LabelKey, Thesaurus


def senses(thesaurus: Thesaurus, corpus: Corpus) -> dict[LabelKey, Sense]:
    """Every label of the thesaurus and the sense it leads to."""
    found = {concept.id: _sense(thesaurus, concept, corpus) for concept in thesaurus}
    return {key: found[concept_id] for key, concept_id in thesaurus.label_keys.items()}


def _sense(thesaurus: Thesaurus, concept: Concept, corpus: Corpus) -> Sense:
    """A concept the instruments have no term for ("data localisation") is searched
    through their terms for its related concepts too ("transborder flows")."""
    expansions = _terms(thesaurus.expansions(concept.id))
    related = () if concept.instrument_terms else _related_terms(thesaurus, concept)
    related = tuple(r for r in related if r not in expansions)
    # a gloss says nothing to whoever typed the very name it gives
    where = held_in(concept, corpus)
    names = {called(concept)} if where else {called(concept), concept.pref}
    return Sense(
        concept.id,
        expansions,
        _glossed(concept, where),
        frozenset(map(phrase_terms, names)),
        related,
        concept.articles,
    )


def _related_terms(thesaurus: Thesaurus, concept: Concept) -> tuple[tuple[str, ...], ...]:
    return _terms(
        term for other in thesaurus.related(concept.id) for term in other.instrument_terms
    )


def _terms(phrases: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(dict.fromkeys(terms for terms in map(phrase_terms, phrases) if terms))


def called(concept: Concept) -> str:
    """The name the instruments give the concept: their first term for it, or its own."""
    return concept.instrument_terms[0] if concept.instrument_terms else concept.pref


def held_in(concept: Concept, corpus: Corpus) -> str | None:
    """The first of the concept's articles that the corpus holds: "Budapest Convention
    Article 2"; None if it holds none."""
    for article in concept.articles:
        try:
            document, passage = corpus.passage(article)
        except KeyError:
            continue
        return f"{document.source.short_title} {passage.label.split(' – ')[0]}"
    return None


def gloss(concept: Concept, corpus: Corpus) -> str:
    """What the instruments call the concept, and where: "what Budapest Convention
    Article 2 calls “illegal access”"; its preferred term where no article is known."""
    return _glossed(concept, held_in(concept, corpus))


def _glossed(concept: Concept, where: str | None) -> str:
    if where is None:
        return f"the concept “{concept.pref}”"
    return f"what {where} calls “{called(concept)}”"
