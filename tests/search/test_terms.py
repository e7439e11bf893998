"""Analysis at query time (kb/search/terms.py), shared by every request thread of a worker,
and what it makes a search find: the stems of ``kb/ingest/stemming.py``, on the invented
Compass Convention (``tests/worlds/lookalikes.py``)."""

from __future__ import annotations

import random
import string
import threading

import pytest

from kb.search import Library, SearchRequest, Snapshot, search, terms
from kb.search.terms import CACHED_LENGTH, fold, stem, stems
from tests.worlds.lookalikes import APART, TOGETHER, compass_convention
from tests.worlds.published import write_generation, write_themes, write_thesaurus

THREADS = 8
WORDS_PER_THREAD = 9_000  # 72,000 in all: more than any stemming cache holds


def test_the_index_forms() -> None:
    assert stem("Safeguards") == "safeguard"
    assert stem("the") is None
    assert fold("Offıcials") == "officials"
    assert stems("the safeguards of jurisdictions") == ("safeguard", "jurisdict")
    assert stems("accession seizures") == ("accession", "seiz")


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


@pytest.fixture(scope="module")
def lookalikes(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    """The Compass Convention, published with the invented themes and thesaurus (which
    know none of its words, so that only stemming relates them)."""
    root = tmp_path_factory.mktemp("lookalikes")
    write_generation(root / "index", [compass_convention()])
    library = Library(root / "index", write_themes(root), thesaurus=write_thesaurus(root))
    return library.snapshot()


def found(snapshot: Snapshot, q: str) -> list[str]:
    return [hit.id for hit in search(snapshot, SearchRequest(q=q)).hits]


@pytest.mark.parametrize(("word", "articles"), APART.items(), ids=list(APART))
def test_a_word_does_not_find_the_unrelated_word_it_looks_like(
    lookalikes: Snapshot, word: str, articles: tuple[str, str]
) -> None:
    own, other = articles
    hits = found(lookalikes, word)
    assert own in hits
    assert other not in hits


@pytest.mark.parametrize(("word", "article"), TOGETHER.items(), ids=list(TOGETHER))
def test_a_word_finds_its_other_forms(lookalikes: Snapshot, word: str, article: str) -> None:
    result = search(lookalikes, SearchRequest(q=word))
    assert result.searched_instead is None  # found as typed, not through a correction
    assert [hit.id for hit in result.hits] == [article]
