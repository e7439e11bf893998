"""An explanatory report through the whole ingest: a mirror PDF in, ``para-N`` passages out."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import Settings
from kb.ingest.pipeline import NEW, UNCHANGED, ingest
from kb.search import SearchRequest, search
from kb.search.library import Library, Snapshot
from tests.pdfgen import sample_report_pdf
from tests.worlds.mirror import report_entry

REPORT = "imaginary-er"
MANIFEST = report_entry(
    REPORT, "Explanatory Report to ETS 185", "http://127.0.0.1:9/imaginary-er.pdf"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / f"{REPORT}.pdf").write_bytes(sample_report_pdf())
    manifest = tmp_path / "sources.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", manifest=manifest, mirror=mirror)


def snapshot(settings: Settings) -> Snapshot:
    return Library(settings.index_root).snapshot()


def test_a_report_ingests_from_a_mirror_pdf_into_numbered_paragraphs(settings: Settings) -> None:
    report = ingest(settings)
    assert report.exit_code == 0
    [result] = report.results
    assert result.status == NEW
    document = snapshot(settings).documents[REPORT]
    assert [p.anchor for p in document.passages] == [
        "before-para-1",
        *(f"para-{n}" for n in (1, 2, 3, 4, 43, 44, 45)),
    ]
    para_44 = document.passages[6]
    assert document.citation(para_44) == "Explanatory Report to ETS 185, para. 44"
    assert document.url(para_44) == "https://reports.example.org/imaginary-matters#para-44"
    assert para_44.path[-1] == "Article 2 – Unlawful dimming"
    assert ingest(settings).results[0].status == UNCHANGED


def test_a_report_paragraph_is_found_with_its_citation_and_kind(settings: Settings) -> None:
    assert ingest(settings).exit_code == 0
    result = search(snapshot(settings), SearchRequest(q="lantern theft keeper"))
    top = result.hits[0]
    assert top.id == f"{REPORT}.para-45"
    assert top.document.citation(top.passage) == "Explanatory Report to ETS 185, para. 45"
    assert result.facets["kind"] == {"explanatory-report": result.total}
