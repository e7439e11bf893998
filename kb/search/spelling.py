"""'Did you mean': corrections of unknown words from the unstemmed ``spell`` field."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from whoosh.reading import IndexReader
from whoosh.support.levenshtein import damerau_levenshtein

from kb.search.matching import LRU
from kb.search.terms import fold

MIN_LENGTH = 4  # shorter words are too often abbreviations to correct


class Spelling:
    """Corrects words the index does not hold to the nearest, most frequent word it does."""

    def __init__(
        self, reader: IndexReader, lock: threading.Lock, also_known: Iterable[str] = ()
    ) -> None:
        self.reader = reader
        self.lock = lock
        self._corrections: LRU[str, tuple[str, ...]] = LRU(5_000)
        with lock:
            self.known = frozenset(reader.field_terms("spell")) | {fold(w) for w in also_known}

    def correct(self, word: str) -> str | None:
        """The correction of ``word``, or None when it is known or has no near neighbour."""
        folded = fold(word)
        if len(folded) < MIN_LENGTH or not folded.isalpha():
            return None
        if folded in self.known:
            return None
        found = self._corrections.get_or_make(folded, lambda: self._nearest(folded))
        return found[0] if found else None

    def _nearest(self, word: str) -> tuple[str, ...]:
        for distance in (1, 2):
            if distance == 2 and len(word) < 6:
                break
            with self.lock:
                candidates = [
                    (damerau_levenshtein(word, c), -self.reader.frequency("spell", c), c)
                    for c in self.reader.terms_within("spell", word, distance, prefix=1)
                ]
            if candidates:
                return (min(candidates)[2],)
        return ()
