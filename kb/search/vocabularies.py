"""Reading the versioned vocabulary files of ``corpus/``: the themes and the thesaurus.

Both are TOML with a positive integer ``version`` and a list of tables (``[[theme]]``,
``[[concept]]``), nothing else at the top; each file's own module checks its tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kb.config import read_toml
from kb.ingest.errors import ConfigError


def read_versioned(
    path: Path, entry: str, what: str, error: type[ConfigError]
) -> tuple[int, list[Any]]:
    """The version and the ``[[entry]]`` tables of a vocabulary file, or ``error`` (a
    subclass of ConfigError) saying what is wrong: ``what`` names the file ("themes")."""
    data = read_toml(path, what, error)
    unknown = set(data) - {"version", entry}
    if unknown:
        raise error(f"{path}: field {sorted(unknown)[0]!r}: unknown field")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise error(f"{path}: field 'version': must be a positive integer")
    entries = data.get(entry)
    if not isinstance(entries, list) or not entries:
        raise error(f"{path}: no [[{entry}]] entries")
    return version, entries


ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")  # used with fullmatch: "$" lets "id\n" by
Fail = Callable[[str, str], ConfigError]  # (field, problem) -> the error to raise


def check_entry(
    entry: dict[str, Any], fields: Iterable[str], texts: Iterable[str], fail: Fail
) -> None:
    """One table's common checks: known ``fields`` only, each of ``texts`` a non-empty
    string, and an ``id`` of lower-case letters, digits and hyphens."""
    unknown = set(entry) - set(fields)
    if unknown:
        raise fail(sorted(unknown)[0], "unknown field")
    for field in texts:
        if not is_text(entry.get(field)):
            raise fail(field, "missing or not a non-empty string")
    if not ID.fullmatch(entry["id"]):
        raise fail("id", "use lower-case letters, digits and hyphens only")


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
