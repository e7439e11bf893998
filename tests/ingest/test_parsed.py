"""The parsed-document cache (kb/ingest/parsed.py): kept per body hash and parsing code."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kb.ingest.cache import RawCopy
from kb.ingest.parsed import ParsedCache, ParsedCopy
from kb.models import STATUS_TEXT, Document, Passage
from tests.worlds import make_source

SOURCE = make_source("lamps")


def copy_of(sha256: str = "a" * 64) -> RawCopy:
    return RawCopy(
        source_id=SOURCE.id,
        url="https://example.org/lamps",
        format="markdown",
        content_type="text/markdown",
        retrieved_at="2026-12-03T10:00:00Z",
        sha256=sha256,
        size=10,
        origin="mirror",
        path=Path("lamps.md"),
    )


def parsed() -> ParsedCopy:
    passage = Passage("art-1", "Article 1", "Lamps shall burn.")
    document = Document(SOURCE, STATUS_TEXT, [passage], sha256="a" * 64)
    return ParsedCopy(document, ["1 byte was not valid UTF-8 and was replaced"])


def test_a_parse_comes_back_with_its_notes(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path / "parsed", "code-1")
    cache.put(copy_of(), parsed())
    found = cache.get(SOURCE, copy_of())
    assert found is not None
    assert found.document.passages == parsed().document.passages
    assert found.notes == parsed().notes


def test_another_body_or_other_code_is_no_hit(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path, "code-1")
    cache.put(copy_of(), parsed())
    assert cache.get(SOURCE, copy_of("b" * 64)) is None
    assert ParsedCache(tmp_path, "code-2").get(SOURCE, copy_of()) is None


def test_the_manifest_entry_of_today_is_the_documents(tmp_path: Path) -> None:
    """A renamed source (its manifest entry changed) keeps its parse, under its new entry."""
    cache = ParsedCache(tmp_path, "code-1")
    cache.put(copy_of(), parsed())
    renamed = replace(SOURCE, title="Convention on Lamps, as renamed")
    found = cache.get(renamed, copy_of())
    assert found is not None and found.document.source == renamed


def test_a_damaged_file_is_no_hit(tmp_path: Path) -> None:
    cache = ParsedCache(tmp_path, "code-1")
    (tmp_path / f"{SOURCE.id}.json").write_text("{not json", encoding="utf-8")
    assert cache.get(SOURCE, copy_of()) is None
