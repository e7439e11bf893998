"""Defined terms: found in invented instruments of the real layout, then in the real mirror.

The invented "Lantern Convention" defines its terms the way the real treaties do
(lettered lists, sub-items, "the term" inside numbered paragraphs, a bracketed second
term, every quote style); every sentence here is invented. The mirror tests read the
real texts at run time and assert facts checked against them.
"""

from __future__ import annotations

import time

import pytest

from kb.config import Settings
from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library
from kb.search.definitions import Definition, Glossary, definitions_in, term_stems
from kb.search.terms import stems
from tests.worlds import make_source

LANTERN, PROTOCOL, BUOYS, PROPOSAL = (
    "lantern-convention",
    "lantern-protocol",
    "buoy-treaty",
    "lights-proposal",
)

LANTERN_ARTICLE_1 = (
    "For the purposes of this Convention:\n\n"
    'a) "beacon data" means any logbook entry about a lamp lit by a keeper;\n\n'
    "b) “tower keeper” means:\n\n"
    "(i) any person who tends a lantern at night, and\n\n"
    "(ii) any person who holds the keys of a tower;\n\n"
    "c) ‘‘harbour signal’’ shall mean any flag or light shown at a pier;\n\n"
    "d) 'signal data' includes any record of a harbour signal;\n\n"
    'e) "lamp   operator" shall include any keeper on duty.'
)
LANTERN_ARTICLE_2 = (
    "1. Each Party shall keep beacon data for ninety days.\n\n"
    '2. For the purpose of this article, the term "logbook entry" means any line written '
    "in a logbook that records:\n\n"
    "a) the hour a flame was lit;\n\n"
    "b) the name of the keeper and of the tower;\n\n"
    "c) the ships seen from the gallery.\n\n"
    "3. For the purpose of paragraph 2, the term “night” shall include the hours between "
    "dusk and dawn.\n\n"
    "4. A Party may keep logbooks longer."
)
LANTERN_ARTICLE_3 = (
    "For the purposes of this article:\n\n"
    'a."keeper record" means any note about a keeper who can be named ("named keeper");\n\n'
    'b."flame file" means any set of flames kept in one place.'
)
LANTERN_ARTICLE_4 = (
    "Tower keepers shall share beacon data with other towers, but not signal or content "
    "data. Each harbour signal shall be written down, and every Tower  Keeper shall sign."
)


def _article(number: int, text: str, *, available: bool = True) -> Passage:
    return Passage(f"art-{number}", f"Article {number}", text, text_available=available)


def lantern() -> Document:
    source = make_source(
        LANTERN,
        title="Convention on Lantern Keeping (LTS No. 77)",
        short_title="Lantern Convention",
        aliases=("LTS No. 77",),
    )
    passages = [
        Passage("preamble", "Preamble", "The keepers, mindful of beacon data, agree."),
        _article(1, LANTERN_ARTICLE_1),
        _article(2, LANTERN_ARTICLE_2),
        _article(3, LANTERN_ARTICLE_3),
        _article(4, LANTERN_ARTICLE_4),
        _article(5, '"ghost light" means a lamp that nobody lit.', available=False),
    ]
    return Document(source, STATUS_TEXT, passages)


def protocol() -> Document:
    source = make_source(
        PROTOCOL,
        title="Additional Protocol to the Convention on Lantern Keeping, on fog (LTS No. 91)",
        short_title="First Additional Protocol to the Lantern Convention",
    )
    passages = [
        _article(
            1,
            "1. For the purposes of this Protocol: “storm warning” means any horn sounded "
            "in fog.\n\n"
            "2. The other terms of this Protocol have the meaning the Convention gives them.",
        ),
        _article(2, "Each storm warning shall be kept with the beacon data of the tower."),
        _article(3, '"harbour signal" means a horn only.\n\nKeepers share each harbour signal.'),
        _article(4, "A keeper record of the protocol Parties is kept too."),
    ]
    return Document(source, STATUS_TEXT, passages)


def buoys() -> Document:
    source = make_source(BUOYS, title="Treaty on Buoys", short_title="Buoy Treaty")
    passages = [
        _article(
            1,
            '"signal" means a light on a buoy; "signal flag" means a flag on a buoy.\n\n'
            "The colours are red and green.\n\n"
            "2. Each buoy shows one signal flag.",
        ),
        _article(2, "Each buoy shall show a signal flag, and at night a signal."),
    ]
    return Document(source, STATUS_TEXT, passages)


def proposal() -> Document:
    source = make_source(PROPOSAL, kind="igf-proposal", title="Workshop on lights")
    text = '"beacon data" means whatever the speakers say it means.'
    return Document(source, STATUS_TEXT, [Passage("description", "Description", text)])


def make_documents() -> dict[str, Document]:
    return {d.id: d for d in (lantern(), protocol(), buoys(), proposal())}


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return make_documents()


@pytest.fixture(scope="module")
def glossary(documents: dict[str, Document]) -> Glossary:
    return Glossary(documents)


def _terms(definitions: list[Definition]) -> list[tuple[str, str, str]]:
    return [(d.source_id, d.anchor, d.term) for d in definitions]


def _find(definitions: list[Definition], term: str) -> Definition:
    return next(d for d in definitions if d.term == term)


# Finding definitions -----------------------------------------------------------------------


def test_definitions_of_an_instrument_in_text_order_with_every_quote_style() -> None:
    assert _terms(definitions_in(lantern())) == [
        (LANTERN, "art-1", "beacon data"),
        (LANTERN, "art-1", "tower keeper"),
        (LANTERN, "art-1", "harbour signal"),
        (LANTERN, "art-1", "signal data"),
        (LANTERN, "art-1", "lamp operator"),
        (LANTERN, "art-2", "logbook entry"),
        (LANTERN, "art-2", "night"),
        (LANTERN, "art-3", "keeper record"),
        (LANTERN, "art-3", "named keeper"),
        (LANTERN, "art-3", "flame file"),
    ]


def test_a_clause_starts_at_the_term_and_stops_at_the_next_item() -> None:
    found = definitions_in(lantern())
    assert _find(found, "beacon data").text == (
        '"beacon data" means any logbook entry about a lamp lit by a keeper;'
    )
    assert _find(found, "harbour signal").text.startswith("‘‘harbour signal’’ shall mean")
    assert (
        _find(found, "lamp operator").text == '"lamp   operator" shall include any keeper on duty.'
    )


def test_sub_items_of_another_kind_belong_to_the_clause() -> None:
    keeper = _find(definitions_in(lantern()), "tower keeper")
    assert keeper.text == (
        "“tower keeper” means:\n\n"
        "(i) any person who tends a lantern at night, and\n\n"
        "(ii) any person who holds the keys of a tower;"
    )


def test_the_term_in_a_numbered_paragraph_takes_its_lettered_items() -> None:
    found = definitions_in(lantern())
    entry = _find(found, "logbook entry")
    assert entry.text.startswith('the term "logbook entry" means any line')
    assert entry.text.endswith("c) the ships seen from the gallery.")
    assert "a) the hour" in entry.text and "b) the name" in entry.text
    assert "3." not in entry.text
    night = _find(found, "night")
    assert night.text == "the term “night” shall include the hours between dusk and dawn."


def test_a_bracketed_term_in_a_clause_is_defined_by_the_same_clause() -> None:
    found = definitions_in(lantern())
    record, named = _find(found, "keeper record"), _find(found, "named keeper")
    assert record.text == named.text
    assert record.text == (
        '"keeper record" means any note about a keeper who can be named ("named keeper");'
    )
    assert named.passage_id == f"{LANTERN}.art-3"


def test_a_definition_in_the_middle_of_a_numbered_paragraph() -> None:
    (warning, _) = definitions_in(protocol())[:2]
    assert warning.term == "storm warning"
    assert warning.text == "“storm warning” means any horn sounded in fog."


def test_two_definitions_in_one_paragraph_split_it() -> None:
    signal, flag = definitions_in(buoys())
    assert signal.text == '"signal" means a light on a buoy;'
    assert flag.text == ('"signal flag" means a flag on a buoy.\n\nThe colours are red and green.')


def test_only_treaties_and_declarations_and_only_available_text() -> None:
    assert definitions_in(proposal()) == []
    declaration = Document(
        make_source("beacon-declaration", kind="declaration"),
        STATUS_TEXT,
        [Passage("text", "Text", "In this Declaration, “beacon” means a fire on a hill.")],
    )
    assert _terms(definitions_in(declaration)) == [("beacon-declaration", "text", "beacon")]
    assert "ghost light" not in {d.term for d in definitions_in(lantern())}


def test_definition_identity_and_stems() -> None:
    beacon = _find(definitions_in(lantern()), "beacon data")
    assert beacon.passage_id == f"{LANTERN}.art-1"
    assert term_stems(beacon) == stems("beacon data") == stems("Beacon  Data")
    with pytest.raises(AttributeError):
        beacon.term = "other"  # type: ignore[misc]


def test_text_that_only_looks_like_a_definition() -> None:
    source = make_source("quiet-treaty")
    texts = [
        "The keepers (hereinafter referred to as “the Keepers”) agree.",  # no verb
        'The keeper\'s "lamp" is lit by means of a match.',  # "means of", not "means"
        'A "" means nothing and "  " means nothing either.',  # no word in the quotes
        "Each Party's lamp means a great deal to it.",  # no quotes at all
    ]
    document = Document(source, STATUS_TEXT, [_article(i, t) for i, t in enumerate(texts)])
    assert definitions_in(document) == []


# Glossary.defining -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "beacon data",
        "Beacon Data",
        "BEACON DATA",
        "definition of beacon data",
        "beacon data definition",
        "definitions: beacon data",
        "what is beacon data",
        "meaning of beacon data",
        "define beacon data",
        '"beacon data"',
        "the term beacon data",
    ],
)
def test_defining_reads_the_term_a_query_asks_for(glossary: Glossary, query: str) -> None:
    assert _terms(glossary.defining(query)) == [(LANTERN, "art-1", "beacon data")]


def test_defining_plurals_and_other_forms(glossary: Glossary) -> None:
    assert _terms(glossary.defining("tower keepers")) == [(LANTERN, "art-1", "tower keeper")]
    assert _terms(glossary.defining("What are logbook entries?")) == [
        (LANTERN, "art-2", "logbook entry")
    ]


def test_defining_lists_every_definition_in_document_order(glossary: Glossary) -> None:
    assert _terms(glossary.defining("harbour signals")) == [
        (LANTERN, "art-1", "harbour signal"),
        (PROTOCOL, "art-3", "harbour signal"),
    ]


@pytest.mark.parametrize(
    "query", ["", "   ", "means", "definition", "beacon", "data", "beacon data keeper", "<b>"]
)
def test_defining_nothing(glossary: Glossary, query: str) -> None:
    assert glossary.defining(query) == []


def test_glossary_definitions_are_in_document_order(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    expected = [d for document in documents.values() for d in definitions_in(document)]
    assert list(glossary.definitions) == expected
    assert isinstance(glossary.definitions, tuple)


def test_defining_is_cheap(glossary: Glossary) -> None:
    started = time.perf_counter()
    for _ in range(2_000):
        glossary.defining("definition of beacon data")
    assert time.perf_counter() - started < 0.5


def test_defining_returns_a_copy(glossary: Glossary) -> None:
    glossary.defining("beacon data").clear()
    assert len(glossary.defining("beacon data")) == 1


# Glossary.used_in --------------------------------------------------------------------------


def _used(glossary: Glossary, documents: dict[str, Document], source: str, anchor: str):
    document = documents[source]
    passage = next(p for p in document.passages if p.anchor == anchor)
    return _terms(glossary.used_in(document, passage))


def test_used_in_finds_whole_phrases_in_order_of_first_use(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    # "signal or content data" is not "signal data"; "Tower  Keeper" is "tower keeper".
    assert _used(glossary, documents, LANTERN, "art-4") == [
        (LANTERN, "art-1", "tower keeper"),
        (LANTERN, "art-1", "beacon data"),
        (LANTERN, "art-1", "harbour signal"),
    ]


def test_used_in_leaves_out_what_the_passage_itself_defines(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    # Article 1 uses "logbook entry" and "night" (Article 2) and its own "harbour signal".
    assert _used(glossary, documents, LANTERN, "art-1") == [
        (LANTERN, "art-2", "logbook entry"),
        (LANTERN, "art-2", "night"),
    ]
    assert _used(glossary, documents, LANTERN, "art-2") == [(LANTERN, "art-1", "beacon data")]


def test_used_in_takes_the_parents_definitions_where_a_protocol_has_none(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    assert _used(glossary, documents, PROTOCOL, "art-2") == [
        (PROTOCOL, "art-1", "storm warning"),
        (LANTERN, "art-1", "beacon data"),
    ]
    assert _used(glossary, documents, PROTOCOL, "art-4") == [(LANTERN, "art-3", "keeper record")]


def test_a_protocols_own_definition_wins_over_its_parents(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    document = documents[PROTOCOL]
    passage = Passage("art-9", "Article 9", "Every harbour signal is logged.")
    assert _terms(glossary.used_in(document, passage)) == [(PROTOCOL, "art-3", "harbour signal")]


def test_the_longest_term_wins(glossary: Glossary, documents: dict[str, Document]) -> None:
    assert _used(glossary, documents, BUOYS, "art-2") == [
        (BUOYS, "art-1", "signal flag"),
        (BUOYS, "art-1", "signal"),
    ]


def test_used_in_outside_instruments_and_without_terms(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    # A proposal's own "definitions" are not read; it has no parent to borrow from.
    assert _used(glossary, documents, PROPOSAL, "description") == []
    assert _used(glossary, documents, LANTERN, "preamble") == [(LANTERN, "art-1", "beacon data")]


def test_used_in_is_cached_per_passage_and_returns_copies(
    glossary: Glossary, documents: dict[str, Document]
) -> None:
    document = documents[LANTERN]
    passage = document.passages[4]
    first = glossary.used_in(document, passage)
    first.clear()
    assert glossary.used_in(document, passage) != []
    assert document.passage_id(passage) in glossary._used


def test_hostile_text_is_read_quickly(documents: dict[str, Document]) -> None:
    word = "x" * 20_000
    hostile = (
        f'<script>alert("beacon data")</script> {word} "{word}" means '
        + '"' * 5_000
        + "'a' " * 2_000
        + " beacon data"
        + "\n\n".join(f"{letter}) <b>" for letter in "abc" * 500)
    )
    document = Document(
        make_source("hostile-treaty", title="Protocol to the Lantern Convention"),
        STATUS_TEXT,
        [_article(1, hostile), _article(2, word + ' "beacon data" means <i>x</i>')],
    )
    started = time.perf_counter()
    glossary = Glossary({**documents, document.id: document})
    used = glossary.used_in(document, document.passages[0])
    assert time.perf_counter() - started < 2
    assert _terms(definitions_in(document)) == [("hostile-treaty", "art-2", "beacon data")]
    assert _terms(used) == [("hostile-treaty", "art-2", "beacon data")]


# The real mirror ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_documents(mirror_settings: Settings) -> dict[str, Document]:
    return Library(mirror_settings.index_root).snapshot().documents


@pytest.fixture(scope="module")
def real_glossary(real_documents: dict[str, Document]) -> Glossary:
    return Glossary(real_documents)


def _real_passage(documents: dict[str, Document], source: str, anchor: str) -> Passage:
    return next(p for p in documents[source].passages if p.anchor == anchor)


def test_real_definitions(real_glossary: Glossary) -> None:
    assert _terms(list(real_glossary.definitions)) == [
        ("coe-ets-185", "art-1", "computer system"),
        ("coe-ets-185", "art-1", "computer data"),
        ("coe-ets-185", "art-1", "service provider"),
        ("coe-ets-185", "art-1", "traffic data"),
        ("coe-ets-185", "art-9", "child pornography"),
        ("coe-ets-185", "art-9", "minor"),
        ("coe-ets-185", "art-18", "subscriber information"),
        ("coe-ets-189", "art-2", "racist and xenophobic material"),
        ("coe-ets-108", "art-2", "personal data"),
        ("coe-ets-108", "art-2", "data subject"),
        ("coe-ets-108", "art-2", "automated data file"),
        ("coe-ets-108", "art-2", "automatic processing"),
        ("coe-ets-108", "art-2", "controller of the file"),
        ("coe-ets-024", "art-25", "detention order"),
    ]


def test_real_clauses(real_glossary: Glossary, real_documents: dict[str, Document]) -> None:
    found = list(real_glossary.definitions)
    for definition in found:  # each clause is a piece of its passage, starting at its term
        passage = _real_passage(real_documents, definition.source_id, definition.anchor)
        assert definition.text in passage.text
        assert definition.text == definition.text.strip()
    subscriber = _find(found, "subscriber information")
    assert subscriber.text.startswith('the term "subscriber information" means')
    assert (
        "\n\na)" in subscriber.text and "\n\nb)" in subscriber.text and "\n\nc)" in subscriber.text
    )
    assert "identity" in subscriber.text  # its sub-item b)
    provider = _find(found, "service provider")
    assert "(i)" in provider.text and "(ii)" in provider.text and "d)" not in provider.text
    assert "\n\nc)" in _find(found, "child pornography").text
    assert "\n\n3." not in _find(found, "child pornography").text
    assert "\n\n2." not in _find(found, "racist and xenophobic material").text
    assert _find(found, "personal data").text == _find(found, "data subject").text
    assert "b." not in _find(found, "personal data").text


def test_real_defining(real_glossary: Glossary) -> None:
    assert real_glossary.defining("traffic data")[0].passage_id == "coe-ets-185.art-1"
    assert real_glossary.defining("definition of service providers")[0].term == "service provider"
    assert [d.passage_id for d in real_glossary.defining("data subjects")] == ["coe-ets-108.art-2"]


def test_real_used_in(real_glossary: Glossary, real_documents: dict[str, Document]) -> None:
    def used(source: str, anchor: str) -> list[tuple[str, str, str]]:
        document = real_documents[source]
        return _terms(
            real_glossary.used_in(document, _real_passage(real_documents, source, anchor))
        )

    assert ("coe-ets-185", "art-1", "traffic data") in used("coe-ets-185", "art-16")
    # Article 18 defines "subscriber information" and speaks of "traffic or content data".
    article_18 = {term for _, _, term in used("coe-ets-185", "art-18")}
    assert "service provider" in article_18
    assert not article_18 & {"subscriber information", "traffic data"}
    # ETS 181 defines nothing: the terms come from ETS 108, the convention it supplements.
    assert {
        ("coe-ets-108", "art-2", "personal data"),
        ("coe-ets-108", "art-2", "data subject"),
    } <= set(used("coe-ets-181", "art-2"))
    assert ("coe-ets-185", "art-1", "computer system") in used("coe-ets-189", "art-3")
    assert used("coe-ets-185", "art-1") == []


def test_real_glossary_is_quick(real_documents: dict[str, Document]) -> None:
    started = time.perf_counter()
    glossary = Glossary(real_documents)
    for document in real_documents.values():
        for passage in document.passages:
            glossary.used_in(document, passage)
    assert time.perf_counter() - started < 1
