"""Matching and scoring over one index (kb/search/matching.py), through its public names.

A tiny invented index, built with kb.ingest's schema and analysis, holds a charter whose
passages use "beacon" in a heading, once, twice and once among many words, a transcript
of signal flags with speakers, and a declaration without text; a second one holds a
glossary of 60 "marl…" words, more than a prefix may expand to. The searches over the
whole invented corpus are in test_searcher.py.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Phrase as WhooshPhrase
from whoosh.searching import Searcher as WhooshSearcher

from kb.ingest.publish import build_generation
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage
from kb.search.columns import Columns, read_columns
from kb.search.matching import (
    ALL_FIELDS,
    MAX_PREFIX_TERMS,
    Concept,
    Match,
    Matcher,
    Prefixed,
    QueryTimeout,
    Synonyms,
)
from kb.search.terms import stem, stems
from tests.worlds import make_source

CHARTER, TRANSCRIPT, DECLARATION = "beacon-charter", "flag-transcript", "bell-declaration"
SOURCE_ORDER = [CHARTER, TRANSCRIPT, DECLARATION]
LABEL, ONCE, TWICE, AMONG_MANY = (f"{CHARTER}.art-{n}" for n in range(1, 5))
FLAGS, APART = f"{TRANSCRIPT}.turns-1", f"{TRANSCRIPT}.turns-2"
ABOUT = f"{DECLARATION}.about"
BEACON = stem("beacon")
GROUPS = [
    ("mutual legal assistance", "mutual assistance", "MLA"),
    ("cross-border", "trans-border", "transborder"),
]


def harbour_documents() -> list[Document]:
    charter = make_source(
        CHARTER,
        title="Charter on Harbour Beacons",
        short_title="Beacon Charter",
        aliases=("Lighthouse Charter",),
        year=2005,
    )
    transcript = make_source(
        TRANSCRIPT,
        kind="igf-transcript",
        title="Transcript: Flags at dawn",
        short_title="IGF 2010 WS 7",
        year=2010,
    )
    declaration = make_source(
        DECLARATION,
        kind="declaration",
        title="Declaration on Harbour Bells",
        short_title="Bell Declaration",
        year=2012,
    )
    return [
        Document(
            charter,
            STATUS_TEXT,
            [
                Passage("art-1", "Article 1 – Beacons", "The keeper trims the wick."),
                Passage("art-2", "Article 2 – Lamps", "A beacon burns beside the harbour wall."),
                Passage(
                    "art-3", "Article 3 – Bells", "A beacon answers a beacon across the harbour."
                ),
                Passage(
                    "art-4",
                    "Article 4 – Records",
                    "A beacon is noted in the log. "
                    + "The keeper writes the hour, the weather and the ships seen. " * 6,
                ),
            ],
        ),
        Document(
            transcript,
            STATUS_TEXT,
            [
                Passage(
                    "turns-1",
                    "Turns 1-2",
                    "ADA QUILL: The signal flags went up. BRAM OTTER: Mutual assistance came.",
                    speakers=("Ada Quill", "Bram Otter"),
                ),
                Passage(
                    "turns-2",
                    "Turns 3",
                    "CORA VANE: Flags on the mast, and a signal from the pier.",
                    speakers=("Cora Vane",),
                ),
            ],
        ),
        Document(declaration, STATUS_METADATA_ONLY, []),
    ]


_LETTERS = "bcdfgkmnprtvz"
MARL = ["marl" + a + b for a, b in itertools.product(_LETTERS, repeat=2)][: MAX_PREFIX_TERMS + 10]


def glossary() -> Document:
    """The first MAX_PREFIX_TERMS "marl…" words in two passages, the other ten in one."""
    common, rare = MARL[:MAX_PREFIX_TERMS], MARL[MAX_PREFIX_TERMS:]
    source = make_source("marl-glossary", title="Glossary of soils", short_title="Glossary")
    return Document(
        source,
        STATUS_TEXT,
        [
            Passage("part-1", "Part 1", " ".join(common)),
            Passage("part-2", "Part 2", " ".join(reversed(common))),
            Passage("part-3", "Part 3", " ".join(rare)),
        ],
    )


def open_index(root: Path, documents: list[Document]) -> Iterator[WhooshSearcher]:
    generation = build_generation(root, documents, key={"test": 1})
    searcher = whoosh_index.open_dir(str(generation.whoosh_dir)).searcher()
    try:
        yield searcher
    finally:
        searcher.close()


@pytest.fixture(scope="module")
def harbour_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhooshSearcher]:
    yield from open_index(tmp_path_factory.mktemp("matching"), harbour_documents())


@pytest.fixture(scope="module")
def columns(harbour_index: WhooshSearcher) -> Columns:
    return read_columns(harbour_index, SOURCE_ORDER)


@pytest.fixture
def matcher(harbour_index: WhooshSearcher, columns: Columns) -> Matcher:
    """A new matcher for each test: nothing read, nothing cached."""
    return Matcher(harbour_index, columns, Synonyms(GROUPS))


@pytest.fixture
def glossary_matcher(tmp_path: Path) -> Iterator[Matcher]:
    for searcher in open_index(tmp_path, [glossary()]):
        yield Matcher(searcher, read_columns(searcher, ["marl-glossary"]), Synonyms([]))


def found(columns: Columns, match: Match) -> list[str]:
    """The passages of a match, best first."""
    docnums = np.flatnonzero(match.mask)
    return [columns.ids[d] for d in sorted(docnums, key=lambda d: -match.score[d])]


def scores(columns: Columns, match: Match) -> dict[str, float]:
    return {columns.ids[d]: float(match.score[d]) for d in np.flatnonzero(match.mask)}


# --- Match ----------------------------------------------------------------------------------


def test_and_keeps_what_both_match_with_their_scores_summed() -> None:
    left = Match(np.array([True, True, False, False]), np.array([1.0, 2.0, 0.0, 0.0]))
    right = Match(np.array([False, True, True, False]), np.array([0.0, 0.5, 3.0, 0.0]))
    both = left & right
    assert both.mask.tolist() == [False, True, False, False]
    assert both.score.tolist() == [0.0, 2.5, 0.0, 0.0]


def test_or_keeps_what_either_matches_with_their_scores_summed() -> None:
    left = Match(np.array([True, True, False, False]), np.array([1.0, 2.0, 0.0, 0.0]))
    right = Match(np.array([False, True, True, False]), np.array([0.0, 0.5, 3.0, 0.0]))
    either = left | right
    assert either.mask.tolist() == [True, True, True, False]
    assert either.score.tolist() == [1.0, 2.5, 3.0, 0.0]


# --- Concept and Prefixed ---------------------------------------------------------------------


def test_a_concept_without_synonyms_renders_as_typed() -> None:
    assert Concept("beacons", (("beacon",),)).render() == "beacons"
    assert Concept("beacons", (("beacon",),), ("beacons",)).render() == "beacons"


def test_a_concept_renders_its_phrasings_once_each_quoting_phrases() -> None:
    concept = Concept(
        "mla",
        (("mla",), ("mutual", "legal", "assist"), ("mutual", "assist")),
        ("mla", "mutual legal assistance", "mutual assistance", "MLA"),
    )
    # "MLA" and the typed "mla" are one phrasing: the one typed is kept
    assert concept.render() == '("mutual legal assistance" OR "mutual assistance" OR mla)'
    assert concept.marks == {("mla",), ("mutual", "legal", "assist"), ("mutual", "assist")}


def test_a_hyphenated_phrasing_is_quoted() -> None:
    concept = Concept("transborder", (("transbord",),), ("transborder", "cross-border"))
    assert concept.render() == '(transborder OR "cross-border")'


def test_a_prefix_renders_with_its_star_and_notes_a_cap() -> None:
    small = Prefixed("beac", ("beacon",), capped=False)
    assert (small.render(), small.note, small.marks) == ("beac*", None, {("beacon",)})
    capped = Prefixed("marl", tuple(MARL[:MAX_PREFIX_TERMS]), capped=True)
    assert capped.note == (
        f"marl* matches many words; only the {MAX_PREFIX_TERMS} most frequent were searched"
    )


# --- Synonyms ---------------------------------------------------------------------------------


def test_typed_words_become_concepts_a_synonym_group_one_concept() -> None:
    mla, requests = Synonyms(GROUPS).concepts(["MLA", "requests"])
    assert mla.label == "MLA"
    assert mla.alternatives == (("mutual", "legal", "assist"), ("mutual", "assist"), ("mla",))
    assert mla.shown == ("MLA", "mutual legal assistance", "mutual assistance", "MLA")
    assert requests == Concept("requests", (("request",),))


def test_a_phrase_of_several_typed_words_is_one_concept() -> None:
    [concept] = Synonyms(GROUPS).concepts(["mutual", "legal", "assistance"])
    assert concept.label == "mutual legal assistance"
    assert ("mla",) in concept.alternatives


def test_the_longest_synonym_phrase_is_taken_first() -> None:
    synonyms = Synonyms([("legal assistance", "legal aid"), *GROUPS])
    [whole] = synonyms.concepts(["mutual", "legal", "assistance"])
    assert ("mla",) in whole.alternatives
    legal, mutual = synonyms.concepts(["legal", "assistance", "mutual"])
    assert legal.label == "legal assistance" and ("legal", "aid") in legal.alternatives
    assert mutual == Concept("mutual", (("mutual",),))


def test_a_synonym_never_takes_half_of_a_hyphenated_word() -> None:
    synonyms = Synonyms([("border", "frontier")])
    cross, border = synonyms.concepts(["cross-border", "border"])
    assert cross == Concept("cross-border", (("cross", "border"),))
    assert border.alternatives == (("border",), ("frontier",))
    [crossing] = synonyms.concepts(["border-crossing"])
    assert crossing == Concept("border-crossing", (("border", "cross"),))


def test_a_hyphenated_synonym_is_one_concept() -> None:
    [concept] = Synonyms(GROUPS).concepts(["cross-border"])
    assert concept.alternatives == (("cross", "border"), ("tran", "border"), ("transbord",))


def test_a_synonym_that_analysis_would_broaden_is_left_out() -> None:
    """One-letter words are not indexed: "e-evidence" would search for "evidence"."""
    synonyms = Synonyms([("e-evidence", "electronic evidence")])
    assert synonyms.concepts(["evidence"]) == [Concept("evidence", (("evid",),))]
    [concept] = synonyms.concepts(["electronic", "evidence"])
    assert concept.alternatives == (("electron", "evid"),)


def test_stop_words_make_no_concept() -> None:
    assert Synonyms(GROUPS).concepts(["the", "beacon", "of"]) == [Concept("beacon", ((BEACON,),))]


# --- Matcher.term: BM25F --------------------------------------------------------------------


def test_a_term_is_found_in_every_passage_that_holds_it(matcher: Matcher, columns: Columns) -> None:
    assert set(found(columns, matcher.term(BEACON))) == {LABEL, ONCE, TWICE, AMONG_MANY}


def test_a_kept_match_cannot_be_changed_in_place(matcher: Matcher) -> None:
    """Every search that asks for a term or a concept gets the same arrays."""
    kept = matcher.term(BEACON)
    assert matcher.term(BEACON) is kept
    with pytest.raises(ValueError, match="read-only"):
        kept.score[0] = 99.0
    concept = matcher.concept(Concept("beacon", ((BEACON,),)))
    with pytest.raises(ValueError, match="read-only"):
        concept.mask[0] = True


def test_a_heading_outweighs_the_text_more_occurrences_and_shorter_texts_rank_higher(
    matcher: Matcher, columns: Columns
) -> None:
    text = columns.lengths["text"]
    by_id = {passage: docnum for docnum, passage in enumerate(columns.ids)}
    assert text[by_id[ONCE]] == text[by_id[TWICE]] < text[by_id[AMONG_MANY]]
    assert found(columns, matcher.term(BEACON)) == [LABEL, TWICE, ONCE, AMONG_MANY]


def test_a_term_in_some_fields_only(matcher: Matcher, columns: Columns) -> None:
    assert found(columns, matcher.term(BEACON, ("section",))) == [LABEL]
    assert set(found(columns, matcher.term(BEACON, ("text",)))) == {ONCE, TWICE, AMONG_MANY}


def test_a_passages_own_fields_add_up(matcher: Matcher) -> None:
    both = matcher.term(BEACON, ("section", "text"))
    section, text = matcher.term(BEACON, ("section",)), matcher.term(BEACON, ("text",))
    assert np.allclose(both.score, section.score + text.score)


def test_the_title_and_the_aliases_count_once_the_better_of_the_two(
    matcher: Matcher, columns: Columns
) -> None:
    charter = stem("charter")
    title, aliases = matcher.term(charter, ("title",)), matcher.term(charter, ("aliases",))
    assert title.mask.sum() == aliases.mask.sum() == 4  # every passage of the charter
    both = matcher.term(charter, ("title", "aliases"))
    assert np.allclose(both.score, np.maximum(title.score, aliases.score))
    assert not np.allclose(both.score, title.score + aliases.score)


def test_a_term_the_index_lacks_matches_nothing(matcher: Matcher) -> None:
    unseen = matcher.term("moonraker")
    assert not unseen.mask.any() and not unseen.score.any()
    assert len(unseen.mask) == matcher.columns.n


def test_nothing_and_everything(matcher: Matcher, columns: Columns) -> None:
    assert not matcher.nothing().mask.any()
    assert matcher.everything().mask.tolist() == columns.alive.tolist()
    assert matcher.everything().mask.sum() == columns.live == 7


# --- phrases and concepts -------------------------------------------------------------------


def test_a_phrase_needs_its_words_together_and_in_order(matcher: Matcher, columns: Columns) -> None:
    words = stems("signal flags")
    apart = matcher.term(words[0]) & matcher.term(words[1])
    assert set(found(columns, apart)) == {FLAGS, APART}
    phrase = matcher.phrase(words)
    assert found(columns, phrase) == [FLAGS]
    assert scores(columns, phrase) == {FLAGS: scores(columns, apart)[FLAGS]}
    assert not matcher.phrase(tuple(reversed(words))).mask.any()


def test_a_phrase_is_found_where_whooshs_phrase_query_finds_it(
    matcher: Matcher, harbour_index: WhooshSearcher
) -> None:
    """Phrases are checked against each term's positions, read once, not Whoosh's span
    matchers: every run of two or three words of every field, in order and reversed,
    with a stop word between or a word repeated, is found in the same passages."""
    reader = harbour_index.reader()
    phrases = set()
    for field in ALL_FIELDS:
        for docnum in range(reader.doc_count_all()):
            stored = reader.stored_fields(docnum).get(field) or ""
            words = stems(stored if isinstance(stored, str) else " ".join(stored))
            for size in (2, 3):
                for i in range(len(words) - size + 1):
                    run = tuple(words[i : i + size])
                    phrases |= {(field, run), (field, run[::-1]), (field, (run[0], run[0]))}
    checked = 0
    for field, terms in sorted(phrases):
        with matcher.whoosh_lock:
            expected = set(WhooshPhrase(field, list(terms)).docs(harbour_index))
        assert set(np.flatnonzero(matcher.phrase(terms, (field,)).mask)) == expected, terms
        checked += bool(expected)
    assert checked > 20


def test_a_concept_of_one_term_is_the_term(matcher: Matcher) -> None:
    concept = matcher.concept(Concept("beacon", ((BEACON,),)))
    term = matcher.term(BEACON)
    assert concept.mask.tolist() == term.mask.tolist()
    assert np.allclose(concept.score, term.score)


def test_a_concepts_phrasings_weigh_alike_the_best_or_all_of_them(matcher: Matcher) -> None:
    """A phrase among several phrasings scores its terms' mean."""
    mutual = stems("mutual assistance")
    concept = Concept("beacon", ((BEACON,), mutual))
    beacon, phrase = matcher.term(BEACON), matcher.phrase(mutual)
    assert phrase.mask.any()
    best = matcher.concept(concept)
    assert best.mask.tolist() == (beacon.mask | phrase.mask).tolist()
    assert np.allclose(best.score, np.maximum(beacon.score, phrase.score / 2))
    every = matcher.concept(concept, combine="sum")
    assert np.allclose(every.score, beacon.score + phrase.score / 2)


# --- prefixes -------------------------------------------------------------------------------


def test_a_prefix_expands_to_the_index_terms_it_starts(matcher: Matcher) -> None:
    prefixed = matcher.prefix("beac")
    assert prefixed == Prefixed("beac", (BEACON,), capped=False)
    assert matcher.prefixed(prefixed).mask.tolist() == matcher.term(BEACON).mask.tolist()


def test_a_prefix_expands_to_the_most_frequent_terms_at_most(glossary_matcher: Matcher) -> None:
    assert len(set(MARL)) > MAX_PREFIX_TERMS
    prefixed = glossary_matcher.prefix("marl")
    assert prefixed.capped
    assert len(prefixed.expansion) == MAX_PREFIX_TERMS
    assert prefixed.expansion == tuple(sorted(MARL[:MAX_PREFIX_TERMS]))  # in two passages each
    ids = glossary_matcher.columns.ids
    matched = glossary_matcher.prefixed(prefixed).mask
    assert [ids[d] for d in np.flatnonzero(matched)] == [
        "marl-glossary.part-1",
        "marl-glossary.part-2",
    ]


def test_a_prefix_of_no_index_term_expands_to_nothing(matcher: Matcher) -> None:
    prefixed = matcher.prefix("zyx")
    assert prefixed == Prefixed("zyx", (), capped=False)
    assert not matcher.prefixed(prefixed).mask.any()


# --- the deadline ---------------------------------------------------------------------------


def test_reading_past_the_deadline_raises_query_timeout(matcher: Matcher) -> None:
    with pytest.raises(QueryTimeout), matcher.time_limit(0.0):
        matcher.term(BEACON)
    assert matcher.deadline == float("inf")  # the limit holds in its block only
    assert matcher.term(BEACON).mask.any()


def test_a_phrase_past_the_deadline_raises_even_with_its_terms_read(matcher: Matcher) -> None:
    words = stems("signal flags")
    for word in words:
        matcher.term(word)
    with pytest.raises(QueryTimeout), matcher.time_limit(0.0):
        matcher.phrase(words)


def test_a_prefix_checks_the_time_at_every_term(matcher: Matcher) -> None:
    prefixed = matcher.prefix("beac")
    matcher.prefixed(prefixed)  # its terms read and kept
    with pytest.raises(QueryTimeout), matcher.time_limit(0.0):
        matcher.prefixed(prefixed)


def test_the_deadline_is_each_threads_own(matcher: Matcher) -> None:
    outcome: list[object] = []

    def elsewhere() -> None:
        try:
            outcome.append(matcher.term(stem("harbour")))
        except QueryTimeout as error:
            outcome.append(error)

    with matcher.time_limit(0.0):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], Match)


# --- filters and columns --------------------------------------------------------------------


def test_columns_hold_each_passages_values_in_docnum_order(columns: Columns) -> None:
    assert columns.n == 7
    assert columns.ids == [LABEL, ONCE, TWICE, AMONG_MANY, FLAGS, APART, ABOUT]
    assert columns.sources == [CHARTER] * 4 + [TRANSCRIPT] * 2 + [DECLARATION]
    assert columns.source_names == SOURCE_ORDER
    assert columns.kind_names == ["declaration", "igf-transcript", "treaty"]
    assert columns.years.tolist() == [2005] * 4 + [2010] * 2 + [2012]
    assert columns.year_names == [2005, 2010, 2012]
    assert columns.order.tolist() == list(range(7))
    assert columns.metadata_only.tolist() == [False] * 6 + [True]
    assert columns.speakers[4:] == [("Ada Quill", "Bram Otter"), ("Cora Vane",), ()]
    assert columns.has_speakers


def test_the_document_order_follows_the_source_order_given(harbour_index: WhooshSearcher) -> None:
    reordered = read_columns(harbour_index, [TRANSCRIPT, CHARTER])
    assert reordered.source_names == [TRANSCRIPT, CHARTER, DECLARATION]  # the rest after
    ranked = sorted(range(reordered.n), key=lambda d: reordered.order[d])
    assert [reordered.ids[d] for d in ranked] == [
        FLAGS,
        APART,
        LABEL,
        ONCE,
        TWICE,
        AMONG_MANY,
        ABOUT,
    ]


def test_filters_by_kind_source_speaker_and_years(matcher: Matcher, columns: Columns) -> None:
    def ids(mask: np.ndarray) -> list[str]:
        return [columns.ids[d] for d in np.flatnonzero(mask)]

    assert ids(matcher.field_filter("kind", "igf-transcript")) == [FLAGS, APART]
    assert ids(matcher.field_filter("source", DECLARATION)) == [ABOUT]
    assert ids(matcher.field_filter("speaker", "quill")) == [FLAGS]  # any part, any case
    assert ids(matcher.field_filter("speaker", "Vane")) == [APART]
    assert ids(matcher.years(2006, 2012)) == [FLAGS, APART, ABOUT]
    assert ids(matcher.years(2005, 2005)) == [LABEL, ONCE, TWICE, AMONG_MANY]
    for field, value in [("kind", "report"), ("source", "nowhere"), ("speaker", "nobody")]:
        assert not matcher.field_filter(field, value).any()
