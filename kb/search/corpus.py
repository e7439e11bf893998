"""What a published generation knows, apart from how it is searched.

A :class:`Corpus` holds the documents of one generation and what can be read from
them as a whole: each passage by its id, with its neighbours; the names of the
instruments and which one supplements which (:class:`~kb.derive.names.Names`); the
articles by number; the defined terms (:class:`~kb.search.definitions.Glossary`);
and the cross-references between passages (:class:`~kb.derive.references.References`).

It is built once when a worker opens the generation and never changes, so every
request thread may read it at once. The references and the definitions were read by
``kb ingest`` and stored with the generation (:mod:`kb.derive.stored`): a worker takes
them as they are. Only for a generation stored without them (written before they were
stored, or by other code) are they read here, the references on first use
(``functools.cached_property`` runs that once, under its lock).
"""

from __future__ import annotations

from functools import cached_property

from kb.derive.names import Names
from kb.derive.references import References
from kb.derive.stored import Derived
from kb.models import Document, Passage
from kb.search.definitions import Glossary


class Corpus:
    """The documents of one generation and what they know of each other."""

    def __init__(self, documents: dict[str, Document], derived: Derived | None = None) -> None:
        """``derived``: what ``kb ingest`` stored with the generation, if anything."""
        self.documents = documents  # by id, in manifest order
        self.names = Names(documents)
        self._derived = derived
        definitions = derived.definitions if derived is not None else None
        self.glossary = Glossary(documents, self.names, definitions)
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
        stored = self._derived.references if self._derived is not None else None
        return References(self.documents, self.names, stored)

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
