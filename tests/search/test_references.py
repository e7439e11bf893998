"""Cross-references: every rule on invented instruments, then facts of the real mirror.

The invented world: the "Lantern Convention" (LTS No. 77) with a first additional
protocol and an amending "Convention 77+", the "Harbour Treaty" (HTS No. 30) with a
second additional protocol, and a workshop proposal that cites them. Every sentence
is invented; the mirror tests read the real texts at run time.
"""

from __future__ import annotations

import itertools
import time

import pytest

from kb.config import Settings
from kb.derive.names import Names
from kb.derive.references import Reference, References
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from kb.search import Library
from tests.worlds import make_source

LANTERN, PROTOCOL, PLUS, HARBOUR, SECOND, PROPOSAL, SHADOW = (
    "lantern-convention",
    "lantern-protocol",
    "lantern-plus",
    "harbour-treaty",
    "harbour-second-protocol",
    "lights-proposal",
    "shadow-protocol",
)


def _articles(count: int, texts: dict[int, str]) -> list[Passage]:
    return [
        Passage(f"art-{n}", f"Article {n}", texts.get(n, f"Article text number {n}."))
        for n in range(1, count + 1)
    ]


def _document(source_id: str, count: int, texts: dict[int, str], **fields: object) -> Document:
    return Document(make_source(source_id, **fields), STATUS_TEXT, _articles(count, texts))


LANTERN_TEXTS = {
    2: "Each Party shall light its lamps as set out in Articles 3 and 4.",
    3: "This Article 3 applies to every lamp of the Lantern Convention.",
    5: (
        "The lamps referred to in Article 3 shall be trimmed; Art. 4 applies. "
        "Article 3, paragraph 2, governs the wick."
    ),
    6: "The offences established in Articles 2 through 5 of this Convention are minor.",
    7: "The keepers of paragraph 2 of Article 3 answer under Articles 9 to 11.",
    8: (
        "No keeper may invoke Article 99. The majority is the one of Article 20.d. of the "
        "Statute of the Lighthouse Board, or of Article 4 of the Convention."
    ),
    9: "Articles 2, 3, 5, paragraph 1.b, 7, 10 paragraph 3, and 11, paragraph 2.a, apply.",
    10: "The Convention on Lantern Keeping and the Lantern Convention bind the Parties.",
    11: (
        "Requests under Article 4 of this Convention and Article 2 of the Second Additional "
        "Protocol to the Harbour Treaty go through the keepers."
    ),
}
PROTOCOL_TEXTS = {
    1: (
        "This Protocol supplements the Convention on Lantern Keeping (hereinafter referred "
        "to as “the Convention”)."
    ),
    2: (
        "Article 3 of the Convention applies, and Articles 4 and 5 of this Protocol. "
        "Article 2, paragraph 1, and Article 7, paragraph 2, of the Convention apply too."
    ),
    3: "The Parties to the Convention keep Article 1.",
    4: "Nothing in Article 6 of the Convention for the Protection of Gulls applies.",
}
HARBOUR_TEXTS = {
    1: "Ports apply LTS No. 77, and Article 4 of LTS No. 77 in particular.",
    2: "Article 6 of the Lantern Convention and the Convention 77+ both apply.",
    3: "The First Additional Protocol to the Lantern Convention is not in force here.",
    4: "Requests under Articles 2 and 3 of the Second Additional Protocol to this Treaty.",
    5: "The Convention and this Treaty apply; so does Convention 77.",
}


def lantern() -> Document:
    return _document(
        LANTERN,
        11,
        LANTERN_TEXTS,
        title="Convention on Lantern Keeping (LTS No. 77)",
        short_title="Lantern Convention",
        aliases=("Convention 77", "LTS No. 77", "LTS 77"),
    )


def protocol() -> Document:
    return _document(
        PROTOCOL,
        5,
        PROTOCOL_TEXTS,
        title="Additional Protocol to the Convention on Lantern Keeping, on fog (LTS No. 91)",
        short_title="First Additional Protocol to the Lantern Convention",
        aliases=("LTS No. 91",),
    )


def plus() -> Document:
    source = make_source(
        PLUS,
        title="Convention 77+: Protocol amending Convention 77 (LTS No. 223)",
        short_title="Convention 77+",
        aliases=("Convention 77+", "LTS No. 223"),
    )
    return Document(source, STATUS_METADATA_ONLY)


def harbour() -> Document:
    return _document(
        HARBOUR,
        5,
        HARBOUR_TEXTS,
        title="Treaty on Harbour Signals (HTS No. 30)",
        short_title="Harbour Treaty",
        aliases=("HTS No. 30", "HTS 30"),
    )


def second() -> Document:
    return _document(
        SECOND,
        3,
        {1: "Article 2 of the Convention and the Convention apply."},
        title="Second Additional Protocol to the Treaty on Harbour Signals (HTS No. 182)",
        short_title="Second Additional Protocol to the Harbour Treaty",
        aliases=("HTS No. 182",),
    )


def proposal() -> Document:
    source = make_source(PROPOSAL, kind="igf-proposal", title="Workshop on lights at sea")
    texts = [
        (
            "policy-questions",
            "Does Article 6 of the Lantern Convention cover fog? And Article 5 Harbour "
            "Treaty? Article 3 alone, Article 4 of the Convention and this Convention are "
            "not links; neither is Article 40 of the Lantern Convention.",
        ),
        (
            "description",
            "Speakers compare the Lantern Convention, Convention 77+, LTS No. 91 and the "
            "2nd Additional Protocol to the Harbour Treaty. See also HTS 30 and HTS 300.",
        ),
    ]
    return Document(source, STATUS_TEXT, [Passage(a, a, t) for a, t in texts])


def make_documents() -> dict[str, Document]:
    return {d.id: d for d in (lantern(), protocol(), plus(), harbour(), second(), proposal())}


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return make_documents()


@pytest.fixture(scope="module")
def references(documents: dict[str, Document]) -> References:
    return References(documents)


def _refs(references: References, pid: str) -> list[tuple[str, str]]:
    return [(r.text, r.target) for r in references.of(pid)]


def _lantern(n: int) -> str:
    return f"{LANTERN}.art-{n}"


# parents -----------------------------------------------------------------------------------


def parents(documents: dict[str, Document]) -> dict[str, str]:
    return Names(documents).parents


def test_parents_are_named_in_protocol_titles(documents: dict[str, Document]) -> None:
    assert parents(documents) == {PROTOCOL: LANTERN, PLUS: LANTERN, SECOND: HARBOUR}


def test_parents_longest_name_wins_and_never_itself() -> None:
    documents = {
        d.id: d
        for d in (
            harbour(),
            Document(make_source("signals", short_title="Harbour Signals"), STATUS_TEXT),
            Document(
                make_source(SHADOW, title="Protocol to the Shadow Protocol", short_title="Shadow"),
                STATUS_TEXT,
            ),
            Document(
                make_source("buoys", title="Protocol to the Treaty on Harbour Signals"),
                STATUS_TEXT,
            ),
        )
    }
    assert parents(documents) == {"buoys": HARBOUR}


def test_convention_plus_is_not_the_convention() -> None:
    documents = {d.id: d for d in (plus(), lantern())}
    documents[PLUS] = Document(
        make_source(PLUS, title="Protocol of Convention 77+", short_title="Convention 77+"),
        STATUS_TEXT,
    )
    assert parents(documents) == {}


# Articles ----------------------------------------------------------------------------------


def test_an_article_of_the_same_instrument(references: References) -> None:
    assert _refs(references, _lantern(5)) == [
        ("Article 3", _lantern(3)),
        ("Art. 4", _lantern(4)),
        ("Article 3", _lantern(3)),
    ]


def test_lists_and_ranges_link_each_number_and_the_two_ends(references: References) -> None:
    assert _refs(references, _lantern(2)) == [("Articles 3", _lantern(3)), ("4", _lantern(4))]
    assert _refs(references, _lantern(6)) == [("Articles 2", _lantern(2)), ("5", _lantern(5))]
    assert _refs(references, _lantern(7)) == [
        ("Article 3", _lantern(3)),
        ("Articles 9", _lantern(9)),
        ("11", _lantern(11)),
    ]


def test_paragraph_numbers_in_a_list_are_not_articles(references: References) -> None:
    assert [target for _, target in _refs(references, _lantern(9))] == [
        _lantern(n) for n in (2, 3, 5, 7, 10, 11)
    ]


def test_unknown_and_foreign_articles_are_no_links(references: References) -> None:
    # Article 99 does not exist; Article 20 is the Statute's; the Convention is itself.
    assert _refs(references, _lantern(8)) == [("Article 4", _lantern(4))]


def test_an_instrument_naming_itself_is_no_link(references: References) -> None:
    # "This Article 3" is a reference (though no one else cites it); the name is none.
    assert _refs(references, _lantern(3)) == [("Article 3", _lantern(3))]
    assert _lantern(3) not in references.citing(_lantern(3))
    assert _refs(references, _lantern(10)) == []


def test_articles_of_another_named_instrument(references: References) -> None:
    assert _refs(references, f"{HARBOUR}.art-1") == [
        ("LTS No. 77", LANTERN),
        ("Article 4", _lantern(4)),
    ]
    assert _refs(references, f"{HARBOUR}.art-2") == [
        ("Article 6", _lantern(6)),
        ("Convention 77+", PLUS),
    ]
    assert _refs(references, _lantern(11)) == [
        ("Article 4", _lantern(4)),
        ("Article 2", f"{SECOND}.art-2"),
    ]


def test_a_protocol_to_this_treaty(references: References) -> None:
    assert _refs(references, f"{HARBOUR}.art-4") == [
        ("Articles 2", f"{SECOND}.art-2"),
        ("3", f"{SECOND}.art-3"),
    ]


def test_in_a_protocol_the_convention_is_its_parent(references: References) -> None:
    assert _refs(references, f"{PROTOCOL}.art-1") == [
        ("Convention on Lantern Keeping", LANTERN),
        ("the Convention", LANTERN),
    ]
    assert _refs(references, f"{PROTOCOL}.art-2") == [
        ("Article 3", _lantern(3)),
        ("Articles 4", f"{PROTOCOL}.art-4"),
        ("5", f"{PROTOCOL}.art-5"),
        ("Article 2", _lantern(2)),  # the "of the Convention" at the end covers both
        ("Article 7", _lantern(7)),
    ]
    assert _refs(references, f"{PROTOCOL}.art-3") == [
        ("the Convention", LANTERN),
        ("Article 1", f"{PROTOCOL}.art-1"),
    ]
    assert _refs(references, f"{SECOND}.art-1") == [
        ("Article 2", f"{HARBOUR}.art-2"),
        ("the Convention", HARBOUR),
    ]


def test_another_convention_is_not_the_convention(references: References) -> None:
    assert _refs(references, f"{PROTOCOL}.art-4") == []


def test_outside_a_protocol_the_convention_is_no_link(references: References) -> None:
    assert _refs(references, f"{HARBOUR}.art-5") == [("Convention 77", LANTERN)]


def test_names_longest_first(references: References) -> None:
    assert _refs(references, f"{HARBOUR}.art-3") == [
        ("First Additional Protocol to the Lantern Convention", PROTOCOL)
    ]


def test_workshop_texts_link_articles_only_with_a_name(references: References) -> None:
    assert _refs(references, f"{PROPOSAL}.policy-questions") == [
        ("Article 6", _lantern(6)),
        ("Article 5", f"{HARBOUR}.art-5"),
        ("Lantern Convention", LANTERN),  # Article 40 does not exist: the name stays
    ]
    assert _refs(references, f"{PROPOSAL}.description") == [
        ("Lantern Convention", LANTERN),
        ("Convention 77+", PLUS),
        ("LTS No. 91", PROTOCOL),
        ("2nd Additional Protocol to the Harbour Treaty", SECOND),
        ("HTS 30", HARBOUR),
    ]


def _covenant_with_a_protocol() -> Document:
    """An invented covenant whose file also holds an optional protocol (anchors ``op1-``)."""
    protocol = "Optional Protocol to the Covenant on Lamps"
    own = [
        Passage(
            "art-1",
            "Article 1",
            "Every lamp shall burn, as article 2 of the present Covenant says.",
        ),
        Passage("art-2", "Article 2", "Lamps are trimmed."),
    ]
    second = [
        Passage("op1-art-1", "Article 1", "Keepers may complain.", instrument=protocol),
        Passage(
            "op1-art-2",
            "Article 2",
            "Subject to article 1, and to article 1 of this Protocol, a keeper who claims "
            "that article 2 of the Covenant was broken may write to the Board.",
            instrument=protocol,
        ),
    ]
    source = make_source("lamp-covenant", title="Covenant on Lamps", aliases=("the Covenant",))
    return Document(source, STATUS_TEXT, own + second)


def test_a_second_instruments_articles_are_its_own() -> None:
    """In the Optional Protocol a file also holds, "article 1" is the Protocol's; "article 2
    of the Covenant" the Covenant's; the Covenant's own references stay the Covenant's."""
    covenant = _covenant_with_a_protocol()
    references = References({covenant.id: covenant})
    assert _refs(references, "lamp-covenant.op1-art-2") == [
        ("article 1", "lamp-covenant.op1-art-1"),
        ("article 1", "lamp-covenant.op1-art-1"),
        ("article 2", "lamp-covenant.art-2"),
    ]
    assert _refs(references, "lamp-covenant.art-1") == [("article 2", "lamp-covenant.art-2")]
    assert references.citing("lamp-covenant.op1-art-1") == ["lamp-covenant.op1-art-2"]
    assert references.citing("lamp-covenant.art-2") == [
        "lamp-covenant.art-1",
        "lamp-covenant.op1-art-2",
    ]


def test_an_explanatory_report_refers_to_the_articles_it_explains(
    documents: dict[str, Document],
) -> None:
    """A commentary has no articles of its own: "Article 3", "the Convention" and "Article 4
    of the Convention" are the explained convention's."""
    report = Document(
        make_source(
            "lantern-report",
            kind="explanatory-report",
            title="Explanatory Report to the Convention on Lantern Keeping",
        ),
        STATUS_TEXT,
        [
            Passage(
                "para-1",
                "para. 1",
                "Article 3 sets the lamps; the Convention leaves wicks to Article 4 of the "
                "Convention and to Article 2 of the Harbour Treaty.",
            )
        ],
    )
    references = References({**documents, report.id: report})
    assert references.parents[report.id] == LANTERN
    assert _refs(references, "lantern-report.para-1") == [
        ("Article 3", _lantern(3)),
        ("the Convention", LANTERN),
        ("Article 4", _lantern(4)),
        ("Article 2", f"{HARBOUR}.art-2"),
    ]


def test_reference_fields(references: References, documents: dict[str, Document]) -> None:
    for document in documents.values():
        for passage in document.passages:
            found = references.of(document.passage_id(passage))
            assert found == sorted(found, key=lambda r: r.start)
            for before, after in itertools.pairwise(found):
                assert before.end <= after.start
            for reference in found:
                assert reference.text == passage.text[reference.start : reference.end]
                assert reference.source_id != document.id or reference.anchor is not None
    reference = Reference(0, 9, "Article 3", LANTERN, "art-3")
    assert reference.target == _lantern(3)
    assert Reference(0, 9, "LTS No. 77", LANTERN, None).target == LANTERN


# citing ------------------------------------------------------------------------------------


def test_citing_lists_other_passages_once_in_document_order(references: References) -> None:
    assert references.citing(_lantern(3)) == [
        _lantern(2),
        _lantern(5),
        _lantern(7),
        _lantern(9),
        f"{PROTOCOL}.art-2",
    ]
    assert references.citing(_lantern(4)) == [
        _lantern(2),
        _lantern(5),
        _lantern(8),
        _lantern(11),
        f"{HARBOUR}.art-1",
    ]
    assert references.citing(f"{SECOND}.art-2") == [_lantern(11), f"{HARBOUR}.art-4"]


def test_citing_document_lists_passages_of_other_documents(references: References) -> None:
    assert references.citing_document(LANTERN) == [
        f"{PROTOCOL}.art-1",
        f"{PROTOCOL}.art-3",
        f"{HARBOUR}.art-1",
        f"{HARBOUR}.art-5",
        f"{PROPOSAL}.policy-questions",
        f"{PROPOSAL}.description",
    ]
    assert references.citing_document(HARBOUR) == [f"{SECOND}.art-1", f"{PROPOSAL}.description"]
    assert references.citing_document(PLUS) == [f"{HARBOUR}.art-2", f"{PROPOSAL}.description"]


@pytest.mark.parametrize("pid", ["nowhere.art-1", f"{LANTERN}.art-99", "", "nowhere", "<b>"])
def test_unknown_ids(references: References, pid: str) -> None:
    assert references.of(pid) == []
    assert references.citing(pid) == []
    assert references.citing_document(pid) == []


def test_results_are_copies(references: References) -> None:
    references.of(_lantern(5)).clear()
    references.citing(_lantern(3)).clear()
    assert references.of(_lantern(5)) and references.citing(_lantern(3))


# Hostile text ------------------------------------------------------------------------------


def test_hostile_text_is_read_quickly_and_safely(documents: dict[str, Document]) -> None:
    word = "x" * 20_000
    texts = {
        1: f"<script>alert('Article 3 of the Lantern Convention')</script> {word} Article 3",
        2: "Article " + "9" * 20_000 + " Articles " + ", ".join(["1"] * 5_000),
        3: "Article 1 paragraphs 1" + ", 2" * 5_000 + " " + "the " * 5_000 + "Convention",
        4: "LTS No. 77" * 3_000 + " Art." * 5_000 + "the Second Additional Protocol to " * 1_000,
        5: word + "Lantern Convention" + word + " Lantern Convention",
    }
    hostile = _document(
        "hostile-protocol", 5, texts, title="Protocol to the Lantern Convention", short_title="X"
    )
    started = time.perf_counter()
    references = References({**documents, hostile.id: hostile})
    assert time.perf_counter() - started < 2
    assert _refs(references, "hostile-protocol.art-1") == [
        ("Article 3", _lantern(3)),
        ("Article 3", "hostile-protocol.art-3"),
    ]
    assert len(references.of("hostile-protocol.art-2")) == 5_000
    assert _refs(references, "hostile-protocol.art-3") == [
        ("Article 1", "hostile-protocol.art-1"),
        ("the Convention", LANTERN),
    ]
    assert _refs(references, "hostile-protocol.art-4") == []
    assert _refs(references, "hostile-protocol.art-5") == [("Lantern Convention", LANTERN)]


# The real mirror ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_documents(mirror_settings: Settings) -> dict[str, Document]:
    return Library(mirror_settings.index_root).snapshot().documents


@pytest.fixture(scope="module")
def real_references(real_documents: dict[str, Document]) -> References:
    return References(real_documents)


def test_real_parents(real_documents: dict[str, Document]) -> None:
    assert parents(real_documents) == {
        "coe-ets-189": "coe-ets-185",
        "coe-cets-224": "coe-ets-185",
        "coe-ets-181": "coe-ets-108",
        "coe-cets-223": "coe-ets-108",
        "coe-ets-182": "coe-ets-030",  # not ETS 99, whose whole title its own holds
        "coe-ets-099": "coe-ets-030",
        "coe-ets-185-er": "coe-ets-185",  # an explanatory report: the convention it explains
    }


def test_real_citing(real_references: References) -> None:
    assert real_references.citing("coe-ets-185.art-29") == [
        "coe-ets-185.art-30",
        "coe-ets-185.art-31",
        "coe-ets-185.art-35",
        "coe-ets-185.art-42",
    ]
    assert {
        "coe-ets-185.art-16",
        "coe-ets-185.art-21",
        "coe-ets-189.art-8",
    } <= set(real_references.citing("coe-ets-185.art-14"))


def test_real_protocols_refer_to_their_conventions(real_references: References) -> None:
    def refs(pid: str) -> list[tuple[str, str]]:
        return _refs(real_references, pid)

    assert ("the Convention", "coe-ets-185") in refs("coe-ets-189.art-1")
    assert ("Articles 1", "coe-ets-185.art-1") in refs("coe-ets-189.art-8")
    assert ("Articles 2", "coe-ets-189.art-2") in refs("coe-ets-189.art-8")
    assert ("Article 13", "coe-ets-108.art-13") in refs("coe-ets-181.art-1")
    assert ("Article 3", "coe-ets-030.art-3") in refs("coe-ets-182.art-8")
    # "Article 13 of the Second Additional Protocol to this Convention", in ETS 30
    assert ("Article 13", "coe-ets-182.art-13") in refs("coe-ets-030.art-15")


def test_real_human_rights_and_extradition_references(real_references: References) -> None:
    """The conventions ETS 185 and the mutual-assistance treaties cite now lead somewhere."""
    preamble = _refs(real_references, "coe-ets-185.preamble")
    assert (
        "Convention for the Protection of Human Rights and Fundamental Freedoms",
        "coe-ets-005",
    ) in preamble
    assert ("International Covenant on Civil and Political Rights", "un-iccpr") in preamble
    article_15 = {target for _, target in _refs(real_references, "coe-ets-185.art-15")}
    assert {"coe-ets-005", "un-iccpr"} <= article_15
    assert "coe-ets-185.art-15" in real_references.citing_document("coe-ets-005")
    article_24 = {target for _, target in _refs(real_references, "coe-ets-185.art-24")}
    assert "coe-ets-024" in article_24
    assert "coe-ets-185.art-24" in real_references.citing_document("coe-ets-024")


def test_real_optional_protocol_refers_to_its_own_articles(real_references: References) -> None:
    """ "article 1" in the ICCPR's Optional Protocol is the Protocol's own Article 1."""
    targets = {target for _, target in _refs(real_references, "un-iccpr.op1-art-2")}
    assert "un-iccpr.op1-art-1" in targets
    assert "un-iccpr.art-1" not in targets


def test_real_names(real_references: References) -> None:
    assert ("ETS No. 30", "coe-ets-030") in _refs(real_references, "coe-ets-185.art-39")
    assert "coe-ets-185.art-39" in real_references.citing_document("coe-ets-030")
    assert "coe-ets-181.preamble" in real_references.citing_document("coe-ets-108")
    # "Article 20.d. of the Statute of the Council of Europe" is not Article 20.
    assert real_references.of("coe-ets-185.art-37") == []


def test_real_references_resolve(
    real_references: References, real_documents: dict[str, Document]
) -> None:
    count = 0
    for document in real_documents.values():
        for passage in document.passages:
            for reference in real_references.of(document.passage_id(passage)):
                count += 1
                assert reference.text == passage.text[reference.start : reference.end]
                target = real_documents[reference.source_id]
                if reference.anchor is not None:
                    assert reference.anchor in {p.anchor for p in target.passages}
    assert count > 200


def test_real_references_are_quick(real_documents: dict[str, Document]) -> None:
    References(real_documents)  # the first build compiles the patterns
    started = time.perf_counter()
    References(real_documents)
    assert time.perf_counter() - started < 0.25
