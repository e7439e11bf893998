"""Finished answers, kept and served again before Flask sees the request.

Popular queries repeat. Serving one through Flask costs a request context, the
blueprint's hooks, the URL map, the security and CORS headers and a Response object,
about as much again as the answer itself once the search is cached. So the app's WSGI
callable is wrapped by :class:`AnswerCache`: a GET whose answer a route declared
reusable (:func:`reusable`, given the index version it read) is kept whole, status,
headers and body, and the next GET of the same path and query string, on the same
index version, is answered from it without entering Flask at all.

- **The key** is the index version, the path and the query string as sent (its bytes:
  the answer echoes them, in the ETag and in the search's ``next`` link, so requests
  whose parameters come in another order get answers of their own, as without the cache).
  The version is the Library's, one ``stat`` of ``CURRENT`` as for any request; a route
  declares the version its answer was made from, so an answer is never kept under a
  newer version than its own, and a new generation starts with an empty cache.
- **What changes an answer** besides the key: ``If-None-Match`` (a 304 when it names the
  kept ETag, kept too the first time the app answers so; the full answer otherwise). A
  request with any other conditional or range header, and any method but GET, goes to
  the app. No answer depends on ``Accept-Encoding`` (the app compresses nothing), the
  origin (CORS answers ``*`` to all) or cookies (there are none).
- **``took_ms``** in a search answer is the time of the request it is in: a kept answer
  says how long serving it took (a fraction of a millisecond), as the search's own
  results cache always did.
- **Bounded by bytes** (``SearchLimits.answers_bytes``) in a :class:`~kb.search.caching.LRU`,
  whose lock makes it safe to share between a worker's threads; entries are immutable.
- **Kept from the second request on**: an answer asked for once is not kept (most
  distinct queries come once; keeping each would push out the popular ones and cost
  every request the keeping), the second time it is, and later ones are served from it.

Only what routes declare is kept: the search, a document, a passage, a comparison and
the themes, all functions of the index version and the request alone. The sources are
not (their statuses change with every ingest, published or not), nor errors, exports,
briefs (dated today) or pages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.http import http_date, parse_etags, unquote_etag

from kb.search.caching import LRU
from kb.search.library import Library

# Set on the WSGI environ by a route whose answer may be kept: the index version it was
# made from, and where in its body the value of ``took_ms`` stands (start, end), if anywhere.
REUSABLE = "kb.reusable"
# Set on the WSGI environ here: the snapshot whose version keyed the lookup, which the
# route then reads (``views.current_snapshot``): one request, one generation, one stat.
SNAPSHOT = "kb.snapshot"
KEPT_UNDER = "/api/"  # the routes that declare answers reusable; nothing else is looked up
# Headers that make an answer depend on more than the key: such requests go to the app.
BYPASS = (
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Key = tuple[str, str, str, int]  # version, path, query string, status (200 or 304)


def reusable(version: str, took: tuple[int, int] | None = None) -> None:
    """Declare the current request's answer reusable for ``version`` of the index;
    ``took``: where in its body the value of ``took_ms`` stands, for each request to fill."""
    request.environ[REUSABLE] = (version, took)


@dataclass(frozen=True)
class Kept:
    """A finished answer: status line, headers (Content-Length and Date made anew), body, ETag.

    A body with a ``took_ms`` is kept in two parts, ``before`` and ``after`` its value.
    """

    status: str
    headers: tuple[tuple[str, str], ...]
    before: bytes
    after: bytes | None
    etag: str | None
    length_at: int | None  # where Content-Length stands among the headers, if it does
    date_at: int | None  # where Date does (the app's conditional answers): set anew each time

    def headers_for(self, body: bytes) -> list[tuple[str, str]]:
        headers = list(self.headers)
        if self.length_at is not None:
            headers[self.length_at] = ("Content-Length", str(len(body)))
        if self.date_at is not None:
            headers[self.date_at] = ("Date", _now())
        return headers

    def body(self, started: float) -> bytes:
        if self.after is None:
            return self.before
        took = str(round((time.perf_counter() - started) * 1000, 2)).encode()
        return self.before + took + self.after

    @property
    def size(self) -> int:
        texts = sum(len(k) + len(v) + 100 for k, v in self.headers)
        return len(self.before) + len(self.after or b"") + texts + len(self.status)


class AnswerCache:
    """WSGI middleware: GETs answered again from finished answers (see the module)."""

    def __init__(self, app: WSGIApp, library: Library, max_bytes: int) -> None:
        self.app = app
        self.library = library
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._version = ""
        self._kept = self._new_cache()

    def _new_cache(self) -> LRU[Key, Kept]:
        return LRU(
            self.max_bytes,
            lambda key, kept: len(key[1]) + len(key[2]) + kept.size,
            second_sight=True,
        )

    def cache_for(self, version: str) -> LRU[Key, Kept]:
        """The answers of ``version``: a new version drops the previous one's."""
        kept = self._kept
        if version != self._version:
            with self._lock:
                if version != self._version:
                    self._kept, self._version = self._new_cache(), version
                kept = self._kept
        return kept

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def held_bytes(self) -> int:
        """What the kept answers hold, as the budget counts it."""
        return self._kept.bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
        if (
            not path.startswith(KEPT_UNDER)
            or environ.get("REQUEST_METHOD") != "GET"
            or any(h in environ for h in BYPASS)
        ):
            return self.app(environ, start_response)
        try:
            snapshot = self.library.snapshot()
        except Exception:  # nothing published, say: the app answers that
            return self.app(environ, start_response)
        environ[SNAPSHOT] = snapshot
        version = snapshot.version
        cache = self.cache_for(version)
        key = (version, path, query, 200)
        kept = cache.get(key)
        asked = environ.get("HTTP_IF_NONE_MATCH")
        held = kept.etag if kept is not None and asked else None
        if held is not None and parse_etags(asked).contains_weak(unquote_etag(held)[0]):
            kept = cache.get((version, path, query, 304))
        # else: the client holds no answer, or another one; the kept one is the right one
        if kept is not None:
            body = kept.body(started)
            start_response(kept.status, kept.headers_for(body))
            return [body]
        if not cache.admit(key):  # asked for the first time: answered, not kept
            return self.app(environ, start_response)
        return self._answer_and_keep(environ, start_response, path, query)

    def _answer_and_keep(
        self, environ: dict[str, Any], start_response: StartResponse, path: str, query: str
    ) -> Iterable[bytes]:
        said: list[Any] = []

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            said[:] = [status, headers]
            return start_response(status, headers, exc_info) if exc_info else None

        answer = self.app(environ, record)
        declared = environ.get(REUSABLE)
        status, headers = said
        code = int(status.split(None, 1)[0])
        if declared is None or code not in (200, 304):
            start_response(status, headers)
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        start_response(status, headers)
        version, took = declared
        names = [k.lower() for k, _ in headers]
        at = {
            name: names.index(name) for name in ("content-length", "date", "etag") if name in names
        }
        etag = headers[at["etag"]][1] if "etag" in at else None
        before, after = (
            (body, None) if took is None or code != 200 else (body[: took[0]], body[took[1] :])
        )
        kept = Kept(
            status, tuple(headers), before, after, etag, at.get("content-length"), at.get("date")
        )
        kept_now = self._kept  # the answers of the version current when the request came
        if version == self._version:  # not one made from another, during a publish
            kept_now.put((version, path, query, code), kept)
        return [body]


_date: tuple[int, str] = (0, "")


def _now() -> str:
    """The Date header of this second."""
    global _date
    second = int(time.time())
    if _date[0] != second:
        _date = (second, http_date(second))
    return _date[1]
