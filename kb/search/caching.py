"""The caches of a worker: what was used least lately first out, bounded by bytes, thread-safe.

A cache bounded by its number of entries is bounded by nothing: one entry of a
search answer may hold 10 KB or, for a long query, 130 KB. So each cache is given a
budget in bytes and a function estimating what an entry costs; the estimates count
what the entry alone keeps alive (its strings, arrays and containers), not what it
shares with the index (documents, passages).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ENTRY_OVERHEAD = 200  # bytes of an entry's key object, node and dictionary slot
SEEN_KEYS = 8_192  # keys seen once that a cache keeping only what comes again remembers
VALUE, SIZE, USED = range(3)  # the places of an entry's parts


class LRU(Generic[K, V]):
    """A cache of what was used lately, holding at most ``max_bytes`` as ``size_of`` counts them.

    Least recently used first out, approximately: the CLOCK (second chance) way. A read
    takes no lock and moves nothing: it marks its entry used. When the budget is
    exceeded, the oldest entry goes unless it was used since it came or last had its
    second chance; then it goes to the back, unmarked. Reads, many times more frequent
    than writes on every cache of a worker, then cost a dictionary lookup, and threads
    never wait for each other to read.

    Writes take the cache's lock, and nothing else runs under it: building a missing
    value (:meth:`get_or_make`) happens outside, so two threads may build the same
    value once each, and neither waits for the other.

    With ``second_sight``, a value is kept only when its key comes a second time
    (:meth:`admit`; the doorkeeper of TinyLFU): most distinct queries are asked once,
    and keeping each would push out the ones asked again and again, and cost every
    request the keeping and, later, the dropping of a large value. With ``fill_first``
    as well, the doorkeeper starts only once the budget is first reached: until then
    every value is kept (for values that cost little to keep, such as snippets).
    """

    def __init__(
        self,
        max_bytes: int,
        size_of: Callable[[K, V], int],
        *,
        second_sight: bool = False,
        fill_first: bool = False,
    ) -> None:
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.bytes = 0
        self._doorkeeping = not fill_first  # whether the doorkeeper is at work (see above)
        # each entry: [value, size, used since it came or had its second chance]
        self._items: OrderedDict[K, list[Any]] = OrderedDict()
        self._lock = threading.Lock()
        # the hashes of keys seen once, oldest first
        self._seen: OrderedDict[int, None] | None = OrderedDict() if second_sight else None

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        """Whether a value is kept for ``key``; unlike :meth:`get`, not a use of it."""
        return key in self._items

    def get(self, key: K) -> V | None:
        found = self._items.get(key)  # one lookup: atomic under the GIL, as the marking is
        if found is None:
            return None
        found[USED] = True
        return found[VALUE]

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` (unless it alone is over the budget); returns it."""
        size = ENTRY_OVERHEAD + self.size_of(key, value)
        if size > self.max_bytes:
            return value
        with self._lock:
            items = self._items
            previous = items.pop(key, None)
            if previous is not None:
                self.bytes -= previous[SIZE]
            items[key] = [value, size, False]
            self.bytes += size
            while self.bytes > self.max_bytes:
                self._doorkeeping = True
                oldest, entry = items.popitem(last=False)
                if oldest == key:  # the value just kept stays, behind the ones it meets
                    items[oldest] = entry
                elif entry[USED]:  # a second chance, at the back
                    entry[USED] = False
                    items[oldest] = entry
                else:
                    self.bytes -= entry[SIZE]
        return value

    def admit(self, key: K) -> bool:
        """Whether a value for ``key`` is to be kept now: always, unless the cache keeps
        only what comes again (and, with ``fill_first``, has once been full); then not
        at a key's first sight, which is remembered (the last SEEN_KEYS keys seen, by
        hash)."""
        seen = self._seen
        if seen is None or not self._doorkeeping:
            return True
        marker = hash(key)
        with self._lock:
            if marker in seen:
                return True
            seen[marker] = None
            if len(seen) > SEEN_KEYS:
                seen.popitem(last=False)
        return False

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        found = self.get(key)
        if found is not None:
            return found
        value = make()
        return self.put(key, value) if self.admit(key) else value


def array_bytes(*arrays: np.ndarray) -> int:
    return sum(a.nbytes + 112 for a in arrays)


def text_bytes(*texts: str) -> int:
    """What strings hold: a text with one character beyond Latin-1 (a curly quote, a
    dash) takes two bytes a character, one beyond the BMP four."""
    return sum(map(sys.getsizeof, texts))
