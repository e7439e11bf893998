"""What a document's page and its JSON say of the source: the text note, the report kind."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from kb.config import Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.pdfgen import sample_report_pdf
from tests.worlds.mirror import DECLARATION, TREATY, invented_world, report_entry

NOTE = "Text as amended by the Protocol on Brighter Lanterns"
REPORT = "lantern-er"
REPORT_ENTRY = report_entry(
    REPORT,
    "Explanatory Report to the Lantern Convention",
    "https://reports.example.org/imaginary-matters.pdf",
)
ETS_30_NOTE = "Text as amended by the Second Additional Protocol (ETS No. 182)"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The invented world, its treaty's text noted as amended, and an explanatory report."""
    settings = invented_world(tmp_path_factory.mktemp("noted"))
    manifest = settings.manifest.read_text(encoding="utf-8")
    treaty_citation = 'citation = "Convention on Lantern Signals between Harbours"\n'
    assert manifest.count(treaty_citation) == 1
    manifest = manifest.replace(treaty_citation, f'{treaty_citation}text_note = "{NOTE}"\n')
    settings.manifest.write_text(manifest + REPORT_ENTRY, encoding="utf-8")
    assert settings.mirror is not None
    (settings.mirror / f"{REPORT}.pdf").write_bytes(sample_report_pdf())
    assert ingest(settings).exit_code == 0
    served = Settings(data_dir=settings.data_dir, manifest=settings.manifest)
    return create_app(served, TESTING=True).test_client()


def test_the_api_says_what_the_text_is_and_cites_the_instrument(client: FlaskClient) -> None:
    data = client.get(f"/api/documents/{TREATY}").get_json()
    assert data["text_note"] == NOTE
    assert data["citation"] == "Convention on Lantern Signals between Harbours"
    assert data["passages"][1]["citation"].startswith(
        "Convention on Lantern Signals between Harbours, Article 1"
    )
    assert client.get(f"/api/documents/{DECLARATION}").get_json()["text_note"] is None
    sources = {s["id"]: s for s in client.get("/api/sources").get_json()["sources"]}
    assert sources[TREATY]["text_note"] == NOTE
    assert sources[DECLARATION]["text_note"] is None


def test_the_document_page_shows_the_text_note(client: FlaskClient) -> None:
    page = client.get(f"/documents/{TREATY}").get_data(as_text=True)
    assert f"<dt>Text</dt><dd>{NOTE}</dd>" in page
    assert "<dt>Text</dt>" not in client.get(f"/documents/{DECLARATION}").get_data(as_text=True)


def test_a_report_is_its_own_kind_with_numbered_paragraphs(client: FlaskClient) -> None:
    data = client.get(f"/api/documents/{REPORT}").get_json()
    assert (data["kind"], data["kind_label"]) == ("explanatory-report", "Explanatory report")
    para_44 = next(p for p in data["passages"] if p["anchor"] == "para-44")
    assert para_44["citation"] == "Explanatory Report to the Lantern Convention, para. 44"
    assert para_44["url"].endswith("#para-44")
    page = client.get(f"/documents/{REPORT}").get_data(as_text=True)
    assert "Explanatory report · 1999" in page
    assert 'id="para-44"' in page
    found = client.get("/api/search?q=lantern&kind=explanatory-report").get_json()
    assert found["total"] > 0
    assert {hit["source"] for hit in found["results"]} == {REPORT}
    assert found["facets"]["kind"]["explanatory-report"] == found["total"]


def test_the_real_ets_30_is_noted_as_consolidated(mirror_client: FlaskClient) -> None:
    data = mirror_client.get("/api/documents/coe-ets-030").get_json()
    assert data["text_note"] == ETS_30_NOTE
    assert (
        data["citation"]
        == "European Convention on Mutual Assistance in Criminal Matters (ETS No. 30)"
    )
    assert data["passages"][1]["citation"].startswith(data["citation"] + ", Article 1")
    page = mirror_client.get("/documents/coe-ets-030").get_data(as_text=True)
    assert ETS_30_NOTE in page


def test_a_report_gets_no_compare_column(client: FlaskClient) -> None:
    """Commentary is no instrument: compare's columns set instruments' provisions side by side."""
    body = client.get("/api/compare?q=lantern").get_json()
    assert REPORT not in [column["key"] for column in body["columns"]]
    assert TREATY in [column["key"] for column in body["columns"]]
    assert all(REPORT not in column["sources"] for column in body["columns"])
    assert REPORT not in [entry["source"] for entry in body["not_held"]]


def test_the_real_report_is_known_by_its_metadata_and_listed_as_no_instrument(
    mirror_client: FlaskClient,
) -> None:
    data = mirror_client.get("/api/documents/coe-ets-185-er").get_json()
    assert (data["kind"], data["status"]) == ("explanatory-report", "metadata-only")
    assert data["citation"] == "Explanatory Report to ETS 185"
    body = mirror_client.get("/api/compare?theme=safeguards").get_json()
    assert "coe-ets-185-er" not in [entry["source"] for entry in body["not_held"]]
