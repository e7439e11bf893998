"""The sources manifest: the real one is complete, a broken one says what is wrong."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kb.config import DEFAULT_MANIFEST
from kb.ingest.errors import ConfigError
from kb.ingest.manifest import ManifestError, load_manifest
from kb.ingest.mirror import MIRROR_FORMATS
from kb.models import Source

_TABLE_ID = re.compile(r"^\|\s*([a-z0-9][a-z0-9-]*)\s*\|")


def readme_ids(readme: Path) -> list[str]:
    """The source ids of the mirror README's tables (first column of each row)."""
    ids = []
    for line in readme.read_text(encoding="utf-8").splitlines():
        match = _TABLE_ID.match(line)
        if match and match.group(1) != "source":
            ids.append(match.group(1))
    return ids


# --- the real manifest --------------------------------------------------------


def test_real_manifest_loads() -> None:
    sources = load_manifest(DEFAULT_MANIFEST)
    assert len(sources) == 22
    assert all(isinstance(s, Source) for s in sources)
    assert len({s.id for s in sources}) == len(sources)


def test_real_manifest_lists_exactly_the_sources_of_the_mirror_readme(mirror_dir: Path) -> None:
    ids = readme_ids(mirror_dir / "README.md")
    assert len(ids) == 22, ids  # 11 with a mirror copy, 11 without
    assert len(set(ids)) == len(ids)
    manifest_ids = [s.id for s in load_manifest(DEFAULT_MANIFEST)]
    assert sorted(manifest_ids) == sorted(ids)


def test_every_mirror_file_is_a_manifest_source(mirror_dir: Path) -> None:
    manifest_ids = {s.id for s in load_manifest(DEFAULT_MANIFEST)}
    files = [p for p in mirror_dir.iterdir() if p.name != "README.md"]
    assert len(files) == 11
    for path in files:
        assert path.suffix in MIRROR_FORMATS, path.name
        assert path.stem in manifest_ids, path.name


def test_real_manifest_aliases() -> None:
    sources = {s.id: s for s in load_manifest(DEFAULT_MANIFEST)}
    assert "Budapest Convention" in sources["coe-ets-185"].aliases
    assert "Convention 108" in sources["coe-ets-108"].aliases
    assert {"ECHR", "European Convention on Human Rights", "ETS No. 5"} <= set(
        sources["coe-ets-005"].aliases
    )
    assert {"ICCPR", "the Covenant"} <= set(sources["un-iccpr"].aliases)
    assert {"European Convention on Extradition", "ETS No. 24"} <= set(
        sources["coe-ets-024"].aliases
    )
    assert "ETS No. 99" in sources["coe-ets-099"].aliases


def test_real_manifest_orders_each_family_together() -> None:
    """Manifest order is the order of compare's columns and of the facets."""
    ids = [s.id for s in load_manifest(DEFAULT_MANIFEST)]
    assert ids.index("igf-2017-ws149-transcript") == ids.index("igf-2017-ws149") + 1
    mutual_assistance = ["coe-ets-030", "coe-ets-099", "coe-ets-182", "coe-ets-024"]
    at = ids.index("coe-ets-030")
    assert ids[at : at + 4] == mutual_assistance
    assert ids.index("coe-ets-185") < ids.index("coe-ets-185-er") < ids.index("coe-ets-005")


def test_the_new_treaties_are_fetched_from_the_pinned_mirror(mirror_dir: Path) -> None:
    sources = {s.id: s for s in load_manifest(DEFAULT_MANIFEST)}
    readme = (mirror_dir / "README.md").read_text(encoding="utf-8")
    expected = {
        "coe-ets-005": ("1950-11-04", "BWBV0001000"),
        "un-iccpr": ("1966-12-16", "BWBV0001017"),
        "coe-ets-024": ("1957-12-13", "BWBV0001010"),
        "coe-ets-099": ("1978-03-17", "BWBV0001027"),
    }
    for source_id, (date, folder) in expected.items():
        source = sources[source_id]
        assert (source.kind, source.format, source.parser) == ("treaty", "markdown", "treaty")
        assert source.date == date
        assert source.fetch_url.endswith(f"/{folder}/README.md")
        base, path = source.fetch_url.split("/verdrag/", 1)
        assert base + "/" in readme and f"`verdrag/{path}`" in readme
        assert source.url in readme


def test_the_explanatory_report_and_its_citation() -> None:
    report = {s.id: s for s in load_manifest(DEFAULT_MANIFEST)}["coe-ets-185-er"]
    assert (report.kind, report.format, report.parser) == ("explanatory-report", "pdf", "report")
    assert report.kind_label == "Explanatory report"
    assert report.citation == "Explanatory Report to ETS 185"


def test_the_consolidated_text_of_ets_30_is_noted() -> None:
    sources = {s.id: s for s in load_manifest(DEFAULT_MANIFEST)}
    ets30 = sources["coe-ets-030"]
    assert ets30.text_note == "Text as amended by the Second Additional Protocol (ETS No. 182)"
    assert (
        ets30.citation
        == "European Convention on Mutual Assistance in Criminal Matters (ETS No. 30)"
    )
    assert sources["coe-ets-185"].text_note is None


# --- malformed manifests --------------------------------------------------------


def entry(**changes: Any) -> dict[str, Any]:
    """A valid source entry with ``changes`` (a value of None removes the field)."""
    data: dict[str, Any] = {
        "id": "demo-a",
        "title": "Demo Convention on Harbour Bells",
        "short_title": "Harbour Bells",
        "aliases": ["Bell Convention"],
        "kind": "treaty",
        "year": 2001,
        "url": "https://example.org/bells",
        "fetch_url": "https://example.org/bells.md",
        "format": "markdown",
        "parser": "treaty",
        "citation": "Demo Convention on Harbour Bells",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def toml(*entries: dict[str, Any]) -> str:
    """The entries as a manifest (JSON strings and lists are valid TOML values)."""
    parts = []
    for data in entries:
        lines = ["[[source]]"]
        lines += [f"{key} = {json.dumps(value)}" for key, value in data.items()]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_fixture_manifest_loads(tmp_path: Path) -> None:
    second = entry(id="demo-b", date="2001-11-23", aliases=None, format="pdf")
    sources = load_manifest(write(tmp_path, toml(entry(), second)))
    assert [s.id for s in sources] == ["demo-a", "demo-b"]
    assert sources[0].aliases == ("Bell Convention",)
    assert sources[1].aliases == ()
    assert sources[1].date == "2001-11-23"
    assert sources[0].text_note is None


def test_a_text_note_is_kept_and_round_trips(tmp_path: Path) -> None:
    note = "Text as amended by the Demo Protocol"
    [source] = load_manifest(write(tmp_path, toml(entry(text_note=f" {note} "))))
    assert source.text_note == note
    assert Source.from_dict(source.to_dict()) == source
    older = {k: v for k, v in source.to_dict().items() if k != "text_note"}
    assert Source.from_dict(older).text_note is None  # a cached document from before the field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "  "}, "title"),
        ({"kind": "novel"}, "kind"),
        ({"format": "docx"}, "format"),
        ({"parser": "poem"}, "parser"),
        ({"url": "ftp://example.org/bells"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"fetch_url": "file:///etc/passwd"}, "fetch_url"),
        ({"year": "2001"}, "year"),
        ({"year": True}, "year"),
        ({"year": 21}, "year"),
        ({"date": "23/11/2001"}, "date"),
        ({"aliases": "Bell Convention"}, "aliases"),
        ({"text_note": ""}, "text_note"),
        ({"text_note": ["amended"]}, "text_note"),
        ({"kind": "report"}, "kind"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_field_is_named_with_its_entry(
    tmp_path: Path, changes: dict[str, Any], field: str
) -> None:
    path = write(tmp_path, toml(entry(id="demo-ok"), entry(**changes)))
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert "'demo-a'" in message  # the entry, by id ...
    assert "#2" in message  # ... and by position
    assert f"field {field!r}" in message
    assert str(path) in message


@pytest.mark.parametrize("bad_id", ["Demo_A", "demo a", "-demo", "démo", "demo/a"])
def test_bad_id_characters(tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(ManifestError, match=r"field 'id'.*lower-case letters"):
        load_manifest(write(tmp_path, toml(entry(id=bad_id))))


def test_missing_id_names_the_entry_by_position(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"source #1, field 'id'"):
        load_manifest(write(tmp_path, toml(entry(id=None))))


def test_duplicate_id(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"source id 'demo-a' appears twice"):
        load_manifest(write(tmp_path, toml(entry(), entry(title="Another title"))))


def test_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[[source]]\nid = "demo-a\ntitle = 3 4\n')
    with pytest.raises(ManifestError, match="not valid TOML") as caught:
        load_manifest(path)
    assert str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest file"):
        load_manifest(tmp_path / "nowhere.toml")


@pytest.mark.parametrize("text", ["", "title = 'x'\n", "source = 3\n", "[source]\nid = 'a'\n"])
def test_no_source_entries(tmp_path: Path, text: str) -> None:
    with pytest.raises(ManifestError, match=r"no \[\[source\]\] entries"):
        load_manifest(write(tmp_path, text))


def test_manifest_error_is_a_config_error() -> None:
    assert issubclass(ManifestError, ConfigError)


def test_a_fetch_url_may_name_a_base(tmp_path: Path) -> None:
    bases = '[bases]\nbells = "https://example.org/pinned/abc123/"\n\n'
    text = bases + toml(entry(fetch_url="bells:treaties/bells/README.md"))
    [source] = load_manifest(write(tmp_path, text))
    assert source.fetch_url == "https://example.org/pinned/abc123/treaties/bells/README.md"


def test_an_unknown_base_is_not_an_address(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="field 'fetch_url'"):
        load_manifest(write(tmp_path, toml(entry(fetch_url="nowhere:treaties/bells.md"))))


def test_bases_must_be_addresses(tmp_path: Path) -> None:
    text = '[bases]\nbells = "ftp://example.org/"\n\n' + toml(entry())
    with pytest.raises(ManifestError, match=r"\[bases\]"):
        load_manifest(write(tmp_path, text))
