"""Files to take away: a brief as Markdown, search results as CSV or JSON lines.

Every text here comes from the sources, so it is treated as hostile: Markdown syntax
in a passage is escaped (a brief rendered to HTML elsewhere shows it as text), and a
CSV cell that a spreadsheet would read as a formula is quoted as text.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote

from kb.web.json import dumps

CSV_COLUMNS = (
    "rank",
    "id",
    "citation",
    "url",
    "document",
    "source",
    "kind",
    "year",
    "section",
    "path",
    "score",
    "matched_terms",
    "why",
    "snippet",
)
# Characters that are Markdown anywhere; "&" only where it would begin an entity.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])|&(?=#?\w+;)")
# Block syntax at a line's start (each line is escaped on its own: see markdown_text).
_LINE_START = re.compile(r"^(?:(\s*)(\d+)([.)])|(\s*)([-+=#]))")
# A run of "#" closing a line: in a heading it would be read as the heading's end and dropped.
_CLOSING_HASHES = re.compile(r"(\s)(#+)(\s*)$")
_TAG = re.compile(r"</?mark>")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that shows it literally: no emphasis, link, HTML or list.

    Lines are those of ``str.splitlines`` (which the brief splits with too: U+2028,
    U+2029, U+0085, \\v, \\f, \\x1c-\\x1e and \\r as well as \\n), each escaped
    at its start and joined by \\n: no line break a reader could see goes unescaped.
    """
    escaped = _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    return "\n".join(_LINE_START.sub(_escape_line_start, line) for line in split_lines(escaped))


def markdown_inline(text: str) -> str:
    """``text`` as :func:`markdown_text`, on one line (a heading's, a list item's): every
    line break becomes a space, so that a citation cannot start a line of its own."""
    escaped = markdown_text(" ".join(split_lines(text)))
    return _CLOSING_HASHES.sub(r"\1\\\2\3", escaped)


def split_lines(text: str) -> list[str]:
    """``text.splitlines()``, keeping an empty last line after a final line break."""
    *before, last = (text + ".").splitlines()  # "." breaks no line; it marks the end
    return [*before, last[:-1]]


def _escape_line_start(match: re.Match[str]) -> str:
    if match.group(2):
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}"
    return f"{match.group(4)}\\{match.group(5)}"


def markdown_link(url: str) -> str:
    """An autolink; characters that would end or break it are percent-encoded."""
    return f"<{quote(url, safe=':/?#@!$&()*+,;=%~.-_')}>"


def brief_markdown(entries: list[dict[str, Any]], prepared: str, version: str) -> str:
    """The brief: each passage quoted, with its citation, link, retrieval date and hashes."""
    count = f"{len(entries)} passage{'' if len(entries) == 1 else 's'}"
    lines = ["# Brief", "", f"Prepared with kb on {prepared} (index {version}); {count}.", ""]
    for number, entry in enumerate(entries, 1):
        citation = markdown_inline(entry["citation"])
        lines += [f"## {number}. {citation}", ""]
        text = entry["text"] if entry["text_available"] else "(text not available offline)"
        lines += [f"> {line}" if line else ">" for line in markdown_text(text).splitlines()]
        lines += [
            "",
            f"- Citation: {citation}",
            f"- Link: {markdown_link(entry['url'])}",
            f"- Retrieved: {entry['retrieved_at'] or 'unknown'}",
            f"- Text SHA-256: `{entry['text_sha256']}`",
            f"- Source SHA-256: `{entry['source_sha256'] or 'unknown'}`",
            "",
        ]
    return "\n".join(lines)


def plain_snippet(snippet: str) -> str:
    """A snippet's HTML (escaped text and <mark>) as plain text."""
    return html.unescape(_TAG.sub("", snippet))


def csv_rows(hits: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one CSV line per hit (the API's hit shape), streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for rank, hit in enumerate(hits, 1):
        yield line(
            [
                rank,
                hit["id"],
                hit["citation"],
                hit["url"],
                hit["document"],
                hit["source"],
                hit["kind"],
                hit["year"],
                hit["section"],
                " › ".join(hit["path"]),
                hit["score"],
                "; ".join(hit["matched_terms"]),
                hit["explanation"]["summary"],
                plain_snippet(hit["snippet"]),
            ]
        )


def _cell(value: Any) -> Any:
    """A text a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def json_lines(hits: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """One JSON object per line, per hit."""
    for hit in hits:
        yield dumps(hit) + b"\n"
