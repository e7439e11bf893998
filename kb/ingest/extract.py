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

from bs4 import BeautifulSoup, Tag
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from kb.ingest.errors import ExtractError
from kb.models import Block

_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
# A link's address may hold parentheses: "(../wipo/copyright/treaty/(wct)/(1996)/README.md)".
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)")
# A closing "*" may touch the next word ("*inter alia,*include" in ETS 185), "_" may not;
# an escaped "\*" never opens emphasis.
_MD_EMPHASIS = re.compile(
    r"(?<![\w*\\])(\*{1,2})(?=\S)(.+?)(?<=\S)\1(?!\*)"
    r"|(?<![\w*\\])(_{1,2})(?=\S)(.+?)(?<=\S)\3(?![\w*])"
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TEX_OPEN_QUOTE = re.compile(r"``(.*?)(?:''|\")", re.DOTALL)
# "hereto,Considering", "alia,include": print runs words together after a comma.
_MISSING_SPACE = re.compile(r"(?<=[a-z])([,;])(?=[A-Za-z])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_HYPHENATED = re.compile(r"\b([A-Za-z]{2,})-([a-z]{2,})\b")
_CONTROL = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n") | {
    0x7F: None,
    0xFEFF: None,
    0x00AD: None,
}


def extract(body: bytes, fmt: str) -> list[Block]:
    """Blocks of text from a body in one of the manifest's formats."""
    try:
        extractor = _EXTRACTORS[fmt]
    except KeyError:
        raise ExtractError(f"no extractor for format {fmt!r}") from None
    blocks = [b for b in extractor(body) if b.text]
    if not blocks:
        raise ExtractError(f"no text found in the {fmt} body ({len(body)} bytes)")
    return dehyphenate(blocks)


def decode(body: bytes) -> str:
    """Text of a body: UTF-8 (with or without BOM), else Windows-1252; never fails."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    if "\x00" in text[:4096]:
        raise ExtractError("the body is binary, not text")
    return text


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


def _extract_markdown(body: bytes) -> Iterator[Block]:
    for line in decode(body).splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("<meta"):
            continue
        heading = _MD_HEADING.match(stripped)
        if heading:
            yield Block(clean_markdown(heading.group(2)), heading=len(heading.group(1)))
        else:
            yield Block(clean_markdown(stripped))


def _extract_text(body: bytes) -> Iterator[Block]:
    for line in decode(body).splitlines():
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
    paragraph = ""
    after_bare_heading = False
    for n, line in enumerate(lines):
        name = _pdf_heading_name(line)
        following = lines[n + 1] if n + 1 < len(lines) else ""
        alone = name is not None or (after_bare_heading and _is_pdf_name_line(line, following))
        after_bare_heading = name == ""
        if alone:
            if paragraph:
                yield Block(paragraph)
            yield Block(line)
            paragraph = ""
            continue
        if paragraph and (paragraph[-1] in ".:;" or _PDF_NEW_PARAGRAPH.match(line)):
            yield Block(paragraph)
            paragraph = ""
        if paragraph.endswith("-") and line[:1].islower():
            paragraph += line  # "com-" "munication": dehyphenate() decides on the join
        else:
            paragraph = f"{paragraph} {line}".strip()
    if paragraph:
        yield Block(paragraph)


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


_EXTRACTORS: dict[str, Callable[[bytes], Iterable[Block]]] = {
    "markdown": _extract_markdown,
    "text": _extract_text,
    "html": _extract_html,
    "pdf": _extract_pdf,
}
