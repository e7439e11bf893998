"""``kb serve`` started for a test: on a free port of 127.0.0.1, stopped afterwards.

Shared by the tests that need the app under gunicorn itself (its limits, its workers,
load and re-ingest), not Flask's test client.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kb.config import Settings


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    settings: Settings
    log: Path  # the server's stderr: gunicorn's own log and the app's

    @property
    def workers(self) -> set[int]:
        return children(self.process.pid)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(
    port: int, target: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """One GET on a new connection: status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def children(pid: int) -> set[int]:
    """The pids of the processes whose parent is ``pid`` (gunicorn's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone meanwhile
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        if int(text.rpartition(")")[2].split()[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def resident_kb(pid: int) -> int:
    """The resident memory of process ``pid``, in KB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise LookupError(f"no VmRSS for process {pid}")


@contextlib.contextmanager
def kb_serve(settings: Settings, log: Path, workers: int = 2) -> Iterator[Served]:
    """``kb serve --workers N`` over ``settings``' data until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_MANIFEST": str(settings.manifest),
    }
    env.pop("KB_MIRROR", None)
    kb = Path(sys.executable).with_name("kb")
    with log.open("wb") as sink:  # a file, not a pipe nobody reads that could fill up
        process = subprocess.Popen(
            [str(kb), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=subprocess.DEVNULL,  # the access log
            stderr=sink,
            start_new_session=True,
        )
    served = Served(port, process, settings, log)
    try:
        _wait_until_up(served, workers)
        yield served
    finally:
        _stop(process)


def _wait_until_up(served: Served, workers: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if get(served.port, "/api/health")[0] == 200 and len(served.workers) == workers:
                return
        except OSError:
            pass
        if served.process.poll() is not None or time.monotonic() > deadline:
            log = served.log.read_text(errors="replace")
            raise RuntimeError(f"kb serve did not start: {log}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def run_ingest(settings: Settings) -> subprocess.CompletedProcess[str]:
    """``kb ingest --refresh`` from the mirror, as the maintainer runs it."""
    kb = Path(sys.executable).with_name("kb")
    command = [
        str(kb),
        "ingest",
        "--refresh",
        "--mirror",
        str(settings.mirror),
        "--data-dir",
        str(settings.data_dir),
        "--manifest",
        str(settings.manifest),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90)
