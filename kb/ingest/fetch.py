"""Fetching: download a source's body over HTTP(S), carefully.

A :class:`Fetcher` is a thin, cautious wrapper around a ``requests`` session. It
retries what is worth retrying (connection errors, timeouts, truncated bodies,
5xx), follows redirects only within one host, caps the body size while streaming,
supports conditional requests (ETag / Last-Modified), and checks that the body is
what the manifest says it is, so a 200 "not found" HTML page never reaches the
PDF extractor. Every network problem comes out as a :class:`FetchError` whose
message names the URL and what went wrong, and whose ``reason`` is a short code.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import IncompleteRead
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import requests
from requests.exceptions import ChunkedEncodingError
from urllib3.exceptions import ProtocolError, ReadTimeoutError

import kb
from kb.config import MAX_BODY_BYTES

FORMAT_CONTENT_TYPES: dict[str, tuple[str, ...]] = {
    "pdf": ("application/pdf", "application/x-pdf"),
    "html": ("text/html", "application/xhtml+xml"),
    "markdown": ("text/markdown", "text/plain", "text/x-markdown"),
    "text": ("text/plain",),
}
# Content types that say nothing about the body: judged by sniffing, like a missing one.
_GENERIC_CONTENT_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_HTML_CONTENT_TYPES = frozenset(FORMAT_CONTENT_TYPES["html"])
_FORMAT_NAMES = {
    "pdf": "a PDF",
    "html": "an HTML page",
    "markdown": "Markdown",
    "text": "plain text",
}

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK_SIZE = 64 * 1024
_SNIFF_BYTES = 1024

DEFAULT_USER_AGENT = (
    f"kb/{kb.__version__} (internet-governance knowledge base ingester; "
    f"python-requests/{requests.__version__})"
)


@dataclass(frozen=True)
class Fetched:
    """The outcome of a successful fetch: a body (200) or "not modified" (304)."""

    url: str
    status: int
    content_type: str
    body: bytes | None
    retrieved_at: str
    sha256: str | None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class FetchError(Exception):
    """A fetch that failed or looked wrong.

    ``str(e)`` is one sentence for a maintainer naming the URL and the problem;
    ``reason`` is a short machine code: "http-status", "timeout", "connection",
    "truncated", "empty", "content-type", "error-page", "too-large", "redirect" or
    "bad-url". ``status`` is the last HTTP status seen, where there was one.
    """

    def __init__(self, url: str, reason: str, detail: str, *, status: int | None = None) -> None:
        super().__init__(f"Could not fetch {url}: {detail}.")
        self.url = url
        self.reason = reason
        self.detail = detail
        self.status = status


class _Retryable(Exception):
    """One attempt failed in a way another attempt might not (internal)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class _Reply:
    """What one request got: status, headers and, for a 200, the whole body."""

    status: int
    reason: str
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes | None


class Fetcher:
    """Fetches source bodies; reuse one for many fetches, then :meth:`close` it.

    ``retries`` is the total number of attempts per request (at least one);
    between attempts it sleeps ``backoff * 2**attempt`` seconds through
    ``self.sleep``, which tests may replace.
    """

    def __init__(
        self,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_bytes: int = MAX_BODY_BYTES,
        max_redirects: int = 5,
        user_agent: str = DEFAULT_USER_AGENT,
        session: requests.Session | None = None,
    ) -> None:
        self.timeout = (connect_timeout, read_timeout)
        self.attempts = max(1, retries)
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        self.sleep: Callable[[float], None] = time.sleep
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()

    def close(self) -> None:
        """Close the session, unless the caller passed it in (then it is theirs)."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(
        self,
        url: str,
        fmt: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """Fetch ``url``, expecting a body in format ``fmt`` (a key of FORMAT_CONTENT_TYPES).

        With ``etag`` / ``last_modified`` (validators of an earlier fetch) the
        request is conditional, and an unchanged source gives a 304 result.
        """
        if fmt not in FORMAT_CONTENT_TYPES:
            raise ValueError(
                f"unknown format {fmt!r}; expected one of {list(FORMAT_CONTENT_TYPES)}"
            )
        _check_url(url)
        headers = self._headers(fmt, etag, last_modified)
        current = url
        seen = {url}
        for _ in range(self.max_redirects + 1):
            reply = self._request(url, current, headers)
            if reply.status not in _REDIRECT_STATUSES:
                return self._result(url, current, fmt, reply, etag, last_modified)
            target = _redirect_target(url, current, reply)
            if target in seen:
                raise FetchError(
                    _named(url, current), "redirect", f"redirect loop back to {target}"
                )
            seen.add(target)
            current = target
        raise FetchError(
            _named(url, current), "redirect", f"more than {self.max_redirects} redirects"
        )

    def _headers(self, fmt: str, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ", ".join(FORMAT_CONTENT_TYPES[fmt]) + ", */*;q=0.1",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers

    def _request(self, original: str, url: str, headers: dict[str, str]) -> _Reply:
        """One request, retried on timeouts, connection errors, truncation and 5xx."""
        for attempt in range(self.attempts):
            last = attempt == self.attempts - 1
            try:
                reply = self._attempt(original, url, headers)
            except _Retryable as exc:
                if last:
                    error = FetchError(_named(original, url), exc.reason, self._gave_up(exc))
                    raise error from exc.__cause__
            else:
                if reply.status < 500 or last:
                    return reply
            if self.backoff > 0:
                self.sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # the last attempt always returns or raises

    def _gave_up(self, exc: _Retryable) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts > 1 else ''}"
        if exc.reason == "timeout":
            return f"timed out after {tries} ({exc.detail})"
        return f"{exc.detail} (after {tries})"

    def _attempt(self, original: str, url: str, headers: dict[str, str]) -> _Reply:
        try:
            response = self.session.get(
                url, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False
            )
        except requests.Timeout as exc:
            kind = "connect" if isinstance(exc, requests.ConnectTimeout) else "read"
            raise _Retryable("timeout", f"{kind} timeout {self._seconds(kind)}") from exc
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ) as exc:
            raise FetchError(_named(original, url), "bad-url", f"invalid URL ({exc})") from exc
        except requests.ConnectionError as exc:
            raise _Retryable("connection", f"connection failed: {_root_cause(exc)}") from exc
        except requests.RequestException as exc:
            raise _Retryable("connection", f"request failed: {_root_cause(exc)}") from exc
        with response:
            body = self._read(original, url, response) if response.status_code == 200 else None
            return _Reply(response.status_code, response.reason or "", response.headers, body)

    def _seconds(self, kind: str) -> str:
        seconds = self.timeout[0] if kind == "connect" else self.timeout[1]
        return f"of {seconds:g} s"

    def _read(self, original: str, url: str, response: requests.Response) -> bytes:
        """The body, streamed and capped at max_bytes; truncation is retryable."""
        announced = _content_length(response)
        if announced is not None and announced > self.max_bytes:
            raise FetchError(
                _named(original, url),
                "too-large",
                f"Content-Length announces {announced} bytes, more than the "
                f"{_size(self.max_bytes)} cap",
            )
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(_CHUNK_SIZE):
                total += len(chunk)
                if total > self.max_bytes:
                    raise FetchError(
                        _named(original, url),
                        "too-large",
                        f"body larger than the {_size(self.max_bytes)} cap",
                    )
                chunks.append(chunk)
        except (ChunkedEncodingError, ProtocolError, IncompleteRead) as exc:
            # urllib3 2 enforces Content-Length: requests turns its IncompleteRead /
            # ProtocolError into ChunkedEncodingError (the others are belt and braces).
            # urllib3 buffers up to a whole chunk before raising, so count raw bytes.
            received = max(total, _raw_bytes_read(response))
            got = f"got {received} of {announced}" if announced else f"got {received}"
            raise _Retryable("truncated", f"body truncated: {got} bytes") from exc
        except requests.ConnectionError as exc:
            # requests wraps a read timeout *during the body* as ConnectionError, not Timeout.
            if isinstance(exc.args[0] if exc.args else None, ReadTimeoutError):
                raise _Retryable("timeout", f"read timeout {self._seconds('read')}") from exc
            raise _Retryable("connection", f"connection lost: {_root_cause(exc)}") from exc
        except requests.RequestException as exc:
            raise _Retryable("connection", f"reading the body failed: {_root_cause(exc)}") from exc
        body = b"".join(chunks)
        identity = response.headers.get("Content-Encoding", "identity").lower() == "identity"
        if announced is not None and identity and len(body) < announced:
            raise _Retryable("truncated", f"body truncated: got {len(body)} of {announced} bytes")
        return body

    def _result(
        self,
        original: str,
        url: str,
        fmt: str,
        reply: _Reply,
        etag: str | None,
        last_modified: str | None,
    ) -> Fetched:
        named = _named(original, url)
        content_type = _media_type(reply.headers.get("Content-Type"))
        new_etag = reply.headers.get("ETag") or None
        new_modified = reply.headers.get("Last-Modified") or None
        if reply.status == 304 and (etag or last_modified):
            return Fetched(
                url=url,
                status=304,
                content_type=content_type,
                body=None,
                retrieved_at=_now(),
                sha256=None,
                etag=new_etag or etag,
                last_modified=new_modified or last_modified,
            )
        if reply.status != 200 or reply.body is None:
            status = f"HTTP {reply.status} {reply.reason}".rstrip()
            if reply.status >= 500 and self.attempts > 1:
                status += f" after {self.attempts} attempts"
            raise FetchError(named, "http-status", status, status=reply.status)
        if not reply.body:
            raise FetchError(named, "empty", "empty body with HTTP 200", status=200)
        _check_body(named, fmt, content_type, reply.body)
        return Fetched(
            url=url,
            status=200,
            content_type=content_type,
            body=reply.body,
            retrieved_at=_now(),
            sha256=hashlib.sha256(reply.body).hexdigest(),
            etag=new_etag,
            last_modified=new_modified,
        )


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # both raise ValueError on a malformed netloc
    except ValueError as exc:
        raise FetchError(url, "bad-url", f"malformed URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "no scheme"
        raise FetchError(url, "bad-url", f"only http and https URLs are fetched, not {scheme}")
    if not host:
        raise FetchError(url, "bad-url", "the URL has no host")


def _redirect_target(original: str, url: str, reply: _Reply) -> str:
    """The absolute URL a redirect points to, if it stays on the same host."""
    named = _named(original, url)
    location = reply.headers.get("Location")
    if not location:
        raise FetchError(
            named, "redirect", f"HTTP {reply.status} redirect without a Location header"
        )
    try:
        target = urljoin(url, location.strip())
        here, there = urlsplit(url), urlsplit(target)
        there_host = (there.hostname or "").lower()
    except ValueError as exc:
        raise FetchError(named, "redirect", f"redirect to a malformed URL ({location})") from exc
    if there.scheme.lower() not in ("http", "https") or not there_host:
        raise FetchError(named, "redirect", f"redirect to a non-HTTP URL ({target}) refused")
    if there_host != (here.hostname or "").lower():
        raise FetchError(named, "redirect", f"redirect to another host ({there.hostname}) refused")
    if here.scheme.lower() == "https" and there.scheme.lower() == "http":
        raise FetchError(named, "redirect", f"redirect from https down to http ({target}) refused")
    return target


def _check_body(named: str, fmt: str, content_type: str, body: bytes) -> None:
    """Refuse a body that is not what the manifest promises (often an error page)."""
    expected = _FORMAT_NAMES[fmt]
    head = body[:_SNIFF_BYTES]
    if fmt != "html" and (content_type in _HTML_CONTENT_TYPES or _looks_like_html(head)):
        raise FetchError(named, "error-page", f"expected {expected} but got an HTML page")
    generic = content_type in _GENERIC_CONTENT_TYPES
    if not generic and content_type not in FORMAT_CONTENT_TYPES[fmt]:
        raise FetchError(named, "content-type", f"expected {expected} but got {content_type}")
    if fmt == "pdf":
        if not body.startswith(b"%PDF-"):
            raise FetchError(
                named, "content-type", "expected a PDF but the body does not start with %PDF-"
            )
    elif fmt == "html":
        if generic and not _looks_like_html(head):
            raise FetchError(
                named, "content-type", "expected an HTML page but got an untyped non-HTML body"
            )
    elif generic and (b"\x00" in head or head.startswith(b"%PDF-")):
        raise FetchError(named, "content-type", f"expected {expected} but got a binary body")


def _looks_like_html(head: bytes) -> bool:
    start = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:20].lower()
    return start.startswith((b"<!doctype html", b"<html"))


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _content_length(response: requests.Response) -> int | None:
    try:
        value = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _raw_bytes_read(response: requests.Response) -> int:
    """Bytes urllib3 took off the wire for this body (before any decoding)."""
    try:
        return int(response.raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        return 0


def _named(original: str, url: str) -> str:
    """How a message names the URL: the one asked for, and where redirects led."""
    return original if url == original else f"{original} (redirected to {url})"


def _root_cause(exc: BaseException) -> str:
    """The innermost OS-level message (e.g. "Connection refused"), not urllib3's pool dump."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    found: BaseException = exc
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror
        found = current
        nested = [a for a in current.args if isinstance(a, BaseException)]
        nested += [e for e in (current.__cause__, current.__context__) if e is not None]
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            nested.append(reason)
        todo.extend(nested)
    return str(found) or type(found).__name__


def _size(n: int) -> str:
    mb = 1024 * 1024
    return f"{n // mb} MB" if n >= mb and n % mb == 0 else f"{n} bytes"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
