"""HTTP servers on 127.0.0.1 that the ingestion tests start, standing in for the sources' sites.

:class:`LocalServer` answers each path from its ``routes`` and records the requests
(fixture ``http_server``; the network world of ``tests/worlds/mirror.py`` is served by
it); :class:`FaultServer` answers as each test scripts it, badly if need be: slowly,
truncated, stalled, refused or never accepted (fixture ``fault_server``).
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.worlds.mirror import NetWorld

# --- a local HTTP server ----------------------------------------------------


@dataclass
class Route:
    """What the server answers for one path."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    etag: str | None = None


@dataclass
class LocalServer:
    """A ThreadingHTTPServer on 127.0.0.1 answering from ``routes``; records requests."""

    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            route = server.routes.get(self.path, Route(404, b"not here", "text/plain"))
            if route.etag and self.headers.get("If-None-Match") == route.etag:
                self.send_response(304)
                self.send_header("ETag", route.etag)
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            if route.etag:
                self.send_header("ETag", route.etag)
            self.end_headers()
            self.wfile.write(route.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def local_server() -> Iterator[LocalServer]:
    """A :class:`LocalServer` on a free port of 127.0.0.1 while the block runs."""
    server = LocalServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


# --- a fault-injecting HTTP server --------------------------------------------

OMIT = -1  # Answer.content_length: send no Content-Length header


@dataclass
class Answer:
    """One scripted answer of a :class:`FaultServer`.

    ``content_length`` None sends the body's true length (OMIT: no header, the
    connection's end ends the body); ``delay`` is silence before the status line;
    ``stall_after`` sends that many body bytes, then falls silent until the server
    is closed (``FaultServer.stalled`` is set once it does).
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None
    delay: float = 0.0
    stall_after: int | None = None


class _FaultHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up early (timeouts, size caps, a killed ingest) are expected."""


class FaultServer:
    """A local HTTP server on 127.0.0.1 whose answers per path are scripted by the test.

    Besides answering badly it can stop listening (:meth:`refuse`: connection
    refused) or keep its port but stop accepting (:meth:`blackhole`: connect timeout).
    """

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.requests: list[str] = []
        self.stalled = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._fillers: list[socket.socket] = []
        self.httpd = _FaultHTTPServer(("127.0.0.1", 0), _fault_handler(self))
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()
        self._open = True

    def script(self, path: str, *answers: Answer) -> None:
        """Answer requests for ``path`` with ``answers`` in turn; the last one repeats."""
        with self._lock:
            self.answers[path] = list(answers)

    def next_answer(self, path: str) -> Answer:
        with self._lock:
            queue = self.answers.get(path)
            if not queue:
                return Answer(404, b"no such path")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def hits(self, path: str) -> int:
        return self.requests.count(path)

    def _stop_serving(self) -> None:
        self.released.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(5)
            self._thread = None

    def refuse(self) -> None:
        """Stop listening: a connection to the port is refused from now on."""
        self.close()

    def blackhole(self) -> None:
        """Keep the port but accept nothing: a connection attempt hangs until it times out.

        Linux drops a SYN while the listen queue is full, so the queue is filled first.
        """
        if not sys.platform.startswith("linux"):
            pytest.skip("a full listen queue drops connection attempts only on Linux")
        self._stop_serving()
        self.httpd.socket.listen(0)
        for _ in range(64):
            filler = socket.socket()
            filler.settimeout(0.2)
            try:
                filler.connect(("127.0.0.1", self.port))
            except TimeoutError:
                filler.close()
                return
            self._fillers.append(filler)
        raise AssertionError("the listen queue never filled up")

    def close(self) -> None:
        if not self._open:
            return
        self._stop_serving()
        self.httpd.server_close()
        for filler in self._fillers:
            filler.close()
        self._open = False


def _fault_handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            answer = server.next_answer(self.path)
            if answer.delay and server.released.wait(answer.delay):
                return
            self.send_response(answer.status)
            if answer.content_type is not None:
                self.send_header("Content-Type", answer.content_type)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            length = len(answer.body) if answer.content_length is None else answer.content_length
            if length != OMIT:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            if answer.stall_after is None:
                self.wfile.write(answer.body)
                return
            self.wfile.write(answer.body[: answer.stall_after])
            self.wfile.flush()
            server.stalled.set()
            server.released.wait(60)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve_from(world: NetWorld, source_id: str, server: FaultServer) -> str:
    """Fetch ``source_id`` of ``world`` from ``server`` (before the first ingest).

    Its manifest URL moves to ``server``, which answers with the same body; returns
    the path to script on ``server``.
    """
    prefix = f"{world.server.url}/{source_id}."
    text = world.manifest.read_text(encoding="utf-8")
    assert text.count(prefix) == 1, prefix
    world.manifest.write_text(text.replace(prefix, f"{server.url}/{source_id}."), "utf-8")
    path = next(p for p in world.server.routes if p.startswith(f"/{source_id}."))
    route = world.server.routes.pop(path)
    server.script(path, Answer(body=route.body, content_type=route.content_type))
    return path
