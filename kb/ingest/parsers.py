"""The parsers, by the name a manifest entry gives in ``parser``: one registry.

A parser reads a source's extracted blocks into passages (``kb/ingest/parse_*.py``).
Adding a kind of source with a layout of its own means writing its module and naming
it here; the manifest accepts exactly these names, and a change to any module listed
in PARSING_MODULES makes every cached parse stale (``kb/ingest/pipeline.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from kb.ingest import (
    anchors,
    chunk,
    extract,
    index,
    parse_declaration,
    parse_proposal,
    parse_report,
    parse_transcript,
    parse_treaty,
)
from kb.models import Block, Parsed, Source

Parser = Callable[[list[Block], Source], Parsed]

PARSERS: dict[str, Parser] = {
    "treaty": parse_treaty.parse_treaty,
    "proposal": parse_proposal.parse_proposal,
    "transcript": parse_transcript.parse_transcript,
    "declaration": parse_declaration.parse_declaration,
    "report": parse_report.parse_report,
}
# The code whose change makes every cached parse stale.
PARSING_MODULES: tuple[ModuleType, ...] = (
    extract,
    chunk,
    anchors,
    parse_treaty,
    parse_proposal,
    parse_transcript,
    parse_declaration,
    parse_report,
    index,
)
