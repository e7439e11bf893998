"""Configuration in one place: where the manifest, themes, thesaurus, data and mirror are.

Every setting has a default that works from a checkout and an environment variable
that overrides it; command-line options override both.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kb.ingest.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = PROJECT_ROOT / "corpus" / "sources.toml"
DEFAULT_THEMES = PROJECT_ROOT / "corpus" / "themes.toml"
DEFAULT_THESAURUS = PROJECT_ROOT / "corpus" / "thesaurus.toml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_WORKERS = 2  # `kb serve`'s processes: one per core of a small machine
# The largest body a source may have, fetched or read from a mirror: a bigger one (a
# 48 MB treaty file once) is refused, as it would make every search slow.
MAX_BODY_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SearchLimits:
    """What one search may spend, and what the caches of a generation may hold.

    Every cache is bounded in bytes (``kb/search/caching.py``); with these budgets a
    worker stays under 150 MB on the mirror corpus under the adversarial review's
    loads (``bench/hardening.py``). The budgets bind on large corpora only.
    """

    query_seconds: float = 0.5  # reading, matching and suggesting, per query
    postings_bytes: int = 16_000_000  # each term's passages and frequencies, per field
    terms_bytes: int = 16_000_000  # each term's matches over all passages (9 bytes each)
    concepts_bytes: int = 8_000_000  # each concept's match: its terms and expansions combined
    phrases_bytes: int = 4_000_000
    prefixes_bytes: int = 1_000_000
    themes_bytes: int = 4_000_000
    analysed_bytes: int = 32_000_000  # passages' words and their index terms, for snippets
    document_fields_bytes: int = 1_000_000
    snippets_bytes: int = 16_000_000  # by passage and the query terms it holds: shared by queries
    results_bytes: int = 6_000_000  # whole search results
    corrections_bytes: int = 1_000_000  # "did you mean"
    answers_bytes: int = 8_000_000  # the search API's serialised answers
    export_hits: int = 1_000  # hits of an export, all its pages together
    export_page: int = 100  # hits an export searches at a time (the API's largest page)


@dataclass(frozen=True)
class Settings:
    """Where kb reads its manifest, themes and thesaurus, keeps its cache and index; its limits."""

    data_dir: Path = DEFAULT_DATA_DIR
    manifest: Path = DEFAULT_MANIFEST
    themes: Path = DEFAULT_THEMES
    thesaurus: Path = DEFAULT_THESAURUS
    mirror: Path | None = None
    limits: SearchLimits = SearchLimits()

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        mirror = env.get("KB_MIRROR")
        return cls(
            data_dir=Path(env.get("KB_DATA_DIR") or DEFAULT_DATA_DIR),
            manifest=Path(env.get("KB_MANIFEST") or DEFAULT_MANIFEST),
            themes=Path(env.get("KB_THEMES") or DEFAULT_THEMES),
            thesaurus=Path(env.get("KB_THESAURUS") or DEFAULT_THESAURUS),
            mirror=Path(mirror) if mirror else None,
        )

    def with_options(self, **options: object) -> Settings:
        """These settings with the options that were given (``None`` means not given)."""
        given: dict[str, Any] = {k: v for k, v in options.items() if v is not None}
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


def read_toml(path: Path, what: str, error: type[ConfigError]) -> dict[str, Any]:
    """A configuration file's TOML (the manifest, the themes, the thesaurus), or ``error``
    saying it is missing, unreadable or not TOML; ``what`` names the file ("manifest")."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except (OSError, UnicodeDecodeError) as reason:
        raise error(f"{path}: cannot read the {what} file: {reason}") from None
    except tomllib.TOMLDecodeError as reason:
        raise error(f"{path}: not valid TOML: {reason}") from None
