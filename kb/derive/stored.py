"""What a generation's documents say of each other, read once and stored with it.

``kb ingest`` reads the cross-references (:mod:`kb.derive.references`) and the
definitions (:mod:`kb.derive.definitions`) of every passage when it builds a generation,
and keeps them in ``derived.json`` beside ``documents.json``; a server opening the
generation takes them from there instead of reading 100,000 passages again on its first
request (seconds at that size). The file says which code read it (a hash of the
modules here): a generation written before that code changed, or before the file
existed, is read again when opened, so that what a server shows changes with the code
without an index rebuild, as it always did.

When the documents' names, kinds and anchors are those of the previous generation (its
``context``), each unchanged document's references are taken from the previous file
and only the changed documents are read: a re-ingest where one source of many changed
reads one source again (the references of a passage depend on nothing else).

JSON, not pickle: the data folder may be shared, synced or restored from elsewhere,
and loading it must not run code. At 100,000 synthetic passages it loads in tens of
milliseconds (``bench/first_page.py``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.derive.definitions import Definition, definitions_in
from kb.derive.names import Names, names_of
from kb.derive.references import Reference, References
from kb.models import Document

DERIVED_FILE = "derived.json"
FORMAT = 2
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
    context: str = ""  # what every passage's references depend on besides its own text
    digests: dict[str, str] = field(default_factory=dict)  # each document's texts, by id


def derive(documents: list[Document], previous: Derived | None = None) -> Derived:
    """Read the references and definitions of ``documents`` (what a server would),
    taking those of unchanged documents from ``previous`` when its context is the same."""
    by_id = {document.id: document for document in documents}
    names = Names(by_id)
    context = _context(documents, names)
    digests = {document.id: _digest(document) for document in documents}
    if previous is not None and previous.context == context:
        changed = frozenset(i for i, digest in digests.items() if previous.digests.get(i) != digest)
        references = References(by_id, names, previous.references, changed)
        kept: dict[str, list[Definition]] = {}
        for definition in previous.definitions:
            kept.setdefault(definition.source_id, []).append(definition)
        definitions = tuple(
            d
            for document in documents
            for d in (
                definitions_in(document) if document.id in changed else kept.get(document.id, [])
            )
        )
    else:
        references = References(by_id, names)
        definitions = tuple(d for document in documents for d in definitions_in(document))
    return Derived(references.found, definitions, context, digests)


def _context(documents: list[Document], names: Names) -> str:
    """A hash of what resolving a passage's references reads besides its own text: every
    document's id, kind, names and anchors, in order, and which one supplements which."""
    digest = hashlib.sha256()
    for document in documents:
        anchors = [passage.anchor for passage in document.passages]
        entry = [document.id, document.source.kind, names_of(document), anchors]
        digest.update(json.dumps(entry, ensure_ascii=False).encode("utf-8"))
    digest.update(json.dumps(sorted(names.parents.items())).encode("utf-8"))
    return digest.hexdigest()[:24]


def _digest(document: Document) -> str:
    """A hash of what a document's own references and definitions are read from."""
    digest = hashlib.sha256(f"{document.id} {document.source.kind}".encode())
    for passage in document.passages:
        head = f"\0{passage.anchor}\0{passage.instrument or ''}\0{passage.text_available}\0"
        digest.update(head.encode("utf-8"))
        digest.update(passage.text.encode("utf-8"))
    return digest.hexdigest()[:24]


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
        "context": derived.context,
        "digests": derived.digests,
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
        context, digests = str(data["context"]), dict(data["digests"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return Derived(references, definitions, context, digests)
