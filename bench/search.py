"""Benchmark: search over HTTP beside a bare JSON endpoint, and in-process search latency.

HTTP: gunicorn serves bench/app.py on the ingested mirror with the settings of `kb serve`
(2 gthread workers of 4 threads); wrk (-t2 -c16) measures the app's bare JSON endpoint
(a pre-serialised 10 KB answer, bench/app.py), /api/search with distinct queries that
never repeat (bench/queries.lua walks a file of queries drawn from the corpus's own
words), and /api/search with popular queries that repeat (the theme labels and typical
queries); then the workers' peak resident memory.
In-process: latency of kb.search.search, with and without snippets, on the mirror and on
synthetic corpora (bench/synthetic.py) of each --scale, and the time to build those
(a synthetic index is kept in bench/results/cache/ until the code that writes it changes).

Prints a table and writes bench/results/search.json. wrk runs on the same machine as
gunicorn, so on 2 cores the two compete: the ratios are the figures to compare.

    python bench/search.py [--mirror ../shared/corpus] [--duration 10]
                           [--scale 10000 100000] [--skip-http] [--quick] [--rebuild]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import whoosh
from synthetic import build_index, generate

from kb.config import DEFAULT_WORKERS, PROJECT_ROOT, Settings
from kb.ingest.pipeline import ingest
from kb.ingest.publish import current_generation
from kb.models import Document
from kb.search import Library, QueryTimeout, SearchRequest, search
from kb.web.server import gunicorn_options

RESULTS = PROJECT_ROOT / "bench" / "results"
LUA_SCRIPT = PROJECT_ROOT / "bench" / "queries.lua"
CACHE = RESULTS / "cache"
# The code a synthetic index is made by: a change to any of it makes cached ones stale.
INDEX_CODE = [
    PROJECT_ROOT / "bench" / "synthetic.py",
    *(PROJECT_ROOT / "kb" / name for name in ("models.py", "ingest/index.py", "ingest/publish.py")),
]
TARGETS = {
    "distinct_ratio": 0.30,  # distinct-query req/s, as a share of the bare endpoint's
    "popular_ratio": 0.85,  # popular-query req/s, as a share of the bare endpoint's (issue 15)
    "p95_ms": 50.0,  # in-process p95 with snippets, at TARGET_SCALE passages
    "peak_rss_mb": 150.0,  # per gunicorn worker, on the mirror corpus
}
TARGET_SCALE = 100_000
# `kb serve`'s gunicorn settings (the address apart), with its default number of workers.
GUNICORN_OPTIONS = gunicorn_options(workers=DEFAULT_WORKERS)
WRK_THREADS, WRK_CONNECTIONS = 2, 16
BUSY_ELSEWHERE = 0.05  # the share of the machine other processes may use during a wrk run
HTTP_QUERIES = 100_000  # distinct queries per wrk run: more than one run sends
ROUNDS = 5  # interleaved rounds of wrk; the figures are their medians (issue 15)
LATENCY_QUERIES, WARM_UP_QUERIES = 2000, 200
SEED = 7
POPULAR = [
    "safeguards",
    "jurisdiction",
    "MLA",
    "mutual assistance",
    "cross-border access to data",
    "Article 32 Budapest Convention",
    "subscriber information",
    "preservation",
    "expedited preservation",
    "emergency disclosure",
    "service providers",
    "data protection",
    "personal data",
    "traffic data",
    "content data",
    "production order",
    "extradition",
    "conditions and safeguards",
    "transborder data flows",
    "supervisory authorities",
    "24/7 network",
    "search and seizure",
    "real-time collection",
    "interception",
    "stored computer data",
    "dual criminality",
    "letters rogatory",
    "spontaneous information",
    "joint investigation teams",
    "videoconference",
    "central authority",
    "refusal of assistance",
    "confidentiality",
    "law enforcement access",
    "encryption",
    "human rights",
    "privacy",
    "Convention 108",
    "Budapest Convention",
    "Second Additional Protocol",
    "racist and xenophobic",
    "data localisation",
    "cloud",
    "multistakeholder",
    "jurisdiction in cyberspace",
    "e-evidence",
    "WS188",
    "IGF 2016 WS87",
]
WORD = re.compile(r"[^\W\d_]{4,}")


# Queries -------------------------------------------------------------------------------


def corpus_words(documents: Iterable[Document]) -> collections.Counter[str]:
    """The words of 4 letters or more in the passages' texts, with their counts."""
    counts: collections.Counter[str] = collections.Counter()
    for document in documents:
        for passage in document.passages:
            counts.update(WORD.findall(passage.text.lower()))
    return counts


def make_queries(words: collections.Counter[str], n: int, seed: int = SEED) -> list[str]:
    """``n`` distinct queries of 1-3 different words, drawn as often as the words occur."""
    rng = random.Random(seed)
    population = list(words)
    cumulative = list(_accumulate(words[w] for w in population))
    queries: dict[str, None] = {}
    for _ in range(n * 50):
        picked = rng.choices(population, cum_weights=cumulative, k=rng.randint(1, 3))
        if len(set(picked)) == len(picked):
            queries.setdefault(" ".join(picked))
            if len(queries) == n:
                return list(queries)
    sys.exit(f"the corpus has too few words for {n} distinct queries")


def _accumulate(values: Iterable[int]) -> Iterable[int]:
    total = 0
    for value in values:
        total += value
        yield total


def popular_queries() -> list[str]:
    """The theme labels (when the themes file exists) and typical queries."""
    themes = getattr(Settings.from_env(), "themes", PROJECT_ROOT / "corpus" / "themes.toml")
    labels: list[str] = []
    if themes.is_file():
        labels = list(_labels(tomllib.loads(themes.read_text(encoding="utf-8"))))
    else:
        print(f"no {themes}: popular queries without theme labels")
    return list(dict.fromkeys([*labels, *POPULAR]))


def _labels(data: Any) -> Iterable[str]:
    """Every ``label = "..."`` of a TOML document, however its tables nest."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "label" and isinstance(value, str):
                yield value
            else:
                yield from _labels(value)
    elif isinstance(data, list):
        for item in data:
            yield from _labels(item)


def write_queries(path: Path, queries: Iterable[str]) -> Path:
    path.write_text("".join(urllib.parse.quote_plus(q) + "\n" for q in queries))
    return path


# HTTP ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _setting(key: str, value: Any) -> str:
    """A line of a gunicorn configuration file: a value, or a hook imported by name."""
    if callable(value):
        return f"from {value.__module__} import {value.__name__} as {key}\n"
    return f"{key} = {value!r}\n"


class Gunicorn:
    """gunicorn serving bench.app:app on ``data_dir`` with `kb serve`'s options."""

    def __init__(self, data_dir: Path, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        options = {"bind": f"127.0.0.1:{self.port}", **GUNICORN_OPTIONS}
        config = workdir / "gunicorn.conf.py"
        config.write_text("".join(_setting(key, value) for key, value in options.items()))
        self.log = workdir / "gunicorn.log"
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            str(config),
            "bench.app:app",
        ]
        self.env = {**os.environ, "KB_DATA_DIR": str(data_dir)}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,  # the access log
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited ({self.process.returncode}):\n{self.log.read_text()}")
            try:
                if get_status(self.base + "/bench/bare") == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        sys.exit(f"gunicorn did not answer within 30 s:\n{self.log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def workers(self) -> list[dict[str, float]]:
        """Each worker's peak and current resident memory (VmHWM, VmRSS), in MB."""
        found = []
        for pid in sorted(self.pids()[1:]):
            status = _proc_status(pid)
            if "VmHWM" in status:
                found.append(
                    {"pid": pid, "peak_rss_mb": status["VmHWM"], "rss_mb": status["VmRSS"]}
                )
        return found

    def pids(self) -> list[int]:
        """The master's and its workers' process ids."""
        assert self.process is not None
        pids = [self.process.pid]
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        return pids

    def wrk(
        self, path: str, duration: float, script_args: list[str] | None = None
    ) -> dict[str, Any]:
        """Run wrk on ``path`` (with bench/queries.lua when ``script_args``), parse its report.

        Also measures how busy the rest of the machine was meanwhile: the CPU time neither
        gunicorn, wrk nor this process used, as a share of all the cores' time.
        """
        url = self.base + path
        command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{duration:g}s"]
        command.append("--latency")
        if script_args is not None:
            command += ["-s", str(LUA_SCRIPT), url, "--", *script_args]
        else:
            command.append(url)
        pids = self.pids()
        before = (_machine_busy_s(), _ours_s(pids), time.monotonic())
        run = subprocess.run(command, capture_output=True, text=True, check=False)
        after = (_machine_busy_s(), _ours_s(pids), time.monotonic())
        if run.returncode != 0 or "Requests/sec" not in run.stdout:
            sys.exit(
                f"wrk failed ({run.returncode}): {' '.join(command)}\n{run.stdout}{run.stderr}"
            )
        others = (after[0] - before[0]) - (after[1] - before[1])
        share = max(0.0, others) / ((after[2] - before[2]) * (os.cpu_count() or 1))
        return parse_wrk(run.stdout) | {"other_cpu_share": round(share, 3)}


def _rate(run: dict[str, Any]) -> float:
    return float(run["requests_per_s"])


def _errors(run: dict[str, Any]) -> int:
    return int(run["non_2xx_3xx"] + sum(run["socket_errors"].values()))


def _median_round(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose rate is the median (the lower middle one of an even number)."""
    return sorted(runs, key=_rate)[(len(runs) - 1) // 2]


def _ratio(run: dict[str, Any], bare: dict[str, Any]) -> float:
    return _rate(run) / (_rate(bare) or float("nan"))


def _round_ratios(runs: list[dict[str, Any]], bare: list[dict[str, Any]]) -> list[float]:
    """Each round's rate over the bare endpoint's in the same round."""
    return [_ratio(r, b) for r, b in zip(runs, bare, strict=True)]


def _median_ratio(runs: list[dict[str, Any]], bare: list[dict[str, Any]]) -> float:
    return statistics.median(_round_ratios(runs, bare))


def _machine_busy_s() -> float:
    """CPU seconds all the cores have spent busy since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")  # not idle, iowait


def _ours_s(pids: list[int]) -> float:
    """CPU seconds used by ``pids``, by this process and by its finished children (wrk)."""
    used = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        used += usage.ru_utime + usage.ru_stime
    return used


def _proc_status(pid: int) -> dict[str, float]:
    """The memory lines of /proc/<pid>/status, in MB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    values = {}
    for line in lines:
        name, _, rest = line.partition(":")
        if name.startswith("Vm") and rest.strip().endswith("kB"):
            values[name] = int(rest.split()[0]) / 1024
    return values


def parse_wrk(output: str) -> dict[str, Any]:
    def number(pattern: str, default: float = 0) -> float:
        found = re.search(pattern, output)
        return float(found.group(1)) if found else default

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {
        f"p{p}_ms": round(float(value) * scale[unit], 3)
        for p, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    return {
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": dict(
            zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
        )
        if errors
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0},
        "latency": latency,
        "queries_wrapped": int(number(r"wrapped: (\d+)")),
    }


def measure_http(data_dir: Path, documents: list[Document], duration: float) -> dict[str, Any]:
    """ROUNDS interleaved rounds of bare / distinct / popular: each endpoint's median round,
    and each ratio the median of the rounds' own ratios (a search round over the bare
    round just before it), as issue 15 measures them.

    The machine is shared and a round can run at a third of its rate (gunicorn giving
    one worker all the connections): the median of 5 sets such a round aside where a
    mean would not, and ratios within a round cancel what slows the whole machine for a
    while. The best rounds are reported too, as the figures of earlier sessions were.
    """
    with tempfile.TemporaryDirectory() as tmp, Gunicorn(data_dir, Path(tmp)) as server:
        search_path = "/api/search?q="
        queries = make_queries(corpus_words(documents), (ROUNDS + 1) * HTTP_QUERIES)
        files = [
            write_queries(Path(tmp) / f"distinct-{i}.txt", queries[i :: ROUNDS + 1])
            for i in range(ROUNDS + 1)
        ]
        popular_list = popular_queries()
        popular = write_queries(Path(tmp) / "popular.txt", popular_list)
        threads = str(WRK_THREADS)

        server.wrk("/bench/bare", 1)  # warm-up: every worker opens the index
        server.wrk("", 1, [str(files[-1]), search_path, "distinct", threads])
        rounds: dict[str, list[dict[str, Any]]] = {"bare": [], "distinct": [], "popular": []}
        for i in range(ROUNDS):
            print(f"wrk round {i + 1} of {ROUNDS}: bare, distinct, popular, {duration:g} s each")
            rounds["bare"].append(server.wrk("/bench/bare", duration))
            distinct_args = [str(files[i]), search_path, "distinct", threads]
            rounds["distinct"].append(server.wrk("", duration, distinct_args))
            popular_args = [str(popular), search_path, "popular", threads]
            rounds["popular"].append(server.wrk("", duration, popular_args))
        workers = server.workers()
    if any(run["queries_wrapped"] for run in rounds["distinct"]):
        print("warning: wrk ran out of distinct queries; some were repeated")
    median = {name: _median_round(runs) for name, runs in rounds.items()}
    best = {name: max(runs, key=_rate) for name, runs in rounds.items()}
    busy = max(run["other_cpu_share"] for runs in rounds.values() for run in runs)
    if busy > BUSY_ELSEWHERE:
        print(f"warning: other processes used up to {busy:.0%} of the machine during a wrk run")
    return {
        "search_path": search_path.split("?")[0],
        "duration_s": duration,
        "rounds": ROUNDS,
        "wrk": f"-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{duration:g}s --latency",
        "gunicorn": {  # a hook by its name
            key: f"{value.__module__}.{value.__name__}" if callable(value) else value
            for key, value in GUNICORN_OPTIONS.items()
        },
        "popular_queries": popular_list,
        **median,
        "all_rounds_requests_per_s": {
            name: [_rate(r) for r in runs] for name, runs in rounds.items()
        },
        "distinct_ratio": _median_ratio(rounds["distinct"], rounds["bare"]),
        "popular_ratio": _median_ratio(rounds["popular"], rounds["bare"]),
        "round_ratios": {
            name: _round_ratios(runs, rounds["bare"])
            for name, runs in rounds.items()
            if name != "bare"
        },
        "errors": {name: sum(map(_errors, runs)) for name, runs in rounds.items()},
        "best_of_rounds": {name: _rate(run) for name, run in best.items()},
        "best_distinct_ratio": _ratio(best["distinct"], best["bare"]),
        "best_popular_ratio": _ratio(best["popular"], best["bare"]),
        "other_cpu_share_max": busy,
        "workers": workers,
        "peak_rss_mb": max((w["peak_rss_mb"] for w in workers), default=None),
    }


# In-process latency ------------------------------------------------------------------


def measure_latency(index_root: Path, documents: list[Document]) -> dict[str, Any]:
    """Latency of search() over distinct queries, with snippets and without."""
    snapshot = Library(index_root).snapshot()
    words = corpus_words(documents)
    queries = make_queries(words, WARM_UP_QUERIES + 2 * LATENCY_QUERIES)
    for query in queries[:WARM_UP_QUERIES]:
        with contextlib.suppress(QueryTimeout):
            search(snapshot, SearchRequest(q=query, snippets=True))
    figures: dict[str, Any] = {
        "passages": sum(len(d.passages) for d in documents),
        "queries": LATENCY_QUERIES,
        "words": len(words),
    }
    for i, snippets in enumerate((True, False)):  # not the same queries: no cache helps
        start = WARM_UP_QUERIES + i * LATENCY_QUERIES
        times, empty, timeouts = [], 0, 0
        for query in queries[start : start + LATENCY_QUERIES]:
            request = SearchRequest(q=query, snippets=snippets)
            started = time.perf_counter()
            try:
                empty += search(snapshot, request).total == 0
            except QueryTimeout:
                timeouts += 1  # counted at the time it took
            times.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        figures["snippets" if snippets else "no_snippets"] = {
            "p50_ms": round(cuts[49], 3),
            "p95_ms": round(cuts[94], 3),
            "p99_ms": round(cuts[98], 3),
            "mean_ms": round(statistics.fmean(times), 3),
            "max_ms": round(max(times), 3),
            "no_hit_share": round(empty / len(times), 3),
            "timeouts": timeouts,
        }
    return figures


def index_key(n: int) -> str:
    """What a synthetic index depends on: the generator, the index-writing code, Whoosh."""
    digest = hashlib.sha256(f"{n} {SEED} {whoosh.versionstring()}".encode())
    for path in INDEX_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def synthetic_index(documents: list[Document], rebuild: bool) -> tuple[Path, dict[str, Any]]:
    """The published index of ``generate(n)``: built, or reused from bench/results/cache/.

    Building 100,000 passages takes minutes, and the index only changes with the code
    that writes it (INDEX_CODE), so it is kept; --rebuild builds it anew.
    """
    n = sum(len(d.passages) for d in documents)
    folder = CACHE / f"synthetic-{n}-{index_key(n)}"
    root, record = folder / "index", folder / "build-time.json"
    name = f"synthetic corpus of {n} passages"
    if not rebuild and record.is_file() and current_generation(root) is not None:
        build = json.loads(record.read_text())
        print(
            f"{name}: index reused from {folder.relative_to(PROJECT_ROOT)}"
            f" (built in {build['build_s']:.1f} s at {build['built_at']}; --rebuild to rebuild)"
        )
        return root, build | {"build_cached": True}
    for stale in CACHE.glob(f"synthetic-{n}-*"):
        shutil.rmtree(stale)
    print(f"{name}: building the index ...")
    seconds = build_index(root, documents, key={"synthetic": n, "seed": SEED})
    print(f"{name}: built in {seconds:.1f} s")
    build = {
        "build_s": round(seconds, 2),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    record.write_text(json.dumps(build))
    return root, build | {"build_cached": False}


def measure_synthetic(n: int, rebuild: bool) -> dict[str, Any]:
    documents = generate(n)
    root, build = synthetic_index(documents, rebuild)
    print(f"synthetic corpus of {n} passages: searching ...")
    return build | measure_latency(root, documents)


# Report --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    processor = platform.processor()
    if not processor or processor == platform.machine():
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            names = [
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            ]
        processor = names[0] if names else processor
    return {
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": processor,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }


def table(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows of (figure, value, target, met)."""
    rows: list[tuple[str, str, str, str]] = []

    def met(ok: bool) -> str:
        return "yes" if ok else "NO"

    http = figures.get("http")
    if not http:
        rows.append(("HTTP: req/s ratios, peak RSS per worker", "not measured", "", ""))
    else:
        path = http["search_path"]
        bare, distinct, popular = http["bare"], http["distinct"], http["popular"]
        rounds = f"median of {http['rounds']} rounds"
        rows.append(
            (f"bare JSON endpoint, req/s ({rounds})", f"{bare['requests_per_s']:.0f}", "", "")
        )
        for name, run in (("distinct", distinct), ("popular", popular)):
            target = TARGETS[f"{name}_ratio"]
            ratio = http[f"{name}_ratio"]
            errors = http["errors"][name]
            verdict = met(ratio >= target)
            if errors:
                verdict = f"NO ({errors} errors)"
            rows.append((f"{path}, {name} queries, req/s", f"{run['requests_per_s']:.0f}", "", ""))
            rows.append((f"  {name} / bare", f"{ratio:.0%}", f">= {target:.0%}", verdict))
            each = " ".join(f"{r:.0%}" for r in http["round_ratios"][name])
            best = http[f"best_{name}_ratio"]
            rows.append(
                (f"  {name} / bare: each round; best rounds'", f"{each}; {best:.0%}", "", "")
            )
        for name, run in (("bare", bare), ("distinct", distinct), ("popular", popular)):
            bad = http["errors"][name]
            p50, p99 = run["latency"].get("p50_ms", 0), run["latency"].get("p99_ms", 0)
            rows.append(
                (f"  {name}: latency p50 / p99 ms; errors", f"{p50:.1f} / {p99:.1f}; {bad}", "", "")
            )
        busy = http["other_cpu_share_max"]
        rows.append(
            (
                "  other processes' CPU during a run, max",
                f"{busy:.0%}",
                f"<= {BUSY_ELSEWHERE:.0%}",
                "yes" if busy <= BUSY_ELSEWHERE else "NO: figures unreliable",
            )
        )
        peak = http["peak_rss_mb"] or 0
        each = " / ".join(f"{w['peak_rss_mb']:.0f}" for w in http["workers"])
        target = TARGETS["peak_rss_mb"]
        rows.append(
            ("peak RSS per worker (mirror), MB", each, f"<= {target:.0f}", met(peak <= target))
        )
    for name, row in figures.get("latency", {}).items():
        if "build_s" in row:
            cached = " (cached)" if row["build_cached"] else ""
            rows.append((f"{name}: index build, s", f"{row['build_s']:.1f}{cached}", "", ""))
        for mode in ("snippets", "no_snippets"):
            cut = row[mode]
            value = f"{cut['p50_ms']:.1f} / {cut['p95_ms']:.1f} / {cut['p99_ms']:.1f}"
            target, ok = "", ""
            if mode == "snippets" and row["passages"] == TARGET_SCALE and "synthetic" in name:
                target, ok = (
                    f"p95 <= {TARGETS['p95_ms']:.0f}",
                    met(cut["p95_ms"] <= TARGETS["p95_ms"]),
                )
            if cut["timeouts"]:
                value += f" ({cut['timeouts']} timeouts)"
            label = "with snippets" if mode == "snippets" else "no snippets"
            rows.append((f"{name}: {label}, p50/p95/p99 ms", value, target, ok))
    if f"synthetic {TARGET_SCALE}" not in figures.get("latency", {}):
        target = f"p95 <= {TARGETS['p95_ms']:.0f}"
        rows.append(
            (f"synthetic {TARGET_SCALE}: with snippets, p95 ms", "not measured", target, "")
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=PROJECT_ROOT.parent / "shared" / "corpus")
    parser.add_argument("--duration", type=float, default=10, help="seconds of each wrk run")
    parser.add_argument("--scale", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--rebuild", action="store_true", help="build the synthetic indexes anew, not from cache"
    )
    parser.add_argument("--quick", action="store_true", help="3 s wrk runs, the 10000 scale only")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.scale = 3, [10_000]
    if not args.mirror.is_dir():
        sys.exit(f"no mirror at {args.mirror}; pass --mirror DIR")

    figures: dict[str, Any] = {
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "targets": TARGETS | {"p95_scale": TARGET_SCALE},
    }
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env().with_options(mirror=args.mirror, data_dir=Path(tmp))
        report = ingest(settings)
        generation = current_generation(settings.index_root)
        assert generation is not None
        documents = generation.documents()
        print(f"ingested {args.mirror}: {report.passages} passages")
        if args.skip_http:
            print("HTTP part skipped (--skip-http)")
        elif shutil.which("wrk") is None:
            print("wrk not found: HTTP part skipped")
        else:
            figures["http"] = measure_http(Path(tmp), documents, args.duration)
        mirror = measure_latency(settings.index_root, documents)
        latency = {f"mirror ({report.passages} passages)": mirror}
        for n in args.scale:
            latency[f"synthetic {n}"] = measure_synthetic(n, args.rebuild)
        figures["latency"] = latency

    rows = table(figures)
    info = figures["machine"]
    print(f"\nSearch benchmark, {info['cpus']} CPUs ({info['processor']}), {info['python']}")
    widths = [
        max(len(row[i]) for row in [("figure", "value", "target", "met"), *rows]) for i in range(4)
    ]
    for row in [("figure", "value", "target", "met"), *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    write_results("search", figures)


def write_results(name: str, figures: dict[str, Any]) -> None:
    """Keep a benchmark's figures in bench/results/NAME.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"written {out.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
