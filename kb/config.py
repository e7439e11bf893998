"""Configuration in one place: where the manifest, the themes, the data and the mirror are.

Every setting has a default that works from a checkout and an environment variable
that overrides it; command-line options override both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = PROJECT_ROOT / "corpus" / "sources.toml"
DEFAULT_THEMES = PROJECT_ROOT / "corpus" / "themes.toml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_WORKERS = 2  # `kb serve`'s processes: one per core of a small machine
# The largest body a source may have, fetched or read from a mirror: a bigger one (a
# 48 MB treaty file once) is refused, as it would make every search slow.
MAX_BODY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Where kb reads its manifest and themes and keeps its cache and index."""

    data_dir: Path = DEFAULT_DATA_DIR
    manifest: Path = DEFAULT_MANIFEST
    themes: Path = DEFAULT_THEMES
    mirror: Path | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mirror = env.get("KB_MIRROR")
        return cls(
            data_dir=Path(env.get("KB_DATA_DIR") or DEFAULT_DATA_DIR),
            manifest=Path(env.get("KB_MANIFEST") or DEFAULT_MANIFEST),
            themes=Path(env.get("KB_THEMES") or DEFAULT_THEMES),
            mirror=Path(mirror) if mirror else None,
        )

    def with_options(self, **options: object) -> Settings:
        """These settings with the options that were given (``None`` means not given)."""
        given = {name: value for name, value in options.items() if value is not None}
        return replace(self, **given)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def parsed_dir(self) -> Path:
        return self.data_dir / "parsed"

    @property
    def index_root(self) -> Path:
        return self.data_dir / "index"
