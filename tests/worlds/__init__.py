"""The invented worlds the tests run on, each built in one place with its constants.

- :mod:`tests.worlds.mirror`: a manifest, a mirror folder and a data folder, ingested
  through ``kb.ingest`` (the pipeline, the CLI, the API, the pages and the browser tests):
  an invented treaty, an IGF proposal, a declaration without a copy and, when asked, a
  hostile treaty and a protocol citing the treaty.
- :mod:`tests.worlds.published`: invented documents published straight into an index
  (the search tests): the Lantern Convention, the Harbour Treaty, a proposal, a
  transcript and a declaration; a second corpus of instruments that define their terms.
- :mod:`tests.worlds.lookalikes`: the Compass Convention, one article per word that a
  stemmer confuses with another (the stemming tests).

Here: where the fixture files and the real mirror are, and :func:`make_source`, an
invented source of any kind for the tests that need one alone. Every sentence of the
worlds is invented; the real texts are read from ``../shared/corpus`` (``MIRROR``) only
by the tests that ask for the fixture ``mirror_dir`` or ``mirror_settings``.
"""

from __future__ import annotations

from pathlib import Path

from kb.models import Source

ROOT = Path(__file__).resolve().parent.parent.parent  # the repository
FIXTURES = ROOT / "tests" / "fixtures"
MIRROR = ROOT.parent / "shared" / "corpus"  # the real texts, where present

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
