"""Reading a search from a query string: shared by the JSON API and the pages."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from kb.search import SearchRequest
from kb.search.request import DEFAULT_PER_PAGE, read_years

YES, NO = ("true", "1", "yes"), ("false", "0", "no")  # a yes/no parameter's values
MAX_BRIEF = 50  # passages in a brief
MAX_EXPORT = 1_000  # hits in an export, all pages together
SEARCH_PARAMETERS = ("q", "kind", "source", "year", "speaker", "theme", "page", "per_page", "sort")
_INTEGER = re.compile(r"\d{1,9}")  # used with fullmatch: "$" lets "5\n" by


class BadParameter(ValueError):
    """A parameter that cannot be read (``code``: ``unknown-parameter``, ``invalid-parameter``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def search_request(
    args: MultiDict[str, str], known: tuple[str, ...] = SEARCH_PARAMETERS
) -> SearchRequest:
    """The search that the query string asks for; BadParameter for what cannot be read.

    ``known`` are the parameters the caller accepts (the search's, or some of them with
    its own); any other is refused, so that a misspelt filter never silently does nothing.
    """
    params = only(args, known)
    return SearchRequest(
        q=first(params, "q") or "",
        kinds=values(params, "kind"),
        sources=values(params, "source"),
        years=years(first(params, "year")),
        speakers=values(params, "speaker"),
        theme=first(params, "theme") or None,
        page=integer(params, "page", 1),
        per_page=integer(params, "per_page", DEFAULT_PER_PAGE),
        sort=first(params, "sort") or "relevance",
    )


def only(args: MultiDict[str, str], known: tuple[str, ...]) -> dict[str, list[str]]:
    """The parameters as lists of values; BadParameter naming the first unknown one."""
    params = args.to_dict(flat=False)
    unknown = sorted(set(params) - set(known))
    if unknown:
        names = ", ".join(known)
        raise BadParameter("unknown-parameter", f"unknown parameter {unknown[0]!r}; use {names}")
    return params


def choice(params: dict[str, list[str]], name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first is the default)."""
    value = first(params, name) or choices[0]
    if value not in choices:
        raise BadParameter(
            "invalid-parameter", f"{name}: one of {', '.join(choices)}, not {value!r}"
        )
    return value


def flag(params: dict[str, list[str]], name: str) -> bool:
    """A yes/no parameter: ``true``/``1``/``yes`` or ``false``/``0``/``no`` (the default)."""
    value = first(params, name) or "false"
    if value not in (*YES, *NO):
        raise BadParameter("invalid-parameter", f"{name}: true or false, not {value!r}")
    return value in YES


def first(params: dict[str, list[str]], name: str) -> str | None:
    found = params.get(name)
    return found[0] if found else None


def values(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    """A filter's values: repeated (``kind=a&kind=b``) or comma-separated."""
    found = (v.strip() for value in params.get(name, ()) for v in value.split(","))
    return tuple(dict.fromkeys(v for v in found if v))


def integer(params: dict[str, list[str]], name: str, default: int) -> int:
    value = first(params, name)
    if value is None or value == "":
        return default
    if not _INTEGER.fullmatch(value):
        raise BadParameter("invalid-parameter", f"{name}: must be a whole number, not {value!r}")
    return int(value)


def years(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    found = read_years(value)
    if found is None:
        message = f"year: give a year (2019) or a range (2016-2021), not {value!r}"
        raise BadParameter("invalid-parameter", message)
    return found
