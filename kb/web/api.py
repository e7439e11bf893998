"""The JSON API blueprint. Every answer under /api/ is JSON, errors included.

Shapes are built in ``kb/web/shapes.py`` and described in ``kb/web/openapi.py``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.http import unquote_etag

from kb.ingest.report import source_statuses
from kb.models import Document, Passage
from kb.search import (
    InvalidRequest,
    Library,
    NoIndex,
    QueryTimeout,
    SearchRequest,
    Snapshot,
    search,
)
from kb.search.caching import LRU, text_bytes
from kb.search.compare import PER_COLUMN, compare
from kb.search.request import MAX_DEPTH, MAX_PER_PAGE
from kb.search.themes import Vocabulary
from kb.web.exports import brief_markdown, csv_rows, json_lines
from kb.web.json import dumps
from kb.web.openapi import openapi_document
from kb.web.params import (
    MAX_BRIEF,
    MAX_EXPORT,
    SEARCH_PARAMETERS,
    BadParameter,
    choice,
    flag,
    integer,
    only,
    search_request,
    values,
)
from kb.web.shapes import (
    brief_entry_json,
    compare_json,
    definition_json,
    document_json,
    hit_json,
    passage_json,
    search_json,
    themes_json,
)

blueprint = Blueprint("api", __name__, url_prefix="/api")

JSON = "application/json"


class ApiError(Exception):
    """An error answered as ``{"ok": false, "error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def library() -> Library:
    return current_app.extensions["kb.library"]


def snapshot() -> Snapshot:
    try:
        return library().snapshot()
    except NoIndex as error:
        raise ApiError(503, "no-index", str(error)) from None


def ok(**payload: Any) -> Response:
    return jsonify({"ok": True, **payload})


@blueprint.before_request
def answer_preflight() -> Response | None:
    if request.method == "OPTIONS":  # a CORS preflight: say what may be asked, no body
        return Response(status=204, headers={"Allow": "GET, HEAD, OPTIONS"})
    return None


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@blueprint.after_request
def open_to_all_origins(response: Response) -> Response:
    """CORS: the API is public and read-only, so any page may read it, conditionally too.

    A page that sends ``If-None-Match`` itself makes the browser ask first (a preflight,
    OPTIONS): the answer must allow that header, or the browser refuses the request. A
    browser keeps the preflight's answer for ``Max-Age`` seconds (Chromium at most 2 hours).
    """
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    headers["Access-Control-Expose-Headers"] = "ETag, X-Total-Count, Content-Disposition"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
        headers["Access-Control-Max-Age"] = "86400"
    return response


# Search ---------------------------------------------------------------------------------


SEARCH_API_PARAMETERS = (*SEARCH_PARAMETERS, "explain")  # explain=true: why each hit matched


@blueprint.get("/search")
def search_endpoint() -> Response:
    snap = snapshot()
    started = time.perf_counter()
    key = (snap.version, request.query_string)
    answer = _answers.get(key)
    if answer is None:
        with answerable():
            wanted = search_request(request.args, SEARCH_API_PARAMETERS)
            explain = flag(only(request.args, SEARCH_API_PARAMETERS), "explain")
        answer = _answers.put(key, search_answer(snap, wanted, explain=explain))
    if not_modified(answer.etag):
        return Response(status=304, headers={"ETag": answer.etag})
    took = str(round((time.perf_counter() - started) * 1000, 2)).encode()
    body = answer.before + took + answer.after
    return Response(body, headers={"ETag": answer.etag}, content_type=JSON)


@dataclass(frozen=True)
class _Answer:
    """A serialised search answer, split where ``took_ms`` goes, and its ETag."""

    before: bytes
    after: bytes
    etag: str


# Popular queries repeat: their answers are kept per index version and query string.
ANSWERS_CACHE_BYTES = 8_000_000
_answers: LRU[tuple[str, bytes], _Answer] = LRU(
    ANSWERS_CACHE_BYTES,
    lambda key, answer: len(key[1]) + len(answer.before) + len(answer.after) + text_bytes(key[0]),
)
_TOOK = b'"took_ms":-1.0'


@contextmanager
def answerable() -> Iterator[None]:
    """A request the search cannot answer is the client's to change: a 400 saying why."""
    try:
        yield
    except (BadParameter, InvalidRequest) as error:
        code = error.code if isinstance(error, BadParameter) else "invalid-parameter"
        raise ApiError(400, code, error.message) from None
    except QueryTimeout as error:
        raise ApiError(400, "query-too-costly", f"{error}; make the query simpler") from None


def search_answer(snap: Snapshot, wanted: SearchRequest, *, explain: bool) -> _Answer:
    with answerable():
        result = search(snap, wanted)
    next_page = wanted.page + 1
    has_next = next_page <= result.pages and next_page * wanted.per_page <= MAX_DEPTH
    next_url = page_url(request.args, next_page) if has_next else None
    payload = search_json(result, next_url, explain=explain)
    payload["took_ms"] = -1.0
    body = dumps(payload)
    before, _, after = body.partition(_TOOK)
    return _Answer(before + b'"took_ms":', after, etag_for(snap))


def page_url(args: MultiDict[str, str], page: int) -> str:
    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page"]
    return f"{request.path}?{urlencode([*pairs, ('page', str(page))])}"


def etag_for(snap: Snapshot) -> str:
    """A weak ETag from the index version and the request: a new index, new answers."""
    key = f"{snap.version}?{request.full_path}"
    return f'W/"{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"'


def not_modified(etag: str) -> bool:
    """``If-None-Match`` names ``etag``, or is ``*``: a list of entity tags compared weakly
    (RFC 9110, 13.1.2), as ``make_conditional`` does for :func:`conditional`."""
    return request.if_none_match.contains_weak(unquote_etag(etag)[0])


def conditional(response: Response, snap: Snapshot) -> Response:
    response.headers["ETag"] = etag_for(snap)
    return response.make_conditional(request)


# Documents, passages, sources, themes ---------------------------------------------------


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    snap = snapshot()
    found = snap.documents.get(document_id)
    if found is None:
        raise ApiError(404, "not-found", f"no document with id {document_id!r}")
    return conditional(ok(**document_json(found)), snap)


@blueprint.get("/passages/<passage_id>")
def passage(passage_id: str) -> Response:
    snap = snapshot()
    source_id, _, anchor = passage_id.partition(".")
    document = snap.documents.get(source_id)
    anchors = [p.anchor for p in document.passages] if document else []
    if document is None or anchor not in anchors:
        raise ApiError(404, "not-found", f"no passage with id {passage_id!r}")
    position = anchors.index(anchor)
    ids = [document.passage_id(p) for p in document.passages]
    here = document.passages[position]
    corpus = snap.corpus
    data = {
        **passage_json(document, here),
        "position": position,
        "previous": ids[position - 1] if position > 0 else None,
        "next": ids[position + 1] if position + 1 < len(ids) else None,
        "document": document_json(document, passages=False),
        "defines": [
            definition_json(d, document, here) for d in corpus.glossary.made_in(passage_id)
        ],
        "definitions": [
            definition_json(d, *corpus.passage(d.passage_id))
            for d in corpus.glossary.used_in(document, here)
        ],
        "references": [
            {"text": r.text, "start": r.start, "end": r.end, "target": r.target}
            for r in corpus.references.of(passage_id)
        ],
        "cited_by": [
            {"id": cited, "citation": citation_of(snap, cited)}
            for cited in corpus.references.citing(passage_id)
        ],
    }
    return conditional(ok(**data), snap)


def citation_of(snap: Snapshot, passage_id: str) -> str:
    document, passage = snap.corpus.passage(passage_id)
    return document.citation(passage)


# Comparing, briefs, exports ------------------------------------------------------------

COMPARE_PARAMETERS = ("q", "theme", "per_column")
BRIEF_PARAMETERS = ("ids", "format")
EXPORT_FORMATS = ("csv", "jsonl")
EXPORT_PARAMETERS = (*(p for p in SEARCH_PARAMETERS if p not in ("page", "per_page")), "format")


@blueprint.get("/compare")
def compare_endpoint() -> Response:
    snap = snapshot()
    with answerable():
        wanted = search_request(request.args, COMPARE_PARAMETERS)
        per_column = integer(only(request.args, COMPARE_PARAMETERS), "per_column", PER_COLUMN)
        comparison = compare(snap, wanted, per_column)
    return conditional(jsonify(compare_json(comparison)), snap)


@blueprint.get("/brief")
def brief() -> Response:
    snap = snapshot()
    with answerable():
        params = only(request.args, BRIEF_PARAMETERS)
        form = choice(params, "format", ("json", "md"))
        entries = [
            brief_entry_json(*found) for found in brief_passages(snap, values(params, "ids"))
        ]
    prepared = datetime.now(UTC).date().isoformat()
    if form == "md":
        body = brief_markdown(entries, prepared, snap.version)
        return download(Response(body, content_type="text/markdown; charset=utf-8"), "brief.md")
    payload = {"prepared": prepared, "index_version": snap.version, "passages": entries}
    return download(ok(**payload), "brief.json")


def brief_passages(snap: Snapshot, ids: tuple[str, ...]) -> list[tuple[Document, Passage]]:
    """The documents and passages of ``ids``, in that order; BadParameter for what is not one."""
    if not ids:
        raise BadParameter("invalid-parameter", "ids: give passage ids, comma-separated")
    if len(ids) > MAX_BRIEF:
        raise BadParameter("invalid-parameter", f"ids: at most {MAX_BRIEF} passages in a brief")
    found = []
    for passage_id in ids:
        try:
            found.append(snap.corpus.passage(passage_id))
        except KeyError:
            raise ApiError(404, "not-found", f"no passage with id {passage_id!r}") from None
    return found


@blueprint.get("/export")
def export() -> Response:
    """Every hit of a search (up to MAX_EXPORT) as CSV or JSON lines, streamed."""
    snap = snapshot()
    with answerable():
        params = only(request.args, EXPORT_PARAMETERS)
        form = choice(params, "format", EXPORT_FORMATS)
        wanted = search_request(request.args, EXPORT_PARAMETERS)
        hits, total = exported_hits(snap, wanted)
    rows = csv_rows(hits) if form == "csv" else json_lines(hits)
    kind = "text/csv; charset=utf-8" if form == "csv" else "application/x-ndjson"
    response = Response(rows, content_type=kind)
    response.headers["X-Total-Count"] = str(total)  # more than the rows when capped
    return download(response, f"kb-search.{form}")


def exported_hits(snap: Snapshot, wanted: SearchRequest) -> tuple[list[dict[str, Any]], int]:
    """The hits of every page in order, as the API shapes them, and the total.

    Searched before anything is streamed, so that a query that cannot be answered is a
    JSON error rather than a broken file.
    """
    hits: list[dict[str, Any]] = []
    page, pages, total = 1, 1, 0
    while page <= pages and len(hits) < MAX_EXPORT:
        result = search(snap, replace(wanted, page=page, per_page=MAX_PER_PAGE))
        hits += [hit_json(h) for h in result.hits]
        pages, total = result.pages, result.total
        page += 1
    return hits[:MAX_EXPORT], total


def download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@blueprint.get("/sources")
def sources() -> Response:
    settings = current_app.config["KB_SETTINGS"]
    entries = []
    for entry in source_statuses(settings, library().published_documents()):
        source = entry.pop("source")
        entries.append({**source.to_dict(), "kind_label": source.kind_label, **entry})
    return ok(sources=entries)


@blueprint.get("/themes")
def themes() -> Response:
    vocabulary: Vocabulary = library().vocabulary
    return ok(**themes_json(vocabulary))


@blueprint.get("/health")
def health() -> Response:
    snap = snapshot()
    return ok(
        documents=snap.generation.build["documents"],
        passages=snap.generation.build["passages"],
        index_version=snap.version,
        built_at=snap.built_at,
    )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


# Errors -------------------------------------------------------------------------------------


@blueprint.errorhandler(ApiError)
def api_error(error: ApiError) -> tuple[Response, int]:
    return error_response(error.status, error.code, error.message)


def http_error(error: HTTPException) -> tuple[Response, int]:
    """An HTTP error (unknown path, wrong method ...) as the API's JSON error."""
    code = (error.name or "error").lower().replace(" ", "-")
    response, status = error_response(error.code or 500, code, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value  # e.g. Allow on a 405
    return response, status


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    response = jsonify({"ok": False, "error": {"code": code, "message": message}})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response, status
