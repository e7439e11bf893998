"""Extraction: turn a fetched body (Markdown, HTML, PDF, plain text) into blocks of text.

Every format ends up as the same shape, a list of :class:`~kb.models.Block`: headings
with their level and paragraphs of plain text, so each parser works on text from any
format. Markup that carries no meaning for a reader (Markdown links, emphasis, TeX
quotes, HTML tags, print hyphenation) is reduced here, once.
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from bs4 import BeautifulSoup, Tag
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from kb.ingest.errors import ExtractError
from kb.models import Block

# Every span below has a bound: an opening mark without its closing one ("*a *a *a ...",
# "[a [a ...") would otherwise be read to the end of the line from each opening mark,
# which costs quadratic time on a long line. The mirror's longest spans: a link of 285
# characters, emphasis of 32, a TeX quote of 25, a tag of 69.
_MD_HEADING_MARK = re.compile(r"#{1,6}")
# A link's address may hold parentheses: "(../wipo/copyright/treaty/(wct)/(1996)/README.md)".
_MD_LINK = re.compile(r"!?\[([^\]]{0,500})\]\((?:[^()]|\([^()]{0,500}\)){0,1000}\)")
# A closing "*" may touch the next word ("*inter alia,*include" in ETS 185), "_" may not;
# an escaped "\*" never opens emphasis.
_MD_EMPHASIS = re.compile(
    r"(?<![\w*\\])(\*{1,2})(?=\S)(.{1,300}?)(?<=\S)\1(?!\*)"
    r"|(?<![\w*\\])(_{1,2})(?=\S)(.{1,300}?)(?<=\S)\3(?![\w*])"
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]{0,1000}>")
_TEX_OPEN_QUOTE = re.compile(r"``(.{0,300}?)(?:''|\")", re.DOTALL)
# Bytes that are not valid UTF-8, as the "surrogateescape" error handler gives them.
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
# "hereto,Considering", "alia,include": print runs words together after a comma.
_MISSING_SPACE = re.compile(r"(?<=[a-z])([,;])(?=[A-Za-z])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_HYPHENATED = re.compile(r"\b([A-Za-z]{2,})-([a-z]{2,})\b")
_CONTROL = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n") | {
    0x7F: None,
    0xFEFF: None,
    0x00AD: None,
}


@dataclass(frozen=True)
class Extraction:
    """The blocks of a body, and what had to be mended to read it."""

    blocks: list[Block]
    replaced_bytes: int = 0  # bytes that were not valid UTF-8, each read as U+FFFD


class Decoded(NamedTuple):
    text: str
    replaced_bytes: int


def extract(body: bytes, fmt: str) -> list[Block]:
    """Blocks of text from a body in one of the manifest's formats."""
    return extract_body(body, fmt).blocks


def extract_body(body: bytes, fmt: str) -> Extraction:
    """Blocks of text from a body, with the count of bytes that had to be replaced."""
    replaced = 0
    if fmt in _TEXT_EXTRACTORS:
        text, replaced = decode(body)
        found = _TEXT_EXTRACTORS[fmt](text)
    elif fmt in _BYTES_EXTRACTORS:
        found = _BYTES_EXTRACTORS[fmt](body)
    else:
        raise ExtractError(f"no extractor for format {fmt!r}")
    blocks = [b for b in found if b.text]
    if not blocks:
        raise ExtractError(f"no text found in the {fmt} body ({len(body)} bytes)")
    return Extraction(dehyphenate(blocks), replaced)


def decode(body: bytes) -> Decoded:
    """Text of a body read as UTF-8 (with or without BOM); never fails on a bad byte.

    Each byte that is not valid UTF-8 becomes U+FFFD and is counted, for the report to
    say so. Reading the whole file as Windows-1252 instead, as this once did, garbles
    every other accented letter of a UTF-8 text because of one stray byte, silently.
    """
    try:
        text, replaced = body.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        escaped = body.decode("utf-8-sig", errors="surrogateescape")
        text, replaced = _ESCAPED_BYTE.subn("\ufffd", escaped)
    if "\x00" in text[:4096]:
        raise ExtractError("the body is binary, not text")
    return Decoded(text, replaced)


def clean_text(text: str) -> str:
    """One line of plain text: NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_CONTROL)
    return _SPACES.sub(" ", text).strip()


def clean_markdown(text: str) -> str:
    """Reduce inline Markdown to its text: links to their words, no emphasis, no tags."""
    text = _MD_LINK.sub(r"\1", text)
    text = _TEX_OPEN_QUOTE.sub(r'"\1"', text)
    text = _HTML_TAG.sub("", text)
    text = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(4), text)
    text = _MISSING_SPACE.sub(r"\1 ", html.unescape(text))
    return clean_text(text.replace("\\*", "*").replace("\\_", "_"))


def _extract_markdown(text: str) -> Iterator[Block]:
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("<meta"):
            continue
        mark = _MD_HEADING_MARK.match(stripped)
        if mark:
            yield Block(clean_markdown(_heading_text(stripped[mark.end() :])), heading=mark.end())
        else:
            yield Block(clean_markdown(stripped))


def _heading_text(rest: str) -> str:
    """A heading's text without its closing hashes: ``" Article 1 ##"`` -> ``"Article 1"``.

    String methods, not one regex: a lazy group followed by optional spaces, hashes and
    spaces backtracks in cubic time over a long run of spaces inside a heading (5,000
    spaces took three minutes).
    """
    return rest.strip().rstrip("#").rstrip()


def _extract_text(text: str) -> Iterator[Block]:
    for line in text.splitlines():
        yield Block(clean_text(line))


# --- HTML -------------------------------------------------------------------

_NOT_CONTENT = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
)
_MAIN_CANDIDATES = ("main", "[role=main]", "article", "#content", ".content", "#main")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_TEXT_BLOCKS = {"p", "li", "dt", "dd", "blockquote", "pre", "td", "th", "figcaption", "caption"}
_CONTAINERS = {"div", "section", "ul", "ol", "dl", "table", "tbody", "thead", "tr", "body"}


def _extract_html(body: bytes) -> Iterator[Block]:
    soup = BeautifulSoup(body, "html.parser")
    for junk in soup.find_all(_NOT_CONTENT):
        junk.decompose()
    root = _main_content(soup)
    if root is None:
        return
    yield from _walk_html(root)


def _main_content(soup: BeautifulSoup) -> Tag | None:
    for selector in _MAIN_CANDIDATES:
        found = soup.select_one(selector)
        if found is not None and found.get_text(strip=True):
            return found
    return soup.body or soup


def _walk_html(root: Tag) -> Iterator[Block]:
    """Headings and text blocks in document order; loose text in containers too.

    Walks with an explicit stack, so however deep a page nests, it is no recursion.
    """
    stack = [(root, iter(root.children))]
    while stack:
        element, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
        elif not isinstance(child, Tag):
            text = clean_text(str(child))
            if text and element.name in _CONTAINERS:
                yield Block(text)
        elif child.name in _HEADINGS:
            yield Block(clean_text(child.get_text(" ")), heading=_HEADINGS[child.name])
        elif child.name in _TEXT_BLOCKS and not child.find([*_HEADINGS, "p", "li"]):
            yield Block(clean_text(child.get_text(" ")))
        elif child.name != "br":
            stack.append((child, iter(child.children)))


# --- PDF --------------------------------------------------------------------

_PDF_NEW_PARAGRAPH = re.compile(
    r"^(?:\d+\s*\.|[a-z]\s*[.)]|[ivx]+\s*[.)]|Article\s+\d+|Chapter\s+[IVXLC\d]+|"
    r"Section\s+\d+|Title\s+\d+|Preamble\b|[•●\-–])",
    re.IGNORECASE,
)
_PDF_HEADING = re.compile(
    r"^(?:(?i:article)\s+\d+(?:\s*(?i:bis|ter|quater|quinquies))?|"
    r"(?i:part|chapter|section|title)\s+(?:[IVXLC]+|\d+))\b\s*([-–—.:]?)\s*(.*)$"
)
_PDF_NAME_MAX_WORDS = 15
# "12", "12/40", "Page 12", "Page 12 of 40", "- 12 -"
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—])$", re.IGNORECASE
)


def _extract_pdf(body: bytes) -> Iterator[Block]:
    if not body.lstrip().startswith(b"%PDF-"):
        raise ExtractError("the body is not a PDF (no %PDF- header)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractError(f"the PDF could not be read: {error}") from error
    lines = [clean_text(line) for page in pages for line in page.splitlines()]
    yield from _join_pdf_lines(line for line in lines if line and not _PAGE_NUMBER.match(line))


def _join_pdf_lines(lines: Iterable[str]) -> Iterator[Block]:
    """Rebuild paragraphs from a PDF's wrapped lines.

    Heading lines ("Article 1 – Definitions", "Chapter I", and the name line under
    a bare "Article 2") stay blocks of their own, never glued to the text below.
    """
    lines = list(lines)
    paragraph = _Paragraph()
    after_bare_heading = False
    for n, line in enumerate(lines):
        name = _pdf_heading_name(line)
        following = lines[n + 1] if n + 1 < len(lines) else ""
        alone = name is not None or (after_bare_heading and _is_pdf_name_line(line, following))
        after_bare_heading = name == ""
        if alone:
            yield from paragraph.flush()
            yield Block(line)
            continue
        if paragraph.ends_with(".:;") or _PDF_NEW_PARAGRAPH.match(line):
            yield from paragraph.flush()
        paragraph.add(line)
    yield from paragraph.flush()


class _Paragraph:
    """The lines of a paragraph being rebuilt, joined once at its end.

    Joining as it grows (``paragraph = f"{paragraph} {line}"``) copies the whole
    paragraph per line: 100,000 lines without a full stop took 32 s.
    """

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def ends_with(self, characters: str) -> bool:
        """Whether the paragraph so far ends with one of ``characters`` (never when empty)."""
        return bool(self.pieces) and self.pieces[-1][-1] in characters

    def add(self, line: str) -> None:
        """Add a line after a space; "com-" "munication" stay joined: dehyphenate() decides."""
        if self.pieces and not (self.ends_with("-") and line[:1].islower()):
            self.pieces.append(" ")
        self.pieces.append(line)

    def flush(self) -> Iterator[Block]:
        """The paragraph as a block (none when empty); the paragraph starts again empty."""
        if self.pieces:
            yield Block("".join(self.pieces))
        self.pieces = []


def _pdf_heading_name(line: str) -> str | None:
    """The name on a structural heading line ("" for a bare "Article 2"); None if not one.

    "Article 3 of the Convention applies ..." is text, not a heading: a name needs a
    separator (or capitals, "CHAPTER II MEASURES") and must not read as a sentence.
    """
    match = _PDF_HEADING.match(line)
    if not match:
        return None
    separator, name = match.groups()
    if name and (not (separator or name.isupper()) or not _is_pdf_name(name)):
        return None
    return name


def _is_pdf_name_line(line: str, following: str) -> bool:
    """Whether the line under a bare heading names it, rather than starting its text."""
    return (
        _is_pdf_name(line)
        and not _PDF_NEW_PARAGRAPH.match(line)
        and not following[:1].islower()  # a wrapped sentence goes on in lower case
    )


def _is_pdf_name(text: str) -> bool:
    return text[-1] not in ".;:," and len(text.split()) <= _PDF_NAME_MAX_WORDS


# --- shared -----------------------------------------------------------------


def dehyphenate(blocks: list[Block]) -> list[Block]:
    """Join words split by print hyphenation ("com-munication").

    A hyphenated pair is joined only when the joined word occurs elsewhere in the
    same text and the hyphenated form does not recur, so real compounds such as
    "cross-border" stay as they are.
    """
    words: dict[str, int] = {}
    for block in blocks:
        for word in re.findall(r"[A-Za-z-]+", block.text):
            words[word.lower()] = words.get(word.lower(), 0) + 1

    def join(match: re.Match[str]) -> str:
        joined = (match.group(1) + match.group(2)).lower()
        hyphenated = match.group(0).lower()
        if words.get(joined) and words.get(hyphenated, 0) <= 1:
            return match.group(1) + match.group(2)
        return match.group(0)

    return [Block(_HYPHENATED.sub(join, b.text), b.heading) for b in blocks]


# Markdown and text are decoded here (see decode); HTML and PDF carry their own encodings.
_TEXT_EXTRACTORS: dict[str, Callable[[str], Iterable[Block]]] = {
    "markdown": _extract_markdown,
    "text": _extract_text,
}
_BYTES_EXTRACTORS: dict[str, Callable[[bytes], Iterable[Block]]] = {
    "html": _extract_html,
    "pdf": _extract_pdf,
}
