"""Defined terms: what an instrument says its words mean, found in its own text.

Treaties define their vocabulary ("traffic data" means ...), and a reader who meets
such a term in Article 16 wants the definition from Article 1 at hand; a reader who
searches for "traffic data" wants the definition before the articles that merely
use it. Nothing in the manifest lists these definitions, so they are read from the
passages with a few patterns that every instrument of the corpus follows:

- ``"X" means``, ``"X" shall mean``, ``"X" includes``, ``"X" shall include``, with
  or without ``the term`` before it, in any of the usual quote styles;
- a parenthetical ``("Y")`` inside such a clause, which names a second term
  ("personal data" means ... an individual ("data subject")).

A clause is cut at paragraph boundaries, because definitions come as lists: it runs
over the paragraphs after its own until one that holds another definition, opens a
numbered paragraph ("2."), or - when the clause was itself an item such as "c)" -
opens the next item of the same kind. Sub-items of another kind, like "(i)" under
"c)", or "a)" under a numbered paragraph, belong to the clause.

The definitions are read once per generation, when ``kb ingest`` publishes it
(``kb/derive/stored.py``); :class:`kb.search.definitions.Glossary` looks them up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.derive.names import is_instrument
from kb.models import Document, Passage, passage_id

_OPEN = r"(?:‘‘|''|``|[\"“‘'«„])"
_CLOSE = r"(?:’’|''|[\"”’'»“])"
_NOT_QUOTE = r"[^\"“”‘’'«»„`\n]"
_VERB = r"(?:shall\s+(?:mean|include)|means|includes)(?!\w)"

# One definition: optional "the term", the quoted term, the verb. The term cannot hold
# a quote or a line break, so every attempt ends within 120 characters.
_DEFINITION = re.compile(
    rf"(?:(?<!\w)the\s+term\s+)?(?<!\w){_OPEN}({_NOT_QUOTE}{{1,120}}){_CLOSE}\s*,?\s*{_VERB}",
    re.IGNORECASE,
)
# What every definition holds: a closing quote, then the verb.
_QUOTED_VERB = re.compile(rf"{_CLOSE}\s*,?\s*{_VERB}", re.IGNORECASE)
# A second term named in brackets inside a clause: ... individual ("data subject").
_PARENTHETICAL = re.compile(rf"\(\s*{_OPEN}({_NOT_QUOTE}{{1,120}}){_CLOSE}\s*\)")

_NUMBERED = re.compile(r"\s*\d{1,3}\.")
_MARKER = re.compile(
    r"\s*(?:\((?P<bracketed>[ivx]{2,6}|[a-z]|\d{1,3})\)|(?P<item>[ivx]{2,6}|[a-z]|\d{1,3})(?P<close>[.)]))"
)
_ROMAN = re.compile(r"(?:i{1,3}|iv|vi{0,3}|ix|x)")
_WORDLIKE = re.compile(r"\w")  # a term holds a word (the tokenizer's ``\w+``)


@dataclass(frozen=True)
class Definition:
    """One defined term, where it is defined and the clause that defines it."""

    term: str  # as the instrument writes it, without quotes: "traffic data"
    source_id: str
    anchor: str  # the defining passage's anchor ("art-1")
    text: str  # the whole defining clause, sub-items included

    @property
    def passage_id(self) -> str:
        return passage_id(self.source_id, self.anchor)


def definitions_in(document: Document) -> list[Definition]:
    """The definitions of a treaty or declaration, in text order (none for other kinds)."""
    if not is_instrument(document):
        return []
    found: list[Definition] = []
    for passage in document.passages:
        if passage.text_available:
            found.extend(_passage_definitions(document.id, passage))
    return found


def _passage_definitions(source_id: str, passage: Passage) -> list[Definition]:
    if not _QUOTED_VERB.search(passage.text):  # a quick look first: most passages define nothing
        return []
    paragraphs = _paragraphs(passage.text)
    found: list[Definition] = []
    for index, (start, end) in enumerate(paragraphs):
        matches = list(_DEFINITION.finditer(passage.text, start, end))
        for number, match in enumerate(matches):
            if number + 1 < len(matches):  # another definition follows in this paragraph
                clause_end = matches[number + 1].start()
            else:
                clause_end = _clause_end(passage.text, paragraphs, index)
            text = passage.text[match.start() : clause_end].strip()
            found.extend(_clause_definitions(source_id, passage.anchor, match.group(1), text))
    return found


def _clause_definitions(source_id: str, anchor: str, term: str, text: str) -> list[Definition]:
    terms = [_single_spaced(term)]
    for bracketed in _PARENTHETICAL.finditer(text):
        terms.append(_single_spaced(bracketed.group(1)))
    named = [t for t in dict.fromkeys(terms) if _WORDLIKE.search(t)]
    return [Definition(t, source_id, anchor, text) for t in named]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each paragraph of ``text`` (separated by blank lines)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for separator in re.finditer(r"\n\n+", text):
        spans.append((start, separator.start()))
        start = separator.end()
    spans.append((start, len(text)))
    return spans


def _clause_end(text: str, paragraphs: list[tuple[int, int]], index: int) -> int:
    """Where the clause that starts in paragraph ``index`` ends."""
    own_start, end = paragraphs[index]
    own_kind = _marker_kind(text, own_start)
    for start, stop in paragraphs[index + 1 :]:
        if (
            _DEFINITION.search(text, start, stop)
            or _NUMBERED.match(text, start, stop)
            or (own_kind is not None and _marker_kind(text, start, stop) == own_kind)
        ):
            break
        end = stop
    return end


def _marker_kind(text: str, start: int, stop: int | None = None) -> str | None:
    """The kind of item marker a paragraph opens with: "a)", "a.", "(a)", "(i)", "1)"..."""
    match = _MARKER.match(text, start, len(text) if stop is None else stop)
    if match is None:
        return None
    label = match.group("bracketed") or match.group("item")
    kind = "1" if label.isdigit() else "i" if _ROMAN.fullmatch(label) else "a"
    if match.group("bracketed"):
        return f"({kind})"
    return kind + match.group("close")


def _single_spaced(text: str) -> str:
    return " ".join(text.split())
