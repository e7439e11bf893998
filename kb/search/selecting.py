"""Selecting and ordering: the theme, the filters, the facets, the ranking.

After a query is read (:mod:`kb.search.reading`), the passages it selects are narrowed
by the theme and the filters (kind, source, year, speaker), counted for each facet
under every filter but its own, and put in order: articles named first, then
definitions of the term asked for, then passages with text before headings without,
then the kinds of document the query's kind words prefer, then passages holding more
of the concepts, then those naming the instruments named, holding the words as a
phrase, then by score, then in document order (or by year, when asked).
"""

from __future__ import annotations

import numpy as np

from kb.search.caching import LRU
from kb.search.matching import (
    DOCUMENT_FIELDS,
    PASSAGE_FIELDS,
    Concept,
    Match,
    Matcher,
    any_of,
    within,
)
from kb.search.reading import Reading
from kb.search.request import FACETS, SearchRequest
from kb.search.terms import stems
from kb.search.themes import Theme

THEME_BOOST = 0.5  # a theme's weight beside a query (alone, a theme is the whole score)
THEME_TITLE_WEIGHT = 0.1  # a theme's phrases in a document's title, for each of its passages
METADATA_ONLY_WEIGHT = 0.5  # a title match of a document with no text ranks below passages
MAX_SPEAKER_FACETS = 20
MAX_PER_DOCUMENT = 2  # passages of one document on the first page of a ranked search


class Selector:
    """Selects and orders the passages of one generation; shared by a worker's threads."""

    def __init__(self, matcher: Matcher, themes_bytes: int) -> None:
        self.matcher = matcher
        self.columns = matcher.columns
        # a passage whose text the source does not give (ETS 182, Articles 1-6); a document
        # known only by its metadata is no such passage: it ranks by its title
        columns = matcher.columns
        self.has_text = (columns.lengths["text"] > 0) | columns.metadata_only
        self._text_first = -self.has_text.astype(np.int8)  # the ranking's key for it
        self._weights = np.where(columns.metadata_only, METADATA_ONLY_WEIGHT, 1.0)
        self._themes: LRU[str, Match] = LRU(themes_bytes, lambda _, match: match.bytes)
        self._theme_phrases: dict[str, tuple[tuple[str, ...], ...]] = {}

    def base(self, reading: Reading, theme: Theme | None) -> tuple[np.ndarray, np.ndarray]:
        """The passages the query (and theme) select before the facet filters, with scores."""
        columns = self.columns
        if reading.match is None:
            mask, score = columns.alive.copy(), np.zeros(columns.n)
        else:
            mask, score = reading.match.mask & columns.alive, reading.match.score
        for first in (reading.pinned, reading.defined):
            if first is not None:
                mask = mask | first
        if reading.years:  # typed as words: "in 2016"
            mask = mask & self.matcher.years(*reading.years)
        if theme is not None:
            by_theme = self.theme_match(theme)
            mask = mask & by_theme.mask
            weight = 1.0 if reading.match is None else THEME_BOOST
            score = score + weight * by_theme.score
        return mask, score * self._weights

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

    def filters(self, request: SearchRequest) -> dict[str, np.ndarray]:
        matcher, n = self.matcher, self.columns.n
        filters: dict[str, np.ndarray] = {}
        if request.kinds:
            filters["kind"] = any_of((matcher.field_filter("kind", k) for k in request.kinds), n)
        if request.sources:
            filters["source"] = any_of(
                (matcher.field_filter("source", s) for s in request.sources), n
            )
        if request.years:
            filters["year"] = matcher.years(*request.years)
        if request.speakers:
            masks = (matcher.field_filter("speaker", s) for s in request.speakers)
            filters["speaker"] = any_of(masks, n)
        return filters

    def facets(self, base: np.ndarray, filters: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
        """Counts per facet value, each under every filter but its own."""
        if not filters:  # most searches: every facet counts the result set itself
            return self._counted(dict.fromkeys(FACETS, base))
        # the facets under the same filters count the same passages: selected once
        masks: dict[tuple[str, ...], np.ndarray] = {}
        under: dict[str, np.ndarray] = {}
        for facet in FACETS:
            others = tuple(name for name in filters if name != facet)
            mask = masks.get(others)
            if mask is None:
                mask = masks[others] = within(base, (filters[o] for o in others))
            under[facet] = mask
        return self._counted(under)

    def _counted(self, under: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
        """Each facet's values counted over the passages ``under`` it."""
        columns = self.columns
        kinds = np.bincount(columns.kind_codes[under["kind"]], minlength=len(columns.kind_names))
        sources = np.bincount(
            columns.source_codes[under["source"]], minlength=len(columns.source_names)
        )
        years = np.bincount(
            columns.year_codes[under["year"]], minlength=len(columns.year_names)
        ).tolist()
        year_names = columns.year_names
        facets = {
            "kind": _named_counts(kinds, columns.kind_names),
            "source": _named_counts(sources, columns.source_names),
            "year": {
                str(year_names[i]): years[i] for i in range(len(years) - 1, -1, -1) if years[i]
            },
        }
        if columns.has_speakers:
            pairs = columns.speaker_pairs
            speakers = _named_counts(
                pairs.counts(under["speaker"]), pairs.names, MAX_SPEAKER_FACETS
            )
            if speakers:
                facets["speaker"] = speakers
        return facets

    def rank(
        self, selected: np.ndarray, score: np.ndarray, reading: Reading, sort: str
    ) -> np.ndarray:
        """The selected docnums in the requested order."""
        columns = self.columns
        chosen = selected.nonzero()[0]
        keys = [columns.order[chosen]]  # np.lexsort: the last key sorts first
        scores = score[chosen]
        scored = bool(scores.any())
        if reading.match is not None or scored:
            keys.append(-scores)
            if reading.phrased is not None:
                keys.append(-reading.phrased[chosen].astype(np.int8))
            if reading.named is not None:
                keys.append(-reading.named[chosen].astype(np.int8))
            if reading.coordination is not None:
                keys.append(-reading.coordination[chosen])
            if reading.preferred is not None:  # kind words: "session", "treaty"
                keys.append(-reading.preferred[chosen].astype(np.int8))
            if scored:  # ranked by what matched, not browsed in order:
                # a heading whose text the source does not give never ranks above a text
                keys.append(self._text_first[chosen])
            if reading.defined is not None:
                keys.append(-reading.defined[chosen].astype(np.int8))
            if reading.pinned is not None:  # articles named come first, in document order
                pinned = reading.pinned[chosen]
                keys.append(np.where(pinned, columns.order[chosen], 0))
                keys.append(-pinned.astype(np.int8))
        elif reading.preferred is not None:  # browsing the kinds named first: "2016 workshop"
            keys.append(-reading.preferred[chosen].astype(np.int8))
        if sort == "year_desc":
            keys.append(-columns.years[chosen])
        elif sort == "year_asc":
            keys.append(columns.years[chosen])
        return chosen[np.lexsort(keys)]


def _named_counts(counts: np.ndarray, names: list[str], limit: int | None = None) -> dict[str, int]:
    """The values counted (at most ``limit``), most frequent first, then by name."""
    found = counts.tolist()
    held = counts.nonzero()[0].tolist()
    held.sort(key=names.__getitem__)
    held.sort(key=found.__getitem__, reverse=True)  # stable: ties stay in name order
    return {names[i]: found[i] for i in held[:limit]}


def collapse(
    ranked: np.ndarray, codes: np.ndarray, names: list[str], per_page: int
) -> tuple[np.ndarray, dict[str, int]]:
    """The first page holds at most MAX_PER_DOCUMENT passages of each document (while
    other documents have passages to show); the passages that would have exceeded it
    follow the page, in rank order, so that paging still reaches every one.

    ``codes`` are the ranked passages' document codes (``names`` their ids). Returns the
    new order, and how many passages of each document on the first page come after it
    ("3 more from this document").
    """
    codes = codes[ranked]
    shown, on_page = _first_page(codes, per_page)
    if not len(shown) or shown[-1] == len(shown) - 1:  # the ranking's head as it was
        order, positions = ranked, None
    else:
        rest = np.ones(len(ranked), dtype=bool)
        rest[shown] = False
        positions = np.concatenate([shown, rest.nonzero()[0]])
        order = ranked[positions]
    capped = [code for code, count in on_page.items() if count == MAX_PER_DOCUMENT]
    if not capped:
        return order, {}
    # the page's head may hold more of a document than the passages shown
    head = (codes[:per_page] if positions is None else codes[positions[:per_page]]).tolist()
    totals = np.bincount(codes).tolist()
    beyond = {names[code]: totals[code] - head.count(code) for code in capped}
    return order, {name: count for name, count in beyond.items() if count}


def _first_page(codes: np.ndarray, per_page: int) -> tuple[np.ndarray, dict[int, int]]:
    """Where the first page's passages stand among ``codes`` (the ranked passages'
    documents), in rank order: each document's first MAX_PER_DOCUMENT, until the page is
    full; and how many of each document it holds. Read a window at a time: only the head
    of a long ranking is ever looked at."""
    counts: dict[int, int] = {}
    shown: list[int] = []
    start, window = 0, 4 * per_page
    while len(shown) < per_page and start < len(codes):
        for at, code in enumerate(codes[start : start + window].tolist(), start):
            held = counts.get(code, 0)
            if held < MAX_PER_DOCUMENT:
                counts[code] = held + 1
                shown.append(at)
                if len(shown) == per_page:
                    break
        start, window = start + window, 2 * window
    return np.array(shown, dtype=np.int64), counts
