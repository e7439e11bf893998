"""The JSON API blueprint. Every answer under /api/ is JSON, errors included.

Each endpoint reads its parameters (``kb/web/params.py``), asks the resource's view
(``kb/web/views.py``) for its data, the same data the pages show, and answers it in
the shapes of ``kb/web/shapes.py``, described in ``kb/web/openapi.py``. What a view
cannot answer becomes a JSON error in ``kb/web/errors.py``.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.http import unquote_etag

from kb.search import NoIndex, Snapshot
from kb.search.compare import PER_COLUMN
from kb.web import views
from kb.web.answers import reusable
from kb.web.exports import brief_markdown, csv_rows, json_lines
from kb.web.json import dumps
from kb.web.openapi import openapi_document
from kb.web.params import (
    BRIEF_FORMATS,
    BRIEF_PARAMETERS,
    COMPARE_PARAMETERS,
    EXPORT_FORMATS,
    EXPORT_PARAMETERS,
    SEARCH_API_PARAMETERS,
    brief_ids,
    choice,
    flag,
    integer,
    only,
    query_with,
    read_search,
)
from kb.web.shapes import (
    brief_json,
    compare_json,
    document_json,
    hit_json,
    passage_view_json,
    search_json,
    sources_json,
    themes_json,
)

blueprint = Blueprint("api", __name__, url_prefix="/api")

JSON = "application/json"


def ok(**payload: Any) -> Response:
    return jsonify({"ok": True, **payload})


@blueprint.before_request
def answer_preflight() -> Response | None:
    if request.method == "OPTIONS":  # a CORS preflight: say what may be asked, no body
        return Response(status=204, headers={"Allow": "GET, HEAD, OPTIONS"})
    return None


@blueprint.after_request
def open_to_all_origins(response: Response) -> Response:
    """CORS: the API is public and read-only, so any page may read it, conditionally too.

    A page that sends ``If-None-Match`` itself makes the browser ask first (a preflight,
    OPTIONS): the answer must allow that header, or the browser refuses the request. A
    browser keeps the preflight's answer for ``Max-Age`` seconds (Chromium at most 2 hours).
    """
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = "ETag, X-Total-Count, Content-Disposition"
    if request.method == "OPTIONS":  # browsers read these in a preflight's answer only
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
        headers["Access-Control-Max-Age"] = "86400"
    return response


# Search ---------------------------------------------------------------------------------


@blueprint.get("/search")
def search_endpoint() -> Response:
    snap = views.current_snapshot()
    started = time.perf_counter()
    before, after = search_answer(snap)
    etag = etag_for(snap)
    if not_modified(etag):
        reusable(snap.version)
        return Response(status=304, headers={"ETag": etag})
    took = str(round((time.perf_counter() - started) * 1000, 2)).encode()
    reusable(snap.version, took=(len(before), len(before) + len(took)))
    return Response(before + took + after, headers={"ETag": etag}, content_type=JSON)


_TOOK = b'"took_ms":-1.0'


def search_answer(snap: Snapshot) -> tuple[bytes, bytes]:
    """The request's search, serialised, split where the value of ``took_ms`` goes.

    Answered again, it comes whole from the answers cache (``kb/web/answers.py``).
    """
    params = only(request.args, SEARCH_API_PARAMETERS)
    wanted, explain = read_search(params), flag(params, "explain")
    view = views.search_view(snap, wanted)
    next_url = None
    if view.next_page is not None:
        next_url = f"{request.path}?{query_with(request.args, page=view.next_page)}"
    payload = search_json(view.result, next_url, explain=explain)
    payload["took_ms"] = -1.0
    before, _, after = dumps(payload).partition(_TOOK)
    return before + b'"took_ms":', after


def etag_for(snap: Snapshot) -> str:
    """A weak ETag from the index version and the request: a new index, new answers."""
    environ = request.environ  # the target as sent: its answer echoes it
    key = f"{snap.version}?{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
    return f'W/"{hashlib.blake2b(key.encode(), digest_size=12).hexdigest()}"'


def not_modified(etag: str) -> bool:
    """``If-None-Match`` names ``etag``, or is ``*``: a list of entity tags compared weakly
    (RFC 9110, 13.1.2), as ``make_conditional`` does for :func:`conditional`."""
    if "HTTP_IF_NONE_MATCH" not in request.environ:  # most requests: nothing to parse
        return False
    return request.if_none_match.contains_weak(unquote_etag(etag)[0])


def conditional(response: Response, snap: Snapshot) -> Response:
    """``response``, or a 304 when the client holds it already (the same index, request);
    either is kept by the answers cache for the next request."""
    reusable(snap.version)
    response.headers["ETag"] = etag_for(snap)
    response.make_conditional(request)  # changes the response in place
    return response


# Documents, passages, sources, themes ---------------------------------------------------


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    snap = views.current_snapshot()
    view = views.document_view(snap, document_id)
    return conditional(ok(**document_json(view.document)), snap)


@blueprint.get("/passages/<passage_id>")
def passage(passage_id: str) -> Response:
    snap = views.current_snapshot()
    view = views.passage_view(snap, passage_id)
    return conditional(ok(**passage_view_json(view)), snap)


@blueprint.get("/sources")
def sources() -> Response:
    view = views.sources_view(views.current_library(), current_app.config["KB_SETTINGS"])
    return ok(sources=sources_json(view))


@blueprint.get("/themes")
def themes() -> Response:
    library = views.current_library()
    view = views.themes_view(library)
    answer = ok(**themes_json(view.vocabulary))
    with contextlib.suppress(NoIndex):  # the same for every version: kept with each
        reusable(library.snapshot().version)
    return answer


@blueprint.get("/health")
def health() -> Response:
    snap = views.current_snapshot()
    return ok(
        documents=snap.generation.build["documents"],
        passages=snap.generation.build["passages"],
        records=snap.generation.build["records"],
        index_version=snap.version,
        built_at=snap.built_at,
    )


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


# Comparing, briefs, exports ------------------------------------------------------------


@blueprint.get("/compare")
def compare_endpoint() -> Response:
    snap = views.current_snapshot()
    params = only(request.args, COMPARE_PARAMETERS)
    wanted, per_column = read_search(params), integer(params, "per_column", PER_COLUMN)
    view = views.compare_view(snap, wanted, per_column)
    return conditional(jsonify(compare_json(view.comparison)), snap)


@blueprint.get("/brief")
def brief() -> Response:
    """The brief as JSON or Markdown; unlike the page, every id must name a passage."""
    snap = views.current_snapshot()
    params = only(request.args, BRIEF_PARAMETERS)
    form = choice(params, "format", BRIEF_FORMATS)
    view = views.brief_view(snap, brief_ids(params))
    if view.unknown:
        raise views.Unknown("passage", view.unknown[0])
    payload = brief_json(view)
    if form == "md":
        body = brief_markdown(payload["passages"], view.prepared, view.index_version)
        return download(Response(body, content_type="text/markdown; charset=utf-8"), "brief.md")
    return download(ok(**payload), "brief.json")


@blueprint.get("/export")
def export() -> Response:
    """Every hit of a search (up to the export's limit) as CSV or JSON lines, streamed."""
    snap = views.current_snapshot()
    params = only(request.args, EXPORT_PARAMETERS)
    form, wanted = choice(params, "format", EXPORT_FORMATS), read_search(params)
    view = views.export_view(snap, wanted, views.current_library().limits)
    hits = [hit_json(hit) for hit in view.hits]  # explained before a byte is sent
    rows = csv_rows(hits) if form == "csv" else json_lines(hits)
    kind = "text/csv; charset=utf-8" if form == "csv" else "application/x-ndjson"
    response = Response(rows, content_type=kind)
    response.headers["X-Total-Count"] = str(view.total)  # more than the rows when capped
    return download(response, f"kb-search.{form}")


def download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
