"""kill -9 at the crash points test_publish.py leaves out: while fetching, while storing.

test_publish.py kills a mirror-mode ingest inside parsing, inside Whoosh writing, before
the publish and during the CURRENT rename. Here: a real ``kb ingest`` (network mode)
killed while a local server is stalled mid-body; and mirror-mode kills while the new
raw copy is being named, while the parsed copy is being written, and right after the
publish (before the run's clean-up and status file). Each time no passage is lost and
the next ingest cleans up and succeeds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from kb.ingest.cache import RawCache
from kb.ingest.publish import CURRENT
from kb.search import Library, SearchRequest, search
from tests.ingest.crashing import G1_PASSAGES, assert_serves, leftovers, run_and_kill
from tests.ingest.servers import Answer, FaultServer, serve_from
from tests.running import kb, rows
from tests.worlds import ROOT
from tests.worlds.mirror import (
    PROPOSAL,
    TREATY,
    TREATY_MD,
    TREATY_PASSAGES,
    NetWorld,
    World,
    raw_files,
    served_passages,
    with_extra_article,
)

_KB = "import sys; from kb.cli import main; sys.argv[0] = 'kb'; main()"
_PROXIES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def child_env() -> dict[str, str]:
    """The environment without KB_* settings or proxies, and without bytecode writes."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KB_") and k.lower() not in _PROXIES
    }
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KB_DATA_DIR", "KB_MANIFEST", "KB_MIRROR"):
        monkeypatch.delenv(name, raising=False)
    for name in _PROXIES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


# --- kill -9 while fetching -----------------------------------------------------------


def test_a_kill_while_fetching_loses_nothing(net_world: NetWorld, fault_server: FaultServer):
    path = serve_from(net_world, PROPOSAL, fault_server)
    first = net_world.ingest()
    assert first.exit_code == 0
    g1 = first.generation
    before = served_passages(net_world.index_root)
    assert len(before[TREATY]) == TREATY_PASSAGES and len(before[PROPOSAL]) >= 5
    proposal_raw = raw_files(net_world.settings, PROPOSAL)
    # The second run fetches a new treaty (first), then stalls in the proposal's body.
    treaty_route = net_world.server.routes[f"/{TREATY}.md"]
    new_treaty = with_extra_article(TREATY_MD.read_bytes())
    treaty_route.body, treaty_route.etag = new_treaty, '"treaty-v2"'
    proposal = fault_server.next_answer(path)
    fault_server.script(
        path,
        Answer(
            body=proposal.body,
            content_type=proposal.content_type,
            stall_after=len(proposal.body) // 2,
        ),
    )
    fault_server.requests.clear()
    args = ["ingest", "--refresh", "--data-dir", net_world.data_dir, "--manifest"]
    child = subprocess.Popen(
        [sys.executable, "-c", _KB, *map(str, [*args, net_world.manifest])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=child_env(),
    )
    try:
        stalled = fault_server.stalled.wait(30)
        time.sleep(0.2)  # the child is now waiting for the rest of the body
        assert child.poll() is None, child.communicate()
    finally:
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    assert stalled, err
    assert child.returncode == -signal.SIGKILL, err
    assert "Published index" not in out
    assert fault_server.hits(path) == 1

    # The previous generation still serves every passage, through kb.search.
    assert (net_world.index_root / CURRENT).read_text(encoding="utf-8") == g1
    assert served_passages(net_world.index_root) == before
    snapshot = Library(net_world.index_root).snapshot()
    assert snapshot.version == g1
    hits = search(snapshot, SearchRequest(q="signal logs")).hits
    assert f"{TREATY}.art-3" in [hit.id for hit in hits]
    # The stalled source's last good copy is untouched; the treaty's new copy, fetched,
    # parsed and stored before the kill, is whole.
    assert raw_files(net_world.settings, PROPOSAL) == proposal_raw
    treaty_copy = RawCache(net_world.settings.cache_dir).get(TREATY)
    assert treaty_copy is not None and treaty_copy.read() == new_treaty

    # The server answers normally again: the next `kb ingest --refresh` succeeds.
    fault_server.script(path, Answer(body=proposal.body, content_type=proposal.content_type))
    result = kb(*args, net_world.manifest)

    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert table[TREATY][:3] == ["updated", "text", str(TREATY_PASSAGES + 1)]
    assert table[PROPOSAL][0] == "unchanged"
    after = served_passages(net_world.index_root)
    assert after[TREATY] == [*before[TREATY], f"{TREATY}.art-5"]
    assert after[PROPOSAL] == before[PROPOSAL]
    assert (net_world.index_root / CURRENT).read_text(encoding="utf-8") != g1
    assert leftovers(net_world) == []
    assert raw_files(net_world.settings, PROPOSAL).keys() == proposal_raw.keys()  # same body


# --- kill -9 while storing, and right after publishing (mirror mode) ------------------


@pytest.mark.parametrize("where", ["store-raw", "store-parsed", "after-publish"])
def test_a_kill_while_storing_or_after_publishing_loses_nothing(world: World, where: str):
    first = world.ingest()
    assert first.passages == G1_PASSAGES
    g1 = first.generation
    before = served_passages(world.index_root)
    treaty_raw = raw_files(world.settings, TREATY)
    world.add_article()  # the second run stores a new treaty copy and must rebuild

    child = run_and_kill(world, where)

    assert child.returncode == -signal.SIGKILL, child.stderr
    assert "dying" in child.stdout and "survived" not in child.stdout
    current = (world.index_root / CURRENT).read_text(encoding="utf-8")
    if where == "after-publish":  # the new generation is published, whole
        assert current != g1
        assert_serves(world, current, TREATY_PASSAGES + 1)
        assert served_passages(world.index_root)[TREATY] == [*before[TREATY], f"{TREATY}.art-5"]
    else:  # the previous one still serves all its passages
        assert current == g1
        assert_serves(world, g1, TREATY_PASSAGES)
        assert served_passages(world.index_root) == before
    raw_now = raw_files(world.settings, TREATY)
    if where == "store-raw":  # meta.json still names the last good copy, byte for byte
        assert {k: v for k, v in raw_now.items() if k in treaty_raw} == treaty_raw
        assert len(raw_now) > len(treaty_raw), "the new body and meta.json's temporary file"
    if where == "store-parsed":
        assert list(world.settings.parsed_dir.glob(".tmp-*")), "the parse's temporary file"

    report = world.ingest()

    assert report.exit_code == 0
    assert report.failed == []
    if where == "after-publish":  # nothing left to do but clean up
        assert report.rebuilt is False and report.generation == current
        assert report.results[0].status == "unchanged"
    else:
        assert report.rebuilt and report.generation != g1
        assert report.results[0].status == "updated"
    assert_serves(world, report.generation, TREATY_PASSAGES + 1)
    assert leftovers(world) == []
    copy = RawCache(world.settings.cache_dir).get(TREATY)
    assert copy is not None
    assert copy.read() == (world.mirror / f"{TREATY}.md").read_bytes()
    assert sorted(raw_files(world.settings, TREATY)) == sorted(["meta.json", copy.path.name])
