"""The one search function: a query, filters, a page and a sort in; hits, facets and more out.

A :class:`Searcher` belongs to one published generation and is shared by every
request a worker serves while that generation is current; it keeps the index
open, the per-passage arrays, and caches of postings, snippets and whole results.
:func:`search` is what the API, the pages and the CLI call.
"""

from __future__ import annotations

import math
import re
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
from whoosh.index import Index

from kb.models import KIND_LABELS, Document, Passage
from kb.search import query as q
from kb.search.caching import LRU, text_bytes
from kb.search.corpus import Corpus
from kb.search.explain import Clues, Explanation, explain
from kb.search.matching import (
    DOCUMENT_FIELDS,
    PASSAGE_FIELDS,
    Concept,
    Match,
    Matcher,
    Prefixed,
    QueryTimeout,
    Synonyms,
    read_columns,
)
from kb.search.query import ParsedQuery, parse, render
from kb.search.request import FACETS, InvalidRequest, SearchRequest
from kb.search.snippets import AnalysedText, Link, escape, highlight, snippet
from kb.search.spelling import Spelling
from kb.search.terms import WORD, stems
from kb.search.themes import Theme, Vocabulary

TIME_LIMIT = 0.5  # seconds per query
ENOUGH_WITH_ALL_WORDS = 3  # fewer passages with all the words: rank by any word instead
THEME_BOOST = 0.5
THEME_TITLE_WEIGHT = 0.1  # a theme's phrases in a document's title, for each of its passages
MAX_CORRECTED = 3  # unknown words a query may hold and still be taken for a typo
METADATA_ONLY_WEIGHT = 0.5  # a title match of a document with no text ranks below passages
MAX_SPEAKER_FACETS = 20
# What the caches of one generation may hold, in bytes.
ANALYSED_CACHE_BYTES = 32_000_000  # passages' words and index terms, for snippets
DOCUMENT_FIELDS_CACHE_BYTES = 1_000_000
MARKED_CACHE_BYTES = 6_000_000  # snippets
RESULTS_CACHE_BYTES = 6_000_000  # whole search results
THEMES_CACHE_BYTES = 4_000_000
HIT_BYTES = 400  # a hit's object, its id and score, and its explainer (its snippet apart)
_ARTICLE = re.compile(r"\b(?:article|art\.?)\s*(\d{1,3})\b", re.IGNORECASE)

__all__ = ["Hit", "QueryTimeout", "SearchResult", "Searcher"]


@dataclass(frozen=True)
class Hit:
    """One passage found. ``passage`` is None for a document known by its metadata only."""

    id: str
    document: Document
    passage: Passage | None
    score: float
    snippet: str
    matched_terms: tuple[str, ...]
    explain: Callable[[], Explanation] = field(repr=False, compare=False)

    @cached_property
    def explanation(self) -> Explanation:
        """Why the passage matched, worked out when first asked for: pages and exports
        always show it, the search API only when asked (it costs as much as the snippet)."""
        return self.explain()


@dataclass(frozen=True)
class SearchResult:
    request: SearchRequest
    read_as: str
    mode: str  # "all", "any", "boolean" or "browse"
    notes: tuple[str, ...]
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    searched_instead: str | None
    took_ms: float
    marks: frozenset[tuple[str, ...]] = frozenset()  # what the query marks in a text
    # the search answered instead of the one asked (a suggestion, a theme), if another
    answered: SearchRequest | None = None

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.request.per_page)


@dataclass(frozen=True)
class _Reading:
    """A query made ready to match: its matches, how it reads, what it asks for."""

    match: Match | None  # None: browse, no query
    read_as: str
    mode: str
    notes: tuple[str, ...]
    concepts: tuple[Concept | Prefixed, ...] = ()  # the terms asked for, negated ones left out
    coordination: np.ndarray | None = None  # how many of the concepts each passage holds
    pinned: np.ndarray | None = None  # the articles the query names
    articles: tuple[str, ...] = ()  # ... as the query names them ("Article 32")
    named: np.ndarray | None = None  # the passages of the instruments the query names
    defined: np.ndarray | None = None  # the definitions of the term the query is
    defined_term: str | None = None

    @cached_property
    def marked(self) -> frozenset[tuple[str, ...]]:
        """What to mark in a text: every alternative of every concept."""
        return frozenset(m for c in self.concepts for m in c.marks)


class Searcher:
    """Searches one published generation of the index."""

    def __init__(self, index: Index, corpus: Corpus, vocabulary: Vocabulary) -> None:
        self.corpus = corpus
        self.documents = corpus.documents
        self.vocabulary = vocabulary
        self.whoosh = index.searcher()
        self.columns = read_columns(self.whoosh, list(self.documents))
        self.matcher = Matcher(self.whoosh, self.columns, Synonyms(vocabulary.synonym_groups()))
        with self.matcher.whoosh_lock:
            self.spelling = Spelling.of(self.whoosh.reader(), _vocabulary_words(vocabulary))
        self.records = [self._record(id_) for id_ in self.columns.ids]
        self.docnums = {id_: docnum for docnum, id_ in enumerate(self.columns.ids)}
        self.synonym_themes = _synonym_themes(vocabulary)
        self.themes_by_phrase = _themes_by_phrase(vocabulary)
        self.articles = {
            number: [self.docnums[i] for i in ids if i in self.docnums]
            for number, ids in corpus.articles.items()
        }
        # Bounded so that a worker stays well under 150 MB (see kb/search/caching.py).
        self._analysed: LRU[int, dict[str, AnalysedText]] = LRU(
            ANALYSED_CACHE_BYTES, lambda _, fields: _fields_bytes(fields)
        )
        self._document_fields: LRU[str, dict[str, AnalysedText]] = LRU(
            DOCUMENT_FIELDS_CACHE_BYTES, lambda _, fields: _fields_bytes(fields)
        )
        self._marked: LRU[_MarkKey, tuple[str, tuple[str, ...]]] = LRU(
            MARKED_CACHE_BYTES, _marked_bytes
        )
        self._results: LRU[SearchRequest, SearchResult] = LRU(
            RESULTS_CACHE_BYTES, lambda _, result: _result_bytes(result)
        )
        self._themes: LRU[str, Match] = LRU(THEMES_CACHE_BYTES, lambda _, match: match.bytes)
        self._theme_phrases: dict[str, tuple[tuple[str, ...], ...]] = {}

    # The search ----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        self.check(request)
        result = self._results.get(request)
        if result is None:
            with self.matcher.time_limit(TIME_LIMIT):
                result = self._results.put(request, self._search(request))
        took = round((time.perf_counter() - started) * 1000, 2)
        return replace(result, took_ms=took)

    def within(
        self, request: SearchRequest, groups: Sequence[tuple[str, ...]]
    ) -> tuple[SearchResult, tuple[SearchResult, ...]]:
        """``request`` over everything, then its first page within each group of sources.

        Each group is read as the whole was: a query corrected, or a theme shown instead,
        for the whole is corrected or shown in every group too, so that the columns of a
        comparison answer the same question.
        """
        overall = self.search(replace(request, page=1))
        asked = overall.answered or overall.request
        parsed = parse(asked.q)
        with self.matcher.time_limit(TIME_LIMIT):
            columns = tuple(
                self._answer(replace(asked, sources=group, page=1), parsed) for group in groups
            )
        return overall, columns

    def check(self, request: SearchRequest) -> None:
        request.check_paging()
        for kind in request.kinds:
            if kind not in KIND_LABELS:
                known = ", ".join(KIND_LABELS)
                raise InvalidRequest("kind", f"unknown kind {kind!r}; one of {known}")
        for source in request.sources:
            if source not in self.documents:
                raise InvalidRequest("source", f"unknown source {source!r}; see /api/sources")
        if request.theme is not None and self.vocabulary.get(request.theme) is None:
            known = ", ".join(self.vocabulary.themes)
            raise InvalidRequest("theme", f"unknown theme {request.theme!r}; one of {known}")

    def _search(self, request: SearchRequest) -> SearchResult:
        parsed = parse(request.q)
        result = self._answer(request, parsed)
        suggestion = self.suggest(parsed)
        if result.total == 0 and suggestion:
            instead = self._answer(request, parse(suggestion))
            note = f"no passage matched {request.q!r}; showing results for {suggestion!r}"
            return replace(
                instead,
                notes=(*result.notes, note),
                suggestion=suggestion,
                searched_instead=suggestion,
                answered=replace(request, q=suggestion),
            )
        theme = self._theme_named(parsed) if result.total == 0 and not request.theme else None
        if theme is not None:
            shown = replace(request, q="", theme=theme.id)
            note = f"no passage matched {request.q!r}; showing the theme {theme.label!r}"
            instead = self._answer(shown, parse(""))
            return replace(instead, request=request, notes=(*result.notes, note), answered=shown)
        return replace(result, suggestion=suggestion)

    def _theme_named(self, parsed: ParsedQuery) -> Theme | None:
        """The theme whose label or one of whose phrases the whole query is."""
        return self.themes_by_phrase.get(stems(parsed.text))

    def _answer(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResult:
        reading = self.read(parsed)
        theme = self.vocabulary.get(request.theme) if request.theme else None
        base, score = self._base(reading, theme)
        filters = self._filters(request)
        selected = base & _all(filters.values(), self.columns.n)
        facets = self._facets(base, filters)
        ranked = self._rank(selected, score, reading, request.sort)
        start = (request.page - 1) * request.per_page
        page = ranked[start : start + request.per_page]
        hits = tuple(self._hit(int(d), float(score[d]), reading, request) for d in page)
        return SearchResult(
            request=request,
            read_as=reading.read_as,
            mode=reading.mode,
            notes=reading.notes,
            total=int(selected.sum()),
            hits=hits,
            facets=facets,
            suggestion=None,
            searched_instead=None,
            took_ms=0.0,
            marks=reading.marked,
        )

    # Reading the query ---------------------------------------------------------------------

    def read(self, parsed: ParsedQuery) -> _Reading:
        if parsed.node is None:
            return _Reading(None, "", "browse", parsed.notes)
        reading = self._read_plain(parsed) if parsed.plain else self._read_boolean(parsed)
        return self._with_definitions(reading, parsed)

    def _read_boolean(self, parsed: ParsedQuery) -> _Reading:
        concepts: list[Concept | Prefixed] = []
        notes = list(parsed.notes)
        match, shown = self._boolean(parsed.node, concepts, notes)
        if match is None:
            notes.append("the query has nothing to search for (only very common words or symbols)")
            match = self.matcher.nothing()
        return _Reading(match, shown, "boolean", tuple(notes), tuple(concepts))

    def _read_plain(self, parsed: ParsedQuery) -> _Reading:
        text = " ".join(_plain_words(parsed))
        notes = list(parsed.notes)
        named_only = self._named_only(text)
        if named_only:
            mask = _any((self.columns.source_mask(s) for s in named_only), self.columns.n)
            notes.append("the query names an instrument: its passages in document order")
            match = Match(mask, np.zeros(self.columns.n))
            return _Reading(match, text, "browse", tuple(notes), named=mask)
        pinned, articles, rest = self._pinned(text, notes)
        typed = rest.split()
        concepts = self.matcher.synonyms.concepts(typed)
        if pinned is not None and not concepts:
            concepts = self._article_phrase(text)
        found = {"pinned": pinned, "articles": articles, "named": self._named_mask(text)}
        if not concepts:
            if pinned is None:
                notes.append("the query has only very common words; nothing was searched")
            return _Reading(self.matcher.nothing(), "", "all", tuple(notes), **found)
        matches = [self.matcher.concept(c) for c in concepts]
        coordination = np.sum([m.mask for m in matches], axis=0)
        score = np.sum([m.score for m in matches], axis=0)
        every = coordination == len(concepts)
        shown = [c.render() for c in concepts]
        if len(typed) == 1 or int(every.sum()) >= ENOUGH_WITH_ALL_WORDS:
            match = Match(every, np.where(every, score, 0.0))
            read_as = " AND ".join(shown)
            return _Reading(
                match, read_as, "all", tuple(notes), tuple(concepts), coordination, **found
            )
        notes.append(
            "no passage has all the words; passages with most of them come first"
            if not every.any()
            else "few passages have all the words; passages with some of them follow"
        )
        # a phrase or synonym made of several typed words may also match word by word
        spread = [w for c in concepts if " " in c.label for w in c.label.split()]
        loose = self._word_by_word(spread, concepts)
        if loose:
            matches = [self.matcher.concept(c) for c in loose]
            coordination = coordination * 100 + np.sum([m.mask for m in matches], axis=0)
            score = score + 0.5 * np.sum([m.score for m in matches], axis=0)
        match = Match(coordination > 0, score)
        read_as = " OR ".join(dict.fromkeys([*shown, *(c.render() for c in loose)]))
        concepts += loose
        return _Reading(match, read_as, "any", tuple(notes), tuple(concepts), coordination, **found)

    def _word_by_word(self, typed: list[str], concepts: list[Concept]) -> list[Concept]:
        """Each word on its own (with its own synonyms), unless a concept already is it."""
        known = {c.alternatives for c in concepts}
        loose = [c for word in typed for c in self.matcher.synonyms.concepts([word])]
        return [
            c for c in dict.fromkeys(loose) if c.alternatives[0] and c.alternatives not in known
        ]

    def _with_definitions(self, reading: _Reading, parsed: ParsedQuery) -> _Reading:
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

    def _named_mask(self, text: str) -> np.ndarray | None:
        """Passages of the instruments the query names by an alias ("Convention 108")."""
        sources = self._named_sources(text)
        if not sources:
            return None
        return _any((self.columns.source_mask(s) for s in sources), self.columns.n)

    def _pinned(
        self, text: str, notes: list[str]
    ) -> tuple[np.ndarray | None, tuple[str, ...], str]:
        """Articles the query names ("Art. 32 Budapest Convention") come first."""
        numbers = _ARTICLE.findall(text)
        if not numbers:
            return None, (), text
        sources = self._named_sources(text)
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

    def _named_only(self, text: str) -> frozenset[str]:
        """The sources whose name is the whole query ("Budapest Convention")."""
        return self.corpus.names.whole(text)

    def _named_sources(self, text: str) -> frozenset[str]:
        """The sources named in the query, the longest name winning."""
        return self.corpus.names.within(text)

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
        result = self.matcher.concept(concepts[0])
        for concept in concepts[1:]:
            result = result & self.matcher.concept(concept)
        found += concepts
        return result, " ".join(c.render() for c in concepts)

    def _compound(
        self, node: q.All | q.Any, concepts: list[Concept | Prefixed], notes: list[str]
    ) -> tuple[Match | None, str]:
        parts = [self._boolean(n, concepts, notes) for n in node.nodes]
        parts = [(m, s) for m, s in parts if m is not None]
        if not parts:
            return None, ""
        result = parts[0][0]
        for match, _ in parts[1:]:
            result = result & match if isinstance(node, q.All) else result | match
        joint = " AND " if isinstance(node, q.All) else " OR "
        shown = joint.join(s if len(parts) == 1 else _grouped(s) for _, s in parts)
        return result, shown

    # Filters, facets, ranking ------------------------------------------------------------

    def _base(self, reading: _Reading, theme: Theme | None) -> tuple[np.ndarray, np.ndarray]:
        """The passages the query (and theme) select before the facet filters, with scores."""
        columns = self.columns
        if reading.match is None:
            mask, score = columns.alive.copy(), np.zeros(columns.n)
        else:
            mask, score = reading.match.mask & columns.alive, reading.match.score
        for first in (reading.pinned, reading.defined):
            if first is not None:
                mask = mask | first
        if theme is not None:
            by_theme = self.theme_match(theme)
            mask = mask & by_theme.mask
            weight = 1.0 if reading.match is None else THEME_BOOST
            score = score + weight * by_theme.score
        return mask, score * np.where(columns.metadata_only, METADATA_ONLY_WEIGHT, 1.0)

    def theme_match(self, theme: Theme) -> Match:
        def make() -> Match:
            """A passage is in the theme by its own words or its document's title, and ranks
            by its own words: the ECHR's title names human rights in every article."""
            concept = Concept(theme.label, self.theme_phrases(theme))
            own = self.matcher.concept(concept, combine="sum", fields=PASSAGE_FIELDS)
            named = self.matcher.concept(concept, combine="sum", fields=DOCUMENT_FIELDS)
            score = own.score + THEME_TITLE_WEIGHT * named.score
            return Match(own.mask | named.mask, score)

        return self._themes.get_or_make(theme.id, make)

    def theme_phrases(self, theme: Theme) -> tuple[tuple[str, ...], ...]:
        """The index terms of each of the theme's phrases, each once."""
        found = self._theme_phrases.get(theme.id)
        if found is None:
            found = tuple(dict.fromkeys(s for s in map(stems, theme.terms) if s))
            self._theme_phrases[theme.id] = found
        return found

    def _filters(self, request: SearchRequest) -> dict[str, np.ndarray]:
        matcher, n = self.matcher, self.columns.n
        filters: dict[str, np.ndarray] = {}
        if request.kinds:
            filters["kind"] = _any((matcher.field_filter("kind", k) for k in request.kinds), n)
        if request.sources:
            filters["source"] = _any(
                (matcher.field_filter("source", s) for s in request.sources), n
            )
        if request.years:
            filters["year"] = matcher.years(*request.years)
        if request.speakers:
            masks = (matcher.field_filter("speaker", s) for s in request.speakers)
            filters["speaker"] = _any(masks, n)
        return filters

    def _facets(
        self, base: np.ndarray, filters: dict[str, np.ndarray]
    ) -> dict[str, dict[str, int]]:
        """Counts per facet value, each under every filter but its own."""
        columns = self.columns
        facets: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            others = [mask for name, mask in filters.items() if name != facet]
            mask = base & _all(others, columns.n)
            if facet == "kind":
                facets["kind"] = _named_counts(columns.kind_codes[mask], columns.kind_names)
            elif facet == "source":
                facets["source"] = _named_counts(columns.source_codes[mask], columns.source_names)
            elif facet == "year":
                counts = np.bincount(columns.year_codes[mask], minlength=len(columns.year_names))
                facets["year"] = {
                    str(columns.year_names[i]): int(counts[i])
                    for i in range(len(counts) - 1, -1, -1)
                    if counts[i]
                }
            elif columns.has_speakers:
                speakers = Counter(s for d in np.flatnonzero(mask) for s in columns.speakers[d])
                if speakers:
                    facets["speaker"] = dict(speakers.most_common(MAX_SPEAKER_FACETS))
        return facets

    def _rank(
        self, selected: np.ndarray, score: np.ndarray, reading: _Reading, sort: str
    ) -> np.ndarray:
        """The selected docnums in the requested order."""
        columns = self.columns
        chosen = np.flatnonzero(selected)
        keys = [columns.order[chosen]]  # np.lexsort: the last key sorts first
        if reading.match is not None or np.any(score[chosen]):
            keys.append(-score[chosen])
            if reading.named is not None:
                keys.append(-reading.named[chosen].astype(np.int8))
            if reading.coordination is not None:
                keys.append(-reading.coordination[chosen])
            if reading.defined is not None:
                keys.append(-reading.defined[chosen].astype(np.int8))
            if reading.pinned is not None:  # articles named come first, in document order
                pinned = reading.pinned[chosen]
                keys.append(np.where(pinned, columns.order[chosen], 0))
                keys.append(-pinned.astype(np.int8))
        if sort == "year_desc":
            keys.append(-columns.years[chosen])
        elif sort == "year_asc":
            keys.append(columns.years[chosen])
        return chosen[np.lexsort(keys)]

    # Hits --------------------------------------------------------------------------------

    def _hit(self, docnum: int, score: float, reading: _Reading, request: SearchRequest) -> Hit:
        document, passage = self.records[docnum]
        why = self._explainer(docnum, reading, request)
        if passage is None:
            return Hit(self.columns.ids[docnum], document, None, round(score, 4), "", (), why)
        fields = self._fields(docnum)
        label, text = fields["heading"], fields["text"]
        # Only the query terms a passage holds shape its snippet: queries that share
        # them ("data", "data access", "data retention") share the work.
        present = frozenset(m for m in reading.marked if m[0] in text.where or m[0] in label.where)
        shown, matched = self._marked.get_or_make(
            (docnum, present, request.snippets),
            lambda: _mark(label, text, set(present), request.snippets),
        )
        hit_id = self.columns.ids[docnum]
        if request.snippets and _at(reading.defined, docnum):
            shown = self._definition_snippet(hit_id, reading)
        elif request.snippets and not passage.text_available and passage.note:
            shown = escape(passage.note)  # a heading without its text: say why
        return Hit(hit_id, document, passage, round(score, 4), shown, matched, why)

    def _definition_snippet(self, passage_id: str, reading: _Reading) -> str:
        """The snippet of a definition asked for: its own clause, not the whole article's."""
        term = reading.defined_term or ""
        definitions = self.corpus.glossary.defining(term)
        clause = next(d.text for d in definitions if d.passage_id == passage_id)
        analysed = AnalysedText.of(clause)
        return snippet(analysed, analysed.positions(reading.marked))

    def _fields(self, docnum: int) -> dict[str, AnalysedText]:
        """A passage's words by field, analysed once: for snippets and explanations."""

        def analyse() -> dict[str, AnalysedText]:
            document, passage = self.records[docnum]
            shared = self._document_fields.get_or_make(
                document.id, lambda: _document_fields(document)
            )
            if passage is None:
                return shared
            return {
                "heading": AnalysedText.of(passage.label),
                "text": AnalysedText.of(passage.text),
                "path": AnalysedText.of(" › ".join(passage.path)),
                **shared,
                "speakers": AnalysedText.of(", ".join(passage.speakers)),
            }

        return self._analysed.get_or_make(docnum, analyse)

    def _explainer(
        self, docnum: int, reading: _Reading, request: SearchRequest
    ) -> Callable[[], Explanation]:
        """What explains a hit, worked out when asked.

        It keeps only small values (no arrays), since the hit may stay in a cached
        result, and the searcher only weakly: a strong reference would make a cycle
        (searcher, cached result, hit, searcher) that keeps a replaced generation's
        files open until the garbage collector happens to run.
        """
        searcher = weakref.ref(self)
        concepts, theme_id = reading.concepts, request.theme
        defines = reading.defined_term if _at(reading.defined, docnum) else None
        articles = reading.articles if _at(reading.pinned, docnum) else ()
        named = _at(reading.named, docnum)

        def why() -> Explanation:
            alive = searcher()
            if alive is None:  # asked after its generation was let go: nothing to read
                return Explanation()
            theme = alive.vocabulary.get(theme_id) if theme_id else None
            clues = Clues(
                theme=theme.label if theme else None,
                theme_phrases=alive.theme_phrases(theme) if theme else (),
                defines=defines,
                articles=articles,
                named=alive.records[docnum][0].source.short_title if named else None,
                synonym_themes=alive.synonym_themes,
            )
            return explain(alive._fields(docnum), concepts, clues)

        return why

    def highlighter(
        self, query: str, marks: frozenset[tuple[str, ...]] | None = None
    ) -> Callable[..., str]:
        """A function marking in any text the words that ``query`` searches for.

        ``marks`` (a SearchResult's) spare reading the query again. The function takes
        a text and, optionally, links to make in it (see ``snippets.highlight``).
        """
        if marks is None and query.strip():
            with self.matcher.time_limit(TIME_LIMIT):
                marks = self.read(parse(query)).marked
        marks = marks or frozenset()

        def mark(text: str, links: Iterable[Link] = ()) -> str:
            analysed = AnalysedText.of(text)
            return highlight(analysed, analysed.positions(marks), links)

        return mark

    def suggest(self, parsed: ParsedQuery) -> str | None:
        """The query with its unknown words corrected, or None.

        A query with more than MAX_CORRECTED words to correct is no typo: nothing is
        looked up. A suggestion is a courtesy: when the query's time runs out, none.
        """
        typed = dict.fromkeys(w for w in _typed_words(parsed) if w not in q.OPERATORS)
        unknown = [word for word in typed if self.spelling.correctable(word)]
        if len(unknown) > MAX_CORRECTED:
            return None
        corrections: dict[str, str] = {}
        try:
            for word in unknown:
                self.matcher.check_time()
                corrected = self.spelling.correct(word)
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

    # Set-up ------------------------------------------------------------------------------

    def _record(self, record_id: str) -> tuple[Document, Passage | None]:
        """A record's document and passage (None for a document known by its metadata)."""
        try:
            return self.corpus.passage(record_id)
        except KeyError:
            return self.documents[record_id.partition(".")[0]], None


_MarkKey = tuple[int, frozenset[tuple[str, ...]], bool]  # passage, marks it holds, snippets


def _fields_bytes(fields: dict[str, AnalysedText]) -> int:
    return sum(analysed.bytes for analysed in fields.values())


def _marked_bytes(key: _MarkKey, marked: tuple[str, tuple[str, ...]]) -> int:
    marks = (term for mark in key[1] for term in mark)
    return text_bytes(*marks, marked[0], *marked[1])


def _result_bytes(result: SearchResult) -> int:
    """What a cached result holds of its own: the request, the reading, the hits' snippets."""
    request = result.request
    texts = (request.q, result.read_as, *result.notes, result.suggestion or "")
    marks = (term for mark in result.marks for term in mark)
    facets = (value for counts in result.facets.values() for value in counts)
    hits = sum(HIT_BYTES + len(hit.snippet) + len(hit.matched_terms) * 60 for hit in result.hits)
    return text_bytes(*texts, *marks, *facets) + hits


def _document_fields(document: Document) -> dict[str, AnalysedText]:
    """What every passage of a document is also found by: its names and its people."""
    source = document.source
    return {
        "title": AnalysedText.of(" · ".join((source.title, *source.aliases))),
        "people": AnalysedText.of(" ; ".join(p.name for p in document.people)),
    }


def _at(mask: np.ndarray | None, docnum: int) -> bool:
    return mask is not None and bool(mask[docnum])


def _themes_by_phrase(vocabulary: Vocabulary) -> dict[tuple[str, ...], Theme]:
    """Each theme by the index terms of its label and phrases (the first theme to say one)."""
    found: dict[tuple[str, ...], Theme] = {}
    for theme in vocabulary.themes.values():
        for term in theme.terms:
            found.setdefault(stems(term), theme)
    found.pop((), None)
    return found


def _synonym_themes(vocabulary: Vocabulary) -> dict[tuple[str, ...], str]:
    """The theme each synonym belongs to, by its index terms: to name it when it matched."""
    return {
        stems(phrase): theme.label
        for theme in vocabulary.themes.values()
        for group in theme.synonyms
        for phrase in group
        if stems(phrase)
    }


def _all(masks: Iterable[np.ndarray], n: int) -> np.ndarray:
    result = np.ones(n, dtype=bool)
    for mask in masks:
        result &= mask
    return result


def _any(masks: Iterable[np.ndarray], n: int) -> np.ndarray:
    result = np.zeros(n, dtype=bool)
    for mask in masks:
        result |= mask
    return result


def _named_counts(codes: np.ndarray, names: list[str]) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    order = sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))
    return {names[i]: int(counts[i]) for i in order if counts[i]}


def _mark(
    label: AnalysedText, text: AnalysedText, marks: set[tuple[str, ...]], snippets: bool
) -> tuple[str, tuple[str, ...]]:
    """A passage's snippet (or "") and the words of its label and text that matched."""
    shown = snippet(text, text.positions(marks)) if snippets else ""
    matched = label.matched_words(marks) + text.matched_words(marks)
    return shown, tuple(dict.fromkeys(matched))


def _vocabulary_words(vocabulary: Vocabulary) -> set[str]:
    """Words of the themes: never "typos", even where the corpus lacks them ("freeze")."""
    return {w for theme in vocabulary.themes.values() for t in theme.terms for w in WORD.findall(t)}


def _plain_words(parsed: ParsedQuery) -> list[str]:
    """The words of a plain query as the parser kept them (within its limits)."""
    node = parsed.node
    words = node.nodes if isinstance(node, q.All) else (node,)
    return [w.text for w in words if isinstance(w, q.Word) and w.text not in q.OPERATORS]


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


def _grouped(shown: str) -> str:
    return f"({shown})" if " AND " in shown or " OR " in shown else shown
