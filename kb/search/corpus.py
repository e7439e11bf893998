"""What a published generation knows, apart from how it is searched.

A :class:`Corpus` holds the documents of one generation and what can be read from
them as a whole: each passage by its id, with its neighbours; the names of the
instruments and which one supplements which (:class:`~kb.search.names.Names`); the
articles by number; the defined terms (:class:`~kb.search.definitions.Glossary`);
and the cross-references between passages (:class:`~kb.search.references.References`).

It is built once when a worker opens the generation and never changes, so every
request thread may read it at once. The references are worked out on first use
(``functools.cached_property`` runs that once, under its lock): on a large corpus
they cost seconds that a worker should not spend before it answers at all.
"""

from __future__ import annotations

from functools import cached_property

from kb.models import Document, Passage
from kb.search.definitions import Glossary
from kb.search.names import Names
from kb.search.references import References


class Corpus:
    """The documents of one generation and what they know of each other."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.documents = documents  # by id, in manifest order
        self.names = Names(documents)
        self.glossary = Glossary(documents, self.names)
        self._passages: dict[str, tuple[Document, Passage, int]] = {
            document.passage_id(passage): (document, passage, position)
            for document in documents.values()
            for position, passage in enumerate(document.passages)
        }
        self._abouts: dict[str, tuple[Document, Passage, int]] = {
            document.passage_id(about): (document, about, 0)
            for document in documents.values()
            if (about := document.about) is not None
        }
        self.articles: dict[str, tuple[str, ...]] = _articles(documents)

    @cached_property
    def references(self) -> References:
        return References(self.documents, self.names)

    def passage(self, passage_id: str) -> tuple[Document, Passage]:
        """The document and passage of an id; KeyError when there is no such passage."""
        document, passage, _ = self._passages[passage_id]
        return document, passage

    def record(self, record_id: str) -> tuple[Document, Passage]:
        """The document and passage of a search hit's id: a passage, or what stands for a
        document known only by its metadata (``<id>.about``, see ``Document.about``).
        KeyError when there is none. The search itself keeps such a hit's passage None."""
        document, passage, _ = self._record(record_id)
        return document, passage

    def neighbours(self, passage_id: str) -> tuple[Passage | None, Passage | None]:
        """The passages before and after one in its document (None at either end)."""
        document, _, position = self._record(passage_id)
        passages = document.passages
        before = passages[position - 1] if position > 0 else None
        after = passages[position + 1] if position + 1 < len(passages) else None
        return before, after

    def position(self, passage_id: str) -> int:
        """Where a passage stands in its document, from 0."""
        return self._record(passage_id)[2]

    def _record(self, record_id: str) -> tuple[Document, Passage, int]:
        found = self._passages.get(record_id) or self._abouts.get(record_id)
        if found is None:
            raise KeyError(record_id)
        return found


def _articles(documents: dict[str, Document]) -> dict[str, tuple[str, ...]]:
    """Article number ("15", "2 bis") -> the ids of the passages so numbered, in order."""
    found: dict[str, list[str]] = {}
    for document in documents.values():
        for passage in document.passages:
            if passage.anchor.startswith("art-"):
                found.setdefault(passage.anchor[4:], []).append(document.passage_id(passage))
    return {number: tuple(ids) for number, ids in found.items()}
