"""Publishing: build each index in a fresh generation folder, then switch to it atomically.

Layout under ``<data>/index``::

    CURRENT                  the name of the published generation (replaced atomically)
    g-20261127T083000Z-1a2b/ a generation: whoosh/, documents.json, derived.json,
                             segments.json, build.json
    ingest.lock              held (flock) by the one running ``kb ingest``

A generation is complete once its ``build.json`` exists; only complete generations
are published. A server reads ``CURRENT`` and opens that generation, so it never
sees a half-built index; a crash before the switch leaves the previous generation
serving, and the next run removes what the crash left behind.

A generation's Whoosh index is made of segments of whole documents
(``kb/ingest/index.py``); ``segments.json`` says which documents each holds, by a hash
of each document. A new generation takes (hard-links) every segment of the previous one
whose documents are all unchanged, and writes segments for the rest alone: when one
source of many changes, one segment is rewritten (its files linked with it: its columns
sidecar, ``kb/ingest/sidecar.py``, too). Each generation folder still holds every file
it reads, so an old one is removed as a whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError

from kb.derive import stored
from kb.ingest import index
from kb.ingest.cache import remove_temporary_files, write_atomically
from kb.ingest.sidecar import sidecar_path
from kb.models import Document, Passage

CURRENT = "CURRENT"
BUILD_FILE = "build.json"
DOCUMENTS_FILE = "documents.json"
SEGMENTS_FILE = "segments.json"
# What segments.json and the segments are; another value reuses nothing.
# 2: each segment has its columns sidecar (kb/ingest/sidecar.py).
SEGMENTS_FORMAT = 2
WHOOSH_DIR = "whoosh"
LOCK_FILE = "ingest.lock"
KEEP_GENERATIONS = 3  # the current one and two before it, for readers still on them


class IngestLocked(RuntimeError):
    """Another ``kb ingest`` holds the lock."""


@dataclass(frozen=True)
class Generation:
    """A complete, published or publishable index."""

    path: Path
    build: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def whoosh_dir(self) -> Path:
        return self.path / WHOOSH_DIR

    def documents(self, known: Mapping[str, Document] | None = None) -> list[Document]:
        """The documents, in order. ``known``: documents already read, by the hash of
        their entry in ``documents.json`` (:meth:`document_hashes`, a previous
        generation's): where this generation has an entry of the same hash, that
        document is taken as it is, and only the others are read, each from its line."""
        hashes = self.document_hashes() if known else None
        if hashes is not None and known is not None:
            found = [known.get(digest) for digest in hashes]
            if None not in found:
                return [document for document in found if document is not None]
            data = (self.path / DOCUMENTS_FILE).read_bytes()
            lines = data.split(b"\n")
            if len(lines) == len(hashes) + 2:  # "[", a document a line, "]"
                return [
                    document or Document.from_dict(orjson.loads(line.removesuffix(b",")))
                    for document, line in zip(found, lines[1:-1], strict=True)
                ]
        # orjson from the bytes: half the time of decoding and parsing 144 MB at 100,000
        # passages with the standard library
        data = orjson.loads((self.path / DOCUMENTS_FILE).read_bytes())
        return [Document.from_dict(d) for d in data]

    def document_hashes(self) -> list[str] | None:
        """The hash of each document's entry in ``documents.json``, in order; None for a
        generation written before they were recorded."""
        try:
            recorded = json.loads((self.path / SEGMENTS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        hashes = recorded.get("documents") if isinstance(recorded, dict) else None
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            return None
        return hashes


def current_generation(root: Path) -> Generation | None:
    """The published generation, or None before the first publish."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
        path = root / name
        build = json.loads((path / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Generation(path, build)


def build_generation(
    root: Path,
    documents: list[Document],
    key: dict[str, Any],
    previous: Generation | None = None,
) -> Generation:
    """Write a complete new generation (not yet published) from ``documents``, taking
    the segments of ``previous`` whose documents did not change."""
    now = dt.datetime.now(dt.UTC)
    path = root / f"g-{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    pieces = [json.dumps(document_dict(d), ensure_ascii=False) for d in documents]
    hashes = {d.source.id: _hash(piece) for d, piece in zip(documents, pieces, strict=True)}
    segments = write_segments(path / WHOOSH_DIR, documents, hashes, previous)
    segments["documents"] = [hashes[d.source.id] for d in documents]  # as documents.json
    write_atomically(path / SEGMENTS_FILE, json.dumps(segments).encode("utf-8"))
    # the JSON list of the documents, one a line (JSON escapes a newline in a string),
    # so that a worker reads those it does not know yet alone (Generation.documents)
    payload = "[\n" + ",\n".join(pieces) + "\n]"
    write_atomically(path / DOCUMENTS_FILE, payload.encode("utf-8"))
    write_derived(path, documents)
    build = {
        "version": path.name,
        "built_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "documents": len(documents),
        "records": sum(s["records"] for s in segments["segments"]),
        "passages": sum(len(d.passages) for d in documents),
        "key": key,
    }
    write_atomically(path / BUILD_FILE, json.dumps(build, indent=2).encode("utf-8"))
    return Generation(path, build)


def document_dict(document: Document) -> dict[str, Any]:
    """``document.to_dict()`` as JSON writes it, without copying every passage field by
    field (``dataclasses.asdict``: 8 s of a rebuild at 100,000 passages). A passage's
    fields are strings, tuples of strings, booleans or None, which JSON writes alike."""
    data = dataclasses.replace(document, passages=[]).to_dict()
    names = [f.name for f in dataclasses.fields(Passage)]
    data["passages"] = [{name: getattr(p, name) for name in names} for p in document.passages]
    return data


def _hash(piece: str) -> str:
    return hashlib.sha256(piece.encode("utf-8")).hexdigest()[:24]


def write_segments(
    directory: Path,
    documents: list[Document],
    hashes: dict[str, str],
    previous: Generation | None,
) -> dict[str, Any]:
    """The Whoosh index of ``documents`` in ``directory``: the previous generation's
    segments that hold only unchanged documents, linked, and new segments for the rest.
    Returns what ``segments.json`` records of it."""
    directory.mkdir(parents=True)
    kept = reusable_segments(previous, hashes)
    claimed = {source for entry, _ in kept for source in entry["sources"]}
    rest = [d for d in documents if d.source.id not in claimed]
    parts = index.write_segments(index.group_documents(rest), directory)
    assert previous is not None or not kept
    for entry, _ in kept:
        _link_segment(previous.whoosh_dir, directory, entry["id"])  # type: ignore[union-attr]
    entries = [entry for entry, _ in kept] + [
        {
            "id": part.segment.segment_id(),
            "records": part.records,
            "sources": {source: hashes[source] for source in part.sources},
        }
        for part in parts
    ]
    index.write_toc(directory, [segment for _, segment in kept] + [p.segment for p in parts])
    return {
        "format": SEGMENTS_FORMAT,
        "schema": index.SCHEMA_VERSION,
        "segments": entries,
    }


def reusable_segments(
    previous: Generation | None, hashes: dict[str, str]
) -> list[tuple[dict[str, Any], Any]]:
    """The previous generation's segments (entry, Whoosh segment) worth keeping: every
    document in them unchanged and still wanted, and not so small that rewriting them
    with the changed documents costs next to nothing (so small segments do not pile up)."""
    if previous is None:
        return []
    try:
        recorded = json.loads((previous.path / SEGMENTS_FILE).read_text(encoding="utf-8"))
        toc = TOC.read(FileStorage(str(previous.whoosh_dir)), index.INDEX_NAME)
    except (OSError, ValueError, EmptyIndexError):
        return []
    if recorded.get("format") != SEGMENTS_FORMAT or recorded.get("schema") != index.SCHEMA_VERSION:
        return []
    if toc.schema.names() != index.build_schema().names():  # (the analysis: SCHEMA_VERSION)
        return []
    segments = {segment.segment_id(): segment for segment in toc.segments}
    kept = []
    for entry in recorded["segments"]:
        sources = entry["sources"]
        unchanged = all(hashes.get(source) == digest for source, digest in sources.items())
        big_enough = entry["records"] >= index.SEGMENT_RECORDS // 4
        segment = segments.get(entry["id"])
        whole = segment is not None and not segment.has_deletions()
        with_sidecar = sidecar_path(previous.whoosh_dir, entry["id"]).is_file()
        if unchanged and big_enough and whole and with_sidecar:
            kept.append((entry, segment))
    return kept


def _link_segment(source: Path, target: Path, segment_id: str) -> None:
    """Hard-link (or copy, across file systems) the files of one segment, its columns
    sidecar among them."""
    for file in source.iterdir():
        if file.name.startswith(f"{segment_id}."):
            try:
                os.link(file, target / file.name)
            except OSError:
                shutil.copy2(file, target / file.name)


def write_derived(path: Path, documents: list[Document]) -> None:
    """Store what the documents say of each other (references, definitions) in the
    generation at ``path``, so that no server reads them on its first request."""
    current = current_generation(path.parent)  # the published one, not yet replaced
    previous = stored.read(current.path) if current is not None else None
    derived = stored.derive(documents, previous)  # reads only what changed, if it can
    write_atomically(path / stored.DERIVED_FILE, stored.dumps(derived))


def publish(root: Path, generation: Generation) -> None:
    """Make ``generation`` the one servers read: one atomic rename."""
    write_atomically(root / CURRENT, generation.name.encode("utf-8"))


def clean_generations(root: Path) -> list[str]:
    """Remove what is not (or no longer) worth keeping; returns the removed names.

    Kept: the published generation and the two complete ones before it, for readers
    still on them. Removed: incomplete generations, and complete ones newer than the
    published one (a crash between building and publishing left them). Only called
    under the ingest lock, so no generation being built is removed.
    """
    if not root.is_dir():
        return []
    current = current_generation(root)
    generations = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("g-"))
    kept: set[Path] = set()
    if current is not None:
        earlier = [p for p in generations if p.name <= current.name and (p / BUILD_FILE).is_file()]
        kept = set(earlier[-KEEP_GENERATIONS:]) | {current.path}
    removed = []
    for path in generations:
        if path not in kept:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    remove_temporary_files(root)
    return removed


@contextlib.contextmanager
def ingest_lock(root: Path) -> Iterator[None]:
    """Hold the ingest lock; raise IngestLocked when another ingest has it.

    An flock dies with its process, so a kill -9 never leaves a stale lock.
    """
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise IngestLocked(
                f"another kb ingest is running (pid {holder}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
