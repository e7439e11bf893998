"""Reading a request from a query string, and writing one back (kb/web/params.py).

Every error a parameter can raise is a BadParameter with a code the API answers
(``unknown-parameter``, ``invalid-parameter``) and a message naming the parameter.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from kb.search import SearchRequest
from kb.search.request import DEFAULT_PER_PAGE
from kb.web.params import (
    BRIEF_PARAMETERS,
    COMPARE_PARAMETERS,
    EXPORT_FORMATS,
    EXPORT_PARAMETERS,
    MAX_BRIEF,
    NO,
    SEARCH_API_PARAMETERS,
    SEARCH_PARAMETERS,
    YES,
    BadParameter,
    brief_ids,
    choice,
    first,
    flag,
    integer,
    only,
    query_with,
    search_request,
    values,
    without,
    years,
)


def args(query: str) -> MultiDict[str, str]:
    """A query string as Flask reads it into ``request.args``."""
    return MultiDict(parse_qsl(query, keep_blank_values=True))


def refused(call: object, *arguments: object) -> BadParameter:
    assert callable(call)
    with pytest.raises(BadParameter) as raised:
        call(*arguments)
    return raised.value


# Reading a search ---------------------------------------------------------------------


def test_an_empty_query_string_is_the_default_search() -> None:
    assert search_request(args("")) == SearchRequest()
    assert SearchRequest().per_page == DEFAULT_PER_PAGE


def test_every_search_parameter_is_read() -> None:
    wanted = search_request(
        args(
            "q=tide+table&kind=treaty&source=a&source=b&year=2016-2021&speaker=Ana"
            "&theme=mla&page=3&per_page=20&sort=year_desc"
        )
    )
    assert wanted == SearchRequest(
        q="tide table",
        kinds=("treaty",),
        sources=("a", "b"),
        years=(2016, 2021),
        speakers=("Ana",),
        theme="mla",
        page=3,
        per_page=20,
        sort="year_desc",
    )


def test_a_filter_s_values_are_repeated_or_comma_separated_once_each() -> None:
    wanted = search_request(args("kind=treaty,+declaration&kind=treaty&kind=,&source="))
    assert wanted.kinds == ("treaty", "declaration")
    assert wanted.sources == ()


def test_the_first_of_a_repeated_single_parameter_counts() -> None:
    wanted = search_request(args("q=tide&q=reef&page=2&page=5"))
    assert (wanted.q, wanted.page) == ("tide", 2)


def test_empty_parameters_are_their_defaults() -> None:
    assert search_request(args("q=&theme=&page=&per_page=&sort=&year=")) == SearchRequest()


@pytest.mark.parametrize(
    ("value", "read"),
    [
        ("2019", (2019, 2019)),
        ("2016-2021", (2016, 2021)),
        ("2021-2016", (2016, 2021)),
        ("2016..2021", (2016, 2021)),
        (" 2016 – 2021 ", (2016, 2021)),
    ],
)
def test_a_year_is_one_year_or_a_range_in_order(value: str, read: tuple[int, int]) -> None:
    assert years(value) == read
    assert search_request(MultiDict({"year": value})).years == read


def test_a_range_of_years_given_backwards_is_read_the_other_way_with_a_note() -> None:
    wanted = search_request(MultiDict({"year": "2021-2016"}))
    assert wanted.years == (2016, 2021)
    assert wanted.notes == ("year '2021-2016' gives the later year first: read as 2016-2021",)
    for value in ("2016-2021", "2019", "2019-2019", " 2016 – 2021 "):
        assert search_request(MultiDict({"year": value})).notes == ()
    assert search_request(MultiDict()).notes == ()


@pytest.mark.parametrize("value", ["99", "20190", "2019-", "last year", "2019-21"])
def test_a_year_that_cannot_be_read_is_invalid(value: str) -> None:
    error = refused(search_request, MultiDict({"year": value}))
    assert error.code == "invalid-parameter"
    assert error.message == f"year: give a year (2019) or a range (2016-2021), not {value!r}"


@pytest.mark.parametrize("value", ["-1", "1.5", "two", "5\n", "1234567890", " 5"])
def test_a_page_that_is_no_whole_number_is_invalid(value: str) -> None:
    for name in ("page", "per_page"):
        error = refused(search_request, MultiDict({name: value}))
        assert error.code == "invalid-parameter"
        assert error.message == f"{name}: must be a whole number, not {value!r}"


def test_a_whole_number_is_read_up_to_nine_digits() -> None:
    assert integer({"n": ["0"]}, "n", 7) == 0
    assert integer({"n": ["123456789"]}, "n", 7) == 123456789
    assert integer({}, "n", 7) == 7
    assert integer({"n": [""]}, "n", 7) == 7


def test_an_unknown_parameter_is_refused_by_name_with_the_known_ones() -> None:
    error = refused(search_request, args("q=tide&zeta=1&kinds=treaty"))
    assert error.code == "unknown-parameter"
    assert error.message == f"unknown parameter 'kinds'; use {', '.join(SEARCH_PARAMETERS)}"


def test_each_caller_says_which_parameters_it_reads() -> None:
    assert search_request(args("q=tide&theme=mla&per_column=2"), COMPARE_PARAMETERS).q == "tide"
    error = refused(search_request, args("q=tide&page=2"), COMPARE_PARAMETERS)
    assert error.message == "unknown parameter 'page'; use q, theme, per_column"
    assert refused(search_request, args("explain=true")).code == "unknown-parameter"
    assert search_request(args("explain=true"), SEARCH_API_PARAMETERS) == SearchRequest()


def test_the_parameters_of_each_resource() -> None:
    assert SEARCH_API_PARAMETERS[:-1] == SEARCH_PARAMETERS
    assert SEARCH_API_PARAMETERS[-1] == "explain"
    assert "page" not in EXPORT_PARAMETERS and "per_page" not in EXPORT_PARAMETERS
    assert EXPORT_PARAMETERS[-1] == "format"
    assert set(EXPORT_PARAMETERS) - {"format"} < set(SEARCH_PARAMETERS)
    assert EXPORT_FORMATS == ("csv", "jsonl")
    assert BRIEF_PARAMETERS == ("ids", "format")


def test_only_gives_every_value_of_the_known_parameters() -> None:
    assert only(args("q=a&kind=b&kind=c"), SEARCH_PARAMETERS) == {"q": ["a"], "kind": ["b", "c"]}
    assert first({"q": ["a", "b"]}, "q") == "a"
    assert first({}, "q") is None
    assert values({"ids": [" a, b", "a", ""]}, "ids") == ("a", "b")


# Flags, choices, briefs ---------------------------------------------------------------


@pytest.mark.parametrize("value", [*YES, "TRUE", "True", "YES", "Yes"])
def test_a_yes_in_any_case(value: str) -> None:
    assert flag({"explain": [value]}, "explain") is True


@pytest.mark.parametrize("value", [*NO, "", "FALSE", "False", "NO", "No"])
def test_a_no_in_any_case(value: str) -> None:
    assert flag({"explain": [value]}, "explain") is False
    assert flag({}, "explain") is False


@pytest.mark.parametrize("value", ["on", "2", "nein", " true", "t"])
def test_a_flag_that_is_neither_is_invalid(value: str) -> None:
    error = refused(flag, {"explain": [value]}, "explain")
    assert error.code == "invalid-parameter"
    assert error.message == f"explain: true or false, not {value!r}"


def test_a_choice_is_one_of_its_values_the_first_by_default() -> None:
    assert choice({}, "format", EXPORT_FORMATS) == "csv"
    assert choice({"format": [""]}, "format", EXPORT_FORMATS) == "csv"
    assert choice({"format": ["jsonl"]}, "format", EXPORT_FORMATS) == "jsonl"
    error = refused(choice, {"format": ["CSV"]}, "format", EXPORT_FORMATS)
    assert error.code == "invalid-parameter"
    assert error.message == "format: one of csv, jsonl, not 'CSV'"


def test_a_brief_names_one_to_max_brief_passages() -> None:
    assert brief_ids({"ids": ["a.b,c.d", "a.b"]}) == ("a.b", "c.d")
    ids = [f"x.art-{n}" for n in range(MAX_BRIEF)]
    assert len(brief_ids({"ids": [",".join(ids)]})) == MAX_BRIEF
    for empty in ({}, {"ids": [""]}, {"ids": [", ,"]}):
        error = refused(brief_ids, empty)
        assert error.code == "invalid-parameter"
        assert error.message == "ids: give passage ids, comma-separated"
    error = refused(brief_ids, {"ids": [",".join([*ids, "x.art-99"])]})
    assert error.message == f"ids: at most {MAX_BRIEF} passages in a brief"


# Writing a query string back ------------------------------------------------------------


def test_without_drops_parameters_and_keeps_the_order() -> None:
    kept = without(args("q=a&page=2&kind=b&per_page=5&kind=c"), "page", "per_page")
    assert list(kept.items(multi=True)) == [("q", "a"), ("kind", "b"), ("kind", "c")]


def test_a_changed_query_starts_again_at_page_one() -> None:
    query = args("q=tide+table&page=3&kind=treaty")
    assert query_with(query) == "q=tide+table&kind=treaty"
    assert query_with(query, kind=None) == "q=tide+table"
    assert query_with(query, kind=["treaty", "declaration"]) == (
        "q=tide+table&kind=treaty&kind=declaration"
    )
    assert query_with(query, theme="mla") == "q=tide+table&kind=treaty&theme=mla"


def test_a_page_asked_for_goes_last() -> None:
    assert query_with(args("page=1&q=a%26b"), page=2) == "q=a%26b&page=2"
    assert query_with(args(""), page=4) == "page=4"
