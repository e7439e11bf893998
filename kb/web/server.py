"""Serving the app with gunicorn, configured in code (gunicorn's custom application)."""

from __future__ import annotations

import ctypes
import gc
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from kb.web.limits import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE


class _Gunicorn(BaseApplication):
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


THREADS = 4  # per worker
# A search allocates thousands of short-lived objects. With the default threshold (700)
# the collector ran 240 times in 5,500 distinct queries, for 6 % of the time; with this
# one, twice, for 1 % (gc.callbacks, in process). Cyclic garbage is rare here (the search
# keeps no cycles), so collecting less often costs little memory.
YOUNG_COLLECTION_THRESHOLD = 50_000
MALLOC_ARENAS = 2  # glibc's arenas that a worker's threads allocate from
_M_ARENA_MAX = -8  # mallopt's parameter for it (glibc's malloc.h)


def tune_worker(server: Any, worker: Any) -> None:
    """A serving worker's memory, set when gunicorn forks it (``post_fork``).

    The garbage collector: what the worker holds when it starts (the app, its modules)
    is moved out of its sight, and the youngest generation is collected once per
    YOUNG_COLLECTION_THRESHOLD allocations. The allocator: see :func:`limit_malloc_arenas`.
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, oldest)
    limit_malloc_arenas()


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Have the C library's allocator share ``arenas`` arenas among all threads.

    glibc gives each thread that allocates an arena of its own (up to 8 a core), and
    memory freed in one is not reused by another: with 4 threads a worker's peak grew
    10 MB (150 against 140 MB on the mirror, ``bench/search.py``). Set before the
    worker's threads start; returns whether the library took it (glibc does, others
    may not have ``mallopt``).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))


def gunicorn_options(*, workers: int, threads: int = THREADS) -> dict[str, Any]:
    """gunicorn's settings for kb, the address apart: ``kb serve``'s, and the benchmarks'."""
    return {
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 30,  # a worker silent for longer is restarted
        "graceful_timeout": 10,
        "accesslog": "-",
        "post_fork": tune_worker,
        # Real limits (gunicorn's 0 would mean none): see kb/web/limits.py.
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
    }


def serve(app: Flask, *, host: str, port: int, workers: int) -> None:
    """Run ``app`` under gunicorn until interrupted."""
    options = {"bind": f"{host}:{port}", **gunicorn_options(workers=workers)}
    _Gunicorn(app, options).run()
