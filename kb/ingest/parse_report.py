"""Explanatory report parser: one passage per numbered paragraph, cited "para. N".

An explanatory report (the Council of Europe publishes one with most of its conventions)
numbers its paragraphs and is cited by them: "Explanatory Report to ETS 185, para. 44".
So each paragraph "44. The text ..." becomes a passage anchored ``para-44`` and
labelled ``para. 44``, and the headings above it (the report's parts, chapters,
sections, titles and the article it comments: "Article 2 – Illegal access" or
"Illegal access (Article 2)") are its path. Text before the first numbered paragraph
(a note on the report's standing) is one passage, "before para. 1".

Headings come as heading blocks from Markdown and HTML, ranked by their level (a
level-1 heading is the document's title). From a PDF every block is plain text: a
short line that ends no sentence and starts no numbered paragraph is a heading, ranked
by what it names (part, chapter, section, title, article; any other heading below
those), and the heading lines above the first text are the title page.

Paragraph numbers only go up: a numbered line that does not (a list "1. ... 2. ..."
quoted inside paragraph 44, a year "2001." that a PDF line break put first) belongs
to the paragraph before it, as does any other text that is no heading: a list item,
or the rest of a sentence that a PDF line starting "Article 3 of ..." broke off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.ingest.errors import ParseError
from kb.models import Block, Parsed, Passage, Source

_NUMBERED = re.compile(r"^(\d{1,4})\.(?!\d)\s*(.*)$", re.DOTALL)
# A paragraph number may skip a few (a paragraph lost to extraction), not jump to a year.
_MAX_STEP = 50
_LIST_ITEM = re.compile(r"^(?:\(?[a-z]{1,4}\)|[a-z]\.|[•●\-–—]\s)")
_HEADING_MAX_WORDS = 20
# PDF headings by what they name, outermost first; any other heading ranks below these.
_RANKED_HEADINGS = (
    re.compile(r"^(?:(?i:part)\s+(?:[IVXLC]+|\d+)\b|[IVXLC]+\.\s)"),
    re.compile(r"^(?i:chapter)\s+(?:[IVXLC]+|\d+)\b"),
    re.compile(r"^(?i:section)\s+(?:[IVXLC]+|\d+)\b"),
    re.compile(r"^(?i:title)\s+(?:[IVXLC]+|\d+)\b"),
    re.compile(r"^(?i:article)\s+\d+\w*\s*(?:[-–—:.]|$)|\((?i:articles?)\s+\d+[^()]{0,40}\)$"),
)
_OTHER = len(_RANKED_HEADINGS)
_BARE_HEADING = re.compile(r"^(?i:part|chapter|section|title|article)\s+\S+$")


@dataclass
class _Paragraph:
    """A numbered paragraph's text, as pieces (joined once, at the end: linear time)."""

    number: int | None  # None: the text before the first numbered paragraph
    path: tuple[str, ...]
    parts: list[list[str]] = field(default_factory=list)  # the lines of each part

    def add(self, text: str) -> None:
        """Go on with ``text``: a part of its own, or the rest of a sentence broken off."""
        if self.parts and not _ends_sentence(self.parts[-1][-1]) and not _LIST_ITEM.match(text):
            self.parts[-1].append(text)
        elif text:
            self.parts.append([text])

    @property
    def text(self) -> str:
        return "\n\n".join(" ".join(lines) for lines in self.parts)


@dataclass
class _Reader:
    """The paragraphs read so far, and the headings above the current one."""

    from_headings: bool
    paragraphs: list[_Paragraph] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    last_number: int = 0

    def read(self, block: Block) -> None:
        if self.is_title(block):
            return
        rank = self.heading_rank(block)
        if rank is not None:
            self.add_heading(rank, block.text.strip())
            return
        start = self.next_paragraph(block.text)
        if start is not None:
            self.last_number, text = start
            self.paragraphs.append(_Paragraph(self.last_number, self.path()))
            self.paragraphs[-1].add(text)
        elif self.paragraphs:
            self.paragraphs[-1].add(block.text)
        else:
            self.paragraphs.append(_Paragraph(None, self.path(), [[block.text]]))

    def is_title(self, block: Block) -> bool:
        """A line of the title: a level-1 heading, or a PDF's heading lines above any text."""
        if self.from_headings:
            return block.heading == 1
        started = self.paragraphs or self.headings
        return not started and _looks_like_heading(block.text) and _pdf_rank(block.text) == _OTHER

    def heading_rank(self, block: Block) -> int | None:
        """The rank of a heading, 0 the outermost; None for text."""
        if self.from_headings:
            return block.heading or None
        return _pdf_rank(block.text) if _looks_like_heading(block.text) else None

    def add_heading(self, rank: int, text: str) -> None:
        named = not self.from_headings and rank == _OTHER and self.headings
        if named and _BARE_HEADING.match(self.headings[-1][1]):
            rank, bare = self.headings.pop()  # "Article 2", then its name: one heading
            text = f"{bare} – {text}"
        self.headings = [h for h in self.headings if h[0] < rank] + [(rank, text)]

    def next_paragraph(self, text: str) -> tuple[int, str] | None:
        """The number and text of the paragraph ``text`` starts, if it is the next one."""
        match = _NUMBERED.match(text)
        if match is None:
            return None
        number, last = int(match.group(1)), self.last_number
        if last and not last < number <= last + _MAX_STEP:
            return None
        return number, match.group(2)

    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.headings)


def parse_report(blocks: list[Block], source: Source) -> Parsed:
    """Passages ``para-N`` for the numbered paragraphs, in order (and the text before them)."""
    reader = _Reader(from_headings=any(block.is_heading for block in blocks))
    for block in blocks:
        if block.text.strip():
            reader.read(block)
    if not any(paragraph.number is not None for paragraph in reader.paragraphs):
        raise ParseError(f"{source.id}: no numbered paragraphs found in the report")
    first = next(p.number for p in reader.paragraphs if p.number is not None)
    return Parsed(passages=[_passage(p, first) for p in reader.paragraphs if p.parts])


def _passage(paragraph: _Paragraph, first_number: int) -> Passage:
    if paragraph.number is None:
        anchor, label = f"before-para-{first_number}", f"before para. {first_number}"
    else:
        anchor, label = f"para-{paragraph.number}", f"para. {paragraph.number}"
    return Passage(anchor, label, paragraph.text, paragraph.path)


def _looks_like_heading(text: str) -> bool:
    """A short line that ends no sentence and starts neither a paragraph nor a list item."""
    text = text.strip()
    return (
        len(text.split()) <= _HEADING_MAX_WORDS
        and text[-1] not in ".;:,!?"
        and (text[0].isupper() or text[0] in "\"'“‘")
        and not _NUMBERED.match(text)
        and not _LIST_ITEM.match(text)
    )


def _pdf_rank(text: str) -> int:
    return next(
        (rank for rank, pattern in enumerate(_RANKED_HEADINGS) if pattern.search(text)),
        _OTHER,
    )


def _ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence, maybe inside quotes or brackets ("... it.”")."""
    return text.rstrip("\"'”’)")[-1:] in tuple(".:;!?")
