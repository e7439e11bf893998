"""Passage anchors: URL-safe, stable, unique within a document."""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "section") -> str:
    """``"I. Legal basis"`` -> ``"i-legal-basis"``; never empty."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:60].strip("-") or fallback


class AnchorSet:
    """Hands out anchors, adding ``-2``, ``-3`` ... to any already given.

    The next free number is remembered per anchor, so a text repeating one heading
    thousands of times costs linear time, not a scan from ``-2`` on every repeat. A
    number is still skipped when that anchor was given literally (``art-1-2``).
    """

    def __init__(self) -> None:
        self._given: set[str] = set()
        self._next_number: dict[str, int] = {}

    def unique(self, anchor: str) -> str:
        candidate = anchor
        if candidate in self._given:
            n = self._next_number.get(anchor, 2)
            while f"{anchor}-{n}" in self._given:
                n += 1
            candidate = f"{anchor}-{n}"
            self._next_number[anchor] = n + 1
        self._given.add(candidate)
        return candidate
