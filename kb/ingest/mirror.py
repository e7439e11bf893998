"""Mirror mode: read each source from ``<mirror>/<id>.<ext>`` instead of the network.

A mirror is a folder of files named by source id, such as ``../shared/corpus``; the
extension says the format. A source with no file there has "no mirror copy".
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.ingest.errors import ConfigError

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
