"""Analysis at query time (kb/search/terms.py), shared by every request thread of a worker."""

from __future__ import annotations

import random
import string
import threading

from kb.search import terms
from kb.search.terms import CACHED_LENGTH, fold, stem, stems

THREADS = 8
WORDS_PER_THREAD = 9_000  # 72,000 in all: more than any stemming cache holds


def test_the_index_forms() -> None:
    assert stem("Safeguards") == "safeguard"
    assert stem("the") is None
    assert fold("Offıcials") == "officials"
    assert stems("the safeguards of jurisdictions") == ("safeguard", "jurisdict")


def test_long_words_are_analysed_but_not_kept() -> None:
    word = "safeguard" * (CACHED_LENGTH // 9 + 1) + "ings"
    before = terms._cached_stem.cache_info().currsize
    assert stem(word) == word[:-4]
    assert fold(word.upper()) == word
    assert terms._cached_stem.cache_info().currsize == before


def test_many_threads_stemming_unseen_words_agree_and_never_fail() -> None:
    """Whoosh's stem cache, shared by request threads, failed once full: ``KeyError`` and
    "dictionary changed size during iteration", for good. Each thread here stems words no
    one has seen, enough to fill any cache, and must get what one thread alone gets."""
    rng = random.Random(11)
    batches = [
        ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 12))) + "ings"
         for _ in range(WORDS_PER_THREAD)]
        for _ in range(THREADS)
    ]  # fmt: skip
    errors: list[BaseException] = []
    results: dict[int, list[str | None]] = {}

    def work(number: int) -> None:
        try:
            results[number] = [stem(word) for word in batches[number]]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[:3]
    terms._cached_stem.cache_clear()
    for number, batch in enumerate(batches):
        assert results[number] == [terms._stem(word) for word in batch]
