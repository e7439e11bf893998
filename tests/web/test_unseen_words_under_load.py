"""Many distinct unseen words under load: no 5xx while it lasts, nor after it.

Eight clients send queries of 24 random words, none of which the index or any earlier
query holds, to every route that reads a query (the search page and API, a document
and a passage read with ``?q=``, compare, export) of one ``kb serve`` worker with
gthread threads, for a bounded time. Every word is analysed (stemmed and folded) and
looked up for "did you mean" by objects that the worker's threads share; an object that
is not safe to share fails some requests once it fills up (Whoosh's stemming cache
did: ``KeyError`` and ``dictionary changed size during iteration``, until a restart).
"""

from __future__ import annotations

import http.client
import json
import random
import string
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from kb.ingest.pipeline import ingest
from tests.web.serving import Served, get, kb_serve
from tests.worlds.mirror import TREATY, invented_world

CLIENTS = 8
WORDS_PER_QUERY = 24  # the query parser reads 24 terms at most
LOAD_SECONDS = 30.0  # at the most
MAX_REQUESTS = 2_600  # 62,400 unseen words: more than any stemming cache holds (50,000)
ROUTES = (
    "/documents/{treaty}?q={q}",
    "/passages/{passage}?q={q}",
    "/search?q={q}",
    "/api/search?q={q}",
    "/documents/{treaty}?q={q}",
    "/compare?q={q}",
    "/api/export?format=jsonl&q={q}",
    "/passages/{passage}?q={q}",
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One worker, so that every unseen word reaches the same shared objects."""
    root = tmp_path_factory.mktemp("unseen")
    settings = invented_world(root / "world")
    assert ingest(settings).exit_code == 0
    with kb_serve(settings, root / "serve.log", workers=1) as served:
        yield served


def unseen_query(rng: random.Random) -> str:
    """24 random words of 5 to 40 letters: new to the index and to every cache."""
    words = (
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 40)))
        for _ in range(WORDS_PER_QUERY)
    )
    return " ".join(words)


def first_passage(port: int) -> str:
    status, _, body = get(port, f"/api/documents/{TREATY}")
    assert status == 200, body
    return json.loads(body)["passages"][0]["id"]


class Client(threading.Thread):
    """Sends unseen queries round the routes over one keep-alive connection until stopped."""

    def __init__(self, number: int, port: int, passage: str, stop: threading.Event) -> None:
        super().__init__(name=f"client-{number}", daemon=True)
        self.port, self.passage, self.stop = port, passage, stop
        self.rng = random.Random(number)
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []
        self.requests = 0

    def targets(self) -> Iterator[str]:
        while True:
            for route in ROUTES:
                q = quote(unseen_query(self.rng))
                yield route.format(treaty=TREATY, passage=self.passage, q=q)

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            for target in self.targets():
                if self.stop.is_set():
                    break
                status = self.ask(connection, target)
                self.requests += 1
                self.statuses[status] += 1
                if status >= 500:
                    self.failures.append(f"{status} {target[:80]}")
        except Exception as error:  # a client that breaks must not pass for a quiet one
            self.failures.append(f"client error: {error!r}")
        finally:
            connection.close()

    @staticmethod
    def ask(connection: http.client.HTTPConnection, target: str) -> int:
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        if response.will_close:
            connection.close()
        return response.status


def load(served: Served, passage: str) -> list[Client]:
    stop = threading.Event()
    clients = [Client(n, served.port, passage, stop) for n in range(CLIENTS)]
    started = time.monotonic()
    for client in clients:
        client.start()
    while time.monotonic() - started < LOAD_SECONDS:
        if sum(c.requests for c in clients) >= MAX_REQUESTS or any(c.failures for c in clients):
            break
        time.sleep(0.2)
    stop.set()
    for client in clients:
        client.join(30)
    assert not any(c.is_alive() for c in clients), "a client is stuck"
    return clients


def test_unseen_words_from_many_threads_never_fail_a_request(served: Served) -> None:
    passage = first_passage(served.port)
    clients = load(served, passage)
    statuses = sum((c.statuses for c in clients), Counter())
    failures = [f for c in clients for f in c.failures]
    summary = f"{sum(statuses.values())} requests: {dict(statuses)}"
    print(f"\n{summary}")
    log = served.log.read_text(errors="replace")
    assert not failures, f"{summary}\n" + "\n".join(failures[:10]) + f"\n{log[-3000:]}"
    assert set(statuses) == {200}, summary
    assert sum(statuses.values()) >= 1_000, summary
    # ... and after the load: a worker left in a bad state would fail these
    rng = random.Random(99)
    for route in ROUTES:
        target = route.format(treaty=TREATY, passage=passage, q=quote(unseen_query(rng)))
        status, _, body = get(served.port, target)
        assert status == 200, (target[:80], status, body[:300])
    assert "Traceback" not in log, log[-3000:]


def test_the_worker_held_the_load_without_a_restart(served: Served) -> None:
    """The same single worker served it all: no crash hid a failure."""
    assert served.process.poll() is None
    assert len(served.workers) == 1
    assert "Booting worker" in Path(served.log).read_text(errors="replace")
    assert Path(served.log).read_text(errors="replace").count("Booting worker") == 1
