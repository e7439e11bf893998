"""The web layer: a Flask app factory serving the JSON API (and, later, the pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from kb.config import Settings
from kb.search.library import Library
from kb.search.themes import load_themes
from kb.web.json import OrjsonProvider


def create_app(settings: Settings | None = None, **config: Any) -> Flask:
    """Build the app; ``settings`` defaults to the environment (``KB_DATA_DIR`` ...)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(KB_SETTINGS=settings, **config)
    app.json = OrjsonProvider(app)
    # "//" in a path would be answered by a redirect that bypasses the JSON error handlers
    app.url_map.merge_slashes = False
    vocabulary = load_themes(settings.themes)
    app.extensions["kb.library"] = Library(Path(settings.index_root), vocabulary)

    from kb.web import api

    app.register_blueprint(api.blueprint)
    return app
