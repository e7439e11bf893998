"""The JSON API held to its own contract, the OpenAPI 3.1 document at /api/openapi.json.

The document is checked with openapi-spec-validator; then every path it lists is called,
on the invented world of ``test_api.py`` and on the real mirror (``../shared/corpus``,
skipped where absent), and every 2xx body is validated against the response schema the
document gives for it (OpenAPI 3.1 schemas are JSON Schema 2020-12; ``#/components/...``
references are resolved through a ``referencing`` registry holding the whole document),
every 4xx body against the Error schema. Then the rest of the contract: parameters,
enums, CORS, ETags, paging by ``next_url``, JSON errors and no HTML under /api/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from kb.config import Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.factories import DECLARATION, PROPOSAL, TREATY
from tests.factories import invented_world as world_settings

DOCUMENT_URI = "urn:kb:openapi"
SEARCH = "/api/search"
# The keys the search JSON was specified with (the issue); `query` may hold more.
ISSUE_TOP_KEYS = {
    "ok",
    "query",
    "total",
    "page",
    "per_page",
    "pages",
    "took_ms",
    "suggestion",
    "results",
    "facets",
    "next_url",
}
ISSUE_QUERY_KEYS = {"q", "read_as", "filters"}
ISSUE_HIT_KEYS = {
    "id",
    "source",
    "document",
    "kind",
    "year",
    "section",
    "citation",
    "url",
    "score",
    "snippet",
    "matched_terms",
}
ISSUE_FACET_KEYS = {"kind", "source", "year"}


# Fixtures -------------------------------------------------------------------------------


def client_for(settings: Settings) -> FlaskClient:
    """A client of an app with these settings (its manifest too, which /api/sources reads)."""
    return create_app(settings, TESTING=True).test_client()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = world_settings(tmp_path_factory.mktemp("contract-world"))
    assert ingest(settings).exit_code == 0
    return settings


@pytest.fixture(scope="module")
def client(world: Settings) -> FlaskClient:
    return client_for(world)


@pytest.fixture
def real_client(mirror_client: FlaskClient) -> FlaskClient:
    return mirror_client


@pytest.fixture(scope="module")
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry:
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    return Registry().with_resource(DOCUMENT_URI, resource)


# Helpers -----------------------------------------------------------------------------


def pointer(*segments: str) -> str:
    """A JSON pointer into the document, as a URI fragment."""
    escaped = (segment.replace("~", "~0").replace("/", "~1") for segment in segments)
    return "#/" + "/".join(quote(segment, safe="~") for segment in escaped)


def component(name: str) -> str:
    return pointer("components", "schemas", name)


def template(spec: dict[str, Any], url: str) -> str:
    """The documented path that ``url`` answers to (``/api/passages/{passage_id}``)."""
    path = url.split("?", 1)[0]
    for documented in spec["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(documented))
        if re.fullmatch(pattern, path):
            return documented
    raise AssertionError(f"{path} is not a path of the OpenAPI document")


def response_schema(spec: dict[str, Any], url: str, status: int) -> str:
    """Where the document keeps the schema of ``url``'s answer with ``status``."""
    path = template(spec, url)
    responses = spec["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{url} answered {status}, not documented for it"
    return pointer(
        "paths", path, "get", "responses", str(status), "content", "application/json", "schema"
    )


def schema_at(spec: dict[str, Any], where: str) -> Any:
    """The part of the document at a pointer made by :func:`pointer`."""
    node: Any = spec
    for segment in unquote(where[2:]).split("/"):
        node = node[segment.replace("~1", "/").replace("~0", "~")]
    return node


def assert_json(response: TestResponse) -> Any:
    assert response.is_json, response.content_type
    assert not response.data.lstrip().startswith(b"<"), response.data[:80]
    return response.get_json()


def assert_valid(registry: Registry, where: str, body: Any) -> None:
    """``body`` is valid against the schema at ``where``, refs resolved in the document."""
    checker = Draft202012Validator({"$ref": DOCUMENT_URI + where}, registry=registry)
    errors = sorted(checker.iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def check_answer(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, url: str
) -> tuple[int, Any]:
    """GET ``url`` and hold the answer to the document; returns its status and body."""
    response = client.get(url)
    body = assert_json(response)
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    status = response.status_code
    assert status < 500, body
    if 200 <= status < 300:
        if template(spec, url) != "/api/openapi.json":  # the document itself, served as is
            assert body["ok"] is True
        assert_valid(registry, response_schema(spec, url, status), body)
    else:
        assert 400 <= status < 500
        assert body["ok"] is False
        assert_valid(registry, component("Error"), body)
        assert_valid(registry, response_schema(spec, url, status), body)  # documented too
    return status, body


def assert_error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    body = assert_json(response)
    assert response.status_code == status, body
    assert body["ok"] is False
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body


def search(client: FlaskClient, **params: Any) -> TestResponse:
    return client.get(f"{SEARCH}?{urlencode(params, doseq=True)}")


def urls_for(spec: dict[str, Any], client: FlaskClient, searches: list[str]) -> Iterator[str]:
    """Every documented path, made concrete with every id the index holds."""
    sources = client.get("/api/sources").get_json()["sources"]
    for path in spec["paths"]:
        if path == SEARCH:
            yield from (f"{SEARCH}?{query}" for query in searches)
        elif "{document_id}" in path:
            for source in sources:
                yield path.replace("{document_id}", source["id"])
            yield path.replace("{document_id}", "no-such-document")
        elif "{passage_id}" in path:
            for source in sources:
                data = client.get(f"/api/documents/{source['id']}").get_json()
                for passage in data["passages"]:
                    yield path.replace("{passage_id}", passage["id"])
            yield path.replace("{passage_id}", "no-such-document.art-1")
        else:
            assert "{" not in path, f"a path parameter of {path} is not exercised"
            yield path


def undocumented(spec: dict[str, Any], schema: dict[str, Any], body: Any, at: str = "") -> set[str]:
    """The keys of ``body`` that its schema does not name, walking objects and arrays."""
    schema = resolve(spec, schema)
    if "allOf" in schema:
        parts = [resolve(spec, part) for part in schema["allOf"]]
        properties = {k: v for part in parts for k, v in part.get("properties", {}).items()}
        schema = {"type": "object", "properties": properties}
    found: set[str] = set()
    if isinstance(body, dict) and "properties" in schema:
        for key, value in body.items():
            if key in schema["properties"]:
                found |= undocumented(spec, schema["properties"][key], value, f"{at}.{key}")
            else:
                found.add(f"{at}.{key}")
    elif isinstance(body, list) and "items" in schema:
        for item in body:
            found |= undocumented(spec, schema["items"], item, f"{at}[]")
    return found


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = schema_at(spec, schema["$ref"])
    return schema


FIXTURE_SEARCHES = [
    "",
    "q=",
    "q=lantern",
    "q=signal+logs",
    "q=safeguards",
    "q=%22signal+log%22",
    "q=lantern+OR+fog",
    "q=harbour+-tides",
    "q=sign*",
    "q=kind:treaty",
    "q=Article+3+Lantern+Convention",
    "q=Lantern+Convention",
    "q=Tidewater",
    "q=lantren",
    "q=the",
    "q=%F0%9F%98%80",
    "q=zzzzqqq",
    "q=Vantongeren",
    "theme=safeguards",
    "q=signal&theme=cross-border-access",
    "kind=treaty,igf-proposal&per_page=2",
    "kind=treaty&kind=declaration",
    "source=pipeline-treaty&year=1990-2000",
    "year=2024",
    "year=2016..2030",
    "speaker=Haruto",
    "sort=year_desc&per_page=3&page=2",
    "sort=year_asc&per_page=100",
    "q=lantern&page=5",
]
MIRROR_SEARCHES = [
    "q=safeguards",
    "q=jurisdicton",
    "q=MLA",
    "q=Article+32+Budapest+Convention",
    "q=Budapest+Convention",
    "q=cross-border+access+to+data",
    "q=%22production+order%22",
    "q=retention",
    "q=Seger",
    "q=government+access",
    "theme=preservation",
    "theme=law-enforcement-access&per_page=100",
    "kind=igf-transcript",
    "kind=treaty&year=2001&sort=year_asc&per_page=50&page=2",
    "source=coe-ets-185,coe-ets-108&q=data",
    "q=data+NOT+personal&per_page=100",
]


# The document ----------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_every_component_schema_is_valid_json_schema_2020_12(spec: dict[str, Any]) -> None:
    assert spec["components"]["schemas"]
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_reference_resolves(spec: dict[str, Any], registry: Registry) -> None:
    references: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                references.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert references
    resolver = registry.resolver(base_uri=DOCUMENT_URI)
    for reference in set(references):
        assert resolver.lookup(reference).contents, reference


def test_every_path_is_a_json_get(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        assert path.startswith("/api/")
        assert set(item) == {"get"}, path
        for status, answer in item["get"]["responses"].items():
            assert set(answer["content"]) == {"application/json"}, (path, status)
            if status.startswith(("4", "5")):
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)


# Every path, every answer, against its schema -------------------------------------------------


def test_every_path_on_the_fixture_world_matches_its_schema(
    spec: dict[str, Any], registry: Registry, client: FlaskClient
) -> None:
    statuses: dict[str, set[int]] = {}
    for url in urls_for(spec, client, FIXTURE_SEARCHES):
        status, _ = check_answer(spec, registry, client, url)
        statuses.setdefault(template(spec, url), set()).add(status)
    assert set(statuses) == set(spec["paths"])
    assert all(200 in found for found in statuses.values()), statuses


def test_every_path_on_the_real_mirror_matches_its_schema(
    spec: dict[str, Any], registry: Registry, real_client: FlaskClient
) -> None:
    answered = 0
    for url in urls_for(spec, real_client, MIRROR_SEARCHES):
        check_answer(spec, registry, real_client, url)
        answered += 1
    assert answered > 190  # 16 documents and 173 passages among them


def test_the_documented_example_ids_exist_on_the_real_mirror(
    spec: dict[str, Any], real_client: FlaskClient
) -> None:
    for path, item in spec["paths"].items():
        for parameter in item["get"]["parameters"]:
            if parameter["in"] == "path":
                url = path.replace("{" + parameter["name"] + "}", parameter["example"])
                assert real_client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=safeguards",
        "/api/search?theme=safeguards",
        f"/api/documents/{TREATY}",
        f"/api/documents/{DECLARATION}",
        f"/api/passages/{TREATY}.art-4",
        "/api/themes",
        "/api/health",
        "/api/sources",
    ],
)
def test_every_key_the_api_sends_is_documented(
    spec: dict[str, Any], client: FlaskClient, path: str
) -> None:
    body = client.get(path).get_json()
    schema = schema_at(spec, response_schema(spec, path, 200))
    assert undocumented(spec, schema, body) == set()


def test_before_any_ingest_every_path_answers_a_documented_error(
    spec: dict[str, Any], registry: Registry, tmp_path: Path
) -> None:
    empty = client_for(Settings(data_dir=tmp_path / "empty"))
    for path in spec["paths"]:
        url = path.replace("{document_id}", TREATY).replace("{passage_id}", f"{TREATY}.art-1")
        response = empty.get(url)
        body = assert_json(response)
        if response.status_code == 200:
            assert_valid(registry, response_schema(spec, url, 200), body)
            continue
        assert_error(response, 503, "no-index")
        assert_valid(registry, response_schema(spec, url, 503), body)


# Parameters ------------------------------------------------------------------------------


def valid_values(client: FlaskClient) -> dict[str, str]:
    """One accepted value for every search parameter, on the fixture world."""
    theme = client.get("/api/themes").get_json()["themes"][0]["id"]
    return {
        "q": "lantern",
        "kind": "treaty",
        "source": TREATY,
        "year": "1999",
        "speaker": "Haruto",
        "theme": theme,
        "page": "1",
        "per_page": "5",
        "sort": "year_desc",
    }


def search_parameters(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["paths"][SEARCH]["get"]["parameters"]


def test_every_documented_search_parameter_is_accepted(
    spec: dict[str, Any], registry: Registry, client: FlaskClient
) -> None:
    values = valid_values(client)
    documented = {p["name"] for p in search_parameters(spec)}
    assert documented == set(values)
    for name in sorted(documented):
        url = f"{SEARCH}?{urlencode({name: values[name]})}"
        status, body = check_answer(spec, registry, client, url)
        assert status == 200, (name, body)
    url = f"{SEARCH}?{urlencode(values)}"
    assert check_answer(spec, registry, client, url)[0] == 200


def test_every_documented_search_parameter_is_in_the_query_parameters(
    spec: dict[str, Any],
) -> None:
    for parameter in search_parameters(spec):
        assert parameter["in"] == "query"
        assert parameter["required"] is False
        assert parameter["description"]
        Draft202012Validator.check_schema(parameter["schema"])


@pytest.mark.parametrize(
    "query",
    ["query=x", "Q=x", "limit=5", "per-page=5", "q=x&offset=3", "=x", "callback=f", "page[]=1"],
)
def test_an_undocumented_parameter_is_400_unknown_parameter(
    registry: Registry, client: FlaskClient, query: str
) -> None:
    body = assert_error(client.get(f"{SEARCH}?{query}"), 400, "unknown-parameter")
    assert_valid(registry, component("Error"), body)


def enum_cases() -> list[tuple[str, str]]:
    """(parameter, value) for every value of the documented enums, read from kb's own lists."""
    from kb.models import KIND_LABELS
    from kb.search.request import SORTS

    return [("kind", kind) for kind in KIND_LABELS] + [("sort", sort) for sort in SORTS]


@pytest.mark.parametrize(("name", "value"), enum_cases())
def test_every_documented_enum_value_is_accepted(
    spec: dict[str, Any], client: FlaskClient, name: str, value: str
) -> None:
    (parameter,) = [p for p in search_parameters(spec) if p["name"] == name]
    assert value in parameter["schema"]["enum"]
    response = search(client, **{name: value})
    assert response.status_code == 200, response.get_json()


def test_the_documented_enums_are_exactly_what_kb_accepts(spec: dict[str, Any]) -> None:
    documented = {p["name"]: p["schema"].get("enum") for p in search_parameters(spec)}
    cases = enum_cases()
    assert sorted(documented["kind"]) == sorted(v for n, v in cases if n == "kind")
    assert sorted(documented["sort"]) == sorted(v for n, v in cases if n == "sort")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("kind", "x"),
        ("kind", "Treaty"),
        ("kind", "treaty,x"),
        ("sort", "x"),
        ("sort", "RELEVANCE"),
        ("sort", "year"),
        ("theme", "x"),
        ("source", "no-such-source"),
    ],
)
def test_a_value_outside_an_enum_is_400(
    registry: Registry, client: FlaskClient, name: str, value: str
) -> None:
    body = assert_error(search(client, **{name: value}), 400, "invalid-parameter")
    assert_valid(registry, component("Error"), body)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1.5", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("per_page=abc", "per_page"),
        ("page=200&per_page=100", "10000"),
        ("page=10001", "10000"),
        ("sort=x", "sort"),
        ("kind=x", "kind"),
        ("year=abc", "year"),
        ("year=99", "year"),
        ("year=2019-20", "year"),
    ],
)
def test_an_unusable_value_is_a_json_400_naming_it(
    registry: Registry, client: FlaskClient, query: str, named: str
) -> None:
    body = assert_error(client.get(f"{SEARCH}?{query}"), 400, "invalid-parameter")
    assert_valid(registry, component("Error"), body)
    message = body["error"]["message"].replace(",", "")
    assert named in message, message


def test_the_deepest_page_allowed_is_accepted(client: FlaskClient) -> None:
    assert search(client, page=100, per_page=100).status_code == 200
    assert search(client, page=10_000, per_page=1).status_code == 200
    response = search(client, page=10_000, per_page=1)
    assert response.get_json()["results"] == []
    assert response.get_json()["next_url"] is None


@pytest.mark.parametrize(
    "year", ["1999-", "1999..", "19992000", "1999–", " 1999 ", "2016 - 2021", "99", "2016-21"]
)
def test_the_documented_year_pattern_and_the_api_agree(
    spec: dict[str, Any], client: FlaskClient, year: str
) -> None:
    (parameter,) = [p for p in search_parameters(spec) if p["name"] == "year"]
    documented = re.fullmatch(parameter["schema"]["pattern"], year) is not None
    response = search(client, year=year)
    assert (response.status_code == 200) == documented, response.get_json()


@pytest.mark.parametrize(
    ("year", "span"),
    [
        ("1999", [1999, 1999]),
        ("1990-2000", [1990, 2000]),
        ("1990..2000", [1990, 2000]),
        ("1990–2000", [1990, 2000]),
        ("2000-1990", [1990, 2000]),
    ],
)
def test_years_in_the_documented_forms_are_accepted(
    spec: dict[str, Any], client: FlaskClient, year: str, span: list[int]
) -> None:
    (parameter,) = [p for p in search_parameters(spec) if p["name"] == "year"]
    assert re.fullmatch(parameter["schema"]["pattern"], year)
    response = search(client, year=year)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["query"]["filters"]["year"] == span


# CORS, ETag ----------------------------------------------------------------------------------


def test_every_get_is_open_to_all_origins(spec: dict[str, Any], client: FlaskClient) -> None:
    for url in [*urls_for(spec, client, ["q=lantern", "kind=x"]), "/api/nothing-here"]:
        response = client.get(url, headers={"Origin": "https://panel.example.org"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url


def test_search_has_an_etag_and_a_repeat_answers_304(client: FlaskClient) -> None:
    first = search(client, q="lantern")
    assert first.status_code == 200
    etag = first.headers.get("ETag")
    assert etag
    again = client.get(f"{SEARCH}?q=lantern", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers.get("ETag") == etag
    other = client.get(f"{SEARCH}?q=harbour", headers={"If-None-Match": etag})
    assert other.status_code == 200
    assert other.headers.get("ETag") != etag


@pytest.mark.parametrize(
    "path",
    [f"/api/documents/{TREATY}", f"/api/passages/{TREATY}.art-2", f"/api/documents/{PROPOSAL}"],
)
def test_documents_and_passages_have_etags_too(client: FlaskClient, path: str) -> None:
    etag = client.get(path).headers.get("ETag")
    assert etag
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


def test_the_etag_changes_when_a_new_index_is_published(tmp_path: Path) -> None:
    settings = world_settings(tmp_path)
    first = ingest(settings)
    client = client_for(settings)
    old = search(client, q="harbour").headers["ETag"]
    assert client.get(f"{SEARCH}?q=harbour", headers={"If-None-Match": old}).status_code == 304

    treaty = settings.mirror / f"{TREATY}.md"  # type: ignore[operator]
    text = treaty.read_text(encoding="utf-8")
    treaty.write_text(
        text.replace(
            "####Verdrag inzake",
            "### Article  5\n\n####Harbour dues\n\nNo harbour shall charge for a signal.\n\n"
            "####Verdrag inzake",
        ),
        encoding="utf-8",
    )
    second = ingest(settings)
    assert second.rebuilt and second.generation != first.generation

    response = client.get(f"{SEARCH}?q=harbour", headers={"If-None-Match": old})
    assert response.status_code == 200
    assert response.headers["ETag"] != old
    assert f"{TREATY}.art-5" in [hit["id"] for hit in response.get_json()["results"]]


# The search JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["q=lantern", "q=safeguards&kind=treaty", "theme=safeguards", ""])
def test_the_search_json_has_exactly_the_keys_of_the_issue(
    spec: dict[str, Any], client: FlaskClient, query: str
) -> None:
    data = client.get(f"{SEARCH}?{query}").get_json()
    assert set(data) == ISSUE_TOP_KEYS
    assert set(data["query"]) >= ISSUE_QUERY_KEYS
    assert set(data["facets"]) - {"speaker"} == ISSUE_FACET_KEYS
    assert data["results"]
    hit_schema = spec["components"]["schemas"]["Hit"]
    for hit in data["results"]:
        assert set(hit) >= ISSUE_HIT_KEYS
        assert set(hit) <= set(hit_schema["properties"]), set(hit) - set(hit_schema["properties"])
    assert undocumented(spec, {"$ref": component("SearchResponse")}, data) == set()
    assert isinstance(data["took_ms"], float | int) and data["took_ms"] >= 0
    assert data["page"] == 1
    assert data["pages"] == -(-data["total"] // data["per_page"])


def test_the_search_echoes_what_it_was_asked(client: FlaskClient) -> None:
    data = client.get(
        f"{SEARCH}?q=signal&kind=treaty&source={TREATY}&year=1990..2000&sort=year_asc&per_page=2"
    ).get_json()
    assert data["query"]["q"] == "signal"
    assert data["query"]["filters"] == {
        "kind": ["treaty"],
        "source": [TREATY],
        "year": [1990, 2000],
    }
    assert data["query"]["sort"] == "year_asc"
    assert data["per_page"] == 2
    assert all(hit["source"] == TREATY for hit in data["results"])


def walk_pages(client: FlaskClient, first_url: str) -> tuple[list[dict[str, Any]], list[Any]]:
    hits: list[dict[str, Any]] = []
    bodies: list[Any] = []
    url: str | None = first_url
    while url is not None:
        assert url.startswith(f"{SEARCH}?"), url
        body = client.get(url).get_json()
        assert body["ok"] is True, body
        bodies.append(body)
        hits += body["results"]
        url = body["next_url"]
        assert len(bodies) <= 1000
    return hits, bodies


@pytest.mark.parametrize(
    "query",
    [
        {"per_page": 3},
        {"q": "", "per_page": 1},
        {"q": "harbour OR signal OR lantern", "per_page": 2},
        {"sort": "year_desc", "per_page": 4},
        {"kind": "treaty", "per_page": 2},
        {"q": "lantern", "per_page": 100},
    ],
)
def test_next_url_walks_every_page_and_the_pages_make_the_total(
    client: FlaskClient, query: dict[str, Any]
) -> None:
    hits, bodies = walk_pages(client, f"{SEARCH}?{urlencode(query)}")
    total = bodies[0]["total"]
    assert len(hits) == total
    assert len({h["id"] for h in hits}) == total
    assert [b["page"] for b in bodies] == list(range(1, len(bodies) + 1))
    assert len(bodies) == max(bodies[0]["pages"], 1)
    assert all(b["total"] == total for b in bodies)
    assert bodies[-1]["next_url"] is None
    whole = search(client, **{**query, "per_page": 100}).get_json()
    assert [h["id"] for h in hits] == [h["id"] for h in whole["results"]]


def test_next_url_keeps_every_filter(client: FlaskClient) -> None:
    body = search(client, q="harbour OR signal", kind="treaty", per_page=1, sort="year_asc").json
    assert body is not None
    second = client.get(body["next_url"]).get_json()
    assert second["page"] == 2
    assert second["query"] == body["query"]


def test_next_url_walks_the_real_mirror(real_client: FlaskClient) -> None:
    for query in ({"q": "data", "per_page": 7}, {"per_page": 100}, {"theme": "mla", "per_page": 9}):
        hits, bodies = walk_pages(real_client, f"{SEARCH}?{urlencode(query)}")
        assert len(hits) == bodies[0]["total"] > 0
        assert len({h["id"] for h in hits}) == len(hits)


def test_next_url_stops_at_the_deepest_page(real_client: FlaskClient) -> None:
    body = search(real_client, per_page=100, page=1).get_json()
    assert body["total"] > 100
    assert body["next_url"] is not None
    body = search(real_client, per_page=100, page=100).get_json()
    assert body["next_url"] is None


# Errors: JSON, never HTML ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/documents/no-such-document",
        f"/api/passages/{TREATY}.art-99",
        f"/api/passages/{TREATY}",
        "/api/passages/no-such-document.art-1",
        "/api/nothing-here",
        "/api/search/",
        "/api/documents/",
        f"/api/documents/{TREATY}/passages",
        "/api/openapi.json/x",
    ],
)
def test_not_found_is_json_404(registry: Registry, client: FlaskClient, path: str) -> None:
    body = assert_error(client.get(path), 404, "not-found")
    assert_valid(registry, component("Error"), body)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_method_is_json_405(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, method: str
) -> None:
    for path in spec["paths"]:
        url = path.replace("{document_id}", TREATY).replace("{passage_id}", f"{TREATY}.art-1")
        response = getattr(client, method)(url, json={"q": "x"})
        body = assert_error(response, 405, "method-not-allowed")
        assert_valid(registry, component("Error"), body)
        assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_a_405_says_which_methods_are_allowed(client: FlaskClient) -> None:
    response = client.post(SEARCH)
    assert response.status_code == 405
    assert "GET" in response.headers.get("Allow", "")


def test_head_and_options_answer_without_html(client: FlaskClient) -> None:
    head = client.head(f"{SEARCH}?q=lantern")
    assert head.status_code == 200
    assert head.is_json
    options = client.options(SEARCH)
    assert options.status_code == 204
    assert "GET" in options.headers["Allow"]
    assert options.headers.get("Access-Control-Allow-Origin") == "*"
    assert options.data == b""


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/search?q=%3Cscript%3Ealert(1)%3C/script%3E"),
        ("get", "/api/search?q=signal&page=abc"),
        ("get", "/api/search?q=" + "x" * 70_000),
        ("get", "/api/documents/%3Chtml%3E"),
        ("get", "/api/passages/%ff.%fe"),
        ("get", "/api/themes/x"),
        ("get", "/api/health/x"),
        ("get", "/api/sources?page=2"),
        ("delete", "/api/search"),
        ("post", "/api/openapi.json"),
        ("get", "/api/%00"),
        ("get", "/api/" + "x" * 5000),
    ],
)
def test_no_html_anywhere_under_api(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code < 500
    body = assert_json(response)
    assert body["ok"] is (response.status_code == 200)


def test_an_overlong_query_string_is_a_json_414(client: FlaskClient) -> None:
    assert_error(client.get(f"{SEARCH}?q={'x' * 70_000}"), 414, "uri-too-long")


def test_html_in_a_query_is_escaped_in_the_json(client: FlaskClient) -> None:
    data = search(client, q="<script>alert(1)</script> signal").get_json()
    for hit in data["results"]:
        assert "<script>" not in hit["snippet"]
        assert set(re.findall(r"</?(\w+)", hit["snippet"])) <= {"mark"}


def test_a_doubled_slash_is_not_answered_with_html(client: FlaskClient) -> None:
    assert_json(client.get("/api//search?q=lantern"))


def test_the_bare_api_prefix_is_json(client: FlaskClient) -> None:
    assert_error(client.get("/api"), 404, "not-found")


def test_pages_outside_api_are_not_forced_to_json(client: FlaskClient) -> None:
    response = client.get("/not-the-api")
    assert response.status_code == 404
    assert not response.is_json


def test_a_fixture_world_has_the_three_sources(client: FlaskClient) -> None:
    ids = [s["id"] for s in client.get("/api/sources").get_json()["sources"]]
    assert ids == [TREATY, PROPOSAL, DECLARATION]
