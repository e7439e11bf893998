"""Why a passage matched, in plain words: which of the query's terms it holds and how.

A term may match as typed ("safeguards"), through stemming (the text says
"safeguard"), through a synonym of the themes vocabulary ("MLA" found as "mutual
assistance", naming the theme), through the thesaurus ("cracking" found as "illegal
access", saying what the instruments call it), or as an expansion of a prefix ("data*" found as
"database"). A theme filter adds the theme's phrases the passage holds; an article
or an instrument named in the query, or a definition of the term asked for, says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kb.search.matching import Concept, Prefixed
from kb.search.snippets import AnalysedText
from kb.search.terms import fold, stems, words

# Where a passage's words are, in the order a reason names them.
FIELD_NAMES = {
    "heading": "the heading",
    "text": "the text",
    "path": "the headings above it",
    "title": "the document's title",
    "people": "the document's people",
    "speakers": "the speakers",
}
SHARED_FIELDS = ("title", "people")  # shared by every passage of a document
HOWS = (
    "exact",
    "stemming",
    "synonym",
    "thesaurus",
    "prefix",
    "theme",
    "definition",
    "article",
    "name",
)
MAX_WORDS = 4  # matched words named per reason


@dataclass(frozen=True)
class Reason:
    """One way the passage answers the query."""

    how: str  # one of HOWS
    query: str  # what the query asked for: a typed word or phrase, a theme, an article
    matched: tuple[str, ...] = ()  # the passage's words that answered it
    where: tuple[str, ...] = ()  # keys of FIELD_NAMES
    theme: str | None = None  # the theme a synonym or a theme phrase belongs to
    concept: str | None = None  # the thesaurus concept an expansion belongs to
    gloss: str = ""  # what the instruments call that concept, and where

    @property
    def text(self) -> str:
        found = _listed(f"“{w}”" for w in self.matched)
        place = f"in {_listed(FIELD_NAMES[w] for w in self.where)}" if self.where else ""
        theme = f" (theme {self.theme})" if self.theme else ""
        if self.how == "exact":
            return f"{found} {place}"
        if self.how == "stemming":
            return f"{found} {place}, a form of “{self.query}”"
        if self.how == "synonym":
            return f"{found} {place}, a synonym of “{self.query}”{theme}"
        if self.how == "thesaurus" and not self.matched:
            return f"the thesaurus lists this provision for “{self.query}”, {self.gloss}"
        if self.how == "thesaurus":
            return f"{found} {place}: “{self.query}” is {self.gloss}"
        if self.how == "prefix":
            return f"{found} {place}, matching “{self.query}”"
        if self.how == "theme":
            return f"theme {self.query}: {found} {place}"
        if self.how == "definition":
            return f"defines “{self.query}”"
        if self.how == "article":
            return f"{self.query} is named in the query"
        return f"part of {self.query}, named in the query"

    def to_json(self) -> dict[str, Any]:
        return {
            "how": self.how,
            "query": self.query,
            "matched": list(self.matched),
            "where": list(self.where),
            "theme": self.theme,
            "concept": self.concept,
            "text": self.text,
        }


@dataclass(frozen=True)
class Explanation:
    reasons: tuple[Reason, ...] = ()

    @property
    def summary(self) -> str:
        """The reasons in one line; empty when nothing was asked (browsing)."""
        text = "; ".join(r.text for r in self.reasons)
        return text[:1].upper() + text[1:]

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, "reasons": [r.to_json() for r in self.reasons]}


@dataclass
class Clues:
    """What the search knows beyond the query's terms, for one passage."""

    theme: str | None = None  # the theme filter's label
    theme_phrases: tuple[tuple[str, ...], ...] = ()
    defines: str | None = None  # the term the passage defines, when one was asked for
    articles: tuple[str, ...] = ()  # "Article 32", when the passage is the article named
    named: str | None = None  # the instrument the passage belongs to, when named
    synonym_themes: dict[tuple[str, ...], str] = field(default_factory=dict)
    passage_id: str = ""  # the passage's id: is it among a thesaurus concept's articles?


def explain(
    fields: dict[str, AnalysedText], concepts: Iterable[Concept | Prefixed], clues: Clues
) -> Explanation:
    """The reasons, in the order: the query's terms, the theme, definition, article, name."""
    reasons: list[Reason] = []
    for concept in concepts:
        found = concept_reasons(fields, concept, clues.synonym_themes, clues.passage_id)
        reasons += (r for r in found if not _said(r, reasons))
    if clues.theme and clues.theme_phrases:
        matched, where = _found(fields, clues.theme_phrases)
        if matched:
            reasons.append(Reason("theme", clues.theme, tuple(matched), where))
    if clues.defines:
        reasons.append(Reason("definition", clues.defines))
    reasons += [Reason("article", article) for article in clues.articles]
    if clues.named:
        reasons.append(Reason("name", clues.named))
    return Explanation(tuple(reasons))


def concept_reasons(
    fields: dict[str, AnalysedText],
    concept: Concept | Prefixed,
    synonym_themes: dict[tuple[str, ...], str],
    passage_id: str = "",
) -> tuple[Reason, ...]:
    """How the passage (its ``fields``) holds one concept of the query, if it does; or,
    holding none of its words, whether the thesaurus lists the passage for it."""
    if isinstance(concept, Prefixed):
        matched, where = _found(fields, [(t,) for t in concept.expansion])
        return (Reason("prefix", concept.render(), tuple(matched), where),) if matched else ()
    typed, typed_words = stems(concept.label), _folded(concept.label)
    occurrences: list[tuple[str, str, str]] = []  # (how, field, word)
    for name, alternative, word in _occurrences(fields, concept.alternatives):
        if alternative != typed:
            how = "synonym"
        else:
            how = "exact" if _folded(word) == typed_words else "stemming"
        occurrences.append((how, name, word))
    sense = concept.sense
    if sense is not None and not occurrences:  # the words typed say it better, where they match
        expansions = [e for e in sense.expansions if e not in concept.alternatives]
        occurrences = [("thesaurus", name, w) for name, _, w in _occurrences(fields, expansions)]
    found: dict[str, tuple[list[str], list[str]]] = {}  # how: (matched, where)
    for how, name, word in occurrences:
        words, places = found.setdefault(how, ([], []))
        if word not in words:
            words.append(word)
        if name not in places:
            places.append(name)
    if sense is not None and not occurrences and passage_id in sense.articles:
        label = concept.label.strip('"')
        return (Reason("thesaurus", label, concept=sense.concept_id, gloss=sense.gloss),)
    theme = synonym_themes.get(concept.alternatives[0]) if concept.alternatives else None
    return tuple(
        Reason(
            how,
            concept.label.strip('"'),
            tuple(found[how][0][:MAX_WORDS]),
            tuple(n for n in FIELD_NAMES if n in found[how][1]),
            theme if how == "synonym" else None,
            sense.concept_id if sense and how == "thesaurus" else None,
            sense.gloss if sense and how == "thesaurus" else "",
        )
        for how in HOWS
        if how in found
    )


def _occurrences(
    fields: dict[str, AnalysedText], marks: Iterable[tuple[str, ...]]
) -> list[tuple[str, tuple[str, ...], str]]:
    """(field, mark, words) for each place a mark occurs: in the passage's own fields,
    or in the document's (title, people) when the passage itself holds none.

    That a word is also in the document's title says nothing when the passage says it.
    """
    own: list[tuple[str, tuple[str, ...], str]] = []
    shared: list[tuple[str, tuple[str, ...], str]] = []
    marks = tuple(marks)
    for name, analysed in fields.items():
        found = shared if name in SHARED_FIELDS else own
        where = analysed.where
        for mark in marks:
            if mark[0] in where:
                found += ((name, mark, word) for word in analysed.occurrences(mark))
    return own or shared


def _found(
    fields: dict[str, AnalysedText], marks: Iterable[tuple[str, ...]]
) -> tuple[list[str], tuple[str, ...]]:
    matched: dict[str, None] = {}
    where: dict[str, None] = {}
    for name, _, word in _occurrences(fields, marks):
        matched[word] = None
        where[name] = None
    ordered = tuple(n for n in FIELD_NAMES if n in where)
    return list(matched)[:MAX_WORDS], ordered


def _said(reason: Reason, before: list[Reason]) -> bool:
    """Whether every word ``reason`` found was already found within a phrase before it.

    A query read word by word after its phrase ("mutual legal assistance", then
    "mutual", "legal" ...) need not say again what the phrase said.
    """
    earlier = {w for r in before for phrase in r.matched if " " in phrase for w in phrase.split()}
    return bool(earlier) and all(word in earlier for word in reason.matched)


def _folded(text: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in words(text))


def _listed(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
