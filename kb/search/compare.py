"""Comparing instruments: one column per instrument (and one for the IGF sessions).

A panelist asks how each treaty handles safeguards; the answer is the best passages
of each instrument side by side, and an honest empty column where an instrument has
none (a gap is a talking point). Instruments known by their metadata only cannot be
compared and are listed apart. So that the columns' counts add up to the whole search's,
the matches in documents without a column (an explanatory report, a document known only
by its metadata) are counted apart too, by document (:attr:`Comparison.elsewhere`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kb.derive.names import is_instrument
from kb.models import STATUS_TEXT, Document
from kb.search.library import Snapshot
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
    # the matches outside the columns, by document in manifest order: the columns' totals
    # and these add up to the overall total
    elsewhere: tuple[tuple[Document, int], ...] = ()


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
    in_columns = {d.id for group in groups for d in group}
    others = [d for d in documents if d.id not in in_columns]
    return Comparison(request, overall, columns, not_held, _elsewhere(others, overall))


def _elsewhere(others: list[Document], overall: SearchResult) -> tuple[tuple[Document, int], ...]:
    """How many of the overall search's matches each of ``others`` holds, where any.

    The overall search has no source filter, so its source facet counts exactly the
    passages it matched in each document."""
    counts = overall.facets.get("source", {})
    return tuple((d, counts[d.id]) for d in others if counts.get(d.id))


def _column(group: tuple[Document, ...], result: SearchResult) -> Column:
    if len(group) == 1 and group[0].source.kind not in IGF_KINDS:
        source = group[0].source
        return Column(source.id, source.title, source.short_title, group, result)
    return Column(IGF_COLUMN, "IGF sessions", "IGF sessions", group, result)
