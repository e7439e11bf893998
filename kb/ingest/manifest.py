"""The sources manifest (``corpus/sources.toml``): loaded, checked, turned into Sources."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kb.config import read_toml
from kb.ingest.errors import ConfigError
from kb.ingest.parsers import PARSERS
from kb.models import FORMATS, KIND_LABELS, Source

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # used with fullmatch: "$" lets "id\n" by
_REQUIRED_TEXT = ("id", "title", "short_title", "url", "fetch_url", "citation")
_CHOICES = {"kind": tuple(KIND_LABELS), "format": FORMATS, "parser": tuple(PARSERS)}
# Checked one by one: the year, and the optional date, aliases and text_note (what the
# text fetched is when it is not the instrument as signed, such as a consolidated text).
_CHECKED_APART = ("year", "date", "aliases", "text_note")


class ManifestError(ConfigError):
    """The manifest cannot be used; the message names the entry and the field."""


def load_manifest(path: Path) -> list[Source]:
    """Every source of the manifest, in its order, or a ManifestError saying what is wrong."""
    data = read_toml(path, "manifest", ManifestError)
    entries = data.get("source")
    if not isinstance(entries, list) or not entries:
        raise ManifestError(f"{path}: no [[source]] entries")
    bases = _bases(data.get("bases", {}), path)
    sources = [_source(entry, number, path, bases) for number, entry in enumerate(entries, 1)]
    _check_unique(sources, path)
    return sources


def _bases(table: Any, path: Path) -> dict[str, str]:
    """The ``[bases]`` table: names for address prefixes that fetch URLs share."""
    if not isinstance(table, dict) or not all(
        isinstance(v, str) and urlsplit(v).scheme in ("http", "https") for v in table.values()
    ):
        raise ManifestError(f"{path}: [bases] must map names to http(s) addresses")
    return table


def _expand(address: str, bases: dict[str, str]) -> str:
    """``laws-markdown:verdrag/...`` -> the base's address followed by the rest."""
    name, sep, rest = address.partition(":")
    return bases[name] + rest if sep and name in bases else address


def _source(entry: Any, number: int, path: Path, bases: dict[str, str]) -> Source:
    where = f"{path}: source #{number}"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where} is not a table")
    if isinstance(entry.get("id"), str):
        where = f"{path}: source {entry['id']!r} (#{number})"

    def fail(field: str, problem: str) -> ManifestError:
        return ManifestError(f"{where}, field {field!r}: {problem}")

    for field in _REQUIRED_TEXT:
        value = entry.get(field)
        if not isinstance(value, str) or not value.strip():
            raise fail(field, "missing or not a non-empty string")
    entry = {**entry, "fetch_url": _expand(entry["fetch_url"], bases)}
    if not _ID.fullmatch(entry["id"]):
        raise fail("id", "use lower-case letters, digits and hyphens only")
    for field, choices in _CHOICES.items():
        if entry.get(field) not in choices:
            raise fail(field, f"must be one of {', '.join(choices)}")
    for field in ("url", "fetch_url"):
        if urlsplit(entry[field]).scheme not in ("http", "https"):
            raise fail(field, "must be an http(s) address")
    unknown = set(entry) - {*_REQUIRED_TEXT, *_CHOICES, *_CHECKED_APART}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown field")
    texts = {field: entry[field] for field in _REQUIRED_TEXT}
    chosen = {field: entry[field] for field in _CHOICES}
    return Source(**texts, **chosen, **_checked_apart(entry, fail))


def _checked_apart(
    entry: dict[str, Any], fail: Callable[[str, str], ManifestError]
) -> dict[str, Any]:
    """The year, and the optional date, aliases and text note, each checked."""
    year = entry.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100:
        raise fail("year", "must be a year such as 2021")
    date = entry.get("date")
    if date is not None:
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            raise fail("date", "must be an ISO date such as 2001-11-23") from None
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise fail("aliases", "must be a list of strings")
    text_note = entry.get("text_note")
    if text_note is not None and (not isinstance(text_note, str) or not text_note.strip()):
        raise fail("text_note", "must be a non-empty string when given")
    return {
        "year": year,
        "date": str(date) if date is not None else None,
        "aliases": tuple(aliases),
        "text_note": text_note.strip() if text_note is not None else None,
    }


def _check_unique(sources: list[Source], path: Path) -> None:
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise ManifestError(f"{path}: source id {source.id!r} appears twice")
        seen.add(source.id)
