"""Serving the app with gunicorn, configured in code (gunicorn's custom application)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Run ``app`` under gunicorn until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        # Long queries must reach the app, which answers them as JSON; gunicorn's own
        # limit (4094 bytes) would answer an HTML 414. 0 means gunicorn's 1 MB cap.
        "limit_request_line": 0,
    }
    _Gunicorn(app, options).run()
