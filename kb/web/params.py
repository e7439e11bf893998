"""Reading a request from a query string, and writing one back: the API's and the pages'.

Each resource declares here the names it reads (``*_PARAMETERS``, tuples of names);
any other name is refused, so that a misspelt filter never silently does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from kb.search import SearchRequest
from kb.search.request import DEFAULT_PER_PAGE, read_years, year_notes

YES, NO = ("true", "1", "yes"), ("false", "0", "no")  # a yes/no parameter's values
MAX_BRIEF = 50  # passages in a brief
SEARCH_PARAMETERS = ("q", "kind", "source", "year", "speaker", "theme", "page", "per_page", "sort")
SEARCH_API_PARAMETERS = (*SEARCH_PARAMETERS, "explain")  # explain=true: why each hit matched
COMPARE_PARAMETERS = ("q", "theme", "per_column")
BRIEF_PARAMETERS = ("ids", "format")
BRIEF_FORMATS = ("json", "md")
EXPORT_FORMATS = ("csv", "jsonl")
PAGING = ("page", "per_page")  # an export has every page
EXPORT_PARAMETERS = (*(p for p in SEARCH_PARAMETERS if p not in PAGING), "format")
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
    return read_search(only(args, known))


def read_search(params: dict[str, list[str]]) -> SearchRequest:
    """The search that parameters already checked (by :func:`only`) ask for."""
    year = first(params, "year")
    return SearchRequest(
        q=first(params, "q") or "",
        kinds=values(params, "kind"),
        sources=values(params, "source"),
        years=years(year),
        speakers=values(params, "speaker"),
        theme=first(params, "theme") or None,
        page=integer(params, "page", 1),
        per_page=integer(params, "per_page", DEFAULT_PER_PAGE),
        sort=first(params, "sort") or "relevance",
        notes=year_notes("year", year),
    )


def brief_ids(params: dict[str, list[str]]) -> tuple[str, ...]:
    """The passage ids of a brief (``ids``): at least one, at most MAX_BRIEF."""
    ids = values(params, "ids")
    if not ids:
        raise BadParameter("invalid-parameter", "ids: give passage ids, comma-separated")
    if len(ids) > MAX_BRIEF:
        raise BadParameter("invalid-parameter", f"ids: at most {MAX_BRIEF} passages in a brief")
    return ids


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
    """A yes/no parameter: ``true``/``1``/``yes`` or ``false``/``0``/``no`` (the default),
    in any case (``TRUE``, ``True``): every yes/no parameter is read here."""
    given = first(params, name) or "false"
    value = given.lower()
    if value not in (*YES, *NO):
        raise BadParameter("invalid-parameter", f"{name}: true or false, not {given!r}")
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


# Writing a query string back ------------------------------------------------------------

Change = str | int | Sequence[str] | None


def without(args: MultiDict[str, str], *names: str) -> MultiDict[str, str]:
    """``args`` less the parameters ``names``, in their order."""
    return MultiDict([(k, v) for k, v in args.items(multi=True) if k not in names])


def query_with(args: MultiDict[str, str], **changes: Change) -> str:
    """``args`` as a query string with ``changes`` made: a value or values replace a
    parameter's, None removes it. ``page`` goes unless it is changed: a search
    changed starts again at its first page."""
    pairs = [(k, v) for k, v in args.items(multi=True) if k != "page" and k not in changes]
    for name, value in changes.items():
        if value is None:
            continue
        pairs += [(name, str(v)) for v in ([value] if isinstance(value, str | int) else value)]
    return urlencode(pairs)
