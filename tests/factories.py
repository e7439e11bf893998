"""Invented test data shared by the test modules: sources in each kind, a small world."""

from __future__ import annotations

import shutil
from pathlib import Path

from kb.config import Settings
from kb.models import Source

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TREATY, PROPOSAL, DECLARATION = "pipeline-treaty", "pipeline-proposal", "pipeline-declaration"
HOSTILE = "hostile-treaty"

# kind -> (format, parser) that a source of that kind usually has
_KIND_DEFAULTS = {
    "treaty": ("markdown", "treaty"),
    "igf-proposal": ("html", "proposal"),
    "igf-transcript": ("html", "transcript"),
    "declaration": ("html", "declaration"),
    "explanatory-report": ("pdf", "report"),
}


def make_source(
    source_id: str = "imaginary-1999", kind: str = "treaty", **fields: object
) -> Source:
    """An invented source; ``fields`` override any of its defaults."""
    fmt, parser = _KIND_DEFAULTS[kind]
    defaults: dict[str, object] = {
        "id": source_id,
        "title": "Convention on Imaginary Matters",
        "short_title": "Imaginary Convention",
        "kind": kind,
        "year": 1999,
        "url": f"https://example.org/{source_id}",
        "fetch_url": f"https://example.org/{source_id}.src",
        "format": fmt,
        "parser": parser,
        "citation": "Convention on Imaginary Matters",
    }
    return Source(**{**defaults, **fields})  # type: ignore[arg-type]


def invented_world(root: Path, *, hostile: bool = False) -> Settings:
    """Mirror, manifest and data folder of the invented world under ``root``.

    A treaty and a proposal with mirror copies, a declaration without one (metadata
    only); with ``hostile``, also a treaty whose title and texts carry markup and script.
    """
    mirror = root / "mirror"
    mirror.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "pipeline-treaty.md", mirror / f"{TREATY}.md")
    shutil.copyfile(FIXTURES / "igf-proposal-sample.txt", mirror / f"{PROPOSAL}.txt")
    manifest_text = (FIXTURES / "pipeline-sources.toml").read_text(encoding="utf-8")
    if hostile:
        shutil.copyfile(FIXTURES / "hostile-treaty.md", mirror / f"{HOSTILE}.md")
        manifest_text += "\n" + (FIXTURES / "hostile-sources.toml").read_text(encoding="utf-8")
    manifest = root / "sources.toml"
    manifest.write_text(manifest_text, encoding="utf-8")
    return Settings(data_dir=root / "data", manifest=manifest, mirror=mirror)
