"""The API held to its own contract, the OpenAPI 3.1 document at /api/openapi.json.

The document is checked with openapi-spec-validator; then every path it lists is called,
on the invented world of ``test_api.py`` and on the real mirror (``../shared/corpus``,
skipped where absent). A 2xx answer has one of the media types the document lists for
it: a JSON body is validated against the response schema the document gives for it
(OpenAPI 3.1 schemas are JSON Schema 2020-12; ``#/components/...`` references are
resolved through a ``referencing`` registry holding the whole document); the files (the
Markdown brief, the CSV and JSON-lines exports) must be well-formed UTF-8, each JSON line
a valid Hit, the CSV with its documented header. Every 4xx body is JSON, valid against
the Error schema. Then the rest of the contract: parameters, enums, CORS, ETags, paging
by ``next_url``, JSON errors and no HTML under /api/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

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
from tests.worlds.mirror import DECLARATION, PROPOSAL, TREATY
from tests.worlds.mirror import invented_world as world_settings

DOCUMENT_URI = "urn:kb:openapi"
SEARCH = "/api/search"
COMPARE = "/api/compare"
BRIEF = "/api/brief"
EXPORT = "/api/export"
JSON = "application/json"
# The media types a 200 may have besides JSON, and the files they are
FILES = {"text/markdown": BRIEF, "text/csv": EXPORT, "application/x-ndjson": EXPORT}
# The CSV export's header, as docs/api.md gives it
CSV_HEADER = (
    "rank,id,citation,url,document,source,kind,year,section,path,score,matched_terms,why,snippet"
)
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
    "collapsed",  # issue 14: "3 more from this document"
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


def media_types(spec: dict[str, Any], url: str, status: int) -> set[str]:
    """The media types the document lists for ``url``'s answer with ``status``."""
    responses = spec["paths"][template(spec, url)]["get"]["responses"]
    assert str(status) in responses, f"{url} answered {status}, not documented for it"
    return set(responses[str(status)]["content"])


def response_schema(spec: dict[str, Any], url: str, status: int, media: str = JSON) -> str:
    """Where the document keeps the schema of ``url``'s answer with ``status`` as ``media``."""
    path = template(spec, url)
    assert media in media_types(spec, url, status), (url, status, media)
    return pointer("paths", path, "get", "responses", str(status), "content", media, "schema")


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
    """GET ``url`` and hold the answer to the document; returns its status and body.

    The body is the JSON, or for a file the parsed file: the Markdown text, the CSV's
    rows (a dict per row) or the JSON lines' objects.
    """
    status, body, _ = checked(spec, registry, client, url)
    return status, body


def checked(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, url: str
) -> tuple[int, Any, str]:
    """:func:`check_answer`, with the answer's media type too."""
    response = client.get(url)
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    status = response.status_code
    assert status < 500, response.data[:300]
    if not 200 <= status < 300:  # an error: JSON, the Error shape, documented for the path
        body = assert_json(response)
        assert 400 <= status < 500
        assert body["ok"] is False
        assert_valid(registry, component("Error"), body)
        assert_valid(registry, response_schema(spec, url, status), body)
        return status, body, response.mimetype
    assert response.mimetype in media_types(spec, url, status), (url, response.content_type)
    if response.mimetype != JSON:
        return status, assert_file(registry, response), response.mimetype
    body = assert_json(response)
    if template(spec, url) != "/api/openapi.json":  # the document itself, served as is
        assert body["ok"] is True
    assert_valid(registry, response_schema(spec, url, status), body)
    return status, body, response.mimetype


def assert_file(registry: Registry, response: TestResponse) -> Any:
    """A file the API answers with, well-formed for its media type; returns it parsed."""
    assert response.status_code == 200
    text = response.get_data().decode("utf-8")  # UTF-8 or UnicodeDecodeError
    if response.mimetype == "text/markdown":
        assert response.mimetype_params.get("charset") == "utf-8", response.content_type
        assert text.startswith("# Brief\n"), text[:80]
        return text
    if response.mimetype == "text/csv":
        assert response.mimetype_params.get("charset") == "utf-8", response.content_type
        assert "X-Total-Count" in response.headers
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        assert ",".join(header) == CSV_HEADER
        assert all(len(row) == len(header) for row in rows), text[:300]
        assert [row[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
        assert len(rows) <= int(response.headers["X-Total-Count"])
        return [dict(zip(header, row, strict=True)) for row in rows]
    assert response.mimetype == "application/x-ndjson", response.content_type
    assert text == "" or text.endswith("\n")
    hits = [json.loads(line) for line in text.split("\n")[:-1]]
    for hit in hits:
        assert_valid(registry, component("Hit"), hit)
    assert len(hits) <= int(response.headers["X-Total-Count"])
    return hits


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


def urls_for(
    spec: dict[str, Any], client: FlaskClient, searches: list[str], compares: list[str]
) -> Iterator[str]:
    """Every documented path, made concrete with every id the index holds.

    The searches are asked of /api/search, and of /api/export (without their paging) in
    both formats; /api/brief is asked for every passage, 50 at a time, in both formats.
    """
    sources = client.get("/api/sources").get_json()["sources"]
    passages = [
        passage["id"]
        for source in sources
        for passage in client.get(f"/api/documents/{source['id']}").get_json().get("passages", [])
    ]
    # a document known only by its metadata opens as the one record search finds of it
    passages += [f"{s['id']}.about" for s in sources if s["holds"] == "metadata-only"]
    for path in spec["paths"]:
        if path == SEARCH:
            yield from (f"{SEARCH}?{query}" for query in searches)
        elif path == EXPORT:
            for query in dict.fromkeys(unpaged(query) for query in searches):
                yield f"{EXPORT}?{query}"  # CSV, the default
                yield f"{EXPORT}?{query}{'&' if query else ''}format=jsonl"
        elif path == COMPARE:
            yield from (f"{COMPARE}?{query}" for query in compares)
        elif path == BRIEF:
            for start in range(0, len(passages), 50):
                ids = ",".join(passages[start : start + 50])
                yield f"{BRIEF}?{urlencode({'ids': ids})}"
                yield f"{BRIEF}?{urlencode({'ids': ids, 'format': 'md'})}"
            yield f"{BRIEF}?ids={passages[-1]},{passages[0]},{passages[-1]}&format=md"
            yield f"{BRIEF}?ids={passages[0]},no-such-document.art-1"
            yield f"{BRIEF}?format=md"
        elif "{document_id}" in path:
            for source in sources:
                yield path.replace("{document_id}", source["id"])
            yield path.replace("{document_id}", "no-such-document")
        elif "{passage_id}" in path:
            for passage_id in passages:
                yield path.replace("{passage_id}", passage_id)
            yield path.replace("{passage_id}", "no-such-document.art-1")
        else:
            assert "{" not in path, f"a path parameter of {path} is not exercised"
            assert not spec["paths"][path]["get"]["parameters"], f"{path}'s are not exercised"
            yield path


def unpaged(query: str) -> str:
    """A search's query string without its paging: what /api/export takes."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v) for k, v in pairs if k not in ("page", "per_page")])


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
FIXTURE_COMPARES = [
    "q=signal",
    "theme=safeguards",
    "q=lantren",
    "q=zzzzqqq",
    "q=Tidewater",
    "q=signal&per_column=1",
    "q=harbour+OR+fog&per_column=10",
    "q=request&theme=cross-border-access",
    "",
    "q=signal&per_column=11",
    "theme=nope",
    "q=signal&kind=treaty",
]
MIRROR_COMPARES = [
    "theme=safeguards",
    "q=MLA",
    "q=jurisdicton",
    "q=traffic+data&per_column=10",
    "q=retention",
    "q=Article+32+Budapest+Convention",
    "theme=interception&q=data",
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


def test_the_description_does_not_say_every_answer_is_json(spec: dict[str, Any]) -> None:
    files = {
        media
        for item in spec["paths"].values()
        for media in item["get"]["responses"]["200"]["content"]
        if media != JSON
    }
    assert files == set(FILES)
    assert "every answer is json" not in spec["info"]["description"].lower()


def test_every_path_is_a_get_answering_json_or_a_documented_file(spec: dict[str, Any]) -> None:
    """Errors are always the JSON Error; a 200 is JSON, but for the brief and the export."""
    for path, item in spec["paths"].items():
        assert path.startswith("/api/")
        assert set(item) == {"get"}, path
        for status, answer in item["get"]["responses"].items():
            content = answer["content"]
            if status.startswith(("4", "5")):
                assert content == {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
                continue
            assert status == "200", (path, status)
            files = {media for media in content if media != JSON}
            assert all(FILES[media] == path for media in files), (path, files)
            for media in files:  # a file is text, its shape described in words
                assert content[media]["schema"] == {"type": "string"}, (path, media)
            assert JSON in content or path == EXPORT, path
    assert set(spec["paths"][BRIEF]["get"]["responses"]["200"]["content"]) == {
        JSON,
        "text/markdown",
    }
    assert set(spec["paths"][EXPORT]["get"]["responses"]["200"]["content"]) == {
        "text/csv",
        "application/x-ndjson",
    }


def test_only_the_brief_and_the_export_answer_files(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        media = set(item["get"]["responses"]["200"]["content"])
        if path not in (BRIEF, EXPORT):
            assert media == {JSON}, path


# Every path, every answer, against its schema -------------------------------------------------


def test_every_path_on_the_fixture_world_matches_its_schema(
    spec: dict[str, Any], registry: Registry, client: FlaskClient
) -> None:
    statuses: dict[str, set[int]] = {}
    media: dict[str, set[str]] = {}
    for url in urls_for(spec, client, FIXTURE_SEARCHES, FIXTURE_COMPARES):
        status, _, mimetype = checked(spec, registry, client, url)
        path = template(spec, url)
        statuses.setdefault(path, set()).add(status)
        if status == 200:
            media.setdefault(path, set()).add(mimetype)
    assert set(statuses) == set(spec["paths"])
    assert all(200 in found for found in statuses.values()), statuses
    for path in spec["paths"]:  # every documented media type of a 200 was answered
        assert media[path] == media_types(spec, path, 200), path


def test_every_path_on_the_real_mirror_matches_its_schema(
    spec: dict[str, Any], registry: Registry, real_client: FlaskClient
) -> None:
    answered: Counter[str] = Counter()
    for url in urls_for(spec, real_client, MIRROR_SEARCHES, MIRROR_COMPARES):
        status, _, mimetype = checked(spec, registry, real_client, url)
        answered[f"{template(spec, url)} {status} {mimetype if status == 200 else ''}"] += 1
    assert answered.total() > 370, answered  # 22 documents, 348 passages among them
    for path in spec["paths"]:
        for media in media_types(spec, path, 200):
            assert answered[f"{path} 200 {media}"], (path, media, answered)


def test_the_documented_example_ids_exist_on_the_real_mirror(
    spec: dict[str, Any], real_client: FlaskClient
) -> None:
    examples = 0
    for path, item in spec["paths"].items():
        for parameter in item["get"]["parameters"]:
            if "example" not in parameter:
                continue
            examples += 1
            if parameter["in"] == "path":
                url = path.replace("{" + parameter["name"] + "}", parameter["example"])
            else:
                url = f"{path}?{urlencode({parameter['name']: parameter['example']})}"
            assert real_client.get(url).status_code == 200, url
    assert examples >= 3  # the two ids in paths, the brief's ids


@pytest.mark.parametrize(
    "path",
    [
        "/api/search?q=safeguards",
        "/api/search?theme=safeguards",
        f"/api/documents/{TREATY}",
        f"/api/documents/{DECLARATION}",
        f"/api/passages/{TREATY}.art-4",
        f"/api/passages/{TREATY}.art-2",  # defines terms
        f"/api/passages/{TREATY}.art-3",  # uses a defined term
        f"/api/passages/{PROPOSAL}.overview",
        "/api/compare?q=signal",
        "/api/compare?theme=safeguards&per_column=10",
        f"/api/brief?ids={TREATY}.art-2,{PROPOSAL}.overview",
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


def test_every_key_of_an_exported_hit_is_documented(
    spec: dict[str, Any], client: FlaskClient
) -> None:
    for query in ["", "q=signal", "theme=safeguards", "q=Tidewater"]:
        response = client.get(f"{EXPORT}?{query}&format=jsonl")
        lines = response.get_data().splitlines()
        assert lines, query
        for line in lines:
            assert undocumented(spec, {"$ref": component("Hit")}, json.loads(line)) == set()


def test_the_references_of_a_passage_are_documented(
    spec: dict[str, Any], registry: Registry, real_client: FlaskClient
) -> None:
    """The fixture world has no cross-references; the mirror has."""
    for passage_id in ["coe-ets-185.art-29", "coe-ets-181.art-2"]:
        url = f"/api/passages/{passage_id}"
        status, body = check_answer(spec, registry, real_client, url)
        assert status == 200 and body["references"] and body["cited_by"], passage_id
        schema = schema_at(spec, response_schema(spec, url, 200))
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


QUERY_OPERATIONS = [SEARCH, COMPARE, BRIEF, EXPORT]
# What a parameter needs beside it to be answered 200: a comparison a query or a theme,
# a brief its ids
COMPANIONS = {COMPARE: {"theme": "safeguards"}, BRIEF: {"ids": f"{TREATY}.art-1"}}


def valid_values(client: FlaskClient, path: str = SEARCH) -> dict[str, str]:
    """One accepted value for every query parameter of ``path``, on the fixture world."""
    theme = client.get("/api/themes").get_json()["themes"][0]["id"]
    searching = {
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
    return {
        SEARCH: {**searching, "explain": "true"},
        EXPORT: {
            **{k: v for k, v in searching.items() if k not in ("page", "per_page")},
            "format": "jsonl",
        },
        COMPARE: {"q": "lantern", "theme": theme, "per_column": "5"},
        BRIEF: {"ids": f"{TREATY}.art-3,{PROPOSAL}.overview,{TREATY}.art-1", "format": "md"},
    }[path]


def search_parameters(spec: dict[str, Any], path: str = SEARCH) -> list[dict[str, Any]]:
    return spec["paths"][path]["get"]["parameters"]


@pytest.mark.parametrize("path", QUERY_OPERATIONS)
def test_every_documented_query_parameter_is_accepted(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, path: str
) -> None:
    values = valid_values(client, path)
    documented = {p["name"] for p in search_parameters(spec, path)}
    assert documented == set(values)
    for name in sorted(documented):
        url = f"{path}?{urlencode({**COMPANIONS.get(path, {}), name: values[name]})}"
        status, body = check_answer(spec, registry, client, url)
        assert status == 200, (name, body)
    url = f"{path}?{urlencode(values)}"
    assert check_answer(spec, registry, client, url)[0] == 200


def test_the_query_operations_are_every_operation_with_a_query(spec: dict[str, Any]) -> None:
    with_query = [
        path
        for path, item in spec["paths"].items()
        if any(p["in"] == "query" for p in item["get"]["parameters"])
    ]
    assert sorted(with_query) == sorted(QUERY_OPERATIONS)


def test_the_export_takes_the_search_parameters_but_paging(spec: dict[str, Any]) -> None:
    searching = search_parameters(spec, SEARCH)
    exporting = {p["name"]: p for p in search_parameters(spec, EXPORT)}
    paging = {"page", "per_page", "explain"}  # an export has every page, always explained
    assert set(exporting) == {p["name"] for p in searching} - paging | {"format"}
    for parameter in searching:
        if parameter["name"] in exporting:
            assert exporting[parameter["name"]] == parameter


@pytest.mark.parametrize("path", QUERY_OPERATIONS)
def test_every_documented_query_parameter_is_in_the_query_parameters(
    spec: dict[str, Any], path: str
) -> None:
    for parameter in search_parameters(spec, path):
        assert parameter["in"] == "query"
        required = (path, parameter["name"]) == (BRIEF, "ids")  # the brief needs its ids
        assert parameter["required"] is required, parameter
        assert parameter["description"]
        Draft202012Validator.check_schema(parameter["schema"])


@pytest.mark.parametrize("path", QUERY_OPERATIONS)
@pytest.mark.parametrize(
    "query",
    ["query=x", "Q=x", "limit=5", "per-page=5", "q=x&offset=3", "=x", "callback=f", "page[]=1"],
)
def test_an_undocumented_parameter_is_400_unknown_parameter(
    registry: Registry, client: FlaskClient, path: str, query: str
) -> None:
    companions = urlencode(COMPANIONS.get(path, {}))
    body = assert_error(client.get(f"{path}?{companions}&{query}"), 400, "unknown-parameter")
    assert_valid(registry, component("Error"), body)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (EXPORT, "page=1"),
        (EXPORT, "q=signal&per_page=100"),
        (COMPARE, "q=signal&page=2"),
        (COMPARE, "q=signal&kind=treaty"),
        (COMPARE, "q=signal&source=pipeline-treaty"),
        (COMPARE, "q=signal&format=csv"),
        (BRIEF, f"ids={TREATY}.art-1&q=signal"),
        (BRIEF, f"ids={TREATY}.art-1&per_page=5"),
        (SEARCH, "q=signal&format=csv"),
        (SEARCH, "q=signal&per_column=2"),
        (SEARCH, f"ids={TREATY}.art-1"),
    ],
)
def test_another_operations_parameter_is_400_unknown_parameter(
    registry: Registry, client: FlaskClient, path: str, query: str
) -> None:
    """A parameter of another operation is not one of this one's: refused, not ignored."""
    body = assert_error(client.get(f"{path}?{query}"), 400, "unknown-parameter")
    assert_valid(registry, component("Error"), body)


def enum_cases() -> list[tuple[str, str, str]]:
    """(path, parameter, value) for every value of the documented enums, from kb's lists."""
    from kb.models import KIND_LABELS
    from kb.search.request import SORTS
    from kb.web.api import EXPORT_FORMATS

    cases = [(SEARCH, "kind", kind) for kind in KIND_LABELS]
    cases += [(SEARCH, "sort", sort) for sort in SORTS]
    cases += [(EXPORT, name, value) for path, name, value in cases]
    cases += [(EXPORT, "format", form) for form in EXPORT_FORMATS]
    cases += [(BRIEF, "format", form) for form in ("json", "md")]  # as docs/api.md says
    return cases


@pytest.mark.parametrize(("path", "name", "value"), enum_cases())
def test_every_documented_enum_value_is_accepted(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, path: str, name: str, value: str
) -> None:
    (parameter,) = [p for p in search_parameters(spec, path) if p["name"] == name]
    assert value in parameter["schema"]["enum"]
    url = f"{path}?{urlencode({**COMPANIONS.get(path, {}), name: value})}"
    status, body = check_answer(spec, registry, client, url)
    assert status == 200, body


def test_the_documented_enums_are_exactly_what_kb_accepts(spec: dict[str, Any]) -> None:
    documented = {
        (path, p["name"]): sorted(p["schema"]["enum"])
        for path, item in spec["paths"].items()
        for p in item["get"]["parameters"]
        if "enum" in p["schema"]
    }
    accepted: dict[tuple[str, str], list[str]] = {}
    for path, name, value in enum_cases():
        accepted.setdefault((path, name), []).append(value)
    assert documented == {key: sorted(values) for key, values in accepted.items()}


def test_the_default_format_is_the_documented_default(
    spec: dict[str, Any], client: FlaskClient
) -> None:
    for path, base, media in [
        (BRIEF, f"ids={TREATY}.art-1", JSON),
        (EXPORT, "q=signal", "text/csv"),
    ]:
        (parameter,) = [p for p in search_parameters(spec, path) if p["name"] == "format"]
        assert parameter["schema"]["default"] == parameter["schema"]["enum"][0]
        for query in (base, f"{base}&format=", f"{base}&format={parameter['schema']['default']}"):
            assert client.get(f"{path}?{query}").mimetype == media, query


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        (SEARCH, "kind", "x"),
        (SEARCH, "kind", "Treaty"),
        (SEARCH, "kind", "treaty,x"),
        (SEARCH, "sort", "x"),
        (SEARCH, "sort", "RELEVANCE"),
        (SEARCH, "sort", "year"),
        (SEARCH, "theme", "x"),
        (SEARCH, "source", "no-such-source"),
        (EXPORT, "kind", "x"),
        (EXPORT, "sort", "year"),
        (EXPORT, "theme", "x"),
        (EXPORT, "format", "xml"),
        (EXPORT, "format", "CSV"),
        (EXPORT, "format", "md"),
        (EXPORT, "format", "json"),
        (COMPARE, "theme", "x"),
        (BRIEF, "format", "csv"),
        (BRIEF, "format", "markdown"),
        (BRIEF, "format", "JSON"),
    ],
)
def test_a_value_outside_an_enum_is_400(
    registry: Registry, client: FlaskClient, path: str, name: str, value: str
) -> None:
    url = f"{path}?{urlencode({**COMPANIONS.get(path, {}), name: value})}"
    body = assert_error(client.get(url), 400, "invalid-parameter")
    assert_valid(registry, component("Error"), body)


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        (SEARCH, "page=abc", "page"),
        (SEARCH, "page=0", "page"),
        (SEARCH, "page=-1", "page"),
        (SEARCH, "page=1.5", "page"),
        (SEARCH, "per_page=0", "per_page"),
        (SEARCH, "per_page=101", "per_page"),
        (SEARCH, "per_page=abc", "per_page"),
        (SEARCH, "page=200&per_page=100", "10000"),
        (SEARCH, "page=10001", "10000"),
        (SEARCH, "sort=x", "sort"),
        (SEARCH, "kind=x", "kind"),
        (SEARCH, "year=abc", "year"),
        (SEARCH, "year=99", "year"),
        (SEARCH, "year=2019-20", "year"),
        (EXPORT, "year=2019-20", "year"),
        (EXPORT, "format=xml", "format"),
        (COMPARE, "q=x&per_column=0", "per_column"),
        (COMPARE, "q=x&per_column=11", "per_column"),
        (COMPARE, "q=x&per_column=abc", "per_column"),
        (COMPARE, "q=x&per_column=-1", "per_column"),
        (COMPARE, "per_column=3", "theme"),
        (COMPARE, "q=", "theme"),
        (BRIEF, "format=md", "ids"),
        (BRIEF, "ids=", "ids"),
        (BRIEF, "ids=" + ",".join(f"x.{n}" for n in range(51)), "50"),
        (BRIEF, "ids=x.1&format=xml", "format"),
    ],
)
def test_an_unusable_value_is_a_json_400_naming_it(
    registry: Registry, client: FlaskClient, path: str, query: str, named: str
) -> None:
    body = assert_error(client.get(f"{path}?{query}"), 400, "invalid-parameter")
    assert_valid(registry, component("Error"), body)
    message = body["error"]["message"].replace(",", "")
    assert named in message, message


@pytest.mark.parametrize("per_column", ["minimum", "maximum", "default"])
def test_the_documented_per_column_bounds_are_accepted(
    spec: dict[str, Any], client: FlaskClient, per_column: str
) -> None:
    (parameter,) = [p for p in search_parameters(spec, COMPARE) if p["name"] == "per_column"]
    n = parameter["schema"][per_column]
    body = client.get(f"{COMPARE}?q=signal+OR+safeguards&per_column={n}").get_json()
    assert body["ok"] is True, body
    for column in body["columns"]:
        assert len(column["passages"]) == min(n, column["total"]), column["key"]
    assert any(column["total"] >= n for column in body["columns"]) or n > 5
    if per_column == "default":
        default = client.get(f"{COMPARE}?q=signal+OR+safeguards").get_json()
        assert default == body


def test_the_deepest_page_allowed_is_accepted(client: FlaskClient) -> None:
    assert search(client, page=100, per_page=100).status_code == 200
    assert search(client, page=10_000, per_page=1).status_code == 200
    response = search(client, page=10_000, per_page=1)
    assert response.get_json()["results"] == []
    assert response.get_json()["next_url"] is None


def test_the_order_of_the_hits_is_documented_where_score_is(
    spec: dict[str, Any], client: FlaskClient
) -> None:
    """Hits come in groups, by score only within one: the description says which."""
    hit = spec["components"]["schemas"]["Hit"]["properties"]["score"]["description"]
    (sort,) = [p for p in search_parameters(spec) if p["name"] == "sort"]
    for words in (
        "by score only within a group",
        "the articles the query names",
        "definitions of the term the query is",
        "headings whose text the source does not give",
        "more of the query's words",
        "the instrument the query names",
        "as a phrase",
        "ties in document order",
    ):
        assert words in hit and words in sort["description"], words
    hits = search(client, q="Article 1 signal").get_json()["results"]
    assert hits[0]["id"] == f"{TREATY}.art-1"  # the article named comes first ...
    assert hits[0]["score"] < max(h["score"] for h in hits[1:])  # ... below a higher score


def test_an_empty_querys_total_is_documented_as_healths_records(
    spec: dict[str, Any], client: FlaskClient
) -> None:
    schemas = spec["components"]["schemas"]
    total = schemas["SearchResponse"]["properties"]["total"]["description"]
    records = schemas["Health"]["properties"]["records"]["description"]
    assert "records" in total and "metadata" in total
    assert "an empty query's total" in records
    health = client.get("/api/health").get_json()
    assert search(client).get_json()["total"] == health["records"] > health["passages"]


@pytest.mark.parametrize(
    ("explain", "explained"),
    [
        *((value, True) for value in ("true", "TRUE", "True", "tRuE", "1", "yes", "YES", "Yes")),
        *((value, False) for value in ("false", "FALSE", "False", "0", "no", "NO", "No")),
        ("on", None),
        ("nein", None),
        (" true", None),
        ("true ", None),
        ("2", None),
        ("t", None),
    ],
)
def test_the_documented_explain_pattern_and_the_api_agree(
    spec: dict[str, Any], client: FlaskClient, explain: str, explained: bool | None
) -> None:
    """Yes or no in any case: what the pattern allows is read, and nothing else."""
    (parameter,) = [p for p in search_parameters(spec) if p["name"] == "explain"]
    assert (re.fullmatch(parameter["schema"]["pattern"], explain) is not None) == (
        explained is not None
    )
    response = search(client, q="signal", explain=explain)
    if explained is None:
        assert response.status_code == 400
        assert "explain" in response.get_json()["error"]["message"]
    else:
        assert response.status_code == 200, response.get_json()
        hits = response.get_json()["results"]
        assert hits and all(("explanation" in hit) is explained for hit in hits)


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
    backwards = int(year[:4]) > span[0]  # read the other way round, as documented: noted
    assert bool(response.get_json()["query"]["notes"]) is backwards
    assert ("backwards" in parameter["description"]) and ("query.notes" in parameter["description"])


# CORS, ETag ----------------------------------------------------------------------------------


def test_every_get_is_open_to_all_origins(spec: dict[str, Any], client: FlaskClient) -> None:
    urls = urls_for(spec, client, ["q=lantern", "kind=x"], ["q=lantern", ""])
    for url in [*urls, "/api/nothing-here"]:
        response = client.get(url, headers={"Origin": "https://panel.example.org"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url


def test_an_export_total_is_readable_from_other_origins(client: FlaskClient) -> None:
    response = client.get(f"{EXPORT}?q=signal", headers={"Origin": "https://panel.example.org"})
    assert int(response.headers["X-Total-Count"]) > 0
    exposed = response.headers["Access-Control-Expose-Headers"].lower().split(",")
    assert "x-total-count" in {name.strip() for name in exposed}


@pytest.mark.parametrize(
    "path",
    [f"/api/documents/{TREATY}", f"/api/passages/{TREATY}.art-1", f"{COMPARE}?q=lantern"],
)
def test_documents_passages_and_comparisons_have_etags_too(client: FlaskClient, path: str) -> None:
    etag = client.get(path).headers.get("ETag")
    assert etag
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304


ETAGGED = [
    f"{SEARCH}?q=lantern",
    f"/api/documents/{TREATY}",
    f"/api/passages/{TREATY}.art-1",
    f"{COMPARE}?q=lantern",
]
ORIGIN = {"Origin": "https://panel.example.org"}


@pytest.mark.parametrize("path", ETAGGED)
@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("{strong}", 304),  # compared weakly (RFC 9110): the strong form matches too
        ('W/"another", {etag}', 304),
        ('"another",{strong} , W/"more"', 304),
        ('W/"{opaque}" ', 304),
        ("*", 304),
        ('W/"another"', 200),
        ('W/"{opaque}0", "{opaque}0"', 200),  # tags that start with ours
        ("{etag}-gzip", 200),  # holding ours as a prefix, or a substring: another tag
        ("x{etag}", 200),
        ('"{etag}"', 200),
        ("", 200),
    ],
)
def test_if_none_match_is_a_list_of_entity_tags_on_every_endpoint(
    client: FlaskClient, path: str, if_none_match: str, status: int
) -> None:
    etag = client.get(path).headers["ETag"]
    opaque = etag.removeprefix("W/").strip('"')
    value = if_none_match.format(etag=etag, strong=f'"{opaque}"', opaque=opaque)
    response = client.get(path, headers={"If-None-Match": value, **ORIGIN})
    assert response.status_code == status, value
    assert response.headers["ETag"] == etag
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert (response.data == b"") == (status == 304)


@pytest.mark.parametrize("path", ETAGGED)
def test_a_cors_preflight_allows_a_conditional_request(client: FlaskClient, path: str) -> None:
    """A page that sends If-None-Match itself is preflighted; the answer must allow it."""
    asked = {
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    response = client.options(path, headers={**ORIGIN, **asked})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers.get("Access-Control-Allow-Headers", "").lower().split(",")
    assert {"if-none-match", "if-modified-since"} <= {name.strip() for name in allowed}
    assert int(response.headers.get("Access-Control-Max-Age", "0")) >= 600
    assert response.data == b""


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


@pytest.mark.parametrize(
    ("url", "media"),
    [
        (f"{BRIEF}?ids={TREATY}.art-1", JSON),
        (f"{BRIEF}?ids={TREATY}.art-1&format=md", "text/markdown"),
        (f"{EXPORT}?q=signal", "text/csv"),
        (f"{EXPORT}?q=signal&format=jsonl", "application/x-ndjson"),
        (f"{COMPARE}?q=signal", JSON),
        (f"{EXPORT}?q=signal&format=x", JSON),  # an error: JSON
        (f"{BRIEF}?ids=x.y&format=md", JSON),
    ],
)
def test_head_answers_the_get_s_media_type_without_a_body(
    client: FlaskClient, url: str, media: str
) -> None:
    get = client.get(url)
    head = client.head(url)
    assert head.status_code == get.status_code
    assert head.mimetype == get.mimetype == media
    assert head.data == b""
    assert head.headers.get("X-Total-Count") == get.headers.get("X-Total-Count")
    assert head.headers.get("Access-Control-Allow-Origin") == "*"


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
        ("get", "/api/export?format=html"),
        ("get", "/api/export?q=%3Cscript%3E&page=2"),
        ("get", "/api/export?q=" + "x" * 70_000),
        ("get", "/api/brief?ids=%3Cscript%3Ealert(1)%3C/script%3E&format=md"),
        ("get", "/api/brief?ids=%3Cb%3E&format=html"),
        ("get", "/api/compare?q=%3Cscript%3E&per_column=x"),
        ("get", "/api/compare"),
        ("get", "/api/export/x"),
        ("get", "/api/brief/x"),
        ("delete", "/api/search"),
        ("post", "/api/export?q=x"),
        ("put", "/api/brief?ids=x"),
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


@pytest.mark.parametrize(
    "path",
    [
        SEARCH,
        COMPARE,
        BRIEF,
        EXPORT,
        f"/api/documents/{TREATY}",
        f"/api/passages/{TREATY}.art-1",
        "/api/sources",
        "/api/themes",
        "/api/health",
        "/api/openapi.json",
    ],
)
def test_an_overlong_query_string_is_a_documented_414_on_every_path(
    spec: dict[str, Any], registry: Registry, client: FlaskClient, path: str
) -> None:
    url = f"{path}?q={'x' * 70_000}"
    body = assert_error(client.get(url), 414, "uri-too-long")
    assert "414" in spec["paths"][template(spec, path)]["get"]["responses"], path
    assert_valid(registry, response_schema(spec, url, 414), body)


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
