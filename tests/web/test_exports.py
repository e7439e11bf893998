"""The files to take away (kb/web/exports.py): Markdown briefs, CSV and JSON-lines exports.

Every text comes from the sources and is treated as hostile: Markdown syntax in it must
show as text, a CSV cell must never run as a spreadsheet formula, a JSON line must be one
line. These are unit tests of the helpers; tests/web/test_api.py checks the endpoints.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from typing import Any
from urllib.parse import unquote

import pytest

from kb.web.exports import (
    CSV_COLUMNS,
    brief_markdown,
    csv_rows,
    json_lines,
    markdown_inline,
    markdown_link,
    markdown_text,
    plain_snippet,
)

# The header of docs/api.md
DOCUMENTED_HEADER = (
    "rank,id,citation,url,document,source,kind,year,section,path,score,matched_terms,why,snippet"
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every line break of str.splitlines, which the brief splits passages with: \n, \r, \r\n,
# \v, \f, \x1c-\x1e, U+0085, U+2028, U+2029. Found rather than listed, so none is forgotten.
LINE_BREAKS = (
    "\r\n",
    *(c for c in map(chr, range(0x110000)) if len(f"a{c}b".splitlines()) == 2),
)
# Hostile lines: what each would become at a line's start, unescaped (a heading, list
# items, a spreadsheet formula, a rule), and the same escaped.
HOSTILE_LINES = (
    "# Forged heading",
    "- bullet",
    "+ bullet",
    "1. listed",
    "12) listed",
    '=HYPERLINK("https://evil.example/","open me")',
    "  - indented",
    "---",
)
ESCAPED_LINES = [
    r"\# Forged heading",
    r"\- bullet",
    r"\+ bullet",
    r"1\. listed",
    r"12\) listed",
    r'\=HYPERLINK("https://evil.example/","open me")',
    r"  \- indented",
    r"\---",
]


def shown(markdown: str) -> str:
    """What a CommonMark renderer shows of escaped text: every backslash escape read."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def unescaped(markdown: str, specials: str) -> list[str]:
    """The characters of ``specials`` in ``markdown`` that no backslash escapes."""
    found, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2  # an escape and what it escapes
            continue
        if markdown[i] in specials:
            found.append(markdown[i])
        i += 1
    return found


def hit(**fields: Any) -> dict[str, Any]:
    """A hit in the API's shape; ``fields`` override its defaults."""
    defaults: dict[str, Any] = {
        "id": "pipeline-treaty.art-3",
        "source": "pipeline-treaty",
        "document": "Convention on Lantern Signals between Harbours",
        "kind": "treaty",
        "year": 1999,
        "section": "Article 3 – Requests for signal logs",
        "path": ["Chapter II – Co-operation between harbours"],
        "citation": "Convention on Lantern Signals, Article 3 – Requests for signal logs",
        "url": "https://treaties.example.org/lantern-signals#art-3",
        "score": 22.05,
        "snippet": "a request for a <mark>signal</mark> log",
        "matched_terms": ["signal"],
        "explanation": {"summary": "“signal” in the text", "reasons": []},
        "text_available": True,
    }
    return {**defaults, **fields}


def entry(**fields: Any) -> dict[str, Any]:
    """A brief entry in the API's shape."""
    text = fields.pop("text", "Each Party shall allow its harbour keepers to answer.")
    defaults: dict[str, Any] = {
        "id": "pipeline-treaty.art-3",
        "citation": "Convention on Lantern Signals, Article 3 – Requests for signal logs",
        "url": "https://treaties.example.org/lantern-signals#art-3",
        "document": "Convention on Lantern Signals between Harbours",
        "section": "Article 3 – Requests for signal logs",
        "path": [],
        "text": text,
        "text_available": True,
        "retrieved_at": "2026-01-02T03:04:05Z",
        "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "source_sha256": "ab" * 32,
    }
    return {**defaults, **fields}


def parsed(rows: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(rows))))


# markdown_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "*emphasis* and **strong**",
        "_emphasis_ and __strong__",
        "~~struck~~",
        "`code` and ``more``",
        "[a link](https://evil.example/)",
        "![an image](https://evil.example/x.png)",
        "[ref][1] and [1]: https://evil.example/",
        "<https://evil.example/autolink>",
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<!-- a comment -->",
        "a | table | row",
        "back\\slash",
        "{curly} and !bang",
    ],
)
def test_markdown_text_escapes_inline_syntax(text: str) -> None:
    escaped = markdown_text(text)
    assert shown(escaped) == text  # read back, it is the text itself
    assert unescaped(escaped, "*_~`[]<>|{}") == []  # "!" is harmless once "[" is escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
        ("*a* _b_", r"\*a\* \_b\_"),
        ("[x](javascript:alert(1))", r"\[x\](javascript:alert(1))"),
        ("# Heading", r"\# Heading"),
        ("## Heading ##", r"\## Heading ##"),  # a "#" is Markdown only at a line's start
        ("WS #188", "WS #188"),
        ("&amp; &lt;b&gt; &#60;", r"\&amp; \&lt;b\&gt; \&#60;"),  # "&" only before an entity
        ("a & b", "a & b"),
    ],
)
def test_markdown_text_exactly(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("* item", r"\* item"),
        ("1. item", r"1\. item"),
        ("12) item", r"12\) item"),
        ("  - indented item", r"  \- indented item"),
        ("===", r"\==="),
        ("---", r"\---"),
        ("> quoted", r"\> quoted"),
        ("first\n- second\n3. third\n+ fourth", "first\n\\- second\n3\\. third\n\\+ fourth"),
    ],
)
def test_markdown_text_escapes_block_syntax_at_line_start(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped
    assert shown(markdown_text(text)) == text


@pytest.mark.parametrize(
    "text",
    ["a - b", "1999. The year", "Article 3. Of the Parties", "x = y + z", "e-mail", "2 + 2"],
)
def test_markdown_text_leaves_ordinary_text_readable(text: str) -> None:
    """Only what is syntax where it stands is escaped: a dash in a sentence is not a list."""
    escaped = markdown_text(text)
    assert shown(escaped) == text
    if not re.match(r"\s*(\d+[.)]|[-+=])", text):
        assert escaped == text


def test_markdown_text_keeps_the_lines() -> None:
    text = "one\n\ntwo\n- three\n\n4. four"
    assert markdown_text(text).splitlines() == ["one", "", "two", r"\- three", "", r"4\. four"]


def test_the_line_breaks_include_the_unicode_ones() -> None:
    unicode = {"\u2028", "\u2029", "\x85", "\v", "\f", "\x1c", "\x1d", "\x1e", "\r", "\n"}
    assert set(LINE_BREAKS) == {"\r\n", *unicode}


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=ascii)
def test_markdown_text_escapes_after_every_line_break_as_after_a_newline(line_break: str) -> None:
    text = line_break.join(("Each Party", *HOSTILE_LINES, ""))
    escaped = markdown_text(text)
    assert escaped == markdown_text("\n".join(("Each Party", *HOSTILE_LINES, "")))
    assert escaped.split("\n") == ["Each Party", *ESCAPED_LINES, ""]


@pytest.mark.parametrize(
    ("text", "inline"),
    [
        ("Convention, Article 1", "Convention, Article 1"),
        ("- Convention\u2028# Article 1", r"\- Convention # Article 1"),
        ("WS #", r"WS \#"),  # a heading would drop a closing "#" run: kept, escaped
        ("Session ##  ", r"Session \##  "),
        ("WS #188", "WS #188"),
    ],
)
def test_markdown_inline_is_one_line(text: str, inline: str) -> None:
    assert markdown_inline(text) == inline


def test_markdown_text_of_plain_words_is_unchanged() -> None:
    text = "Each Party shall adopt such legislative and other measures as may be necessary"
    assert markdown_text(text) == text


# markdown_link ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://treaties.example.org/lantern-signals#art-3",
        "https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=185#art-15",
        "https://example.org/hostile?a=1&b=2#art-1",
        "https://example.org/%20already-escaped",
    ],
)
def test_markdown_link_keeps_an_ordinary_url(url: str) -> None:
    assert markdown_link(url) == f"<{url}>"


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.org/a b", "<https://example.org/a%20b>"),
        ("https://example.org/a>b", "<https://example.org/a%3Eb>"),
        ("https://example.org/a<b", "<https://example.org/a%3Cb>"),
        (
            "https://example.org/a>[x](javascript:1)",
            "<https://example.org/a%3E%5Bx%5D(javascript:1)>",
        ),
        ("https://example.org/a\nb", "<https://example.org/a%0Ab>"),
        ("https://example.org/a`b\\c", "<https://example.org/a%60b%5Cc>"),
    ],
)
def test_markdown_link_percent_encodes_what_would_break_it(url: str, linked: str) -> None:
    assert markdown_link(url) == linked
    inside = markdown_link(url)[1:-1]
    assert not re.search(r"[\s<>`\\]", inside)
    assert unquote(inside) == url


def test_markdown_link_encodes_non_ascii() -> None:
    linked = markdown_link("https://example.org/café")
    assert linked == "<https://example.org/caf%C3%A9>"


# brief_markdown ---------------------------------------------------------------------------


def test_brief_markdown_has_every_entry_with_its_citation_link_date_and_hashes() -> None:
    entries = [
        entry(),
        entry(
            id="hostile-treaty.art-1",
            citation='Quillwort "><svg onload=x> & <b>Wardens</b>, Article 1',
            url="https://example.org/hostile?a=1&b=2#art-1",
            text="count *tufts* <img src=x onerror=y>\n\n- listed\n# headed",
            retrieved_at=None,
            source_sha256=None,
        ),
    ]
    text = brief_markdown(entries, "2026-01-02", "g-1")
    lines = text.splitlines()
    assert lines[0] == "# Brief"
    assert "Prepared with kb on 2026-01-02 (index g-1); 2 passages." in lines
    assert [line for line in lines if line.startswith("## ")] == [
        f"## 1. {markdown_text(entries[0]['citation'])}",
        f"## 2. {markdown_text(entries[1]['citation'])}",
    ]
    for one in entries:
        assert f"- Citation: {markdown_text(one['citation'])}" in lines
        assert f"- Link: <{one['url']}>" in lines
        assert f"- Text SHA-256: `{one['text_sha256']}`" in lines
    assert "- Retrieved: 2026-01-02T03:04:05Z" in lines
    assert "- Retrieved: unknown" in lines
    assert f"- Source SHA-256: `{'ab' * 32}`" in lines
    assert "- Source SHA-256: `unknown`" in lines
    # the hostile text is quoted, line by line, with its syntax escaped
    assert "> count \\*tufts\\* \\<img src=x onerror=y\\>" in lines
    assert ">" in lines
    assert "> \\- listed" in lines
    assert "> \\# headed" in lines
    fields = ("Citation", "Link", "Retrieved", "Text SHA-256", "Source SHA-256")
    allowed = ("## ", "> ", "Prepared with kb on ", *(f"- {field}: " for field in fields))
    assert all(line in ("", ">") or line.startswith(allowed) for line in lines[1:]), text


@pytest.mark.parametrize("line_break", LINE_BREAKS, ids=ascii)
def test_brief_markdown_quotes_hostile_lines_escaped_and_keeps_the_citation_on_its_line(
    line_break: str,
) -> None:
    citation = line_break.join(
        ("Quillwort Convention", "# Forged", "- Link: <https://evil.example/>", "=SUM(1) ##")
    )
    text = line_break.join(("Each Party", *HOSTILE_LINES))
    markdown = brief_markdown([entry(citation=citation, text=text)], "2026-01-02", "g-1")
    lines = markdown.split("\n")
    one_line = r"Quillwort Convention # Forged - Link: \<https://evil.example/\> =SUM(1) \##"
    assert [line for line in lines if line.startswith("#")] == ["# Brief", f"## 1. {one_line}"]
    assert [line for line in lines if line.startswith("- ")][:2] == [
        f"- Citation: {one_line}",
        "- Link: <https://treaties.example.org/lantern-signals#art-3>",
    ]
    start = lines.index("> Each Party")
    assert lines[start : start + 1 + len(ESCAPED_LINES)] == [
        "> Each Party",
        *(f"> {line}" for line in ESCAPED_LINES),
    ]
    assert not [brk for brk in LINE_BREAKS if brk != "\n" and brk in markdown]
    fields = ("Citation", "Link", "Retrieved", "Text SHA-256", "Source SHA-256")
    allowed = ("## ", "> ", "Prepared with kb on ", *(f"- {field}: " for field in fields))
    assert all(line in ("", ">") or line.startswith(allowed) for line in lines[1:]), markdown


def test_brief_markdown_of_one_passage_says_passage() -> None:
    text = brief_markdown([entry()], "2026-01-02", "g-1")
    assert "; 1 passage." in text


def test_brief_markdown_of_a_passage_without_text() -> None:
    text = brief_markdown([entry(text="", text_available=False)], "2026-01-02", "g-1")
    assert "> (text not available offline)" in text.splitlines()


# plain_snippet ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("snippet", "plain"),
    [
        ("a <mark>signal</mark> log", "a signal log"),
        ("…<mark>signal</mark> and <mark>logs</mark>…", "…signal and logs…"),
        ("&lt;script&gt;alert(1)&lt;/script&gt; <mark>x</mark>", "<script>alert(1)</script> x"),
        ("&amp;amp; stays &amp;lt;b&amp;gt;", "&amp; stays &lt;b&gt;"),
        ("&lt;mark&gt;not a tag&lt;/mark&gt;", "<mark>not a tag</mark>"),
        ("&quot;quoted&quot; &#x27;x&#x27;", "\"quoted\" 'x'"),
        ("", ""),
    ],
)
def test_plain_snippet_drops_the_marks_and_reads_the_escapes(snippet: str, plain: str) -> None:
    assert plain_snippet(snippet) == plain


# csv_rows ---------------------------------------------------------------------------------


def test_csv_rows_start_with_the_documented_header() -> None:
    rows = list(csv_rows([]))
    assert rows == [DOCUMENTED_HEADER + "\r\n"]
    assert ",".join(CSV_COLUMNS) == DOCUMENTED_HEADER


def test_csv_rows_one_row_per_hit_in_order() -> None:
    hits = [hit(), hit(id="pipeline-treaty.art-4", score=8.5, path=[], matched_terms=[])]
    rows = list(csv_rows(iter(hits)))  # a generator is enough: the rows are streamed
    assert len(rows) == 3
    header, *records = parsed(rows)
    assert header == list(CSV_COLUMNS)
    first = dict(zip(header, records[0], strict=True))
    assert first == {
        "rank": "1",
        "id": "pipeline-treaty.art-3",
        "citation": "Convention on Lantern Signals, Article 3 – Requests for signal logs",
        "url": "https://treaties.example.org/lantern-signals#art-3",
        "document": "Convention on Lantern Signals between Harbours",
        "source": "pipeline-treaty",
        "kind": "treaty",
        "year": "1999",
        "section": "Article 3 – Requests for signal logs",
        "path": "Chapter II – Co-operation between harbours",
        "score": "22.05",
        "matched_terms": "signal",
        "why": "“signal” in the text",
        "snippet": "a request for a signal log",
    }
    second = dict(zip(header, records[1], strict=True))
    assert (second["rank"], second["id"], second["path"], second["matched_terms"]) == (
        "2",
        "pipeline-treaty.art-4",
        "",
        "",
    )


def test_csv_rows_join_the_path_and_the_matched_terms() -> None:
    rows = parsed(list(csv_rows([hit(path=["Chapter II", "Section 2"], matched_terms=["a", "b"])])))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["path"] == "Chapter II › Section 2"
    assert record["matched_terms"] == "a; b"


@pytest.mark.parametrize(
    "value",
    [
        'comma, "quotes" and more',
        "two\nlines",
        "crlf\r\nlines",
        "semi;colon",
        "'already quoted",
        "“curly” – dashes …",
        "",
    ],
)
def test_csv_rows_quote_what_csv_must_quote(value: str) -> None:
    rows = list(csv_rows([hit(citation=value, document=value)]))
    header, record = parsed(rows)
    cells = dict(zip(header, record, strict=True))
    assert cells["citation"] == cells["document"] == value


@pytest.mark.parametrize("start", FORMULA_STARTS)
@pytest.mark.parametrize(
    "column", ["citation", "document", "section", "snippet", "why", "path", "matched_terms"]
)
def test_csv_rows_prefix_a_would_be_formula_with_an_apostrophe(start: str, column: str) -> None:
    payload = f'{start}HYPERLINK("https://evil.example/","click")'
    fields: dict[str, Any] = {
        "citation": {"citation": payload},
        "document": {"document": payload},
        "section": {"section": payload},
        "snippet": {"snippet": payload},
        "why": {"explanation": {"summary": payload, "reasons": []}},
        "path": {"path": [payload, "more"]},
        "matched_terms": {"matched_terms": [payload, "more"]},
    }[column]
    header, record = parsed(list(csv_rows([hit(**fields)])))
    cell = dict(zip(header, record, strict=True))[column]
    joined = {"path": " › more", "matched_terms": "; more"}.get(column, "")
    assert cell == "'" + payload + joined


def test_csv_rows_leave_other_cells_and_numbers_as_they_are() -> None:
    header, record = parsed(
        list(csv_rows([hit(citation="a=b", document="x-y", score=-1.5, year=2001)]))
    )
    cells = dict(zip(header, record, strict=True))
    assert cells["citation"] == "a=b"
    assert cells["document"] == "x-y"
    assert cells["score"] == "-1.5"  # a number, not a formula
    assert cells["year"] == "2001"
    assert not any(cell.startswith("'") for cell in record)


def test_csv_rows_of_a_hostile_snippet_are_plain_text() -> None:
    snippet = "…&lt;img src=x onerror=&quot;y&quot;&gt; <mark>quillwort</mark> =1+1"
    header, record = parsed(list(csv_rows([hit(snippet=snippet)])))
    cells = dict(zip(header, record, strict=True))
    assert cells["snippet"] == '…<img src=x onerror="y"> quillwort =1+1'
    # a snippet whose plain text starts a formula is prefixed once the marks are gone
    header, record = parsed(list(csv_rows([hit(snippet="<mark>=cmd</mark>|x")])))
    assert dict(zip(header, record, strict=True))["snippet"] == "'=cmd|x"


# json_lines -------------------------------------------------------------------------------


def test_json_lines_one_object_per_line() -> None:
    hits = [
        hit(),
        hit(id="x.y", snippet="two\nlines\r\nand \u2028 a separator", citation='"quoted"'),
        hit(id="z", document="<script>alert(1)</script>"),
    ]
    data = b"".join(json_lines(iter(hits)))
    assert data.endswith(b"\n")
    lines = data.split(b"\n")[:-1]
    assert len(lines) == len(hits)
    assert [json.loads(line) for line in lines] == hits
    assert all(line.startswith(b"{") and line.endswith(b"}") for line in lines)
    data.decode("utf-8")  # UTF-8 throughout


def test_json_lines_of_nothing_is_empty() -> None:
    assert b"".join(json_lines([])) == b""


def test_json_lines_are_streamed_one_hit_at_a_time() -> None:
    lines = json_lines(iter([hit(id="a"), hit(id="b")]))
    assert json.loads(next(lines))["id"] == "a"
    assert json.loads(next(lines))["id"] == "b"
    with pytest.raises(StopIteration):
        next(lines)
