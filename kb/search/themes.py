"""The themes vocabulary (``corpus/themes.toml``): loaded, checked, turned into Themes.

A theme is a subject panelists search by (jurisdiction, safeguards, mutual legal
assistance, ...). Its phrases come in two kinds, kept apart on purpose:

* ``synonyms`` are equivalence groups. Every phrase of a group means the same thing,
  so a query using one of them is expanded to search the others too ("MLA" also finds
  "mutual assistance"). Expansion rewrites what the reader asked for, so the groups
  must stay tight: a near-miss in a group widens every search that touches it.
* ``related`` terms only signal that a passage is about the theme ("letters rogatory"
  for mutual assistance). They decide which passages a theme filter keeps and which a
  theme boost lifts, but never expand a query: a search for "letters rogatory" must
  not turn into a search for every kind of assistance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kb.config import DEFAULT_THEMES
from kb.ingest.errors import ConfigError
from kb.search.thesaurus import Thesaurus
from kb.search.vocabularies import check_entry, is_text, read_versioned

_TEXT_FIELDS = ("id", "label", "description")
_THEME_FIELDS = frozenset({*_TEXT_FIELDS, "synonyms", "related", "concepts"})


class ThemesError(ConfigError):
    """The themes file cannot be used; the message names the file, the theme and the field."""


@dataclass(frozen=True)
class Theme:
    """One theme: its id and label, what it covers, and the phrases that stand for it."""

    id: str
    label: str
    description: str
    synonyms: tuple[tuple[str, ...], ...]
    related: tuple[str, ...]
    concepts: tuple[str, ...] = ()  # ids of thesaurus concepts that signal the theme
    concept_terms: tuple[str, ...] = ()  # their phrases, once read (``with_concepts``)

    @property
    def terms(self) -> tuple[str, ...]:
        """Every phrase of the theme (label, synonyms, related, its concepts' phrases),
        once each, in that order."""
        groups = (p for group in self.synonyms for p in group)
        phrases = (self.label, *groups, *self.related, *self.concept_terms)
        seen: set[str] = set()
        unique: list[str] = []
        for phrase in phrases:
            if phrase.casefold() not in seen:
                seen.add(phrase.casefold())
                unique.append(phrase)
        return tuple(unique)

    def to_json(self) -> dict[str, Any]:
        """The theme as plain JSON data."""
        return {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "synonyms": [list(group) for group in self.synonyms],
            "related": list(self.related),
            "concepts": list(self.concepts),
        }


@dataclass(frozen=True)
class Vocabulary:
    """A version of the themes vocabulary: its themes by id, in the file's order."""

    version: int
    themes: dict[str, Theme]

    def get(self, theme_id: str) -> Theme | None:
        """The theme with this id, or None."""
        return self.themes.get(theme_id)

    def synonym_groups(self) -> list[tuple[str, ...]]:
        """Every equivalence group of every theme, for query expansion."""
        return [group for theme in self.themes.values() for group in theme.synonyms]

    def to_json(self) -> list[dict[str, Any]]:
        """The themes as plain JSON data, in order."""
        return [theme.to_json() for theme in self.themes.values()]

    def with_concepts(self, thesaurus: Thesaurus) -> Vocabulary:
        """The vocabulary whose themes signal their thesaurus concepts too: each concept's
        labels and instrument terms join the theme's related phrases. A ThemesError names
        a theme's concept that the thesaurus lacks."""
        themes = {}
        for theme in self.themes.values():
            for concept_id in theme.concepts:
                if concept_id not in thesaurus:
                    problem = f"no concept of the thesaurus has the id {concept_id!r}"
                    raise ThemesError(f"theme {theme.id!r}, field 'concepts': {problem}")
            found = tuple(p for c in theme.concepts for p in thesaurus.expansions(c))
            themes[theme.id] = replace(theme, concept_terms=found)
        return replace(self, themes=themes)


def load_themes(path: Path = DEFAULT_THEMES) -> Vocabulary:
    """The vocabulary in ``path``, or a ThemesError saying what is wrong and where."""
    version, entries = read_versioned(path, "theme", "themes", ThemesError)
    themes: dict[str, Theme] = {}
    for number, entry in enumerate(entries, 1):
        theme = _theme(entry, number, path)
        if theme.id in themes:
            raise ThemesError(f"{path}: theme {theme.id!r} (#{number}), field 'id': appears twice")
        themes[theme.id] = theme
    return Vocabulary(version=version, themes=themes)


def _theme(entry: Any, number: int, path: Path) -> Theme:
    """One ``[[theme]]`` table, checked field by field."""
    where = f"{path}: theme #{number}"
    if not isinstance(entry, dict):
        raise ThemesError(f"{where} is not a table")
    if isinstance(entry.get("id"), str):
        where = f"{path}: theme {entry['id']!r} (#{number})"

    def fail(field: str, problem: str) -> ThemesError:
        return ThemesError(f"{where}, field {field!r}: {problem}")

    check_entry(entry, _THEME_FIELDS, _TEXT_FIELDS, fail)
    return Theme(
        id=entry["id"],
        label=entry["label"],
        description=entry["description"],
        synonyms=_synonyms(entry.get("synonyms", []), fail),
        related=_listed(entry.get("related", []), "related", fail),
        concepts=_listed(entry.get("concepts", []), "concepts", fail),
    )


def _synonyms(value: Any, fail: Callable[[str, str], ThemesError]) -> tuple[tuple[str, ...], ...]:
    """Equivalence groups: a list of lists, each of two or more non-empty strings."""
    if not isinstance(value, list):
        raise fail("synonyms", "must be a list of lists of phrases")
    for number, group in enumerate(value, 1):
        if not isinstance(group, list) or not all(is_text(phrase) for phrase in group):
            raise fail("synonyms", f"group #{number} must be a list of non-empty strings")
        if len(group) < 2:
            raise fail("synonyms", f"group #{number} needs at least two phrases")
    return tuple(tuple(group) for group in value)


def _listed(value: Any, field: str, fail: Callable[[str, str], ThemesError]) -> tuple[str, ...]:
    """A list of non-empty strings."""
    if not isinstance(value, list) or not all(is_text(item) for item in value):
        raise fail(field, "must be a list of non-empty strings")
    return tuple(value)
