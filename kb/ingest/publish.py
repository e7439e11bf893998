"""Publishing: build each index in a fresh generation folder, then switch to it atomically.

Layout under ``<data>/index``::

    CURRENT                  the name of the published generation (replaced atomically)
    g-20261127T083000Z-1a2b/ a generation: whoosh/, documents.json, derived.json, build.json
    ingest.lock              held (flock) by the one running ``kb ingest``

A generation is complete once its ``build.json`` exists; only complete generations
are published. A server reads ``CURRENT`` and opens that generation, so it never
sees a half-built index; a crash before the switch leaves the previous generation
serving, and the next run removes what the crash left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.derive import stored
from kb.ingest.cache import remove_temporary_files, write_atomically
from kb.ingest.index import write_index
from kb.models import Document

CURRENT = "CURRENT"
BUILD_FILE = "build.json"
DOCUMENTS_FILE = "documents.json"
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

    def documents(self) -> list[Document]:
        data = json.loads((self.path / DOCUMENTS_FILE).read_text(encoding="utf-8"))
        return [Document.from_dict(d) for d in data]


def current_generation(root: Path) -> Generation | None:
    """The published generation, or None before the first publish."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
        path = root / name
        build = json.loads((path / BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Generation(path, build)


def build_generation(root: Path, documents: list[Document], key: dict[str, Any]) -> Generation:
    """Write a complete new generation (not yet published) from ``documents``."""
    now = dt.datetime.now(dt.UTC)
    path = root / f"g-{now:%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    records = write_index(documents, path / WHOOSH_DIR)
    payload = json.dumps([d.to_dict() for d in documents], ensure_ascii=False)
    write_atomically(path / DOCUMENTS_FILE, payload.encode("utf-8"))
    write_derived(path, documents)
    build = {
        "version": path.name,
        "built_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "documents": len(documents),
        "records": records,
        "passages": sum(len(d.passages) for d in documents),
        "key": key,
    }
    write_atomically(path / BUILD_FILE, json.dumps(build, indent=2).encode("utf-8"))
    return Generation(path, build)


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
