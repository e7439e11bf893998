"""A small invented world for the ingestion tests: a manifest, a mirror, a data folder.

The mirror world (fixture ``world``) has three sources, in this order:

- ``pipeline-treaty``: an invented treaty in the mirror's Markdown layout
  (``tests/fixtures/pipeline-treaty.md``): a preamble and four articles, 5 passages;
- ``pipeline-proposal``: the invented IGF proposal ``igf-proposal-sample.txt``, 8 passages;
- ``pipeline-declaration``: no mirror copy, so metadata only.

The network world (fixture ``net_world``) fetches the treaty and the proposal from a
local HTTP server (fixture ``http_server``) on 127.0.0.1.
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kb.config import Settings
from kb.ingest.fetch import Fetcher
from kb.ingest.pipeline import IngestReport, ingest
from kb.search import SearchRequest, search
from kb.search.library import Library

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MANIFEST = FIXTURES / "pipeline-sources.toml"
TREATY_MD = FIXTURES / "pipeline-treaty.md"
PROPOSAL_TXT = FIXTURES / "igf-proposal-sample.txt"
PROPOSAL_HTML = FIXTURES / "igf-proposal-sample.html"

TREATY, PROPOSAL, DECLARATION = "pipeline-treaty", "pipeline-proposal", "pipeline-declaration"
IDS = (TREATY, PROPOSAL, DECLARATION)
TREATY_PASSAGES = 5  # preamble, Articles 1-4
PROPOSAL_PASSAGES = 8

# An invented fifth article, appended to the treaty to change its mirror file.
EXTRA_ARTICLE = """
### Article  5

####Entry into force

This Convention shall enter into force on the first calm night after the second keeper
has lit the common lantern.
"""
DUTCH_PART = b"####Verdrag inzake"


def with_extra_article(treaty: bytes) -> bytes:
    """The treaty with a fifth article at the end of its English part."""
    assert treaty.count(DUTCH_PART) == 1
    return treaty.replace(DUTCH_PART, EXTRA_ARTICLE.encode() + b"\n" + DUTCH_PART)


# A longer invented treaty (preamble, Articles 1-12 in three chapters: 13 passages), and
# the stray heading that cut ETS 185 short: a level-4 heading after body text reads as
# the title of the translation, so the English part ends there (preamble, Articles 1-2).
LONG_TREATY_MD = FIXTURES / "pipeline-long-treaty.md"
LONG_TREATY_PASSAGES = 13
STRAY_NOTE = b"####Note\n\nThe keepers' note on the next chapter is kept in the harbour office.\n\n"
CUT_SHORT_PASSAGES = 3


def with_stray_heading(treaty: bytes) -> bytes:
    """The treaty with a stray ``####Note`` heading before its second chapter."""
    chapter = b"### CHAPTER  II\n"
    assert treaty.count(chapter) == 1
    return treaty.replace(chapter, STRAY_NOTE + chapter)


# A treaty file that parses to nothing: no articles at all.
GARBAGE_TREATY = "####Notes of a keeper\n\nThe lantern was cleaned on Tuesday. Nothing else.\n"


@dataclass
class World:
    """A manifest, a mirror folder and a data folder under one temporary folder."""

    root: Path
    settings: Settings

    @property
    def mirror(self) -> Path:
        assert self.settings.mirror is not None
        return self.settings.mirror

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def index_root(self) -> Path:
        return self.settings.index_root

    @property
    def manifest(self) -> Path:
        return self.settings.manifest

    def ingest(self, **options: object) -> IngestReport:
        return ingest(self.settings, **options)  # type: ignore[arg-type]

    def write(self, name: str, text: str) -> None:
        (self.mirror / name).write_text(text, encoding="utf-8")

    def add_article(self) -> None:
        """Change the treaty's mirror file: a fifth article (6 passages)."""
        path = self.mirror / f"{TREATY}.md"
        path.write_bytes(with_extra_article(path.read_bytes()))

    def lengthen_treaty(self) -> None:
        """Make the treaty's mirror file the longer treaty (13 passages)."""
        shutil.copyfile(LONG_TREATY_MD, self.mirror / f"{TREATY}.md")

    def cut_treaty_short(self) -> None:
        """Put a stray heading into the treaty's mirror file (the long one: 3 passages left)."""
        path = self.mirror / f"{TREATY}.md"
        path.write_bytes(with_stray_heading(path.read_bytes()))

    def break_treaty(self) -> None:
        """Replace the treaty's mirror file by text that parses to no passages."""
        self.write(f"{TREATY}.md", GARBAGE_TREATY)

    def library(self) -> Library:
        return Library(self.index_root)


def make_world(root: Path) -> World:
    """Write the mirror world under ``root`` (a fresh temporary folder)."""
    mirror = root / "mirror"
    mirror.mkdir(parents=True)
    shutil.copyfile(TREATY_MD, mirror / f"{TREATY}.md")
    shutil.copyfile(PROPOSAL_TXT, mirror / f"{PROPOSAL}.txt")
    manifest = root / "sources.toml"
    shutil.copyfile(MANIFEST, manifest)
    settings = Settings(data_dir=root / "data", manifest=manifest, mirror=mirror)
    return World(root, settings)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)


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


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A local HTTP server for the test's duration, on a free port of 127.0.0.1."""
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


@dataclass
class NetWorld(World):
    """The world in network mode: no mirror, the sources served by ``server``."""

    server: LocalServer = field(default_factory=lambda: LocalServer(""))
    fetcher: Fetcher = field(default_factory=Fetcher)

    def ingest(self, **options: object) -> IngestReport:
        return ingest(self.settings, fetcher=self.fetcher, **options)  # type: ignore[arg-type]


@pytest.fixture
def net_world(tmp_path: Path, http_server: LocalServer) -> Iterator[NetWorld]:
    """The treaty (Markdown, with an ETag) and the proposal (HTML), served locally."""
    manifest_text = MANIFEST.read_text(encoding="utf-8")
    # Only the two sources the server has; the declaration would be a 404 on every run.
    manifest_text = manifest_text.split('[[source]]\nid = "pipeline-declaration"')[0]
    manifest_text = manifest_text.replace("http://127.0.0.1:9", http_server.url)
    manifest = tmp_path / "sources.toml"
    manifest.write_text(manifest_text, encoding="utf-8")
    http_server.routes[f"/{TREATY}.md"] = Route(
        200, TREATY_MD.read_bytes(), "text/markdown; charset=utf-8", etag='"treaty-v1"'
    )
    http_server.routes[f"/{PROPOSAL}.html"] = Route(
        200, PROPOSAL_HTML.read_bytes(), "text/html; charset=utf-8"
    )
    settings = Settings(data_dir=tmp_path / "data", manifest=manifest, mirror=None)
    with Fetcher(retries=1, backoff=0, read_timeout=1) as fetcher:
        yield NetWorld(tmp_path, settings, server=http_server, fetcher=fetcher)


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


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A :class:`FaultServer` for the test's duration; stalled answers end with it."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.close()


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


def served_passages(index_root: Path) -> dict[str, list[str]]:
    """Every passage id the published index serves, by source, found through kb.search."""
    snapshot = Library(index_root).snapshot()
    return {
        source_id: [
            hit.id
            for hit in search(snapshot, SearchRequest(sources=(source_id,), per_page=100)).hits
        ]
        for source_id in snapshot.documents
    }


def raw_files(settings: Settings, source_id: str) -> dict[str, bytes]:
    """The raw cache folder of a source, file by file: its meta.json and body."""
    folder = settings.cache_dir / source_id
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
