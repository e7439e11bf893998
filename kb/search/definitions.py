"""The glossary: the defined terms of a corpus, by their stems and by the passages using them.

The definitions themselves are read from the instruments' texts by
:mod:`kb.derive.definitions` (the patterns, the clauses). :class:`Glossary` indexes the
definitions of a whole corpus: by the stems of their terms, for search (cheap enough for
every query), and per passage, for the terms a passage uses (where a protocol does not
define a term, the convention it supplements does; see
:attr:`kb.derive.names.Names.parents`).
"""

from __future__ import annotations

from kb.derive.definitions import Definition, definitions_in
from kb.derive.names import Names
from kb.models import Document, Passage
from kb.search.terms import WORD, fold, stem, stems

__all__ = ["Definition", "Glossary", "definitions_in", "term_stems"]

# Words that ask for a definition rather than name the term ("definition of X").
_ASKING = frozenset(
    {"definition", "definitions", "define", "defined", "defines", "meaning", "meanings"}
    | {"means", "what", "is", "are", "term", "terms"}
)


def term_stems(definition: Definition) -> tuple[str, ...]:
    """The index terms of a defined term (\"Traffic  Data\" -> (\"traffic\", \"data\"))."""
    return stems(definition.term)


def _keys(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` as ``(start, end, key)``: its stem, or for a stop word the word.

    Stop words are kept, so that "traffic or content data" is not "traffic data".
    """
    keys = []
    for match in WORD.finditer(text):
        word = match.group()
        keys.append((match.start(), match.end(), stem(word) or fold(word)))
    return keys


class Glossary:
    """Every definition of a corpus, by term and by the passages that use them."""

    def __init__(
        self,
        documents: dict[str, Document],
        names: Names | None = None,
        definitions: tuple[Definition, ...] | None = None,
    ) -> None:
        """``definitions``: those read at publish time (kb/derive/stored.py), if stored."""
        self._documents = documents
        self._parents = (names if names is not None else Names(documents)).parents
        if definitions is None:
            definitions = tuple(
                d for document in documents.values() for d in definitions_in(document)
            )
        self.definitions: tuple[Definition, ...] = definitions
        self._stems = {d: term_stems(d) for d in definitions}
        self._by_stems: dict[tuple[str, ...], list[Definition]] = {}
        self._by_source: dict[str, list[Definition]] = {}
        for definition in self.definitions:
            self._by_stems.setdefault(self._stems[definition], []).append(definition)
            self._by_source.setdefault(definition.source_id, []).append(definition)
        self._tables: dict[str, dict[str, list[tuple[tuple[str, ...], Definition]]]] = {}
        self._used: dict[str, list[Definition]] = {}

    def made_in(self, passage_id: str) -> list[Definition]:
        """The definitions a passage makes, in order."""
        return [d for d in self.definitions if d.passage_id == passage_id]

    def defining(self, query: str) -> list[Definition]:
        """The definitions of the term ``query`` asks for ("definition of traffic data")."""
        found = self._by_stems.get(stems(query))
        if found is None:
            asked = " ".join(w for w in WORD.findall(query) if w.lower() not in _ASKING)
            found = self._by_stems.get(stems(asked), [])
        return list(found)

    def used_in(self, document: Document, passage: Passage) -> list[Definition]:
        """The defined terms the passage uses, with their definitions, in order of use.

        The terms are those of the passage's own instrument, and of the instrument it
        supplements where its own does not define them; terms defined in the passage
        itself are left out.
        """
        key = document.passage_id(passage)
        used = self._used.get(key)
        if used is None:
            used = self._used[key] = self._find_used(document, passage)
        return list(used)

    def _find_used(self, document: Document, passage: Passage) -> list[Definition]:
        table = self._table(document)
        local = {self._stems_of(d) for d in self._own(document) if d.anchor == passage.anchor}
        keys = [k for _, _, k in _keys(passage.text)]
        found: dict[tuple[str, ...], Definition] = {}
        i = 0
        while i < len(keys):
            step = 1
            for phrase, definition in table.get(keys[i], ()):
                if tuple(keys[i : i + len(phrase)]) == phrase:
                    if (stemmed := self._stems_of(definition)) not in local:
                        found.setdefault(stemmed, definition)
                    step = len(phrase)
                    break
            i += step
        return list(found.values())

    def _stems_of(self, definition: Definition) -> tuple[str, ...]:
        found = self._stems.get(definition)  # not for a document outside the corpus
        return found if found is not None else term_stems(definition)

    def _own(self, document: Document) -> list[Definition]:
        if document.id in self._documents:
            return self._by_source.get(document.id, [])
        return definitions_in(document)

    def _table(self, document: Document) -> dict[str, list[tuple[tuple[str, ...], Definition]]]:
        """The terms a document's passages may use, by first word, longest first."""
        table = self._tables.get(document.id)
        if table is not None:
            return table
        chosen: dict[tuple[str, ...], Definition] = {}
        for definition in self._inherited(document):
            chosen.setdefault(self._stems_of(definition), definition)
        table = {}
        for definition in chosen.values():
            phrase = tuple(k for _, _, k in _keys(definition.term))
            if phrase:
                table.setdefault(phrase[0], []).append((phrase, definition))
        for entries in table.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self._tables[document.id] = table
        return table

    def _inherited(self, document: Document) -> list[Definition]:
        """The document's own definitions, then its parent's, grandparent's..."""
        definitions = list(self._own(document))
        seen = {document.id}
        parent = self._parents.get(document.id)
        while parent is not None and parent not in seen:
            seen.add(parent)
            definitions.extend(self._by_source.get(parent, []))
            parent = self._parents.get(parent)
        return definitions
