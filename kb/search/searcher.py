"""The one search function: a query, filters, a page and a sort in; hits, facets and more out.

A :class:`Searcher` belongs to one published generation and is shared by every
request a worker serves while that generation is current. It only evaluates
queries, stage by stage, each in its own module: the query is parsed
(:mod:`kb.search.query`) and read into matches (:mod:`kb.search.reading`, over
:mod:`kb.search.matching`), the passages selected, counted and ranked
(:mod:`kb.search.selecting`), the page's hits built (:mod:`kb.search.hits`), and a
correction suggested (:mod:`kb.search.spelling`). What the corpus knows is the
:class:`~kb.search.corpus.Corpus`'s. :func:`kb.search.search` is what the API, the
pages and the CLI call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from whoosh.index import Index

from kb.config import SearchLimits
from kb.models import KIND_LABELS, Document, Passage
from kb.search.caching import LRU, text_bytes
from kb.search.columns import read_columns, read_sidecars
from kb.search.corpus import Corpus
from kb.search.hits import Hit, HitBuilder, Marker
from kb.search.matching import Matcher, QueryTimeout, Synonyms, within
from kb.search.query import ParsedQuery, parse
from kb.search.reading import Reader, Reading
from kb.search.request import InvalidRequest, SearchRequest
from kb.search.selecting import Selector, collapse
from kb.search.senses import senses
from kb.search.spelling import Spelling
from kb.search.terms import WORD, stems
from kb.search.themes import Theme, Vocabulary
from kb.search.thesaurus import Thesaurus

__all__ = ["Hit", "QueryTimeout", "SearchResult", "Searcher"]


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
    # documents with more passages than the first page shows: how many more, by source
    collapsed: dict[str, int] = field(default_factory=dict)
    years_read: tuple[int, int] | None = None  # a year filter read from words ("in 2016")
    # for a query that found nothing: related concepts the corpus holds (their terms)
    related: tuple[str, ...] = ()

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.request.per_page)

    def timed(self, took_ms: float) -> SearchResult:
        """This result as the request that took ``took_ms`` gets it: a copy differing in
        that field alone, made without ``dataclasses.replace`` (which builds and checks
        every field again: 3 µs of each search, against 0.4)."""
        copy = object.__new__(SearchResult)
        copy.__dict__.update(self.__dict__)
        copy.__dict__["took_ms"] = took_ms
        return copy


class Searcher:
    """Searches one published generation of the index."""

    def __init__(
        self,
        index: Index,
        corpus: Corpus,
        vocabulary: Vocabulary,
        limits: SearchLimits,
        thesaurus: Thesaurus,
    ) -> None:
        self.corpus = corpus
        self.limits = limits
        self.documents = corpus.documents
        self.vocabulary = vocabulary
        self.whoosh = index.searcher()
        sidecars = read_sidecars(index, self.whoosh.reader())  # None: Whoosh is read
        self.columns = read_columns(self.whoosh, list(self.documents), sidecars)
        synonyms = Synonyms(vocabulary.synonym_groups(), senses(thesaurus, corpus))
        self.matcher = Matcher(self.whoosh, self.columns, synonyms, limits)
        with self.matcher.whoosh_lock:
            words = _vocabulary_words(vocabulary)
            reader = self.whoosh.reader()
            self.spelling = Spelling.of(
                reader, words, limits.corrections_bytes, thesaurus, sidecars
            )
        docnums = {id_: docnum for docnum, id_ in enumerate(self.columns.ids)}
        records = [self._record(id_) for id_ in self.columns.ids]
        self.reader = Reader(self.matcher, corpus, docnums)
        self.selector = Selector(self.matcher, limits.themes_bytes)
        theme_phrases = self.selector.theme_phrases
        self.hits = HitBuilder(corpus, self.columns, records, vocabulary, theme_phrases, limits)
        self.themes_by_phrase = _themes_by_phrase(vocabulary)
        self._results: LRU[SearchRequest, SearchResult] = LRU(
            limits.results_bytes, lambda _, result: _result_bytes(result), second_sight=True
        )

    # The search ----------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        self.check(request)
        result = self._results.get(request)
        if result is None:
            with self.matcher.time_limit(self.limits.query_seconds):
                result = self._search(request)
            if self._results.admit(request):
                self._results.put(request, result)
        took = round((time.perf_counter() - started) * 1000, 2)
        return result.timed(took)

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
        with self.matcher.time_limit(self.limits.query_seconds):
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
        suggestion = self.spelling.suggest(parsed, self.matcher.check_time)
        if suggestion and (result.total == 0 or result.mode == "any"):
            instead = self._corrected(request, result, suggestion)
            if instead is not None:
                return instead
        theme = self._theme_named(parsed) if result.total == 0 and not request.theme else None
        if theme is not None:
            shown = replace(request, q="", theme=theme.id)
            note = f"no passage matched {request.q!r}; showing the theme {theme.label!r}"
            instead = self._answer(shown, parse(""))
            return replace(instead, request=request, notes=(*result.notes, note), answered=shown)
        if result.total == 0 and not suggestion:
            absence = self.spelling.absent(parsed)
            notes = (*result.notes, *absence.notes)
            return replace(result, notes=notes, related=absence.related)
        return replace(result, suggestion=suggestion) if suggestion else result

    def _corrected(
        self, request: SearchRequest, result: SearchResult, suggestion: str
    ) -> SearchResult | None:
        """The results of the corrected query, for a query that found nothing or found
        passages only through some of its words (a misspelt word no passage uses cannot
        match): None when the correction finds nothing either where the query found some."""
        instead = self._answer(request, parse(suggestion))
        if instead.total == 0 and result.total > 0:
            return None
        note = f"no passage matched {request.q!r}; showing results for {suggestion!r}"
        return replace(
            instead,
            notes=(*instead.notes, note),  # how the correction was read, not the typo
            suggestion=suggestion,
            searched_instead=suggestion,
            answered=replace(request, q=suggestion),
        )

    def _theme_named(self, parsed: ParsedQuery) -> Theme | None:
        """The theme whose label or one of whose phrases the whole query is."""
        return self.themes_by_phrase.get(stems(parsed.text))

    def _answer(self, request: SearchRequest, parsed: ParsedQuery) -> SearchResult:
        """One search, stage by stage: read, select and rank, build the page's hits."""
        reading = self.reader.read(parsed)
        theme = self.vocabulary.get(request.theme) if request.theme else None
        selector = self.selector
        base, score = selector.base(reading, theme)
        filters = selector.filters(request)
        selected = within(base, filters.values())
        facets = selector.facets(base, filters)
        ranked = selector.rank(selected, score, reading, request.sort)
        collapsed: dict[str, int] = {}
        if _collapses(request, reading) and score[ranked].any():  # ranked by what matched
            columns = self.columns
            ranked, collapsed = collapse(
                ranked, columns.source_codes, columns.source_names, request.per_page
            )
        start = (request.page - 1) * request.per_page
        page = ranked[start : start + request.per_page]
        hits = self.hits.page(page.tolist(), score[page].tolist(), reading, request)
        return SearchResult(
            request=request,
            read_as=reading.read_as,
            mode=reading.mode,
            notes=reading.notes,
            total=int(np.count_nonzero(selected)),
            hits=hits,
            facets=facets,
            suggestion=None,
            searched_instead=None,
            took_ms=0.0,
            marks=reading.marked,
            collapsed=collapsed if request.page == 1 else {},
            years_read=reading.years,
        )

    def highlighter(self, query: str, marks: frozenset[tuple[str, ...]] | None = None) -> Marker:
        """A function marking in any text the words that ``query`` searches for.

        ``marks`` (a SearchResult's) spare reading the query again. The function takes
        a text and, optionally, links to make in it (see ``snippets.highlight``).
        """
        if marks is None and query.strip():
            with self.matcher.time_limit(self.limits.query_seconds):
                marks = self.reader.read(parse(query)).marked
        return self.hits.marker(marks or frozenset())

    def _record(self, record_id: str) -> tuple[Document, Passage | None]:
        """A record's document and passage (None for a document known by its metadata)."""
        try:
            return self.corpus.passage(record_id)
        except KeyError:
            return self.documents[record_id.partition(".")[0]], None


def _collapses(request: SearchRequest, reading: Reading) -> bool:
    """Whether the first page shows at most two passages a document: in a search ranked
    by relevance, not limited to one document."""
    ranked = reading.match is not None and reading.mode != "browse"
    return ranked and request.sort == "relevance" and len(request.sources) != 1


def _result_bytes(result: SearchResult) -> int:
    """What a cached result holds of its own: the request, the reading, the hits."""
    request = result.request
    texts = (request.q, result.read_as, *result.notes, result.suggestion or "", *result.related)
    marks = (term for mark in result.marks for term in mark)
    facets = (value for counts in result.facets.values() for value in counts)
    return text_bytes(*texts, *marks, *facets) + sum(hit.bytes for hit in result.hits)


def _themes_by_phrase(vocabulary: Vocabulary) -> dict[tuple[str, ...], Theme]:
    """Each theme by the index terms of its label and phrases (the first theme to say one)."""
    found: dict[tuple[str, ...], Theme] = {}
    for theme in vocabulary.themes.values():
        for term in theme.terms:
            found.setdefault(stems(term), theme)
    found.pop((), None)
    return found


def _vocabulary_words(vocabulary: Vocabulary) -> set[str]:
    """Words of the themes: never "typos", even where the corpus lacks them ("freeze")."""
    return {w for theme in vocabulary.themes.values() for t in theme.terms for w in WORD.findall(t)}
