"""Treaty parser: one passage for the preamble and one per article, English only.

Works on blocks from any format. In Markdown and HTML the structure comes as
headings (``### Article 15`` then ``####Conditions and safeguards``); in text from a
PDF it comes as short lines ("Article 15 – Conditions and safeguards", or
"Article 15" followed by its heading line). Chapters, sections and titles become
the path of the articles below them.

The mirror's files carry the whole treaty again in Dutch after the English text;
parsing stops where the translation begins, and any Dutch paragraph left inside
the English part (ETS 182 gives a Dutch note instead of the text of Articles 1-6)
is dropped, the article being kept with its heading and marked as without text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from kb.ingest.anchors import AnchorSet
from kb.ingest.errors import ParseError
from kb.models import Block, Parsed, Passage, Source

_DIVISION_RANKS = {"part": 0, "chapter": 1, "section": 2, "title": 3}
_DIVISION = re.compile(r"^((?i:PART|CHAPTER|SECTION|TITLE))\s+([IVXLC]+|\d+)\b\s*[-–—.:]?\s*(.*)$")
_ARTICLE = re.compile(
    r"^Article\s+(\d+)(?:\s*(bis|ter|quater|quinquies))?\b\s*([-–—.:]?)\s*(.*)$", re.IGNORECASE
)
_PREAMBLE_WORD = re.compile(r"^Preamble\b[\s.:]*", re.IGNORECASE)
_DUTCH_MARKER = re.compile(r"^(Artikel\s+\d+|HOOFDSTUK\b|TITEL\s+[IVXLC\d]+\b|Preambule)")
_WORD = re.compile(r"[a-zà-ÿ]+")

_DUTCH_WORDS = frozenset(
    "de het een en van voor niet zijn wordt worden dit deze die bij aan met door naar "
    "ook als wijzigt verdrag partij partijen artikel overeenkomstig inzake".split()
)
_ENGLISH_WORDS = frozenset(
    "the of and to a in for is be shall this that by with as on or any which may such "
    "party parties article convention protocol".split()
)
NO_TEXT_NOTE = "The source gives this article's heading only; its text is not in the source."


@dataclass
class _Article:
    number: str
    title: str = ""
    path: tuple[str, ...] = ()
    paragraphs: list[str] = field(default_factory=list)
    dropped_foreign: bool = False


def parse_treaty(blocks: list[Block], source: Source) -> Parsed:
    """Passages of a treaty: ``preamble`` and ``art-N`` in document order."""
    english = list(_english_part(blocks))
    titles_from_headings = any(b.is_heading for b in english)
    preamble: list[str] = []
    articles: list[_Article] = []
    divisions: list[tuple[int, str]] = []
    pending: tuple[str, str] | None = None  # a division or article awaiting its name
    current: _Article | None = None
    started = False

    for block in english:
        text = block.text
        if pending and _is_name_line(block, titles_from_headings):
            kind, label = pending
            pending = None
            if kind == "article" and current is not None:
                current.title = _readable(text)
            else:
                divisions[-1] = (divisions[-1][0], f"{label} – {_readable(text)}")
            continue
        pending = None
        division = _match_division(block, titles_from_headings)
        if division:
            rank, label, name = division
            divisions = [d for d in divisions if d[0] < rank]
            divisions.append((rank, f"{label} – {_readable(name)}" if name else label))
            pending = None if name else ("division", label)
            started = True
            continue
        article = _match_article(block, titles_from_headings)
        if article:
            number, title = article
            current = _Article(number, _readable(title), tuple(d[1] for d in divisions))
            articles.append(current)
            pending = None if title else ("article", number)
            started = True
            continue
        if not started and _PREAMBLE_WORD.match(text):
            preamble = []  # what comes above a "Preamble" line is the title block
        if block.is_heading and not started:
            continue  # the treaty's own title lines
        if _looks_dutch(text):
            if current is not None:
                current.dropped_foreign = True
            continue
        if current is None:
            preamble.append(text)
        else:
            current.paragraphs.append(text)

    if not articles:
        raise ParseError(f"{source.id}: no articles found in the treaty text")
    return Parsed(passages=list(_passages(preamble, articles)))


def _english_part(blocks: list[Block]) -> Iterator[Block]:
    """The blocks before the translation that follows the English text.

    The translation starts either at a Dutch structural marker or at a second title
    line: a level-4 heading that names no division or article and comes right after
    body text, as the Dutch title does in the mirror's files.
    """
    seen_article = False
    previous: Block | None = None
    for block in blocks:
        if _DUTCH_MARKER.match(block.text):
            return
        if seen_article and _is_title_line(block, previous):
            return
        if _ARTICLE.match(block.text):
            seen_article = True
        yield block
        previous = block


def _is_title_line(block: Block, previous: Block | None) -> bool:
    return (
        block.heading in (1, 2, 4)
        and previous is not None
        and not previous.is_heading
        and not _DIVISION.match(block.text)
        and not _ARTICLE.match(block.text)
    )


def _match_division(block: Block, from_headings: bool) -> tuple[int, str, str] | None:
    if from_headings and not block.is_heading:
        return None
    match = _DIVISION.match(block.text)
    if not match or (not from_headings and _is_sentence(match.group(3))):
        return None
    kind, number, name = match.groups()
    return _DIVISION_RANKS[kind.lower()], f"{kind.capitalize()} {number.upper()}", name


def _match_article(block: Block, from_headings: bool) -> tuple[str, str] | None:
    if from_headings and not block.is_heading:
        return None
    match = _ARTICLE.match(block.text)
    if not match:
        return None
    number, suffix, separator, title = match.groups()
    if not from_headings and title and (not separator or _is_sentence(title)):
        return None  # a sentence that begins "Article 3 of the Convention ..."
    return (f"{number} {suffix.lower()}" if suffix else number), title


def _is_name_line(block: Block, from_headings: bool) -> bool:
    """Whether a block names the division or article just above it."""
    if _DIVISION.match(block.text) or _ARTICLE.match(block.text):
        return False
    if from_headings:
        return block.is_heading
    return not _is_sentence(block.text) and len(block.text.split()) <= 15


def _is_sentence(text: str) -> bool:
    text = text.strip()
    return bool(text) and (text[-1] in ".;:," or bool(re.match(r"^(\d+|[a-z])[.)]\s", text)))


def _looks_dutch(text: str) -> bool:
    words = _WORD.findall(text.lower())
    dutch = sum(w in _DUTCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return dutch >= 2 and dutch > 2 * english


def _readable(text: str) -> str:
    """A heading in sentence case when the source shouts it ("USE OF TERMS")."""
    text = text.strip(" .:–—-")
    if text.isupper():
        return text[:1] + text[1:].lower()
    return text


def _passages(preamble: list[str], articles: list[_Article]) -> Iterator[Passage]:
    preamble_text = _PREAMBLE_WORD.sub("", "\n\n".join(preamble)).strip()
    if preamble_text:
        yield Passage(anchor="preamble", label="Preamble", text=preamble_text)
    anchors = AnchorSet()
    for article in articles:
        anchor = anchors.unique(f"art-{article.number.replace(' ', '-')}")
        label = f"Article {article.number}"
        if article.title:
            label += f" – {article.title}"
        text = "\n\n".join(article.paragraphs)
        yield Passage(
            anchor=anchor,
            label=label,
            text=text,
            path=article.path,
            text_available=bool(text),
            note=None if text else NO_TEXT_NOTE,
        )
