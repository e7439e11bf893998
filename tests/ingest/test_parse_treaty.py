"""The treaty parser, on invented fixtures (Markdown, HTML, PDF) and on the real mirror files."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pytest

from kb.ingest import parse_treaty as parse_treaty_module
from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_treaty import NO_TEXT_NOTE, looks_dutch, parse_treaty
from kb.models import Block, Document, Parsed, Passage, Source
from tests import worlds
from tests.pdfgen import sample_treaty_pdf

ANCHOR = re.compile(r"[a-z0-9-]+")
DUTCH = re.compile(
    r"\b(artikel|hoofdstuk|preambule|wordt|worden|wijzigt|verdrag|lidstaten|overeenkomstig|"
    r"denkbeeldige|begrippen|het|een|aangaande|straatsburg|deel|titel|facultatief)\b",
    re.IGNORECASE,
)
# Passages per file where they are a preamble and Articles 1 to N in order (the ICCPR
# file also holds its Optional Protocol: see its own tests).
MIRROR_COUNTS = {
    "coe-ets-005": 60,
    "coe-ets-024": 33,
    "coe-ets-030": 31,
    "coe-ets-099": 13,
    "coe-ets-108": 28,
    "coe-ets-181": 4,
    "coe-ets-182": 36,
    "coe-ets-185": 49,
    "coe-ets-189": 17,
}
ICCPR = "un-iccpr"
ICCPR_COUNT = 69  # preamble, Articles 1-53; the Optional Protocol's preamble and Articles 1-14
ALL_TREATIES = sorted([*MIRROR_COUNTS, ICCPR])
OPTIONAL_PROTOCOL = "Optional Protocol to the International Covenant on Civil and Political Rights"
ETS_30_AMENDED = (
    "The source gives this article's heading only: it amends the European Convention on "
    "Mutual Assistance in Criminal Matters of 20 April 1959."
)
# The manifest's titles, where a test needs them (the amended instrument's spelling).
MIRROR_TITLES = {
    "coe-ets-182": "Second Additional Protocol to the European Convention on Mutual "
    "Assistance in Criminal Matters (ETS No. 182)",
    "coe-ets-099": "Additional Protocol to the European Convention on Mutual Assistance "
    "in Criminal Matters (ETS No. 99)",
}


def make_source(source_id: str = "imaginary-1999", fmt: str = "markdown", **fields) -> Source:
    return worlds.make_source(source_id, format=fmt, **fields)


def parse_file(path: Path, fmt: str, **fields: object) -> Parsed:
    return parse_treaty(extract(path.read_bytes(), fmt), make_source(path.stem, fmt, **fields))


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


# --- two instruments in one file, parts, numbering (invented Markdown) ------

COVENANT_OP = "Optional Protocol to the International Covenant on Imaginary Rights"


@pytest.fixture
def two_instruments(fixtures_dir: Path) -> Parsed:
    return parse_file(fixtures_dir / "treaty-two-instruments.md", "markdown")


def test_a_second_instrument_is_kept_apart(two_instruments: Parsed) -> None:
    passages = two_instruments.passages
    assert [p.anchor for p in passages] == [
        "preamble",
        "art-1",
        "art-2",
        "art-3",
        "op1-preamble",
        "op1-art-1",
        "op1-art-2",
    ]
    assert_anchors_ok(passages)
    own, protocol = passages[:4], passages[4:]
    assert all(p.instrument is None for p in own)
    assert all(p.instrument == COVENANT_OP for p in protocol)
    assert all(p.path[0] == COVENANT_OP for p in protocol)
    assert protocol[0].text.startswith("The States Parties to the present Protocol")
    assert protocol[1].label == "Article 1"
    assert protocol[1].text.startswith("A State Party to the present Protocol recognizes")
    # the Covenant's own articles keep their text, nothing of the Protocol's
    assert own[1].text.startswith("1. Every keeper has the right")
    assert own[3].text.endswith("signed the present Covenant at Nowhere City.")
    assert "Protocol" not in "".join(p.text for p in own[1:])


def test_a_second_instrument_is_cited_as_itself(two_instruments: Parsed) -> None:
    document = Document(make_source(), "text", two_instruments.passages)
    by_anchor = {p.anchor: p for p in two_instruments.passages}
    assert document.citation(by_anchor["op1-art-1"]) == f"{COVENANT_OP}, Article 1"
    assert document.citation(by_anchor["art-1"]) == "Convention on Imaginary Matters, Article 1"


def test_the_parser_notes_the_second_instrument(two_instruments: Parsed) -> None:
    assert two_instruments.notes == [
        f"the file also holds the {COVENANT_OP}: 3 passages of its own (op1-...)"
    ]


def test_the_translations_of_both_instruments_are_left_out(two_instruments: Parsed) -> None:
    for passage in two_instruments.passages:
        assert not DUTCH.search(all_text(passage)), passage.anchor
    assert two_instruments.passages[-1].text.endswith("signed the present Protocol.")


def test_part_and_section_headings_in_the_path(two_instruments: Parsed) -> None:
    paths = {p.anchor: p.path for p in two_instruments.passages}
    assert paths["preamble"] == ()
    assert paths["art-1"] == ("Part I",)  # a part with no name line
    assert paths["art-2"] == ("Part II – General obligations",)
    assert paths["art-3"] == (
        "Part II – General obligations",
        "Section II – Committee of Lantern Keepers",
    )
    assert paths["op1-art-1"] == (COVENANT_OP,)  # the Covenant's parts end with it
    labels = {p.anchor: p.label for p in two_instruments.passages}
    assert labels["art-3"] == "Article 3 – Powers of the Committee"


def test_a_repeated_paragraph_number_is_rendered_once(two_instruments: Parsed) -> None:
    article_2 = two_instruments.passages[2].text.split("\n\n")
    assert article_2 == [
        "1. Each State Party shall keep a register of lanterns.",
        "2. Such a register shall be open to the keepers named in it.",
        "3. 24 hours after a request, the register shall answer it.",  # not a repeat
        "4. The measures in Article 2. 2 persons at least shall check.",  # nor this
    ]


def test_list_markers_get_their_space_back(two_instruments: Parsed) -> None:
    article_3 = two_instruments.passages[3].text.split("\n\n")
    assert article_3[1:8] == [
        "a) access any register of lanterns;",
        "(b) A keeper may ask it to hear his case;",
        "c. the Committee shall answer within a month;",
        "d. hear any keeper who so asks.",  # "dhear": the marker lost its full stop
        "e) make any request under Article 2;",
        "f) any other step for the keepers' sake.",
        "e.g. a lantern at the harbour mouth.",  # an abbreviation, no marker
    ]


@pytest.mark.parametrize(
    ("paragraph", "tidy"),
    [
        ("a)access publicly", "a) access publicly"),
        ("f)make any request", "f) make any request"),
        ("(a)text of the item", "(a) text of the item"),
        ("(a)A Party", "(a) A Party"),
        ("a)a judicial authority", "a) a judicial authority"),
        ('a."personal data" means', 'a. "personal data" means'),
        ("ii.has been enforced", "ii. has been enforced"),
        ("(iv)has been enforced", "(iv) has been enforced"),
        ("(2)Each Party", "(2) Each Party"),
        ("1.The Parties", "1. The Parties"),
        ("2. 2 Such conditions", "2. Such conditions"),
        ("12. 12 The Parties", "12. The Parties"),
        ("2. 2. Such conditions", "2. Such conditions"),
        # left as they are
        ("2. 24 hours later", "2. 24 hours later"),
        ("2. 2 persons at least", "2. 2 persons at least"),
        ("3. 2 Such conditions", "3. 2 Such conditions"),
        ("Article 2. 2 persons", "Article 2. 2 persons"),
        ("a) access publicly", "a) access publicly"),
        ("e.g. a lantern", "e.g. a lantern"),
        ("i.e. the keeper", "i.e. the keeper"),
        ("1.5 million lanterns", "1.5 million lanterns"),
        ("fany other step", "fany other step"),  # no list item before it
    ],
)
def test_numbering_of_one_paragraph(paragraph: str, tidy: str) -> None:
    blocks = [Block("Article 1", 3), Block("Text."), Block(paragraph)]
    assert parse_treaty(blocks, make_source()).passages[0].text == f"Text.\n\n{tidy}"


def test_a_lost_marker_needs_the_word_elsewhere_and_the_next_letter() -> None:
    paragraphs = ["a. any lantern;", "bany harbour;", "d. any tower;", "ebony towers;", "fur"]
    blocks = [Block("Article 1", 3), *map(Block, paragraphs)]
    text = parse_treaty(blocks, make_source()).passages[0].text
    # "bany" -> "b. any"; "ebony": "bony" is no word of the text; "fur": "ur" neither
    assert text.split("\n\n") == ["a. any lantern;", "b. any harbour;", *paragraphs[2:]]


# --- further instruments and translations, block by block -------------------


def instrument_blocks(title: str, opening: str = "The Parties to this instrument agree") -> list:
    return [
        Block(title, 4),
        Block(f"{opening} as follows:"),
        Block("Article 1", 3),
        Block("Each Party shall keep the lantern lit at the harbour."),
    ]


OWN = [
    Block("Convention on Imaginary Matters", 4),
    Block("The Parties to this Convention agree as follows:"),
    Block("Article 1", 3),
    Block("The keeper shall light the lantern."),
]


def test_prefixes_by_kind_and_ordinal() -> None:
    blocks = [
        *OWN,
        *instrument_blocks("Optional Protocol to the Convention on Imaginary Matters"),
        *instrument_blocks("Second Additional Protocol to the Convention"),
        *instrument_blocks("PROTOCOL NO. 2 TO THE CONVENTION"),
        *instrument_blocks("Agreement on the Lanterns of the Harbour"),
    ]
    parsed = parse_treaty(blocks, make_source())
    assert [p.anchor for p in parsed.passages] == [
        "preamble",
        "art-1",
        *(f"{prefix}-{a}" for prefix in ("op1", "ap2", "p3", "i4") for a in ("preamble", "art-1")),
    ]
    assert parsed.passages[6].instrument == "Protocol no. 2 to the convention"  # shouted
    assert len(parsed.notes) == 4
    assert parsed.notes[3] == (
        "the file also holds the Agreement on the Lanterns of the Harbour: "
        "2 passages of its own (i4-...)"
    )


@pytest.mark.parametrize(
    "translation",
    [
        # a title that does not look Dutch, then Dutch text and "Artikel"
        [
            Block("Protocol", 4),
            Block("De Partijen bij dit Protocol komen het volgende overeen:"),
            Block("Artikel 1", 3),
            Block("De houder ontsteekt de lantaarn."),
        ],
        # a Dutch title, then an "Article" heading
        [
            Block("Verdrag inzake denkbeeldige zaken", 4),
            Block("Article 1", 3),
            Block("Each Party shall keep the lantern lit."),
        ],
        # an English-looking title, then Dutch text before an "Article" heading
        [
            Block("Protocol to the Convention", 4),
            Block("De Partijen bij dit Protocol komen het volgende overeen:"),
            Block("Article 1", 3),
            Block("De houder ontsteekt de lantaarn."),
        ],
        # French: neither Dutch nor English
        [
            Block("Protocole facultatif se rapportant à la Convention", 4),
            Block("Les États parties au présent Protocole sont convenus de ce qui suit :"),
            Block("Article 1", 3),
            Block("Chaque Partie garde la lanterne allumée."),
        ],
        # a stray heading inside the treaty: the treaty's next article follows it
        [
            Block("Note", 4),
            Block("The keepers' note on the next chapter is kept in the office."),
            Block("Article 2", 3),
            Block("Each Party shall keep the lantern lit."),
        ],
        # a title with no article after it
        [Block("Annex to the Convention", 4), Block("The lanterns of the harbour are listed.")],
    ],
)
def test_what_is_not_a_second_english_instrument_ends_the_english_part(
    translation: list[Block],
) -> None:
    parsed = parse_treaty([*OWN, *translation], make_source())
    assert [p.anchor for p in parsed.passages] == ["preamble", "art-1"]
    assert parsed.passages[1].text == "The keeper shall light the lantern."
    assert parsed.notes == []


def test_thousands_of_instruments_parse_in_linear_time() -> None:
    # each title line is judged by what follows it, looked up, never scanned again
    repeats = 10_000
    body = "####Convention on Imaginary Matters\n\nThe Parties agree:\n\n"
    body += "### Article 1\n\nThe keeper shall light the lantern.\n\n"
    body += "####Protocol on lanterns\n\nThe Parties to the Protocol agree:\n\n" * 2
    body += "### Article 1\n\nThe keeper shall light the lantern.\n\n"
    body = body + body[body.index("####Protocol") :] * (repeats - 1)
    started = time.perf_counter()
    parsed = parse_treaty(extract(body.encode(), "markdown"), make_source())
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"{repeats:,} instruments took {elapsed:.1f} s"
    assert len(parsed.passages) == 2 + 2 * repeats == len(parsed.notes) * 2 + 2
    assert [p.anchor for p in parsed.passages[-2:]] == [
        f"p{repeats}-preamble",
        f"p{repeats}-art-1",
    ]
    assert_anchors_ok(parsed.passages)


# --- articles that amend another instrument ----------------------------------


@pytest.fixture
def amending(fixtures_dir: Path) -> list[Passage]:
    path = fixtures_dir / "treaty-amending-protocol.md"
    title = "Second Additional Protocol to the Convention on Imaginary Matters (IMG No. 2)"
    return parse_file(path, "markdown", title=title).passages


def test_a_dutch_amendment_note_says_what_is_amended(amending: list[Passage]) -> None:
    notes = {p.anchor: p.note for p in amending}
    heading_only = "The source gives this article's heading only: it amends"
    # named as the source's title writes it, with the date the note gives
    assert notes["art-1"] == f"{heading_only} the Convention on Imaginary Matters of 1 April 1999."
    assert notes["art-2"] == (
        f"{heading_only} Article 4 of the Convention on Imaginary Matters of 1 April 1999."
    )
    # a note naming another instrument than the one the protocol belongs to
    assert notes["art-3"] == NO_TEXT_NOTE
    assert notes["art-4"] is None
    for passage in amending[1:4]:
        assert passage.text == "" and passage.text_available is False
        assert not DUTCH.search(all_text(passage)), passage.anchor


def test_an_amended_instrument_is_named_as_the_file_writes_it(fixtures_dir: Path) -> None:
    passages = parse_file(fixtures_dir / "treaty-amending-protocol.md", "markdown").passages
    assert passages[1].note == (
        "The source gives this article's heading only: it amends "
        "the Convention on imaginary matters of 1 April 1999."
    )


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
    title = MIRROR_TITLES.get(source_id)
    fields = {"title": title} if title else {}
    return parse_file(mirror_dir / f"{source_id}.md", "markdown", **fields).passages


@pytest.mark.parametrize(("source_id", "count"), sorted(MIRROR_COUNTS.items()))
def test_mirror_passage_counts(mirror_dir: Path, source_id: str, count: int) -> None:
    passages = mirror_passages(mirror_dir, source_id)
    assert len(passages) == count
    assert passages[0].anchor == "preamble"
    assert [p.anchor for p in passages[1:]] == [f"art-{n}" for n in range(1, count)]
    assert_anchors_ok(passages)


def test_mirror_total(mirror_dir: Path) -> None:
    total = sum(len(mirror_passages(mirror_dir, source_id)) for source_id in ALL_TREATIES)
    assert total == sum(MIRROR_COUNTS.values()) + ICCPR_COUNT == 340


@pytest.mark.parametrize("source_id", ALL_TREATIES)
def test_mirror_english_only_and_no_markup(mirror_dir: Path, source_id: str) -> None:
    for passage in mirror_passages(mirror_dir, source_id):
        text = all_text(passage)
        match = DUTCH.search(text)
        assert match is None, (passage.anchor, match and match.group(0))
        for paragraph in text.split("\n"):
            assert not looks_dutch(paragraph), (passage.anchor, paragraph[:60])
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
        # The Dutch note names the Convention it amends, not which of its articles.
        assert article.note == ETS_30_AMENDED
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


def test_mirror_echr(mirror_dir: Path) -> None:
    passages = mirror_passages(mirror_dir, "coe-ets-005")
    by_anchor = {p.anchor: p for p in passages}
    article_8 = by_anchor["art-8"]
    assert article_8.label == "Article 8 – Right to respect for private and family life"
    assert article_8.path == ("Section I – Rights and freedoms",)
    assert article_8.text.startswith("1. Everyone has the right to respect")
    assert by_anchor["art-1"].path == ()  # above Section I
    assert by_anchor["art-19"].path == ("Section II – European Court of Human Rights",)
    assert by_anchor["art-59"].path == ("Section III – Miscellaneous provisions",)
    assert by_anchor["art-25"].text.split("\n\n")[-1].startswith("f) make any request")
    for article in passages[1:]:
        assert " – " in article.label and not article.label.endswith("-"), article.label


def iccpr(mirror_dir: Path) -> Parsed:
    return parse_file(mirror_dir / f"{ICCPR}.md", "markdown")


def test_mirror_iccpr_covenant(mirror_dir: Path) -> None:
    passages = iccpr(mirror_dir).passages
    assert len(passages) == ICCPR_COUNT
    covenant = [p for p in passages if p.instrument is None]
    assert [p.anchor for p in covenant] == ["preamble", *(f"art-{n}" for n in range(1, 54))]
    by_anchor = {p.anchor: p for p in covenant}
    assert by_anchor["art-17"].label == "Article 17"
    assert by_anchor["art-17"].text.startswith("1. No one shall be subjected")
    assert "privacy" in by_anchor["art-17"].text
    assert by_anchor["art-17"].text.split("\n\n")[1].startswith("2. ")
    parts = {"art-1": "Part I", "art-2": "Part II", "art-17": "Part III", "art-28": "Part IV"}
    for anchor, part in {**parts, "art-46": "Part V", "art-53": "Part VI"}.items():
        assert by_anchor[anchor].path == (part,), anchor
    assert by_anchor["art-53"].text.endswith("sixty-six.")  # the Covenant's, not the Protocol's


def test_mirror_iccpr_optional_protocol(mirror_dir: Path) -> None:
    parsed = iccpr(mirror_dir)
    protocol = [p for p in parsed.passages if p.instrument is not None]
    assert [p.anchor for p in protocol] == ["op1-preamble", *(f"op1-art-{n}" for n in range(1, 15))]
    for passage in protocol:
        assert passage.instrument == OPTIONAL_PROTOCOL
        assert passage.path[0] == OPTIONAL_PROTOCOL
        assert passage.text_available and passage.text
    assert protocol[0].text.startswith("The States Parties to the present Protocol")
    article_1 = protocol[1]
    assert article_1.label == "Article 1"
    assert article_1.text.startswith("A State Party to the Covenant that becomes a party")
    document = Document(make_source(ICCPR), "text", parsed.passages)
    assert document.citation(article_1) == f"{OPTIONAL_PROTOCOL}, Article 1"
    assert parsed.notes == [
        f"the file also holds the {OPTIONAL_PROTOCOL}: 15 passages of its own (op1-...)"
    ]


def english_article_headings(path: Path) -> int:
    """``### Article N`` headings in a file: the Dutch part has ``### Artikel N``."""
    return len(re.findall(r"^#+\s*Article\s+\d+", path.read_text(encoding="utf-8"), re.M))


@pytest.mark.parametrize("source_id", ["coe-ets-024", "coe-ets-099"])
def test_mirror_every_article_of_the_file(mirror_dir: Path, source_id: str) -> None:
    articles = english_article_headings(mirror_dir / f"{source_id}.md")
    passages = mirror_passages(mirror_dir, source_id)
    assert articles == MIRROR_COUNTS[source_id] - 1
    assert [p.anchor for p in passages[1:]] == [f"art-{n}" for n in range(1, articles + 1)]


def test_mirror_ets_024_and_099_labels_and_paths(mirror_dir: Path) -> None:
    extradition = mirror_passages(mirror_dir, "coe-ets-024")
    assert extradition[1].label == "Article 1 – Obligation to extradite"
    assert all(" – " in p.label for p in extradition[1:])
    assert extradition[6].text.split("\n\n")[1].startswith("(a) A Contracting Party")
    protocol = mirror_passages(mirror_dir, "coe-ets-099")
    by_anchor = {p.anchor: p for p in protocol}
    assert by_anchor["art-1"].path == ("Chapter I",)
    assert by_anchor["art-12"].path == ("Chapter IV",)
    # Article 4 amends ETS 30: the file gives a Dutch note instead of its text
    assert by_anchor["art-4"].text == "" and not by_anchor["art-4"].text_available
    assert by_anchor["art-4"].note == ETS_30_AMENDED
    items = [p[:3] for p in by_anchor["art-12"].text.split("\n\n")[1:9]]
    assert items == ["a. ", "b. ", "c. ", "d. ", "e. ", "f. ", "g. ", "h. "]  # "fany" -> "f. any"


# --- the six files parsed before issue 12: only numbering and notes changed ----

# A digest of each file's passages as parsed before issue 12 (anchor, label, path,
# text, text_available, note). With the numbering left as the source gives it and the
# old note, the parse must give them again: the new instruments, divisions and
# language tests changed nothing else. Update a digest only for a change meant to
# alter that file's passages.
BEFORE_ISSUE_12 = {
    "coe-ets-030": "98f25517080dcc11",
    "coe-ets-108": "08304bf01713d644",
    "coe-ets-181": "61359876f7df5582",
    "coe-ets-182": "16d924a27c92bc2e",
    "coe-ets-185": "e8c66c5e1d6671b1",
    "coe-ets-189": "94df973dbc5751d7",
}
# What the new numbering changes there, besides a space after a glued list marker.
NUMBERING_REWRITES = {"coe-ets-185": {"art-15": [("2. 2 Such", "2. Such")]}}


def passages_digest(passages: list[Passage]) -> str:
    rows = [[p.anchor, p.label, list(p.path), p.text, p.text_available, p.note] for p in passages]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()[:16]


@pytest.fixture
def numbering_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser with the paragraphs' numbering untouched and the one note of old."""
    monkeypatch.setattr(
        parse_treaty_module, "_tidy_numbering", lambda paragraphs, words: paragraphs
    )
    monkeypatch.setattr(parse_treaty_module, "_no_text_note", lambda article, parent: NO_TEXT_NOTE)


@pytest.mark.parametrize("source_id", sorted(BEFORE_ISSUE_12))
def test_mirror_unchanged_but_for_numbering_and_notes(
    mirror_dir: Path, source_id: str, numbering_as_given: None
) -> None:
    passages = mirror_passages(mirror_dir, source_id)
    assert passages_digest(passages) == BEFORE_ISSUE_12[source_id]


@pytest.mark.parametrize("source_id", ALL_TREATIES)
def test_mirror_numbering_changes_only_the_markers(
    mirror_dir: Path, source_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tidy = mirror_passages(mirror_dir, source_id)
    monkeypatch.setattr(
        parse_treaty_module, "_tidy_numbering", lambda paragraphs, words: paragraphs
    )
    given = mirror_passages(mirror_dir, source_id)
    rewrites = NUMBERING_REWRITES.get(source_id, {})
    for before, after in zip(given, tidy, strict=True):
        for old, new in zip(before.text.split("\n\n"), after.text.split("\n\n"), strict=True):
            if old == new:
                continue
            expected = [(o, n) for o, n in rewrites.get(after.anchor, []) if old.startswith(o)]
            if expected:
                (prefix, replacement), *_ = expected
                assert new == replacement + old[len(prefix) :]
                continue
            marker = re.match(r"\(?[a-z0-9]{1,5}[.)]", new).group(0)  # type: ignore[union-attr]
            assert new == f"{marker} {old[len(marker) :]}" or (
                old[len(marker) - 1 :] == new[len(marker) + 1 :]  # "fany" -> "f. any"
            ), (after.anchor, old[:40], new[:40])
