"""Errors, app-wide and in one place: JSON under /api/, a page everywhere else; never a traceback.

What a view cannot answer (``kb/web/views.py``) is mapped here, for the API and the
pages alike:

- ``NoIndex``, nothing published yet: 503
- ``BadParameter``, ``InvalidRequest``, a parameter that cannot be read or is out of range: 400
- ``QueryTimeout``, a query too costly to answer in time: 400
- :class:`~kb.web.views.Unknown`, an id that names nothing: 404

and so is every HTTP error (an unknown path, a wrong method, a 414) and every bug (500).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from kb.search import InvalidRequest, NoIndex, QueryTimeout
from kb.web.params import BadParameter
from kb.web.views import Unknown

CANNOT_RUN = "This search cannot be run"
NO_INDEX = "The knowledge base has no index yet: run `kb ingest`, then reload this page."
TOO_COSTLY = "The query took too long to answer. Try fewer words or fewer wildcards."


@dataclass(frozen=True)
class Problem:
    """An error as each reader is told it: a program by ``code`` and ``message``
    (``{"ok": false, "error": {...}}``), a person by a page's ``title`` and ``text``."""

    status: int
    code: str
    message: str
    title: str
    text: str
    headers: tuple[tuple[str, str], ...] = ()  # for the API: Allow on a 405 ...


def problem(error: Exception) -> Problem:
    """The one mapping of an error to what the client is told; anything else is a bug."""
    if isinstance(error, NoIndex):
        return Problem(503, "no-index", str(error), HTTP_STATUS_CODES[503], NO_INDEX)
    if isinstance(error, Unknown):
        text = f"There is no {error.kind} with the id “{error.asked}”."
        return Problem(404, "not-found", str(error), HTTP_STATUS_CODES[404], text)
    if isinstance(error, BadParameter):
        return Problem(400, error.code, error.message, CANNOT_RUN, error.message)
    if isinstance(error, InvalidRequest):
        return Problem(400, "invalid-parameter", error.message, CANNOT_RUN, error.message)
    if isinstance(error, QueryTimeout):
        message = f"{error}; make the query simpler"
        return Problem(400, "query-too-costly", message, CANNOT_RUN, TOO_COSTLY)
    if isinstance(error, HTTPException):
        return http_problem(error)
    return http_problem(InternalServerError("Something went wrong on our side; it was logged."))


def http_problem(error: HTTPException) -> Problem:
    """An HTTP error (unknown path, wrong method ...): its code is its name, hyphenated."""
    headers = tuple(
        (name, value)
        for name, value in error.get_headers()
        if name.lower() not in ("content-type", "content-length")
    )
    return Problem(
        status=error.code or 500,
        code=(error.name or "error").lower().replace(" ", "-"),
        message=error.description or error.name,
        title=error.name,
        text=error.description or "",
        headers=headers,
    )


EXPECTED = (NoIndex, Unknown, BadParameter, InvalidRequest, QueryTimeout, HTTPException)


def register_error_handlers(app: Flask) -> None:
    for kind in EXPECTED:
        app.register_error_handler(kind, answer_error)
    app.register_error_handler(Exception, unexpected_error)


def answer_error(error: Exception) -> Response:
    """JSON under /api/, a page elsewhere."""
    found = problem(error)
    return json_error(found) if is_api(request.path) else error_page(found)


def unexpected_error(error: Exception) -> Response:
    """A bug: logged with its traceback, answered like any other error."""
    current_app.logger.exception("unexpected error on %s", request.path)
    return answer_error(error)


def is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def json_error(found: Problem) -> Response:
    response = jsonify({"ok": False, "error": {"code": found.code, "message": found.message}})
    response.status_code = found.status
    for name, value in found.headers:
        response.headers[name] = value
    response.headers["Access-Control-Allow-Origin"] = "*"  # no blueprint's hook on a 404
    return response


def error_page(found: Problem) -> Response:
    html = render_template("error.html", status=found.status, title=found.title, message=found.text)
    return make_response(html, found.status)
