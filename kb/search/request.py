"""What a search asks for, and the limits every search is held to."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A year, or a range of years: 2016..2021, 2016-2021, 2016–2021, 2016 to 2021.
YEARS = r"(\d{4})(?:\s*(?:\.\.|-|–|to)\s*(\d{4}))?"
MAX_PER_PAGE = 100
MAX_DEPTH = 10_000  # page × per_page: how deep into the results one may page
DEFAULT_PER_PAGE = 10
SORTS = ("relevance", "year_desc", "year_asc")
FACETS = ("kind", "source", "year", "speaker")


class InvalidRequest(ValueError):
    """A parameter out of range or unknown; ``param`` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass(frozen=True)
class SearchRequest:
    """One search: the query, the filters (values within a filter are alternatives), paging.

    An empty ``q`` browses: passages in document order, or by the theme when one is given.
    """

    q: str = ""
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    speakers: tuple[str, ...] = ()
    theme: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    sort: str = "relevance"
    snippets: bool = True
    # what reading the parameters changed (a range of years given backwards), for the
    # answer to say first among its notes
    notes: tuple[str, ...] = ()

    def check_paging(self) -> None:
        if self.page < 1:
            raise InvalidRequest("page", "page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidRequest("per_page", f"per_page must be between 1 and {MAX_PER_PAGE}")
        if self.page * self.per_page > MAX_DEPTH:
            raise InvalidRequest(
                "page", f"page × per_page must be at most {MAX_DEPTH}; narrow the search instead"
            )
        if self.sort not in SORTS:
            raise InvalidRequest("sort", f"sort must be one of {', '.join(SORTS)}")

    @property
    def filters(self) -> dict[str, object]:
        """The filters that are set, as the response echoes them."""
        found: dict[str, object] = {}
        if self.kinds:
            found["kind"] = list(self.kinds)
        if self.sources:
            found["source"] = list(self.sources)
        if self.years:
            found["year"] = list(self.years)
        if self.speakers:
            found["speaker"] = list(self.speakers)
        if self.theme:
            found["theme"] = self.theme
        return found


def read_years(text: str) -> tuple[int, int] | None:
    """The first and last year ``text`` names (a year, or a range in either order), or None
    when it names none: for the query language, the API's ``year`` and ``kb search``."""
    match = _YEARS.fullmatch(text.strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2) or match.group(1))
    return min(start, end), max(start, end)


def reversed_years_note(name: str, text: str) -> str | None:
    """What the answer says when ``text`` gives a range of years backwards ("2021-2016"):
    it is read the other way round, not refused. None when nothing was swapped."""
    match = _YEARS.fullmatch(text.strip())
    if match is None or match.group(2) is None or int(match.group(1)) <= int(match.group(2)):
        return None
    return (
        f"{name} {text.strip()!r} gives the later year first: "
        f"read as {match.group(2)}-{match.group(1)}"
    )


def year_notes(name: str, value: str | None) -> tuple[str, ...]:
    """The notes of a parameter ``name`` giving a range of years (none, or one)."""
    note = reversed_years_note(name, value) if value else None
    return (note,) if note else ()


_YEARS = re.compile(YEARS)
