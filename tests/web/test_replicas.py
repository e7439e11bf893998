"""Replicas: several ``kb serve`` over one data directory follow one publish together.

Two ``kb serve`` processes (a worker each, as two machines would each run their own)
read the same data directory while clients load both and ``kb ingest`` publishes a new
generation of the invented world: no request fails, and each replica answers from the
new generation within a second of the publish, without a restart (docs/deploy.md). A
replica nobody asks opens the new generation by itself (the Library's watcher), and
serving writes nothing in the data directory, so that it may be mounted read-only.
The clients and checks are those of tests/web/test_reingest_under_load.py.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from kb.config import Settings
from kb.ingest.pipeline import ingest
from kb.ingest.publish import CURRENT
from tests.web.serving import Served, children, get, kb_serve, run_ingest
from tests.web.test_reingest_under_load import (
    Client,
    Record,
    amend_treaty,
    health_version,
    open_generations,
)
from tests.worlds.mirror import TREATY, invented_world

CLIENTS_PER_REPLICA = 3
LOAD_BEFORE_INGEST = 0.8  # seconds
LOAD_AFTER_PUBLISH = 2.0  # seconds of load after `kb ingest` finished: a second, and margin
SWITCH_SECONDS = 1.0  # each replica answers from the new generation this soon after the publish
IDLE_SWITCH_SECONDS = 5.0  # an idle replica's watcher: 0.2 s and the opening, on a busy machine


@pytest.fixture
def world(tmp_path: Path) -> Settings:
    settings = invented_world(tmp_path / "world")
    assert ingest(settings).exit_code == 0
    return settings


@pytest.fixture
def replicas(world: Settings, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    """Two ``kb serve --workers 1`` on free ports over the same data directory."""
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(kb_serve(world, tmp_path / "serve-1.log", workers=1))
        second = stack.enter_context(kb_serve(world, tmp_path / "serve-2.log", workers=1))
        yield first, second


def is_new(record: Record, new_version: str) -> bool:
    """Whether an answer came from the new generation (the new word only it holds)."""
    return record.version == new_version or (record.asks_new_word and record.total == 1)


def is_old(record: Record, old_version: str) -> bool:
    return record.version == old_version or (record.asks_new_word and record.total == 0)


def sent_wall(record: Record) -> float:
    """When a request was sent, by the wall clock (that of CURRENT's mtime)."""
    return record.received_wall - (record.received - record.sent)


def test_two_replicas_switch_within_a_second_under_load(
    world: Settings, replicas: tuple[Served, Served]
) -> None:
    current = world.index_root / CURRENT
    old_version = current.read_text(encoding="utf-8").strip()
    masters = [served.process.pid for served in replicas]
    workers = [children(pid) for pid in masters]
    for served in replicas:
        assert health_version(served.port) == old_version

    amend_treaty(world)
    stop = threading.Event()
    clients = {
        served.port: [
            Client(n, served.port, stop)
            for n in range(i * CLIENTS_PER_REPLICA, (i + 1) * CLIENTS_PER_REPLICA)
        ]
        for i, served in enumerate(replicas)
    }
    everyone = [client for group in clients.values() for client in group]
    for client in everyone:
        client.start()
    try:
        time.sleep(LOAD_BEFORE_INGEST)
        done = run_ingest(world)
        time.sleep(LOAD_AFTER_PUBLISH)
    finally:
        stop.set()
        for client in everyone:
            client.join(30)
    assert not any(client.is_alive() for client in everyone), "a client is stuck"
    assert done.returncode == 0, f"kb ingest exited {done.returncode}:\n{done.stdout}{done.stderr}"
    new_version = current.read_text(encoding="utf-8").strip()
    assert new_version != old_version
    published = current.stat().st_mtime  # wall clock: written just before the rename

    for served, (port, group) in zip(replicas, clients.items(), strict=True):
        records = sorted((r for c in group for r in c.records), key=lambda r: r.sent)
        failures = [r for r in records if r.failed]
        first_new = min((r.received_wall for r in records if is_new(r, new_version)), default=0)
        summary = (
            f"replica on port {port}: {len(records)} requests, {len(failures)} failed; first "
            f"answer from the new generation {(first_new - published) * 1000:.0f} ms after "
            f"the publish"
        )
        print(f"\n{summary}")
        details = "\n".join(f"{r.target}: {r.error}" for r in failures[:20])
        assert not failures, f"{summary}\n{details}\n{served.log.read_text()[-3000:]}"
        assert len(records) > 50, summary
        # The answers that tell (a health check, the new word) came from one of the two
        # generations: the old one before the publish, the new one from a second after.
        telling = [r for r in records if r.version is not None or r.asks_new_word]
        assert all(is_old(r, old_version) or is_new(r, new_version) for r in telling), summary
        assert all(is_old(r, old_version) for r in telling if r.received_wall < published)
        later = [r for r in telling if sent_wall(r) >= published + SWITCH_SECONDS]
        assert later, summary
        assert all(is_new(r, new_version) for r in later), summary
        assert any(r.version == new_version for r in later), summary

    # Without a restart: the same masters and workers.
    for served, master, before in zip(replicas, masters, workers, strict=True):
        assert served.process.poll() is None
        assert children(master) == before
        assert health_version(served.port) == new_version
        assert "Traceback" not in served.log.read_text(errors="replace")


def test_an_idle_replica_opens_the_new_generation_by_itself(
    world: Settings, replicas: tuple[Served, Served]
) -> None:
    for served in replicas:  # each worker opens the published generation
        assert get(served.port, "/api/health")[0] == 200
    amend_treaty(world)
    done = run_ingest(world)
    assert done.returncode == 0, done.stdout + done.stderr
    current = world.index_root / CURRENT
    new_version = current.read_text(encoding="utf-8").strip()
    published = current.stat().st_mtime  # wall clock: written just before the rename
    workers = {pid for served in replicas for pid in served.workers}
    assert len(workers) == 2
    # No request is sent: the workers' watchers open the new generation.
    while True:
        held = {pid: open_generations(pid, world.index_root) for pid in workers}
        if all(new_version in names for names in held.values()):
            break
        waited = time.time() - published
        assert waited < IDLE_SWITCH_SECONDS, f"generations the workers hold open: {held}"
        time.sleep(0.05)
    waited = time.time() - published  # at most: the ingest's clean-up ran meanwhile
    print(f"\nidle replicas on the new generation at most {waited * 1000:.0f} ms after the publish")
    for served in replicas:
        assert health_version(served.port) == new_version


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under ``folder``: its size and modification time."""
    found = {}
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
    return found


def test_serving_writes_nothing_in_the_data_directory(world: Settings, tmp_path: Path) -> None:
    before = files(world.data_dir)
    with kb_serve(world, tmp_path / "serve.log", workers=1) as served:
        for target in (
            "/",
            "/search?q=signal",
            f"/api/search?q={quote('harbour keepers')}",
            "/api/health",
            "/sources",
            f"/documents/{TREATY}",
            f"/passages/{TREATY}.art-1",
            f"/api/passages/{TREATY}.art-1",
            "/api/sources",
        ):
            status, _, body = get(served.port, target)
            assert status == 200, (target, status, body[:200])
        time.sleep(0.5)  # the watcher looks at CURRENT a few times too
    assert files(world.data_dir) == before
    assert os.listdir(world.index_root)  # the check looked at something
