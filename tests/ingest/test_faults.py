"""Fetch faults end to end: ``kb ingest --refresh`` against a fault-injecting local server.

Each run starts from a published index and a raw cache holding the last good copy
of every source (fetched from the same URLs). Then one source's server misbehaves;
the run must retry where that makes sense, keep the last good copy and the indexed
passages, name the source and the cause, and exit 1. The fetcher that ``kb ingest``
makes is replaced by one with small timeouts whose backoff sleeps are recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kb.ingest import pipeline
from kb.ingest.cache import RawCache
from kb.ingest.fetch import Fetcher
from kb.ingest.statuses import read_last_statuses
from tests.ingest.servers import OMIT, Answer, FaultServer, serve_from
from tests.running import kb, rows
from tests.worlds.mirror import (
    DECLARATION,
    PROPOSAL,
    TREATY,
    TREATY_MD,
    TREATY_PASSAGES,
    NetWorld,
    raw_files,
    served_passages,
    with_extra_article,
)

CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS, MAX_BYTES = 0.3, 0.4, 3, 64 * 1024
MARKDOWN = "text/markdown; charset=utf-8"
ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Page not found</title></head>"
    b"<body><h1>404 Not Found</h1><p>The page you asked for is not here.</p></body></html>"
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KB_* settings and no proxy for 127.0.0.1 traffic."""
    for name in ("KB_DATA_DIR", "KB_MANIFEST", "KB_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """``kb ingest`` fetches with small timeouts and caps; its backoff sleeps are recorded."""
    slept: list[float] = []

    def quick_fetcher() -> Fetcher:
        fetcher = Fetcher(
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            retries=ATTEMPTS,
            backoff=0.01,
            max_bytes=MAX_BYTES,
        )
        fetcher.sleep = slept.append
        return fetcher

    monkeypatch.setattr(pipeline, "Fetcher", quick_fetcher)
    return slept


def ingest(world: NetWorld, *args: str):
    return kb("ingest", "--data-dir", world.data_dir, "--manifest", world.manifest, *args)


@dataclass
class Prepared:
    """A world after a good first ingest, one source fetched from ``server`` at ``path``."""

    world: NetWorld
    server: FaultServer
    source_id: str
    path: str
    raw: dict[str, bytes]
    served: dict[str, list[str]]

    @property
    def url(self) -> str:
        return self.server.url + self.path


def prepare(world: NetWorld, server: FaultServer, source_id: str) -> Prepared:
    path = serve_from(world, source_id, server)
    first = ingest(world)
    assert first.exit_code == 0, first.output
    served = served_passages(world.index_root)
    assert len(served[TREATY]) == TREATY_PASSAGES and len(served[PROPOSAL]) >= 5
    server.requests.clear()
    return Prepared(world, server, source_id, path, raw_files(world.settings, source_id), served)


@pytest.fixture
def treaty(net_world: NetWorld, fault_server: FaultServer, sleeps: list[float]) -> Prepared:
    """The treaty (Markdown) fetched from the fault server, the proposal as usual."""
    return prepare(net_world, fault_server, TREATY)


def assert_failed_and_kept(prepared: Prepared, result, causes: tuple[str, ...]) -> None:
    """Exit 1; the source failed naming its URL and the causes; its last good copy kept."""
    world, source_id = prepared.world, prepared.source_id
    assert result.exit_code == 1, result.output
    table = rows(result.stdout)
    others = {i: row[0] for i, row in table.items() if i != source_id}
    assert table[source_id][0] == "failed"
    assert table[source_id][1] == "text"
    assert table[source_id][2] == str(len(prepared.served[source_id]))
    assert others == {i: "unchanged" for i in others}
    assert "1 failed" in result.stdout
    [line] = [s for s in result.stdout.splitlines() if s.startswith(f"FAILED {source_id}: ")]
    for cause in causes:
        assert cause in line, line
    assert line.endswith("kept the last good copy"), line
    status = read_last_statuses(world.settings)[source_id]
    assert status["status"] == "failed"
    assert all(cause in status["message"] for cause in causes)
    # The last good copy is in place, byte for byte (meta.json and body) ...
    assert raw_files(world.settings, source_id) == prepared.raw
    # ... and the published index still serves every passage it served.
    assert served_passages(world.index_root) == prepared.served


# --- each fault: set it up; requests the server sees; attempts; words of the message ---

Setup = Callable[[FaultServer, str], None]


def refused(server: FaultServer, path: str) -> None:
    server.refuse()


def blackholed(server: FaultServer, path: str) -> None:
    server.blackhole()


def answers(*script: Answer) -> Setup:
    return lambda server, path: server.script(path, *script)


def redirect_loop(server: FaultServer, path: str) -> None:
    server.script(path, Answer(302, headers={"Location": "/moved"}))
    server.script("/moved", Answer(301, headers={"Location": path}))


def foreign_redirect(server: FaultServer, path: str) -> None:
    # 127.0.0.2 is loopback too, but another host name than the manifest's 127.0.0.1.
    server.script(path, Answer(302, headers={"Location": f"http://127.0.0.2:{server.port}{path}"}))


TREATY_BODY = TREATY_MD.read_bytes()
TRUNCATED = Answer(body=TREATY_BODY[:500], content_type=MARKDOWN, content_length=len(TREATY_BODY))
BIG = b"####Article\n\n" + b"A lantern shall be lit. " * (MAX_BYTES // 16)

FAULTS = [
    pytest.param(
        refused, None, 3, ("connection failed: Connection refused", "after 3 attempts"),
        id="connection-refused",
    ),
    pytest.param(
        blackholed, None, 3, ("timed out after 3 attempts", "connect timeout of 0.3 s"),
        id="connect-timeout",
    ),
    pytest.param(
        answers(Answer(body=b"late", delay=10)), 3, 3,
        ("timed out after 3 attempts", "read timeout of 0.4 s"),
        id="read-timeout",
    ),
    pytest.param(
        answers(Answer(body=TREATY_BODY, content_type=MARKDOWN, stall_after=300)),
        3, 3, ("timed out after 3 attempts", "read timeout of 0.4 s"),
        id="read-timeout-mid-body",
    ),
    pytest.param(
        answers(Answer(503, b"busy")), 3, 3,
        ("HTTP 503 Service Unavailable after 3 attempts",),
        id="5xx-every-time",
    ),
    pytest.param(answers(Answer(404, b"gone")), 1, 1, ("HTTP 404 Not Found",), id="404"),
    pytest.param(
        answers(TRUNCATED), 3, 3,
        (f"body truncated: got 500 of {len(TREATY_BODY)} bytes", "after 3 attempts"),
        id="truncated-body",
    ),
    pytest.param(
        answers(Answer(body=ERROR_PAGE, content_type="text/html")), 1, 1,
        ("expected Markdown but got an HTML page",),
        id="html-error-page-200",
    ),
    pytest.param(
        answers(Answer(body=ERROR_PAGE, content_type=MARKDOWN)), 1, 1,
        ("expected Markdown but got an HTML page",),
        id="html-error-page-200-labelled-markdown",
    ),
    pytest.param(
        answers(Answer(body=b'{"error": "rate limited"}', content_type="application/json")),
        1, 1, ("expected Markdown but got application/json",),
        id="wrong-content-type",
    ),
    pytest.param(
        answers(Answer(body=BIG, content_type=MARKDOWN)), 1, 1,
        (f"Content-Length announces {len(BIG)} bytes, more than the 65536 bytes cap",),
        id="oversize-announced",
    ),
    pytest.param(
        answers(Answer(body=BIG, content_type=MARKDOWN, content_length=OMIT)), 1, 1,
        ("body larger than the 65536 bytes cap",),
        id="oversize-streamed",
    ),
    pytest.param(redirect_loop, 2, 1, ("redirect loop back to",), id="redirect-loop"),
    pytest.param(
        foreign_redirect, 1, 1, ("redirect to another host (127.0.0.2) refused",),
        id="redirect-to-a-foreign-host",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("fault", "hits", "attempts", "causes"), FAULTS)
def test_a_fetch_fault_keeps_the_last_good_copy(
    treaty: Prepared,
    sleeps: list[float],
    fault: Setup,
    hits: int | None,
    attempts: int,
    causes: tuple[str, ...],
) -> None:
    fault(treaty.server, treaty.path)

    result = ingest(treaty.world, "--refresh")

    assert_failed_and_kept(treaty, result, causes)
    assert f"Could not fetch {treaty.url}" in result.stdout
    if hits is not None:  # None: no server to count (nothing listens, or nothing accepts)
        assert len(treaty.server.requests) == hits, treaty.server.requests
    # Retried (with backoff between attempts) only where another attempt may do better.
    assert sleeps == [0.01 * 2**n for n in range(attempts - 1)]


@pytest.mark.parametrize(
    "trouble",
    [
        [Answer(503, b"busy")],
        [Answer(502, b"bad gateway"), Answer(500, b"oops")],
        [TRUNCATED],
        [Answer(body=b"late", delay=10)],
    ],
    ids=["503-once", "5xx-twice", "truncated-once", "read-timeout-once"],
)
def test_a_passing_fault_is_retried_and_the_new_copy_taken(
    treaty: Prepared, sleeps: list[float], trouble: list[Answer]
) -> None:
    new_body = with_extra_article(TREATY_MD.read_bytes())
    treaty.server.script(treaty.path, *trouble, Answer(body=new_body, content_type=MARKDOWN))

    result = ingest(treaty.world, "--refresh")

    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table[TREATY][:3] == ["updated", "text", str(TREATY_PASSAGES + 1)]
    assert table[PROPOSAL][0] == "unchanged"
    assert "FAILED" not in result.stdout
    assert treaty.server.hits(treaty.path) == len(trouble) + 1
    assert sleeps == [0.01 * 2**n for n in range(len(trouble))]
    copy = RawCache(treaty.world.settings.cache_dir).get(TREATY)
    assert copy is not None and copy.read() == new_body
    served = served_passages(treaty.world.index_root)
    assert served[TREATY] == [*treaty.served[TREATY], f"{TREATY}.art-5"]
    assert served[PROPOSAL] == treaty.served[PROPOSAL]


def test_an_html_error_page_for_an_html_source_is_refused_by_its_parser(
    net_world: NetWorld, fault_server: FaultServer, sleeps: list[float]
) -> None:
    # The fetcher cannot tell an HTML error page from an HTML source: the parser must.
    proposal = prepare(net_world, fault_server, PROPOSAL)
    fault_server.script(proposal.path, Answer(body=ERROR_PAGE, content_type="text/html"))

    result = ingest(net_world, "--refresh")

    assert_failed_and_kept(proposal, result, ("not a proposal page", f"{len(ERROR_PAGE)} bytes"))
    assert fault_server.hits(proposal.path) == 1
    assert sleeps == []


# --- an HTML error page that a lenient parser takes for the source ----------------------

DECLARATION_HTML = b"""<!DOCTYPE html><html><head>
<title>Declaration on Tidewater Beacon Registers</title></head><body>
<h1>Declaration on Tidewater Beacon Registers</h1>
<p>THE TIDEWATER COUNCIL, RECOGNISING that beacon registers cross borders;</p>
<h2>I. Legal basis</h2><p>Access to beacon registers shall be provided for in law.</p>
<h2>II. Legitimate aims</h2><p>Access shall pursue aims that a reasonable keeper accepts.</p>
<h2>III. Transparency</h2><p>The rules on access shall be published on every quay.</p>
</body></html>"""
# What a site typically answers, with status 200, while the page is gone or moved.
SITE_ERROR_PAGE = b"""<!DOCTYPE html><html><head><title>Page not found | Tidewater Council</title>
</head><body><nav><a href="/">Home</a> <a href="/about">About the Council</a></nav>
<h1>Page not found</h1><p>The page you requested could not be found. It may have moved.</p>
<h2>Search the site</h2><p>Try searching for declarations, registers and news.</p>
<footer><p>Copyright Tidewater Council. All rights reserved.</p></footer></body></html>"""


def test_an_html_error_page_for_an_html_declaration_keeps_the_last_good_copy(
    net_world: NetWorld, fault_server: FaultServer, sleeps: list[float]
) -> None:
    path = f"/{DECLARATION}.html"
    fault_server.script(path, Answer(body=DECLARATION_HTML, content_type="text/html"))
    entry = (
        f'\n[[source]]\nid = "{DECLARATION}"\n'
        'title = "Declaration on Tidewater Beacon Registers"\n'
        'short_title = "Tidewater Declaration"\n'
        'kind = "declaration"\nyear = 2020\n'
        'url = "https://declarations.example.org/tidewater-beacons"\n'
        f'fetch_url = "{fault_server.url}{path}"\n'
        'format = "html"\nparser = "declaration"\n'
        'citation = "Declaration on Tidewater Beacon Registers"\n'
    )
    with net_world.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write(entry)
    first = ingest(net_world)
    assert first.exit_code == 0, first.output
    served = served_passages(net_world.index_root)
    assert served[DECLARATION] == [
        f"{DECLARATION}.{anchor}"
        for anchor in ("preamble", "i-legal-basis", "ii-legitimate-aims", "iii-transparency")
    ]
    declaration = Prepared(
        net_world, fault_server, DECLARATION, path,
        raw_files(net_world.settings, DECLARATION), served,
    )  # fmt: skip
    fault_server.script(path, Answer(body=SITE_ERROR_PAGE, content_type="text/html"))

    result = ingest(net_world, "--refresh")

    assert_failed_and_kept(declaration, result, ())


def test_a_fetch_failure_message_has_no_stray_full_stop(treaty: Prepared) -> None:
    treaty.server.script(treaty.path, Answer(404, b"gone"))
    result = ingest(treaty.world, "--refresh")
    assert result.exit_code == 1
    message = read_last_statuses(treaty.world.settings)[TREATY]["message"]
    assert message.endswith("HTTP 404 Not Found; kept the last good copy"), message
