"""Passage anchors: URL-safe, stable, unique within a document."""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "section") -> str:
    """``"I. Legal basis"`` -> ``"i-legal-basis"``; never empty."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:60].strip("-") or fallback


class AnchorSet:
    """Hands out anchors, adding ``-2``, ``-3`` ... to any already given."""

    def __init__(self) -> None:
        self._given: set[str] = set()

    def unique(self, anchor: str) -> str:
        candidate, n = anchor, 2
        while candidate in self._given:
            candidate, n = f"{anchor}-{n}", n + 1
        self._given.add(candidate)
        return candidate
