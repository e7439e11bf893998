"""The names of a corpus's instruments (kb/derive/names.py): one index for queries and texts."""

from __future__ import annotations

from kb.derive.names import Names, holds, names_of, squeeze
from kb.models import STATUS_TEXT, Document
from tests.worlds import make_source

BELLS, BELLS_PLUS, BELLS_PROTOCOL, REPORT = "bells", "bells-plus", "bells-protocol", "bells-report"


def corpus() -> Names:
    documents = [
        make_source(
            BELLS,
            title="Convention on Harbour Bells (HBS No. 8)",
            short_title="Bell Convention",
            aliases=("HBS No. 8", "Convention 8"),
        ),
        make_source(BELLS_PLUS, title="Convention 8+", short_title="Convention 8+"),
        make_source(
            BELLS_PROTOCOL,
            title="Additional Protocol to the Convention on Harbour Bells",
            short_title="Bell Protocol",
        ),
        make_source(
            REPORT,
            kind="explanatory-report",
            title="Explanatory Report to the Convention on Harbour Bells",
            short_title="Bell Report",
        ),
    ]
    return Names({s.id: Document(s, STATUS_TEXT) for s in documents})


def test_every_name_of_a_source() -> None:
    document = Document(
        make_source(BELLS, title="Convention on Harbour Bells (HBS No. 8)", aliases=("HBS 8",)),
        STATUS_TEXT,
    )
    assert names_of(document) == [
        "convention on harbour bells (hbs no. 8)",
        "convention on harbour bells",
        "imaginary convention",
        "hbs 8",
    ]


def test_a_name_stands_for_its_sources_in_any_case_and_spacing() -> None:
    names = corpus()
    assert names.named("Bell   CONVENTION") == {BELLS}
    assert names.named("HBS No. 8") == {BELLS}
    assert names.named("Convention 9") == frozenset()


def test_the_longest_name_wins_and_a_plus_is_another_instrument() -> None:
    names = corpus()
    assert names.within("Article 3 of Convention 8+ applies") == {BELLS_PLUS}
    assert names.within("Convention 8 and the Bell Protocol") == {BELLS, BELLS_PROTOCOL}
    assert names.within("the Convention on Harbour Bells (HBS No. 8)") == {BELLS}


def test_a_whole_query_that_is_a_name() -> None:
    names = corpus()
    assert names.whole(" bell convention ") == {BELLS}
    assert names.whole("bell convention article 3") == frozenset()


def test_a_name_after_the() -> None:
    names = corpus()
    text = "under the Bell Convention"
    found = names.match(text, text.index("the"))
    assert found is not None and found.group() == "Bell Convention"
    assert names.match(text, 0) is None


def test_protocols_and_reports_have_the_instrument_their_title_names() -> None:
    assert corpus().parents == {BELLS_PROTOCOL: BELLS, REPORT: BELLS}


def test_whole_names_only() -> None:
    assert holds(squeeze("The  Convention 8 applies"), "convention 8")
    assert not holds("convention 8+ applies", "convention 8")
    assert not holds("convention 88", "convention 8")
