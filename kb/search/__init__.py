"""Searching the published index: one function, used by the API, the pages and the CLI.

from kb.search import Library, SearchRequest, search
result = search(Library(index_root).snapshot(), SearchRequest(q="safeguards"))
"""

from __future__ import annotations

from dataclasses import replace

from kb.search.library import Library, NoIndex, Snapshot
from kb.search.matching import QueryTimeout
from kb.search.request import InvalidRequest, SearchRequest
from kb.search.searcher import Hit, SearchResult

__all__ = [
    "Hit",
    "InvalidRequest",
    "Library",
    "NoIndex",
    "QueryTimeout",
    "SearchRequest",
    "SearchResult",
    "Snapshot",
    "search",
]


def search(snapshot: Snapshot, request: SearchRequest) -> SearchResult:
    """Run ``request`` on ``snapshot``.

    Raises InvalidRequest for a bad parameter and QueryTimeout when the query runs past
    its time limit; any query text is otherwise answered (malformed syntax is read as
    plain words, and the result says so).
    """
    result = snapshot.searcher.search(request)
    if request.notes:  # what reading the parameters changed, said first
        result = replace(result, notes=(*request.notes, *result.notes))
    return result
