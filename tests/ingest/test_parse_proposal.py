"""The IGF workshop proposal parser, on invented fixtures and on the real mirror file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb.ingest.chunk import word_count
from kb.ingest.errors import ParseError
from kb.ingest.extract import extract
from kb.ingest.parse_proposal import normalise_workshop, parse_proposal
from kb.models import Block, Parsed, Person, Source
from tests import worlds

ANCHOR = re.compile(r"^[a-z0-9-]+$")
SAMPLE_PEOPLE = [
    Person("Mirela Vantongeren", "organiser", "Harbourline Digital Rights Trust"),
    Person(
        "Tomasz Quillfeather", "organiser", "Ministry of Imaginary Affairs, Republic of Nowhere"
    ),
    Person("Priya Oyelaran-Holt", "speaker", None, "Civil Society", "African Group"),
    Person(
        "Gunnar Ebbesmeyer",
        "speaker",
        None,
        "Private Sector",
        "Western European and Others Group (WEOG)",
    ),
    Person(
        "Luz Marina Cortabarria",
        "speaker",
        None,
        "Government",
        "Latin American and Caribbean Group (GRULAC)",
    ),
    Person("Haruto Vell", "speaker", None, "Technical Community", "Asia-Pacific Group"),
    Person(
        "Mirela Vantongeren",
        "moderator",
        None,
        "Civil Society",
        "Western European and Others Group (WEOG)",
    ),
    Person("Tomasz Quillfeather", "online moderator", None, "Government", "Eastern European Group"),
    Person("Keziah Ambrose-Lund", "rapporteur", None, "Civil Society", "African Group"),
]


def make_source(source_id: str = "igf-2024-ws321", year: int = 2024) -> Source:
    return worlds.make_source(
        source_id, kind="igf-proposal", year=year, title="IGF workshop proposal"
    )


def text_blocks(path: Path) -> list[Block]:
    return extract(path.read_bytes(), "text")


def paragraphs(text: str) -> list[Block]:
    return [Block(line.strip()) for line in text.splitlines() if line.strip()]


def by_anchor(parsed: Parsed) -> dict[str, str]:
    return {p.anchor: p.text for p in parsed.passages}


@pytest.fixture
def sample(fixtures_dir: Path) -> Parsed:
    return parse_proposal(text_blocks(fixtures_dir / "igf-proposal-sample.txt"), make_source())


@pytest.fixture
def sample_html(fixtures_dir: Path) -> Parsed:
    body = (fixtures_dir / "igf-proposal-sample.html").read_bytes()
    return parse_proposal(extract(body, "html"), make_source())


def assert_anchors_ok(parsed: Parsed) -> None:
    anchors = [p.anchor for p in parsed.passages]
    assert len(anchors) == len(set(anchors))
    assert all(ANCHOR.match(a) for a in anchors)
    assert all(p.text.strip() and p.path == () for p in parsed.passages)


# --- the text fixture (labels "Onsite Moderator", "Rapporteur" lost) -----------


def test_sample_sections_anchors_and_labels(sample: Parsed) -> None:
    assert [(p.anchor, p.label) for p in sample.passages] == [
        ("overview", "Overview"),
        ("policy-questions", "Policy questions"),
        ("description", "Description"),
        ("description-2", "Description (part 2)"),
        ("sdgs", "SDGs and targets"),
        ("expected-outcomes", "Expected outcomes"),
        ("agenda", "Agenda"),
        ("online-participation", "Online participation"),
    ]
    assert_anchors_ok(sample)


def test_sample_details(sample: Parsed) -> None:
    details = sample.details
    assert details["workshop"] == "WS #321"
    assert details["year"] == 2024
    assert details["title"].startswith("Lighthouses in the fog")
    assert details["date"] == "Wed, 18 Dec, 2024, 10:15 - 11:45 UTC"
    assert details["format"] == "Round Table - U-shape - 90 Min"
    assert details["format_description"].startswith("A horseshoe of seats")
    assert [q.split(":")[0] for q in details["policy_questions"]] == [
        "Trust and verification",
        "Remedies",
        "Additional Policy Questions Information",
    ]
    assert details["sdgs"] == [
        "4. Quality Education",
        "9. Industry, Innovation and Infrastructure",
        "16. Peace, Justice and Strong Institutions",
    ]
    assert details["targets"].startswith("SDG 4: Students rely")
    assert details["targets"].count("\n\n") == 2
    assert details["targets"].endswith("faster and more accountable.")


def test_sample_people_by_order_when_labels_are_lost(sample: Parsed) -> None:
    # "Organizer 3:" has no name and is skipped; the bare lines take the roles in order.
    assert sample.people == SAMPLE_PEOPLE


def test_sample_overview_finds_people_and_format(sample: Parsed) -> None:
    overview = by_anchor(sample)["overview"]
    assert overview.startswith("IGF 2024 WS #321: Lighthouses in the fog")
    for person in SAMPLE_PEOPLE:
        assert person.name in overview
    assert "Rapporteur: Keziah Ambrose-Lund (Civil Society, African Group)" in overview
    assert "Round Table - U-shape - 90 Min" in overview
    assert "Organizer" not in overview


def test_sample_description_split_at_paragraphs(sample: Parsed, fixtures_dir: Path) -> None:
    texts = by_anchor(sample)
    parts = [texts["description"], texts["description-2"]]
    assert all(word_count(part) <= 300 for part in parts)
    # the prose before the SDG list and the prose after the targets, in page order
    assert parts[0].startswith("Picture a small provider")
    assert "The workshop will look at three lighthouses" in parts[0]
    assert parts[1].endswith("willing to try.")
    raw = (fixtures_dir / "igf-proposal-sample.txt").read_text(encoding="utf-8")
    for paragraph in "\n\n".join(parts).split("\n\n"):
        assert paragraph in raw  # whole paragraphs, never cut


def test_sample_section_texts(sample: Parsed) -> None:
    texts = by_anchor(sample)
    assert texts["policy-questions"].count("\n\n") == 2
    assert texts["sdgs"].startswith("4. Quality Education\n\n9. Industry")
    assert "Targets: SDG 4" in texts["sdgs"]
    assert texts["expected-outcomes"].startswith("(a) A one-page sketch")
    assert texts["expected-outcomes"].count("\n\n") == 1
    assert texts["agenda"].startswith("The session will be divided into three rounds")
    assert texts["online-participation"].startswith("Remote participants will join")


def test_one_description_passage_when_the_limit_allows(fixtures_dir: Path) -> None:
    blocks = text_blocks(fixtures_dir / "igf-proposal-sample.txt")
    parsed = parse_proposal(blocks, make_source(), max_words=1000)
    assert "description-2" not in by_anchor(parsed)


# --- the HTML fixture (labels present as headings) -----------------------------


def test_html_sample_sections_and_people(sample_html: Parsed) -> None:
    assert [p.anchor for p in sample_html.passages] == [
        "overview",
        "policy-questions",
        "description",
        "sdgs",
        "expected-outcomes",
        "agenda",
        "online-participation",
    ]
    assert_anchors_ok(sample_html)
    assert sample_html.people == SAMPLE_PEOPLE  # Organizer 3 given by group only: skipped
    details = sample_html.details
    assert details["workshop"] == "WS #321"
    assert details["title"].startswith("Lighthouses in the fog")
    assert details["date"].startswith("Wed, 18 Dec, 2024")
    assert len(details["policy_questions"]) == 2
    assert details["sdgs"] == ["4. Quality Education", "16. Peace, Justice and Strong Institutions"]


def test_html_sample_keeps_page_furniture_out(sample_html: Parsed) -> None:
    everything = " ".join(p.text for p in sample_html.passages)
    for furniture in ("Skip to main content", "Annual Meeting", "Secretariat", "dataLayer"):
        assert furniture not in everything
    texts = by_anchor(sample_html)
    assert "a notice to the user once secrecy is no longer needed." in texts["description"]
    assert texts["agenda"].startswith("Three rounds")
    assert texts["online-participation"] == (
        "Remote participants will join through the official meeting platform."
    )


# --- variants ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["WS188", "WS #188", "ws # 188", "WS#0188"])
def test_normalise_workshop(text: str) -> None:
    assert normalise_workshop(text) == "WS #188"


def test_heading_labels_and_inline_roles() -> None:
    blocks = [
        Block("IGF 2022 WS12 Fictional title on one line", heading=1),
        Block("Organizer 1:"),
        Block("Organizer 2: Ada Quist, Quist Labs"),
        Block("Speaker 1: Bo Rinne, Academia, Eastern European Group"),
        Block("Onsite Moderator: Cy Dahl, Civil Society, African Group"),
        Block("Rapporteur", heading=3),
        Block("Di Eze, Private Sector, African Group"),
        Block("Policy Question(s)", heading=2),
        Block("A. Who keeps the keys?"),
        Block("B. Who may ask for them?"),
        Block("Description", heading=2),
        Block("Moderator: opens with five minutes on the keys."),
        Block("Expected Outcomes", heading=2),
        Block("A note for the IGF messages."),
    ]
    parsed = parse_proposal(blocks, make_source("igf-2022-ws12", 2022))
    assert parsed.details["workshop"] == "WS #12"
    assert parsed.details["title"] == "Fictional title on one line"
    assert [(p.name, p.role) for p in parsed.people] == [
        ("Ada Quist", "organiser"),
        ("Bo Rinne", "speaker"),
        ("Cy Dahl", "moderator"),
        ("Di Eze", "rapporteur"),
    ]
    assert parsed.details["policy_questions"] == [
        "A. Who keeps the keys?",
        "B. Who may ask for them?",
    ]
    # a role word inside the sections is prose, not a person
    assert by_anchor(parsed)["description"] == "Moderator: opens with five minutes on the keys."
    assert "date" not in parsed.details


def test_plain_labels_untitled_header_and_early_colon_in_description() -> None:
    blocks = paragraphs(
        """
        IGF 2023 WS #77
        Organizers
        Organizer 1: Ann Bee, Bee Institute
        Speakers
        Speaker 1: Cal Dee, Government, African Group
        Policy Question(s)
        Roles: Who decides what, and when?
        This session builds on two earlier ones: a clinic and a hackathon.
        """
    )
    parsed = parse_proposal(blocks, make_source())
    assert parsed.details["title"] == "IGF workshop proposal"  # the source's, none on the page
    assert [(p.name, p.role) for p in parsed.people] == [
        ("Ann Bee", "organiser"),
        ("Cal Dee", "speaker"),
    ]
    assert parsed.details["policy_questions"] == ["Roles: Who decides what, and when?"]
    assert by_anchor(parsed)["description"].startswith("This session builds on")
    assert "Organizers" not in by_anchor(parsed)["overview"]


def test_expected_outcomes_then_agenda_by_content() -> None:
    blocks = paragraphs(
        """
        IGF 2023 WS #9
        A title
        Policy Question(s)
        Scope: What is in scope?
        Expected Outcomes
        A short report with recommendations.
        The moderator will give each speaker five minutes, then open the floor.
        Online Participation
        Remote questions are read out.
        """
    )
    texts = by_anchor(parse_proposal(blocks, make_source()))
    assert texts["expected-outcomes"] == "A short report with recommendations."
    assert texts["agenda"].startswith("The moderator will give")
    assert texts["online-participation"] == "Remote questions are read out."


# --- garbage in, a clear error out ---------------------------------------------


@pytest.mark.parametrize(
    "blocks",
    [
        [],
        paragraphs("Lorem ipsum dolor sit amet.\nConsectetur adipiscing elit."),
        [Block("Convention on Cybercrime", heading=2), Block("Article 1", heading=3)],
        paragraphs("IGF 2021 WS #5\nA title with nothing under it"),
        paragraphs("IGF 2021 WS #5\nA title\nOrganizer 1: Ann Bee, Org"),
    ],
    ids=["empty", "prose", "treaty", "header-only", "no-sections"],
)
def test_garbage_raises_parse_error(blocks: list[Block]) -> None:
    with pytest.raises(ParseError, match="igf-2024-ws321"):
        parse_proposal(blocks, make_source())


# --- the real page (offline mirror) --------------------------------------------


@pytest.fixture
def real(mirror_dir: Path) -> Parsed:
    blocks = text_blocks(mirror_dir / "igf-2021-ws188.txt")
    return parse_proposal(blocks, make_source("igf-2021-ws188", 2021))


def test_real_sections(real: Parsed) -> None:
    anchors = [p.anchor for p in real.passages]
    for anchor in (
        "overview",
        "policy-questions",
        "description",
        "sdgs",
        "expected-outcomes",
        "online-participation",
    ):
        assert anchor in anchors
    assert anchors[0] == "overview"
    assert_anchors_ok(real)
    assert all(word_count(p.text) <= 300 for p in real.passages)


def test_real_details(real: Parsed) -> None:
    details = real.details
    assert details["workshop"] == "WS #188"
    assert details["year"] == 2021
    assert details["format"] == "Other - 90 Min"
    assert details["format_description"] == "Workshop"
    assert len(details["policy_questions"]) == 3
    assert len(details["sdgs"]) == 3
    assert details["sdgs"][0].startswith("9. ")
    assert details["targets"]


def test_real_people(real: Parsed) -> None:
    organisers = [p for p in real.people if p.role == "organiser"]
    speakers = [p for p in real.people if p.role == "speaker"]
    assert len(organisers) == 2
    assert all(p.organisation for p in organisers)
    assert "Alexandre Roure" in {p.name for p in organisers}
    assert len(speakers) == 3
    assert all(p.stakeholder_group and p.region for p in speakers)
    roles = {p.role: p for p in real.people if p.role not in ("organiser", "speaker")}
    assert set(roles) == {"moderator", "online moderator", "rapporteur"}
    assert roles["moderator"].name == "Alexandre Roure"
    assert roles["moderator"].stakeholder_group == "Private Sector"
    overview = by_anchor(real)["overview"]
    assert all(p.name in overview for p in real.people)
