"""The WSGI module of the search benchmark: the app ``kb serve`` serves, plus a bare endpoint.

``GET /bench/bare`` answers a pre-serialised JSON body of 10 KB (the size of a search
answer: issue 15's yardstick) from the same app (same Flask, same hooks, same gunicorn
worker), so what it costs is what serving an answer already in memory costs. Settings
come from the environment, as with ``kb serve`` (``KB_DATA_DIR``).

    KB_DATA_DIR=/tmp/data gunicorn bench.app:app
"""

from __future__ import annotations

import json

from flask import Response

from kb.web import create_app

BARE_BYTES = 10_240
_FILLER = json.dumps({"ok": True, "results": ""}).encode()
BARE_BODY = json.dumps({"ok": True, "results": "x" * (BARE_BYTES - len(_FILLER))}).encode()

app = create_app()


@app.get("/bench/bare")
def bare() -> Response:
    return Response(BARE_BODY, content_type="application/json")
