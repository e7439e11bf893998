"""Fixtures of the ingestion tests: the invented mirror world, in mirror and network mode,
and the local HTTP servers that stand in for the sources' sites.

The world is built in ``tests/worlds/mirror.py`` (its sources and constants are there);
the servers are in ``tests/ingest/servers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.ingest.fetch import Fetcher
from tests.ingest.servers import FaultServer, LocalServer, Route, local_server
from tests.worlds.mirror import (
    PROPOSAL,
    PROPOSAL_HTML,
    TREATY,
    TREATY_MD,
    NetWorld,
    World,
    make_world,
    network_world,
)


@pytest.fixture
def world(tmp_path: Path) -> World:
    """The mirror world: the treaty and the proposal with mirror copies, the declaration
    without one."""
    return make_world(tmp_path)


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A local HTTP server for the test's duration, on a free port of 127.0.0.1."""
    with local_server() as server:
        yield server


@pytest.fixture
def net_world(tmp_path: Path, http_server: LocalServer) -> Iterator[NetWorld]:
    """The treaty (Markdown, with an ETag) and the proposal (HTML), served locally."""
    settings = network_world(tmp_path, http_server.url)
    http_server.routes[f"/{TREATY}.md"] = Route(
        200, TREATY_MD.read_bytes(), "text/markdown; charset=utf-8", etag='"treaty-v1"'
    )
    http_server.routes[f"/{PROPOSAL}.html"] = Route(
        200, PROPOSAL_HTML.read_bytes(), "text/html; charset=utf-8"
    )
    with Fetcher(retries=1, backoff=0, read_timeout=1) as fetcher:
        yield NetWorld(tmp_path, settings, server=http_server, fetcher=fetcher)


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A :class:`FaultServer` for the test's duration; stalled answers end with it."""
    server = FaultServer()
    try:
        yield server
    finally:
        server.close()
