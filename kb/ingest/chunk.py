"""Grouping text into passages of a few hundred words, never cutting a paragraph."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

DEFAULT_MAX_WORDS = 300


def word_count(text: str) -> int:
    """Whitespace-separated words in ``text``."""
    return len(text.split())


def pack(items: Sequence[T], size: Callable[[T], int], max_words: int) -> list[list[T]]:
    """Group consecutive ``items`` greedily into runs of at most ``max_words``.

    An item bigger than ``max_words`` on its own is kept whole, alone in its run:
    the caller decides whether (and where) such an item may be cut.
    """
    if max_words < 1:
        raise ValueError(f"max_words must be positive, not {max_words}")
    groups: list[list[T]] = []
    current: list[T] = []
    total = 0
    for item in items:
        words = size(item)
        if current and total + words > max_words:
            groups.append(current)
            current, total = [], 0
        current.append(item)
        total += words
    if current:
        groups.append(current)
    return groups


def split_paragraphs(paragraphs: list[str], max_words: int = DEFAULT_MAX_WORDS) -> list[list[str]]:
    """Group consecutive paragraphs into chunks of at most ~``max_words`` words.

    Splits only at paragraph boundaries; a paragraph longer than ``max_words``
    stays whole as its own chunk. Empty paragraphs are dropped.
    """
    kept = [p for p in paragraphs if p.strip()]
    return pack(kept, word_count, max_words)
