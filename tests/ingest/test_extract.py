"""Extraction: Markdown, HTML, PDF and plain text bodies made into blocks of text."""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

import pytest

from kb.ingest.errors import ExtractError, ParseError
from kb.ingest.extract import (
    clean_markdown,
    clean_text,
    decode,
    dehyphenate,
    extract,
    extract_body,
)
from kb.models import Block
from tests.pdfgen import make_pdf, sample_treaty_pdf


def texts(blocks: list[Block]) -> list[str]:
    return [b.text for b in blocks]


def md(text: str) -> list[Block]:
    return extract(text.encode("utf-8"), "markdown")


# --- Markdown ---------------------------------------------------------------


def test_markdown_heading_levels() -> None:
    blocks = md(
        "# One\n## Two\n###Three\n####   Four ####\n##### Five\n###### Six\n"
        "### Article  15  \nBody text.\n"
    )
    assert [(b.text, b.heading) for b in blocks] == [
        ("One", 1),
        ("Two", 2),
        ("Three", 3),
        ("Four", 4),
        ("Five", 5),
        ("Six", 6),
        ("Article 15", 3),
        ("Body text.", 0),
    ]
    assert blocks[-1].is_heading is False


def test_markdown_meta_line_and_blank_lines_are_skipped() -> None:
    body = "<meta http-equiv='Content-Type' content='text/html; charset=utf-8' />\n\n\n  \nText.\n"
    assert md(body) == [Block("Text.")]


def test_markdown_links_reduced_to_their_words() -> None:
    blocks = md(
        "####Relations with the [Convention](../../x/README.md)\n"
        "See the [Charter of Invented Affairs](../../../a/b/README.md) and ![a map](map.png).\n"
    )
    assert texts(blocks) == [
        "Relations with the Convention",
        "See the Charter of Invented Affairs and a map.",
    ]


def test_markdown_link_address_with_parentheses() -> None:
    text = "the [Lantern Treaty](../../lantern/treaty/(lt)/(1998)/README.md), and (see below)"
    assert clean_markdown(text) == "the Lantern Treaty, and (see below)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*Preamble*", "Preamble"),
        ("a **strong** word", "a strong word"),
        ("an _emphasised_ and __strong__ word", "an emphasised and strong word"),
        ("courteous,*inter alia,* by lanterns", "courteous, inter alia, by lanterns"),
        ("powers, *inter alia,*include review", "powers, inter alia, include review"),
        ("file_name_here stays", "file_name_here stays"),
        ("2 * 3 * 4 stays", "2 * 3 * 4 stays"),
        ("escaped \\*star\\* stays", "escaped *star* stays"),
    ],
)
def test_markdown_emphasis_removed(source: str, expected: str) -> None:
    assert clean_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('a) ``imaginary matter" means', 'a) "imaginary matter" means'),
        ("the ``lantern keeper'' shall", 'the "lantern keeper" shall'),
        ('``one" and ``two" terms', '"one" and "two" terms'),
    ],
)
def test_markdown_tex_quotes_normalised(source: str, expected: str) -> None:
    assert clean_markdown(source) == expected


def test_markdown_sup_tags_dropped_keeping_their_text() -> None:
    assert md("by the 30<sup>th</sup> day.\n") == [Block("by the 30th day.")]


def test_markdown_entities_and_spaces_cleaned() -> None:
    assert md("Party&nbsp;A &amp;   Party\u00a0B\t\u00adC\n") == [Block("Party A & Party B C")]


def test_dehyphenation_joins_only_words_found_elsewhere() -> None:
    blocks = md(
        "Prompt com-munication matters.\n"
        "Every communication is read.\n"
        "A cross-border daydream and a cross-border dream.\n"
        "Some co-operation, more co-operation and cooperation.\n"
        "A sub-marine word.\n"
    )
    assert texts(blocks) == [
        "Prompt communication matters.",
        "Every communication is read.",
        "A cross-border daydream and a cross-border dream.",
        "Some co-operation, more co-operation and cooperation.",
        "A sub-marine word.",  # "submarine" occurs nowhere else: kept as printed
    ]


def test_dehyphenation_keeps_heading_levels() -> None:
    blocks = [Block("Com-munication", 4), Block("Any communication.")]
    assert dehyphenate(blocks) == [Block("Communication", 4), Block("Any communication.")]


def test_markdown_fixture(fixtures_dir: Path) -> None:
    blocks = extract((fixtures_dir / "treaty-sample.md").read_bytes(), "markdown")
    assert blocks[0] == Block("Verdrag inzake denkbeeldige aangelegenheden", 2)
    assert blocks[1] == Block("Convention on Imaginary Matters", 4)
    assert Block("CHAPTER I", 3) in blocks
    assert Block("Article 1", 3) in blocks
    assert Block("Article 2", 3) in blocks
    assert Block("Relations with the Convention on Invented Affairs", 4) in blocks
    joined = "\n".join(texts(blocks))
    for leftover in ("<meta", "](", "README", "``", "<sup>", "*", "com-munication"):
        assert leftover not in joined
    assert "communication between the Parties" in blocks[2].text
    assert '"reliable fiction"' in blocks[2].text
    assert "cross-border daydream" in joined


# --- plain text -------------------------------------------------------------


def test_text_one_block_per_non_empty_line() -> None:
    body = b"Line one\n\n   Line    two  \r\nLine three\n\n"
    assert extract(body, "text") == [Block("Line one"), Block("Line two"), Block("Line three")]


def test_text_never_makes_headings() -> None:
    assert extract(b"# Not a heading\n", "text") == [Block("# Not a heading")]


def test_utf8_bom_is_dropped() -> None:
    assert extract("\ufeffCafé\n".encode(), "text") == [Block("Café")]


def test_one_invalid_byte_is_replaced_and_the_rest_read_as_utf8() -> None:
    # Once, one stray byte switched the whole file to Windows-1252: "Café" became "CafÃ©".
    body = "Café, naïve, “quoted” – ".encode() + b"\xff" + " Zoë\n".encode()
    assert decode(body) == ("Café, naïve, “quoted” – \ufffd Zoë\n", 1)
    for fmt in ("text", "markdown"):
        extraction = extract_body(body, fmt)
        assert extraction.blocks == [Block("Café, naïve, “quoted” – \ufffd Zoë")]
        assert extraction.replaced_bytes == 1


def test_every_invalid_byte_is_counted() -> None:
    windows_1252 = b"Caf\xe9 \x96 na\xefve \x93quoted\x94\n"
    assert decode(windows_1252) == ("Caf\ufffd \ufffd na\ufffdve \ufffdquoted\ufffd\n", 5)
    truncated = "Zoë".encode()[:-1]  # the first byte of a two-byte letter
    assert decode(truncated + b" and more") == ("Zo\ufffd and more", 1)


def test_a_bom_and_an_invalid_byte() -> None:
    assert decode(b"\xef\xbb\xbfCaf\xc3\xa9 \x80\n") == ("Café \ufffd\n", 1)


def test_valid_utf8_replaces_nothing_and_a_literal_replacement_character_is_not_counted() -> None:
    assert decode("Café \ufffd\n".encode()) == ("Café \ufffd\n", 0)
    assert extract_body("Café\n".encode(), "markdown").replaced_bytes == 0


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_binary_body_as_text_is_an_extract_error(fmt: str) -> None:
    with pytest.raises(ExtractError, match="binary"):
        extract(b"\x00\x01\x02\x03binary\x00\xff\xfe", fmt)


def test_unknown_format_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match="docx"):
        extract(b"Some text", "docx")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "pdf"])
@pytest.mark.parametrize("body", [b"", b"   \n\n\t\n"])
def test_empty_body_is_an_extract_error(fmt: str, body: bytes) -> None:
    with pytest.raises(ExtractError):
        extract(body, fmt)


def test_extract_error_is_a_parse_error() -> None:
    assert issubclass(ExtractError, ParseError)


# --- HTML -------------------------------------------------------------------


@pytest.fixture
def html_blocks(fixtures_dir: Path) -> list[Block]:
    return extract((fixtures_dir / "treaty-sample.html").read_bytes(), "html")


def test_html_page_furniture_removed(html_blocks: list[Block]) -> None:
    joined = "\n".join(texts(html_blocks))
    for furniture in (
        "Treaty Office of Nowhere",  # header and footer
        "Home of every invented instrument",  # header
        "All treaties",  # nav
        "Signatures and ratifications",  # nav
        "All rights imagined",  # footer
        "font-family",  # style
        "Cookie settings",  # outside <main>
    ):
        assert furniture not in joined


def test_html_script_text_never_appears(html_blocks: list[Block]) -> None:
    for block in html_blocks:
        assert "alert" not in block.text
        assert "tracking pixel" not in block.text
        assert "trackVisit" not in block.text


def test_html_headings_keep_their_levels(html_blocks: list[Block]) -> None:
    headings = [(b.text, b.heading) for b in html_blocks if b.is_heading]
    assert headings == [
        ("Convention on Imaginary Matters", 1),
        ("Preamble", 2),
        ("Chapter I – Opening provisions", 2),
        ("Article 1 – Definitions", 3),
        ("Article 2 – Lantern keepers", 3),
        ("Chapter II – Closing provisions", 2),
        ("Article 3 – Taking effect", 3),
        ("Article 4 – Leaving", 3),
    ]


def test_html_paragraphs_and_list_items_are_blocks(html_blocks: list[Block]) -> None:
    assert html_blocks[0] == Block("Convention on Imaginary Matters", 1)
    start = html_blocks.index(Block("Article 1 – Definitions", 3))
    assert html_blocks[start + 1 : start + 5] == [
        Block("In this Convention:"),
        Block(
            "a) “imaginary matter” means any matter that lives only in the minds of the Parties;"
        ),
        Block(
            "b) “cross-border daydream” means a daydream that starts in one Party "
            "& ends in another."
        ),
        Block("Article 2 – Lantern keepers", 3),
    ]
    # inline markup is flattened into its paragraph
    assert Block("Each Party shall name a lantern keeper to receive requests.") in html_blocks


def test_html_entities_unescaped() -> None:
    body = b"<main><p>Caf&eacute; &amp; bar &ndash; &#8220;quoted&#8221;&nbsp;here</p></main>"
    assert extract(body, "html") == [Block("Café & bar – “quoted” here")]


def test_html_main_preferred() -> None:
    body = b"""<html><body>
        <div class="banner"><p>Subscribe to our newsletter</p></div>
        <main><h2>Article 1</h2><p>Inside main.</p></main>
        <div><p>Related links</p></div>
    </body></html>"""
    assert extract(body, "html") == [Block("Article 1", 2), Block("Inside main.")]


def test_html_without_main_uses_the_body() -> None:
    body = b"""<html><head><title>Ignored title</title></head><body>
        <nav><a href="/">Home</a></nav>
        <h1>Title</h1><div>Loose text in a div<p>A paragraph.</p></div>
        <ol><li>First</li><li>Second</li></ol>
    </body></html>"""
    assert extract(body, "html") == [
        Block("Title", 1),
        Block("Loose text in a div"),
        Block("A paragraph."),
        Block("First"),
        Block("Second"),
    ]


def test_html_empty_main_falls_back_to_body() -> None:
    body = b"<body><main> </main><p>Outside text.</p></body>"
    assert extract(body, "html") == [Block("Outside text.")]


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><script>alert(1)</script></body></html>",
        b"<script>alert(1)</script><style>p { color: red }</style>",
        b"<html><body><nav>Menu</nav><footer>Footer</footer></body></html>",
    ],
)
def test_html_without_content_is_an_extract_error(body: bytes) -> None:
    with pytest.raises(ExtractError):
        extract(body, "html")


# --- PDF --------------------------------------------------------------------


def test_pdfgen_writes_a_correct_xref_table() -> None:
    pdf = make_pdf([["One (1) line \\ with escapes – and more"], ["Two"]])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref")
    entries = re.findall(rb"(\d{10}) 00000 n ", pdf[xref_at:])
    assert len(entries) == 7  # catalog, pages, font, two pages with their streams
    for number, offset in enumerate(entries, 1):
        assert pdf[int(offset) :].startswith(f"{number} 0 obj".encode())


def test_pdf_text_lines_round_trip() -> None:
    pdf = make_pdf([["One (1) line \\ with escapes – and more."], ["Second page."]])
    assert extract(pdf, "pdf") == [
        Block("One (1) line \\ with escapes – and more."),
        Block("Second page."),
    ]


def test_pdf_treaty_blocks() -> None:
    blocks = extract(sample_treaty_pdf(), "pdf")
    assert all(not b.is_heading for b in blocks)
    assert texts(blocks) == [
        "Convention on Imaginary Matters",
        "Preamble The member States of the Imaginary Union, having signed below, Noting "
        "that imaginary matters deserve one shared policy and that their communication "
        "should be prompt;",
        "Agree on what follows:",
        "Chapter I – Opening provisions",
        "Article 1 – Definitions",
        "In this Convention, “imaginary matter” means any matter (whatever its kind) "
        "that lives only in the minds of the Parties.",
        "Article 2",
        "Lantern keepers",
        "Each Party shall name a lantern keeper to see to the communication of "
        "requests to the other Parties.",
        "Chapter II – Closing provisions",
        "Article 3 – Cross-border daydreams",
        "1. Each Party shall permit cross-border daydreams without delay.",
        "Article 3 of the Charter of Invented Affairs shall not apply to daydreams that "
        "begin after sunset.",
        "Article 4 – Leaving",
        "Any Party may leave this Convention by a notice written on a paper lantern.",
    ]


def test_pdf_page_numbers_do_not_leak() -> None:
    for block in extract(sample_treaty_pdf(), "pdf"):
        assert block.text not in {"1", "Page 2"}
        assert "Page" not in block.text
        assert not re.search(r"[.;:]\s+\d+$|^\d+\s", block.text), block.text


def test_pdf_bare_article_line_keeps_a_wrapped_sentence_together() -> None:
    pdf = make_pdf(
        [
            [
                "Article 7",
                "Each Party shall do whatever it takes to keep",
                "every lantern lit at night.",
                "Article 8 – Lanterns",
                "Text of Article 8.",
            ]
        ]
    )
    assert texts(extract(pdf, "pdf")) == [
        "Article 7",
        "Each Party shall do whatever it takes to keep every lantern lit at night.",
        "Article 8 – Lanterns",
        "Text of Article 8.",
    ]


def _garbage_pdfs() -> dict[str, bytes]:
    real = sample_treaty_pdf()
    return {
        "header-only garbage": b"%PDF-1.4 garbage",
        "truncated in half": real[: len(real) // 2],
        "truncated before startxref": real[: real.rfind(b"startxref")],
        "header and NULs": b"%PDF-1.7\n" + b"\x00" * 256,
        "HTML given as PDF": b"<!DOCTYPE html><html><body><p>Not a PDF</p></body></html>",
        "plain text given as PDF": b"Article 1 - Definitions\nSome text.\n",
    }


@pytest.mark.parametrize("name", list(_garbage_pdfs()))
def test_broken_pdf_is_an_extract_error(name: str) -> None:
    with pytest.raises(ExtractError):
        extract(_garbage_pdfs()[name], "pdf")


def test_pdf_cut_anywhere_raises_only_extract_error() -> None:
    real = sample_treaty_pdf()
    for cut in range(0, len(real) - 40, 97):
        with contextlib.suppress(ExtractError):  # any other exception fails the test
            extract(real[:cut], "pdf")


def test_deeply_nested_html_is_read_or_refused_cleanly() -> None:
    page = b"<html><body><main>" + b"<div>" * 5000 + b"<p>deep lantern</p>" + b"</div>" * 5000
    try:
        blocks = extract(page + b"</main></body></html>", "html")
    except ExtractError:
        return
    assert any("deep lantern" in b.text for b in blocks)


@pytest.mark.parametrize("line", ["12", "12/40", "Page 12", "page 12 of 40", "- 12 -", "– 7 –"])
def test_page_number_lines_are_recognised(line: str) -> None:
    from kb.ingest.extract import _PAGE_NUMBER

    assert _PAGE_NUMBER.match(line)


@pytest.mark.parametrize("line", ["12 lanterns were lit", "Article 12", "1. The Parties"])
def test_text_lines_are_not_page_numbers(line: str) -> None:
    from kb.ingest.extract import _PAGE_NUMBER

    assert not _PAGE_NUMBER.match(line)


# --- no quadratic work on hostile input -----------------------------------------


def assert_quick(started: float, what: str, bound: float = 2.0) -> None:
    elapsed = time.perf_counter() - started
    assert elapsed < bound, f"{what} took {elapsed:.1f} s"


def test_closing_hashes_and_spaces_leave_a_heading() -> None:
    assert md("### Article 1 ##\n#### Purpose#\n##   \n# a ## ##\n") == [
        Block("Article 1", 3),
        Block("Purpose", 4),
        Block("a ##", 1),
    ]


def test_a_heading_with_a_long_run_of_spaces_is_read_at_once() -> None:
    # The heading pattern once backtracked cubically: 5,000 spaces took three minutes.
    started = time.perf_counter()
    blocks = md("### Article" + " " * 20_000 + "1 ###\n")
    assert_quick(started, "a heading with 20,000 spaces")
    assert blocks == [Block("Article 1", 3)]


def test_opening_marks_without_closing_ones_are_read_in_linear_time() -> None:
    # Each unclosed "*", "_", "``", "[" or "<" was once read to the end of its line:
    # 10,000 repeats of one of them took 1.5-3.9 s, 100,000 minutes.
    line = "*a _a ``a [a <a " * 30_000
    started = time.perf_counter()
    blocks = md(line + "\n")
    assert_quick(started, "30,000 unclosed marks of each kind")
    assert blocks == [Block(clean_text(line))]


def test_a_pdf_paragraph_of_many_lines_is_joined_in_linear_time() -> None:
    from kb.ingest.extract import _join_pdf_lines

    # Joining as the paragraph grew copied it per line: 100,000 lines took 32 s.
    started = time.perf_counter()
    blocks = list(_join_pdf_lines(["the keeper lights the com-", "munication lantern"] * 50_000))
    assert_quick(started, "a paragraph of 100,000 lines")
    assert blocks == [Block(" ".join(["the keeper lights the com-munication lantern"] * 50_000))]
