"""Benchmark: the adversarial review's loads (issue 11), as figures.

Against gunicorn with `kb serve`'s settings over the ingested mirror:

1. Hostile spelling: an ordinary client's latency alone, then while 8 clients send
   "s" followed by 998 random letters (once 440-560 ms each, in the fuzzy lookup of
   "did you mean", holding the worker's index lock: the ordinary median went from 4 ms
   to 1,050 ms); the hostile queries' own latency.
2. Memory: each worker's resident memory when warm, after 5,000 distinct queries of 24
   random words (8 clients), after 700 distinct queries of 60 KB (refused by gunicorn
   past its request-line limit), and after 700 distinct queries as long as kb reads
   (2,000 characters); VmHWM is each worker's peak.

Prints a table and writes bench/results/hardening.json.

    python bench/hardening.py [--mirror ../shared/corpus] [--duration 10]
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from search import (
    Gunicorn,
    corpus_words,
    machine,
    make_queries,
    parse_wrk,
    popular_queries,
    write_results,
)

from kb.config import PROJECT_ROOT, Settings
from kb.ingest.pipeline import ingest
from kb.ingest.publish import current_generation
from kb.web.limits import MAX_Q_CHARS

HOSTILE_SCRIPT = PROJECT_ROOT / "bench" / "hostile.lua"
HOSTILE_CLIENTS = 8
ORDINARY_REQUESTS = 400
TARGET_RSS_MB = 150.0


def random_word(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=length))


class Client(threading.Thread):
    """Sends the queries ``make`` gives, one after another, over one keep-alive connection."""

    def __init__(self, port: int, make: Callable[[], str | None], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.make, self.stop = port, make, stop
        self.took: list[float] = []
        self.statuses: Counter[int] = Counter()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while not self.stop.is_set():
                target = self.make()
                if target is None:
                    break
                started = time.perf_counter()
                connection.request("GET", target)
                response = connection.getresponse()
                response.read()
                self.took.append(time.perf_counter() - started)
                self.statuses[response.status] += 1
                if response.will_close:
                    connection.close()
        finally:
            connection.close()


def run_clients(port: int, makers: list[Callable[[], str | None]]) -> list[Client]:
    stop = threading.Event()
    clients = [Client(port, make, stop) for make in makers]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return clients


def queue(targets: Iterator[str], lock: threading.Lock) -> Callable[[], str | None]:
    """A maker handing out the next of ``targets`` to whichever client asks, None when done."""

    def make() -> str | None:
        with lock:
            return next(targets, None)

    return make


def milliseconds(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 2),
        "n": len(ordered),
    }


def ordinary_targets(queries: list[str]) -> Iterator[str]:
    """Queries of 1 to 3 of the corpus's words (none asked before: no answer is cached)."""
    return (f"/api/search?q={quote(query)}" for query in queries)


def warm_targets() -> Iterator[str]:
    return (f"/api/search?q={quote(query)}" for query in popular_queries())


def measure_spelling(server: Gunicorn, queries: list[str], duration: float) -> dict[str, Any]:
    """The ordinary client's latency alone and while wrk sends hostile long words."""
    lock = threading.Lock()
    load(server, warm_targets())
    first, second = queries[:ORDINARY_REQUESTS], queries[ORDINARY_REQUESTS:]
    alone = run_clients(server.port, [queue(ordinary_targets(first), lock)])[0]
    command = ["wrk", "-t2", f"-c{HOSTILE_CLIENTS}", f"-d{duration:g}s", "--latency"]
    command += ["-s", str(HOSTILE_SCRIPT), server.base]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as wrk:
        time.sleep(1)
        beside = run_clients(server.port, [queue(ordinary_targets(second), lock)])[0]
        report, _ = wrk.communicate()
    hostile = parse_wrk(report)
    return {
        "ordinary_alone": milliseconds(alone.took),
        "ordinary_beside_hostile": milliseconds(beside.took),
        "hostile": {
            "p50_ms": hostile["latency"].get("p50_ms"),
            "p99_ms": hostile["latency"].get("p99_ms"),
            "requests_per_s": hostile["requests_per_s"],
            "non_2xx_3xx": hostile["non_2xx_3xx"],
        },
        "statuses": dict(alone.statuses + beside.statuses),
    }


def load(server: Gunicorn, targets: Iterator[str]) -> dict[str, Any]:
    lock = threading.Lock()
    clients = run_clients(server.port, [queue(targets, lock) for _ in range(HOSTILE_CLIENTS)])
    took = [t for c in clients for t in c.took]
    statuses = sum((c.statuses for c in clients), Counter())
    return {"latency": milliseconds(took), "statuses": dict(statuses), "workers": server.workers()}


def measure_memory(server: Gunicorn) -> dict[str, Any]:
    rng = random.Random(24)
    load(server, warm_targets())  # every worker has opened the index
    figures: dict[str, Any] = {"warm": server.workers()}
    words = (
        "/api/search?q=" + quote(" ".join(random_word(rng, rng.randint(5, 40)) for _ in range(24)))
        for _ in range(5_000)
    )
    figures["5000 queries of 24 words"] = load(server, words)
    huge = ("/api/search?q=" + random_word(rng, 60 * 1024) for _ in range(700))
    figures["700 queries of 60 KB"] = load(server, huge)
    longest = (
        "/api/search?q=" + quote(" ".join(random_word(rng, 9) for _ in range(MAX_Q_CHARS // 10)))
        for _ in range(700)
    )
    figures[f"700 queries of {MAX_Q_CHARS} characters"] = load(server, longest)
    return figures


def table(figures: dict[str, Any]) -> list[tuple[str, str]]:
    rows = spelling_rows(figures["spelling"]) if "spelling" in figures else []
    for name, step in figures["memory"].items():
        each = ", ".join(f"{w['rss_mb']:.0f} (peak {w['peak_rss_mb']:.0f})" for w in _workers(step))
        statuses = "" if name == "warm" else f"; answers {step['statuses']}"
        rows.append((f"RSS per worker, MB: {name}", f"{each}{statuses}"))
    peak = max(w["peak_rss_mb"] for step in figures["memory"].values() for w in _workers(step))
    verdict = "yes" if peak <= TARGET_RSS_MB else "NO"
    label = f"peak RSS per worker after the loads (<= {TARGET_RSS_MB:.0f} MB)"
    rows.append((label, f"{peak:.0f} MB: {verdict}"))
    return rows


def spelling_rows(spelling: dict[str, Any]) -> list[tuple[str, str]]:
    hostile = spelling["hostile"]
    return [
        ("ordinary query alone, p50 / p95 ms", _latency(spelling["ordinary_alone"])),
        ("ordinary query beside the hostile", _latency(spelling["ordinary_beside_hostile"])),
        (
            'hostile "s" + 998 letters (wrk -c8), p50 / p99 ms; req/s',
            f"{hostile['p50_ms']:.1f} / {hostile['p99_ms']:.1f}; {hostile['requests_per_s']:.0f}",
        ),
    ]


def _latency(figure: dict[str, float]) -> str:
    return f"{figure['p50_ms']:.1f} / {figure['p95_ms']:.1f} (n={figure['n']})"


def _workers(step: Any) -> list[dict[str, float]]:
    return step if isinstance(step, list) else step["workers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpus")
    parser.add_argument("--duration", type=float, default=10, help="seconds of hostile load")
    args = parser.parse_args()
    if not args.mirror.is_dir():
        sys.exit(f"no mirror at {args.mirror}; pass --mirror DIR")
    figures: dict[str, Any] = {"machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_options(mirror=args.mirror, data_dir=Path(tmp))
        print(f"ingested {args.mirror}: {ingest(settings).passages} passages")
        generation = current_generation(settings.index_root)
        assert generation is not None
        queries = make_queries(corpus_words(generation.documents()), 2 * ORDINARY_REQUESTS)
        if shutil.which("wrk") is None:
            print("wrk not found: the hostile spelling part is skipped")
        else:
            with Gunicorn(Path(tmp), Path(tmp)) as server:
                print("hostile spelling beside an ordinary client ...")
                figures["spelling"] = measure_spelling(server, queries, args.duration)
        with Gunicorn(Path(tmp), Path(tmp)) as server:
            print("memory under the review's loads ...")
            figures["memory"] = measure_memory(server)
    print(
        f"\nHardening benchmark, {figures['machine']['cpus']} CPUs, {figures['machine']['python']}"
    )
    rows = table(figures)
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    write_results("hardening", figures)


if __name__ == "__main__":
    main()
