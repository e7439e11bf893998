"""Treaty parser: one passage for the preamble and one per article, English only.

Works on blocks from any format. In Markdown and HTML the structure comes as
headings (``### Article 15`` then ``####Conditions and safeguards``); in text from a
PDF it comes as short lines ("Article 15 – Conditions and safeguards", or
"Article 15" followed by its heading line). Parts, chapters, sections and titles
become the path of the articles below them.

The mirror's files carry the whole treaty again in Dutch after the English text;
parsing stops where the translation begins, and any Dutch paragraph left inside
the English part is dropped, the article being kept with its heading and marked as
without text. Where that Dutch paragraph is a note saying what the article amends
(ETS 182, Articles 1-6: "Wijzigt het Europees Verdrag ..."), the article's note says
so in English, naming the instrument the file's own titles say it belongs to.

A file may hold a second English instrument after the source's own (the ICCPR, then
its Optional Protocol): a title line after body text that does not look Dutch and is
followed by English text and articles from Article 1 (a stray heading is followed by
the treaty's next article, and still ends the English part). Its passages are kept
apart: anchors with a prefix for its kind and ordinal (``op1-art-1``), its title first
in their path and as their ``instrument``, and a note in :attr:`Parsed.notes`.

Paragraph numbering is rendered once: a number the source repeats ("2. 2 Such") is
dropped, and a list marker glued to its text ("a)access", "(a)A", "a.the") gets its
space back; one that lost its full stop in a list ("e.any ...", then "fany ...") gets
it back when the word only reads as its marker and a word of the text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
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
    "ook als wijzigt verdrag partij partijen artikel overeenkomstig inzake "
    "tot aangaande betreffende tussen ter".split()
)
# Words spelt alike in both ("in", "is", "protocol") count for neither.
_ENGLISH_WORDS = frozenset(
    "the of and to a for be shall this that by with as on or any which may such "
    "party parties article convention".split()
)
NO_TEXT_NOTE = "The source gives this article's heading only; its text is not in the source."

# The kind of a further instrument, by its title, and the prefix of its anchors.
_INSTRUMENT_PREFIXES = (
    ("optional protocol", "op"),
    ("additional protocol", "ap"),
    ("protocol", "p"),
)
_OTHER_PREFIX = "i"

# "2. 2 Such conditions": the source repeats the paragraph's number.
_DOUBLED_NUMBER = re.compile(r"^(\d{1,3})\.\s+\1\.?\s+(?=[A-Z])")
# "a)access", "(a)A Contracting", "a)a judicial", "a.the", "ii.has", "1.The": a marker
# glued to its text ("e.g." and "i.e." are no markers: a lone letter follows).
_GLUED_MARKER = re.compile(
    r"^(\(?(?:[a-z]|[ivx]{2,5})[.)]|\((?:[a-z]|[ivx]{2,5}|\d{1,3})\)|\d{1,3}[.)])"
    r"(?=[A-Z\"“‘(]|[a-z]{2}|a\s)"
)
_LETTER_MARKER = re.compile(r"^(\(?)([a-z])([.)]) ")

# A Dutch note in place of an article's text: "Wijzigt het Europees Verdrag ...;
# Straatsburg, 20 april 1959." ("Amends the European Convention ...").
_AMENDMENT_NOTE = re.compile(r"^Wijzigt\s+([^;]{1,300}?)\s*(?:;\s*([^;]{0,100}?))?\s*\.?$", re.I)
_DUTCH_ARTICLE = re.compile(r"\bart(?:ikel(?:en)?|\.)\s+(\d{1,3}(?:\s?[a-z]\b)?)", re.I)
_DUTCH_DATE = re.compile(r"\b(\d{1,2})[ -]([a-z]+|\d{1,2})[ -](\d{4})\b", re.I)
_DUTCH_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
_ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
).split()
# "Aanvullend Protocol bij het Verdrag ...", "Additional Protocol to the Convention ...".
_DUTCH_PARENT = re.compile(
    r"\bProtocol\b[^,]{0,40}?\b(?:bij|tot wijziging van)\s+([^,]{1,300})", re.I
)
_ENGLISH_PARENT = re.compile(r"\bProtocol\b[^,]{0,40}?\b(?:to|amending)\s+([^,]{1,300})", re.I)
_NAMED_SHARE = 0.75  # of the instrument's Dutch name's words a note must carry to name it
_ARTICLES_OF_SPEECH = frozenset({"het", "de", "een"})


@dataclass
class _Article:
    number: str
    title: str = ""
    path: tuple[str, ...] = ()
    paragraphs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)  # Dutch paragraphs left out


@dataclass
class _Instrument:
    """One instrument of a file: the source's own (``title`` None), or one after it."""

    title: str | None
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class _Parent:
    """The instrument a protocol belongs to, as its Dutch and English titles name it."""

    dutch: str  # "het Europees Verdrag inzake wederzijdse rechtshulp in strafzaken"
    english: str  # "the European Convention on Mutual Assistance in Criminal Matters"


def parse_treaty(blocks: list[Block], source: Source) -> Parsed:
    """Passages of a treaty: ``preamble`` and ``art-N`` in document order.

    A further instrument in the file follows with its own prefix (``op1-preamble``,
    ``op1-art-1`` ...), and a note in :attr:`Parsed.notes`.
    """
    own, *others = _instruments(blocks)
    from_headings = any(b.is_heading for i in (own, *others) for b in i.blocks)
    preamble, articles = _Reader(from_headings).read(own.blocks)
    if not articles:
        raise ParseError(f"{source.id}: no articles found in the treaty text")
    anchors = AnchorSet()
    parent = _parent(own.blocks, source)
    parsed = Parsed(passages=list(_passages(preamble, articles, anchors, parent=parent)))
    for ordinal, other in enumerate(others, 1):
        _add_further_instrument(parsed, other, ordinal, anchors, from_headings)
    return parsed


# --- instruments: the source's own, a further English one, the translation -------


def _instruments(blocks: list[Block]) -> list[_Instrument]:
    """The source's own instrument and any further English one, up to the translation.

    After articles, a title line (a level-1, 2 or 4 heading right after body text that
    names no division or article) starts either the Dutch translation, which ends the
    English part, or a further English instrument (the ICCPR's Optional Protocol). A
    Dutch structural marker ("Artikel 1", "HOOFDSTUK") ends the English part anywhere.
    """
    ahead = _Lookahead(blocks)
    instruments = [_Instrument(None)]
    seen_article = False
    for n, block in enumerate(blocks):
        if _DUTCH_MARKER.match(block.text):
            break
        if seen_article and _is_title_line(block, blocks[n - 1] if n else None):
            if not ahead.opens_english_instrument(n):
                break
            instruments.append(_Instrument(_readable(block.text)))
            seen_article = False
            continue
        seen_article = seen_article or bool(_ARTICLE.match(block.text))
        instruments[-1].blocks.append(block)
    return instruments


class _Lookahead:
    """For each block, where the next article (or Dutch marker) and paragraph are.

    Worked out once, backwards: asking at every title line then costs constant time,
    however many title lines a hostile file holds.
    """

    def __init__(self, blocks: list[Block]) -> None:
        from_headings = any(b.is_heading for b in blocks)
        self.blocks = blocks
        self.next_marker: list[int | None] = [None] * (len(blocks) + 1)
        self.next_paragraph: list[int | None] = [None] * (len(blocks) + 1)
        for n in range(len(blocks) - 1, -1, -1):
            block = blocks[n]
            structural = _DUTCH_MARKER.match(block.text) or (
                _ARTICLE.match(block.text) and (block.is_heading or not from_headings)
            )
            self.next_marker[n] = n if structural else self.next_marker[n + 1]
            self.next_paragraph[n] = n if not block.is_heading else self.next_paragraph[n + 1]

    def opens_english_instrument(self, n: int) -> bool:
        """Whether the title line at ``n`` starts an English instrument, not the translation.

        The Dutch title looks Dutch and is followed by Dutch text and "Artikel"; an
        English one is followed by English text and its own "Article 1". A stray
        heading inside the treaty is followed by the treaty's next article: it ends the
        English part as before, for the pipeline to hold back a copy cut short.
        """
        marker, paragraph = self.next_marker[n + 1], self.next_paragraph[n + 1]
        article = _ARTICLE.match(self.blocks[marker].text) if marker is not None else None
        return (
            not looks_dutch(self.blocks[n].text)
            and article is not None
            and article.group(1) == "1"
            and paragraph is not None
            and _looks_english(self.blocks[paragraph].text)
        )


def _is_title_line(block: Block, previous: Block | None) -> bool:
    return (
        block.heading in (1, 2, 4)
        and previous is not None
        and not previous.is_heading
        and not _DIVISION.match(block.text)
        and not _ARTICLE.match(block.text)
    )


def _add_further_instrument(
    parsed: Parsed, instrument: _Instrument, ordinal: int, anchors: AnchorSet, from_headings: bool
) -> None:
    """The passages of the ``ordinal``-th instrument after the source's own, and a note."""
    title = instrument.title or ""
    prefix = f"{_instrument_prefix(title)}{ordinal}-"
    preamble, articles = _Reader(from_headings).read(instrument.blocks)
    theirs = list(_passages(preamble, articles, anchors, prefix, title))
    parsed.passages += theirs
    parsed.notes.append(_further_instrument_note(title, len(theirs), prefix))


def _instrument_prefix(title: str) -> str:
    """``op`` for an Optional Protocol, ``ap`` an Additional one, ``p`` another, else ``i``."""
    lowered = title.lower()
    return next((p for words, p in _INSTRUMENT_PREFIXES if words in lowered), _OTHER_PREFIX)


def _further_instrument_note(title: str, passages: int, prefix: str) -> str:
    the = "" if title.lower().startswith("the ") else "the "
    count = f"{passages} passage{'' if passages == 1 else 's'}"
    return f"the file also holds {the}{title}: {count} of its own ({prefix}...)"


# --- one instrument's preamble and articles ------------------------------------


class _Reader:
    """Reads one instrument's blocks into its preamble's paragraphs and its articles."""

    def __init__(self, from_headings: bool) -> None:
        self.from_headings = from_headings
        self.preamble: list[str] = []
        self.articles: list[_Article] = []
        self.divisions: list[tuple[int, str]] = []  # (rank, label) of the open ones
        self.pending: str | None = None  # "division" or "article", awaiting its name line
        self.started = False  # a division or an article was seen

    def read(self, blocks: Iterable[Block]) -> tuple[list[str], list[_Article]]:
        for block in blocks:
            waiting, self.pending = self.pending, None
            if waiting and _is_name_line(block, self.from_headings):
                self.name(waiting, _readable(block.text))
            elif not (self.division(block) or self.article(block)):
                self.body(block)
        return self.preamble, self.articles

    def name(self, waiting: str, name: str) -> None:
        if waiting == "article":
            self.articles[-1].title = name
        else:
            rank, label = self.divisions[-1]
            self.divisions[-1] = (rank, f"{label} – {name}")

    def division(self, block: Block) -> bool:
        division = _match_division(block, self.from_headings)
        if division is None:
            return False
        rank, label, name = division
        self.divisions = [d for d in self.divisions if d[0] < rank]
        self.divisions.append((rank, f"{label} – {_readable(name)}" if name else label))
        self.pending = None if name else "division"
        self.started = True
        return True

    def article(self, block: Block) -> bool:
        article = _match_article(block, self.from_headings)
        if article is None:
            return False
        number, title = article
        path = tuple(label for _, label in self.divisions)
        self.articles.append(_Article(number, _readable(title), path))
        self.pending = None if title else "article"
        self.started = True
        return True

    def body(self, block: Block) -> None:
        text = block.text
        if not self.started and _PREAMBLE_WORD.match(text):
            self.preamble = []  # what comes above a "Preamble" line is the title block
        if block.is_heading and not self.started:
            return  # the treaty's own title lines
        if looks_dutch(text):
            if self.articles:
                self.articles[-1].foreign.append(text)
            return
        (self.articles[-1].paragraphs if self.articles else self.preamble).append(text)


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


def _language_counts(text: str) -> tuple[int, int]:
    """How many of the text's words are common Dutch words, and common English ones."""
    words = _WORD.findall(text.lower())
    return sum(w in _DUTCH_WORDS for w in words), sum(w in _ENGLISH_WORDS for w in words)


def looks_dutch(text: str) -> bool:
    """Whether a text reads as Dutch: common Dutch words, over twice the English ones."""
    dutch, english = _language_counts(text)
    return dutch >= 2 and dutch > 2 * english


def _looks_english(text: str) -> bool:
    dutch, english = _language_counts(text)
    return english >= 2 and english > dutch


def _readable(text: str) -> str:
    """A heading in sentence case when the source shouts it ("USE OF TERMS")."""
    text = text.strip(" .:–—-")
    if text.isupper():
        return text[:1] + text[1:].lower()
    return text


# --- passages ----------------------------------------------------------------


def _passages(
    preamble: list[str],
    articles: list[_Article],
    anchors: AnchorSet,
    prefix: str = "",
    instrument: str | None = None,
    parent: _Parent | None = None,
) -> Iterator[Passage]:
    """An instrument's passages; a further one's carry its prefix, path and title."""
    within = (instrument,) if instrument else ()
    preamble_text = _PREAMBLE_WORD.sub("", "\n\n".join(preamble)).strip()
    if preamble_text:
        anchor = anchors.unique(f"{prefix}preamble")
        yield Passage(anchor, "Preamble", preamble_text, path=within, instrument=instrument)
    words = Counter(w for a in articles for p in a.paragraphs for w in _WORD.findall(p.lower()))
    for article in articles:
        text = "\n\n".join(_tidy_numbering(article.paragraphs, words))
        yield Passage(
            anchor=anchors.unique(f"{prefix}art-{article.number.replace(' ', '-')}"),
            label=f"Article {article.number}" + (f" – {article.title}" if article.title else ""),
            text=text,
            path=within + article.path,
            text_available=bool(text),
            note=None if text else _no_text_note(article, parent),
            instrument=instrument,
        )


def _tidy_numbering(paragraphs: list[str], words: Counter[str]) -> Iterator[str]:
    """Paragraphs with their numbers and list markers rendered once, each with its space.

    ``words`` counts the instrument's words, to tell a marker that lost its full stop
    ("fany" after item "e.") from a word.
    """
    previous: re.Match[str] | None = None  # the letter marker of the paragraph before
    for paragraph in paragraphs:
        paragraph = _DOUBLED_NUMBER.sub(r"\1. ", paragraph)
        paragraph = _GLUED_MARKER.sub(r"\1 ", paragraph)
        if previous is not None:
            paragraph = _restore_lost_marker(paragraph, previous, words)
        previous = _LETTER_MARKER.match(paragraph)
        yield paragraph


def _restore_lost_marker(paragraph: str, previous: re.Match[str], words: Counter[str]) -> str:
    """A list marker that lost its full stop: "fany reservation" after "e. any ..." -> "f. any".

    Only when the first word is the next letter glued to a word found elsewhere in the
    text, and is found nowhere else itself.
    """
    opening, letter, closing = previous.groups()
    expected = chr(ord(letter) + 1)
    match = re.match(rf"{re.escape(expected)}([a-z]+)\b", paragraph)
    if match and words[match.group(0)] <= 1 and words[match.group(1)] >= 1:
        return f"{opening}{expected}{closing} {paragraph[1:]}"
    return paragraph


# --- articles whose text the source does not give ---------------------------------


def _no_text_note(article: _Article, parent: _Parent | None) -> str:
    """Say what the article amends when its Dutch note says so, of an instrument named."""
    for paragraph in article.foreign:
        amended = _amended(paragraph, parent)
        if amended:
            return f"The source gives this article's heading only: it amends {amended}."
    return NO_TEXT_NOTE


def _amended(note: str, parent: _Parent | None) -> str | None:
    """What a Dutch "Wijzigt ..." note says is amended, in English; None if not known.

    The note names the amended instrument in Dutch; it can be named in English when
    it is the one the file's titles say the protocol belongs to.
    """
    match = _AMENDMENT_NOTE.match(note)
    if match is None or parent is None or not _names(match.group(1), parent.dutch):
        return None
    amended = parent.english
    article = _DUTCH_ARTICLE.search(match.group(1))
    if article:
        amended = f"Article {article.group(1).replace(' ', '')} of {amended}"
    date = _english_date(match.group(2) or "")
    return f"{amended} of {date}" if date else amended


def _names(text: str, name: str) -> bool:
    """Whether ``text`` carries most words of ``name`` ("aangaande de" for "inzake" aside)."""
    wanted = set(_WORD.findall(name.lower())) - _ARTICLES_OF_SPEECH
    found = set(_WORD.findall(text.lower()))
    return bool(wanted) and len(wanted & found) >= _NAMED_SHARE * len(wanted)


def _english_date(text: str) -> str | None:
    """A Dutch date in English ("20 april 1959", "20-04-1959": "20 April 1959"); None if none."""
    match = _DUTCH_DATE.search(text)
    if match is None:
        return None
    day, month, year = match.groups()
    if month.isdigit():
        number = int(month)
    elif month.lower() in _DUTCH_MONTHS:
        number = _DUTCH_MONTHS.index(month.lower()) + 1
    else:
        return None
    return f"{int(day)} {_ENGLISH_MONTHS[number - 1]} {year}" if 1 <= number <= 12 else None


def _parent(blocks: list[Block], source: Source) -> _Parent | None:
    """The instrument a protocol belongs to, from its title lines; None for one of its own.

    "Aanvullend Protocol bij het Europees Verdrag ..." and "Additional Protocol to the
    European Convention ...": the English name is written as the source's title writes
    it where that holds it (the file's may be in lower case).
    """
    titles = [b.text for b in _title_lines(blocks)]
    dutch = next((_DUTCH_PARENT.search(t) for t in titles if looks_dutch(t)), None)
    english = next((_ENGLISH_PARENT.search(t) for t in titles if not looks_dutch(t)), None)
    if dutch is None or english is None:
        return None
    return _Parent(dutch.group(1).strip(), _as_written_in(source.title, english.group(1).strip()))


def _title_lines(blocks: list[Block]) -> Iterator[Block]:
    for block in blocks:
        if not block.is_heading or _DIVISION.match(block.text) or _ARTICLE.match(block.text):
            return
        yield block


def _as_written_in(title: str, name: str) -> str:
    start = title.lower().find(name.lower())
    return title[start : start + len(name)] if start >= 0 else name
