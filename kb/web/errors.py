"""Errors, app-wide: JSON under /api/, a page everywhere else; never a traceback."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from kb.web import api, pages


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)


def http_error(error: HTTPException) -> tuple[Response, int] | tuple[str, int]:
    if api.is_api(request.path):
        return api.http_error(error)
    status = error.code or 500
    return pages.error_page(status, error.name, error.description or ""), status


def unexpected_error(error: Exception) -> tuple[Response, int] | tuple[str, int]:
    """A bug: logged with its traceback, answered like any other error."""
    current_app.logger.exception("unexpected error on %s", request.path)
    return http_error(InternalServerError("Something went wrong on our side; it was logged."))
