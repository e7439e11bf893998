"""The treaty parser, on invented fixtures (Markdown, HTML, PDF) and on the real mirror files."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_treaty import NO_TEXT_NOTE, parse_treaty
from kb.models import Block, Parsed, Passage, Source
from tests import factories
from tests.pdfgen import sample_treaty_pdf

ANCHOR = re.compile(r"[a-z0-9-]+")
DUTCH = re.compile(
    r"\b(artikel|hoofdstuk|preambule|wordt|worden|wijzigt|verdrag|lidstaten|overeenkomstig|"
    r"denkbeeldige|begrippen)\b",
    re.IGNORECASE,
)
MIRROR_COUNTS = {
    "coe-ets-030": 31,
    "coe-ets-108": 28,
    "coe-ets-181": 4,
    "coe-ets-182": 36,
    "coe-ets-185": 49,
    "coe-ets-189": 17,
}


def make_source(source_id: str = "imaginary-1999", fmt: str = "markdown") -> Source:
    return factories.make_source(source_id, format=fmt)


def parse_file(path: Path, fmt: str) -> Parsed:
    return parse_treaty(extract(path.read_bytes(), fmt), make_source(path.stem, fmt))


def all_text(passage: Passage) -> str:
    return "\n".join([passage.label, passage.text, *passage.path, passage.note or ""])


def assert_anchors_ok(passages: list[Passage]) -> None:
    anchors = [p.anchor for p in passages]
    assert len(set(anchors)) == len(anchors)
    for anchor in anchors:
        assert ANCHOR.fullmatch(anchor), anchor


# --- the Markdown fixture ---------------------------------------------------

CHAPTER_I = "Chapter I – Opening provisions"
CHAPTER_II = "Chapter II – Steps for each party at home"
SECTION_1 = "Section 1 – Substantive imagination"
TITLE_1 = "Title 1 – Wrongs against daydreams"
CHAPTER_CLOSING = "Chapter II – Closing provisions"


@pytest.fixture
def md_passages(fixtures_dir: Path) -> list[Passage]:
    return parse_file(fixtures_dir / "treaty-sample.md", "markdown").passages


def test_markdown_preamble_and_every_article_in_order(md_passages: list[Passage]) -> None:
    assert [p.anchor for p in md_passages] == [
        "preamble",
        *(f"art-{n}" for n in range(1, 8)),
    ]
    assert_anchors_ok(md_passages)


def test_markdown_labels(md_passages: list[Passage]) -> None:
    assert [p.label for p in md_passages] == [
        "Preamble",
        "Article 1 – Definitions",
        "Article 2 – Relations with the Convention on Invented Affairs",
        "Article 3 – Unlawful interruption of daydreams",
        "Article 4 – Lantern signals",
        "Article 5",  # no heading in the source
        "Article 6 – Safeguards for dreamers",
        "Article 7 – Signing and taking effect",
    ]


def test_markdown_paths(md_passages: list[Passage]) -> None:
    paths = {p.anchor: p.path for p in md_passages}
    assert paths["preamble"] == ()
    assert paths["art-1"] == paths["art-2"] == (CHAPTER_I,)
    assert paths["art-3"] == paths["art-4"] == paths["art-5"] == (CHAPTER_II, SECTION_1, TITLE_1)
    # a new section closes the title above it
    assert paths["art-6"] == (CHAPTER_II, "Section 2 – Procedural imagination")
    assert paths["art-7"] == ("Chapter III – Closing provisions",)


def test_markdown_preamble_text(md_passages: list[Passage]) -> None:
    preamble = md_passages[0]
    assert preamble.text.startswith("The member States of the Imaginary Union")
    assert not preamble.text.startswith("Preamble")
    assert "Convention on Imaginary Matters" not in preamble.text  # the title
    assert preamble.text.endswith("Agree on what follows:")


def test_markdown_no_dutch_anywhere(md_passages: list[Passage]) -> None:
    for passage in md_passages:
        assert not DUTCH.search(all_text(passage)), passage.anchor
        assert "HOOFDSTUK" not in all_text(passage)


def test_markdown_inline_markup_reduced(md_passages: list[Passage]) -> None:
    by_anchor = {p.anchor: p for p in md_passages}
    for passage in md_passages:
        for leftover in ("](", "README", "``", "*", "<sup>", "com-munication"):
            assert leftover not in all_text(passage), (passage.anchor, leftover)
    assert '"imaginary matter" means' in by_anchor["art-1"].text
    assert '"reliable fiction"' in by_anchor["preamble"].text
    assert "under the Convention on Invented Affairs" in by_anchor["art-2"].text
    assert "by the 30th day" in by_anchor["art-5"].text
    assert "quiet enjoyment of daydreams" in by_anchor["art-6"].text


def test_markdown_hyphenation(md_passages: list[Passage]) -> None:
    by_anchor = {p.anchor: p for p in md_passages}
    assert "that communication between the Parties" in by_anchor["preamble"].text
    assert '"cross-border daydream"' in by_anchor["art-1"].text
    assert "a cross-border daydream" in by_anchor["art-3"].text


def test_markdown_paragraphs_kept_apart(md_passages: list[Passage]) -> None:
    article_1 = md_passages[1].text.split("\n\n")
    assert article_1[0] == "In this Convention:"
    assert [p[:2] for p in article_1[1:]] == ["a)", "b)"]


def test_markdown_dutch_note_article_has_no_text(md_passages: list[Passage]) -> None:
    article_4 = md_passages[4]
    assert article_4.anchor == "art-4"
    assert article_4.label == "Article 4 – Lantern signals"
    assert article_4.text_available is False
    assert article_4.text == ""
    assert article_4.note == NO_TEXT_NOTE
    for passage in md_passages:
        if passage is not article_4:
            assert passage.text_available is True
            assert passage.text
            assert passage.note is None


def test_markdown_translation_is_left_out(md_passages: list[Passage]) -> None:
    last = md_passages[-1]
    assert last.text.endswith("in English and in Dutch.")
    assert "Niets" not in last.text
    assert "Begrippen" not in last.label


# --- the HTML and PDF fixtures ----------------------------------------------


def test_html_fixture(fixtures_dir: Path) -> None:
    passages = parse_file(fixtures_dir / "treaty-sample.html", "html").passages
    assert [(p.anchor, p.label, p.path) for p in passages] == [
        ("preamble", "Preamble", ()),
        ("art-1", "Article 1 – Definitions", (CHAPTER_I,)),
        ("art-2", "Article 2 – Lantern keepers", (CHAPTER_I,)),
        ("art-3", "Article 3 – Taking effect", (CHAPTER_CLOSING,)),
        ("art-4", "Article 4 – Leaving", (CHAPTER_CLOSING,)),
    ]
    assert passages[0].text.startswith("The member States of the Imaginary Union")
    assert "Nowhere City, 1 April 1999" not in passages[0].text  # above the "Preamble" heading
    assert passages[1].text.split("\n\n")[1].startswith("a) “imaginary matter” means")
    assert passages[2].text == "Each Party shall name a lantern keeper to receive requests."
    for passage in passages:
        for furniture in ("alert", "Treaty Office", "All treaties", "Cookie"):
            assert furniture not in all_text(passage)
    assert_anchors_ok(passages)


def test_pdf_fixture() -> None:
    blocks = extract(sample_treaty_pdf(), "pdf")
    passages = parse_treaty(blocks, make_source(fmt="pdf")).passages
    assert [(p.anchor, p.label, p.path) for p in passages] == [
        ("preamble", "Preamble", ()),
        ("art-1", "Article 1 – Definitions", (CHAPTER_I,)),
        ("art-2", "Article 2 – Lantern keepers", (CHAPTER_I,)),
        ("art-3", "Article 3 – Cross-border daydreams", (CHAPTER_CLOSING,)),
        ("art-4", "Article 4 – Leaving", (CHAPTER_CLOSING,)),
    ]
    by_anchor = {p.anchor: p for p in passages}
    assert by_anchor["preamble"].text.startswith("The member States of the Imaginary Union")
    assert "Convention on Imaginary Matters" not in by_anchor["preamble"].text
    assert by_anchor["art-1"].text.startswith("In this Convention, “imaginary matter” means")
    assert by_anchor["art-2"].text == (
        "Each Party shall name a lantern keeper to see to the communication of "
        "requests to the other Parties."
    )
    # a sentence that begins "Article 3 of ..." is text, not a new article
    assert "Article 3 of the Charter of Invented Affairs" in by_anchor["art-3"].text
    for passage in passages:
        assert passage.text_available
        assert not re.search(r"(^|\s)(Page\s+)?\d+$", passage.text), passage.anchor
        assert "com-" not in passage.text
    assert_anchors_ok(passages)


# --- blocks made by hand ----------------------------------------------------


@pytest.mark.parametrize(
    "blocks",
    [
        [Block("A Title", 2), Block("Just a paragraph with no articles at all.")],
        [Block("Preamble The Parties agree on nothing in particular.")],
        [Block("Article 3 of the Convention applies to this text.")],
        [Block("Verdrag", 2), Block("Artikel 1", 3), Block("De Partijen komen overeen.")],
    ],
)
def test_no_articles_is_a_parse_error(blocks: list[Block]) -> None:
    with pytest.raises(ParseError, match="no articles"):
        parse_treaty(blocks, make_source())


def test_plain_lines_as_from_a_pdf() -> None:
    blocks = [
        Block("Protocol on Imaginary Matters"),
        Block("Preamble"),
        Block("The Parties to this Protocol,"),
        Block("CHAPTER I"),
        Block("COMMON PROVISIONS"),
        Block("Article 1 – Purpose"),
        Block("This Protocol adds lanterns to the Convention."),
        Block("Article 2"),
        Block("Article 3 of the Convention applies to this Protocol."),
        Block("Article 3 bis – Lanterns"),
        Block("Lanterns shall be lit."),
    ]
    passages = parse_treaty(blocks, make_source()).passages
    assert [(p.anchor, p.label, p.path) for p in passages] == [
        ("preamble", "Preamble", ()),
        ("art-1", "Article 1 – Purpose", ("Chapter I – Common provisions",)),
        ("art-2", "Article 2", ("Chapter I – Common provisions",)),
        ("art-3-bis", "Article 3 bis – Lanterns", ("Chapter I – Common provisions",)),
    ]
    assert passages[0].text == "The Parties to this Protocol,"
    assert passages[2].text == "Article 3 of the Convention applies to this Protocol."


def test_repeated_article_numbers_get_unique_anchors() -> None:
    blocks = [
        Block("Article 1", 3),
        Block("First", 4),
        Block("Text one."),
        Block("Article 1", 3),
        Block("Again", 4),
        Block("Text two."),
    ]
    passages = parse_treaty(blocks, make_source()).passages
    assert [p.anchor for p in passages] == ["art-1", "art-1-2"]
    assert [p.label for p in passages] == ["Article 1 – First", "Article 1 – Again"]
    assert_anchors_ok(passages)


def test_thousands_of_repeated_article_numbers_parse_in_linear_time() -> None:
    # 10,000 repeats once took 8 s (the anchors were found by counting up from "-2" on
    # every repeat); 100,000 did not finish in a minute, holding the ingest lock.
    repeats = 20_000
    body = "####Convention on Imaginary Matters\n\nThe Parties agree as follows:\n\n"
    body += "### Article 1\n\nThe keeper shall light the lantern.\n\n" * repeats
    started = time.perf_counter()
    passages = parse_treaty(extract(body.encode(), "markdown"), make_source()).passages
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{repeats:,} repeated articles took {elapsed:.1f} s"
    assert len(passages) == repeats + 1
    assert [p.anchor for p in passages[:4]] == ["preamble", "art-1", "art-1-2", "art-1-3"]
    assert passages[-1].anchor == f"art-1-{repeats}"
    assert_anchors_ok(passages)


# --- the real mirror --------------------------------------------------------


def mirror_passages(mirror_dir: Path, source_id: str) -> list[Passage]:
    return parse_file(mirror_dir / f"{source_id}.md", "markdown").passages


@pytest.mark.parametrize(("source_id", "count"), sorted(MIRROR_COUNTS.items()))
def test_mirror_passage_counts(mirror_dir: Path, source_id: str, count: int) -> None:
    passages = mirror_passages(mirror_dir, source_id)
    assert len(passages) == count
    assert passages[0].anchor == "preamble"
    assert [p.anchor for p in passages[1:]] == [f"art-{n}" for n in range(1, count)]
    assert_anchors_ok(passages)


def test_mirror_total(mirror_dir: Path) -> None:
    total = sum(len(mirror_passages(mirror_dir, source_id)) for source_id in MIRROR_COUNTS)
    assert total == sum(MIRROR_COUNTS.values()) == 165


@pytest.mark.parametrize("source_id", sorted(MIRROR_COUNTS))
def test_mirror_english_only_and_no_markup(mirror_dir: Path, source_id: str) -> None:
    for passage in mirror_passages(mirror_dir, source_id):
        text = all_text(passage)
        match = DUTCH.search(text)
        assert match is None, (passage.anchor, match and match.group(0))
        for leftover in ("](", "``", "<sup", "<meta", "README.md", "*"):
            assert leftover not in text, (passage.anchor, leftover)


def test_mirror_ets_185(mirror_dir: Path) -> None:
    passages = mirror_passages(mirror_dir, "coe-ets-185")
    assert len(passages) == 49
    articles = passages[1:]
    assert len(articles) == 48
    for article in articles:
        assert " – " in article.label, article.label
        assert article.text_available and article.text
    article_15 = articles[14]
    assert article_15.anchor == "art-15"
    assert article_15.label == "Article 15 – Conditions and safeguards"
    assert "Section 2 – Procedural law" in article_15.path
    assert article_15.path[0] == "Chapter II – Measures to be taken at the national level"
    assert articles[0].label == "Article 1 – Definitions"
    assert articles[0].path == ("Chapter I – Use of terms",)
    assert '"computer system" means' in articles[0].text
    text = "\n".join(p.text for p in passages)
    assert "com-munication" not in text
    assert "in the chain of communication" in articles[0].text


def test_mirror_ets_182_articles_without_text(mirror_dir: Path) -> None:
    passages = mirror_passages(mirror_dir, "coe-ets-182")
    by_anchor = {p.anchor: p for p in passages}
    for n in range(1, 7):
        article = by_anchor[f"art-{n}"]
        assert article.text_available is False, article.anchor
        assert article.text == ""
        assert article.note == NO_TEXT_NOTE
        assert " – " in article.label  # the heading is kept
    assert by_anchor["art-1"].label == "Article 1 – Scope"
    for passage in passages:
        if passage.anchor not in {f"art-{n}" for n in range(1, 7)}:
            assert passage.text_available and passage.text, passage.anchor


def test_mirror_ets_182_dotless_i_is_kept(mirror_dir: Path) -> None:
    # "offıcials" (U+0131) is the source's spelling: the index folds it, not the parser.
    passages = mirror_passages(mirror_dir, "coe-ets-182")
    assert any("offıcials" in all_text(p) for p in passages)


def test_mirror_ets_030_articles_without_headings(mirror_dir: Path) -> None:
    passages = mirror_passages(mirror_dir, "coe-ets-030")
    assert [p.label for p in passages[1:]] == [f"Article {n}" for n in range(1, 31)]
    assert passages[1].path == ("Chapter I – General Provisions",)
