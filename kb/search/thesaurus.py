"""The thesaurus of the field (``corpus/thesaurus.toml``): loaded, checked, looked up.

The instruments say "illegal access"; panelists, the press and practitioners say
"hacking", "cracking" or "computer trespass". A :class:`Concept` gathers those words
the way legal thesauri do (SKOS-like): a preferred term (``pref``), alternative
labels (``alt``), related concepts, the terms the instruments use for it
(``instrument_terms``), the articles that hold it, and a one-line note of its basis.

Two kinds of phrase, kept apart on purpose:

* Labels (``pref`` and ``alt``) lead from what a reader typed to one concept, so each
  belongs to one concept only. They are compared as the index sees words
  (``kb.search.terms.stems``): "Quick-Freeze", "quick freeze" and "quick freezes"
  are one label, and a label claimed by two concepts is an error, not a coin toss.
* Instrument terms say what a concept is called in the treaties. They may repeat
  across concepts: ransomware and DDoS are both "system interference".

A Thesaurus never changes once loaded; request threads may share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kb.config import DEFAULT_THESAURUS
from kb.ingest.errors import ConfigError
from kb.search.terms import stems
from kb.search.vocabularies import check_entry, is_text, read_versioned

# The parts of the field a concept belongs to, in the order they are listed.
AREAS = (
    "offences",
    "powers",
    "cooperation",
    "data-protection",
    "human-rights",
    "jurisdiction",
    "treaty-law",
)
# A treaty article's passage id: "coe-ets-185.art-2", "un-iccpr.op1-art-1".
_ARTICLE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}\.(?:op[0-9]+-)?art-[0-9]+")
_TEXT_FIELDS = ("id", "area", "pref", "note")
_LIST_FIELDS = ("alt", "related", "instrument_terms", "articles")  # lists of strings
_CONCEPT_FIELDS = frozenset({*_TEXT_FIELDS, *_LIST_FIELDS})

LabelKey = tuple[str, ...]  # a phrase's index terms, in order


class ThesaurusError(ConfigError):
    """The thesaurus cannot be used; the message names the file, the concept and the field."""


@dataclass(frozen=True)
class Concept:
    """One concept of the field: what it is called, by whom, and where the instruments hold it."""

    id: str
    area: str
    pref: str
    alt: tuple[str, ...]
    related: tuple[str, ...]
    instrument_terms: tuple[str, ...]
    articles: tuple[str, ...]
    note: str

    @property
    def labels(self) -> tuple[str, ...]:
        """The phrases that lead to this concept: the preferred term, then the others."""
        return (self.pref, *self.alt)

    def to_json(self) -> dict[str, Any]:
        """The concept as plain JSON data."""
        return {
            "id": self.id,
            "area": self.area,
            "pref": self.pref,
            "alt": list(self.alt),
            "related": list(self.related),
            "instrument_terms": list(self.instrument_terms),
            "articles": list(self.articles),
            "note": self.note,
        }


def label_key(phrase: str) -> LabelKey:
    """The phrase as the index sees it: "Quick-Freeze" and "quick freezes" give one key."""
    return stems(phrase)


@dataclass(frozen=True)
class Thesaurus:
    """A version of the thesaurus: its concepts by id in the file's order, and lookups."""

    version: int
    concepts: Mapping[str, Concept]
    _labels: Mapping[LabelKey, str]  # every label's key -> its concept's id
    _instrument_terms: Mapping[LabelKey, tuple[str, ...]]  # key -> concept ids
    _expansions: Mapping[str, tuple[str, ...]]
    _related: Mapping[str, tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self.concepts

    def __getitem__(self, concept_id: str) -> Concept:
        return self.concepts[concept_id]

    def get(self, concept_id: str) -> Concept | None:
        """The concept with this id, or None."""
        return self.concepts.get(concept_id)

    def lookup(self, label: str) -> Concept | None:
        """The concept one of whose labels is ``label`` (compared by index terms), or None."""
        return self.lookup_key(label_key(label))

    def lookup_key(self, key: Sequence[str]) -> Concept | None:
        """The concept whose label has these index terms (as ``label_key`` gives them)."""
        concept_id = self._labels.get(tuple(key))
        return self.concepts[concept_id] if concept_id else None

    @property
    def label_keys(self) -> Mapping[LabelKey, str]:
        """Every label's index terms and the id of its concept, to find labels in a query."""
        return self._labels

    @property
    def longest_label(self) -> int:
        """The most index terms any label has: no longer run of query words can be one."""
        return max((len(key) for key in self._labels), default=0)

    def with_instrument_term(self, term: str) -> tuple[Concept, ...]:
        """The concepts that the instruments call ``term`` (several may share one)."""
        ids = self._instrument_terms.get(label_key(term), ())
        return tuple(self.concepts[concept_id] for concept_id in ids)

    def expansions(self, concept_id: str) -> tuple[str, ...]:
        """The phrases a search for the concept may also look for: pref, alt, then
        instrument terms, once each by index terms. KeyError for an unknown id."""
        return self._expansions[concept_id]

    def related(self, concept_id: str) -> tuple[Concept, ...]:
        """The concepts related to this one, either way round (``related`` is symmetric
        in SKOS): those it names first, then those naming it. KeyError for an unknown id."""
        return tuple(self.concepts[other] for other in self._related[concept_id])

    def in_area(self, area: str) -> tuple[Concept, ...]:
        """The concepts of one area of the field, in the file's order."""
        return tuple(concept for concept in self if concept.area == area)

    def to_json(self) -> dict[str, Any]:
        """The thesaurus as plain JSON data."""
        return {"version": self.version, "concepts": [c.to_json() for c in self]}


def load_thesaurus(path: Path = DEFAULT_THESAURUS) -> Thesaurus:
    """The thesaurus in ``path``, or a ThesaurusError saying what is wrong and where."""
    version, entries = read_versioned(path, "concept", "thesaurus", ThesaurusError)
    return _build(version, _concepts(entries, path), path)


Fail = Callable[[str, str], ThesaurusError]


def _where(path: Path, concept_id: str, number: int) -> str:
    return f"{path}: concept {concept_id!r} (#{number})"


def _failing(where: str) -> Fail:
    """A maker of errors naming the concept and, given to it, the field."""

    def fail(field: str, problem: str) -> ThesaurusError:
        return ThesaurusError(f"{where}, field {field!r}: {problem}")

    return fail


def _concepts(entries: list[Any], path: Path) -> dict[str, Concept]:
    """Every ``[[concept]]`` table checked on its own, by id; duplicate ids refused."""
    concepts: dict[str, Concept] = {}
    numbers: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        concept = _concept(entry, number, path)
        if concept.id in concepts:
            first = numbers[concept.id]
            fail = _failing(_where(path, concept.id, number))
            raise fail("id", f"appears twice (first as concept #{first})")
        concepts[concept.id] = concept
        numbers[concept.id] = number
    return concepts


def _concept(entry: Any, number: int, path: Path) -> Concept:
    """One ``[[concept]]`` table, checked field by field."""
    if not isinstance(entry, dict):
        raise ThesaurusError(f"{path}: concept #{number} is not a table")
    raw_id = entry.get("id")
    name = raw_id if isinstance(raw_id, str) else "?"
    fail = _failing(_where(path, name, number))
    check_entry(entry, _CONCEPT_FIELDS, _TEXT_FIELDS, fail)
    if entry["area"] not in AREAS:
        raise fail("area", f"{entry['area']!r} is not one of {', '.join(AREAS)}")
    articles = _phrases(entry.get("articles", []), "articles", fail)
    _check_articles(articles, fail)
    return Concept(
        id=entry["id"],
        area=entry["area"],
        pref=entry["pref"].strip(),
        alt=_phrases(entry.get("alt", []), "alt", fail),
        related=_phrases(entry.get("related", []), "related", fail),
        instrument_terms=_phrases(entry.get("instrument_terms", []), "instrument_terms", fail),
        articles=articles,
        note=entry["note"].strip(),
    )


def _phrases(value: Any, field: str, fail: Fail) -> tuple[str, ...]:
    """A list of non-empty strings, stripped."""
    if not isinstance(value, list) or not all(is_text(item) for item in value):
        raise fail(field, "must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _check_articles(articles: tuple[str, ...], fail: Fail) -> None:
    for article in articles:
        if not _ARTICLE_ID.fullmatch(article):
            problem = f"{article!r} is not an article's passage id (coe-ets-185.art-2)"
            raise fail("articles", problem)


def _build(version: int, concepts: dict[str, Concept], path: Path) -> Thesaurus:
    """The Thesaurus of checked concepts, once their cross-references are checked too."""
    numbers = {concept_id: number for number, concept_id in enumerate(concepts, 1)}

    def fail_for(concept: Concept) -> Fail:
        return _failing(_where(path, concept.id, numbers[concept.id]))

    _check_related(concepts, fail_for)
    return Thesaurus(
        version=version,
        concepts=MappingProxyType(concepts),
        _labels=MappingProxyType(_label_index(concepts, fail_for)),
        _instrument_terms=MappingProxyType(_instrument_term_index(concepts, fail_for)),
        _expansions=MappingProxyType({c.id: _expansion(c) for c in concepts.values()}),
        _related=MappingProxyType(_symmetric_related(concepts)),
    )


def _check_related(concepts: Mapping[str, Concept], fail_for: Callable[[Concept], Fail]) -> None:
    for concept in concepts.values():
        for other in concept.related:
            if other == concept.id:
                raise fail_for(concept)("related", "a concept is not related to itself")
            if other not in concepts:
                raise fail_for(concept)("related", f"no concept has the id {other!r}")


def _label_index(
    concepts: Mapping[str, Concept], fail_for: Callable[[Concept], Fail]
) -> dict[LabelKey, str]:
    """Every label's key and its concept; a key claimed by two concepts is refused."""
    owners: dict[LabelKey, tuple[str, str]] = {}  # key -> (concept id, label as written)
    for concept in concepts.values():
        for field, label in [("pref", concept.pref), *(("alt", alt) for alt in concept.alt)]:
            key = _key_of(label, field, fail_for(concept))
            owner, written = owners.setdefault(key, (concept.id, label))
            if owner != concept.id:
                problem = f"{label!r} is already a label of concept {owner!r} (as {written!r})"
                raise fail_for(concept)(field, problem)
    return {key: concept_id for key, (concept_id, _) in owners.items()}


def _instrument_term_index(
    concepts: Mapping[str, Concept], fail_for: Callable[[Concept], Fail]
) -> dict[LabelKey, tuple[str, ...]]:
    """Every instrument term's key and the concepts using it, in the file's order."""
    users: dict[LabelKey, list[str]] = {}
    for concept in concepts.values():
        for term in concept.instrument_terms:
            ids = users.setdefault(_key_of(term, "instrument_terms", fail_for(concept)), [])
            if concept.id not in ids:
                ids.append(concept.id)
    return {key: tuple(ids) for key, ids in users.items()}


def _key_of(phrase: str, field: str, fail: Fail) -> LabelKey:
    """The phrase's key; a phrase of stop words only ("IT", "US") would match nothing."""
    key = label_key(phrase)
    if not key:
        raise fail(field, f"{phrase!r} has no word the index keeps (stop words, single letters)")
    return key


def _expansion(concept: Concept) -> tuple[str, ...]:
    """pref, alt and instrument terms, dropping any whose key an earlier one has."""
    seen: set[LabelKey] = set()
    phrases: list[str] = []
    for phrase in (*concept.labels, *concept.instrument_terms):
        key = label_key(phrase)
        if key not in seen:
            seen.add(key)
            phrases.append(phrase)
    return tuple(phrases)


def _symmetric_related(concepts: Mapping[str, Concept]) -> dict[str, tuple[str, ...]]:
    """Each concept's related ids: those it names, then those that name it, once each."""
    naming: dict[str, list[str]] = {concept_id: [] for concept_id in concepts}
    for concept in concepts.values():
        for other in concept.related:
            naming[other].append(concept.id)
    return {
        concept.id: tuple(dict.fromkeys((*concept.related, *naming[concept.id])))
        for concept in concepts.values()
    }
