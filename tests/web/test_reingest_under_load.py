"""Re-ingest under load: ``kb ingest --refresh`` publishes while ``kb serve`` answers searches.

Several clients keep a bounded load on ``/api/search`` (and ``/api/health``) of a running
``kb serve --workers 2`` while the CLI publishes a new generation of the invented world,
one whose treaty gained an article with a new word. No request may fail, and the
answers must switch to the new index without the server restarting.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from kb.config import Settings
from kb.ingest.pipeline import ingest
from kb.ingest.publish import CURRENT
from tests.web.serving import Served, children, get, kb_serve, run_ingest
from tests.worlds.mirror import TREATY, invented_world

NEW_WORD = "marshlight"  # in no text of the invented world until the treaty gains Article 5
NEW_ARTICLE = (
    "### Article  5\n\n####Marshlight beacons\n\n"
    "Each Party shall keep a marshlight burning at the mouth of every harbour, so that "
    "ships entering by night may read the lantern signals of its keepers.\n\n"
)
BEFORE_DUTCH_TEXT = "####Verdrag inzake lantaarnsignalen tussen havens\n\n### Artikel"
# Ordinary queries; "signal" gains one passage (Article 5) in the new index.
ORDINARY = ["signal", "harbour keepers", "lantern", "fog", "safeguards", "sailor"]
SIGNAL_TOTALS = {5, 6}  # "signal": old index, new index

CLIENTS = 6
LOAD_BEFORE_INGEST = 1.0  # seconds of load on the old index before `kb ingest` starts
LOAD_AFTER_INGEST = 1.5  # seconds of load after it has finished
MIN_LOAD = 4.0  # seconds of load at the least
HEALTH_EVERY = 5  # one /api/health among every few requests of a client


@dataclass(frozen=True)
class Record:
    """One request of a client: what was asked, when, and what came back."""

    client: int
    target: str
    sent: float  # time.monotonic()
    received: float  # time.monotonic()
    received_wall: float  # time.time(), to compare with the mtime of CURRENT
    status: int | None = None
    version: str | None = None  # /api/health: the index version
    total: int | None = None  # /api/search: the number of hits
    error: str | None = None  # an exception, a bad status or a bad body

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def asks_new_word(self) -> bool:
        return self.target == f"/api/search?q={NEW_WORD}"


def open_generations(pid: int, index_root: Path) -> set[str]:
    """The generations whose files the process ``pid`` holds open (its Whoosh segment)."""
    index_root = index_root.resolve()  # as /proc shows the files
    names = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = Path(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
        if target.is_relative_to(index_root) and target.parts[len(index_root.parts)] != CURRENT:
            names.add(target.parts[len(index_root.parts)])
    return names


def amend_treaty(settings: Settings) -> None:
    """The mirror copy of the treaty gains Article 5, the only text with ``NEW_WORD``."""
    assert settings.mirror is not None
    path = settings.mirror / f"{TREATY}.md"
    text = path.read_text(encoding="utf-8")
    assert text.count(BEFORE_DUTCH_TEXT) == 1 and NEW_WORD not in text.lower()
    path.write_text(text.replace(BEFORE_DUTCH_TEXT, NEW_ARTICLE + BEFORE_DUTCH_TEXT), "utf-8")


def search_total(port: int, query: str) -> int:
    status, _, body = get(port, f"/api/search?q={quote(query)}")
    assert status == 200, body
    return json.loads(body)["total"]


def health_version(port: int) -> str:
    status, _, body = get(port, "/api/health")
    assert status == 200, body
    return json.loads(body)["index_version"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``kb serve --workers 2`` on a free port over an index of the invented world."""
    settings = invented_world(tmp_path / "world")
    assert ingest(settings).exit_code == 0
    with kb_serve(settings, tmp_path / "serve.log", workers=2) as served:
        yield served


class Client(threading.Thread):
    """Asks a mix of searches and health checks over one keep-alive connection until stopped."""

    def __init__(self, number: int, port: int, stop: threading.Event) -> None:
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.port, self.stop = number, port, stop
        self.random = random.Random(number)
        self.records: list[Record] = []
        self.connection: http.client.HTTPConnection | None = None
        self.connections = 0

    def targets(self) -> Iterator[str]:
        count = 0
        while True:
            count += 1
            if count % HEALTH_EVERY == 0:
                yield "/api/health"
            elif count % 3 == 0:
                yield f"/api/search?q={NEW_WORD}"
            else:
                query = quote(self.random.choice(ORDINARY))
                page = self.random.choice(["", "&per_page=2&page=1", "&per_page=2&page=2"])
                yield f"/api/search?q={query}{page}"

    def run(self) -> None:
        try:
            for target in self.targets():
                if self.stop.is_set():
                    break
                self.records.append(self.ask(target))
                time.sleep(self.random.uniform(0.001, 0.005))  # a bounded load
        except Exception as error:  # a bug of the client must not pass for a quiet client
            self.records.append(self.record("(client)", time.monotonic(), error=repr(error)))
        finally:
            if self.connection is not None:
                self.connection.close()

    def ask(self, target: str) -> Record:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
            self.connections += 1
        sent = time.monotonic()
        try:
            self.connection.request("GET", target)
            response = self.connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = None
            return self.record(target, sent, error=f"{type(error).__name__}: {error}")
        if response.will_close:  # the server closes the connection: open a new one next time
            self.connection.close()
            self.connection = None
        return self.check(target, sent, response.status, body)

    def check(self, target: str, sent: float, status: int, body: bytes) -> Record:
        if status != 200:
            return self.record(
                target, sent, status=status, error=f"status {status}: {body[:200]!r}"
            )
        try:
            data = json.loads(body)
        except ValueError:
            return self.record(target, sent, status=status, error=f"not JSON: {body[:200]!r}")
        if not isinstance(data, dict) or data.get("ok") is not True:
            return self.record(target, sent, status=status, error=f"not ok: {body[:200]!r}")
        if target == "/api/health":
            version = data.get("index_version")
            error = None if isinstance(version, str) else f"no index_version: {body[:200]!r}"
            return self.record(target, sent, status=status, version=version, error=error)
        total = data.get("total")
        error = None if isinstance(total, int) else f"no total: {body[:200]!r}"
        return self.record(target, sent, status=status, total=total, error=error)

    def record(
        self,
        target: str,
        sent: float,
        *,
        status: int | None = None,
        version: str | None = None,
        total: int | None = None,
        error: str | None = None,
    ) -> Record:
        received, received_wall = time.monotonic(), time.time()
        return Record(
            self.number, target, sent, received, received_wall, status, version, total, error
        )


def test_reingest_under_load_switches_answers_without_a_failed_request(served: Served) -> None:
    port, settings = served.port, served.settings
    current = settings.index_root / CURRENT
    old_version = current.read_text(encoding="utf-8").strip()
    assert health_version(port) == old_version
    assert search_total(port, NEW_WORD) == 0
    master = served.process.pid
    workers = children(master)
    assert len(workers) == 2

    amend_treaty(settings)
    stop = threading.Event()
    clients = [Client(n, port, stop) for n in range(CLIENTS)]
    started = time.monotonic()
    for client in clients:
        client.start()
    try:
        time.sleep(LOAD_BEFORE_INGEST)
        ingest_started = time.monotonic()
        done = run_ingest(settings)
        ingest_finished = time.monotonic()
        time.sleep(max(LOAD_AFTER_INGEST, MIN_LOAD - (time.monotonic() - started)))
    finally:
        stop.set()
        for client in clients:
            client.join(30)
    load_seconds = time.monotonic() - started
    assert not any(c.is_alive() for c in clients), "a client is stuck"

    # The maintainer's run: exit 0, a new index published.
    assert done.returncode == 0, f"kb ingest exited {done.returncode}:\n{done.stdout}{done.stderr}"
    new_version = current.read_text(encoding="utf-8").strip()
    assert new_version != old_version
    assert f"Published index {new_version}:" in done.stdout, done.stdout
    published_wall = current.stat().st_mtime  # wall clock: written just before the rename

    records = sorted((r for c in clients for r in c.records), key=lambda r: r.sent)
    failures = [r for r in records if r.failed]
    healths = [r for r in records if r.version is not None]
    new_word = [r for r in records if r.asks_new_word and not r.failed]
    switched = [r for r in records if r.version == new_version or (r.asks_new_word and r.total)]
    first_new = min(switched, key=lambda r: r.received) if switched else None
    latency = first_new.received_wall - published_wall if first_new else float("nan")
    took = sorted(r.received - r.sent for r in records)
    summary = (
        f"{len(records)} requests in {load_seconds:.1f} s by {CLIENTS} clients "
        f"({sum(c.connections for c in clients)} connections), {len(failures)} failed; "
        f"response time median {took[len(took) // 2] * 1000:.1f} ms, max {took[-1] * 1000:.0f} ms; "
        f"kb ingest ran {ingest_finished - ingest_started:.2f} s; first answer from the new "
        f"index {latency * 1000:.0f} ms after CURRENT was written"
    )
    print(f"\n{summary}")
    details = "\n".join(f"{r.target}: {r.error}" for r in failures[:20])
    assert not failures, f"{summary}\n{details}\nserver log:\n{served.log.read_text()[-3000:]}"
    assert len(records) > 200, summary

    # Every answer came from one of the two indexes, consistent with its version.
    assert {r.version for r in healths} <= {old_version, new_version}, summary
    assert {r.total for r in new_word} <= {0, 1}, summary
    signal_totals = {r.total for r in records if r.target.startswith("/api/search?q=signal")}
    assert signal_totals <= SIGNAL_TOTALS, summary
    # Before the publish, the old index: the new word had no hits.
    before = [r for r in new_word if r.received_wall < published_wall]
    assert before and all(r.total == 0 for r in before), summary
    assert any(r.version == old_version for r in healths), summary
    # Once one answer came from the new index, every request sent later got the new one.
    assert first_new is not None, summary
    later = [r for r in records if r.sent > first_new.received]
    assert later, summary
    assert all(r.version in (None, new_version) for r in later), summary
    assert all(r.total == 1 for r in later if r.asks_new_word), summary
    assert any(r.version == new_version for r in later), summary
    assert any(r.total == 1 for r in later if r.asks_new_word), summary

    # Without a restart: the same master and the same two workers, answering the new index.
    assert served.process.poll() is None
    assert children(master) == workers
    assert health_version(port) == new_version
    # Each worker has opened the new generation and let the old one go. A worker that
    # served no request since the publish still holds the old one: new connections
    # reach both workers soon enough.
    deadline = time.monotonic() + 10
    while True:
        held = {w: open_generations(w, settings.index_root) for w in workers}
        if all(names == {new_version} for names in held.values()):
            break
        assert time.monotonic() < deadline, f"generations the workers hold open: {held}"
        assert health_version(port) == new_version
    assert search_total(port, NEW_WORD) >= 1
    assert search_total(port, "signal") == 6
    assert "Traceback" not in served.log.read_text(errors="replace")
