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
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kb.config import Settings
from kb.ingest.fetch import Fetcher
from kb.ingest.pipeline import IngestReport, ingest
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
