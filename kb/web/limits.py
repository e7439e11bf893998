"""How big a request may be, pages and API alike: declared here, checked in one place.

Two layers hold a request to its size. gunicorn reads the request line first and
refuses one over LIMIT_REQUEST_LINE bytes itself, before the app sees it (an HTML 414:
it has not read the path, so it cannot tell a page from the API). Every shorter line
reaches the app, where :func:`refuse_unreadable_request` answers 414 to a target (path
and query string) over MAX_TARGET_BYTES or a query ``q`` over MAX_Q_CHARS, and 400 to a
query string that is not UTF-8: JSON under /api/, a page elsewhere. The query is
bounded on its own because the pages echo it into every facet, paging and export
link: unbounded, a 1 MB query made a 48 MB page.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest, HTTPException

from kb.search.query import MAX_QUERY_CHARS

# gunicorn's largest limit (its 0 means none at all); with the method and the version,
# a line holds a target of MAX_TARGET_BYTES.
LIMIT_REQUEST_LINE = 8190
LIMIT_REQUEST_FIELDS = 100  # headers, gunicorn's default
LIMIT_REQUEST_FIELD_SIZE = 8190  # bytes of one header, gunicorn's default
MAX_TARGET_BYTES = 8_000
MAX_Q_CHARS = 2_000  # the query parser searches the first MAX_QUERY_CHARS of them


class UriTooLong(HTTPException):
    """414: named as RFC 9110 names it, which is also the API's error code (uri-too-long)."""

    code = 414
    name = "URI Too Long"


def refuse_unreadable_request() -> None:
    """Before any view: a 414 for a target or a query over its limit, a 400 for a query
    string that is not UTF-8 (JSON under /api/, a page elsewhere)."""
    target = len(request.environ.get("PATH_INFO", "")) + len(request.query_string)
    if target > MAX_TARGET_BYTES:
        raise UriTooLong(
            f"The address is {target:,} bytes long; kb reads addresses of up to "
            f"{MAX_TARGET_BYTES:,} bytes. Shorten the query or the list of filters."
        )
    _refuse_undecodable_query()
    longest = max(map(len, request.args.getlist("q")), default=0)
    if longest > MAX_Q_CHARS:
        raise UriTooLong(
            f"The query is {longest:,} characters long; kb reads queries of up to "
            f"{MAX_Q_CHARS:,} characters (and searches their first {MAX_QUERY_CHARS:,}). "
            "Shorten it to the words that matter."
        )


def _refuse_undecodable_query() -> None:
    """gunicorn refuses such request lines itself; other servers pass the bytes on."""
    try:
        request.query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("The query string is not valid UTF-8.") from None
