"""The app served for the browser: on 127.0.0.1, a free port, from a background thread.

Werkzeug's threaded server, in process (``kb serve`` under gunicorn is in
``tests/web/serving.py``): the browser tests' sites (fixtures ``site``, ``ref_site``)
and any other page a test needs served for real, such as another origin's.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from werkzeug.serving import make_server

from kb.config import Settings
from kb.web import create_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def serving(settings: Settings) -> contextlib.AbstractContextManager[str]:
    """The app over ``settings`` on 127.0.0.1, a free port, in a background thread."""
    return serving_wsgi(create_app(settings))


@contextlib.contextmanager
def serving_wsgi(app: WSGIApplication) -> Iterator[str]:
    """A WSGI app on 127.0.0.1, a free port, in a background thread: its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
