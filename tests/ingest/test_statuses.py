"""Each source's latest status (kb/ingest/statuses.py), merged over runs."""

from __future__ import annotations

from pathlib import Path

from kb.config import Settings
from kb.ingest.statuses import LAST_STATUS_FILE, read_last_statuses, record_statuses


def test_statuses_merge_over_runs(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert read_last_statuses(settings) == {}
    record_statuses(settings, [("a", "new", ""), ("b", "failed", "timed out")])
    record_statuses(settings, [("a", "unchanged", "")])  # an --only run
    statuses = read_last_statuses(settings)
    assert statuses["a"]["status"] == "unchanged"
    assert statuses["b"] == {"status": "failed", "message": "timed out", "at": statuses["b"]["at"]}
    assert statuses["a"]["at"].endswith("Z")


def test_an_unreadable_file_reads_as_no_statuses(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    (tmp_path / LAST_STATUS_FILE).write_text("[1, 2]", encoding="utf-8")
    assert read_last_statuses(settings) == {}
    (tmp_path / LAST_STATUS_FILE).write_text("{broken", encoding="utf-8")
    assert read_last_statuses(settings) == {}
