"""Searching a published index (kb/search/searcher.py and friends) over an invented corpus."""

from __future__ import annotations

import gc
import itertools
import threading
import time
import weakref
from dataclasses import replace
from pathlib import Path

import pytest

from kb.models import STATUS_TEXT, Document, Passage
from kb.search import (
    InvalidRequest,
    Library,
    QueryTimeout,
    SearchRequest,
    SearchResult,
    Snapshot,
    search,
)
from kb.search.matching import MAX_PREFIX_TERMS
from kb.search.query import MAX_QUERY_CHARS, MAX_TERMS
from kb.search.request import MAX_DEPTH, MAX_PER_PAGE
from kb.search.themes import Vocabulary, load_themes
from tests.worlds import make_source
from tests.worlds.published import (
    CHARTER,
    DECLARATION,
    HARBOUR,
    KINDS,
    LANTERN,
    PROPOSAL,
    REEF,
    SOURCE_IDS,
    TRANSCRIPT,
    YEARS,
    make_documents,
    passage_ids,
    write_generation,
)

EVERY_ID = [i for d in make_documents() for i in passage_ids(d)]


def run(snapshot: Snapshot, q: str = "", **fields: object) -> SearchResult:
    return search(snapshot, SearchRequest(q=q, **fields))  # type: ignore[arg-type]


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def source_of(passage_id: str) -> str:
    return passage_id.partition(".")[0]


def everything(snapshot: Snapshot, q: str = "", **fields: object) -> SearchResult:
    return run(snapshot, q, per_page=MAX_PER_PAGE, **fields)


def sources(result: SearchResult) -> set[str]:
    return {hit.document.id for hit in result.hits}


# --- plain words: all of them first, else any ---------------------------------------------


def test_one_word(snapshot: Snapshot) -> None:
    result = everything(snapshot, "quietude")
    assert result.mode == "all"
    assert result.read_as == "quietude"
    assert result.notes == ()
    assert set(ids(result)) == {
        f"{LANTERN}.art-2",
        f"{LANTERN}.art-6",
        f"{PROPOSAL}.policy-questions",
    }
    assert result.total == 3


def test_all_words_when_enough_passages_have_them(snapshot: Snapshot) -> None:
    result = everything(snapshot, "lantern keepers")
    assert result.mode == "all"
    assert result.read_as == "lantern AND keepers"
    assert result.total == len(result.hits) >= 3
    for hit in result.hits:
        assert hit.passage is not None
        words = f"{hit.document.source.title} {hit.passage.label} {hit.passage.text}".lower()
        assert "lantern" in words and "keeper" in words


def test_words_that_never_meet_fall_back_to_any_word(snapshot: Snapshot) -> None:
    result = everything(snapshot, "ninety pennants")
    assert result.mode == "any"
    assert result.read_as == "ninety OR pennants"
    assert result.notes == ("no passage has all the words; passages with most of them come first",)
    assert set(ids(result)) == {f"{LANTERN}.art-3", f"{HARBOUR}.art-2"}


def test_passages_with_all_the_words_come_before_those_with_some(snapshot: Snapshot) -> None:
    result = everything(snapshot, "logbooks quietude")
    assert result.mode == "any"
    assert result.notes == ("few passages have all the words; passages with some of them follow",)
    # only the proposal's policy questions have both words; it comes first
    assert ids(result)[0] == f"{PROPOSAL}.policy-questions"
    assert result.total == 6  # 4 with logbooks, 3 with quietude, 1 with both


def test_only_stop_words(snapshot: Snapshot) -> None:
    result = run(snapshot, "the of and")
    assert result.total == 0
    assert result.hits == ()
    assert result.notes == ("the query has only very common words; nothing was searched",)


# --- ranking: section labels and titles weigh more than the text ----------------------------


def test_section_label_match_ranks_above_text_matches(snapshot: Snapshot) -> None:
    result = everything(snapshot, "quietude")
    # "Article 2 – Quietude": the word only in the label
    assert ids(result)[0] == f"{LANTERN}.art-2"
    assert result.hits[0].score > result.hits[1].score


def test_title_match_ranks_above_text_only_matches(snapshot: Snapshot) -> None:
    result = everything(snapshot, "harbour")
    harbour = [hit for hit in result.hits if hit.document.id == HARBOUR]
    others = [hit for hit in result.hits if hit.document.id != HARBOUR]
    assert len(harbour) == 9  # every passage of the "Treaty on Harbour Signals"
    assert f"{PROPOSAL}.description" in {h.id for h in others}  # "harbour crews" in its text
    # the title weighs twice the text: a title match beats a text match of a word as
    # common in the text as "harbour" is in the titles (the proposal's one mention is
    # rarer, so it may rank first: BM25's idf is per field)
    text_only = [h for h in others if h.id != f"{PROPOSAL}.description"]
    assert all(min(h.score for h in harbour) > h.score for h in text_only)
    assert ids(result)[0] in {f"{PROPOSAL}.description", *(h.id for h in harbour)}


def test_metadata_only_document_is_found_by_its_title(snapshot: Snapshot) -> None:
    result = run(snapshot, "beacon")
    assert ids(result) == [f"{DECLARATION}.about"]
    hit = result.hits[0]
    assert hit.passage is None
    assert hit.snippet == ""
    assert hit.matched_terms == ()
    assert hit.document.status == "metadata-only"


def test_a_title_ranks_its_metadata_only_document_between_own_words_and_inherited_titles(
    snapshot: Snapshot,
) -> None:
    # "lights" is in the Lantern Convention's own words, in the title of the proposal's
    # three sections, and in the title of the declaration, known by its metadata alone
    order = ids(everything(snapshot, "lights"))
    assert [source_of(i) for i in order] == [LANTERN, LANTERN, DECLARATION, *[PROPOSAL] * 3]


# --- articles and instrument names ----------------------------------------------------------


def test_article_number_puts_the_articles_first(snapshot: Snapshot) -> None:
    result = everything(snapshot, "Article 7")
    assert set(ids(result)[:2]) == {f"{LANTERN}.art-7", f"{HARBOUR}.art-7"}
    assert "Article 7 named: that article comes first" in result.notes


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("Art. 7 Harbour Treaty", f"{HARBOUR}.art-7"),
        ("Article 7 Tidewater Treaty", f"{HARBOUR}.art-7"),
        ("art 7 HT-16", f"{HARBOUR}.art-7"),
        ("Article 7 Lantern Convention", f"{LANTERN}.art-7"),
        ("Convention 77 Art. 7", f"{LANTERN}.art-7"),
        ("Art. 3 Lantern Convention", f"{LANTERN}.art-3"),
    ],
)
def test_article_of_a_named_instrument_comes_first(snapshot: Snapshot, q: str, first: str) -> None:
    result = everything(snapshot, q)
    assert ids(result)[0] == first
    other = HARBOUR if first.startswith(LANTERN) else LANTERN
    assert f"{other}.art-7" not in ids(result)
    assert any(note.endswith("named: that article comes first") for note in result.notes)


def test_article_first_even_without_the_other_words(snapshot: Snapshot) -> None:
    result = everything(snapshot, "Article 7 wick")
    assert result.read_as == "wick"
    assert ids(result)[0] == f"{LANTERN}.art-7"  # pinned and holds "wick"
    assert ids(result)[1] == f"{HARBOUR}.art-7"  # pinned, though it has no "wick"
    assert ids(result)[2:] == [f"{TRANSCRIPT}.turns-3"]  # "wick", no article
    assert result.total == 3


@pytest.mark.parametrize(
    ("q", "source"),
    [
        ("Harbour Treaty", HARBOUR),
        ("harbour   TREATY", HARBOUR),
        ("Tidewater Treaty", HARBOUR),
        ("HT-16", HARBOUR),
        ("Lantern Convention", LANTERN),
        ("Convention 77", LANTERN),
        ("Beacon Declaration", DECLARATION),
    ],
)
def test_query_that_is_an_alias_browses_that_document(
    snapshot: Snapshot, documents: dict[str, Document], q: str, source: str
) -> None:
    result = everything(snapshot, q)
    assert result.mode == "browse"
    assert result.notes == ("the query names an instrument: its passages in document order",)
    assert ids(result) == passage_ids(documents[source])
    assert result.total == len(passage_ids(documents[source]))


def test_alias_inside_a_longer_query_is_not_a_browse(snapshot: Snapshot) -> None:
    result = everything(snapshot, "Harbour Treaty pilots")
    assert result.mode != "browse"
    assert ids(result)[0] == f"{HARBOUR}.art-4"


# --- synonyms --------------------------------------------------------------------------------


def test_abbreviation_finds_the_phrase_it_stands_for(snapshot: Snapshot) -> None:
    result = everything(snapshot, "MLA")
    assert result.mode == "all"
    assert result.read_as == '("mutual legal assistance" OR "mutual assistance" OR MLA)'
    # Article 4 says only "mutual assistance", the transcript "mutual legal assistance"
    assert set(ids(result)) == {f"{LANTERN}.art-4", f"{TRANSCRIPT}.turns-1"}
    first = result.hits[0]
    assert first.id == f"{LANTERN}.art-4"
    assert "<mark>mutual</mark> <mark>assistance</mark>" in first.snippet


def test_phrase_synonym_finds_the_abbreviation_group(snapshot: Snapshot) -> None:
    result = everything(snapshot, "mutual assistance")
    assert set(ids(result)) == {f"{LANTERN}.art-4", f"{TRANSCRIPT}.turns-1"}


def test_cross_border_finds_every_spelling(snapshot: Snapshot) -> None:
    result = everything(snapshot, "cross-border")
    assert set(ids(result)) == {
        f"{PROPOSAL}.policy-questions",  # cross-border
        f"{LANTERN}.art-5",  # transborder
        f"{TRANSCRIPT}.turns-2",  # Trans-border
    }
    transborder = next(h for h in result.hits if h.id == f"{LANTERN}.art-5")
    assert "<mark>transborder</mark>" in transborder.snippet
    assert "transborder" in result.read_as


def test_one_spelling_finds_the_others(snapshot: Snapshot) -> None:
    assert set(ids(everything(snapshot, "transborder"))) == set(
        ids(everything(snapshot, "cross-border"))
    )


def test_a_phrase_in_quotes_is_not_expanded(snapshot: Snapshot) -> None:
    result = everything(snapshot, '"cross-border"')
    assert ids(result) == [f"{PROPOSAL}.policy-questions"]


# --- themes ------------------------------------------------------------------------------------


def test_theme_restricts_the_results(snapshot: Snapshot) -> None:
    plain = everything(snapshot, "lantern")
    themed = everything(snapshot, "lantern", theme="mla")
    assert plain.total == 13
    assert ids(themed) == [f"{LANTERN}.art-4"]  # the only lantern passage on mutual assistance
    assert themed.total == 1
    assert themed.request.filters == {"theme": "mla"}


def test_theme_boosts_the_passages(snapshot: Snapshot) -> None:
    plain = {h.id: h.score for h in everything(snapshot, "keepers").hits}
    themed = everything(snapshot, "keepers", theme="cross-border")
    assert set(ids(themed)) == {f"{LANTERN}.art-5", f"{PROPOSAL}.policy-questions"}
    for hit in themed.hits:
        assert hit.score > plain[hit.id]


def test_empty_query_with_a_theme_ranks_by_the_theme(snapshot: Snapshot) -> None:
    result = everything(snapshot, theme="cross-border")
    assert result.mode == "browse"
    assert set(ids(result)) == {
        f"{LANTERN}.art-5",
        f"{PROPOSAL}.policy-questions",
        f"{TRANSCRIPT}.turns-2",
    }
    scores = [hit.score for hit in result.hits]
    assert all(score > 0 for score in scores)
    assert scores == sorted(scores, reverse=True)
    # not document order: the proposal says "cross-border" in its label as well
    assert ids(result) == [
        f"{PROPOSAL}.policy-questions",
        f"{LANTERN}.art-5",
        f"{TRANSCRIPT}.turns-2",
    ]


def test_theme_score_adds_up_the_phrases_a_passage_uses(snapshot: Snapshot) -> None:
    # Article 5 says "transborder" (a synonym) and "publicly visible" (a related term)
    by_theme = {h.id: h.score for h in everything(snapshot, theme="cross-border").hits}
    by_word = {h.id: h.score for h in everything(snapshot, "transborder").hits}
    article = f"{LANTERN}.art-5"
    assert by_theme[article] > 1.5 * by_word[article]
    # the transcript says only "Trans-border": its theme score is that phrase's alone
    turns = f"{TRANSCRIPT}.turns-2"
    assert by_theme[turns] == pytest.approx(by_word[turns])


def test_theme_with_filters(snapshot: Snapshot) -> None:
    result = everything(snapshot, theme="mla", kinds=("igf-transcript",))
    assert ids(result) == [f"{TRANSCRIPT}.turns-1"]
    assert result.facets["kind"] == {"igf-transcript": 1, "treaty": 1}


def test_unknown_theme_is_an_invalid_request(snapshot: Snapshot) -> None:
    with pytest.raises(InvalidRequest) as caught:
        run(snapshot, "lantern", theme="tides")
    assert caught.value.param == "theme"
    assert "mla" in caught.value.message and "cross-border" in caught.value.message


def test_query_naming_a_theme_with_no_hits_shows_the_theme(snapshot: Snapshot) -> None:
    # "letters rogatory" is a related term of the "mla" theme that no passage uses
    result = everything(snapshot, "letters rogatory")
    assert set(ids(result)) == {f"{LANTERN}.art-4", f"{TRANSCRIPT}.turns-1"}
    assert result.notes[-1] == (
        "no passage matched 'letters rogatory'; showing the theme 'Mutual legal assistance'"
    )
    assert result.request.q == "letters rogatory"
    assert result.request.theme is None


# --- did you mean -------------------------------------------------------------------------------


def test_misspelt_word_with_no_hits_searches_the_suggestion(snapshot: Snapshot) -> None:
    result = everything(snapshot, "lanterm")
    assert result.suggestion == "lantern"
    assert result.searched_instead == "lantern"
    assert "no passage matched 'lanterm'; showing results for 'lantern'" in result.notes
    assert ids(result) == ids(everything(snapshot, "lantern"))
    assert result.total == 13
    assert result.request.q == "lanterm"


def test_misspelt_word_among_hits_is_only_suggested(snapshot: Snapshot) -> None:
    result = everything(snapshot, "lanterm OR pennants")
    assert result.suggestion == "lantern OR pennants"
    assert result.searched_instead is None
    assert ids(result) == [f"{HARBOUR}.art-2"]


def test_several_misspelt_words(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepr flagz")
    assert result.suggestion == "keeper flags"
    assert result.searched_instead == "keeper flags"
    assert result.total > 0


def test_misspelt_word_inside_a_phrase(snapshot: Snapshot) -> None:
    result = everything(snapshot, '"lanterm keepers"')
    assert result.searched_instead == '"lantern keepers"'
    assert f"{PROPOSAL}.expected-outcomes" in ids(result)


def test_known_words_have_no_suggestion(snapshot: Snapshot) -> None:
    result = run(snapshot, "lantern")
    assert result.suggestion is None and result.searched_instead is None


def test_filters_and_prefixes_are_not_corrected(snapshot: Snapshot) -> None:
    assert run(snapshot, "speaker:lanterm").suggestion is None
    assert run(snapshot, "lanterm*").suggestion is None


# --- snippets ------------------------------------------------------------------------------------


def test_snippet_marks_the_matched_words(snapshot: Snapshot) -> None:
    result = run(snapshot, "pennants flags")
    hit = result.hits[0]
    assert hit.id == f"{HARBOUR}.art-2"
    assert "<mark>flags</mark>" in hit.snippet
    assert "<mark>pennants</mark>" in hit.snippet
    assert "<mark>flag</mark>" in hit.snippet  # "flag" and "flags" share their stem
    assert set(hit.matched_terms) == {"flags", "pennants", "flag"}


def test_matched_terms_include_the_section_label(snapshot: Snapshot) -> None:
    hit = run(snapshot, "quietude").hits[0]
    assert hit.id == f"{LANTERN}.art-2"
    assert hit.matched_terms == ("quietude",)
    assert "<mark>" not in hit.snippet  # only the label matched: the text's lead
    assert hit.snippet.startswith("Each Party shall adopt")


def test_snippet_is_escaped_html(snapshot: Snapshot) -> None:
    hit = run(snapshot, "pilots warned").hits[0]
    assert hit.id == f"{PROPOSAL}.description"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet
    assert "crews &amp; keepers" in hit.snippet
    assert "<script" not in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "<mark>Pilots</mark>" in hit.snippet
    assert hit.passage is not None and "<script>" in hit.passage.text  # kept as it is


def test_snippet_found_beyond_forty_thousand_characters(snapshot: Snapshot) -> None:
    hit = run(snapshot, "driftwood").hits[0]
    assert hit.id == f"{HARBOUR}.art-9"
    assert hit.passage is not None
    assert hit.passage.text.index("driftwood") > 40_000
    assert "<mark>driftwood</mark>" in hit.snippet
    assert hit.snippet.startswith("…")
    assert hit.matched_terms == ("driftwood",)
    assert len(hit.snippet) < 600


def test_no_snippets_when_not_asked(snapshot: Snapshot) -> None:
    result = run(snapshot, "driftwood", snippets=False)
    assert result.hits[0].snippet == ""
    assert result.hits[0].matched_terms == ("driftwood",)


def test_browse_snippets_are_leads(snapshot: Snapshot) -> None:
    result = run(snapshot, sources=(HARBOUR,), page=1, per_page=9)
    long = result.hits[-1]
    assert long.id == f"{HARBOUR}.art-9"
    assert "<mark>" not in long.snippet
    assert long.snippet.endswith("…")
    assert len(long.snippet) <= 241


def test_negated_words_are_not_marked(snapshot: Snapshot) -> None:
    result = everything(snapshot, "keepers -lantern")
    assert result.total > 0
    for hit in result.hits:
        assert "<mark>lantern" not in hit.snippet.lower()
        assert "lantern" not in hit.matched_terms


# --- filters and facets ---------------------------------------------------------------------


def test_facets_of_everything(snapshot: Snapshot) -> None:
    result = run(snapshot)
    assert result.total == len(EVERY_ID) == 25
    assert result.facets["kind"] == {
        "treaty": 18,
        "igf-proposal": 3,
        "igf-transcript": 3,
        "declaration": 1,
    }
    # by count, then by name
    assert list(result.facets["source"].items()) == [
        (HARBOUR, 9),
        (LANTERN, 9),
        (TRANSCRIPT, 3),
        (PROPOSAL, 3),
        (DECLARATION, 1),
    ]
    # years newest first
    assert list(result.facets["year"].items()) == [
        ("2021", 3),
        ("2019", 3),
        ("2016", 9),
        ("2012", 1),
        ("2001", 9),
    ]
    # the transcript's turns, and the proposal's three passages for the two people it lists
    assert result.facets["speaker"] == {"Bram Otter": 6, "Ada Quill": 4, "Cora Vane": 1}


def test_facet_counts_are_sorted_by_count(snapshot: Snapshot) -> None:
    for facet in ("kind", "source", "speaker"):
        counts = list(run(snapshot).facets[facet].values())
        assert counts == sorted(counts, reverse=True)


def test_facets_follow_the_query(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers")
    assert result.facets["kind"] == {"treaty": 8, "igf-proposal": 3, "igf-transcript": 1}
    assert result.facets["source"] == {LANTERN: 6, PROPOSAL: 3, HARBOUR: 2, TRANSCRIPT: 1}
    assert result.facets["year"] == {"2021": 1, "2019": 3, "2016": 2, "2001": 6}
    assert sum(result.facets["kind"].values()) == result.total == 12


def test_each_facet_ignores_its_own_filter(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers", sources=(LANTERN,))
    assert result.total == 6
    assert sources(everything(snapshot, "keepers", sources=(LANTERN,))) == {LANTERN}
    # the source facet still counts the other sources ...
    assert result.facets["source"] == {LANTERN: 6, PROPOSAL: 3, HARBOUR: 2, TRANSCRIPT: 1}
    # ... while the others reflect the source filter
    assert result.facets["kind"] == {"treaty": 6}
    assert result.facets["year"] == {"2001": 6}
    assert "speaker" not in result.facets


def test_kind_filter_and_facets(snapshot: Snapshot) -> None:
    result = everything(snapshot, "keepers", kinds=("igf-proposal", "igf-transcript"))
    assert result.total == 4
    assert sources(result) == {PROPOSAL, TRANSCRIPT}
    assert result.facets["kind"] == {"treaty": 8, "igf-proposal": 3, "igf-transcript": 1}
    assert result.facets["source"] == {PROPOSAL: 3, TRANSCRIPT: 1}
    assert result.request.filters == {"kind": ["igf-proposal", "igf-transcript"]}


def test_year_filter(snapshot: Snapshot) -> None:
    result = everything(snapshot, years=(2012, 2019))
    assert sources(result) == {HARBOUR, PROPOSAL, DECLARATION}
    assert result.facets["year"] == {"2021": 3, "2019": 3, "2016": 9, "2012": 1, "2001": 9}
    assert result.facets["source"] == {HARBOUR: 9, PROPOSAL: 3, DECLARATION: 1}


def test_speaker_filter_and_facet(snapshot: Snapshot) -> None:
    result = everything(snapshot, speakers=("Cora Vane",))
    assert ids(result) == [f"{TRANSCRIPT}.turns-2"]
    assert result.facets["speaker"] == {"Bram Otter": 6, "Ada Quill": 4, "Cora Vane": 1}
    assert result.facets["source"] == {TRANSCRIPT: 1}
    either = everything(snapshot, speakers=("Cora Vane", "Ada Quill"))
    proposal = [f"{PROPOSAL}.{a}" for a in ("policy-questions", "description", "expected-outcomes")]
    assert set(ids(either)) == {*proposal, f"{TRANSCRIPT}.turns-1", f"{TRANSCRIPT}.turns-2"}


@pytest.mark.parametrize("speaker", ["Quill", "quill", "ADA QUILL", "a quil"])
def test_a_speaker_filter_finds_the_proposal_that_lists_the_person(
    snapshot: Snapshot, speaker: str
) -> None:
    """A proposal has no turns: the people it lists (organisers, speakers) speak for all
    of it. Any part of the name, in any case, finds them, as in a transcript's turns."""
    found = everything(snapshot, speakers=(speaker,))
    assert sources(found) == {PROPOSAL, TRANSCRIPT}
    assert {h.id for h in found.hits if h.document.id == PROPOSAL} == {
        f"{PROPOSAL}.{a}" for a in ("policy-questions", "description", "expected-outcomes")
    }
    assert [h.id for h in found.hits if h.document.id == TRANSCRIPT] == [f"{TRANSCRIPT}.turns-1"]


def test_filters_combine(snapshot: Snapshot) -> None:
    result = everything(snapshot, "keepers", kinds=("treaty",), years=(2010, 2030))
    assert sources(result) == {HARBOUR}
    assert result.total == 2
    assert result.facets["kind"] == {"treaty": 2, "igf-proposal": 3, "igf-transcript": 1}
    assert result.facets["year"] == {"2016": 2, "2001": 6}


# --- browsing --------------------------------------------------------------------------------


def test_empty_query_lists_everything_in_document_order(snapshot: Snapshot) -> None:
    result = everything(snapshot)
    assert result.mode == "browse"
    assert result.read_as == ""
    assert ids(result) == EVERY_ID
    assert all(hit.score == 0 for hit in result.hits)


def test_empty_query_with_a_source_lists_its_passages_in_order(
    snapshot: Snapshot, documents: dict[str, Document]
) -> None:
    result = everything(snapshot, sources=(TRANSCRIPT, LANTERN))
    assert ids(result) == passage_ids(documents[LANTERN]) + passage_ids(documents[TRANSCRIPT])


# --- paging ------------------------------------------------------------------------------------


def test_pages_concatenate_to_the_whole_list(snapshot: Snapshot) -> None:
    whole = everything(snapshot, "keepers")
    assert whole.total == 12
    pages = [run(snapshot, "keepers", page=p, per_page=5) for p in (1, 2, 3)]
    assert all(page.total == 12 for page in pages)
    assert all(page.pages == 3 for page in pages)
    assert [len(page.hits) for page in pages] == [5, 5, 2]
    joined = [i for page in pages for i in ids(page)]
    # in the order of relevance, the first page shows two passages a document, and the
    # passages it leaves out follow it (tests/search/test_selecting.py)
    assert sorted(joined) == sorted(ids(whole))
    assert len(set(joined)) == len(joined)
    by_year = [run(snapshot, "keepers", page=p, per_page=5, sort="year_desc") for p in (1, 2, 3)]
    assert [i for page in by_year for i in ids(page)] == ids(
        everything(snapshot, "keepers", sort="year_desc")
    )


def test_browse_pages_concatenate(snapshot: Snapshot) -> None:
    joined = [i for p in range(1, 10) for i in ids(run(snapshot, page=p, per_page=3))]
    assert joined == EVERY_ID


def test_page_beyond_the_end_is_empty(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers", page=4, per_page=5)
    assert result.hits == ()
    assert result.total == 12
    assert result.facets["kind"]["treaty"] == 8


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"per_page": MAX_PER_PAGE + 1}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": MAX_DEPTH // 50 + 1, "per_page": 50}, "page"),
        ({"page": MAX_DEPTH + 1, "per_page": 1}, "page"),
        ({"sort": "newest"}, "sort"),
        ({"sort": ""}, "sort"),
        ({"kinds": ("statute",)}, "kind"),
        ({"kinds": ("treaty", "Treaty")}, "kind"),
        ({"sources": ("no-such-source",)}, "source"),
        ({"sources": (LANTERN.upper(),)}, "source"),
    ],
)
def test_invalid_requests(snapshot: Snapshot, fields: dict[str, object], param: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        run(snapshot, "keepers", **fields)
    assert caught.value.param == param
    assert caught.value.message


def test_deepest_page_allowed(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers", page=MAX_DEPTH // MAX_PER_PAGE, per_page=MAX_PER_PAGE)
    assert result.hits == () and result.total == 12


# --- sorting ------------------------------------------------------------------------------------


def test_sort_by_year_descending(snapshot: Snapshot) -> None:
    result = everything(snapshot, sort="year_desc")
    years = [hit.document.source.year for hit in result.hits]
    assert years == sorted(years, reverse=True)
    assert result.total == 25
    # within a year, document order
    assert ids(result)[:3] == [f"{TRANSCRIPT}.turns-{i}" for i in (1, 2, 3)]


def test_sort_by_year_ascending_keeps_relevance_within_a_year(snapshot: Snapshot) -> None:
    result = everything(snapshot, "keepers", sort="year_asc")
    years = [hit.document.source.year for hit in result.hits]
    assert years == sorted(years)
    assert years[0] == YEARS[LANTERN]
    for _, group in itertools.groupby(result.hits, key=lambda h: h.document.source.year):
        scores = [hit.score for hit in group]
        assert scores == sorted(scores, reverse=True)
    assert set(ids(result)) == set(ids(everything(snapshot, "keepers")))


# --- the query language -----------------------------------------------------------------------


def test_or(snapshot: Snapshot) -> None:
    result = everything(snapshot, "pennants OR quietude")
    assert result.mode == "boolean"
    assert result.read_as == "pennants OR quietude"
    assert set(ids(result)) == {f"{HARBOUR}.art-2"} | set(ids(everything(snapshot, "quietude")))


def test_not_and_minus(snapshot: Snapshot) -> None:
    keepers = set(ids(everything(snapshot, "keepers")))
    lantern = set(ids(everything(snapshot, "lantern")))
    not_lantern = everything(snapshot, "keepers NOT lantern")
    assert not_lantern.read_as == "keepers AND NOT lantern"
    assert set(ids(not_lantern)) == keepers - lantern
    assert set(ids(everything(snapshot, "keepers -lantern"))) == keepers - lantern


def test_not_alone_excludes_the_metadata_only_record_too(snapshot: Snapshot) -> None:
    result = everything(snapshot, "NOT keepers")
    assert result.total == 25 - 12
    assert f"{DECLARATION}.about" in ids(result)


def test_phrase_against_words(snapshot: Snapshot) -> None:
    phrase = everything(snapshot, '"mutual assistance"')
    assert ids(phrase) == [f"{LANTERN}.art-4"]
    assert ids(everything(snapshot, '"assistance mutual"')) == []
    words = everything(snapshot, "assistance AND mutual")
    assert set(ids(words)) == {f"{LANTERN}.art-4", f"{TRANSCRIPT}.turns-1"}


def test_prefix(snapshot: Snapshot) -> None:
    result = everything(snapshot, "logb*")
    assert result.mode == "boolean"
    assert result.read_as == "logb*"
    assert set(ids(result)) == {
        f"{LANTERN}.art-3",
        f"{HARBOUR}.art-7",
        f"{TRANSCRIPT}.turns-2",
        f"{PROPOSAL}.policy-questions",
    }


def test_prefix_matches_are_marked(snapshot: Snapshot) -> None:
    hit = run(snapshot, "logb*").hits[0]
    assert hit.id == f"{LANTERN}.art-3"
    assert "<mark>logbooks</mark>" in hit.snippet
    assert "logbooks" in hit.matched_terms


def test_field_filters_in_the_query(snapshot: Snapshot) -> None:
    result = everything(snapshot, "keepers kind:igf-proposal")
    assert result.read_as == "keepers AND kind:igf-proposal"
    assert sources(result) == {PROPOSAL} and result.total == 3
    assert sources(everything(snapshot, f"keepers source:{HARBOUR}")) == {HARBOUR}
    speaker = everything(snapshot, 'speaker:"Bram Otter"')  # he speaks at both sessions
    assert set(ids(speaker)) == {
        *(f"{PROPOSAL}.{a}" for a in ("policy-questions", "description", "expected-outcomes")),
        *(f"{TRANSCRIPT}.turns-{i}" for i in (1, 2, 3)),
    }
    assert ids(everything(snapshot, "speaker:cora")) == [f"{TRANSCRIPT}.turns-2"]


def test_years_in_the_query(snapshot: Snapshot) -> None:
    assert sources(everything(snapshot, "keepers year:2019")) == {PROPOSAL}
    assert sources(everything(snapshot, "keepers year:2016..2020")) == {HARBOUR, PROPOSAL}
    assert sources(everything(snapshot, "keepers year:2016-2021")) == {
        HARBOUR,
        PROPOSAL,
        TRANSCRIPT,
    }
    assert everything(snapshot, "year:1990..1995").total == 0


def test_field_filters_alone_browse_in_document_order(
    snapshot: Snapshot, documents: dict[str, Document]
) -> None:
    result = everything(snapshot, "kind:treaty")
    assert ids(result) == passage_ids(documents[LANTERN]) + passage_ids(documents[HARBOUR])


def test_unknown_values_in_the_query_match_nothing(snapshot: Snapshot) -> None:
    assert run(snapshot, "kind:statute").total == 0
    assert run(snapshot, "source:nowhere keepers").total == 0


def test_grouping(snapshot: Snapshot) -> None:
    either = everything(snapshot, "pennants OR wick")
    assert set(ids(either)) == {f"{HARBOUR}.art-2", f"{LANTERN}.art-7", f"{TRANSCRIPT}.turns-3"}
    # the Lantern Convention's title and the transcript's text say "convention"
    result = everything(snapshot, "(pennants OR wick) -convention")
    assert result.read_as == "(pennants OR wick) AND NOT convention"
    assert ids(result) == [f"{HARBOUR}.art-2"]


def test_malformed_query_is_answered_with_a_note(snapshot: Snapshot) -> None:
    result = everything(snapshot, '"quietude (')
    assert result.mode == "all"
    assert any("read as plain words" in note for note in result.notes)
    assert result.total == 3


# --- a prefix with more words than the cap ------------------------------------------------------

_LETTERS = "bcdfgkmnprtvz"
QUERN = ["quern" + a + b for a, b in itertools.product(_LETTERS, repeat=2)][: MAX_PREFIX_TERMS + 10]


@pytest.fixture(scope="module")
def quern_snapshot(tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary) -> Snapshot:
    """A glossary whose 60 "quern…" words: the first 50 in two passages, 10 in a third."""
    common, rare = QUERN[:MAX_PREFIX_TERMS], QUERN[MAX_PREFIX_TERMS:]
    source = make_source("quern-glossary", title="Glossary of millstones", short_title="Glossary")
    passages = [
        Passage("part-1", "Part 1", " ".join(common)),
        Passage("part-2", "Part 2", " ".join(reversed(common))),
        Passage("part-3", "Part 3", " ".join(rare)),
    ]
    root = tmp_path_factory.mktemp("quern")
    write_generation(root, [Document(source, STATUS_TEXT, passages)])
    return Library(root, vocabulary).snapshot()


def test_prefix_expansion_is_capped_to_the_most_frequent_terms(quern_snapshot: Snapshot) -> None:
    assert len(set(QUERN)) > MAX_PREFIX_TERMS
    result = everything(quern_snapshot, "quern*")
    assert result.read_as == "quern*"
    # the 10 rarest words fell outside the expansion: part 3 is not found
    assert ids(result) == ["quern-glossary.part-1", "quern-glossary.part-2"]
    assert everything(quern_snapshot, QUERN[-1]).total == 1  # yet the word is indexed
    expansion = quern_snapshot.searcher.matcher.prefix("quern")
    assert len(expansion.expansion) == MAX_PREFIX_TERMS
    assert expansion.capped


def test_capped_prefix_is_noted(quern_snapshot: Snapshot) -> None:
    result = everything(quern_snapshot, "quern*")
    assert result.read_as != "quern*" or any("quern" in note for note in result.notes)


# --- cost bounds ----------------------------------------------------------------------------


def no_time(snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot's searcher configured to allow no time at all for a new query."""
    limits = replace(snapshot.searcher.limits, query_seconds=0.0)
    monkeypatch.setattr(snapshot.searcher, "limits", limits)


def test_new_query_past_the_time_limit_raises(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_time(snapshot, monkeypatch)
    with pytest.raises(QueryTimeout):
        run(snapshot, "moonrakers")  # never searched: its postings must be read
    with pytest.raises(QueryTimeout):
        run(snapshot, "buoys OR fog")  # a boolean query checks the time at every node
    monkeypatch.undo()
    assert run(snapshot, "buoys OR fog").total == 2  # the timeout was not remembered


def test_cached_answer_is_served_without_time(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(snapshot, "amendment OR bell")  # asked once: not kept
    first = run(snapshot, "amendment OR bell")  # asked again: kept
    no_time(snapshot, monkeypatch)
    again = run(snapshot, "amendment OR bell")
    assert ids(again) == ids(first) and again.total == 2
    with pytest.raises(QueryTimeout):
        run(snapshot, "amendment OR bell", per_page=3)  # another request is a new query


def test_time_limit_holds_for_each_of_two_concurrent_queries(
    snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query that starts later must not move the deadline of one still running."""
    limit = 0.3
    limits = replace(snapshot.searcher.limits, query_seconds=limit)
    monkeypatch.setattr(snapshot.searcher, "limits", limits)
    matcher = snapshot.searcher.matcher
    read_term = matcher._read
    inside, resume = threading.Event(), threading.Event()

    def slow_read(field: str, term: str):  # type: ignore[no-untyped-def]
        if term == "saltmarsh" and not inside.is_set():
            inside.set()
            resume.wait(5)
        return read_term(field, term)

    monkeypatch.setattr(matcher, "_read", slow_read)
    outcome: list[object] = []

    def first() -> None:
        try:
            outcome.append(run(snapshot, "saltmarsh"))
        except QueryTimeout as error:
            outcome.append(error)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    time.sleep(limit + 0.1)  # the first query is now past its time limit
    run(snapshot, "tidepools")  # a second query starts, and ends
    resume.set()
    thread.join(5)
    assert len(outcome) == 1
    assert isinstance(outcome[0], QueryTimeout)
    assert isinstance(run(snapshot, "tidepools"), SearchResult)  # the second was answered


@pytest.mark.parametrize(
    "q",
    [
        "a*",
        "*",
        "q*",
        "lantern " * 1250,
        "(" * 500 + "lantern" + ")" * 500,
        "(" * 5000,
        '"' * 999,
        " OR ".join(f"w{i}*" for i in range(100)),
        "NOT " * 300 + "lantern",
    ],
)
def test_costly_queries_are_answered_quickly(snapshot: Snapshot, q: str) -> None:
    started = time.perf_counter()
    result = run(snapshot, q)
    assert time.perf_counter() - started < 2.0
    assert result.total >= 0
    assert isinstance(result.read_as, str)


def test_long_query_says_it_was_cut(snapshot: Snapshot) -> None:
    result = run(snapshot, "lantern " * 1250)
    assert f"only the first {MAX_QUERY_CHARS} characters of the query were read" in result.notes
    assert result.total == 13


@pytest.mark.parametrize(
    "q",
    [
        " ".join(["keepers"] * MAX_TERMS + ["pennants"]),  # a 25th word
        "keepers " + "0123456789" * 99 + " pennants",  # a word past 1000 characters
    ],
    ids=["25th-word", "past-1000-characters"],
)
def test_words_past_the_query_limits_are_not_searched(snapshot: Snapshot, q: str) -> None:
    result = everything(snapshot, q)
    assert result.notes  # the parser says what it left out ...
    assert "pennants" not in result.read_as  # ... but the searcher reads it anyway
    assert f"{HARBOUR}.art-2" not in ids(result)


def test_nested_parentheses_query_is_answered_as_words(snapshot: Snapshot) -> None:
    result = run(snapshot, "(" * 500 + "quietude" + ")" * 500)
    assert result.total == 3
    assert any("nested more than" in note for note in result.notes)


def test_bare_star_searches_nothing(snapshot: Snapshot) -> None:
    result = run(snapshot, "*")
    assert result.total == 0
    assert result.notes == ("the query has only very common words; nothing was searched",)


def test_one_letter_prefix_is_answered(snapshot: Snapshot) -> None:
    result = run(snapshot, "a*")
    assert result.read_as == "a*"
    assert result.total > 10


def test_took_ms_is_measured_per_call(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers")
    assert result.took_ms >= 0
    assert run(snapshot, "keepers").hits == result.hits


def test_a_result_timed_again_differs_in_its_time_alone(snapshot: Snapshot) -> None:
    result = run(snapshot, "keepers")
    timed = result.timed(result.took_ms + 12.5)
    assert timed == replace(result, took_ms=result.took_ms + 12.5)
    assert timed.took_ms != result.took_ms  # the result itself (perhaps cached) is unchanged


def test_the_fixture_corpus(documents: dict[str, Document]) -> None:
    assert tuple(documents) == SOURCE_IDS
    assert {d: documents[d].source.kind for d in documents} == KINDS
    assert {d: documents[d].source.year for d in documents} == YEARS


# --- defined terms: their definitions first -----------------------------------------------------

DEFINED_FIRST = "“tide table” is a defined term: its definitions come first"
TIDE_DEFINITIONS = {f"{CHARTER}.art-1", f"{REEF}.art-1"}


def test_a_defined_term_lists_its_definitions_first(definitions_snapshot: Snapshot) -> None:
    result = everything(definitions_snapshot, "tide table")
    assert set(ids(result)[:2]) == TIDE_DEFINITIONS
    assert DEFINED_FIRST in result.notes
    assert result.total == 6
    # first by being definitions, not by their scores: Article 2 uses the term more
    scores = {hit.id: hit.score for hit in result.hits}
    assert max(scores[i] for i in TIDE_DEFINITIONS) < scores[f"{CHARTER}.art-2"]
    assert ids(result)[2] == f"{CHARTER}.art-2"


def test_the_note_names_the_term_as_the_instrument_writes_it(
    definitions_snapshot: Snapshot,
) -> None:
    result = everything(definitions_snapshot, "Tide Tables")
    assert set(ids(result)[:2]) == TIDE_DEFINITIONS
    assert DEFINED_FIRST in result.notes


@pytest.mark.parametrize(
    "q",
    [
        "definition of tide table",
        "tide table definition",
        "what is a tide table",
        "define tide table",
    ],
)
def test_asking_for_a_definition(definitions_snapshot: Snapshot, q: str) -> None:
    result = everything(definitions_snapshot, q)
    assert set(ids(result)[:2]) == TIDE_DEFINITIONS
    assert DEFINED_FIRST in result.notes


def test_a_quoted_phrase_of_the_term(definitions_snapshot: Snapshot) -> None:
    result = everything(definitions_snapshot, '"tide table"')
    assert result.mode == "boolean"
    assert set(ids(result)[:2]) == TIDE_DEFINITIONS
    assert DEFINED_FIRST in result.notes


@pytest.mark.parametrize(
    ("q", "term"),
    [
        ("harbour master", "harbour master"),
        ("meaning of harbour master", "harbour master"),
        ("port warden", "port warden"),  # named in brackets inside another definition
    ],
)
def test_other_defined_terms(definitions_snapshot: Snapshot, q: str, term: str) -> None:
    result = everything(definitions_snapshot, q)
    assert ids(result)[0] == f"{CHARTER}.art-1"
    assert f"{REEF}.art-1" not in ids(result)
    assert f"“{term}” is a defined term: its definitions come first" in result.notes


def test_definitions_first_within_the_filters(definitions_snapshot: Snapshot) -> None:
    result = everything(definitions_snapshot, "tide table", sources=(REEF,))
    assert ids(result) == [f"{REEF}.art-1", f"{REEF}.art-2"]
    assert result.facets["source"] == {CHARTER: 4, REEF: 2}


def test_a_word_of_a_defined_term_is_not_the_term(definitions_snapshot: Snapshot) -> None:
    result = everything(definitions_snapshot, "tide")
    assert not any("defined term" in note for note in result.notes)
    assert ids(result)[0] == f"{CHARTER}.art-2"


def test_a_defined_term_among_operators_is_searched_as_asked(
    definitions_snapshot: Snapshot,
) -> None:
    result = everything(definitions_snapshot, "tide table OR markers")
    assert not any("defined term" in note for note in result.notes)
    assert ids(result)[0] == f"{CHARTER}.art-2"


def test_without_quotes_a_word_followed_by_means_is_no_definition(snapshot: Snapshot) -> None:
    # Lantern Convention Article 1: "a lantern means any lamp kept on a tower"
    result = everything(snapshot, "lantern")
    assert not any("defined term" in note for note in result.notes)
    assert result.notes == ()


# --- phrases of several words, word by word when few passages hold them ---------------------------

RELIEF = "relief-accord"
RELIEF_THEMES = """
version = 1

[[theme]]
id = "relief"
label = "Relief between towers"
description = "Towers helping each other."
synonyms = [["mutual legal assistance", "MLA"], ["assistance", "aid"]]

[[theme]]
id = "weather"
label = "Weather"
description = "Storms and the warnings of them."
synonyms = [["storm warning", "gale warning"]]
"""


@pytest.fixture(scope="module")
def relief_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """An accord whose passages hold a synonym phrase whole, or only a word of it."""
    root = tmp_path_factory.mktemp("relief")
    themes = root / "themes.toml"
    themes.write_text(RELIEF_THEMES, encoding="utf-8")
    source = make_source(RELIEF, title="Accord on Tower Relief", short_title="Relief Accord")
    texts = [
        ("Cooperation", "Towers shall afford one another mutual legal assistance in storms."),
        ("Requests", "Requests for MLA pass through the senior keeper."),
        ("Help", "A keeper may ask a neighbouring tower for aid."),
        ("Disputes", "Legal disputes are settled by the elders."),
        ("Oil", "Lamp oil is stored below the stairs."),
        ("Storms", "A storm warning is raised on the mast."),
        ("Gales", "A gale warning is rung on the bell."),
        ("Flags", "The flag shows a storm warning by day."),
        ("Notices", "Every warning is written in the logbook."),
    ]
    passages = [
        Passage(f"art-{n}", f"Article {n} – {label}", text)
        for n, (label, text) in enumerate(texts, 1)
    ]
    write_generation(root / "index", [Document(source, STATUS_TEXT, passages)])
    return Library(root / "index", load_themes(themes)).snapshot()


def test_few_passages_with_a_phrase_its_words_are_searched_too(relief_snapshot: Snapshot) -> None:
    result = everything(relief_snapshot, "mutual legal assistance")
    assert result.mode == "any"
    assert result.read_as == (
        '("mutual legal assistance" OR MLA) OR mutual OR legal OR (assistance OR aid)'
    )
    # the phrase and its abbreviation first, then a word of it ("legal"), or a synonym
    # of a word of it ("aid" for "assistance")
    assert set(ids(result)[:2]) == {f"{RELIEF}.art-1", f"{RELIEF}.art-2"}
    assert set(ids(result)[2:]) == {f"{RELIEF}.art-3", f"{RELIEF}.art-4"}
    assert result.total == 4
    assert result.notes == ("few passages have all the words; passages with some of them follow",)


def test_a_word_found_by_its_own_synonym_is_explained_and_marked(
    relief_snapshot: Snapshot,
) -> None:
    result = everything(relief_snapshot, "mutual legal assistance")
    aid = next(hit for hit in result.hits if hit.id == f"{RELIEF}.art-3")
    assert aid.explanation.summary == (
        "“aid” in the text, a synonym of “assistance” (theme Relief between towers)"
    )
    assert "<mark>aid</mark>" in aid.snippet
    legal = next(hit for hit in result.hits if hit.id == f"{RELIEF}.art-4")
    assert legal.explanation.summary == "“legal” in the text"
    assert legal.snippet.startswith("<mark>Legal</mark> disputes")


def test_passages_with_the_whole_phrase_outrank_those_with_its_words(
    relief_snapshot: Snapshot,
) -> None:
    # Article 2 says only "MLA", a single word; Article 4 says "legal" (a word typed)
    result = everything(relief_snapshot, "mutual legal assistance")
    position = {hit_id: i for i, hit_id in enumerate(ids(result))}
    assert position[f"{RELIEF}.art-2"] < position[f"{RELIEF}.art-4"]


def test_enough_passages_with_the_phrase_no_words_apart(relief_snapshot: Snapshot) -> None:
    result = everything(relief_snapshot, "storm warning")
    assert result.mode == "all"
    assert result.read_as == '("storm warning" OR "gale warning")'
    assert set(ids(result)) == {f"{RELIEF}.art-6", f"{RELIEF}.art-7", f"{RELIEF}.art-8"}
    assert f"{RELIEF}.art-9" not in ids(result)  # "warning" alone is not enough


def test_a_quoted_phrase_is_never_taken_apart(relief_snapshot: Snapshot) -> None:
    result = everything(relief_snapshot, '"mutual legal assistance"')
    assert ids(result) == [f"{RELIEF}.art-1"]


def test_words_of_a_phrase_synonym_in_any_mode(snapshot: Snapshot) -> None:
    result = everything(snapshot, "mutual assistance")
    assert result.mode == "any"
    assert result.read_as == (
        '("mutual legal assistance" OR "mutual assistance" OR MLA) OR mutual OR assistance'
    )
    assert set(ids(result)) == {f"{LANTERN}.art-4", f"{TRANSCRIPT}.turns-1"}


def test_words_of_a_phrase_with_their_synonyms_after_other_words(snapshot: Snapshot) -> None:
    # "cross-border" is one word: nothing to take apart, "pilots" stays as it is
    result = everything(snapshot, "cross-border pilots")
    assert result.mode == "any"
    assert result.read_as == '("cross-border" OR "trans-border" OR transborder) OR pilots'


def test_a_replaced_generation_is_let_go_without_waiting_for_the_garbage_collector(
    tmp_path: Path, vocabulary: Vocabulary
) -> None:
    """Hits explain themselves lazily; that must not tie a searcher to its cached results
    in a cycle, or a worker would hold a replaced generation's files open for a while."""
    write_generation(tmp_path, make_documents())
    library = Library(tmp_path, vocabulary)
    snapshot = library.snapshot()
    result = search(snapshot, SearchRequest(q="keepers"))
    assert result.hits[0].explanation.reasons  # asked for, and cached with the hit
    searcher = weakref.ref(snapshot.searcher)
    gc.disable()
    try:
        del snapshot, result
        library._snapshot = None  # what a new generation does to the one it replaces
        assert searcher() is None
    finally:
        gc.enable()
