"""The JSON API blueprint. Every answer under /api/ is JSON, errors included."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from kb.search.library import Library, NoIndex, Snapshot
from kb.web.shapes import document_json

blueprint = Blueprint("api", __name__, url_prefix="/api")


class ApiError(Exception):
    """An error answered as ``{"ok": false, "error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def snapshot() -> Snapshot:
    library: Library = current_app.extensions["kb.library"]
    try:
        return library.snapshot()
    except NoIndex as error:
        raise ApiError(503, "no-index", str(error)) from None


def ok(**payload: Any) -> Response:
    return jsonify({"ok": True, **payload})


@blueprint.get("/health")
def health() -> Response:
    snap = snapshot()
    return ok(
        documents=snap.generation.build["documents"],
        passages=snap.generation.build["passages"],
        index_version=snap.version,
        built_at=snap.built_at,
    )


@blueprint.get("/documents/<document_id>")
def document(document_id: str) -> Response:
    found = snapshot().documents.get(document_id)
    if found is None:
        raise ApiError(404, "not-found", f"no document with id {document_id!r}")
    return ok(**document_json(found))


@blueprint.errorhandler(ApiError)
def api_error(error: ApiError) -> tuple[Response, int]:
    return error_response(error.status, error.code, error.message)


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response | tuple[Response, int]:
    """JSON for every HTTP error under /api/ (unknown paths included)."""
    if not request.path.startswith("/api/"):
        return error  # type: ignore[return-value]
    code = (error.name or "error").lower().replace(" ", "-")
    return error_response(error.code or 500, code, error.description or error.name)


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify({"ok": False, "error": {"code": code, "message": message}}), status
