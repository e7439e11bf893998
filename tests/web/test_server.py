"""``kb serve`` (kb/web/server.py): the app under gunicorn, as deployed, on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.ingest.pipeline import ingest
from tests.factories import invented_world


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, target: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """``kb serve`` on a free port over an index of the invented fixture world."""
    settings = invented_world(tmp_path_factory.mktemp("served"))
    ingest(settings)
    port = free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_MANIFEST": str(settings.manifest),
    }
    kb = Path(sys.executable).with_name("kb")
    process = subprocess.Popen(
        [str(kb), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(port, "/api/health")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"kb serve did not start: {process.stderr.read()!r}")
            time.sleep(0.1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)


def test_served_by_gunicorn_with_two_workers(server: int) -> None:
    status, headers, body = get(server, "/api/search?q=signal")
    assert status == 200
    assert headers["Server"].startswith("gunicorn")
    assert json.loads(body)["total"] > 0


@pytest.mark.parametrize("length", [5_000, 20_000, 60_000])
def test_a_request_line_past_gunicorns_default_limit_is_answered_as_json(
    server: int, length: int
) -> None:
    """gunicorn's default limit is 4094 bytes, past which it answers an HTML 414 itself."""
    status, headers, body = get(server, "/api/search?q=" + "safeguard+" * (length // 10))
    assert status in (200, 400, 414)
    assert headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    if status == 200:
        assert any("first 1000 characters" in note for note in data["query"]["notes"])
    else:
        assert data["ok"] is False


def test_a_query_string_over_the_apps_limit_is_a_json_414(server: int) -> None:
    status, headers, body = get(server, "/api/search?q=" + "a" * 70_000)
    assert status == 414
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]["code"] == "uri-too-long"
