"""The ``kb`` command (kb/cli.py): ingest, sources, help, and exit statuses 0 / 1 / 2."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from kb.config import DEFAULT_MANIFEST
from kb.ingest.publish import ingest_lock
from kb.models import STATUS_TEXT
from kb.search.library import Library
from tests.running import kb, rows
from tests.worlds.mirror import (
    CUT_SHORT_PASSAGES,
    DECLARATION,
    IDS,
    LONG_TREATY_MD,
    LONG_TREATY_PASSAGES,
    PROPOSAL,
    TREATY,
    invented_world,
    with_stray_heading,
)


@pytest.fixture(autouse=True)
def _no_kb_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KB_DATA_DIR", "KB_MANIFEST", "KB_MIRROR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """The invented world of tests/worlds/mirror.py: a treaty, a proposal, a declaration."""
    settings = invented_world(tmp_path)
    return {"mirror": settings.mirror, "manifest": settings.manifest, "data": settings.data_dir}


def ingest(world: dict[str, Path], *args: object) -> Result:
    return kb(
        "ingest",
        "--mirror",
        world["mirror"],
        "--data-dir",
        world["data"],
        "--manifest",
        world["manifest"],
        *args,
    )


def test_ingest_prints_a_table_and_totals(world: dict[str, Path]) -> None:
    result = ingest(world)
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert set(table) == set(IDS)
    assert table[TREATY][:3] == ["new", "text", "5"]
    assert table[PROPOSAL][:3] == ["new", "text", "8"]
    assert table[DECLARATION][:3] == ["no mirror copy", "metadata-only", "0"]
    assert "3 sources: 2 with text, 1 metadata-only, 0 failed; 13 passages" in result.stdout
    assert "Published index g-" in result.stdout
    assert "3 documents, 13 passages." in result.stdout


def test_a_second_ingest_says_nothing_changed(world: dict[str, Path]) -> None:
    assert ingest(world).exit_code == 0
    result = ingest(world)
    assert result.exit_code == 0, result.output
    assert {row[0] for row in rows(result.stdout).values()} == {"unchanged"}
    assert "Nothing changed" in result.stdout
    assert "nothing rebuilt" in result.stdout


def test_only_an_unknown_id_exits_2(world: dict[str, Path]) -> None:
    result = ingest(world, "--only", "nope")
    assert result.exit_code == 2
    assert "unknown source id 'nope'" in result.stderr
    assert not (world["data"] / "index" / "CURRENT").exists()


def test_only_ingests_one_source(world: dict[str, Path]) -> None:
    result = ingest(world, "--only", TREATY)
    assert result.exit_code == 0, result.output
    assert set(rows(result.stdout)) == {TREATY}


def test_a_bad_manifest_exits_2_naming_the_field(world: dict[str, Path]) -> None:
    text = world["manifest"].read_text(encoding="utf-8")
    world["manifest"].write_text(text.replace("year = 1999", 'year = "1999"'), encoding="utf-8")
    result = ingest(world)
    assert result.exit_code == 2
    assert "'pipeline-treaty'" in result.stderr
    assert "field 'year'" in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_manifest_exits_2(world: dict[str, Path], tmp_path: Path) -> None:
    world["manifest"] = tmp_path / "nowhere.toml"
    result = ingest(world)
    assert result.exit_code == 2
    assert "no such manifest file" in result.stderr


def test_a_missing_mirror_exits_2(world: dict[str, Path], tmp_path: Path) -> None:
    world["mirror"] = tmp_path / "no-mirror"
    result = ingest(world)
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_a_mirror_that_is_a_file_exits_2(world: dict[str, Path]) -> None:
    world["mirror"] = world["manifest"]
    result = ingest(world)
    assert result.exit_code == 2
    assert "not a folder" in result.stderr


def test_an_unreadable_mirror_exits_2(
    world: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    world["mirror"].chmod(0)
    if os.geteuid() == 0:  # root reads every folder whatever its mode: pretend it cannot
        real_access = os.access
        unreadable = world["mirror"]
        monkeypatch.setattr(
            os, "access", lambda path, mode, **kw: path != unreadable and real_access(path, mode)
        )
    try:
        result = ingest(world)
    finally:
        world["mirror"].chmod(0o755)
    assert result.exit_code == 2
    assert "cannot be read" in result.stderr


def test_a_failed_source_exits_1(world: dict[str, Path]) -> None:
    assert ingest(world).exit_code == 0
    (world["mirror"] / f"{TREATY}.md").write_text("####Notes\n\nNo articles here.\n")
    result = ingest(world)
    assert result.exit_code == 1
    assert rows(result.stdout)[TREATY][:3] == ["failed", "text", "5"]
    assert "1 failed" in result.stdout
    assert f"FAILED {TREATY}:" in result.stdout
    assert "kept the last good copy" in result.stdout
    listing = kb("sources", "--data-dir", world["data"], "--manifest", world["manifest"])
    assert re.search(rf"^{TREATY}\s.*failed\s+text\s+5", listing.stdout, re.M)
    assert re.search(
        rf"^{TREATY}: .*no articles found.*kept the last good copy", listing.stdout, re.M
    )


def test_another_running_ingest_exits_2(world: dict[str, Path]) -> None:
    with ingest_lock(world["data"] / "index"):
        result = ingest(world)
    assert result.exit_code == 2
    assert "another kb ingest is running" in result.stderr
    assert ingest(world).exit_code == 0


def test_sources_lists_every_source_with_its_status(world: dict[str, Path]) -> None:
    before = kb("sources", "--data-dir", world["data"], "--manifest", world["manifest"])
    assert before.exit_code == 0, before.output
    assert "Index: none published yet" in before.stdout
    assert all(
        re.search(rf"^{i}\s.*never ingested\s+not indexed", before.stdout, re.M) for i in IDS
    )

    assert ingest(world).exit_code == 0
    result = kb("sources", "--data-dir", world["data"], "--manifest", world["manifest"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert set(IDS) <= set(lines)
    assert re.search(r"treaty\s+1999\s+new\s+text\s+5\s+\S+Z \(mirror\)", lines[TREATY])
    assert re.search(r"igf-proposal\s+2024\s+new\s+text\s+8", lines[PROPOSAL])
    assert re.search(
        r"declaration\s+2020\s+no mirror copy\s+metadata-only\s+0\s+never", lines[DECLARATION]
    )
    assert "Index: g-" in result.stdout


def test_sources_with_a_bad_manifest_exits_2(world: dict[str, Path]) -> None:
    world["manifest"].write_text("[[source]]\nid = 'x'\n", encoding="utf-8")
    result = kb("sources", "--manifest", world["manifest"], "--data-dir", world["data"])
    assert result.exit_code == 2
    assert "field 'title'" in result.stderr


def test_help() -> None:
    result = kb("--help")
    assert result.exit_code == 0
    for command in ("ingest", "sources", "serve"):
        assert command in result.stdout
    ingest_help = kb("ingest", "--help")
    assert ingest_help.exit_code == 0
    for option in ("--mirror", "--data-dir", "--manifest", "--refresh", "--only"):
        assert option in ingest_help.stdout


def test_an_unknown_command_is_a_usage_error() -> None:
    assert kb("nonsense").exit_code == 2


# --- the real mirror -------------------------------------------------------------------


def test_ingest_of_the_real_mirror(mirror_dir: Path, tmp_path: Path) -> None:
    world = {"mirror": mirror_dir, "manifest": DEFAULT_MANIFEST, "data": tmp_path / "data"}
    result = ingest(world)
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert len(table) == 22
    assert "22 sources: 11 with text, 11 metadata-only, 0 failed" in result.stdout
    assert sum(row[1] == "text" for row in table.values()) == 11
    assert sum(row[1] == "metadata-only" for row in table.values()) == 11
    assert table["coe-ets-185"][:3] == ["new", "text", "49"]

    snapshot = Library(tmp_path / "data" / "index").snapshot()
    treaties = [d for d in snapshot.documents.values() if d.source.kind == "treaty" and d.passages]
    assert len(treaties) == 10
    assert all(d.status == STATUS_TEXT for d in treaties)
    assert sum(len(d.passages) for d in treaties) == 340

    again = ingest(world)
    assert again.exit_code == 0, again.output
    assert {row[0] for row in rows(again.stdout).values()} == {"unchanged"}
    assert len(rows(again.stdout)) == 22
    assert "Nothing changed" in again.stdout


def test_search_prints_ranked_hits_with_citations(world: dict[str, Path]) -> None:
    assert ingest(world).exit_code == 0
    result = kb("search", "signal", "logs", "--data-dir", world["data"], "--limit", 2)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.match(r"\d+ passages? for ", lines[0])
    assert "Note: “signal log” is a defined term: its definitions come first" in lines
    first, second = (line for line in lines if re.match(r"  [12]\. ", line))
    assert first.startswith("  1. Convention on Lantern Signals between Harbours, Article 2")
    assert second == (
        "  2. Convention on Lantern Signals between Harbours, Article 3 – Requests for signal logs"
    )
    assert any(line.strip().endswith("#art-3") for line in lines)
    assert "<mark>" not in result.output
    assert not any(line.startswith("  3. ") for line in lines)


def test_search_json_has_the_api_shape(world: dict[str, Path]) -> None:
    import json

    assert ingest(world).exit_code == 0
    result = kb("search", "Article 3", "--json", "--data-dir", world["data"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] is True
    assert data["results"][0]["id"] == f"{TREATY}.art-3"
    assert set(data["facets"]) >= {"kind", "source", "year"}


def test_search_reads_a_backwards_year_range_the_other_way_and_says_so(
    world: dict[str, Path],
) -> None:
    assert ingest(world).exit_code == 0
    backwards = kb("search", "signal", "--year", "2030-1990", "--data-dir", world["data"])
    forwards = kb("search", "signal", "--year", "1990-2030", "--data-dir", world["data"])
    assert backwards.exit_code == forwards.exit_code == 0
    note = "Note: --year '2030-1990' gives the later year first: read as 1990-2030"
    assert note in backwards.output.splitlines()
    took = re.compile(r"\(\d+(\.\d+)? ms\)")
    assert took.sub("", backwards.output.replace(note + "\n", "")) == took.sub("", forwards.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "novel"), "unknown kind 'novel'"),
        (("--source", "nowhere"), "unknown source 'nowhere'"),
        (("--year", "soon"), "year: give 2019 or 2016-2021"),
    ],
)
def test_search_with_a_bad_filter_exits_2(
    world: dict[str, Path], args: tuple[str, ...], message: str
) -> None:
    assert ingest(world).exit_code == 0
    result = kb("search", "signal", "--data-dir", world["data"], *args)
    assert result.exit_code == 2
    assert message in result.output


def test_search_before_any_ingest_exits_2(tmp_path: Path) -> None:
    result = kb("search", "signal", "--data-dir", tmp_path / "empty")
    assert result.exit_code == 2
    assert "run `kb ingest`" in result.output


def sources_listing(world: dict[str, Path]) -> str:
    result = kb("sources", "--data-dir", world["data"], "--manifest", world["manifest"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_treaty_cut_short_is_suspicious_until_accepted(world: dict[str, Path]) -> None:
    shutil.copyfile(LONG_TREATY_MD, world["mirror"] / f"{TREATY}.md")
    assert ingest(world).exit_code == 0
    treaty = world["mirror"] / f"{TREATY}.md"
    treaty.write_bytes(with_stray_heading(treaty.read_bytes()))

    held = ingest(world)

    assert held.exit_code == 1
    assert rows(held.stdout)[TREATY][:3] == ["suspicious", "text", str(LONG_TREATY_PASSAGES)]
    assert "0 failed, 1 suspicious;" in held.stdout
    assert re.search(
        rf"^SUSPICIOUS {TREATY}: the new copy gives {CUT_SHORT_PASSAGES} passages instead of "
        rf"{LONG_TREATY_PASSAGES} .*`kb ingest --accept-shrink {TREATY}`$",
        held.stdout,
        re.M,
    )
    listing = sources_listing(world)
    assert re.search(rf"^{TREATY}\s.*suspicious\s+text\s+{LONG_TREATY_PASSAGES}\s", listing, re.M)
    assert re.search(rf"^{TREATY}: the new copy gives {CUT_SHORT_PASSAGES} passages", listing, re.M)

    accepted = ingest(world, "--accept-shrink", TREATY)

    assert accepted.exit_code == 0, accepted.output
    assert rows(accepted.stdout)[TREATY][:3] == ["updated", "text", str(CUT_SHORT_PASSAGES)]
    assert f"NOTE {TREATY}: accepted a new copy that gives {CUT_SHORT_PASSAGES} passages" in (
        accepted.stdout
    )
    assert re.search(
        rf"^{TREATY}\s.*updated\s+text\s+{CUT_SHORT_PASSAGES}\s", sources_listing(world), re.M
    )


def test_accept_shrink_of_an_unknown_id_exits_2(world: dict[str, Path]) -> None:
    result = ingest(world, "--accept-shrink", TREATY, "--accept-shrink", "nope")
    assert result.exit_code == 2
    assert "--accept-shrink: unknown source id 'nope'" in result.stderr
    assert not world["data"].exists()


def test_replaced_bytes_are_a_note_not_a_failure(world: dict[str, Path]) -> None:
    treaty = world["mirror"] / f"{TREATY}.md"
    treaty.write_bytes(treaty.read_bytes().replace(b"quickly", b"quick\x96ly", 1))

    result = ingest(world)

    assert result.exit_code == 0, result.output
    assert rows(result.stdout)[TREATY][:3] == ["new", "text", "5"]
    note = "1 byte was not valid UTF-8 and was replaced"
    assert f"NOTE {TREATY}: {note}" in result.stdout
    assert f"{TREATY}: {note}" in sources_listing(world)
