"""Building hits: a passage found, its snippet and marks, and why it matched.

The last stage of a search (after :mod:`kb.search.reading` and
:mod:`kb.search.selecting`): for each passage of the page asked for, its words
analysed once (:class:`kb.search.snippets.AnalysedText`, cached), the fragments
holding the query's terms marked, a definition's own clause when the term asked for
is defined there, a text-less article's note, and a way to say why it matched
(:mod:`kb.search.explain`), worked out only when asked.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kb.config import SearchLimits
from kb.models import Document, Passage
from kb.search.caching import LRU, text_bytes
from kb.search.columns import Columns
from kb.search.corpus import Corpus
from kb.search.explain import Clues, Explanation, explain
from kb.search.reading import Reading
from kb.search.request import SearchRequest
from kb.search.snippets import (
    AnalysedText,
    Link,
    escape,
    highlight,
    snippet,
    snippet_at,
)
from kb.search.terms import stems
from kb.search.themes import Theme, Vocabulary

HIT_BYTES = 400  # a hit's object, its id and score, and its explainer (its snippet apart)
WORD_BYTES = 60  # a short word held in a tuple: its string and its slot

ThemePhrases = Callable[[Theme], tuple[tuple[str, ...], ...]]
Marker = Callable[..., str]  # text (and links) -> HTML with the marks


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

    @property
    def bytes(self) -> int:
        """What a cached hit holds of its own (its document and passage are the corpus's)."""
        return HIT_BYTES + text_bytes(self.snippet) + len(self.matched_terms) * WORD_BYTES


class HitBuilder:
    """Builds the hits of one generation; shared by a worker's threads."""

    def __init__(
        self,
        corpus: Corpus,
        columns: Columns,
        records: list[tuple[Document, Passage | None]],
        vocabulary: Vocabulary,
        theme_phrases: ThemePhrases,
        limits: SearchLimits,
    ) -> None:
        self.corpus = corpus
        self.columns = columns
        self.records = records
        self.vocabulary = vocabulary
        self.theme_phrases = theme_phrases
        self.synonym_themes = _synonym_themes(vocabulary)
        self._analysed: LRU[int, dict[str, AnalysedText]] = LRU(
            limits.analysed_bytes, lambda _, fields: _fields_bytes(fields)
        )
        self._document_fields: LRU[str, dict[str, AnalysedText]] = LRU(
            limits.document_fields_bytes, lambda _, fields: _fields_bytes(fields)
        )
        self._marked: LRU[_MarkKey, tuple[str, tuple[str, ...]]] = LRU(
            limits.snippets_bytes, _marked_bytes, second_sight=True, fill_first=True
        )
        self._weak = weakref.ref(self)  # what a hit's explainer holds (see ``_explainer``)

    def page(
        self, docnums: list[int], scores: list[float], reading: Reading, request: SearchRequest
    ) -> tuple[Hit, ...]:
        """The hits of a page of passages (``docnums``, with their ``scores``), in order.

        Each passage's snippet and matched words are kept by the query terms it holds
        (not all the query's): queries that share them ("data", "data access", "data
        retention") share the work. What every hit of the page reads is read once.
        """
        records, ids, analysed, kept = self.records, self.columns.ids, self._analysed, self._marked
        marks = [(mark, mark[0]) for mark in reading.marked]  # each with its first term
        snippets, defined = request.snippets, reading.defined
        hits = []
        for docnum, score in zip(docnums, scores, strict=True):
            document, passage = records[docnum]
            hit_id = ids[docnum]
            why = self._explainer(docnum, reading, request)
            if passage is None:
                hits.append(Hit(hit_id, document, None, round(score, 4), "", (), why))
                continue
            fields = analysed.get(docnum) or self.fields(docnum)
            label, text = fields["heading"], fields["text"]
            in_text, in_label = text.where, label.where
            present = frozenset([m for m, first in marks if first in in_text or first in in_label])
            key = (docnum, present, snippets)
            marked = kept.get(key)
            if marked is None:
                marked = _mark(label, text, present, snippets)
                if kept.admit(key):
                    kept.put(key, marked)
            shown, matched = marked
            if snippets and _at(defined, docnum):
                shown = self._definition_snippet(hit_id, reading)
            elif snippets and not passage.text_available and passage.note:
                shown = escape(passage.note)  # a heading without its text: say why
            hits.append(Hit(hit_id, document, passage, round(score, 4), shown, matched, why))
        return tuple(hits)

    def _definition_snippet(self, passage_id: str, reading: Reading) -> str:
        """The snippet of a definition asked for: its own clause, not the whole article's."""
        term = reading.defined_term or ""
        definitions = self.corpus.glossary.defining(term)
        clause = next(d.text for d in definitions if d.passage_id == passage_id)
        analysed = AnalysedText.of(clause)
        return snippet(analysed, reading.marked)

    def fields(self, docnum: int) -> dict[str, AnalysedText]:
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
        self, docnum: int, reading: Reading, request: SearchRequest
    ) -> Callable[[], Explanation]:
        """What explains a hit, worked out when asked.

        It keeps only small values (no arrays), since the hit may stay in a cached
        result, and this builder only weakly: a strong reference would make a cycle
        (searcher, cached result, hit, builder, searcher's generation) that keeps a
        replaced generation's files open until the garbage collector happens to run.
        """
        builder = self._weak
        concepts, theme_id = reading.concepts, request.theme
        defines = reading.defined_term if _at(reading.defined, docnum) else None
        articles = reading.articles if _at(reading.pinned, docnum) else ()
        named = _at(reading.named, docnum)

        def why() -> Explanation:
            alive = builder()
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
                passage_id=alive.columns.ids[docnum],
            )
            return explain(alive.fields(docnum), concepts, clues)

        return why

    @staticmethod
    def marker(marks: frozenset[tuple[str, ...]]) -> Marker:
        """A function marking ``marks`` in any text, and making ``links`` in it
        (see ``snippets.highlight``)."""

        def mark(text: str, links: Iterable[Link] = ()) -> str:
            analysed = AnalysedText.of(text)
            return highlight(analysed, analysed.positions(marks), links)

        return mark


_MarkKey = tuple[int, frozenset[tuple[str, ...]], bool]  # passage, marks it holds, snippets


def _fields_bytes(fields: dict[str, AnalysedText]) -> int:
    return sum(analysed.bytes for analysed in fields.values())


def _marked_bytes(key: _MarkKey, marked: tuple[str, tuple[str, ...]]) -> int:
    """The snippet as it is held, and about a short word's for each mark and word matched."""
    return text_bytes(marked[0]) + WORD_BYTES * (len(key[1]) + len(marked[1]))


def _document_fields(document: Document) -> dict[str, AnalysedText]:
    """What every passage of a document is also found by: its names and its people."""
    source = document.source
    return {
        "title": AnalysedText.of(" · ".join((source.title, *source.aliases))),
        "people": AnalysedText.of(" ; ".join(p.name for p in document.people)),
    }


def _at(mask: np.ndarray | None, docnum: int) -> bool:
    return mask is not None and bool(mask[docnum])


def _synonym_themes(vocabulary: Vocabulary) -> dict[tuple[str, ...], str]:
    """The theme each synonym belongs to, by its index terms: to name it when it matched."""
    return {
        stems(phrase): theme.label
        for theme in vocabulary.themes.values()
        for group in theme.synonyms
        for phrase in group
        if stems(phrase)
    }


def _mark(
    label: AnalysedText, text: AnalysedText, marks: frozenset[tuple[str, ...]], snippets: bool
) -> tuple[str, tuple[str, ...]]:
    """A passage's snippet (or "") and the words of its label and text that matched."""
    places, positions = text.places_of(marks)
    shown = snippet_at(text, places, positions) if snippets else ""
    in_label = label.where.keys()
    named = [] if in_label.isdisjoint(m[0] for m in marks) else label.matched_words(marks)
    matched = named + text.words_at(positions)
    return shown, tuple(dict.fromkeys(matched))
