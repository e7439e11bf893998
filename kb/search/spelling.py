"""'Did you mean': corrections of unknown words from the unstemmed ``spell`` field.

The field's words and their frequencies are read from the index once per generation
and kept in memory, so that a lookup needs neither Whoosh's reader nor its lock: a
word is matched against them with Whoosh's Levenshtein automaton, whose cost grows
with the word's length. Hence the bounds: words shorter than MIN_LENGTH or longer
than MAX_LENGTH are never corrected, a word of fewer than SECOND_EDIT_FROM letters
only by one edit.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import damerau_levenshtein

from kb.search.caching import LRU
from kb.search.terms import fold

MIN_LENGTH = 4  # shorter words are too often abbreviations to correct
MAX_LENGTH = 20  # longer "words" are not typos; their automaton costs milliseconds
SECOND_EDIT_FROM = 6  # letters a word needs before two edits may correct it
CORRECTIONS_CACHE_BYTES = 1_000_000


class Spelling:
    """Corrects words the index does not hold to the nearest, most frequent word it does.

    Safe to share between threads: after construction it only reads its own data
    (and its cache, which locks itself).
    """

    def __init__(self, frequencies: dict[str, int], also_known: Iterable[str] = ()) -> None:
        self.frequencies = frequencies
        self.words = sorted(frequencies)
        self.known = frozenset(frequencies) | {fold(w) for w in also_known}
        self._corrections: LRU[str, tuple[str, ...]] = LRU(
            CORRECTIONS_CACHE_BYTES, lambda word, found: 100 + 2 * len(word)
        )

    @classmethod
    def of(cls, reader: IndexReader, also_known: Iterable[str] = ()) -> Spelling:
        """The spelling of an index (read once, as the generation is opened)."""
        terms = reader.iter_field("spell")
        frequencies = {_text(term): int(info.weight()) for term, info in terms}
        return cls(frequencies, also_known)

    def correctable(self, word: str) -> bool:
        """Whether ``word`` is unknown and shaped like a typo worth looking up."""
        folded = fold(word)
        return (
            MIN_LENGTH <= len(folded) <= MAX_LENGTH
            and folded.isalpha()
            and folded not in self.known
        )

    def correct(self, word: str) -> str | None:
        """The correction of ``word``, or None when it is known or has no near neighbour."""
        if not self.correctable(word):
            return None
        folded = fold(word)
        found = self._corrections.get_or_make(folded, lambda: self._nearest(folded))
        return found[0] if found else None

    def _nearest(self, word: str) -> tuple[str, ...]:
        for distance in (1, 2):
            if distance == 2 and len(word) < SECOND_EDIT_FROM:
                break
            automaton = levenshtein_automaton(word, distance, prefix=1).to_dfa()
            candidates = [
                (damerau_levenshtein(word, c), -self.frequencies[c], c)
                for c in find_all_matches(automaton, self._first_from)
            ]
            if candidates:
                return (min(candidates)[2],)
        return ()

    def _first_from(self, key: str) -> str | None:
        """The first known word at or after ``key`` in sorted order (the automaton's cursor)."""
        at = bisect_left(self.words, key)
        return self.words[at] if at < len(self.words) else None


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term
