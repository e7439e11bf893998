"""The parsed-document cache: each source's parse, kept until its body or the code changes.

``parsed/<id>.json`` holds the document a cached body parsed into, with the notes the
reading made (bytes replaced, a second instrument found), under the body's hash and a
fingerprint of the parsing code: a source is parsed again only when either changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kb.ingest.cache import RawCopy, write_atomically
from kb.models import Document, Source


@dataclass
class ParsedCopy:
    """A document as a body reads, with what reading it noted.

    The notes: bytes that were replaced, and what the parser said (a second instrument
    in the file). They are stored with the parsed document, so an unchanged run shows
    them too.
    """

    document: Document
    notes: list[str] = field(default_factory=list)


class ParsedCache:
    """The parses of the raw cache's copies, in ``folder``, for one version of the code."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.fingerprint = fingerprint

    def get(self, source: Source, copy: RawCopy) -> ParsedCopy | None:
        """The cached parse of ``copy``, under the manifest's current entry for the source."""
        try:
            data = json.loads(self._path(copy.source_id).read_text(encoding="utf-8"))
            if data["fingerprint"] != self.fingerprint or data["sha256"] != copy.sha256:
                return None
            document = Document.from_dict(data["document"])
            notes = [str(note) for note in data.get("notes", [])]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        document.source = source
        return ParsedCopy(document, notes)

    def put(self, copy: RawCopy, parsed: ParsedCopy) -> None:
        path = self._path(copy.source_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "fingerprint": self.fingerprint,
            "sha256": copy.sha256,
            "document": parsed.document.to_dict(),
            "notes": parsed.notes,
        }
        write_atomically(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def _path(self, source_id: str) -> Path:
        return self.folder / f"{source_id}.json"
