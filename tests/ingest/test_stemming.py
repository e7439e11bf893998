"""Stems (kb/ingest/stemming.py): unrelated words kept apart, forms of one word together,
the same in the index's analysis and in the queries'."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from kb.ingest import stemming
from kb.ingest.index import build_schema, stemming_analyzer
from kb.ingest.stemming import APART, EXCEPTIONS, TOGETHER, snowball, stem
from kb.search import terms


def analysed(word: str) -> list[str]:
    return [t.text for t in stemming_analyzer()(word)]


@pytest.mark.parametrize(
    ("word", "unrelated"),
    [
        ("access", "accession"),
        ("direct", "directed"),
        ("second", "seconded"),
        ("communications", "Communities"),
        ("controller", "controlled"),
        ("organization", "organ"),
        ("providers", "provided"),
        ("personal", "person"),
        ("national", "nations"),
        ("internal", "international"),
        ("university", "Universal"),
        ("news", "new"),
        ("police", "policy"),
        ("traffic", "trafficking"),
    ],
)
def test_unrelated_words_keep_their_own_stems(word: str, unrelated: str) -> None:
    assert analysed(word) != analysed(unrelated)


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("seize", "seizure"),
        ("seize", "Seizures"),
        ("safeguard", "safeguards"),
        ("party", "parties"),
        ("state", "States"),
        ("general", "generally"),
        ("controlled", "control"),
        ("direct", "directly"),
        ("accession", "accessions"),
        ("disclose", "disclosure"),
        ("proportionality", "proportionate"),
        ("automatic", "automated"),
        ("authorised", "authorized"),
        ("organisation", "Organizations"),
        ("ratified", "ratification"),
        ("notify", "notification"),
    ],
)
def test_forms_of_one_word_share_a_stem(word: str, form: str) -> None:
    assert analysed(word) == analysed(form)


@pytest.mark.parametrize("word", ["seize", "size", "prize", "citizen", "exercise", "supervision"])
def test_the_american_spelling_rule_leaves_other_words_alone(word: str) -> None:
    assert snowball(word) == stemming._snowball(word)


def test_every_listed_form_is_stemmed_alike_at_index_and_at_query_time() -> None:
    for form, stemmed in EXCEPTIONS.items():
        assert analysed(form) == [stemmed] == [terms.stem(form.capitalize())], form


def test_the_table_lists_each_form_once_as_a_folded_word() -> None:
    forms = Counter(f for table in (APART, TOGETHER) for forms in table.values() for f in forms)
    assert [form for form, n in forms.items() if n > 1] == []
    assert all(form.isalpha() and form.islower() and form.isascii() for form in forms)


def test_a_headword_is_its_own_stem_and_a_form_gets_its_words_stem() -> None:
    for headword, forms in APART.items():
        assert headword in forms
        assert stem(headword) == headword
        assert stem(headword) != snowball(headword), f"{headword}: Snowball already keeps it"
    for word, forms in TOGETHER.items():
        assert word not in EXCEPTIONS
        assert {stem(form) for form in forms} == {stem(word)}
        assert all(snowball(form) != stem(word) for form in forms), word


def test_the_stem_function_is_pickled_by_name_into_the_schema() -> None:
    schema = pickle.loads(pickle.dumps(build_schema()))
    tokens = [t.text for t in schema["text"].analyzer("accession seizures")]
    assert tokens == ["accession", "seiz"]
    assert b"kb.ingest.stemming" in pickle.dumps(stemming_analyzer())
