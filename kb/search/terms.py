"""Words as the index sees them: the same analysis at query time as at indexing time.

The index stems its text fields and keeps an unstemmed, folded ``spell`` field
(``kb/ingest/index.py``). Queries, synonyms, snippets and suggestions all go
through the functions here, so a word is always compared in the form it was
indexed in.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kb.ingest.index import folding_analyzer, stemming_analyzer

# Whoosh's RegexTokenizer default: words, keeping inner dots ("e.g", "3.1").
WORD = re.compile(r"\w+(?:\.?\w+)*", re.UNICODE)

_stemming = stemming_analyzer()
_folding = folding_analyzer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str | None:
    """The index term of one word ("Safeguards" -> "safeguard"); None for a stop word."""
    for token in _stemming(word):
        return token.text
    return None


@lru_cache(maxsize=50_000)
def fold(word: str) -> str:
    """The word lower-cased and accent-folded, unstemmed (the ``spell`` field's form)."""
    return "".join(token.text for token in _folding(word))


def words(text: str) -> list[str]:
    """The words of ``text`` as the tokenizer splits them."""
    return WORD.findall(text)


def stems(text: str) -> tuple[str, ...]:
    """The index terms of ``text`` in order, stop words left out."""
    return tuple(s for s in (stem(w) for w in words(text)) if s)


def spans(text: str) -> list[tuple[int, int, str | None]]:
    """Every word of ``text`` as ``(start, end, index term or None)``, for highlighting."""
    return [(m.start(), m.end(), stem(m.group())) for m in WORD.finditer(text)]
