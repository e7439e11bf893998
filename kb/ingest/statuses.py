"""Each source's latest status, kept between runs for ``kb sources`` and /sources.

``last-statuses.json`` in the data folder maps a source id to the status, message and
time of the latest run that ingested it; a run that ingests some sources (``--only``)
updates theirs and keeps the others'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

from kb.config import Settings
from kb.ingest.cache import write_atomically

LAST_STATUS_FILE = "last-statuses.json"


def read_last_statuses(settings: Settings) -> dict[str, dict[str, str]]:
    """Each source's status in the latest run that ingested it: status, message, at."""
    try:
        data = json.loads(_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_statuses(settings: Settings, results: Iterable[tuple[str, str, str]]) -> None:
    """Keep each ``(source id, status, message)`` of a run, merged over earlier runs."""
    statuses = read_last_statuses(settings)
    finished = now_utc()
    for source_id, status, message in results:
        statuses[source_id] = {"status": status, "message": message, "at": finished}
    write_atomically(_path(settings), json.dumps(statuses, indent=2).encode("utf-8"))


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _path(settings: Settings) -> Path:
    return settings.data_dir / LAST_STATUS_FILE
