"""Comparing instruments: one column per instrument (and one for the IGF sessions).

A panelist asks how each treaty handles safeguards; the answer is the best passages
of each instrument side by side, and an honest empty column where an instrument has
none (a gap is a talking point). Instruments known by their metadata only cannot be
compared and are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kb.models import STATUS_TEXT, Document
from kb.search.library import Snapshot
from kb.search.names import is_instrument
from kb.search.request import InvalidRequest, SearchRequest
from kb.search.searcher import Hit, SearchResult

IGF_KINDS = ("igf-proposal", "igf-transcript")
IGF_COLUMN = "igf-sessions"
PER_COLUMN = 3
MAX_PER_COLUMN = 10


@dataclass(frozen=True)
class Column:
    """One instrument (or the IGF sessions together) and its best passages."""

    key: str  # the source id, or IGF_COLUMN
    title: str
    short_title: str
    documents: tuple[Document, ...]
    result: SearchResult

    @property
    def hits(self) -> tuple[Hit, ...]:
        return self.result.hits

    @property
    def total(self) -> int:
        return self.result.total

    @property
    def source(self) -> str | None:
        """The column's source id; None for the IGF sessions' column."""
        return None if self.key == IGF_COLUMN else self.key


@dataclass(frozen=True)
class Comparison:
    request: SearchRequest
    overall: SearchResult  # the same search over everything: reading, notes, suggestion
    columns: tuple[Column, ...]
    not_held: tuple[Document, ...]  # instruments known by their metadata only


def compare(snapshot: Snapshot, request: SearchRequest, per_column: int = PER_COLUMN) -> Comparison:
    """The request's best ``per_column`` passages in each instrument and in the IGF sessions.

    Raises InvalidRequest when neither a query nor a theme is given, or for a bad value.
    """
    if not request.q.strip() and not request.theme:
        raise InvalidRequest("q", "give a query (q) or a theme to compare the instruments on")
    if not 1 <= per_column <= MAX_PER_COLUMN:
        raise InvalidRequest("per_column", f"per_column must be between 1 and {MAX_PER_COLUMN}")
    documents = list(snapshot.documents.values())
    # An explanatory report explains an instrument's provisions and has none of its own:
    # beside the instruments' columns it would only restate one of them. Search finds it.
    instruments = [d for d in documents if is_instrument(d)]
    held = [d for d in instruments if d.status == STATUS_TEXT]
    sessions = tuple(d for d in documents if d.source.kind in IGF_KINDS and d.status == STATUS_TEXT)
    groups = [(d,) for d in held] + ([sessions] if sessions else [])
    wanted = replace(request, sources=(), page=1, per_page=per_column)
    overall, results = snapshot.searcher.within(
        wanted, [tuple(d.id for d in group) for group in groups]
    )
    columns = tuple(_column(group, result) for group, result in zip(groups, results, strict=True))
    not_held = tuple(d for d in instruments if d.status != STATUS_TEXT)
    return Comparison(request, overall, columns, not_held)


def _column(group: tuple[Document, ...], result: SearchResult) -> Column:
    if len(group) == 1 and group[0].source.kind not in IGF_KINDS:
        source = group[0].source
        return Column(source.id, source.title, source.short_title, group, result)
    return Column(IGF_COLUMN, "IGF sessions", "IGF sessions", group, result)
