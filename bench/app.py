"""The WSGI module of the search benchmark: the app ``kb serve`` serves, plus a bare endpoint.

``GET /bench/bare`` answers ``{"ok": true}`` from the same app (same Flask, same
JSON provider, same gunicorn worker), so what it costs is what serving costs without
the search. Settings come from the environment, as with ``kb serve`` (``KB_DATA_DIR``).

    KB_DATA_DIR=/tmp/data gunicorn bench.app:app
"""

from __future__ import annotations

from flask import Response, jsonify

from kb.web import create_app

app = create_app()


@app.get("/bench/bare")
def bare() -> Response:
    return jsonify({"ok": True})
