"""The raw cache: the last good copy of each source's body, with where and when it came from.

Layout, per source: ``raw/<id>/<sha256>.<ext>`` holds a body and ``raw/<id>/meta.json``
names the current one. A new copy is written in full under its own name, then the
meta file is replaced atomically: that rename is the moment the new copy becomes
the last good one, so a crash at any point leaves the previous copy in place.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

_EXTENSIONS = {"markdown": "md", "html": "html", "pdf": "pdf", "text": "txt"}


@dataclass(frozen=True)
class RawCopy:
    """A cached body's metadata; ``path`` is where the body lies."""

    source_id: str
    url: str
    format: str
    content_type: str
    retrieved_at: str
    sha256: str
    size: int
    origin: str  # "network" or "mirror"
    path: Path
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None

    def read(self) -> bytes:
        return self.path.read_bytes()

    def meta(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = self.path.name
        return data


class RawCache:
    """The last good copy of every source, under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, source_id: str) -> RawCopy | None:
        """The last good copy of a source, or None when there is none (or it is unreadable)."""
        folder = self.root / source_id
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            copy = RawCopy(**{**meta, "path": folder / meta["path"]})
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return copy if copy.path.is_file() else None

    def put(self, copy: RawCopy, body: bytes) -> RawCopy:
        """Store ``body`` as the source's last good copy; returns the stored copy."""
        folder = self.root / copy.source_id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{copy.sha256}.{_EXTENSIONS.get(copy.format, 'bin')}"
        stored = RawCopy(**{**asdict(copy), "path": path, "size": len(body)})
        write_atomically(path, body)
        write_atomically(folder / "meta.json", json.dumps(stored.meta(), indent=2).encode())
        self._remove_old_bodies(folder, keep=path)
        return stored

    def touch(self, copy: RawCopy, retrieved_at: str) -> RawCopy:
        """Record that the copy was confirmed current (a 304, or the same bytes) at a new time."""
        stored = RawCopy(**{**asdict(copy), "retrieved_at": retrieved_at})
        meta = json.dumps(stored.meta(), indent=2).encode()
        write_atomically(copy.path.parent / "meta.json", meta)
        return stored

    def clean(self) -> None:
        """Remove what an interrupted write left behind: temporary files, unnamed bodies.

        A body is removed when ``meta.json`` names another one, or when there is no
        ``meta.json`` at all (the first write never finished); a damaged meta file
        never costs the body it described.
        """
        if not self.root.is_dir():
            return
        for folder in (f for f in self.root.iterdir() if f.is_dir()):
            remove_temporary_files(folder)
            current = self.get(folder.name)
            if current is not None:
                self._remove_old_bodies(folder, keep=current.path)
            elif not (folder / "meta.json").exists():
                for body in folder.iterdir():
                    body.unlink(missing_ok=True)

    @staticmethod
    def _remove_old_bodies(folder: Path, keep: Path) -> None:
        for path in folder.iterdir():
            if path not in (keep, folder / "meta.json"):
                path.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that readers see either the old content or the new, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def remove_temporary_files(folder: Path) -> None:
    """Remove the ``.tmp-*`` files that an interrupted :func:`write_atomically` left."""
    for leftover in folder.glob(".tmp-*"):
        leftover.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
