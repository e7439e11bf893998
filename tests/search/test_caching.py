"""The caches of a worker (kb/search/caching.py): bounded by bytes, safe to share."""

from __future__ import annotations

import threading

import numpy as np

from kb.search.caching import ENTRY_OVERHEAD, LRU, SEEN_KEYS, array_bytes, text_bytes


def sized(max_bytes: int) -> LRU[str, str]:
    return LRU(max_bytes, lambda key, value: len(value))


def test_the_budget_is_in_bytes_not_entries() -> None:
    """Entries of 10 KB and of 130 KB count for what they are (an answer to a long query
    once held 130 KB where its cache assumed 10 KB, and a worker grew to 232 MB)."""
    cache = sized(100_000)
    for n in range(20):
        cache.put(f"small {n}", "x" * 1_000)
    assert len(cache) == 20
    cache.put("large", "x" * 80_000)
    assert cache.bytes <= 100_000
    assert cache.get("large") is not None
    assert len(cache) < 20  # the oldest small ones made room
    assert cache.get("small 0") is None and cache.get("small 19") is not None


def test_the_least_recently_used_goes_first() -> None:
    cache = sized(3 * (ENTRY_OVERHEAD + 100))
    for key in "abc":
        cache.put(key, "x" * 100)
    assert cache.get("a") is not None  # "b" is now the least recently used
    cache.put("d", "x" * 100)
    assert cache.get("b") is None
    assert [cache.get(k) is not None for k in "acd"] == [True, True, True]


def test_a_value_read_gets_one_second_chance() -> None:
    """CLOCK, not a strict order: a read only marks its entry, which the next eviction
    that meets it spares once, sending it to the back unmarked; the value just kept is
    never the one to go."""
    cache = sized(2 * (ENTRY_OVERHEAD + 100))
    for key in "ab":
        cache.put(key, "x" * 100)
    assert cache.get("a") is not None
    cache.put("c", "x" * 100)  # "a" is spared, "b" goes
    assert ["a" in cache, "b" in cache, "c" in cache] == [True, False, True]
    cache.put("d", "x" * 100)  # "c" was never read: it goes, and "a" had its chance
    assert ["a" in cache, "c" in cache, "d" in cache] == [True, False, True]
    cache.put("e", "x" * 100)
    assert ["a" in cache, "d" in cache, "e" in cache] == [False, True, True]
    assert cache.get("d") is not None and cache.get("e") is not None
    cache.put("f", "x" * 100)  # both read: each spared once, then the older goes
    assert ["d" in cache, "e" in cache, "f" in cache] == [False, True, True]


def test_a_value_over_the_whole_budget_is_returned_but_not_kept() -> None:
    cache = sized(10_000)
    cache.put("kept", "x" * 100)
    assert cache.put("huge", "x" * 20_000) == "x" * 20_000
    assert cache.get("huge") is None
    assert cache.get("kept") is not None


def test_replacing_a_key_counts_it_once() -> None:
    cache = sized(100_000)
    for size in (1_000, 5_000, 2_000):
        cache.put("same", "x" * size)
    assert len(cache) == 1
    assert cache.bytes == ENTRY_OVERHEAD + 2_000


def test_get_or_make_makes_only_what_is_missing() -> None:
    cache = sized(100_000)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key * 10

    assert cache.get_or_make("a", lambda: make("a")) == "a" * 10
    assert cache.get_or_make("a", lambda: make("a")) == "a" * 10
    assert made == ["a"]


def test_a_second_sight_cache_keeps_what_comes_again() -> None:
    cache: LRU[str, str] = LRU(100_000, lambda key, value: len(value), second_sight=True)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    for key in ("once", "twice", "twice", "twice"):
        assert cache.get_or_make(key, lambda key=key: make(key)) == key.upper()
    assert made == ["once", "twice", "twice"]  # kept the second time, found the third
    assert cache.get("once") is None and cache.get("twice") == "TWICE"
    assert LRU(100, lambda k, v: 1).admit("anything")  # a plain cache keeps at once


def test_a_second_sight_cache_remembers_a_bounded_number_of_keys() -> None:
    cache: LRU[int, int] = LRU(100_000, lambda key, value: 8, second_sight=True)
    assert not cache.admit(-1)
    for key in range(SEEN_KEYS):
        assert not cache.admit(key)
    assert not cache.admit(-1)  # forgotten: the oldest of more than SEEN_KEYS
    assert cache.admit(SEEN_KEYS - 1)  # the latest are remembered


def test_a_fill_first_cache_keeps_everything_until_it_is_first_full() -> None:
    cache: LRU[int, str] = LRU(
        ENTRY_OVERHEAD * 3 + 3, lambda key, value: 1, second_sight=True, fill_first=True
    )
    for key in range(3):
        assert cache.admit(key)  # room left: kept at first sight
        cache.put(key, "x")
    assert cache.admit(3)
    cache.put(3, "x")  # over the budget: one goes, and the doorkeeper starts
    assert len(cache) == 3
    assert not cache.admit(4) and cache.admit(4)  # from now on, kept from the second sight
    cache.put(4, "x")
    assert not cache.admit(5)  # still so after an eviction has made room


def test_threads_putting_and_getting_keep_the_count_true() -> None:
    cache = sized(50_000)
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            for n in range(5_000):
                key = f"{number}-{n % 300}"
                cache.get_or_make(key, lambda n=n: "x" * (n % 700))
        except BaseException as error:  # any failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert 0 < cache.bytes <= 50_000
    values = [cache.get(key) for key in list(cache._items)]
    assert cache.bytes == sum(ENTRY_OVERHEAD + len(v or "") for v in values)


def test_sizes_count_what_arrays_and_texts_hold() -> None:
    assert array_bytes(np.zeros(1_000)) >= 8_000
    assert array_bytes(np.zeros(1_000, dtype=bool), np.zeros(10)) >= 1_080
    assert text_bytes("a" * 500, "b") >= 501
    assert text_bytes("a" * 499 + "’") >= 1_000  # two bytes a character
