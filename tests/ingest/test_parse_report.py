"""The explanatory report parser, on an invented report as a PDF, as Markdown and as HTML."""

from __future__ import annotations

import time

import pytest

from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_report import parse_report
from kb.models import STATUS_TEXT, Block, Document, Passage, Source
from tests import worlds
from tests.pdfgen import SAMPLE_REPORT_TITLE, sample_report_pdf

CHAPTER_II = "Chapter II – Measures to be taken at home"
SECTION_1 = "Section 1 – Substantive imagination"
TITLE_1 = "Title 1 – Wrongs against lanterns"


def report_source(fmt: str = "pdf") -> Source:
    return worlds.make_source(
        "imaginary-er",
        kind="explanatory-report",
        format=fmt,
        title=SAMPLE_REPORT_TITLE,
        citation="Explanatory Report to ETS 185",
    )


def by_anchor(passages: list[Passage]) -> dict[str, Passage]:
    return {p.anchor: p for p in passages}


@pytest.fixture(scope="module")
def pdf_passages() -> list[Passage]:
    return parse_report(extract(sample_report_pdf(), "pdf"), report_source()).passages


# --- from a PDF ------------------------------------------------------------------------


def test_one_passage_per_numbered_paragraph_in_order(pdf_passages: list[Passage]) -> None:
    assert [p.anchor for p in pdf_passages] == [
        "before-para-1",
        "para-1",
        "para-2",
        "para-3",
        "para-4",
        "para-43",
        "para-44",
        "para-45",
    ]
    assert [p.label for p in pdf_passages][1:3] == ["para. 1", "para. 2"]


def test_a_paragraph_is_cited_by_its_number(pdf_passages: list[Passage]) -> None:
    source = report_source()
    document = Document(source, STATUS_TEXT, pdf_passages)
    para_44 = by_anchor(pdf_passages)["para-44"]
    assert para_44.label == "para. 44"
    assert document.citation(para_44) == "Explanatory Report to ETS 185, para. 44"
    assert document.url(para_44) == f"{source.url}#para-44"


def test_the_text_leaves_the_number_to_the_label(pdf_passages: list[Passage]) -> None:
    para_43 = by_anchor(pdf_passages)["para-43"]
    assert para_43.text == (
        "Unlawful dimming is the basic wrong: putting out a lantern without right, whoever owns it."
    )


def test_the_headings_above_a_paragraph_are_its_path(pdf_passages: list[Passage]) -> None:
    passages = by_anchor(pdf_passages)
    assert passages["para-1"].path == ("Introduction",)
    assert passages["para-3"].path == ("Chapter I – Use of terms", "Article 1 – Definitions")
    # A bare "Article 2" and its name line under it make one heading.
    assert passages["para-44"].path == (
        CHAPTER_II,
        SECTION_1,
        TITLE_1,
        "Article 2 – Unlawful dimming",
    )
    # The other form of an article's heading replaces the article above, not the title.
    assert passages["para-45"].path == (CHAPTER_II, SECTION_1, TITLE_1, "Lantern theft (Article 3)")


def test_the_title_page_is_no_passage_and_no_heading(pdf_passages: list[Passage]) -> None:
    for passage in pdf_passages:
        assert "Lanternport" not in passage.text
        assert not any("Explanatory Report" in heading for heading in passage.path)


def test_the_text_before_paragraph_1_is_kept(pdf_passages: list[Passage]) -> None:
    before = pdf_passages[0]
    assert (before.anchor, before.label, before.path) == ("before-para-1", "before para. 1", ())
    first, second = before.text.split("\n\n")
    assert first.startswith("I. The Convention and this report were adopted")
    assert second.startswith("II. This report does not give an authoritative reading")


def test_a_line_beginning_with_an_article_goes_on_with_its_sentence(
    pdf_passages: list[Passage],
) -> None:
    assert by_anchor(pdf_passages)["para-3"].text == (
        "The definitions follow the Charter of Invented Affairs, in so far as "
        "Article 3 of the Charter speaks of lanterns at all."
    )


def test_list_items_stay_in_their_paragraph(pdf_passages: list[Passage]) -> None:
    passages = by_anchor(pdf_passages)
    assert passages["para-4"].text.split("\n\n") == [
        "For the purposes of the Convention:",
        "a. “lantern” means any light kept for ships;",
        "b. “keeper” means the person who tends it.",
    ]
    # A list numbered 1 and 2 inside paragraph 44 is no paragraph 1 or 2.
    assert passages["para-44"].text.split("\n\n")[1:] == [
        "1. the lantern is out for a whole night;",
        "2. the keeper was warned and did nothing.",
    ]
    assert passages["para-1"].text.startswith("The Parties have long kept lanterns")


def test_a_year_first_on_a_line_and_a_page_break_do_not_cut_a_paragraph(
    pdf_passages: list[Passage],
) -> None:
    assert by_anchor(pdf_passages)["para-45"].text == (
        "Taking a lantern away is theft only where its keeper did not agree to it, as the "
        "harbours already held in 1998. The drafters kept that rule for lanterns lit at dusk "
        "and for those lit at dawn."
    )


# --- from Markdown and HTML ------------------------------------------------------------

MARKDOWN = """# Explanatory Report to the Convention on Imaginary Matters

## I. Introduction

1. The Parties have long kept lanterns lit along their shared coasts.

## II. Commentary on the articles

### Chapter II – Measures to be taken at home

#### Article 2 – Unlawful dimming

44. The text of Article 2 leaves each Party free to require intent.

45. It names two cases:

a) the lantern is out for a whole night;

#### Article 3 – Lantern theft

46. Taking a lantern away is theft only without the keeper's leave.
"""

HTML = b"""<html><body><main>
<h1>Explanatory Report to the Convention on Imaginary Matters</h1>
<h2>I. Introduction</h2>
<p>1. The Parties have long kept lanterns lit along their shared coasts.</p>
<h2>II. Commentary on the articles</h2>
<h3>Chapter II &#8211; Measures to be taken at home</h3>
<h4>Article 2 &#8211; Unlawful dimming</h4>
<p>44. The text of Article 2 leaves each Party free to require intent.</p>
<p>45. It names two cases:</p>
<ul><li>a) the lantern is out for a whole night;</li></ul>
<h4>Article 3 &#8211; Lantern theft</h4>
<p>46. Taking a lantern away is theft only without the keeper's leave.</p>
</main></body></html>"""


@pytest.mark.parametrize(("body", "fmt"), [(MARKDOWN.encode(), "markdown"), (HTML, "html")])
def test_heading_blocks_rank_by_their_level(body: bytes, fmt: str) -> None:
    passages = parse_report(extract(body, fmt), report_source(fmt)).passages
    assert [p.anchor for p in passages] == ["para-1", "para-44", "para-45", "para-46"]
    commentary = ("II. Commentary on the articles", CHAPTER_II)
    assert [p.path for p in passages] == [
        ("I. Introduction",),
        (*commentary, "Article 2 – Unlawful dimming"),
        (*commentary, "Article 2 – Unlawful dimming"),
        (*commentary, "Article 3 – Lantern theft"),
    ]
    assert passages[2].text == "It names two cases:\n\na) the lantern is out for a whole night;"


# --- odd input -------------------------------------------------------------------------


def test_a_number_alone_on_its_line_takes_the_text_below() -> None:
    blocks = [Block("Introduction"), Block("1."), Block("The first paragraph."), Block("2. Next.")]
    passages = parse_report(blocks, report_source()).passages
    assert [(p.anchor, p.text) for p in passages] == [
        ("para-1", "The first paragraph."),
        ("para-2", "Next."),
    ]


def test_a_paragraph_number_may_skip_a_few_but_not_jump_to_a_year() -> None:
    blocks = [Block(text) for text in ("7. Seven.", "9. Nine.", "2001. A year.", "10. Ten.")]
    passages = parse_report(blocks, report_source()).passages
    assert [p.anchor for p in passages] == ["para-7", "para-9", "para-10"]
    assert passages[1].text == "Nine.\n\n2001. A year."


def test_a_text_without_numbered_paragraphs_is_a_parse_error() -> None:
    blocks = [Block("A page that is not a report"), Block("Nothing here is numbered.")]
    with pytest.raises(ParseError, match="imaginary-er: no numbered paragraphs"):
        parse_report(blocks, report_source())


def test_long_broken_text_is_read_in_linear_time() -> None:
    lines = [Block("1. Start")] + [Block(f"word{n} and") for n in range(100_000)]
    started = time.perf_counter()
    [passage] = parse_report(lines, report_source()).passages
    assert time.perf_counter() - started < 2
    assert passage.text.endswith("word99999 and")
