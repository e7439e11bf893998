"""Parse an IGF session transcript into passages of a few speaker turns each.

Layout: a title line (``IGF 2019 – Day 1 – Raum II – WS 288 ...``), a paragraph
saying the text is the output of real-time captioning and may be inaccurate, a
``***`` line, then turns that begin ``>> NAME:``, with blank lines (so several
paragraph blocks) inside some turns. The header never becomes a passage. Each turn
is kept as ``Name: text`` so the speaker stays in the indexed text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from kb.ingest.chunk import pack, split_paragraphs, word_count
from kb.ingest.errors import ParseError
from kb.models import Block, Parsed, Passage, Person, Source

TURN_RE = re.compile(r"^>>\s*(?P<rest>.*)$", re.DOTALL)
NAME_RE = re.compile(r"^(?P<name>[^:]{1,80}?)\s*:\s*(?P<text>.*)$", re.DOTALL)
SEPARATOR_RE = re.compile(r"^[*\s]{3,}$")
TITLE_RE = re.compile(r"^IGF\s*\d{4}\b", re.IGNORECASE)
DISCLAIMER_RE = re.compile(r"caption|\bCART\b", re.IGNORECASE)
# Speaker labels that are roles, not people: kept in turns, not listed as people.
GENERIC_SPEAKERS = {
    "moderator",
    "audience",
    "audience member",
    "participant",
    "speaker",
    "panelist",
    "panellist",
    "chair",
    "floor",
    "interpreter",
    "unidentified speaker",
    "female speaker",
    "male speaker",
}


@dataclass
class _Turn:
    """One speaker turn: its 1-based number, speaker (display form or None) and paragraphs."""

    number: int
    speaker: str | None
    paragraphs: list[str]


@dataclass
class _Piece:
    """A turn, or a part of a turn too long for one passage."""

    turn: _Turn
    paragraphs: list[str]
    part: int = 1
    parts: int = 1

    @property
    def words(self) -> int:
        return sum(word_count(p) for p in self.paragraphs)


def display_name(name: str) -> str:
    """``CHRISTIAN BORGGREEN`` -> ``Christian Borggreen``; mixed-case names are kept."""
    name = " ".join(name.split())
    return name.title() if name.isupper() else name


def parse_transcript(blocks: list[Block], source: Source, max_words: int = 300) -> Parsed:
    """Parse a transcript's blocks; raise :class:`ParseError` when no ``>> NAME:`` turn is found."""
    texts = [b.text.strip() for b in blocks if b.text.strip()]
    first = next((i for i, text in enumerate(texts) if TURN_RE.match(text)), None)
    if first is None:
        raise ParseError(f"{source.id}: no speaker turns ('>> NAME:') found; not a transcript")
    header = [t for t in texts[:first] if not SEPARATOR_RE.match(t)]
    turns = _turns(texts[first:])
    speakers = _unique(t.speaker for t in turns)
    details = {
        "title": _title(header, blocks),
        "disclaimer": any(_is_disclaimer(t) for t in header),
        "turns": len(turns),
        "speakers": speakers,
    }
    people = [Person(name, "speaker") for name in speakers if name.lower() not in GENERIC_SPEAKERS]
    return Parsed(passages=_passages(turns, max_words), people=people, details=details)


def _is_disclaimer(text: str) -> bool:
    return bool(DISCLAIMER_RE.search(text))


def _title(header: list[str], blocks: list[Block]) -> str | None:
    """The ``IGF <year> ...`` line, else the first heading, else the first non-disclaimer line."""
    candidates = [t for t in header if not _is_disclaimer(t)]
    for text in candidates:
        if TITLE_RE.match(text):
            return text
    headings = {b.text.strip() for b in blocks if b.is_heading}
    for text in candidates:
        if text in headings:
            return text
    return candidates[0] if candidates else None


def _speaker(rest: str) -> tuple[str | None, str]:
    """Split ``NAME: text``; a ``>>`` without a name-like label gives no speaker."""
    match = NAME_RE.match(rest)
    if match:
        name = match.group("name").strip()
        words = name.split()
        named = name.isupper() or all(w[0].isupper() for w in words if w[0].isalpha())
        if 1 <= len(words) <= 8 and named:
            return display_name(name), match.group("text").strip()
    return None, rest.strip()


def _turns(texts: list[str]) -> list[_Turn]:
    """Turns from the body; a paragraph without ``>>`` continues the current turn."""
    turns: list[_Turn] = []
    for text in texts:
        para = text
        if match := TURN_RE.match(text):
            speaker, para = _speaker(match.group("rest"))
            turns.append(_Turn(0, speaker, []))
        turn = turns[-1]
        if para and not turn.paragraphs and turn.speaker:
            para = f"{turn.speaker}: {para}"
        if para:
            turn.paragraphs.append(para)
    kept = [t for t in turns if t.paragraphs]
    for number, turn in enumerate(kept, start=1):
        turn.number = number
    return kept


def _pieces(turn: _Turn, max_words: int) -> list[_Piece]:
    """A turn whole, or split at paragraph boundaries when it alone exceeds ``max_words``."""
    if sum(word_count(p) for p in turn.paragraphs) <= max_words:
        return [_Piece(turn, turn.paragraphs)]
    parts = split_paragraphs(turn.paragraphs, max_words)
    pieces = [_Piece(turn, parts[0], 1, len(parts))]
    for i, part in enumerate(parts[1:], start=2):
        # Later parts repeat the speaker so each passage says who is talking.
        lead = f"{turn.speaker}: {part[0]}" if turn.speaker else part[0]
        pieces.append(_Piece(turn, [lead, *part[1:]], i, len(parts)))
    return pieces


def _passages(turns: list[_Turn], max_words: int) -> list[Passage]:
    pieces = [piece for turn in turns for piece in _pieces(turn, max_words)]
    groups = pack(pieces, lambda p: p.words, max_words)
    return [_passage(i, group) for i, group in enumerate(groups, start=1)]


def _passage(index: int, group: list[_Piece]) -> Passage:
    first, last = group[0].turn.number, group[-1].turn.number
    span = f"Turn {first}" if first == last else f"Turns {first}–{last}"
    if first == last and group[0].parts > 1:
        span += f" (part {group[0].part} of {group[0].parts})"
    speakers = _unique(p.turn.speaker for p in group)
    label = f"{span}: {', '.join(speakers)}" if speakers else span
    text = "\n\n".join(para for piece in group for para in piece.paragraphs)
    return Passage(anchor=f"turns-{index}", label=label, text=text, speakers=tuple(speakers))


def _unique(names: Iterable[str | None]) -> list[str]:
    """Names in order of first appearance, without None or duplicates."""
    seen: list[str] = []
    for name in names:
        if name and name not in seen:
            seen.append(name)
    return seen
