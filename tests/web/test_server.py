"""``kb serve`` (kb/web/server.py): the app under gunicorn, as deployed, on 127.0.0.1.

gunicorn holds every request to real limits (kb/web/limits.py) before the app sees
it; what it refuses itself is answered by gunicorn in plain HTML, as the README and the
OpenAPI description say; everything shorter reaches the app and its own answers.
"""

from __future__ import annotations

import gc
import json
import platform
import socket
import time
from collections.abc import Iterator

import pytest

from kb.ingest.pipeline import ingest
from kb.web.limits import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_LINE, MAX_TARGET_BYTES
from kb.web.server import (
    YOUNG_COLLECTION_THRESHOLD,
    gunicorn_options,
    limit_malloc_arenas,
    tune_worker,
)
from tests.web.routes import API, PAGES
from tests.web.serving import Served, get, kb_serve, resident_kb
from tests.worlds.mirror import invented_world


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``kb serve`` with two workers over an index of the invented fixture world."""
    root = tmp_path_factory.mktemp("served")
    settings = invented_world(root / "world")
    ingest(settings)
    with kb_serve(settings, root / "serve.log", workers=2) as served:
        yield served


def raw_exchange(port: int, request: bytes) -> bytes:
    """Send ``request`` as it is, read the answer until the server closes or 2 s pass."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        connection.settimeout(2)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


def test_served_by_gunicorn_with_two_workers(served: Served) -> None:
    status, headers, body = get(served.port, "/api/search?q=signal")
    assert status == 200
    assert headers["Server"].startswith("gunicorn")
    assert json.loads(body)["total"] > 0
    assert len(served.workers) == 2


@pytest.mark.parametrize("route", (*PAGES, *API))
def test_a_megabyte_query_is_refused_quickly_and_costs_no_memory(
    served: Served, route: str
) -> None:
    """gunicorn reads no further than its limit; it used to pass a 1 MB line on (a 48 MB
    page, a 3 GB worker for 16 MB)."""
    before = {pid: resident_kb(pid) for pid in served.workers}
    for _ in range(3):
        started = time.monotonic()
        status, _, body = get(served.port, f"{route}?q=" + "safeguard+" * 100_000)
        assert status == 414
        assert time.monotonic() - started < 2.0
        assert len(body) < 2_000
    after = {pid: resident_kb(pid) for pid in served.workers}
    assert all(after[pid] - before[pid] < 4_000 for pid in before), (before, after)


def test_a_request_line_over_gunicorns_limit_gets_gunicorns_own_414(served: Served) -> None:
    """Documented: gunicorn answers before kb has read the path, in HTML."""
    target = "/api/search?q=" + "a" * LIMIT_REQUEST_LINE
    status, headers, body = get(served.port, target)
    assert status == 414
    assert headers["Content-Type"].startswith("text/html")
    assert b"URI Too Long" in body


@pytest.mark.parametrize(
    ("route", "kind"), [("/api/search", "application/json"), ("/search", "text/html")]
)
def test_a_line_within_gunicorns_limit_but_over_kbs_is_kbs_414(
    served: Served, route: str, kind: str
) -> None:
    target = f"{route}?q=" + "a" * (MAX_TARGET_BYTES - len(route))
    assert len(f"GET {target} HTTP/1.1") <= LIMIT_REQUEST_LINE
    status, headers, body = get(served.port, target)
    assert status == 414
    assert headers["Content-Type"].startswith(kind)
    if kind == "application/json":
        assert json.loads(body)["error"]["code"] == "uri-too-long"
    else:
        assert b"kb reads addresses of up to" in body


def test_a_header_over_gunicorns_limit_gets_gunicorns_own_431(served: Served) -> None:
    """Documented: too large a header is refused by gunicorn (431, HTML)."""
    huge = "x" * (LIMIT_REQUEST_FIELD_SIZE + 1)
    status, headers, _ = get(served.port, "/api/health", headers={"X-Padding": huge})
    assert status == 431
    assert headers["Content-Type"].startswith("text/html")


def test_a_malformed_request_gets_gunicorns_own_400(served: Served) -> None:
    """Documented: a request that is not HTTP is refused by gunicorn (400, HTML)."""
    answer = raw_exchange(served.port, b"GET /api/health HTTP/1.1 extra\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"Content-Type: text/html" in answer


def test_the_worker_stays_up_after_refusals(served: Served) -> None:
    assert get(served.port, "/api/health")[0] == 200
    assert "Traceback" not in served.log.read_text(errors="replace")


def test_a_serving_workers_collector_runs_less_often_and_skips_what_it_started_with() -> None:
    threshold = gc.get_threshold()
    try:
        assert gunicorn_options(workers=2)["post_fork"] is tune_worker
        tune_worker(None, None)  # as gunicorn calls it in each new worker
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *threshold[1:])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arenas are glibc's")
def test_a_serving_workers_threads_share_the_allocators_arenas() -> None:
    assert limit_malloc_arenas(2)  # mallopt found and the setting taken
