"""The JSON API (kb/web/api.py) on an index of the invented world and of the real mirror."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb.config import DEFAULT_MANIFEST, Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.factories import DECLARATION, PROPOSAL, TREATY
from tests.factories import invented_world as world_settings


def client_for(settings: Settings) -> FlaskClient:
    app = create_app(Settings(data_dir=settings.data_dir), TESTING=True)
    return app.test_client()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = world_settings(tmp_path)
    ingest(settings)
    return settings


@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return client_for(settings)


def test_health(client: FlaskClient, settings: Settings) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.is_json
    data = response.get_json()
    assert set(data) == {"ok", "documents", "passages", "index_version", "built_at"}
    assert data["ok"] is True
    assert data["documents"] == 3
    assert data["passages"] == 13
    current = (settings.index_root / "CURRENT").read_text(encoding="utf-8")
    assert data["index_version"] == current
    assert data["built_at"].endswith("Z")


def test_a_document_with_its_passages_in_order(client: FlaskClient) -> None:
    response = client.get(f"/api/documents/{TREATY}")
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True
    assert data["id"] == TREATY
    assert data["title"] == "Convention on Lantern Signals between Harbours"
    assert data["kind"] == "treaty"
    assert data["year"] == 1999
    assert data["url"] == "https://treaties.example.org/lantern-signals"
    assert data["people"] == []
    assert data["status"] == "text"
    assert data["passage_count"] == 5
    passages = data["passages"]
    assert [p["id"] for p in passages] == [
        f"{TREATY}.preamble",
        *(f"{TREATY}.art-{n}" for n in range(1, 5)),
    ]
    assert [p["section"] for p in passages] == [
        "Preamble",
        "Article 1 – Purpose",
        "Article 2 – Use of terms",
        "Article 3 – Requests for signal logs",
        "Article 4 – Conditions and safeguards",
    ]
    assert all(p["text"] for p in passages)
    assert "within seven tides" in passages[3]["text"]
    assert passages[4]["url"] == "https://treaties.example.org/lantern-signals#art-4"


def test_a_document_with_people(client: FlaskClient) -> None:
    data = client.get(f"/api/documents/{PROPOSAL}").get_json()
    assert data["kind"] == "igf-proposal"
    people = {(p["name"], p["role"]) for p in data["people"]}
    assert ("Mirela Vantongeren", "organiser") in people
    assert ("Haruto Vell", "speaker") in people


def test_a_metadata_only_document(client: FlaskClient) -> None:
    data = client.get(f"/api/documents/{DECLARATION}").get_json()
    assert data["ok"] is True
    assert data["status"] == "metadata-only"
    assert data["passages"] == []
    assert data["title"] == "Declaration on Tidewater Beacon Registers"


def test_an_unknown_document_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/documents/no-such-document")
    assert response.status_code == 404
    assert response.is_json
    data = response.get_json()
    assert data["ok"] is False
    assert data["error"]["code"] == "not-found"
    assert "no-such-document" in data["error"]["message"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/documents/", "/api/health/x"])
def test_an_unknown_api_path_is_json_never_html(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.is_json
    assert b"<html" not in response.data.lower()
    data = response.get_json()
    assert data["ok"] is False
    assert set(data["error"]) == {"code", "message"}
    assert data["error"]["code"] == "not-found"


def test_before_any_ingest_health_is_503_no_index(tmp_path: Path) -> None:
    response = client_for(Settings(data_dir=tmp_path / "empty")).get("/api/health")
    assert response.status_code == 503
    assert response.is_json
    data = response.get_json()
    assert data["ok"] is False
    assert data["error"]["code"] == "no-index"
    assert "kb ingest" in data["error"]["message"]


def test_the_app_follows_a_new_generation_without_restart(tmp_path: Path) -> None:
    settings = world_settings(tmp_path)
    client = client_for(settings)
    assert client.get("/api/health").status_code == 503

    first = ingest(settings)
    health = client.get("/api/health").get_json()
    assert health["index_version"] == first.generation
    assert health["passages"] == 13

    treaty = settings.mirror / f"{TREATY}.md"  # type: ignore[operator]
    text = treaty.read_text(encoding="utf-8")
    treaty.write_text(
        text.replace(
            "####Verdrag inzake",
            "### Article  5\n\n####Entry into force\n\nOn the first calm night.\n\n"
            "####Verdrag inzake",
        ),
        encoding="utf-8",
    )
    second = ingest(settings)
    assert second.rebuilt and second.generation != first.generation

    health = client.get("/api/health").get_json()
    assert health["index_version"] == second.generation
    assert health["passages"] == 14
    data = client.get(f"/api/documents/{TREATY}").get_json()
    assert data["passages"][-1]["section"] == "Article 5 – Entry into force"


def test_search_finds_passages_with_marked_snippets(client: FlaskClient) -> None:
    response = client.get("/api/search?q=signal+logs")
    assert response.status_code == 200
    data = response.get_json()
    assert data["ok"] is True
    assert data["query"]["q"] == "signal logs"
    assert data["total"] == 4
    assert data["results"][0]["id"] == f"{TREATY}.art-3"  # "Requests for signal logs"
    assert data["results"][0]["citation"].endswith("Article 3 – Requests for signal logs")
    assert data["results"][0]["url"] == "https://treaties.example.org/lantern-signals#art-3"
    assert "<mark>signal</mark>" in data["results"][1]["snippet"]
    assert data["facets"]["source"] == {TREATY: 4}
    assert data["next_url"] is None


def test_search_facets_count_under_the_other_filters(client: FlaskClient) -> None:
    data = client.get("/api/search?q=safeguards&kind=igf-proposal").get_json()
    assert data["total"] == 3
    assert {hit["source"] for hit in data["results"]} == {PROPOSAL}
    assert data["query"]["filters"] == {"kind": ["igf-proposal"]}
    assert data["facets"]["kind"] == {"igf-proposal": 3, "treaty": 2}
    assert data["facets"]["source"] == {PROPOSAL: 3}


def test_search_answers_a_typo_with_the_correction(client: FlaskClient) -> None:
    data = client.get("/api/search?q=lantren").get_json()
    assert data["suggestion"] == "lantern"
    assert data["query"]["searched_instead"] == "lantern"
    assert data["total"] == 5


def test_search_parameter_errors_are_json_400(client: FlaskClient) -> None:
    for query, code in [
        ("page=abc", "invalid-parameter"),
        ("per_page=101", "invalid-parameter"),
        ("kind=x", "invalid-parameter"),
        ("limit=5", "unknown-parameter"),
    ]:
        response = client.get(f"/api/search?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == code, query


# --- the real mirror -------------------------------------------------------------------


@pytest.fixture
def real_client(mirror_dir: Path, tmp_path: Path) -> FlaskClient:
    settings = Settings(data_dir=tmp_path / "data", manifest=DEFAULT_MANIFEST, mirror=mirror_dir)
    report = ingest(settings)
    assert report.exit_code == 0
    return client_for(settings)


def test_real_budapest_convention(real_client: FlaskClient) -> None:
    data = real_client.get("/api/documents/coe-ets-185").get_json()
    assert data["ok"] is True
    assert data["status"] == "text"
    assert data["passage_count"] == 49
    assert len(data["passages"]) == 49
    by_id = {p["id"]: p for p in data["passages"]}
    assert by_id["coe-ets-185.art-15"]["section"] == "Article 15 – Conditions and safeguards"
    assert by_id["coe-ets-185.art-15"]["text"]
    assert "Budapest Convention" in data["aliases"]


def test_real_igf_proposal_people(real_client: FlaskClient) -> None:
    data = real_client.get("/api/documents/igf-2021-ws188").get_json()
    assert data["ok"] is True
    roles = [p["role"] for p in data["people"]]
    assert "organiser" in roles
    assert "speaker" in roles
    assert all(p["name"] for p in data["people"])


def test_real_health(real_client: FlaskClient) -> None:
    data = real_client.get("/api/health").get_json()
    assert data["documents"] == 16
    assert data["passages"] == 173
