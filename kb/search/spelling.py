"""'Did you mean': corrections of unknown words from the unstemmed ``spell`` field.

The field's words and their frequencies are read from the index once per generation
and kept in memory, so that a lookup needs neither Whoosh's reader nor its lock: a
word is matched against them with Whoosh's Levenshtein automaton, whose cost grows
with the word's length. Hence the bounds: words shorter than MIN_LENGTH or longer
than MAX_LENGTH are never corrected, a word of fewer than SECOND_EDIT_FROM letters
only by one edit.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import damerau_levenshtein

from kb.config import SearchLimits
from kb.search import query as q
from kb.search.caching import LRU
from kb.search.matching import QueryTimeout
from kb.search.query import ParsedQuery
from kb.search.terms import WORD, fold

MIN_LENGTH = 4  # shorter words are too often abbreviations to correct
MAX_CORRECTED = 3  # unknown words a query may hold and still be taken for a typo
MAX_LENGTH = 20  # longer "words" are not typos; their automaton costs milliseconds
SECOND_EDIT_FROM = 6  # letters a word needs before two edits may correct it


class Spelling:
    """Corrects words the index does not hold to the nearest, most frequent word it does.

    Safe to share between threads: after construction it only reads its own data
    (and its cache, which locks itself).
    """

    def __init__(
        self,
        frequencies: dict[str, int],
        also_known: Iterable[str] = (),
        cache_bytes: int = SearchLimits.corrections_bytes,
    ) -> None:
        self.frequencies = frequencies
        self.words = sorted(frequencies)
        self.known = frozenset(frequencies) | {fold(w) for w in also_known}
        self._corrections: LRU[str, tuple[str, ...]] = LRU(
            cache_bytes, lambda word, found: 100 + 2 * len(word)
        )

    @classmethod
    def of(
        cls,
        reader: IndexReader,
        also_known: Iterable[str] = (),
        cache_bytes: int = SearchLimits.corrections_bytes,
    ) -> Spelling:
        """The spelling of an index (read once, as the generation is opened)."""
        terms = reader.iter_field("spell")
        frequencies = {_text(term): int(info.weight()) for term, info in terms}
        return cls(frequencies, also_known, cache_bytes)

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

    def suggest(self, parsed: ParsedQuery, check_time: Callable[[], None]) -> str | None:
        """The query with its unknown words corrected, or None.

        A query with more than MAX_CORRECTED words to correct is no typo: nothing is
        looked up. A suggestion is a courtesy: when the query's time runs out
        (``check_time`` raises QueryTimeout), there is none.
        """
        typed = dict.fromkeys(w for w in _typed_words(parsed) if w not in q.OPERATORS)
        unknown = [word for word in typed if self.correctable(word)]
        if len(unknown) > MAX_CORRECTED:
            return None
        corrections: dict[str, str] = {}
        try:
            for word in unknown:
                check_time()
                corrected = self.correct(word)
                if corrected:
                    corrections[word] = corrected
        except QueryTimeout:
            return None
        if not corrections:
            return None
        pattern = re.compile(
            r"(?<![\w:])(" + "|".join(map(re.escape, corrections)) + r")(?![\w:*])"
        )
        return pattern.sub(
            lambda m: corrections[m.group(1)], q.clean(parsed.text)[: q.MAX_QUERY_CHARS]
        )

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


def _typed_words(parsed: ParsedQuery) -> list[str]:
    """The words the user typed as words or phrases (not prefixes, filters or operators)."""
    found: list[str] = []
    stack = [parsed.node]
    while stack:
        node = stack.pop()
        if isinstance(node, q.Word | q.Phrase):
            found += WORD.findall(node.text)
        elif isinstance(node, q.Filter | q.Years | q.Prefix | None):
            continue
        elif isinstance(node, q.Not):
            stack.append(node.node)
        elif isinstance(node, q.All | q.Any):
            stack.extend(node.nodes)
    return found
