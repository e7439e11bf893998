"""Invented test data shared by the test modules: sources in each kind."""

from __future__ import annotations

from kb.models import Source

# kind -> (format, parser) that a source of that kind usually has
_KIND_DEFAULTS = {
    "treaty": ("markdown", "treaty"),
    "igf-proposal": ("html", "proposal"),
    "igf-transcript": ("html", "transcript"),
    "declaration": ("html", "declaration"),
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
