"""The JSON API blueprint. Every answer under /api/ is JSON, errors included.

Shapes are built in ``kb/web/shapes.py`` and described in ``kb/web/openapi.py``.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from kb.ingest.report import source_statuses
from kb.search import (
    InvalidRequest,
    Library,
    NoIndex,
    QueryTimeout,
    SearchRequest,
    Snapshot,
    search,
)
from kb.search.matching import LRU
from kb.search.request import MAX_DEPTH
from kb.search.themes import Vocabulary
from kb.web.json import dumps
from kb.web.openapi import openapi_document
from kb.web.params import BadParameter, search_request
from kb.web.shapes import document_json, passage_json, search_json, themes_json

blueprint = Blueprint("api", __name__, url_prefix="/api")

MAX_QUERY_STRING = 64 * 1024
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
def bound_the_request() -> Response | None:
    if len(request.query_string) > MAX_QUERY_STRING:
        raise ApiError(414, "uri-too-long", f"the query string exceeds {MAX_QUERY_STRING} bytes")
    if request.method == "OPTIONS":  # a CORS preflight: say what may be asked, no body
        return Response(status=204, headers={"Allow": "GET, HEAD, OPTIONS"})
    return None


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@blueprint.after_request
def open_to_all_origins(response: Response) -> Response:
    """CORS: the API is public and read-only, so any page may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    return response


# Search ---------------------------------------------------------------------------------


@blueprint.get("/search")
def search_endpoint() -> Response:
    snap = snapshot()
    started = time.perf_counter()
    key = (snap.version, request.query_string)
    answer = _answers.get(key)
    if answer is None:
        try:
            wanted = search_request(request.args)
        except BadParameter as error:
            raise ApiError(400, error.code, error.message) from None
        answer = _answers.put(key, search_answer(snap, wanted))
    if answer.etag in request.environ.get("HTTP_IF_NONE_MATCH", ""):
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
_answers: LRU[tuple[str, bytes], _Answer] = LRU(500)  # ~10 KB each
_TOOK = b'"took_ms":-1.0'


def search_answer(snap: Snapshot, wanted: SearchRequest) -> _Answer:
    try:
        result = search(snap, wanted)
    except InvalidRequest as error:
        raise ApiError(400, "invalid-parameter", error.message) from None
    except QueryTimeout as error:
        raise ApiError(400, "query-too-costly", f"{error}; make the query simpler") from None
    next_page = wanted.page + 1
    has_next = next_page <= result.pages and next_page * wanted.per_page <= MAX_DEPTH
    payload = search_json(result, page_url(request.args, next_page) if has_next else None)
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
    data = {
        **passage_json(document, document.passages[position]),
        "position": position,
        "previous": ids[position - 1] if position > 0 else None,
        "next": ids[position + 1] if position + 1 < len(ids) else None,
        "document": document_json(document, passages=False),
    }
    return conditional(ok(**data), snap)


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
