"""Why a passage matched (kb/search/explain.py), on its own and on every hit of a search."""

from __future__ import annotations

import re

import pytest

from kb.models import STATUS_TEXT, Document, Passage
from kb.search import Library, SearchRequest, SearchResult, Snapshot, search
from kb.search.explain import (
    FIELD_NAMES,
    HOWS,
    MAX_WORDS,
    Clues,
    Explanation,
    Reason,
    explain,
)
from kb.search.matching import Concept, Prefixed
from kb.search.request import MAX_PER_PAGE
from kb.search.snippets import AnalysedText
from kb.search.terms import stems
from kb.search.themes import Vocabulary
from tests.worlds import make_source
from tests.worlds.published import (
    CHARTER,
    DECLARATION,
    HARBOUR,
    LANTERN,
    PROPOSAL,
    REEF,
    TRANSCRIPT,
    write_generation,
)

MLA_THEME = "Mutual legal assistance"
BORDER_THEME = "Cross-border access"


def run(snapshot: Snapshot, q: str = "", **fields: object) -> SearchResult:
    return search(snapshot, SearchRequest(q=q, per_page=MAX_PER_PAGE, **fields))  # type: ignore[arg-type]


def reasons(result: SearchResult, hit_id: str) -> tuple[Reason, ...]:
    """The reasons of one hit of ``result``; fails if the passage was not found."""
    hits = {hit.id: hit for hit in result.hits}
    assert hit_id in hits, f"{hit_id} not among {list(hits)}"
    return hits[hit_id].explanation.reasons


def fields(**texts: str) -> dict[str, AnalysedText]:
    """Analysed fields for explain(), in the order given."""
    return {name: AnalysedText.of(text) for name, text in texts.items()}


def word(label: str) -> Concept:
    """The concept of one typed word or phrase, with no synonyms."""
    return Concept(label, (stems(label),))


# --- explain() on its own ---------------------------------------------------------------------


def test_a_word_as_typed_is_exact() -> None:
    found = explain(fields(text="Keepers trim the wicks."), [word("keepers")], Clues())
    assert found.reasons == (Reason("exact", "keepers", ("keepers",), ("text",)),)
    assert found.summary == "“keepers” in the text"


def test_case_does_not_make_a_word_a_form_of_itself() -> None:
    found = explain(fields(text="KEEPERS trim the wicks."), [word("Keepers")], Clues())
    assert [r.how for r in found.reasons] == ["exact"]
    assert found.reasons[0].matched == ("keepers",)  # the text's word, lower-cased
    assert found.reasons[0].query == "Keepers"  # the query as typed


def test_another_form_of_the_word_is_stemming() -> None:
    found = explain(fields(text="Each keeper trims a wick."), [word("keepers")], Clues())
    assert found.reasons == (Reason("stemming", "keepers", ("keeper",), ("text",)),)
    assert found.summary == "“keeper” in the text, a form of “keepers”"


def test_exact_and_stemming_in_one_passage_are_two_reasons_exact_first() -> None:
    found = explain(
        fields(heading="Article 3 – Preservation of logbooks", text="A logbook is kept."),
        [word("logbook")],
        Clues(),
    )
    assert found.reasons == (
        Reason("exact", "logbook", ("logbook",), ("text",)),
        Reason("stemming", "logbook", ("logbooks",), ("heading",)),
    )


def test_each_place_is_named_once_and_each_word_once() -> None:
    found = explain(
        fields(heading="Keepers", text="Keepers, keepers and more keepers."),
        [word("keepers")],
        Clues(),
    )
    assert found.reasons == (Reason("exact", "keepers", ("keepers",), ("heading", "text")),)
    assert found.summary == "“keepers” in the heading and the text"


def test_a_synonym_names_its_theme() -> None:
    concept = Concept("MLA", (("mla",), ("mutual", "legal", "assist"), ("mutual", "assist")))
    found = explain(
        fields(text="The Parties afford mutual assistance."),
        [concept],
        Clues(synonym_themes={("mla",): MLA_THEME}),
    )
    assert found.reasons == (
        Reason("synonym", "MLA", ("mutual assistance",), ("text",), MLA_THEME),
    )
    assert found.summary == (
        "“mutual assistance” in the text, a synonym of “MLA” (theme Mutual legal assistance)"
    )


def test_a_synonym_without_a_known_theme_names_none() -> None:
    concept = Concept("MLA", (("mla",), ("mutual", "assist")))
    found = explain(fields(text="mutual assistance"), [concept], Clues())
    assert found.reasons[0].theme is None
    assert "(theme" not in found.summary


def test_the_typed_word_and_a_synonym_of_it_in_one_passage() -> None:
    concept = Concept("MLA", (("mla",), ("mutual", "assist")))
    found = explain(
        fields(text="MLA, that is mutual assistance."),
        [concept],
        Clues(synonym_themes={("mla",): MLA_THEME}),
    )
    assert [(r.how, r.matched, r.theme) for r in found.reasons] == [
        ("exact", ("mla",), None),
        ("synonym", ("mutual assistance",), MLA_THEME),
    ]


def test_a_prefix_names_the_words_it_expanded_to() -> None:
    prefixed = Prefixed("quiet", ("quiet", "quietud", "quieter"), False)
    found = explain(
        fields(heading="Quiet hours", text="The quietude of keepers."), [prefixed], Clues()
    )
    assert found.reasons == (
        Reason("prefix", "quiet*", ("quiet", "quietude"), ("heading", "text")),
    )
    assert found.summary == "“quiet” and “quietude” in the heading and the text, matching “quiet*”"


def test_a_term_the_passage_does_not_hold_gives_no_reason() -> None:
    passage = fields(text="Buoys are painted red.")
    assert explain(passage, [word("keepers")], Clues()) == Explanation()
    assert explain(passage, [Prefixed("keep", ("keeper",), False)], Clues()).reasons == ()


def test_a_phrase_with_stop_words_between_is_found_as_written() -> None:
    concept = Concept('"mutual assistance"', (("mutual", "assist"),))
    found = explain(fields(text="Mutual and\n  the assistance."), [concept], Clues())
    # the quotes of a phrase are not part of what was asked for
    assert found.reasons == (
        Reason("stemming", "mutual assistance", ("mutual and the assistance",), ("text",)),
    )


def test_at_most_a_few_words_are_named() -> None:
    text = " ".join(f"signal{suffix}" for suffix in ("", "s", "led", "ling", "ler", "lers"))
    expansion = tuple(dict.fromkeys(s for w in text.split() for s in stems(w)))
    found = explain(fields(text=text), [Prefixed("signal", expansion, False)], Clues())
    assert len(found.reasons[0].matched) == MAX_WORDS


def test_theme_phrases_are_looked_for_wherever_the_theme_filter_finds_them() -> None:
    clues = Clues(
        theme=BORDER_THEME,
        theme_phrases=(stems("cross border"), stems("transborder"), stems("publicly visible")),
    )
    found = explain(
        fields(
            heading="Lights beyond the line",
            text="A transborder light that is publicly visible.",
            title="Convention on cross-border lanterns",
        ),
        [],
        clues,
    )
    # the passage holds the theme's phrases itself: the title need not be named
    assert found.reasons == (
        Reason("theme", BORDER_THEME, ("transborder", "publicly visible"), ("text",)),
    )
    assert (
        found.summary
        == "Theme Cross-border access: “transborder” and “publicly visible” in the text"
    )
    by_title = explain(
        fields(heading="Lights", text="A light.", title="Convention on cross-border lanterns"),
        [],
        clues,
    )
    assert by_title.reasons == (Reason("theme", BORDER_THEME, ("cross-border",), ("title",)),)


def test_the_title_is_named_only_when_the_passage_itself_lacks_the_word() -> None:
    both = explain(fields(text="keepers", title="Keepers' charter"), [word("keepers")], Clues())
    assert both.reasons == (Reason("exact", "keepers", ("keepers",), ("text",)),)
    title_only = explain(
        fields(text="lights", title="Keepers' charter"), [word("keepers")], Clues()
    )
    assert title_only.reasons == (Reason("exact", "keepers", ("keepers",), ("title",)),)


def test_no_theme_reason_when_no_phrase_of_the_theme_is_there() -> None:
    clues = Clues(theme=BORDER_THEME, theme_phrases=(("transbord",),))
    assert explain(fields(text="Buoys are red."), [], clues).reasons == ()


def test_definition_article_and_name_come_after_the_terms_in_that_order() -> None:
    clues = Clues(
        theme=BORDER_THEME,
        theme_phrases=(("transbord",),),
        defines="tide table",
        articles=("Article 1", "Article 5"),
        named="Tide Charter",
    )
    found = explain(fields(text="A transborder tide table."), [word("tide")], clues)
    assert [r.how for r in found.reasons] == [
        "exact",
        "theme",
        "definition",
        "article",
        "article",
        "name",
    ]
    assert found.summary == (
        "“tide” in the text; theme Cross-border access: “transborder” in the text; "
        "defines “tide table”; Article 1 is named in the query; "
        "Article 5 is named in the query; part of Tide Charter, named in the query"
    )


def test_where_lists_the_places_in_the_order_of_field_names() -> None:
    found = explain(
        fields(speakers="Keeper Ann", path="Keepers", text="keepers", heading="Keepers"),
        [Prefixed("keeper", ("keeper",), False)],
        Clues(),
    )
    assert found.reasons[0].where == ("heading", "text", "path", "speakers")


def test_where_of_a_term_lists_the_places_in_the_order_of_field_names() -> None:
    found = explain(
        fields(speakers="Keepers", path="Keepers", text="keepers", heading="Keepers"),
        [word("keepers")],
        Clues(),
    )
    assert found.reasons[0].where == ("heading", "text", "path", "speakers")


# --- Reason and Explanation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (Reason("exact", "keepers", ("keepers",), ("text",)), "“keepers” in the text"),
        (
            Reason("stemming", "lanterns", ("lantern",), ("text", "title")),
            "“lantern” in the text and the document's title, a form of “lanterns”",
        ),
        (
            Reason("synonym", "MLA", ("mutual assistance",), ("heading",), MLA_THEME),
            "“mutual assistance” in the heading, a synonym of “MLA” "
            "(theme Mutual legal assistance)",
        ),
        (
            Reason("prefix", "sig*", ("signal", "signals", "sign"), ("path",)),
            "“signal”, “signals” and “sign” in the headings above it, matching “sig*”",
        ),
        (
            Reason("exact", "Bram", ("bram",), ("heading", "text", "path", "title", "speakers")),
            "“bram” in the heading, the text, the headings above it, the document's title "
            "and the speakers",
        ),
        (
            Reason("theme", BORDER_THEME, ("trans-border",), ("text",)),
            "theme Cross-border access: “trans-border” in the text",
        ),
        (Reason("definition", "tide table"), "defines “tide table”"),
        (Reason("article", "Article 7"), "Article 7 is named in the query"),
        (Reason("name", "Harbour Treaty"), "part of Harbour Treaty, named in the query"),
    ],
)
def test_reason_texts(reason: Reason, text: str) -> None:
    assert reason.how in HOWS
    assert set(reason.where) <= set(FIELD_NAMES)
    assert reason.text == text


def test_explanation_summary_joins_the_reasons_and_starts_with_a_capital() -> None:
    explanation = Explanation((Reason("article", "Article 7"), Reason("name", "Harbour Treaty")))
    assert explanation.summary == (
        "Article 7 is named in the query; part of Harbour Treaty, named in the query"
    )
    assert Explanation((Reason("name", "Harbour Treaty"),)).summary.startswith("Part of")


def test_empty_explanation() -> None:
    assert Explanation().summary == ""
    assert Explanation().to_json() == {"summary": "", "reasons": []}


def test_to_json() -> None:
    reason = Reason("synonym", "MLA", ("mutual assistance",), ("text",), MLA_THEME)
    assert reason.to_json() == {
        "how": "synonym",
        "query": "MLA",
        "matched": ["mutual assistance"],
        "where": ["text"],
        "theme": MLA_THEME,
        "concept": None,
        "text": reason.text,
    }
    explanation = Explanation((reason,))
    assert explanation.to_json() == {"summary": explanation.summary, "reasons": [reason.to_json()]}


# --- every how, on the invented corpus -------------------------------------------------------


def test_exact(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "keepers"), f"{LANTERN}.art-3")
    assert found == (Reason("exact", "keepers", ("keepers",), ("text",)),)


def test_stemming_plural_typed_singular_in_the_text(snapshot: Snapshot) -> None:
    # Harbour Treaty Article 2: "A lantern may replace a flag after sunset."
    found = reasons(run(snapshot, "lanterns"), f"{HARBOUR}.art-2")
    assert found == (Reason("stemming", "lanterns", ("lantern",), ("text",)),)
    assert found[0].text == "“lantern” in the text, a form of “lanterns”"


def test_stemming_singular_typed_plural_in_the_text(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "logbook"), f"{HARBOUR}.art-7")
    assert found == (Reason("stemming", "logbook", ("logbooks",), ("text",)),)


def test_exact_and_stemming_in_the_heading_and_text(snapshot: Snapshot) -> None:
    # "Article 3 – Preservation of logbooks": "... their logbooks ... A logbook records ..."
    found = reasons(run(snapshot, "logbook"), f"{LANTERN}.art-3")
    assert found == (
        Reason("exact", "logbook", ("logbook",), ("text",)),
        Reason("stemming", "logbook", ("logbooks",), ("heading", "text")),
    )


def test_synonym_names_the_theme(snapshot: Snapshot) -> None:
    result = run(snapshot, "MLA")
    article = reasons(result, f"{LANTERN}.art-4")
    assert article == (
        Reason("synonym", "MLA", ("mutual assistance",), ("heading", "text"), MLA_THEME),
    )
    assert article[0].text == (
        "“mutual assistance” in the heading and the text, a synonym of “MLA” "
        "(theme Mutual legal assistance)"
    )
    turns = reasons(result, f"{TRANSCRIPT}.turns-1")
    assert turns == (Reason("synonym", "MLA", ("mutual legal assistance",), ("text",), MLA_THEME),)


def test_each_spelling_of_cross_border_explained(snapshot: Snapshot) -> None:
    result = run(snapshot, "cross-border")
    assert reasons(result, f"{PROPOSAL}.policy-questions") == (
        Reason("exact", "cross-border", ("cross-border",), ("heading", "text")),
    )
    assert reasons(result, f"{LANTERN}.art-5") == (
        Reason("synonym", "cross-border", ("transborder",), ("text",), BORDER_THEME),
    )
    assert reasons(result, f"{TRANSCRIPT}.turns-2") == (
        Reason("synonym", "cross-border", ("trans-border",), ("text",), BORDER_THEME),
    )


def test_prefix(snapshot: Snapshot) -> None:
    result = run(snapshot, "quiet*")
    assert reasons(result, f"{LANTERN}.art-2") == (
        Reason("prefix", "quiet*", ("quietude",), ("heading",)),
    )
    assert reasons(result, f"{HARBOUR}.art-3") == (
        Reason("prefix", "quiet*", ("quiet",), ("heading",)),
    )
    assert (
        reasons(result, f"{LANTERN}.art-6")[0].text == "“quietude” in the text, matching “quiet*”"
    )


def test_theme_filter_lists_the_theme_phrases_found(snapshot: Snapshot) -> None:
    result = run(snapshot, theme="cross-border")
    assert reasons(result, f"{LANTERN}.art-5") == (
        Reason("theme", BORDER_THEME, ("transborder", "publicly visible"), ("text",)),
    )
    assert reasons(result, f"{PROPOSAL}.policy-questions") == (
        Reason("theme", BORDER_THEME, ("cross-border",), ("heading", "text")),
    )
    assert reasons(result, f"{TRANSCRIPT}.turns-2")[0].text == (
        "theme Cross-border access: “trans-border” in the text"
    )


def test_theme_filter_with_a_query_explains_both(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "keepers", theme="cross-border"), f"{LANTERN}.art-5")
    assert found == (
        Reason("stemming", "keepers", ("keeper",), ("text",)),
        Reason("theme", BORDER_THEME, ("transborder", "publicly visible"), ("text",)),
    )


def test_theme_shown_instead_of_a_query_explains_the_theme(snapshot: Snapshot) -> None:
    result = run(snapshot, "letters rogatory")  # no passage: the "mla" theme is shown
    assert result.answered is not None and result.answered.theme == "mla"
    assert reasons(result, f"{LANTERN}.art-4") == (
        Reason("theme", MLA_THEME, ("mutual assistance",), ("heading", "text")),
    )


def test_a_corrected_query_is_explained_in_the_corrected_words(snapshot: Snapshot) -> None:
    result = run(snapshot, "lanterm")
    assert result.searched_instead == "lantern"
    assert reasons(result, f"{HARBOUR}.art-2") == (
        Reason("exact", "lantern", ("lantern",), ("text",)),
    )


def test_article_named(snapshot: Snapshot) -> None:
    result = run(snapshot, "Article 7 wick")
    assert reasons(result, f"{LANTERN}.art-7") == (
        Reason("exact", "wick", ("wick",), ("text",)),
        Reason("article", "Article 7"),
    )
    # pinned though it holds no "wick": the article is the whole reason
    harbour = reasons(result, f"{HARBOUR}.art-7")
    assert harbour == (Reason("article", "Article 7"),)
    assert harbour[0].text == "Article 7 is named in the query"
    # found by "wick" alone: no article reason
    assert reasons(result, f"{TRANSCRIPT}.turns-3") == (
        Reason("exact", "wick", ("wick",), ("text",)),
    )


def test_article_of_a_named_instrument(snapshot: Snapshot) -> None:
    result = run(snapshot, "Art. 7 Tidewater Treaty")
    first = result.hits[0]
    assert first.id == f"{HARBOUR}.art-7"
    hows = [r.how for r in first.explanation.reasons]
    assert hows[-2:] == ["article", "name"]
    assert first.explanation.reasons[-2:] == (
        Reason("article", "Article 7"),
        Reason("name", "Harbour Treaty"),  # the instrument's short title, whatever alias
    )
    # the other passages of the instrument are part of it, but not the article named
    other = reasons(result, f"{HARBOUR}.art-2")
    assert Reason("name", "Harbour Treaty") in other
    assert all(r.how != "article" for r in other)


@pytest.mark.parametrize("q", ["Tidewater Treaty", "HT-16", "harbour treaty"])
def test_instrument_named_browses_and_says_so(snapshot: Snapshot, q: str) -> None:
    result = run(snapshot, q)
    assert result.mode == "browse"
    assert result.total == 9
    for hit in result.hits:
        assert hit.explanation.reasons == (Reason("name", "Harbour Treaty"),)
        assert hit.explanation.summary == "Part of Harbour Treaty, named in the query"


def test_definition(definitions_snapshot: Snapshot) -> None:
    result = run(definitions_snapshot, "tide table")
    charter = reasons(result, f"{CHARTER}.art-1")
    assert charter[-1] == Reason("definition", "tide table")
    assert charter[-1].text == "defines “tide table”"
    assert reasons(result, f"{REEF}.art-1")[-1] == Reason("definition", "tide table")
    # a passage that uses the term without defining it
    assert all(r.how != "definition" for r in reasons(result, f"{CHARTER}.art-2"))


def test_definition_of_a_bracketed_term(definitions_snapshot: Snapshot) -> None:
    result = run(definitions_snapshot, "port warden")
    assert reasons(result, f"{CHARTER}.art-1") == (
        Reason("exact", "port", ("port",), ("text",)),
        Reason("exact", "warden", ("warden",), ("text",)),
        Reason("definition", "port warden"),
    )


def test_definition_named_as_the_instrument_writes_it(definitions_snapshot: Snapshot) -> None:
    result = run(definitions_snapshot, "definition of tide tables")
    assert reasons(result, f"{CHARTER}.art-1")[-1] == Reason("definition", "tide table")


# --- where the words were -----------------------------------------------------------------------


def test_words_only_in_the_title_say_the_documents_title(snapshot: Snapshot) -> None:
    # Lantern Convention Article 2 says nothing of conventions; its title does
    found = reasons(run(snapshot, "convention"), f"{LANTERN}.art-2")
    assert found == (Reason("exact", "convention", ("convention",), ("title",)),)
    assert found[0].text == "“convention” in the document's title"


def test_an_alias_is_part_of_the_title(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "tidewater"), f"{HARBOUR}.art-5")
    assert found == (Reason("exact", "tidewater", ("tidewater",), ("title",)),)


def test_metadata_only_record_is_explained_by_its_title(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "beacon"), f"{DECLARATION}.about")
    assert found == (Reason("exact", "beacon", ("beacon",), ("title",)),)


def test_words_in_the_headings_above(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "chapter"), f"{LANTERN}.art-4")
    assert found == (Reason("exact", "chapter", ("chapter",), ("path",)),)
    assert found[0].text == "“chapter” in the headings above it"


def test_words_in_the_speakers(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, "Cora"), f"{TRANSCRIPT}.turns-2")
    assert found == (Reason("exact", "Cora", ("cora",), ("text", "speakers")),)


def test_every_passage_found_by_a_name_says_why(snapshot: Snapshot) -> None:
    result = run(snapshot, "Bram")
    assert {hit.document.id for hit in result.hits} == {PROPOSAL, TRANSCRIPT}
    for hit in result.hits:
        assert hit.explanation.reasons, hit.id


# --- what is never a reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    ["keepers -lantern", "keepers NOT lantern", "keepers OR -lantern", "keepers AND NOT lantern"],
)
def test_a_negated_word_is_never_a_reason(snapshot: Snapshot, q: str) -> None:
    result = run(snapshot, q)
    assert result.total > 0
    for hit in result.hits:
        for reason in hit.explanation.reasons:
            assert reason.query.lower() != "lantern"
            assert not any("lantern" in w for w in reason.matched)
        assert "lantern" not in hit.explanation.summary.lower()


def test_negated_word_present_in_a_hit_is_still_not_a_reason(snapshot: Snapshot) -> None:
    # "keepers OR -lantern" keeps the Lantern Convention's keepers, whose title says lantern
    found = reasons(run(snapshot, "keepers OR -lantern"), f"{LANTERN}.art-8")
    assert found == (Reason("exact", "keepers", ("keepers",), ("text",)),)


def test_browsing_with_no_query_explains_nothing(snapshot: Snapshot) -> None:
    for result in (run(snapshot), run(snapshot, sources=(HARBOUR,)), run(snapshot, "   ")):
        assert result.mode == "browse"
        assert result.hits
        for hit in result.hits:
            assert hit.explanation == Explanation()
            assert hit.explanation.summary == ""


def test_filters_in_the_query_are_not_reasons(snapshot: Snapshot) -> None:
    result = run(snapshot, "wick kind:treaty")
    assert reasons(result, f"{LANTERN}.art-7") == (Reason("exact", "wick", ("wick",), ("text",)),)


# --- reason texts are plain text ----------------------------------------------------------------


TAG = re.compile(r"</?[a-z]+[ >]")


@pytest.mark.parametrize(
    ("q", "theme"),
    [
        ("keepers", None),
        ("MLA", None),
        ("quiet*", None),
        ("Article 7 wick", None),
        ("Harbour Treaty", None),
        ('"crews keepers"', None),
        ("script alert", None),
        ("", "cross-border"),
    ],
)
def test_reason_texts_are_plain_text(snapshot: Snapshot, q: str, theme: str | None) -> None:
    result = run(snapshot, q, theme=theme)
    assert result.hits
    for hit in result.hits:
        summary = hit.explanation.summary
        assert summary
        assert "<mark>" not in summary and not TAG.search(summary)
        assert "&amp;" not in summary and "&lt;" not in summary and "&quot;" not in summary
        joined = "; ".join(r.text for r in hit.explanation.reasons)
        assert summary == joined[:1].upper() + joined[1:]


def test_text_is_quoted_as_written_not_escaped(snapshot: Snapshot) -> None:
    found = reasons(run(snapshot, '"crews keepers"'), f"{PROPOSAL}.description")
    assert found == (Reason("exact", "crews keepers", ("crews & keepers",), ("text",)),)
    assert found[0].text == "“crews & keepers” in the text"


def test_hits_carry_their_explanation_as_json(snapshot: Snapshot) -> None:
    hit = run(snapshot, "MLA").hits[0]
    data = hit.explanation.to_json()
    assert data["summary"] == hit.explanation.summary
    assert [r["how"] for r in data["reasons"]] == ["synonym"]
    assert data["reasons"][0]["theme"] == MLA_THEME


# --- a theme found only in a document's title --------------------------------------------------


@pytest.fixture(scope="module")
def ferry_snapshot(tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary) -> Snapshot:
    """One proposal whose title alone says "transborder" (a phrase of the cross-border theme)."""
    source = make_source(
        "ferry-proposal",
        kind="igf-proposal",
        title="Workshop: transborder ferries",
        short_title="IGF 2020 WS 9",
        year=2020,
    )
    passages = [Passage("description", "Description", "Ferries cross the bay at dawn.")]
    root = tmp_path_factory.mktemp("ferry")
    write_generation(root, [Document(source, STATUS_TEXT, passages)])
    return Library(root, vocabulary).snapshot()


def test_a_query_word_found_in_the_title_only(ferry_snapshot: Snapshot) -> None:
    found = reasons(run(ferry_snapshot, "transborder"), "ferry-proposal.description")
    assert found == (Reason("exact", "transborder", ("transborder",), ("title",)),)


def test_a_passage_in_the_theme_by_its_title_says_why(ferry_snapshot: Snapshot) -> None:
    result = run(ferry_snapshot, theme="cross-border")
    assert [hit.id for hit in result.hits] == ["ferry-proposal.description"]
    theme = [r for r in result.hits[0].explanation.reasons if r.how == "theme"]
    assert theme and theme[0].query == BORDER_THEME
    assert theme[0].matched == ("transborder",)
