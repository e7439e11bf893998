"""Words as the index sees them: the same analysis at query time as at indexing time.

The index stems its text fields and keeps an unstemmed, folded ``spell`` field
(``kb/ingest/index.py``). Queries, synonyms, snippets and suggestions all go
through the functions here, so a word is always compared in the form it was
indexed in.

Every request thread of a worker calls these functions at once. The analysers are
therefore built without Whoosh's stem cache (not thread-safe: once full, it fails
with ``KeyError`` and "dictionary changed size during iteration"), and the caches
here are ``functools.lru_cache``, which is. They are bounded in entries and keep
only words of up to CACHED_LENGTH characters (phrases of CACHED_PHRASE_LENGTH), so
that a flood of long unseen words cannot grow them past a few megabytes.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kb.ingest.index import folding_analyzer, stemming_analyzer

# Whoosh's RegexTokenizer default: words, keeping inner dots ("e.g", "3.1").
WORD = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)
CACHED_LENGTH = 32  # characters: longer words are analysed again each time
CACHED_STEMS = 32_768  # about the vocabulary of a large corpus
CACHED_FOLDS = 16_384
CACHED_PHRASE_LENGTH = 64  # characters: a word, a phrase or a short query
CACHED_PHRASES = 4_096

_stemming = stemming_analyzer(whoosh_cache=False)
_folding = folding_analyzer()


def stem(word: str) -> str | None:
    """The index term of one word ("Safeguards" -> "safeguard"); None for a stop word."""
    return _cached_stem(word) if len(word) <= CACHED_LENGTH else _stem(word)


def fold(word: str) -> str:
    """The word lower-cased and accent-folded, unstemmed (the ``spell`` field's form)."""
    return _cached_fold(word) if len(word) <= CACHED_LENGTH else _fold(word)


def _stem(word: str) -> str | None:
    for token in _stemming(word):
        return token.text
    return None


def _fold(word: str) -> str:
    return "".join(token.text for token in _folding(word))


_cached_stem = lru_cache(maxsize=CACHED_STEMS)(_stem)
_cached_fold = lru_cache(maxsize=CACHED_FOLDS)(_fold)


def words(text: str) -> list[str]:
    """The words of ``text`` as the tokenizer splits them."""
    return WORD.findall(text)


def stems(text: str) -> tuple[str, ...]:
    """The index terms of ``text`` in order, stop words left out."""
    return _cached_stems(text) if len(text) <= CACHED_PHRASE_LENGTH else _stems(text)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(s for s in (stem(w) for w in words(text)) if s)


# a query reads each word's stems, then the whole query's (is it a defined term?)
_cached_stems = lru_cache(maxsize=CACHED_PHRASES)(_stems)


def spans(text: str) -> list[tuple[int, int, str | None]]:
    """Every word of ``text`` as ``(start, end, index term or None)``, for highlighting.

    The hot path of snippets (every word of a passage): ``stem`` inlined.
    """
    cached, uncached = _cached_stem, _stem
    return [
        (m.start(), m.end(), cached(w) if len(w := m.group()) <= CACHED_LENGTH else uncached(w))
        for m in WORD.finditer(text)
    ]
