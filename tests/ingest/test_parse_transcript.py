"""The IGF transcript parser: speaker turns grouped into passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.ingest.chunk import word_count
from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_transcript import display_name, parse_transcript
from kb.models import Block, Parsed, Source
from tests import worlds

ANCHOR = re.compile(r"^[a-z0-9-]+$")
LABEL = re.compile(r"^Turns? \d+(?:–\d+)?(?: \(part \d+ of \d+\))?: .+$")
SPEAKERS = [
    "Moderator",
    "Odalys Fernsworth",
    "Bartholomew Isaksen-Rue",
    "Naomi Trevelyan-Oku",
    "Ingrid Maas-Volkov",
]


def make_source() -> Source:
    return worlds.make_source("igf-2030-ws404", kind="igf-transcript", year=2030)


def paragraphs(text: str) -> list[Block]:
    return [Block(line.strip()) for line in text.splitlines() if line.strip()]


@pytest.fixture
def blocks(fixtures_dir: Path) -> list[Block]:
    return extract((fixtures_dir / "igf-transcript-sample.txt").read_bytes(), "text")


@pytest.fixture
def sample(blocks: list[Block]) -> Parsed:
    return parse_transcript(blocks, make_source())


def test_sample_passages_anchors_and_labels(sample: Parsed) -> None:
    passages = sample.passages
    assert len(passages) >= 2
    assert [p.anchor for p in passages] == [f"turns-{i}" for i in range(1, len(passages) + 1)]
    assert all(ANCHOR.match(p.anchor) and LABEL.match(p.label) for p in passages)
    assert passages[0].label == "Turns 1–3: Moderator, Odalys Fernsworth"
    assert passages[0].speakers == ("Moderator", "Odalys Fernsworth")
    # a speaker is named once per label, in order of first appearance
    for passage in passages:
        assert len(passage.speakers) == len(set(passage.speakers))
        assert passage.label.endswith(": " + ", ".join(passage.speakers))


def test_sample_turns_are_whole_and_in_order(sample: Parsed) -> None:
    text = "\n\n".join(p.text for p in sample.passages)
    starts = re.findall(r"^([A-Z][\w-]*(?: [A-Z][\w-]*)*): ", text, flags=re.MULTILINE)
    assert len(starts) == 9 == sample.details["turns"]
    assert starts[:3] == ["Moderator", "Odalys Fernsworth", "Moderator"]
    assert ">>" not in text
    # the turn with blank lines inside stays in one passage, its paragraphs separated
    first = sample.passages[0].text
    assert "Odalys Fernsworth: Thank you. I run the legal desk" in first
    assert "\n\nThe surprising part was not the technology." in first
    assert "\n\nAnd a small number of them came twice" in first
    for passage in sample.passages:
        assert word_count(passage.text) <= 300


def test_sample_header_is_details_not_passages(sample: Parsed) -> None:
    assert sample.details["title"].startswith("IGF 2030 – Day 2 – Room 7 – WS 404")
    assert sample.details["disclaimer"] is True
    assert sample.details["speakers"] == SPEAKERS
    text = " ".join(p.text for p in sample.passages)
    assert "captioning" not in text
    assert "***" not in text
    assert "IGF 2030" not in text


def test_sample_people_are_the_named_speakers(sample: Parsed) -> None:
    assert [(p.name, p.role) for p in sample.people] == [(n, "speaker") for n in SPEAKERS[1:]]


def test_long_turn_split_at_paragraphs(blocks: list[Block]) -> None:
    parsed = parse_transcript(blocks, make_source(), max_words=60)
    labels = [p.label for p in parsed.passages]
    assert "Turn 2 (part 1 of 2): Odalys Fernsworth" in labels
    assert "Turn 2 (part 2 of 2): Odalys Fernsworth" in labels
    second = parsed.passages[labels.index("Turn 2 (part 2 of 2): Odalys Fernsworth")]
    assert second.text.startswith("Odalys Fernsworth: The surprising part")  # who is talking
    assert len({p.anchor for p in parsed.passages}) == len(parsed.passages)


def test_one_passage_when_everything_fits(blocks: list[Block]) -> None:
    parsed = parse_transcript(blocks, make_source(), max_words=10_000)
    assert len(parsed.passages) == 1
    assert parsed.passages[0].label.startswith("Turns 1–9: Moderator, Odalys Fernsworth")


def test_no_disclaimer_and_unnamed_turns() -> None:
    blocks = paragraphs(
        """
        Session title without a year
        >> CHAIR: Welcome.
        >> Thank you. A question: is this on?
        >> Jane Doe-Roe: Yes.
        """
    )
    parsed = parse_transcript(blocks, make_source())
    assert parsed.details["title"] == "Session title without a year"
    assert parsed.details["disclaimer"] is False
    assert parsed.passages[0].text == (
        "Chair: Welcome.\n\nThank you. A question: is this on?\n\nJane Doe-Roe: Yes."
    )
    assert parsed.passages[0].label == "Turns 1–3: Chair, Jane Doe-Roe"
    assert [p.name for p in parsed.people] == ["Jane Doe-Roe"]


def test_name_on_its_own_line() -> None:
    blocks = paragraphs(">> PAT KOWALCZYK:\nThe text came on the next line.")
    parsed = parse_transcript(blocks, make_source())
    assert parsed.passages[0].text == "Pat Kowalczyk: The text came on the next line."


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("CHRISTIAN  BORGGREEN", "Christian Borggreen"),
        ("MODERATOR", "Moderator"),
        ("JEAN-LUC O'NEILL", "Jean-Luc O'Neill"),
        ("Jane de Vries", "Jane de Vries"),
    ],
)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


@pytest.mark.parametrize(
    "blocks",
    [
        [],
        paragraphs("IGF 2019 – Day 1 – Some room\nThe output of real-time captioning.\n***"),
        paragraphs("Just prose.\nMore prose, and no speakers at all."),
    ],
    ids=["empty", "header-only", "prose"],
)
def test_no_turns_raises_parse_error(blocks: list[Block]) -> None:
    with pytest.raises(ParseError, match="igf-2030-ws404"):
        parse_transcript(blocks, make_source())
