"""The declaration parser, on invented blocks: headed sections as from HTML or from a PDF."""

from __future__ import annotations

import re

import pytest

from kb.ingest.chunk import DEFAULT_MAX_WORDS, word_count
from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_declaration import parse_declaration
from kb.models import Block, Passage, Source
from tests import worlds

ANCHOR = re.compile(r"^[a-z0-9-]+$")

OPENING = [
    "THE IMAGINARY COUNCIL,",
    "HAVING REGARD to the Charter of Invented Affairs;",
    "RECOGNISING that daydreams cross borders without asking;",
]
OPENING_BLOCKS = [Block(text) for text in OPENING]
SECTIONS = {
    "I. Legal basis": ["Access to daydreams shall be provided for in law."],
    "II. Legitimate aims": [
        "Access shall pursue aims that a reasonable dreamer would accept.",
        "Such aims shall be stated in advance.",
    ],
    "III. Approvals": ["Each request for access shall be approved by a lantern keeper."],
    "IV. Transparency": ["The rules on access shall be published on paper lanterns."],
}


def make_source() -> Source:
    return worlds.make_source("imaginary-declaration-2020", kind="declaration", year=2020)


def heading_blocks(level: int = 2) -> list[Block]:
    blocks = list(OPENING_BLOCKS)
    for heading, paragraphs in SECTIONS.items():
        blocks.append(Block(heading, level))
        blocks.extend(Block(text) for text in paragraphs)
    return blocks


def line_blocks() -> list[Block]:
    """The same declaration as a PDF gives it: headings are short numbered lines."""
    blocks = list(OPENING_BLOCKS)
    for heading, paragraphs in SECTIONS.items():
        blocks.append(Block(heading))
        blocks.extend(Block(text) for text in paragraphs)
    return blocks


def assert_anchors_ok(passages: list[Passage]) -> None:
    anchors = [p.anchor for p in passages]
    assert len(set(anchors)) == len(anchors)
    for anchor in anchors:
        assert ANCHOR.match(anchor), anchor


EXPECTED_LABELS = ["Preamble", *SECTIONS]
EXPECTED_ANCHORS = [
    "preamble",
    "i-legal-basis",
    "ii-legitimate-aims",
    "iii-approvals",
    "iv-transparency",
]


@pytest.mark.parametrize("blocks", [heading_blocks(2), heading_blocks(3), line_blocks()])
def test_preamble_and_one_passage_per_section(blocks: list[Block]) -> None:
    passages = parse_declaration(blocks, make_source()).passages
    assert [p.label for p in passages] == EXPECTED_LABELS
    assert [p.anchor for p in passages] == EXPECTED_ANCHORS
    assert passages[0].text == "\n\n".join(OPENING)
    for passage, paragraphs in zip(passages[1:], SECTIONS.values(), strict=True):
        assert passage.text == "\n\n".join(paragraphs)
        assert passage.path == ()
        assert passage.text_available is True
    assert_anchors_ok(passages)


def test_sentences_that_look_numbered_are_not_headings() -> None:
    blocks = [
        *OPENING_BLOCKS,
        Block("I. Legal basis"),
        Block("1. Access shall be provided for in law."),
        Block("A. Each rule shall be clear;"),
        Block("2. Rules shall be foreseeable,"),
    ]
    passages = parse_declaration(blocks, make_source()).passages
    assert [p.label for p in passages] == ["Preamble", "I. Legal basis"]
    assert passages[1].text.count("\n\n") == 2


def test_html_body_through_extract() -> None:
    body = b"""<html><body><nav>Menu</nav><main>
        <h1>Declaration on Imaginary Access</h1>
        <p>THE IMAGINARY COUNCIL,</p>
        <p>RECOGNISING that daydreams cross borders without asking;</p>
        <h2>I. Legal basis</h2><p>Access shall be provided for in law.</p>
        <h2>II. Legitimate aims</h2><ul><li>Aims shall be stated.</li><li>And kept.</li></ul>
    </main></body></html>"""
    passages = parse_declaration(extract(body, "html"), make_source()).passages
    assert [p.label for p in passages] == ["Preamble", "I. Legal basis", "II. Legitimate aims"]
    assert passages[2].text == "Aims shall be stated.\n\nAnd kept."
    assert "Menu" not in passages[0].text


def test_long_section_split_into_parts() -> None:
    paragraph = " ".join(["lantern"] * 120) + "."
    long_section = [paragraph] * 5  # 600 words: more than one passage holds
    blocks = [
        *OPENING_BLOCKS,
        Block("I. Legal basis", 2),
        *(Block(text) for text in long_section),
        Block("II. Legitimate aims", 2),
        Block("Short."),
    ]
    passages = parse_declaration(blocks, make_source()).passages
    labels = [p.label for p in passages]
    assert labels[0] == "Preamble"
    assert labels[1] == "I. Legal basis"
    assert labels[2] == "I. Legal basis (part 2)"
    assert labels[-1] == "II. Legitimate aims"
    parts = [p for p in passages if p.label.startswith("I. ")]
    assert len(parts) >= 2
    for part in parts:
        assert word_count(part.text) <= DEFAULT_MAX_WORDS
        assert part.text.split("\n\n")[0] == paragraph  # cut only between paragraphs
    assert sum(len(p.text.split("\n\n")) for p in parts) == len(long_section)
    assert [p.anchor for p in parts][:2] == ["i-legal-basis", "i-legal-basis-2"]
    assert_anchors_ok(passages)


def test_repeated_headings_get_unique_anchors() -> None:
    blocks = [
        Block("A. Scope", 2),
        Block("First scope."),
        Block("A. Scope", 2),
        Block("Second scope."),
        Block("B. Anything?", 2),
        Block("Punctuation only in the slug."),
    ]
    passages = parse_declaration(blocks, make_source()).passages
    assert [p.anchor for p in passages] == ["a-scope", "a-scope-2", "b-anything"]
    assert_anchors_ok(passages)


def test_no_preamble_text_is_fine() -> None:
    blocks = [Block("I. Legal basis", 2), Block("Access shall be provided for in law.")]
    passages = parse_declaration(blocks, make_source()).passages
    assert [p.anchor for p in passages] == ["i-legal-basis"]


@pytest.mark.parametrize(
    "blocks",
    [
        [],
        OPENING_BLOCKS,
        [Block("Declaration on Imaginary Access", 1), *OPENING_BLOCKS],
        # a long opening without any section is still no section
        [Block(" ".join(["lantern"] * 200) + ".") for _ in range(3)],
        # headings with nothing under them
        [*OPENING_BLOCKS, Block("I. Legal basis", 2), Block("II. Legitimate aims", 2)],
    ],
)
def test_no_sections_is_a_parse_error(blocks: list[Block]) -> None:
    with pytest.raises(ParseError, match="no sections"):
        parse_declaration(blocks, make_source())


def test_the_page_title_is_not_preamble_text() -> None:
    blocks = [Block("Declaration on Imaginary Access", heading=1), *heading_blocks()]
    parsed = parse_declaration(blocks, make_source())
    assert all("Declaration on Imaginary Access" not in p.text for p in parsed.passages)
