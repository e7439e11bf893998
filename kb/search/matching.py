"""Matching and scoring a query tree against one published index.

Whoosh holds the index: the postings, the positions, the statistics. What it
costs to walk them with Whoosh's own matchers (a tree of Python objects per
query, a few milliseconds for an OR over six fields) is too much for a service
that must answer thousands of distinct queries a second on two cores. So each
term's postings are read from Whoosh once and kept as numpy arrays, and each term
is scored once with BM25F over the weighted fields; a query is then a handful of
vector operations over all passages, which also makes exact totals and facet
counts cheap. Phrases are checked against each term's positions, read from Whoosh
once and kept as arrays too.

Every result here is a :class:`Match`: a mask of matching passages and their
scores, one entry per index record (``docnum``).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WhooshSearcher

from kb.config import SearchLimits
from kb.ingest.index import FIELD_WEIGHTS
from kb.search.caching import LRU, array_bytes, text_bytes
from kb.search.columns import Columns
from kb.search.terms import CACHED_LENGTH, WORD, fold, stem, stems

ALL_FIELDS = tuple(FIELD_WEIGHTS)
NAMING_FIELDS = ("title", "aliases")  # both name the document: only the better one counts
DOCUMENT_FIELDS = (*NAMING_FIELDS, "people")  # every passage of a document holds them alike
PASSAGE_FIELDS = tuple(f for f in FIELD_WEIGHTS if f not in DOCUMENT_FIELDS)
DOCUMENT_ONLY_SHARE = 0.2  # of a match through the document's fields alone, in a passage
Fields = tuple[str, ...]
K1, B = 1.2, 0.75
MAX_PREFIX_TERMS = 50
EXPANSION_WEIGHT = 0.6  # a thesaurus expansion's score beside the words typed (1.0)
RELATED_WEIGHT = 0.4  # the instruments' terms for related concepts, where they have none
PREFIX_CANDIDATES = 500
CACHED_WORD_CONCEPTS = 8_192  # typed words' own concepts
POSITION_BITS = 32  # a position code: field << FIELD_SHIFT | docnum << POSITION_BITS | position
FIELD_SHIFT = 56  # so docnums up to 2**24 (16 million passages)
DOCNUM_BITS = (1 << (FIELD_SHIFT - POSITION_BITS)) - 1


class QueryTimeout(RuntimeError):
    """The query ran past its time limit."""


@dataclass(frozen=True)
class Match:
    mask: np.ndarray  # bool, one per docnum
    score: np.ndarray  # float64, one per docnum (0 where not matching)

    def __and__(self, other: Match) -> Match:
        mask = self.mask & other.mask
        return Match(mask, np.where(mask, self.score + other.score, 0.0))

    def __or__(self, other: Match) -> Match:
        return Match(self.mask | other.mask, self.score + other.score)

    @property
    def bytes(self) -> int:
        return array_bytes(self.mask, self.score)

    def shared(self) -> Match:
        """This match, its arrays made read-only: kept in a cache, it is shared by every
        search that asks for it, and must never be changed in place."""
        self.mask.flags.writeable = False
        self.score.flags.writeable = False
        return self


@dataclass(frozen=True)
class Concept:
    """One meaning the query asks for: any of its alternatives (a term or a phrase).

    "MLA" becomes a concept whose alternatives are ``("mla",)``, ``("mutual",
    "legal", "assist")``, ``("mutual", "assist")`` ...; ``label`` is what the
    user typed and ``shown`` how the reading is written back.
    """

    label: str
    alternatives: tuple[tuple[str, ...], ...]
    shown: tuple[str, ...] = ()
    sense: Sense | None = None  # what the thesaurus adds, weighing EXPANSION_WEIGHT

    def render(self) -> str:
        shown = list({s.lower(): s for s in reversed(self.shown)}.values())[::-1]
        if len(shown) <= 1:
            return self.label
        return "(" + " OR ".join(_quoted(s) for s in shown) + ")"

    @property
    def marks(self) -> set[tuple[str, ...]]:
        """What to mark in a text: each alternative, a phrase only where it stands whole."""
        sense = self.sense
        return {*self.alternatives, *(sense.expansions + sense.related if sense else ())}


@dataclass(frozen=True)
class Sense:
    """A concept of the thesaurus that typed words name ("cracking"): the phrases it
    expands to (index terms) and a gloss saying what the instruments call it."""

    concept_id: str
    expansions: tuple[tuple[str, ...], ...]
    gloss: str  # "what Budapest Convention Article 2 calls “illegal access”"
    names: frozenset[tuple[str, ...]] = frozenset()  # index terms of the names glossed
    related: tuple[tuple[str, ...], ...] = ()  # weighing RELATED_WEIGHT
    articles: tuple[str, ...] = ()  # the passages where the instruments hold it


@dataclass(frozen=True)
class Prefixed:
    """A prefix and the index terms it was expanded to (at most MAX_PREFIX_TERMS)."""

    label: str
    expansion: tuple[str, ...]
    capped: bool

    def render(self) -> str:
        return f"{self.label}*"

    @property
    def note(self) -> str | None:
        if not self.capped:
            return None
        most = f"only the {MAX_PREFIX_TERMS} most frequent were searched"
        return f"{self.label}* matches many words; {most}"

    @property
    def marks(self) -> set[tuple[str, ...]]:
        return {(term,) for term in self.expansion}


def _word_concept(label: str, terms: tuple[str, ...]) -> Concept:
    """A typed word that no synonym or label takes: its own terms. The same words are
    typed again and again: one immutable object each, for all threads (short words
    only, as the terms' caches keep)."""
    if len(label) > CACHED_LENGTH:
        return Concept(label, (terms,))
    return _cached_word_concept(label, terms)


@lru_cache(maxsize=CACHED_WORD_CONCEPTS)
def _cached_word_concept(label: str, terms: tuple[str, ...]) -> Concept:
    return Concept(label, (terms,))


class Synonyms:
    """Equivalent phrasings, matched on index terms: the themes' synonym groups (which
    weigh alike) and the thesaurus's labels, whose senses' expansions weigh less."""

    def __init__(
        self,
        groups: list[tuple[str, ...]],
        senses: Mapping[tuple[str, ...], Sense] | None = None,
    ) -> None:
        self.groups: list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = []
        self.members: dict[tuple[str, ...], int] = {}
        for group in groups:
            alternatives = tuple(dict.fromkeys(s for s in map(phrase_terms, group) if s))
            self.groups.append((group, alternatives))
            for alternative in alternatives:
                self.members.setdefault(alternative, len(self.groups) - 1)
        self.senses: Mapping[tuple[str, ...], Sense] = senses or {}
        self.longest = max((len(m) for m in (*self.members, *self.senses)), default=0)
        self.firsts = {m[0] for m in (*self.members, *self.senses)}  # where one may start

    def concepts(self, typed: list[str]) -> list[Concept]:
        """Group the typed words into concepts, longest synonym phrase first."""
        terms: list[str] = []  # the index terms of the typed words, in order
        owners: list[int] = []  # the typed word each comes from
        for number, word in enumerate(typed):
            for term in stems(word):
                terms.append(term)
                owners.append(number)
        concepts: list[Concept] = []
        at = 0
        while at < len(terms):
            length = self._match(terms, owners, at)
            if length is None:  # the word's own terms
                end = bisect_right(owners, owners[at], lo=at)
                concepts.append(_word_concept(typed[owners[at]], tuple(terms[at:end])))
                at = end
                continue
            first, last = owners[at], owners[at + length - 1]
            label = " ".join(typed[first : last + 1])
            concepts.append(self._concept(label, tuple(terms[at : at + length])))
            at += length
        return concepts

    def _concept(self, label: str, key: tuple[str, ...]) -> Concept:
        sense = self.senses.get(key)
        group = self.members.get(key)
        if group is None:
            return Concept(label, (key,), sense=sense)
        names, alternatives = self.groups[group]
        return Concept(label, alternatives, (label, *names), sense)

    def _match(self, terms: list[str], owners: list[int], at: int) -> int | None:
        """How many terms from ``at`` make the longest synonym or label, if any does."""
        # a synonym must cover whole typed words, never half of "cross-border"
        if terms[at] not in self.firsts or (at > 0 and owners[at - 1] == owners[at]):
            return None
        for length in range(min(self.longest, len(terms) - at), 0, -1):
            end = at + length
            if end < len(terms) and owners[end] == owners[end - 1]:
                continue
            key = tuple(terms[at:end])
            if key in self.members or key in self.senses:
                return length
        return None


class Matcher:
    """Evaluates query trees against one index; shared by the threads of a worker."""

    def __init__(
        self,
        searcher: WhooshSearcher,
        columns: Columns,
        synonyms: Synonyms,
        limits: SearchLimits | None = None,
    ) -> None:
        limits = limits or SearchLimits()
        self.searcher = searcher
        self.reader: IndexReader = searcher.reader()
        self.columns = columns
        self.synonyms = synonyms
        self.n = columns.n
        if self.n > DOCNUM_BITS:  # beyond what a position code holds
            raise ValueError(f"{self.n:,} passages: at most {DOCNUM_BITS:,} in one index")
        self.whoosh_lock = threading.Lock()  # Whoosh's readers are not thread-safe
        self._postings: LRU[tuple[str, str], tuple[np.ndarray, np.ndarray]] = LRU(
            limits.postings_bytes, lambda key, found: text_bytes(*key) + array_bytes(*found)
        )
        # dense per-term matches: a few thousand on a small index, fewer on a large one
        self._terms: LRU[tuple[str, Fields], Match] = LRU(
            limits.terms_bytes, lambda key, match: text_bytes(key[0]) + match.bytes
        )
        # whole concepts (a word with its synonyms and thesaurus expansions): the words of
        # distinct queries repeat, and a concept may combine dozens of terms
        self._concepts: LRU[tuple[object, ...], Match] = LRU(
            limits.concepts_bytes, lambda _, match: match.bytes
        )
        self._phrases: LRU[tuple[tuple[str, ...], Fields], np.ndarray] = LRU(
            limits.phrases_bytes, lambda key, mask: text_bytes(*key[0]) + array_bytes(mask)
        )
        self._positions: LRU[str, np.ndarray] = LRU(
            limits.postings_bytes, lambda term, codes: text_bytes(term) + array_bytes(codes)
        )
        self._prefixes: LRU[str, tuple[tuple[str, ...], bool]] = LRU(
            limits.prefixes_bytes, lambda text, found: text_bytes(text, *found[0])
        )
        self._local = threading.local()  # each request thread has its own deadline
        self._document_only_share = np.where(columns.metadata_only, 1.0, DOCUMENT_ONLY_SHARE)

    @property
    def deadline(self) -> float:
        return getattr(self._local, "deadline", float("inf"))

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Work in the block must end within ``seconds`` (QueryTimeout); only there."""
        self._local.deadline = time.perf_counter() + seconds
        try:
            yield
        finally:
            self._local.deadline = float("inf")

    # Building blocks ----------------------------------------------------------------

    def nothing(self) -> Match:
        return Match(np.zeros(self.n, dtype=bool), np.zeros(self.n))

    def everything(self) -> Match:
        return Match(self.columns.alive.copy(), np.zeros(self.n))

    def term(self, term: str, fields: Fields = ALL_FIELDS) -> Match:
        """One index term in the weighted ``fields`` (all of them), BM25F-scored.

        A term the index lacks is not kept: its match costs 9 bytes a passage, and
        queries of unseen words would fill the cache with nothing.
        """
        found = self._terms.get((term, fields))
        if found is None:
            found = self._term(term, fields)
            if found.mask.any():
                self._terms.put((term, fields), found.shared())
        return found

    def _term(self, term: str, fields: Fields) -> Match:
        """BM25F as Whoosh computes it: BM25 per field, times the field's weight, summed.

        Two differences. The title and the aliases both name the document, and every
        passage of it carries them, so only the better of the two counts; summed, a
        document whose title and aliases share the query's words would outrank the
        passages that speak to it. And a passage that holds the term only through its
        document's fields (title, aliases, people) gets DOCUMENT_ONLY_SHARE of their
        score: a proposal's title must not lift each of its sections above the
        provisions that say the word (a document known by its metadata alone keeps
        its title's whole score: it has nothing else).
        """
        own, naming, shared = np.zeros(self.n), np.zeros(self.n), np.zeros(self.n)
        for field in fields:
            weight = FIELD_WEIGHTS[field]
            docnums, frequencies = self.postings(field, term)
            if not len(docnums):
                continue
            lengths = self.columns.lengths[field][docnums]
            norm = (1 - B) + B * lengths / self.columns.average_length[field]
            idf = math.log(self.columns.live / (len(docnums) + 1)) + 1
            scores = idf * frequencies * (K1 + 1) / (frequencies + K1 * norm) * weight
            if field in NAMING_FIELDS:
                np.maximum.at(naming, docnums, scores)
            else:
                (shared if field in DOCUMENT_FIELDS else own)[docnums] += scores
        document = naming + shared
        if any(field in PASSAGE_FIELDS for field in fields):
            document = np.where(own > 0, document, document * self._document_only_share)
        score = own + document
        return Match(score > 0, score)

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The docnums holding ``term`` in ``field``, and its frequency in each."""
        found = self._postings.get((field, term))
        if found is None:
            found = self._read(field, term)
            if len(found[0]):  # what a field lacks is quick to ask again
                self._postings.put((field, term), found)
        return found

    def _read(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        self.check_time()
        with self.whoosh_lock:
            if (field, term) not in self.reader:
                return np.zeros(0, dtype=np.int64), np.zeros(0)
            postings = self.reader.postings(field, term)
            ids, weights = [], []
            while postings.is_active():
                ids.append(postings.id())
                weights.append(postings.weight())
                postings.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)

    def phrase(self, terms: tuple[str, ...], fields: Fields = ALL_FIELDS) -> Match:
        """The terms next to each other, in this order, in any of the weighted ``fields``."""
        parts = [self.term(t, fields) for t in terms]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part
        if not combined.mask.any():
            return combined
        mask = combined.mask & self.phrase_mask(terms, fields)
        return Match(mask, np.where(mask, combined.score, 0.0))

    def phrase_mask(self, terms: tuple[str, ...], fields: Fields = ALL_FIELDS) -> np.ndarray:
        """The passages holding ``terms`` at consecutive positions in one of ``fields``,
        as Whoosh's phrase query finds them (slop 1), from each term's positions: the
        passages :meth:`phrase` matches, without their scores."""

        def positions() -> np.ndarray:
            self.check_time()
            first, *others = [self.positions(term) for term in terms]
            at = first if fields == ALL_FIELDS else first[_in_fields(first, fields)]
            for offset, held in enumerate(others, 1):  # the next word, in the same field
                at = at[_holds(held, at + offset)]
                if not len(at):
                    break
            mask = np.zeros(self.n, dtype=bool)
            mask[(at >> POSITION_BITS) & DOCNUM_BITS] = True
            return mask

        return self._phrases.get_or_make((terms, fields), positions)

    def positions(self, term: str) -> np.ndarray:
        """Where ``term`` stands in every field: sorted codes ``field << FIELD_SHIFT |
        docnum << POSITION_BITS | position`` (a field by its place in ALL_FIELDS).

        Read from Whoosh once per term (a phrase's own reading walked Whoosh's span
        matchers, a tree of Python objects, for every query) and kept, fields together:
        a phrase looks for its words in all of them at once, and asks each term once.
        Kept also when no field holds it: a phrase is only checked where each of its
        terms matched, so these are index terms, not unseen words.
        """
        return self._positions.get_or_make(term, lambda: self._read_positions(term))

    def _read_positions(self, term: str) -> np.ndarray:
        self.check_time()
        codes: list[int] = []
        with self.whoosh_lock:
            for number, field in enumerate(ALL_FIELDS):
                if (field, term) not in self.reader:
                    continue
                postings = self.reader.postings(field, term)
                while postings.is_active():
                    base = number << FIELD_SHIFT | postings.id() << POSITION_BITS
                    codes.extend(base + p for p in postings.value_as("positions"))
                    postings.next()
        return np.unique(np.array(codes, dtype=np.int64))

    def concept(
        self, concept: Concept, *, combine: str = "max", fields: Fields = ALL_FIELDS
    ) -> Match:
        """Any of the concept's alternatives: the best one's score ("max"), or all ("sum").

        A phrase's score is its terms' mean, so that equivalent phrasings weigh alike
        ("MLA" against "mutual assistance in criminal matters"). What the thesaurus adds
        (the concept's sense) counts EXPANSION_WEIGHT of its best expansion's score, and
        never more than the words typed where both match.

        Kept while some passage matches (as terms are: unseen words are not kept).
        """
        # a sense is its concept's, one per generation: its id stands for it (cheap to hash)
        key = (concept.alternatives, concept.sense and concept.sense.concept_id, combine, fields)
        found = self._concepts.get(key)
        if found is None:
            found = self._concept(concept, combine, fields)
            if found.mask.any():
                self._concepts.put(key, found.shared())
        return found

    def _concept(self, concept: Concept, combine: str, fields: Fields) -> Match:
        result = self._alternatives(concept.alternatives, combine, fields)
        if concept.sense is None:
            return result
        expanded = self._alternatives(concept.sense.expansions, "max", fields)
        score = np.maximum(result.score, EXPANSION_WEIGHT * expanded.score)
        mask = result.mask | expanded.mask
        if concept.sense.related:
            related = self._alternatives(concept.sense.related, "max", fields)
            score, mask = np.maximum(score, RELATED_WEIGHT * related.score), mask | related.mask
        return Match(mask, score)

    def _alternatives(
        self, alternatives: tuple[tuple[str, ...], ...], combine: str, fields: Fields
    ) -> Match:
        result: Match | None = None
        for alternative in alternatives:
            if len(alternative) == 1:
                match = self.term(alternative[0], fields)
            else:
                match = self.phrase(alternative, fields)
            if len(alternatives) > 1 and len(alternative) > 1:
                match = Match(match.mask, match.score / len(alternative))
            if result is None:
                result = match
            elif combine == "max":
                result = Match(result.mask | match.mask, np.maximum(result.score, match.score))
            else:
                result = result | match
        return result if result is not None else self.nothing()

    def prefix(self, text: str) -> Prefixed:
        expansion, capped = self._prefixes.get_or_make(text, lambda: self._expand(text))
        return Prefixed(text, expansion, capped)

    def _expand(self, text: str) -> tuple[tuple[str, ...], bool]:
        """The most frequent index terms starting with the prefix, at most MAX_PREFIX_TERMS."""
        starts = {fold(text)} | ({stem(text)} - {None})
        candidates: dict[str, int] = {}
        with self.whoosh_lock:
            for start in starts:
                for field in ("text", "section", "title"):
                    for count, raw in enumerate(self.reader.expand_prefix(field, start)):
                        if count >= PREFIX_CANDIDATES:
                            break
                        term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                        candidates[term] = max(
                            candidates.get(term, 0), self.reader.doc_frequency(field, term)
                        )
        ranked = sorted(candidates, key=lambda t: (-candidates[t], t))
        return tuple(ranked[:MAX_PREFIX_TERMS]), len(ranked) > MAX_PREFIX_TERMS

    def prefixed(self, prefixed: Prefixed) -> Match:
        result = self.nothing()
        for term in prefixed.expansion:
            self.check_time()
            result = result | self.term(term)
        return result

    def check_time(self) -> None:
        if time.perf_counter() > self.deadline:
            raise QueryTimeout("the query took longer than its time limit")

    # Filters --------------------------------------------------------------------------

    def field_filter(self, field: str, value: str) -> np.ndarray:
        columns = self.columns
        if field == "kind":
            return columns.kind_mask(value)
        if field == "source":
            return columns.source_mask(value)
        return columns.speaker_mask(value)

    def years(self, start: int, end: int) -> np.ndarray:
        return (self.columns.years >= start) & (self.columns.years <= end)


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """A synonym's terms, or none when analysis would make it a broader word.

    One-letter words are not indexed, so "e-evidence" would search for "evidence".
    """
    found = stems(phrase)
    lost = [w for w in WORD.findall(phrase) if len(w) == 1 and w.isalnum()]
    return () if lost and len(found) < 2 else found


def _quoted(text: str) -> str:
    return f'"{text}"' if len(stems(text)) > 1 or " " in text else text


def _holds(codes: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which of ``wanted`` are in ``codes`` (sorted)."""
    if not len(codes):
        return np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(codes, wanted), len(codes) - 1)
    return codes[at] == wanted


def _in_fields(codes: np.ndarray, fields: Fields) -> np.ndarray:
    """Which position codes stand in one of ``fields``."""
    return np.isin(codes >> FIELD_SHIFT, [ALL_FIELDS.index(field) for field in fields])


def within(selected: np.ndarray, masks: Iterable[np.ndarray]) -> np.ndarray:
    """The passages of ``selected`` in every mask (``selected`` itself when there is none)."""
    for mask in masks:
        selected = selected & mask
    return selected


def any_of(masks: Iterable[np.ndarray], n: int) -> np.ndarray:
    """The passages in any of the masks (none when there is none)."""
    result = np.zeros(n, dtype=bool)
    for mask in masks:
        result |= mask
    return result
