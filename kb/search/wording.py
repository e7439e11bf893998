"""The words of a plain query that are not what it searches for.

A panelist types a question ("which session talked about law enforcement in 2016",
"who bears the costs of a request"). The index already leaves out the commonest
words (Whoosh's short stop list, ``kb/ingest/index.py``); a query also drops the
rest of a proper English stop list and the question and filler words, so that
they never decide which passages hold "most of the words", never match alone and
never become a suggestion. A year the corpus knows ("in 2017") becomes a year
filter, and a kind word ("workshop", "treaty") a preference for that kind of
document: both shown in the reading, and both undone by quoting the word.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from kb.search.matching import Concept
from kb.search.terms import fold

# An English stop list (the function words of the usual IR lists: articles, pronouns,
# auxiliaries, prepositions, conjunctions), with question and filler words.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during
    each either else ever every few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me might more
    most must my myself neither no nor not now of off on once only or other ought our
    ours ourselves out over own per same shall she should so some such than that the
    their theirs them themselves then there these they this those through thus to too
    under until up upon us very via was we were what whatever when whenever where
    whereas whether which while who whom whose why will with within without would yet
    you your yours yourself yourselves
    also anyone anything kind sort way ways please tell find show talk talked talking
    said say says think thing things get gets got lot lots really
    """.split()
)

# Words that name a kind of document, and the kinds they prefer.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("workshop", "workshops", "session", "sessions", "panel", "panels"),
        ("igf-proposal", "igf-transcript"),
    ),
    **dict.fromkeys(("proposal", "proposals"), ("igf-proposal",)),
    **dict.fromkeys(("transcript", "transcripts"), ("igf-transcript",)),
    **dict.fromkeys(("treaty", "treaties", "protocol", "protocols"), ("treaty",)),
    **dict.fromkeys(("declaration", "declarations"), ("declaration",)),
}
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True)
class Wording:
    """A plain query's concepts sorted out: what to search, and what the rest asks for."""

    concepts: tuple[Concept, ...]  # what to search for
    dropped: tuple[str, ...] = ()  # stop, question and filler words
    years: tuple[int, ...] = ()  # years the corpus knows, typed as words
    kinds: tuple[str, ...] = ()  # kinds of document the kind words prefer
    kind_words: tuple[str, ...] = ()  # ... those words as typed

    @property
    def span(self) -> tuple[int, int] | None:
        """The years typed as a range: "2016" is 2016, "2016 2019" 2016..2019."""
        return (min(self.years), max(self.years)) if self.years else None


def word_out(concepts: list[Concept], known_years: Collection[int]) -> Wording:
    """Sort out the words typed on their own (not within a synonym or a thesaurus label:
    "mutual legal assistance treaty" keeps its "treaty"). A query of a year and such
    words ("2016 workshop") browses that year; of such words alone ("the treaty"), it
    searches for them as words, stop words apart."""
    kept: list[Concept] = []
    dropped: list[str] = []
    years: list[int] = []
    kinds: dict[str, None] = {}
    kind_words: list[str] = []
    for concept in concepts:
        word = fold(concept.label)
        if concept.sense is not None or len(concept.alternatives) > 1 or " " in word:
            kept.append(concept)
        elif _YEAR.fullmatch(word) and int(word) in known_years:
            years.append(int(word))
        elif word in KIND_WORDS:
            kinds.update(dict.fromkeys(KIND_WORDS[word]))
            kind_words.append(concept.label)
        elif word in STOP_WORDS:
            dropped.append(concept.label)
        else:
            kept.append(concept)
    if not kept and not years:  # "the treaty": search the word
        return Wording(tuple(c for c in concepts if fold(c.label) not in STOP_WORDS))
    return Wording(tuple(kept), tuple(dropped), tuple(years), tuple(kinds), tuple(kind_words))
