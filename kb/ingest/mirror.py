"""Mirror mode: read each source from ``<mirror>/<id>.<ext>`` instead of the network.

A mirror is a folder of files named by source id, such as ``../shared/corpus``; the
extension says the format. A source with no file there has "no mirror copy".
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.config import MAX_BODY_BYTES
from kb.ingest.errors import ConfigError

_MB = 1024 * 1024

# extension -> (format, content type)
MIRROR_FORMATS: dict[str, tuple[str, str]] = {
    ".md": ("markdown", "text/markdown"),
    ".markdown": ("markdown", "text/markdown"),
    ".txt": ("text", "text/plain"),
    ".html": ("html", "text/html"),
    ".htm": ("html", "text/html"),
    ".pdf": ("pdf", "application/pdf"),
}


def check_mirror(mirror: Path) -> None:
    """Raise ConfigError unless ``mirror`` is a folder we can list and read."""
    if not mirror.is_dir():
        raise ConfigError(f"mirror folder {mirror} does not exist or is not a folder")
    if not os.access(mirror, os.R_OK | os.X_OK):
        raise ConfigError(f"mirror folder {mirror} cannot be read (permissions)")


def find_in_mirror(mirror: Path, source_id: str) -> tuple[Path, str, str] | None:
    """The mirror file of a source with its format and content type, or None."""
    for extension, (fmt, content_type) in MIRROR_FORMATS.items():
        path = mirror / f"{source_id}{extension}"
        if path.is_file():
            return path, fmt, content_type
    return None


class MirrorCopyTooLarge(Exception):
    """A mirror file over the size cap that network bodies have too; never read whole."""


def read_mirror_file(path: Path, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The bytes of a mirror file, or MirrorCopyTooLarge when it holds more than ``max_bytes``.

    The size is checked before reading, and the read stops after ``max_bytes + 1``
    bytes all the same: the file may grow in between, or not be a regular file.
    """
    size = path.stat().st_size
    if size > max_bytes:
        raise MirrorCopyTooLarge(
            f"the mirror copy is {_size(size)}, over the {_limit(max_bytes)} limit"
        )
    with path.open("rb") as handle:
        body = handle.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise MirrorCopyTooLarge(f"the mirror copy is over the {_limit(max_bytes)} limit")
    return body


def _size(n: int) -> str:
    return f"{n / _MB:.1f} MB" if n >= _MB else f"{n:,} bytes"


def _limit(max_bytes: int) -> str:
    return f"{max_bytes // _MB} MB" if max_bytes % _MB == 0 else f"{max_bytes:,} bytes"
