"""Values checked against a pattern are matched whole, wherever kb checks them (issue 11).

A pattern ending in ``$`` used with ``re.match`` accepts a value with one trailing
newline ("abc\\n"), since ``$`` also matches just before a final newline. Every such
check in kb uses ``fullmatch`` instead; each site has its test here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.ingest.manifest import ManifestError, load_manifest
from kb.search.query import Years, parse
from kb.search.themes import ThemesError, load_themes
from kb.web.params import BadParameter, integer, years

SOURCE = {
    "id": "harbour-bells",
    "title": "Convention on Harbour Bells",
    "short_title": "Harbour Bells",
    "kind": "treaty",
    "year": 2001,
    "url": "https://example.org/bells",
    "fetch_url": "https://example.org/bells.md",
    "format": "markdown",
    "parser": "treaty",
    "citation": "Convention on Harbour Bells",
}
THEME = {
    "id": "bells",
    "label": "Bells",
    "description": "Bells rung in harbours.",
    "synonyms": [["bell", "chime"]],
}


def write_table(path: Path, header: str, table: dict[str, object], preamble: str = "") -> Path:
    """A TOML file holding one ``[[header]]`` table (JSON values are valid TOML values)."""
    lines = [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path.write_text(f"{preamble}[[{header}]]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_manifest_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    good = write_table(tmp_path / "good.toml", "source", SOURCE)
    assert [s.id for s in load_manifest(good)] == ["harbour-bells"]
    bad = write_table(tmp_path / "bad.toml", "source", {**SOURCE, "id": "harbour-bells\n"})
    with pytest.raises(ManifestError, match="field 'id'"):
        load_manifest(bad)


def test_a_theme_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    good = write_table(tmp_path / "good.toml", "theme", THEME, "version = 1\n")
    assert list(load_themes(good).themes) == ["bells"]
    bad = write_table(tmp_path / "bad.toml", "theme", {**THEME, "id": "bells\n"}, "version = 1\n")
    with pytest.raises(ThemesError, match="field 'id'"):
        load_themes(bad)


def test_a_whole_number_parameter_with_a_trailing_newline_is_refused() -> None:
    assert integer({"page": ["2"]}, "page", 1) == 2
    with pytest.raises(BadParameter, match="page: must be a whole number"):
        integer({"page": ["2\n"]}, "page", 1)


def test_a_year_parameter_is_trimmed_before_it_is_matched_whole() -> None:
    # Spaces around a year are allowed (the OpenAPI pattern says so), a newline among
    # them; what is left must be a year or a range, all of it.
    assert years(" 2016-2021\n") == (2016, 2021)
    for bad in ("2019\nx", "2019-2021-", "20190"):
        with pytest.raises(BadParameter, match="year:"):
            years(bad)


def test_a_year_field_in_a_query_is_matched_whole() -> None:
    # The query's words never hold a newline (it separates them); the field's value is
    # matched whole all the same, so "year:2019x" is words, not a filter.
    assert parse("year:2016-2021").node == Years(2016, 2021)
    assert not isinstance(parse("year:2019x").node, Years)
