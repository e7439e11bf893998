"""The JSON API (kb/web/api.py) on an index of the invented world and of the real mirror."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kb.config import DEFAULT_MANIFEST, SearchLimits, Settings
from kb.ingest.pipeline import ingest
from kb.search.explain import FIELD_NAMES, HOWS
from kb.web import create_app
from tests.worlds.mirror import DECLARATION, HOSTILE, PROPOSAL, TREATY
from tests.worlds.mirror import invented_world as world_settings


def client_for(settings: Settings, limits: SearchLimits | None = None) -> FlaskClient:
    """The API over ``settings``' data, with ``limits`` (kb's own by default)."""
    app = create_app(Settings(data_dir=settings.data_dir, limits=limits or SearchLimits()))
    app.testing = True
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
    assert set(data) == {"ok", "documents", "passages", "records", "index_version", "built_at"}
    assert data["ok"] is True
    assert data["documents"] == 3
    assert data["passages"] == 13
    assert data["records"] == 14  # and the declaration's record: it is known by its metadata
    current = (settings.index_root / "CURRENT").read_text(encoding="utf-8")
    assert data["index_version"] == current
    assert data["built_at"].endswith("Z")


def test_an_empty_querys_total_counts_the_records_health_counts(client: FlaskClient) -> None:
    """An empty query counts every record: the passages and the metadata-only declaration."""
    health = client.get("/api/health").get_json()
    everything = client.get("/api/search").get_json()
    assert everything["total"] == health["records"] == health["passages"] + 1
    assert f"{DECLARATION}.about" in [
        hit["id"] for hit in client.get("/api/search?per_page=100").get_json()["results"]
    ]


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
    # "signal log" is defined in Article 2: the definition first, then "Requests for signal logs"
    assert [hit["id"] for hit in data["results"][:2]] == [f"{TREATY}.art-2", f"{TREATY}.art-3"]
    assert data["results"][1]["citation"].endswith("Article 3 – Requests for signal logs")
    assert data["results"][1]["url"] == "https://treaties.example.org/lantern-signals#art-3"
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


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("q=kind:treaty+signal", {"kind": ["treaty"]}),
        ("q=signal+source:pipeline-treaty", {"source": [TREATY]}),
        ("q=signal+year:1990..2000", {"year": [1990, 2000]}),
        ('q=speaker:"Haruto+Vell"', {"speaker": ["haruto vell"]}),
        ("q=(kind:treaty+OR+kind:declaration)+signal", {"kind": ["treaty", "declaration"]}),
        ("q=kind:treaty+signal&kind=treaty,igf-proposal", {"kind": ["treaty"]}),
        ("q=signal+year:1990..2000&year=1995-2030", {"year": [1995, 2000]}),
        ("q=signal+OR+kind:treaty", {}),  # not a filter of the whole query: read_as says it
        ("q=signal+-kind:treaty", {}),
    ],
)
def test_filters_typed_in_the_query_are_echoed_with_the_parameters(
    client: FlaskClient, query: str, filters: dict[str, Any]
) -> None:
    body = client.get(f"/api/search?{query}").get_json()
    assert body["query"]["filters"] == filters


def test_a_filter_typed_in_the_query_is_echoed_as_it_filters(client: FlaskClient) -> None:
    typed = client.get("/api/search?q=kind:treaty+signal").get_json()
    given = client.get("/api/search?q=signal&kind=treaty").get_json()
    assert typed["query"]["filters"] == given["query"]["filters"] == {"kind": ["treaty"]}
    assert [h["id"] for h in typed["results"]] == [h["id"] for h in given["results"]]
    assert {h["kind"] for h in typed["results"]} == {"treaty"}


@pytest.mark.parametrize("explain", ["true", "TRUE", "True", "yes", "YES", "1"])
def test_explain_is_read_in_any_case(client: FlaskClient, explain: str) -> None:
    body = get_json(client, f"/api/search?q=signal&explain={explain}")
    assert body["results"] and all("explanation" in hit for hit in body["results"])


@pytest.mark.parametrize("explain", ["false", "FALSE", "No", "0"])
def test_no_explanation_in_any_case(client: FlaskClient, explain: str) -> None:
    body = get_json(client, f"/api/search?q=signal&explain={explain}")
    assert body["results"] and not any("explanation" in hit for hit in body["results"])


@pytest.mark.parametrize(
    ("backwards", "in_order", "note"),
    [
        ("year=2030-1990", "year=1990-2030", "year '2030-1990' gives the later year first"),
        ("q=year:2030..1990", "q=year:1990..2030", "year '2030..1990' gives the later year first"),
    ],
)
def test_years_given_backwards_are_read_the_other_way_with_a_note(
    client: FlaskClient, backwards: str, in_order: str, note: str
) -> None:
    body = get_json(client, f"/api/search?{backwards}&per_page=100")
    assert body["query"]["filters"]["year"] == [1990, 2030]
    assert body["query"]["notes"][0] == f"{note}: read as 1990-2030"
    expected = get_json(client, f"/api/search?{in_order}&per_page=100")
    assert expected["query"]["notes"] == []
    assert body["total"] == expected["total"] > 0
    assert body["results"] == expected["results"]


def test_a_speaker_of_a_proposal_finds_its_passages(client: FlaskClient) -> None:
    """A proposal has no turns: the people it lists speak for all of its passages."""
    body = get_json(client, "/api/search?speaker=oyelaran&per_page=100")
    assert body["total"] == 8  # every passage of the proposal, and nothing else
    assert {hit["source"] for hit in body["results"]} == {PROPOSAL}
    assert body["facets"]["speaker"]["Priya Oyelaran-Holt"] == 8
    typed = get_json(client, "/api/search?q=speaker:VELL&per_page=100")
    assert {hit["source"] for hit in typed["results"]} == {PROPOSAL}
    assert get_json(client, "/api/search?speaker=nobody-at-all")["total"] == 0


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


def test_real_optional_protocol_is_cited_as_itself(real_client: FlaskClient) -> None:
    """The ICCPR's file holds its Optional Protocol: passages of their own, cited by name."""
    data = real_client.get("/api/passages/un-iccpr.op1-art-1").get_json()
    assert data["citation"].startswith(
        "Optional Protocol to the International Covenant on Civil and Political Rights, Article 1"
    )
    assert (
        data["path"][0]
        == "Optional Protocol to the International Covenant on Civil and Political Rights"
    )
    covenant = real_client.get("/api/passages/un-iccpr.art-1").get_json()
    assert not covenant["citation"].startswith("Optional Protocol")
    assert covenant["text"] != data["text"]


def test_real_article_17_iccpr_opens_the_covenants_article(real_client: FlaskClient) -> None:
    first = real_client.get("/api/search?q=Article+17+ICCPR").get_json()["results"][0]
    assert first["id"] == "un-iccpr.art-17"
    assert first["snippet"].lstrip("…").startswith("1.")


def test_real_articles_without_text_show_their_note(real_client: FlaskClient) -> None:
    """ETS 182 Articles 1-6 give a heading only: the hit says why, not an empty snippet."""
    body = real_client.get("/api/search?q=source:coe-ets-182&per_page=10").get_json()
    noted = [
        hit for hit in body["results"] if hit["id"] in {f"coe-ets-182.art-{n}" for n in range(1, 7)}
    ]
    assert len(noted) == 6
    for hit in noted:
        assert "heading only" in hit["snippet"], hit
        assert "European Convention on Mutual Assistance in Criminal Matters" in hit["snippet"]


def test_real_human_rights_treaties_are_cited_by_the_budapest_convention(
    real_client: FlaskClient,
) -> None:
    article_8 = real_client.get("/api/passages/coe-ets-005.art-8").get_json()
    assert article_8["section"] == "Article 8 – Right to respect for private and family life"
    citing_15 = real_client.get("/api/passages/coe-ets-185.art-15").get_json()
    targets = {r["target"] for r in citing_15["references"]}
    assert {"coe-ets-005", "un-iccpr"} <= targets
    extradition = real_client.get("/api/passages/coe-ets-185.art-24").get_json()
    assert "coe-ets-024" in {r["target"] for r in extradition["references"]}


def test_real_health(real_client: FlaskClient) -> None:
    data = real_client.get("/api/health").get_json()
    assert data["documents"] == 22
    assert data["passages"] == 348
    assert data["records"] == 359  # and the 11 documents known only by their metadata
    assert real_client.get("/api/search").get_json()["total"] == data["records"]


def test_real_speaker_finds_the_ws188_proposal_that_lists_him(real_client: FlaskClient) -> None:
    body = real_client.get("/api/search?speaker=Seger&per_page=100").get_json()
    ids = [hit["id"] for hit in body["results"]]
    assert "igf-2021-ws188.overview" in ids
    assert {hit["source"] for hit in body["results"]} == {"igf-2021-ws188"}
    assert body["facets"]["speaker"]["Alexander Seger"] == body["total"]
    lower = real_client.get("/api/search?q=data+speaker:seger").get_json()
    assert lower["total"] > 0 and {h["source"] for h in lower["results"]} == {"igf-2021-ws188"}


# --- comparing, briefs, exports, explanations, definitions and references ---------------
# On one invented world with the hostile treaty too (two instruments with text, so that
# one can have no match), built once for the module and only read.

IGF_COLUMN = "igf-sessions"
CSV_HEADER = (
    "rank,id,citation,url,document,source,kind,year,section,path,score,matched_terms,why,snippet"
)


@pytest.fixture(scope="module")
def hostile_world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = world_settings(tmp_path_factory.mktemp("api-world"), hostile=True)
    assert ingest(settings).exit_code == 0
    return settings


@pytest.fixture(scope="module")
def world(hostile_world: Settings) -> FlaskClient:
    return client_for(hostile_world)


@pytest.fixture(scope="module")
def passages(world: FlaskClient) -> dict[str, dict[str, Any]]:
    """Every passage of the world, by id, as /api/documents gives it, with its document."""
    found: dict[str, dict[str, Any]] = {}
    for source in (TREATY, PROPOSAL, HOSTILE):
        document = world.get(f"/api/documents/{source}").get_json()
        for passage in document["passages"]:
            found[passage["id"]] = {**passage, "in": document}
    return found


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == status, (url, response.get_data(as_text=True)[:300])
    assert response.is_json, response.content_type
    return response.get_json()


def error_code(client: FlaskClient, url: str, status: int = 400) -> str:
    body = get_json(client, url, status)
    assert body["ok"] is False and body["error"]["message"], body
    return body["error"]["code"]


def walk(client: FlaskClient, per_page: int = 2, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every hit of a search, page after page by next_url, and its total."""
    hits: list[dict[str, Any]] = []
    wanted = {**params, "per_page": per_page, "explain": "true"}
    url: str | None = f"/api/search?{urlencode(wanted, doseq=True)}"
    total = -1
    while url is not None:
        body = get_json(client, url)
        hits += body["results"]
        total, url = body["total"], body["next_url"]
    assert len(hits) == total
    return hits, total


def unescaped_markdown(text: str) -> str:
    """What a CommonMark renderer shows of escaped text: every backslash escape read."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


# Compare ---------------------------------------------------------------------------------

COMPARED = [
    {"q": "signal"},
    {"q": "safeguards"},
    {"theme": "safeguards"},
    {"q": "quillwort"},
    {"q": "harbour OR quillwort OR fog"},
    {"q": "lantren"},  # a typo: corrected for every column
    {"q": "request", "theme": "cross-border-access"},
    {"q": "sign*", "per_column": 1},
    {"q": "signal", "per_column": 10},
]


def test_compare_has_a_column_per_instrument_with_text_and_the_igf_sessions(
    world: FlaskClient,
) -> None:
    body = get_json(world, "/api/compare?q=safeguards")
    assert body["ok"] is True
    assert [c["key"] for c in body["columns"]] == [TREATY, HOSTILE, IGF_COLUMN]  # manifest order
    treaty, hostile, igf = body["columns"]
    assert treaty["source"] == TREATY and treaty["sources"] == [TREATY]
    assert treaty["document"] == "Convention on Lantern Signals between Harbours"
    assert treaty["short_title"] == "Lantern Convention"
    assert hostile["source"] == HOSTILE and hostile["sources"] == [HOSTILE]
    assert hostile["document"].startswith("Convention on Quillwort Meadows")
    assert igf["source"] is None
    assert igf["sources"] == [PROPOSAL]
    assert igf["document"] == "IGF sessions"
    assert treaty["total"] == 2 and igf["total"] == 3
    assert [p["id"] for p in treaty["passages"]] == [f"{TREATY}.art-4", f"{TREATY}.preamble"]
    # the declaration is known by its metadata only: it cannot be compared, and says so
    assert body["not_held"] == [
        {
            "source": DECLARATION,
            "document": "Declaration on Tidewater Beacon Registers",
            "url": "https://declarations.example.org/tidewater-beacons",
        }
    ]
    assert body["query"] == {
        "q": "safeguards",
        "theme": None,
        "read_as": '("conditions and safeguards" OR safeguards OR safeguard)',
        # a label of the real thesaurus, whose articles this world does not hold
        "notes": [
            "“safeguards”: the concept “conditions and safeguards”, also searched (weighing less)"
        ],
        "searched_instead": None,
    }


@pytest.mark.parametrize("params", COMPARED, ids=lambda p: urlencode(p))
def test_each_column_is_the_search_within_its_sources(
    world: FlaskClient, params: dict[str, Any]
) -> None:
    """A column holds the search's best hits in its sources, in the search's order."""
    body = get_json(world, f"/api/compare?{urlencode(params)}")
    per_column = params.get("per_column", 3)
    hits, total = walk(world, **{k: v for k, v in params.items() if k != "per_column"})
    assert body["total"] == total
    for column in body["columns"]:
        within = [hit for hit in hits if hit["source"] in column["sources"]]
        assert column["total"] == len(within), column["key"]
        assert column["passages"] == within[:per_column], column["key"]
        assert len(column["passages"]) <= per_column
    held = {source for column in body["columns"] for source in column["sources"]}
    assert sum(c["total"] for c in body["columns"]) == len(
        [hit for hit in hits if hit["source"] in held]
    )
    # and the matches elsewhere (here the declaration, by its title) make up the rest
    elsewhere = {entry["source"]: entry["total"] for entry in body["elsewhere"]}
    assert elsewhere == dict(Counter(hit["source"] for hit in hits if hit["source"] not in held))
    assert sum(c["total"] for c in body["columns"]) + sum(elsewhere.values()) == body["total"]


def test_compare_counts_a_match_outside_its_columns(world: FlaskClient) -> None:
    body = get_json(world, "/api/compare?q=tidewater+OR+safeguards")
    assert body["elsewhere"] == [
        {
            "source": DECLARATION,
            "document": "Declaration on Tidewater Beacon Registers",
            "status": "metadata-only",
            "total": 1,
        }
    ]
    assert sum(c["total"] for c in body["columns"]) + 1 == body["total"]


def test_a_column_without_a_match_is_an_honest_gap(world: FlaskClient) -> None:
    body = get_json(world, "/api/compare?q=quillwort")
    columns = {column["key"]: column for column in body["columns"]}
    assert set(columns) == {TREATY, HOSTILE, IGF_COLUMN}  # kept, not dropped
    assert columns[TREATY]["total"] == 0 and columns[TREATY]["passages"] == []
    assert columns[IGF_COLUMN]["total"] == 0 and columns[IGF_COLUMN]["passages"] == []
    assert columns[HOSTILE]["total"] == 5
    assert len(columns[HOSTILE]["passages"]) == 3
    # and the other way round: only the IGF session speaks of lighthouses
    columns = {c["key"]: c for c in get_json(world, "/api/compare?q=lighthouses")["columns"]}
    assert (columns[TREATY]["total"], columns[HOSTILE]["total"]) == (0, 0)
    assert columns[TREATY]["passages"] == columns[HOSTILE]["passages"] == []
    assert columns[IGF_COLUMN]["total"] > 0
    assert {p["source"] for p in columns[IGF_COLUMN]["passages"]} == {PROPOSAL}


def test_a_corrected_typo_applies_to_every_column(world: FlaskClient) -> None:
    body = get_json(world, "/api/compare?q=lantren")
    assert body["query"]["searched_instead"] == "lantern"
    columns = {c["key"]: c for c in body["columns"]}
    assert columns[TREATY]["total"] == 5
    assert all("lantern" in p["matched_terms"] for p in columns[TREATY]["passages"])


def test_compare_by_theme_alone(world: FlaskClient) -> None:
    body = get_json(world, "/api/compare?theme=safeguards")
    assert body["query"]["theme"] == "safeguards" and body["query"]["q"] == ""
    columns = {c["key"]: c for c in body["columns"]}
    assert columns[TREATY]["passages"][0]["id"] == f"{TREATY}.art-4"
    assert columns[IGF_COLUMN]["total"] > 0


@pytest.mark.parametrize(
    "query", ["", "q=", "q=%20%20", "theme=", "q=&theme=", "per_column=3", "q=%09"]
)
def test_compare_without_a_query_or_a_theme_is_400(world: FlaskClient, query: str) -> None:
    body = get_json(world, f"/api/compare?{query}", 400)
    assert body["error"]["code"] == "invalid-parameter"
    assert "theme" in body["error"]["message"] and "(q)" in body["error"]["message"]


@pytest.mark.parametrize("theme", ["nope", "Safeguards", "safeguards,mla", "<script>"])
def test_compare_on_an_unknown_theme_is_400(world: FlaskClient, theme: str) -> None:
    body = get_json(world, f"/api/compare?{urlencode({'theme': theme})}", 400)
    assert body["error"]["code"] == "invalid-parameter"
    assert "theme" in body["error"]["message"]


@pytest.mark.parametrize("per_column", [1, 2, 10])
def test_compare_per_column_within_bounds(world: FlaskClient, per_column: int) -> None:
    body = get_json(world, f"/api/compare?q=signal+OR+quillwort&per_column={per_column}")
    for column in body["columns"]:
        assert len(column["passages"]) == min(per_column, column["total"]), column["key"]


@pytest.mark.parametrize("per_column", ["0", "11", "-1", "abc", "1.5", "100", "99999999999"])
def test_compare_per_column_out_of_bounds_is_400(world: FlaskClient, per_column: str) -> None:
    body = get_json(world, f"/api/compare?q=signal&per_column={per_column}", 400)
    assert body["error"]["code"] == "invalid-parameter"
    assert "per_column" in body["error"]["message"]


@pytest.mark.parametrize("extra", ["kind=treaty", f"source={TREATY}", "page=2", "per_page=5"])
def test_compare_refuses_the_search_only_parameters(world: FlaskClient, extra: str) -> None:
    assert error_code(world, f"/api/compare?q=signal&{extra}") == "unknown-parameter"


# Brief -----------------------------------------------------------------------------------


def test_a_brief_as_json_keeps_the_order_given(
    world: FlaskClient, passages: dict[str, dict[str, Any]]
) -> None:
    ids = [f"{TREATY}.art-4", f"{PROPOSAL}.overview", f"{HOSTILE}.art-1", f"{TREATY}.art-2"]
    response = world.get(f"/api/brief?ids={','.join(ids)}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert 'filename="brief.json"' in response.headers["Content-Disposition"]
    body = response.get_json()
    assert body["ok"] is True
    assert body["index_version"] == get_json(world, "/api/health")["index_version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["prepared"])
    assert [entry["id"] for entry in body["passages"]] == ids
    for entry in body["passages"]:
        passage = passages[entry["id"]]
        document = passage["in"]
        assert entry["citation"] == passage["citation"]
        assert entry["url"] == passage["url"]
        assert entry["url"].endswith("#" + passage["anchor"])
        assert entry["text"] == passage["text"]
        assert (entry["section"], entry["path"]) == (passage["section"], passage["path"])
        assert entry["text_available"] is passage["text_available"]
        assert entry["document"] == document["title"]
        assert entry["retrieved_at"] == document["retrieved_at"]
        assert entry["source_sha256"] == document["sha256"]
        assert entry["text_sha256"] == hashlib.sha256(passage["text"].encode()).hexdigest()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"ids={TREATY}.art-2,{TREATY}.art-1,{TREATY}.art-2", ["art-2", "art-1"]),
        (f"ids={TREATY}.art-3&ids={TREATY}.art-1,{TREATY}.art-3", ["art-3", "art-1"]),
        (f"ids=%20{TREATY}.art-1%20,,{TREATY}.art-4,", ["art-1", "art-4"]),
        ("&".join([f"ids={TREATY}.art-1"] * 60), ["art-1"]),  # 60 times one passage
    ],
)
def test_a_brief_lists_a_passage_once_where_first_asked(
    world: FlaskClient, query: str, expected: list[str]
) -> None:
    body = get_json(world, f"/api/brief?{query}")
    assert [entry["id"] for entry in body["passages"]] == [f"{TREATY}.{a}" for a in expected]


def test_a_brief_as_markdown_cites_and_links_every_passage(
    world: FlaskClient, passages: dict[str, dict[str, Any]]
) -> None:
    ids = [f"{HOSTILE}.art-2", f"{TREATY}.art-3", f"{PROPOSAL}.overview", f"{HOSTILE}.art-3"]
    response = world.get(f"/api/brief?ids={','.join(ids)}&format=md")
    assert response.status_code == 200
    assert response.content_type == "text/markdown; charset=utf-8"
    assert 'filename="brief.md"' in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("# Brief\n")
    assert f"; {len(ids)} passages." in text
    index = get_json(world, "/api/health")["index_version"]
    assert f"(index {index})" in text
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    assert len(sections) == len(ids)
    for number, (passage_id, section) in enumerate(zip(ids, sections, strict=True), 1):
        passage = passages[passage_id]
        lines = section.splitlines()
        assert unescaped_markdown(lines[0]) == f"{number}. {passage['citation']}"
        citations = [line for line in lines if line.startswith("- Citation: ")]
        assert [unescaped_markdown(c) for c in citations] == [f"- Citation: {passage['citation']}"]
        assert f"- Link: <{passage['url']}>" in lines
        assert f"- Retrieved: {passage['in']['retrieved_at']}" in lines
        sha = hashlib.sha256(passage["text"].encode()).hexdigest()
        assert f"- Text SHA-256: `{sha}`" in lines
        assert f"- Source SHA-256: `{passage['in']['sha256']}`" in lines
        quoted = [line[2:] for line in lines if line.startswith("> ")]
        assert unescaped_markdown(" ".join(quoted)).split() == passage["text"].split()
    # the hostile treaty's markup is text in the Markdown: no tag, link or entity survives
    assert not re.search(r"(?<!\\)<(?!https://)", text)
    assert not re.search(r"(?<!\\)&#?\w+;", text)  # an entity is escaped: shown, not decoded


@pytest.mark.parametrize(
    ("ids", "unknown"),
    [
        ("no-such-document.art-1", "no-such-document.art-1"),
        (f"{TREATY}.art-99", f"{TREATY}.art-99"),
        (f"{TREATY}.art-1,{TREATY}.art-99,{TREATY}.art-2", f"{TREATY}.art-99"),
        (TREATY, TREATY),
        (f"{TREATY}.about", f"{TREATY}.about"),  # a document with text has no stand-in
        (f"{TREATY.upper()}.ART-1", f"{TREATY.upper()}.ART-1"),
        (f"{TREATY}.art-1,{TREATY}.", f"{TREATY}."),
    ],
)
@pytest.mark.parametrize("form", ["json", "md"])
def test_a_brief_of_an_unknown_passage_is_404_naming_it(
    world: FlaskClient, ids: str, unknown: str, form: str
) -> None:
    body = get_json(world, f"/api/brief?{urlencode({'ids': ids, 'format': form})}", 404)
    assert body["error"]["code"] == "not-found"
    assert repr(unknown) in body["error"]["message"]


ABOUT = f"{DECLARATION}.about"  # the one record of the declaration, known by its metadata
DECLARATION_CITATION = "Declaration on Tidewater Beacon Registers"
DECLARATION_URL = "https://declarations.example.org/tidewater-beacons"


def test_a_metadata_only_hit_opens_as_a_passage(world: FlaskClient) -> None:
    """Search finds the declaration by its title: its hit opens like any other."""
    (hit,) = get_json(world, "/api/search?q=tidewater+registers")["results"]
    assert hit["id"] == ABOUT and hit["text_available"] is False
    body = get_json(world, f"/api/passages/{ABOUT}")
    assert (body["id"], body["anchor"]) == (ABOUT, "about")
    assert (body["section"], body["citation"], body["url"]) == (
        hit["section"],
        hit["citation"],
        hit["url"],
    )
    assert (body["citation"], body["url"]) == (DECLARATION_CITATION, DECLARATION_URL)
    assert (body["text"], body["text_available"], body["path"]) == ("", False, [])
    assert "metadata" in body["note"]
    assert (body["position"], body["previous"], body["next"]) == (0, None, None)
    assert body["document"]["status"] == "metadata-only"
    assert body["defines"] == body["definitions"] == body["references"] == []


def test_a_brief_cites_a_metadata_only_hit(world: FlaskClient) -> None:
    body = get_json(world, f"/api/brief?ids={TREATY}.art-1,{ABOUT}")
    entry = body["passages"][1]
    assert entry["id"] == ABOUT
    assert (entry["citation"], entry["url"]) == (DECLARATION_CITATION, DECLARATION_URL)
    assert (entry["text"], entry["text_available"]) == ("", False)
    markdown = world.get(f"/api/brief?ids={TREATY}.art-1,{ABOUT}&format=md")
    assert markdown.status_code == 200
    text = markdown.get_data(as_text=True)
    assert f"## 2. {DECLARATION_CITATION}" in text
    assert f"- Link: <{DECLARATION_URL}>" in text


def test_a_brief_of_more_than_fifty_passages_is_400(world: FlaskClient) -> None:
    many = [f"x.p-{n}" for n in range(51)]
    body = get_json(world, f"/api/brief?ids={','.join(many)}", 400)
    assert body["error"]["code"] == "invalid-parameter"
    assert "50" in body["error"]["message"]
    # fifty are allowed: these are read, and the first unknown one is a 404
    assert error_code(world, f"/api/brief?ids={','.join(many[:50])}", 404) == "not-found"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid-parameter"),
        ("ids=", "invalid-parameter"),
        ("ids=,,%20,", "invalid-parameter"),
        ("format=md", "invalid-parameter"),
        (f"ids={TREATY}.art-1&format=html", "invalid-parameter"),
        (f"ids={TREATY}.art-1&format=MD", "invalid-parameter"),
        (f"ids={TREATY}.art-1&q=signal", "unknown-parameter"),
        (f"id={TREATY}.art-1", "unknown-parameter"),
    ],
)
def test_a_brief_that_cannot_be_made_is_a_json_400(
    world: FlaskClient, query: str, code: str
) -> None:
    assert error_code(world, f"/api/brief?{query}") == code


# Export ----------------------------------------------------------------------------------

EXPORTED = [
    {},
    {"q": "signal"},
    {"q": "quillwort"},
    {"theme": "safeguards"},
    {"kind": "treaty", "sort": "year_asc"},
    {"q": "harbour OR quillwort OR fog", "sort": "year_desc"},
    {"q": "lantren"},
    {"q": "zzzzqqq"},
]


def read_csv(response: TestResponse) -> list[dict[str, str]]:
    text = response.get_data().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert ",".join(rows[0]) == CSV_HEADER
    assert all(len(row) == len(rows[0]) for row in rows)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_jsonl(response: TestResponse) -> list[dict[str, Any]]:
    data = response.get_data()
    assert data == b"" or data.endswith(b"\n")
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


@pytest.mark.parametrize("params", EXPORTED, ids=lambda p: urlencode(p) or "all")
def test_the_csv_export_is_the_search_page_after_page(
    world: FlaskClient, params: dict[str, Any]
) -> None:
    hits, total = walk(world, **params)
    response = world.get(f"/api/export?{urlencode(params)}")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert 'filename="kb-search.csv"' in response.headers["Content-Disposition"]
    assert response.headers["X-Total-Count"] == str(total)
    rows = read_csv(response)
    assert [row["id"] for row in rows] == [hit["id"] for hit in hits]
    for rank, (row, hit) in enumerate(zip(rows, hits, strict=True), 1):
        assert row["rank"] == str(rank)
        for key in ("citation", "url", "document", "source", "kind", "section"):
            assert row[key] == hit[key], key
        assert row["year"] == str(hit["year"])
        assert float(row["score"]) == hit["score"]
        assert row["path"] == " › ".join(hit["path"])
        assert row["matched_terms"] == "; ".join(hit["matched_terms"])
        assert row["why"] == hit["explanation"]["summary"]
        assert row["snippet"] == html.unescape(re.sub("</?mark>", "", hit["snippet"]))
        assert "<mark>" not in row["snippet"]


@pytest.mark.parametrize("params", EXPORTED, ids=lambda p: urlencode(p) or "all")
def test_the_jsonl_export_is_the_search_page_after_page(
    world: FlaskClient, params: dict[str, Any]
) -> None:
    hits, total = walk(world, **params)
    response = world.get(f"/api/export?{urlencode({**params, 'format': 'jsonl'})}")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert 'filename="kb-search.jsonl"' in response.headers["Content-Disposition"]
    assert response.headers["X-Total-Count"] == str(total)
    assert read_jsonl(response) == hits


def test_the_export_walks_every_page_of_the_search(
    world: FlaskClient, hostile_world: Settings
) -> None:
    """Searched a page at a time (100 hits a page; 2 here), the pages make one file."""
    paged = client_for(hostile_world, SearchLimits(export_page=2))
    hits, total = walk(world, q="signal OR quillwort OR safeguards")
    assert total > 6
    response = paged.get("/api/export?q=signal+OR+quillwort+OR+safeguards&format=jsonl")
    assert read_jsonl(response) == hits
    response = paged.get("/api/export?q=signal+OR+quillwort+OR+safeguards")
    assert [row["id"] for row in read_csv(response)] == [hit["id"] for hit in hits]


@pytest.mark.parametrize("form", ["csv", "jsonl"])
def test_the_export_stops_at_its_cap_and_says_how_many_matched(
    world: FlaskClient, hostile_world: Settings, form: str
) -> None:
    capped = client_for(hostile_world, SearchLimits(export_hits=3))
    hits, total = walk(world)
    assert total > 3
    response = capped.get(f"/api/export?format={form}")
    assert response.status_code == 200
    assert response.headers["X-Total-Count"] == str(total)
    exported = read_csv(response) if form == "csv" else read_jsonl(response)
    assert [row["id"] for row in exported] == [hit["id"] for hit in hits[:3]]
    inside = client_for(hostile_world, SearchLimits(export_hits=3, export_page=2))
    response = inside.get(f"/api/export?format={form}")  # the cap falls inside a page
    exported = read_csv(response) if form == "csv" else read_jsonl(response)
    assert [row["id"] for row in exported] == [hit["id"] for hit in hits[:3]]


def test_the_export_cap_is_a_thousand() -> None:
    from kb.web.openapi import openapi_document

    assert SearchLimits().export_hits == 1_000
    assert "1,000" in openapi_document()["paths"]["/api/export"]["get"]["summary"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("page=1", "unknown-parameter"),
        ("per_page=10", "unknown-parameter"),
        ("q=signal&page=2&format=jsonl", "unknown-parameter"),
        ("q=signal&per_page=100", "unknown-parameter"),
        ("ids=x", "unknown-parameter"),
        ("format=xlsx", "invalid-parameter"),
        ("format=CSV", "invalid-parameter"),
        ("kind=x&format=jsonl", "invalid-parameter"),
        ("year=99", "invalid-parameter"),
        ("theme=nope", "invalid-parameter"),
    ],
)
def test_an_export_that_cannot_be_made_is_a_json_400(
    world: FlaskClient, query: str, code: str
) -> None:
    response = world.get(f"/api/export?{query}")
    assert "X-Total-Count" not in response.headers
    assert "Content-Disposition" not in response.headers
    assert error_code(world, f"/api/export?{query}") == code


def test_before_any_ingest_the_new_endpoints_are_json_503(tmp_path: Path) -> None:
    empty = client_for(Settings(data_dir=tmp_path / "empty"))
    for url in [
        "/api/compare?q=signal",
        f"/api/brief?ids={TREATY}.art-1&format=md",
        "/api/export?q=signal",
        "/api/export?format=jsonl",
    ]:
        assert error_code(empty, url, 503) == "no-index", url


# Explanations ----------------------------------------------------------------------------

EXPLAINED = [
    "q=signal",
    "q=signal+log",
    "q=safeguards",
    "q=sign*",
    "q=%22signal+logs%22",
    "q=harbour+OR+quillwort",
    "q=Article+3+Lantern+Convention",
    "q=Lantern+Convention",
    "q=lantren",
    "q=Tidewater",
    "q=evidence+request",
    "theme=safeguards",
    "q=request&theme=cross-border-access",
    "q=Haruto",
    "kind=treaty",
]


def fields_of(hit: dict[str, Any], passages: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The texts an explanation's ``where`` names, for one hit."""
    passage = passages.get(hit["id"])
    if passage is None:  # a metadata-only document
        return {"title": hit["document"], "heading": hit["section"]}
    document = passage["in"]
    return {
        "heading": passage["section"],
        "text": passage["text"],
        "path": " ".join(passage["path"]),
        "title": " ".join([document["title"], document["short_title"], *document["aliases"]]),
        "people": " ".join(person["name"] for person in document["people"]),
        "speakers": " ".join(passage["speakers"]),
    }


@pytest.mark.parametrize("query", EXPLAINED)
def test_every_hit_says_why_it_matched(
    world: FlaskClient, passages: dict[str, dict[str, Any]], query: str
) -> None:
    body = get_json(world, f"/api/search?{query}&per_page=100&explain=true")
    assert body["results"], query
    for hit in body["results"]:
        explanation = hit["explanation"]
        assert set(explanation) == {"summary", "reasons"}
        texts = "; ".join(reason["text"] for reason in explanation["reasons"])
        assert explanation["summary"] == texts[:1].upper() + texts[1:]
        if body["query"]["mode"] != "browse" or "theme" in query or "Convention" in query:
            assert explanation["reasons"], (query, hit["id"])
        fields = fields_of(hit, passages)
        for reason in explanation["reasons"]:
            assert reason["how"] in HOWS
            assert set(reason["where"]) <= set(FIELD_NAMES)
            assert reason["text"]
            for word in reason["matched"]:  # each matched word is where the reason says
                places = [fields.get(where, "").casefold() for where in reason["where"]]
                assert any(word.casefold() in place for place in places), (hit["id"], reason)


def test_a_browse_has_nothing_to_explain(world: FlaskClient) -> None:
    for hit in get_json(world, "/api/search?kind=treaty&per_page=100&explain=1")["results"]:
        assert hit["explanation"] == {"summary": "", "reasons": []}


def test_a_search_explains_its_hits_only_when_asked(world: FlaskClient) -> None:
    for asked in ("", "&explain=false", "&explain=0", "&explain=no"):
        hits = get_json(world, f"/api/search?q=signal{asked}")["results"]
        assert hits and all("explanation" not in hit for hit in hits), asked
    for asked in ("true", "1", "yes"):
        hits = get_json(world, f"/api/search?q=signal&explain={asked}")["results"]
        assert all(hit["explanation"]["reasons"] for hit in hits), asked
    assert error_code(world, "/api/search?q=signal&explain=maybe") == "invalid-parameter"


@pytest.mark.parametrize(
    ("query", "hit_id", "reason"),
    [
        ("q=signal", f"{TREATY}.art-3", {"how": "exact", "query": "signal", "matched": ["signal"]}),
        (
            "q=signal",
            f"{TREATY}.preamble",
            {"how": "stemming", "query": "signal", "matched": ["signals"], "where": ["text"]},
        ),
        ("q=signal+log", f"{TREATY}.art-2", {"how": "definition", "query": "signal log"}),
        (
            "q=safeguards",
            f"{TREATY}.art-4",
            {"how": "synonym", "matched": ["conditions and safeguards"], "theme": "Safeguards"},
        ),
        ("q=sign*", f"{TREATY}.art-3", {"how": "prefix", "query": "sign*"}),
        ("theme=safeguards", f"{TREATY}.art-4", {"how": "theme", "query": "Safeguards"}),
        (
            "q=Article+3+Lantern+Convention",
            f"{TREATY}.art-3",
            {"how": "article", "query": "Article 3"},
        ),
        ("q=Lantern+Convention", f"{TREATY}.art-1", {"how": "name", "query": "Lantern Convention"}),
    ],
)
def test_the_explanation_names_how_each_term_matched(
    world: FlaskClient, query: str, hit_id: str, reason: dict[str, Any]
) -> None:
    hits = get_json(world, f"/api/search?{query}&per_page=100&explain=true")["results"]
    (hit,) = [h for h in hits if h["id"] == hit_id]
    reasons = hit["explanation"]["reasons"]
    assert any(reason.items() <= r.items() for r in reasons), reasons


def test_a_definition_comes_first_and_says_so(world: FlaskClient) -> None:
    body = get_json(world, "/api/search?q=lantern+signal&explain=true")
    first = body["results"][0]
    assert first["id"] == f"{TREATY}.art-2"
    assert "defines “lantern signal”" in first["explanation"]["summary"]
    assert any("defined term" in note for note in body["query"]["notes"])


def test_compared_passages_carry_their_explanation(world: FlaskClient) -> None:
    body = get_json(world, "/api/compare?q=signal+OR+quillwort")
    found = [p for column in body["columns"] for p in column["passages"]]
    assert found
    assert all(p["explanation"]["reasons"] and p["explanation"]["summary"] for p in found)


# Definitions and references of a passage ---------------------------------------------------


def test_a_passage_that_defines_terms(world: FlaskClient) -> None:
    body = get_json(world, f"/api/passages/{TREATY}.art-2")
    where = {
        "passage": f"{TREATY}.art-2",
        "citation": "Convention on Lantern Signals between Harbours, Article 2 – Use of terms",
        "url": "https://treaties.example.org/lantern-signals#art-2",
    }
    assert body["defines"] == [
        {
            "term": "lantern signal",
            "text": '"lantern signal" means any sequence of flashes sent from a harbour tower '
            "to a ship or to another tower;",
            **where,
        },
        {
            "term": "signal log",
            "text": '"signal log" means the written record of such signals kept by a harbour '
            "keeper.",
            **where,
        },
    ]
    for definition in body["defines"]:
        assert definition["text"] in body["text"]
    assert body["definitions"] == []  # its own terms are not defined again for it
    assert body["references"] == [] and body["cited_by"] == []


@pytest.mark.parametrize(
    ("anchor", "terms"),
    [
        ("art-1", ["lantern signal"]),  # "lantern signal logs": the longest term there
        ("art-3", ["signal log"]),
        ("art-4", ["signal log"]),  # "signal logs"
        ("preamble", ["lantern signal"]),  # "lantern signals"
    ],
)
def test_a_passage_lists_the_definitions_of_the_terms_it_uses(
    world: FlaskClient, anchor: str, terms: list[str]
) -> None:
    body = get_json(world, f"/api/passages/{TREATY}.{anchor}")
    assert body["defines"] == []
    assert [d["term"] for d in body["definitions"]] == terms
    defines = get_json(world, f"/api/passages/{TREATY}.art-2")["defines"]
    assert all(d in defines for d in body["definitions"])  # the same definitions, whole


def test_a_session_and_a_treaty_without_definitions_have_none(
    world: FlaskClient, passages: dict[str, dict[str, Any]]
) -> None:
    for passage_id in passages:
        if passage_id.startswith((PROPOSAL, HOSTILE)):
            body = get_json(world, f"/api/passages/{passage_id}")
            assert (body["defines"], body["definitions"]) == ([], []), passage_id


@pytest.fixture(scope="module")
def referring(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The world with an Article 5 that refers to other articles and to another treaty."""
    settings = world_settings(tmp_path_factory.mktemp("referring-world"), hostile=True)
    treaty = settings.mirror / f"{TREATY}.md"  # type: ignore[operator]
    text = treaty.read_text(encoding="utf-8")
    article = (
        "### Article  5\n\n####Keepers abroad\n\n"
        "A request under Article 3 shall respect the safeguards of Article 4 of this Convention; "
        "a signal log of the meadows is kept under the Marsh Wardens Convention.\n\n"
    )
    treaty.write_text(text.replace("####Verdrag inzake", article + "####Verdrag inzake", 1))
    assert ingest(settings).exit_code == 0
    return client_for(settings)


def test_a_passage_lists_its_references(referring: FlaskClient) -> None:
    body = get_json(referring, f"/api/passages/{TREATY}.art-5")
    assert [(r["text"], r["target"]) for r in body["references"]] == [
        ("Article 3", f"{TREATY}.art-3"),
        ("Article 4", f"{TREATY}.art-4"),
        ("Marsh Wardens Convention", HOSTILE),
    ]
    for reference in body["references"]:
        assert body["text"][reference["start"] : reference["end"]] == reference["text"]
    assert [d["term"] for d in body["definitions"]] == ["signal log"]
    assert body["cited_by"] == []


@pytest.mark.parametrize("anchor", ["art-3", "art-4"])
def test_a_passage_lists_who_cites_it(referring: FlaskClient, anchor: str) -> None:
    body = get_json(referring, f"/api/passages/{TREATY}.{anchor}")
    citation = "Convention on Lantern Signals between Harbours, Article 5 – Keepers abroad"
    assert body["cited_by"] == [{"id": f"{TREATY}.art-5", "citation": citation}]
    assert body["references"] == []
    uncited = get_json(referring, f"/api/passages/{TREATY}.art-1")
    assert uncited["cited_by"] == []


# --- the real mirror: the "Done means" ------------------------------------------

INSTRUMENTS_WITH_TEXT = [
    "coe-ets-185",
    "coe-ets-189",
    "coe-ets-005",
    "un-iccpr",
    "coe-ets-108",
    "coe-ets-181",
    "coe-ets-030",
    "coe-ets-099",
    "coe-ets-182",
    "coe-ets-024",
]


def test_real_compare_on_safeguards_has_every_instrument_and_the_sessions(
    mirror_client: FlaskClient,
) -> None:
    body = get_json(mirror_client, "/api/compare?theme=safeguards")
    keys = [column["key"] for column in body["columns"]]
    assert sorted(keys[:-1]) == sorted(INSTRUMENTS_WITH_TEXT)
    assert keys[-1] == IGF_COLUMN
    sources = get_json(mirror_client, "/api/sources")["sources"]
    igf = {s["id"] for s in sources if s["kind"].startswith("igf-") and s["holds"] == "text"}
    instruments = [s for s in sources if s["kind"] in ("treaty", "declaration")]
    assert keys[:-1] == [s["id"] for s in instruments if s["holds"] == "text"]  # manifest order
    assert set(body["columns"][-1]["sources"]) == igf
    assert [n["source"] for n in body["not_held"]] == [
        s["id"] for s in instruments if s["holds"] == "metadata-only"
    ]
    for column in body["columns"]:
        assert {p["source"] for p in column["passages"]} <= set(column["sources"])
        assert len(column["passages"]) == min(3, column["total"])
    budapest = body["columns"][keys.index("coe-ets-185")]
    assert "coe-ets-185.art-15" in [p["id"] for p in budapest["passages"]]


@pytest.mark.parametrize("query", ["theme=jurisdiction", "theme=safeguards", "q=data"])
def test_real_compare_columns_add_up(mirror_client: FlaskClient, query: str) -> None:
    body = get_json(mirror_client, f"/api/compare?{query}")
    in_columns = sum(column["total"] for column in body["columns"])
    assert in_columns + sum(entry["total"] for entry in body["elsewhere"]) == body["total"]


def test_real_brief_as_markdown_cites_and_links_every_passage(
    mirror_client: FlaskClient,
) -> None:
    ids = ["coe-ets-185.art-15", "coe-ets-108.art-2", "igf-2021-ws188.overview"]
    for passage_id in ids:  # they exist
        source = passage_id.partition(".")[0]
        listed = get_json(mirror_client, f"/api/documents/{source}")["passages"]
        assert passage_id in [p["id"] for p in listed]
    response = mirror_client.get(f"/api/brief?ids={','.join(ids)}&format=md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    text = response.get_data().decode("utf-8")
    assert text.startswith("# Brief")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    assert len(sections) == 3
    for passage_id, section in zip(ids, sections, strict=True):
        passage = get_json(mirror_client, f"/api/passages/{passage_id}")
        lines = section.splitlines()
        assert f"- Citation: {passage['citation']}" in map(unescaped_markdown, lines)
        assert f"- Link: <{passage['url']}>" in lines
        assert passage["url"].endswith(f"#{passage['anchor']}")
    assert (
        "- Link: <https://www.coe.int/en/web/conventions/full-list?module=treaty-detail&treatynum=185#art-15>"
        in text
    )


def test_real_brief_of_fifty_passages_and_no_more(mirror_client: FlaskClient) -> None:
    ids = [
        passage["id"]
        for source in ("coe-ets-108", "coe-ets-185")
        for passage in get_json(mirror_client, f"/api/documents/{source}")["passages"]
    ]
    assert len(ids) > 50
    body = get_json(mirror_client, f"/api/brief?ids={','.join(ids[:50])}")
    assert [entry["id"] for entry in body["passages"]] == ids[:50]
    assert error_code(mirror_client, f"/api/brief?ids={','.join(ids[:51])}") == "invalid-parameter"


def test_real_traffic_data_lists_its_definition_first(mirror_client: FlaskClient) -> None:
    body = get_json(mirror_client, "/api/search?q=traffic+data&explain=true")
    first = body["results"][0]
    assert first["id"] == "coe-ets-185.art-1"
    assert {"how": "definition", "query": "traffic data"}.items() <= first["explanation"][
        "reasons"
    ][-1].items()
    assert "defines “traffic data”" in first["explanation"]["summary"]
    assert all(hit["explanation"]["summary"] for hit in body["results"])


def test_real_personal_data_is_defined_for_the_protocol_by_convention_108(
    mirror_client: FlaskClient,
) -> None:
    body = get_json(mirror_client, "/api/passages/coe-ets-181.art-2")
    (personal,) = [d for d in body["definitions"] if d["term"] == "personal data"]
    assert personal["passage"] == "coe-ets-108.art-2"
    assert personal["text"].startswith('"personal data" means')
    assert personal["citation"].endswith("Article 2 – Definitions")
    assert personal["url"].endswith("treatynum=108#art-2")


def test_real_article_29_is_cited_by_article_30(mirror_client: FlaskClient) -> None:
    body = get_json(mirror_client, "/api/passages/coe-ets-185.art-29")
    assert "coe-ets-185.art-30" in [c["id"] for c in body["cited_by"]]
    (cited,) = [c for c in body["cited_by"] if c["id"] == "coe-ets-185.art-30"]
    assert cited["citation"].startswith("Convention on Cybercrime (ETS No. 185), Article 30")
    article_30 = get_json(mirror_client, "/api/passages/coe-ets-185.art-30")
    to_29 = [r for r in article_30["references"] if r["target"] == "coe-ets-185.art-29"]
    assert to_29
    for reference in article_30["references"]:
        assert article_30["text"][reference["start"] : reference["end"]] == reference["text"]


def test_real_export_is_the_whole_search(mirror_client: FlaskClient) -> None:
    """Over 100 hits: the export reads more than one page of the search."""
    hits, total = walk(mirror_client, per_page=100)
    assert total > 100
    response = mirror_client.get("/api/export?format=jsonl")
    assert response.headers["X-Total-Count"] == str(total)
    assert read_jsonl(response) == hits
    rows = read_csv(mirror_client.get("/api/export"))
    assert [row["id"] for row in rows] == [hit["id"] for hit in hits]
