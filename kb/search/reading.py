"""Reading a query: what it asks for, made into matches over the passages.

A parsed query (:mod:`kb.search.query`) is read against one generation: its words
become concepts (a word, its synonyms from the themes, a thesaurus label's sense
from :mod:`kb.search.senses`, a phrase, a prefix's expansion), matched and scored by
:mod:`kb.search.matching`; a question's other words are sorted out by
:mod:`kb.search.wording` (stop words left out, years a filter, kind words a
preference); the articles it names
("Article 32 Budapest Convention") are pinned, the instruments it names found by
their names (:class:`kb.derive.names.Names`), and a defined term's definitions put
first. The :class:`Reading` says all that, and how the query was read, for the next
stage (:mod:`kb.search.selecting`) to select and rank by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from kb.models import KIND_LABELS
from kb.search import query as q
from kb.search.corpus import Corpus
from kb.search.matching import Concept, Match, Matcher, Prefixed, any_of
from kb.search.query import ParsedQuery, render
from kb.search.terms import fold, stems
from kb.search.wording import STOP_WORDS, Wording, word_out

ARTICLE_TIE_BREAK = 0.01  # the thesaurus's articles rank among themselves by their words
ENOUGH_WITH_ALL_WORDS = 3  # fewer passages with all the words: rank by any word instead
_ARTICLE = re.compile(r"\b(?:article|art\.?)\s*(\d{1,3})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """A query made ready to match: its matches, how it reads, what it asks for."""

    match: Match | None  # None: browse, no query
    read_as: str
    mode: str  # "all", "any", "boolean" or "browse"
    notes: tuple[str, ...]
    concepts: tuple[Concept | Prefixed, ...] = ()  # the terms asked for, negated ones left out
    coordination: np.ndarray | None = None  # how many of the concepts each passage holds
    pinned: np.ndarray | None = None  # the articles the query names
    articles: tuple[str, ...] = ()  # ... as the query names them ("Article 32")
    named: np.ndarray | None = None  # the passages of the instruments the query names
    defined: np.ndarray | None = None  # the definitions of the term the query is
    defined_term: str | None = None
    phrased: np.ndarray | None = None  # the passages holding the typed words as a phrase
    years: tuple[int, int] | None = None  # years typed as words ("in 2016"): a filter
    preferred: np.ndarray | None = None  # the passages of the kinds that kind words name

    @cached_property
    def marked(self) -> frozenset[tuple[str, ...]]:
        """What to mark in a text: every alternative of every concept."""
        return frozenset(m for c in self.concepts for m in c.marks)


class Reader:
    """Reads queries against one generation; shared by the threads of a worker."""

    def __init__(self, matcher: Matcher, corpus: Corpus, docnums: dict[str, int]) -> None:
        self.matcher = matcher
        self.columns = matcher.columns
        self.corpus = corpus
        self.docnums = docnums
        self.known_years = frozenset(int(year) for year in np.unique(self.columns.years))
        self.articles = {  # article number -> the docnums of the passages so numbered
            number: [docnums[i] for i in ids if i in docnums]
            for number, ids in corpus.articles.items()
        }

    def read(self, parsed: ParsedQuery) -> Reading:
        if parsed.node is None:
            return Reading(None, "", "browse", parsed.notes)
        if parsed.plain:
            reading = self._read_plain(parsed)
        else:
            reading = self._read_boolean(parsed.node, parsed.notes)
        return self._with_definitions(reading, parsed)

    def _read_boolean(self, node: q.Node, parsed_notes: tuple[str, ...]) -> Reading:
        concepts: list[Concept | Prefixed] = []
        notes = list(parsed_notes)
        match, shown = self._boolean(node, concepts, notes)
        notes += _sense_notes(concepts)
        if match is None:
            notes.append("the query has nothing to search for (only very common words or symbols)")
            match = self.matcher.nothing()
        return Reading(match, shown, "boolean", tuple(notes), tuple(concepts))

    def _read_plain(self, parsed: ParsedQuery) -> Reading:
        text = " ".join(_plain_words(parsed))
        notes = list(parsed.notes)
        named_only = self.corpus.names.whole(text)
        if named_only:
            mask = any_of((self.columns.source_mask(s) for s in named_only), self.columns.n)
            notes.append("the query names an instrument: its passages in document order")
            match = Match(mask, np.zeros(self.columns.n))
            return Reading(match, text, "browse", tuple(notes), named=mask)
        pinned, articles, rest = self._pinned(text, notes)
        typed = rest.split()
        wording = word_out(self.matcher.synonyms.concepts(typed), self.known_years)
        concepts = list(wording.concepts)
        if pinned is not None and not concepts:
            concepts = self._article_phrase(text)
        found: dict[str, Any] = {"pinned": pinned, "articles": articles}
        found["named"] = self._named_mask(text)
        found["years"] = wording.span
        found["preferred"] = self._preferred(wording.kinds)
        notes += _wording_notes(wording)
        if not concepts and wording.years and pinned is None:  # "2016 workshop"
            read_as = _with_wording("", wording)
            return Reading(None, read_as, "browse", tuple(notes), **found)
        if not concepts:
            if pinned is None:
                notes.append("the query has only very common words; nothing was searched")
            return Reading(self.matcher.nothing(), "", "all", tuple(notes), **found)
        notes += _sense_notes(concepts)
        coordination, score = self._combined([self.concept(c) for c in concepts])
        every = coordination == len(concepts)
        with_all = int(np.count_nonzero(every))
        shown = [c.render() for c in concepts]
        found["phrased"] = self._phrased(concepts) if with_all > 1 else None
        one_word = len(concepts) == 1 and " " not in concepts[0].label
        if one_word or with_all >= ENOUGH_WITH_ALL_WORDS:
            match = Match(every, np.where(every, score, 0.0))
            read_as = _with_wording(" AND ".join(shown), wording)
            return Reading(
                match, read_as, "all", tuple(notes), tuple(concepts), coordination, **found
            )
        notes.append(
            "no passage has all the words; passages with most of them come first"
            if not with_all
            else "few passages have all the words; passages with some of them follow"
        )
        # a phrase or synonym made of several typed words may also match word by word
        spread = [
            w
            for c in concepts
            if " " in c.label
            for w in c.label.split()
            if fold(w) not in STOP_WORDS
        ]
        loose = self._word_by_word(spread, concepts)
        if loose:
            held, loose_score = self._combined([self.concept(c) for c in loose])
            coordination = coordination * 100 + held
            score = score + 0.5 * loose_score
        match = Match(coordination > 0, score)
        read_as = _with_wording(
            " OR ".join(dict.fromkeys([*shown, *(c.render() for c in loose)])), wording
        )
        concepts += loose
        return Reading(match, read_as, "any", tuple(notes), tuple(concepts), coordination, **found)

    def _combined(self, matches: list[Match]) -> tuple[np.ndarray, np.ndarray]:
        """How many of the matches each passage holds, and the sum of their scores."""
        first, *others = matches
        held, score = first.mask.astype(np.int64), first.score
        for match in others:
            held += match.mask
            score = score + match.score
        return held, score

    def concept(self, concept: Concept) -> Match:
        """A concept's match; the articles where the thesaurus says the instruments hold
        its sense match it as well as the best passage does, whatever their words (their
        own words rank them among themselves)."""
        match = self.matcher.concept(concept)
        sense = concept.sense
        docnums = [self.docnums[a] for a in sense.articles if a in self.docnums] if sense else []
        if not docnums or not match.mask.any():
            return match
        mask, score = match.mask.copy(), match.score.copy()
        mask[docnums] = True
        score[docnums] = score.max() + ARTICLE_TIE_BREAK * score[docnums]
        return Match(mask, score)

    def _phrased(self, concepts: list[Concept]) -> np.ndarray | None:
        """Where several typed words stand together as typed ("judicial oversight"):
        those passages come before the ones holding the words apart. Asked only when
        two passages or more hold every word: Whoosh reads positions for it."""
        if len(concepts) < 2 or any(len(c.alternatives[0]) != 1 for c in concepts):
            return None
        terms = tuple(c.alternatives[0][0] for c in concepts)
        return self.matcher.phrase_mask(terms)

    def _word_by_word(self, typed: list[str], concepts: list[Concept]) -> list[Concept]:
        """Each word on its own (with its own synonyms), unless a concept already is it."""
        known = {c.alternatives for c in concepts}
        loose = [c for word in typed for c in self.matcher.synonyms.concepts([word])]
        return [
            c for c in dict.fromkeys(loose) if c.alternatives[0] and c.alternatives not in known
        ]

    def _with_definitions(self, reading: Reading, parsed: ParsedQuery) -> Reading:
        """A query that is a defined term ("traffic data") lists its definitions first."""
        node = parsed.node
        if parsed.plain:
            asked = " ".join(_plain_words(parsed))
        elif isinstance(node, q.Phrase):
            asked = node.text
        else:
            return reading
        definitions = self.corpus.glossary.defining(asked)
        docnums = [self.docnums[d.passage_id] for d in definitions if d.passage_id in self.docnums]
        if not docnums:
            return reading
        defined = np.zeros(self.columns.n, dtype=bool)
        defined[docnums] = True
        term = definitions[0].term
        notes = (*reading.notes, f"“{term}” is a defined term: its definitions come first")
        return replace(reading, defined=defined, defined_term=term, notes=notes)

    def _preferred(self, kinds: tuple[str, ...]) -> np.ndarray | None:
        """The passages of the kinds of document the query's kind words name."""
        if not kinds:
            return None
        return any_of((self.columns.kind_mask(kind) for kind in kinds), self.columns.n)

    def _named_mask(self, text: str) -> np.ndarray | None:
        """Passages of the instruments the query names by an alias ("Convention 108")."""
        sources = self.corpus.names.within(text)
        if not sources:
            return None
        return any_of((self.columns.source_mask(s) for s in sources), self.columns.n)

    def _pinned(
        self, text: str, notes: list[str]
    ) -> tuple[np.ndarray | None, tuple[str, ...], str]:
        """Articles the query names ("Art. 32 Budapest Convention") come first."""
        numbers = _ARTICLE.findall(text)
        if not numbers:
            return None, (), text
        sources = self.corpus.names.within(text)
        pinned = np.zeros(self.columns.n, dtype=bool)
        for number in numbers:
            for docnum in self.articles.get(number, ()):
                if not sources or self.columns.sources[docnum] in sources:
                    pinned[docnum] = True
        names = tuple(f"Article {n}" for n in dict.fromkeys(numbers))
        if pinned.any():
            notes.append(f"{', '.join(names)} named: that article comes first")
        remaining = _ARTICLE.sub(" ", text)
        return pinned, names, remaining

    def _article_phrase(self, text: str) -> list[Concept]:
        """Passages that cite the named article, when its number is an index term."""
        number = _ARTICLE.findall(text)[0]
        terms = stems(f"article {number}")
        return [Concept(f"Article {number}", (terms,))] if len(terms) == 2 else []

    def _boolean(
        self, node: q.Node, concepts: list[Concept | Prefixed], notes: list[str]
    ) -> tuple[Match | None, str]:
        """Evaluate a query tree; returns None for a part with nothing searchable."""
        self.matcher.check_time()
        if isinstance(node, q.Word | q.Phrase):
            return self._words(node, concepts)
        if isinstance(node, q.Prefix):
            prefixed: Prefixed = self.matcher.prefix(node.text)
            concepts.append(prefixed)
            if prefixed.note:
                notes.append(prefixed.note)
            return self.matcher.prefixed(prefixed), prefixed.render()
        if isinstance(node, q.Filter):
            mask = self.matcher.field_filter(node.field, node.value)
            return Match(mask, np.zeros(self.columns.n)), render(node)
        if isinstance(node, q.Years):
            return Match(
                self.matcher.years(node.start, node.end), np.zeros(self.columns.n)
            ), render(node)
        if isinstance(node, q.Not):
            inner, shown = self._boolean(node.node, [], notes)  # what is excluded is not marked
            if inner is None:
                return None, ""
            return Match(~inner.mask & self.columns.alive, np.zeros(self.columns.n)), f"NOT {shown}"
        return self._compound(node, concepts, notes)

    def _words(
        self, node: q.Word | q.Phrase, found: list[Concept | Prefixed]
    ) -> tuple[Match | None, str]:
        if isinstance(node, q.Phrase):
            terms = stems(node.text)
            concepts = [Concept(f'"{node.text}"', (terms,))] if terms else []
        else:
            concepts = self.matcher.synonyms.concepts([node.text])
        concepts = [c for c in concepts if c.alternatives[0]]
        if not concepts:
            return None, ""
        result = self.concept(concepts[0])
        for concept in concepts[1:]:
            result = result & self.concept(concept)
        found += concepts
        return result, " ".join(c.render() for c in concepts)

    def _compound(
        self, node: q.All | q.Any, concepts: list[Concept | Prefixed], notes: list[str]
    ) -> tuple[Match | None, str]:
        read = [self._boolean(n, concepts, notes) for n in node.nodes]
        parts = [(m, s) for m, s in read if m is not None]
        if not parts:
            return None, ""
        result = parts[0][0]
        for match, _ in parts[1:]:
            result = result & match if isinstance(node, q.All) else result | match
        joint = " AND " if isinstance(node, q.All) else " OR "
        shown = joint.join(s if len(parts) == 1 else _grouped(s) for _, s in parts)
        return result, shown


def _plain_words(parsed: ParsedQuery) -> list[str]:
    """The words of a plain query as the parser kept them (within its limits)."""
    node = parsed.node
    words = node.nodes if isinstance(node, q.All) else (node,)
    return [w.text for w in words if isinstance(w, q.Word) and w.text not in q.OPERATORS]


def _wording_notes(wording: Wording) -> list[str]:
    """How the words that are not searched for were read, and how to undo it."""
    notes = []
    if wording.dropped:
        listed = ", ".join(f"“{w}”" for w in wording.dropped)
        notes.append(f"question and common words left out: {listed}")
    if wording.span:
        typed = " and ".join(f"“{year}”" for year in wording.years)
        shown = _year_filter(*wording.span)
        notes.append(f"{typed} read as the year filter {shown}; quote a year to search the number")
    if wording.kind_words:
        listed = ", ".join(f"“{w}”" for w in wording.kind_words)
        kinds = " and ".join(KIND_LABELS[k] for k in wording.kinds)
        notes.append(f"{listed} read as a preference: {kinds} first; quote it to search the word")
    return notes


def _with_wording(read_as: str, wording: Wording) -> str:
    """The reading in the query language, with the years and kinds the words asked for."""
    parts = [read_as] if read_as else []
    if wording.span:
        parts.append(_year_filter(*wording.span))
    if wording.kinds:
        parts.append(f"[{', '.join(wording.kinds)} first]")
    return " ".join(parts)


def _year_filter(start: int, end: int) -> str:
    return render(q.Years(start, end))


def _sense_notes(concepts: list[Concept] | list[Concept | Prefixed]) -> list[str]:
    """What the thesaurus made of the words typed: "“cracking”: what Budapest
    Convention Article 2 calls “illegal access”"."""
    said = {
        c.label: c.sense.gloss
        for c in concepts
        if isinstance(c, Concept) and c.sense is not None and stems(c.label) not in c.sense.names
    }
    return [f"“{label}”: {gloss}, also searched (weighing less)" for label, gloss in said.items()]


def _grouped(shown: str) -> str:
    return f"({shown})" if " AND " in shown or " OR " in shown else shown
