"""Grouping paragraphs into passages of a few hundred words."""

from __future__ import annotations

import pytest

from kb.ingest.chunk import pack, split_paragraphs, word_count


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n)


def test_word_count_splits_on_any_whitespace() -> None:
    assert word_count("") == 0
    assert word_count("  one\ttwo\nthree  ") == 3


def test_short_paragraphs_stay_in_one_chunk() -> None:
    paragraphs = [words(10), words(20), words(30)]
    assert split_paragraphs(paragraphs, max_words=100) == [paragraphs]


def test_chunks_break_only_at_paragraph_boundaries() -> None:
    paragraphs = [words(40, "a"), words(40, "b"), words(40, "c"), words(40, "d")]
    chunks = split_paragraphs(paragraphs, max_words=100)
    assert chunks == [paragraphs[:2], paragraphs[2:]]
    assert [p for chunk in chunks for p in chunk] == paragraphs


def test_chunk_may_reach_but_not_pass_the_limit() -> None:
    paragraphs = [words(50), words(50), words(1)]
    assert [len(c) for c in split_paragraphs(paragraphs, max_words=100)] == [2, 1]


def test_long_paragraph_stays_whole_on_its_own() -> None:
    long = words(250, "long")
    paragraphs = [words(10, "a"), long, words(10, "b")]
    assert split_paragraphs(paragraphs, max_words=100) == [[paragraphs[0]], [long], [paragraphs[2]]]


def test_empty_input_and_empty_paragraphs() -> None:
    assert split_paragraphs([]) == []
    assert split_paragraphs(["", "  ", "two words"]) == [["two words"]]


def test_default_limit_is_three_hundred_words() -> None:
    paragraphs = [words(100)] * 4
    assert [len(c) for c in split_paragraphs(paragraphs)] == [3, 1]


def test_pack_groups_any_items_by_their_size() -> None:
    assert pack([3, 3, 3, 9, 1], size=lambda n: n, max_words=6) == [[3, 3], [3], [9], [1]]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        split_paragraphs(["text"], max_words=0)
