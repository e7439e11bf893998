"""The fetch stage against a scripted local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from kb.ingest.fetch import DEFAULT_USER_AGENT, Fetcher, FetchError

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><head><title>Not found</title></head><body>Oops</body></html>"
MARKDOWN = b"# Convention\n\nArticle 1 - Definitions\n"
OMIT = -1  # Reply.content_length: send no Content-Length header


@dataclass
class Reply:
    """One scripted response; ``content_length`` None means the true length."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: int | None = None
    delay: float = 0.0  # seconds before the status line
    body_delay: float = 0.0  # seconds between the headers and the body


Route = Callable[[dict[str, str]], Reply]


class Server:
    """A ThreadingHTTPServer whose replies per path are scripted by the test."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` in turn at ``path``; the last one repeats."""
        queue = list(replies)
        self.routes[path] = lambda _headers: queue.pop(0) if len(queue) > 1 else queue[0]

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up early (timeouts, size caps) are expected here."""


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.requests.append((self.path, headers))
            route = server.routes.get(self.path)
            reply = route(headers) if route else Reply(404, b"no route")
            if reply.delay and server.stopping.wait(reply.delay):
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            length = len(reply.body) if reply.content_length is None else reply.content_length
            if length != OMIT:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            self.wfile.flush()
            if reply.body_delay and server.stopping.wait(reply.body_delay):
                return
            self.wfile.write(reply.body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """requests honours *_proxy variables; a proxy must never see 127.0.0.1 traffic."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield srv
    srv.stopping.set()
    srv.httpd.shutdown()
    srv.httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(connect_timeout=1.0, read_timeout=1.0, retries=3, backoff=0) as f:
        yield f


def _fails(fetcher: Fetcher, url: str, fmt: str, reason: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url, fmt)
    assert info.value.reason == reason, str(info.value)
    assert url in str(info.value)
    return info.value


# --- success ---------------------------------------------------------------------------


def test_ok_returns_body_hash_type_and_time(server: Server, fetcher: Fetcher) -> None:
    server.route(
        "/doc.pdf",
        Reply(body=PDF, headers={"Content-Type": "application/PDF; qs=0.9", "ETag": '"v1"'}),
    )
    got = fetcher.fetch(server.url("/doc.pdf"), "pdf")
    assert got.status == 200 and not got.not_modified
    assert got.url == server.url("/doc.pdf")
    assert got.body == PDF
    assert got.sha256 == hashlib.sha256(PDF).hexdigest()
    assert got.content_type == "application/pdf"
    assert got.etag == '"v1"'
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", got.retrieved_at)
    (_, headers), *_ = server.requests
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert DEFAULT_USER_AGENT.startswith("kb/")


def test_markdown_served_as_text_plain_with_charset(server: Server, fetcher: Fetcher) -> None:
    server.route(
        "/a.md", Reply(body=MARKDOWN, headers={"Content-Type": "text/plain; charset=utf-8"})
    )
    assert fetcher.fetch(server.url("/a.md"), "markdown").body == MARKDOWN


def test_missing_content_type_accepted_when_body_sniffs_right(
    server: Server, fetcher: Fetcher
) -> None:
    server.route("/doc", Reply(body=PDF))
    assert fetcher.fetch(server.url("/doc"), "pdf").content_type == ""
    server.route("/page", Reply(body=MARKDOWN))
    _fails(fetcher, server.url("/page"), "html", "content-type")


# --- conditional requests --------------------------------------------------------------


def _conditional(header: str, value: str) -> Route:
    def route(headers: dict[str, str]) -> Reply:
        if headers.get(header) == value:
            return Reply(304, headers={"ETag": '"v1"'}, content_length=OMIT)
        return Reply(body=MARKDOWN, headers={"Content-Type": "text/markdown"})

    return route


def test_not_modified_with_if_none_match(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a.md"] = _conditional("if-none-match", '"v1"')
    got = fetcher.fetch(server.url("/a.md"), "markdown", etag='"v1"')
    assert got.status == 304 and got.not_modified
    assert got.body is None and got.sha256 is None
    assert got.etag == '"v1"'


def test_not_modified_with_if_modified_since(server: Server, fetcher: Fetcher) -> None:
    stamp = "Wed, 21 Oct 2025 07:28:00 GMT"
    server.routes["/a.md"] = _conditional("if-modified-since", stamp)
    got = fetcher.fetch(server.url("/a.md"), "markdown", last_modified=stamp)
    assert got.not_modified and got.body is None
    assert got.last_modified == stamp  # carried over: the 304 did not repeat it


def test_changed_source_gives_a_fresh_body(server: Server, fetcher: Fetcher) -> None:
    server.routes["/a.md"] = _conditional("if-none-match", '"v2"')
    got = fetcher.fetch(server.url("/a.md"), "markdown", etag='"v1"')
    assert got.status == 200 and got.body == MARKDOWN


# --- statuses and retries --------------------------------------------------------------


def test_404_is_not_retried(server: Server, fetcher: Fetcher) -> None:
    err = _fails(fetcher, server.url("/missing"), "html", "http-status")
    assert "HTTP 404" in str(err) and err.status == 404
    assert server.hits("/missing") == 1


def test_500_then_200_is_retried(server: Server, fetcher: Fetcher) -> None:
    server.route("/a.md", Reply(500, b"busy"), Reply(body=MARKDOWN))
    assert fetcher.fetch(server.url("/a.md"), "markdown").body == MARKDOWN
    assert server.hits("/a.md") == 2


def test_500_forever_gives_up_after_retries(server: Server) -> None:
    server.route("/a.md", Reply(503, b"down"))
    fetcher = Fetcher(retries=3, backoff=0.01)
    slept: list[float] = []
    fetcher.sleep = slept.append
    err = _fails(fetcher, server.url("/a.md"), "markdown", "http-status")
    assert "HTTP 503" in str(err) and "3 attempts" in str(err)
    assert server.hits("/a.md") == 3
    assert slept == [0.01, 0.02]  # backoff * 2**attempt, none after the last


def test_read_timeout(server: Server) -> None:
    server.route("/slow", Reply(body=MARKDOWN, delay=2))
    fetcher = Fetcher(read_timeout=0.2, retries=2, backoff=0)
    err = _fails(fetcher, server.url("/slow"), "markdown", "timeout")
    assert "timed out after 2 attempts" in str(err)
    assert server.hits("/slow") == 2


def test_read_timeout_while_reading_the_body(server: Server) -> None:
    # requests reports this one as ConnectionError, not Timeout: still "timeout" here.
    server.route("/stall", Reply(body=MARKDOWN, body_delay=2))
    fetcher = Fetcher(read_timeout=0.2, retries=1, backoff=0)
    _fails(fetcher, server.url("/stall"), "markdown", "timeout")


def test_connection_refused(fetcher: Fetcher) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = _fails(fetcher, f"http://127.0.0.1:{port}/x", "html", "connection")
    assert "refused" in str(err).lower()


def test_truncated_body_is_retried_then_reported(server: Server, fetcher: Fetcher) -> None:
    server.route("/t.md", Reply(body=b"x" * 1000, content_length=5000))
    err = _fails(fetcher, server.url("/t.md"), "markdown", "truncated")
    assert "got 1000 of 5000 bytes" in str(err)
    assert server.hits("/t.md") == 3


def test_truncated_once_then_whole(server: Server, fetcher: Fetcher) -> None:
    server.route(
        "/t.md",
        Reply(body=b"# x", content_length=500, headers={"Content-Type": "text/markdown"}),
        Reply(body=MARKDOWN, headers={"Content-Type": "text/markdown"}),
    )
    assert fetcher.fetch(server.url("/t.md"), "markdown").body == MARKDOWN


# --- redirects -------------------------------------------------------------------------


def _redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, headers={"Location": location})


def test_redirect_within_the_host_is_followed(server: Server, fetcher: Fetcher) -> None:
    server.route("/old", _redirect("/mid", 301))
    server.route("/mid", _redirect(server.url("/new"), 308))
    server.route("/new", Reply(body=HTML, headers={"Content-Type": "text/html"}))
    got = fetcher.fetch(server.url("/old"), "html")
    assert got.url == server.url("/new") and got.body == HTML
    assert server.hits("/old") == server.hits("/mid") == server.hits("/new") == 1


def test_redirect_to_another_host_is_refused(server: Server, fetcher: Fetcher) -> None:
    server.route("/away", _redirect(f"http://localhost:{server.port}/x"))
    err = _fails(fetcher, server.url("/away"), "html", "redirect")
    assert "another host (localhost)" in str(err)
    assert server.hits("/x") == 0


def test_redirect_to_another_scheme_is_refused(server: Server, fetcher: Fetcher) -> None:
    server.route("/away", _redirect("file:///etc/passwd"))
    _fails(fetcher, server.url("/away"), "html", "redirect")


def test_redirect_loop(server: Server, fetcher: Fetcher) -> None:
    server.route("/a", _redirect("/b"))
    server.route("/b", _redirect("/a"))
    err = _fails(fetcher, server.url("/a"), "html", "redirect")
    assert "loop" in str(err)


def test_too_many_redirects(server: Server) -> None:
    for n in range(5):
        server.route(f"/{n}", _redirect(f"/{n + 1}"))
    fetcher = Fetcher(max_redirects=3, backoff=0)
    err = _fails(fetcher, server.url("/0"), "html", "redirect")
    assert "more than 3 redirects" in str(err)
    assert server.hits("/4") == 0


# --- size caps -------------------------------------------------------------------------


def test_oversize_with_content_length_refused_early(server: Server) -> None:
    server.route("/big", Reply(body=b"a" * 5000, headers={"Content-Type": "text/plain"}))
    err = _fails(Fetcher(max_bytes=1000, backoff=0), server.url("/big"), "text", "too-large")
    assert "5000 bytes" in str(err)
    assert server.hits("/big") == 1


def test_oversize_without_content_length_stops_streaming(server: Server) -> None:
    server.route(
        "/big",
        Reply(body=b"a" * 200_000, content_length=OMIT, headers={"Content-Type": "text/plain"}),
    )
    err = _fails(Fetcher(max_bytes=1000, backoff=0), server.url("/big"), "text", "too-large")
    assert "1000 bytes cap" in str(err)
    assert server.hits("/big") == 1


# --- body checks -----------------------------------------------------------------------


def test_html_error_page_where_a_pdf_was_expected(server: Server, fetcher: Fetcher) -> None:
    server.route("/doc.pdf", Reply(body=HTML, headers={"Content-Type": "text/html"}))
    err = _fails(fetcher, server.url("/doc.pdf"), "pdf", "error-page")
    assert "expected a PDF but got an HTML page" in str(err)


def test_html_body_mislabelled_as_pdf(server: Server, fetcher: Fetcher) -> None:
    server.route(
        "/doc.pdf", Reply(body=b"\n  " + HTML, headers={"Content-Type": "application/pdf"})
    )
    _fails(fetcher, server.url("/doc.pdf"), "pdf", "error-page")


def test_pdf_without_pdf_magic(server: Server, fetcher: Fetcher) -> None:
    server.route("/doc.pdf", Reply(body=b"GIF89a...", headers={"Content-Type": "application/pdf"}))
    _fails(fetcher, server.url("/doc.pdf"), "pdf", "content-type")


def test_html_page_where_markdown_was_expected(server: Server, fetcher: Fetcher) -> None:
    server.route("/a.md", Reply(body=HTML, headers={"Content-Type": "text/plain"}))
    _fails(fetcher, server.url("/a.md"), "markdown", "error-page")


def test_wrong_content_type(server: Server, fetcher: Fetcher) -> None:
    server.route("/page", Reply(body=b"\x89PNG\r\n", headers={"Content-Type": "image/png"}))
    err = _fails(fetcher, server.url("/page"), "html", "content-type")
    assert "image/png" in str(err)


def test_empty_body(server: Server, fetcher: Fetcher) -> None:
    server.route("/empty", Reply(body=b"", headers={"Content-Type": "text/html"}))
    _fails(fetcher, server.url("/empty"), "html", "empty")


# --- URLs and plumbing -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.org/a.pdf",
        "example.org/a",
        "http:///nohost",
        "http://[::1/",
    ],
)
def test_non_http_urls_are_refused(fetcher: Fetcher, url: str) -> None:
    _fails(fetcher, url, "pdf", "bad-url")


def test_unknown_format_is_a_programming_error(fetcher: Fetcher) -> None:
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1/", "docx")


def test_a_session_passed_in_is_used_and_left_open(server: Server) -> None:
    server.route("/a.md", Reply(body=MARKDOWN))
    with requests.Session() as session:
        with Fetcher(session=session, user_agent="test-agent/1") as fetcher:
            fetcher.fetch(server.url("/a.md"), "markdown")
        assert server.requests[-1][1]["user-agent"] == "test-agent/1"
        assert session.headers["User-Agent"] != "test-agent/1"  # not mutated
        fetcher.fetch(server.url("/a.md"), "markdown")  # the session still works
