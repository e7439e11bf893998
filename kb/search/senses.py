"""The thesaurus as the reader uses it: each label's sense, ready to match.

A panelist types "cracking"; the thesaurus (:mod:`kb.search.thesaurus`) knows it as
a label of the concept "illegal access", which the instruments hold in Budapest
Convention Article 2. Here each label's index terms are tied to a
:class:`~kb.search.matching.Sense`: the concept's other phrasings as index terms
(the expansions a search also looks for, weighing less than the words typed) and a
gloss naming what the instruments call it, for the reading and the explanations.
"""

from __future__ import annotations

from kb.search.corpus import Corpus
from kb.search.matching import Sense, phrase_terms
from kb.search.thesaurus import Concept, LabelKey, Thesaurus


def senses(thesaurus: Thesaurus, corpus: Corpus) -> dict[LabelKey, Sense]:
    """Every label of the thesaurus and the sense it leads to."""
    found = {concept.id: _sense(thesaurus, concept, corpus) for concept in thesaurus}
    return {key: found[concept_id] for key, concept_id in thesaurus.label_keys.items()}


def _sense(thesaurus: Thesaurus, concept: Concept, corpus: Corpus) -> Sense:
    phrases = (phrase_terms(phrase) for phrase in thesaurus.expansions(concept.id))
    expansions = tuple(dict.fromkeys(terms for terms in phrases if terms))
    return Sense(concept.id, expansions, gloss(concept, corpus), phrase_terms(called(concept)))


def called(concept: Concept) -> str:
    """The name the instruments give the concept: their first term for it, or its own."""
    return concept.instrument_terms[0] if concept.instrument_terms else concept.pref


def gloss(concept: Concept, corpus: Corpus) -> str:
    """What the instruments call the concept, and where: "what Budapest Convention
    Article 2 calls “illegal access”"; its preferred term where no article is known."""
    for article in concept.articles:
        try:
            document, passage = corpus.passage(article)
        except KeyError:
            continue
        where = passage.label.split(" – ")[0]
        return f"what {document.source.short_title} {where} calls “{called(concept)}”"
    return f"the concept “{concept.pref}”"
