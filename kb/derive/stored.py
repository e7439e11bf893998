"""What a generation's documents say of each other, read once and stored with it.

``kb ingest`` reads the cross-references (:mod:`kb.derive.references`) and the
definitions (:mod:`kb.derive.definitions`) of every passage when it builds a generation,
and keeps them in ``derived.json`` beside ``documents.json``; a server opening the
generation takes them from there instead of reading 100,000 passages again on its first
request (seconds at that size). The file says which code read it (a hash of the
modules here): a generation written before that code changed, or before the file
existed, is read again when opened, so that what a server shows changes with the code
without an index rebuild, as it always did.

JSON, not pickle: the data folder may be shared, synced or restored from elsewhere,
and loading it must not run code. At 100,000 synthetic passages it loads in tens of
milliseconds (``bench/first_page.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.derive.definitions import Definition, definitions_in
from kb.derive.names import Names
from kb.derive.references import Reference, References
from kb.models import Document

DERIVED_FILE = "derived.json"
FORMAT = 1
_CODE = ("names.py", "references.py", "definitions.py", "stored.py")


def code_version() -> str:
    """A hash of the code the stored structures are read by, and of their format."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


CODE_VERSION = code_version()


@dataclass(frozen=True)
class Derived:
    """The stored structures of one generation."""

    references: dict[str, list[Reference]]  # as References.found: by passage id
    definitions: tuple[Definition, ...]  # in corpus order


def derive(documents: list[Document]) -> Derived:
    """Read the references and definitions of ``documents`` (what a server would)."""
    by_id = {document.id: document for document in documents}
    references = References(by_id, Names(by_id))
    definitions = tuple(d for document in documents for d in definitions_in(document))
    return Derived(references.found, definitions)


def dumps(derived: Derived) -> bytes:
    """``derived`` as the JSON of ``derived.json``."""
    data: dict[str, Any] = {
        "format": FORMAT,
        "code": CODE_VERSION,
        "references": {
            pid: [[r.start, r.end, r.text, r.source_id, r.anchor] for r in found]
            for pid, found in derived.references.items()
        },
        "definitions": [[d.term, d.source_id, d.anchor, d.text] for d in derived.definitions],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def read(folder: Path) -> Derived | None:
    """The structures stored in generation ``folder``; None when there are none, or
    they were read by other code (an older generation): the caller reads them anew."""
    try:
        data = json.loads((folder / DERIVED_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    if data.get("code") != CODE_VERSION:
        return None
    try:
        references = {
            pid: [
                Reference(start, end, text, source, anchor)
                for start, end, text, source, anchor in found
            ]
            for pid, found in data["references"].items()
        }
        definitions = tuple(Definition(*fields) for fields in data["definitions"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return Derived(references, definitions)
