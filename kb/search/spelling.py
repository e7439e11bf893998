"""'Did you mean': corrections of words that are no words, never of real ones.

A word is known when a passage uses it (the unstemmed ``spell`` field), when the
thesaurus or the themes name it, or when it is English (:class:`Lexicon`, the word
list pyspellchecker ships). Only unknown words are corrected, each on its own
within the query, the known ones kept as typed: "hacking" is a word, and no
passage's "having" is what its reader meant. A correction is a word of the corpus
or of a thesaurus label, the label's word preferred when it is as near (it leads
to its concept, which the reading expands).

The corpus's words and their frequencies are read from the index once per
generation and kept in memory, so that a lookup needs neither Whoosh's reader nor
its lock: a word is matched against them with Whoosh's Levenshtein automaton, whose
cost grows with the word's length. Hence the bounds: words shorter than MIN_LENGTH
or longer than MAX_LENGTH are never corrected, a word of fewer than SECOND_EDIT_FROM
letters only by one edit.

A query that finds nothing and holds no typo is told which of its words no passage
uses (:meth:`Spelling.absent`), with the thesaurus's concepts near them that the
corpus does hold, never the results of another word.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader
from whoosh.support.levenshtein import damerau_levenshtein

from kb.config import SearchLimits
from kb.ingest.sidecar import Sidecar
from kb.search import query as q
from kb.search.caching import LRU
from kb.search.matching import QueryTimeout
from kb.search.query import ParsedQuery
from kb.search.terms import WORD, fold, stem
from kb.search.thesaurus import Concept, Thesaurus

MIN_LENGTH = 4  # shorter words are too often abbreviations to correct
MAX_CORRECTED = 3  # unknown words a query may hold and still be taken for a typo
MAX_LENGTH = 20  # longer "words" are not typos; their automaton costs milliseconds
SECOND_EDIT_FROM = 6  # letters a word needs before two edits may correct it
MAX_OFFERED = 5  # related concepts offered for a query that found nothing

# pyspellchecker's English word frequencies: ~160,000 words, ~128,000 of letters only.
LEXICON_PACKAGE = "spellchecker"
LEXICON_RESOURCE = "resources/en.json.gz"


class Lexicon:
    """A set of words kept as their hashes: an English word list in ~1 MB, not ~12 MB.

    The hashes are Python's own (salted per process, so built in the process that
    asks); two words of 128,000 sharing one 64-bit hash, or a word outside sharing
    one with a word inside, is too unlikely to matter.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self._hashes = np.unique(np.fromiter((hash(word) for word in words), dtype=np.int64))

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, word: object) -> bool:
        wanted = hash(word)
        at = int(np.searchsorted(self._hashes, wanted))
        return at < len(self._hashes) and int(self._hashes[at]) == wanted


_loading = threading.Lock()


def english() -> Lexicon:
    """The English lexicon, read once per process (the first caller reads, others wait)."""
    with _loading:
        return _english()


@cache
def _english() -> Lexicon:
    """Every word of letters in pyspellchecker's list, folded as the ``spell`` field is.

    All of them, the rare too: the list's floor (a frequency of 50, ~100,000 words)
    holds the dictionary words its counts never saw ("mislabelling", "reoccupation"),
    real words that would otherwise be "corrected".
    """
    data = resources.files(LEXICON_PACKAGE).joinpath(LEXICON_RESOURCE).read_bytes()
    words = json.loads(gzip.decompress(data))
    return Lexicon(w for w in map(_folded, words) if w.isalpha())


def _folded(word: str) -> str:
    """The list is lower case: only its few accented words need the analyser."""
    return word if word.isascii() else fold(word)


@dataclass(frozen=True)
class Absence:
    """Words of a query that no passage uses, and the related concepts the corpus holds."""

    notes: tuple[str, ...]
    related: tuple[str, ...]  # preferred terms of concepts, each a query to try


class Spelling:
    """Corrects words that are no words to the nearest, most frequent word of the corpus
    or of the thesaurus.

    Safe to share between threads: after construction it only reads its own data
    (and its cache, which locks itself).
    """

    def __init__(
        self,
        frequencies: dict[str, int],
        also_known: Iterable[str] = (),
        cache_bytes: int = SearchLimits.corrections_bytes,
        thesaurus: Thesaurus | None = None,
    ) -> None:
        self.frequencies = frequencies
        self.lexicon = english()
        self.concepts = Concepts(thesaurus, frequencies)
        self.labelled = self.concepts.words
        self.words = sorted(frequencies.keys() | self.labelled)
        self.known = frozenset(self.words) | {fold(w) for w in also_known}
        self._corrections: LRU[str, tuple[str, ...]] = LRU(
            cache_bytes, lambda word, found: 100 + 2 * len(word)
        )

    @classmethod
    def of(
        cls,
        reader: IndexReader,
        also_known: Iterable[str] = (),
        cache_bytes: int = SearchLimits.corrections_bytes,
        thesaurus: Thesaurus | None = None,
        sidecars: Sequence[Sidecar] | None = None,
    ) -> Spelling:
        """The spelling of an index (read once, as the generation is opened): its words
        from its segments' ``sidecars`` when given, from ``reader`` otherwise."""
        return cls(corpus_frequencies(reader, sidecars), also_known, cache_bytes, thesaurus)

    def is_word(self, word: str) -> bool:
        """Whether ``word`` is known: the corpus's, the thesaurus's, the themes' or English."""
        folded = fold(word)
        return folded in self.known or folded in self.lexicon

    def correctable(self, word: str) -> bool:
        """Whether ``word`` is unknown and shaped like a typo worth looking up."""
        folded = fold(word)
        return (
            MIN_LENGTH <= len(folded) <= MAX_LENGTH
            and folded.isalpha()
            and not self.is_word(folded)
        )

    def correct(self, word: str) -> str | None:
        """The correction of ``word``, or None when it is known or has no near neighbour."""
        if not self.correctable(word):
            return None
        folded = fold(word)
        found = self._corrections.get_or_make(folded, lambda: self._nearest(folded))
        return found[0] if found else None

    def suggest(self, parsed: ParsedQuery, check_time: Callable[[], None]) -> str | None:
        """The query with its unknown words corrected, each on its own, or None.

        A query with more than MAX_CORRECTED words to correct is no typo: nothing is
        looked up. A suggestion is a courtesy: when the query's time runs out
        (``check_time`` raises QueryTimeout), there is none.
        """
        unknown = [word for word in _typed(parsed) if self.correctable(word)]
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

    def absent(self, parsed: ParsedQuery) -> Absence:
        """For a query that found nothing: "no passage uses 'X'" for each word typed that
        no passage uses (stop words aside), and the concepts the thesaurus relates to
        them that the corpus holds."""
        unused = [w for w in _typed(parsed) if stem(w) and fold(w) not in self.frequencies]
        offered: dict[str, None] = {}
        notes = []
        for word in unused:
            related = self.concepts.related_to(word)
            offered.update(dict.fromkeys(related))
            also = f"; related concepts: {', '.join(map(repr, related))}" if related else ""
            notes.append(f"no passage uses {word!r}{also}")
        return Absence(tuple(notes), tuple(offered)[:MAX_OFFERED])

    def _nearest(self, word: str) -> tuple[str, ...]:
        for distance in (1, 2):
            if distance == 2 and len(word) < SECOND_EDIT_FROM:
                break
            automaton = levenshtein_automaton(word, distance, prefix=1).to_dfa()
            candidates = [
                self._rank(word, c) for c in find_all_matches(automaton, self._first_from)
            ]
            if candidates:
                return (min(candidates)[3],)
        return ()

    def _rank(self, word: str, candidate: str) -> tuple[int, bool, int, str]:
        """Nearer first; as near, a thesaurus label's word first, then the most frequent."""
        distance = damerau_levenshtein(word, candidate)
        return (
            distance,
            candidate not in self.labelled,
            -self.frequencies.get(candidate, 0),
            candidate,
        )

    def _first_from(self, key: str) -> str | None:
        """The first known word at or after ``key`` in sorted order (the automaton's cursor)."""
        at = bisect_left(self.words, key)
        return self.words[at] if at < len(self.words) else None


class Concepts:
    """The thesaurus as spelling sees it: the words of its labels, and the concepts near
    a word that the corpus holds."""

    def __init__(self, thesaurus: Thesaurus | None, frequencies: dict[str, int]) -> None:
        self.thesaurus = thesaurus
        self.words: frozenset[str] = frozenset()
        self._by_term: dict[str, list[Concept]] = {}
        self._held: set[str] = set()
        if thesaurus is None:
            return
        self.words = frozenset(w for c in thesaurus for w in _label_words(c) if w.isalpha())
        self._held = {c.id for c in thesaurus if _held(thesaurus, c, frequencies)}
        for key, concept_id in thesaurus.label_keys.items():
            for term in dict.fromkeys(key):
                self._by_term.setdefault(term, []).append(thesaurus[concept_id])

    def related_to(self, word: str) -> tuple[str, ...]:
        """The preferred terms of the concepts one of whose labels holds ``word`` (by
        index term), then of their related concepts: those the corpus holds, once each."""
        term = stem(word)
        if self.thesaurus is None or term is None:
            return ()
        near = list(dict.fromkeys(c.id for c in self._by_term.get(term, ())))
        related = (r.id for concept_id in near for r in self.thesaurus.related(concept_id))
        held = (i for i in dict.fromkeys((*near, *related)) if i in self._held)
        return tuple(self.thesaurus[i].pref for i in held)[:MAX_OFFERED]


def _label_words(concept: Concept) -> list[str]:
    """The folded words of a concept's labels that are no stop words."""
    return [fold(w) for label in concept.labels for w in WORD.findall(label) if stem(w)]


def _held(thesaurus: Thesaurus, concept: Concept, frequencies: dict[str, int]) -> bool:
    """Whether the corpus uses every word (stop words aside) of one of the concept's
    expansions: a search for it then finds something."""
    for phrase in thesaurus.expansions(concept.id):
        words = [fold(w) for w in WORD.findall(phrase) if stem(w)]
        if words and all(w in frequencies for w in words):
            return True
    return False


def corpus_frequencies(
    reader: IndexReader, sidecars: Sequence[Sidecar] | None = None
) -> dict[str, int]:
    """Every ``spell`` word of the index and how often the corpus uses it, in order: the
    sum of the segments' counts in their ``sidecars``, or Whoosh's over the segments."""
    if sidecars is None:
        return {_text(term): int(info.weight()) for term, info in reader.iter_field("spell")}
    if len(sidecars) == 1:
        only = sidecars[0]
        return dict(zip(only.spell_words.tolist(), only.spell_counts.tolist(), strict=True))
    if not sidecars:
        return {}
    words, at = np.unique(np.concatenate([s.spell_words for s in sidecars]), return_inverse=True)
    counts = np.zeros(len(words), dtype=np.int64)
    np.add.at(counts, at, np.concatenate([s.spell_counts for s in sidecars]))
    return dict(zip(words.tolist(), counts.tolist(), strict=True))


def _text(term: str | bytes) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _typed(parsed: ParsedQuery) -> list[str]:
    """The words typed, once each, operators aside."""
    return list(dict.fromkeys(w for w in _typed_words(parsed) if w not in q.OPERATORS))


def _typed_words(parsed: ParsedQuery) -> list[str]:
    """The words the user typed as words or phrases (not prefixes, filters or operators),
    in the order typed."""
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
            stack.extend(reversed(node.nodes))
    return found
