"""The one mapping of errors (kb/web/errors.py): a JSON error under /api/, a page elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from kb.config import Settings
from kb.search import InvalidRequest, NoIndex, QueryTimeout
from kb.web import create_app
from kb.web.errors import CANNOT_RUN, NO_INDEX, TOO_COSTLY, Problem, is_api, problem
from kb.web.params import BadParameter
from kb.web.views import Unknown


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            NoIndex("nothing published"),
            Problem(503, "no-index", "nothing published", "Service Unavailable", NO_INDEX),
        ),
        (
            Unknown("passage", "a.b"),
            Problem(
                404,
                "not-found",
                "no passage with id 'a.b'",
                "Not Found",
                "There is no passage with the id “a.b”.",
            ),
        ),
        (
            BadParameter("unknown-parameter", "unknown parameter 'x'"),
            Problem(
                400,
                "unknown-parameter",
                "unknown parameter 'x'",
                CANNOT_RUN,
                "unknown parameter 'x'",
            ),
        ),
        (
            InvalidRequest("page", "page must be 1 or more"),
            Problem(
                400,
                "invalid-parameter",
                "page must be 1 or more",
                CANNOT_RUN,
                "page must be 1 or more",
            ),
        ),
        (
            QueryTimeout("the query ran past 0.5 s"),
            Problem(
                400,
                "query-too-costly",
                "the query ran past 0.5 s; make the query simpler",
                CANNOT_RUN,
                TOO_COSTLY,
            ),
        ),
    ],
)
def test_each_error_a_view_raises_is_told_to_a_program_and_to_a_person(
    error: Exception, expected: Problem
) -> None:
    assert problem(error) == expected


def test_an_http_error_keeps_its_name_and_headers_but_not_its_body_s() -> None:
    found = problem(MethodNotAllowed(["GET", "HEAD"]))
    assert (found.status, found.code, found.title) == (
        405,
        "method-not-allowed",
        "Method Not Allowed",
    )
    assert found.headers == (("Allow", "GET, HEAD"),)
    assert problem(NotFound()).code == "not-found"


def test_a_bug_is_a_500_that_says_it_was_logged() -> None:
    found = problem(ZeroDivisionError("oops"))
    assert (found.status, found.code) == (500, "internal-server-error")
    assert "oops" not in found.message and "logged" in found.message


def test_api_paths() -> None:
    assert is_api("/api") and is_api("/api/search")
    assert not is_api("/apis") and not is_api("/search")


def test_before_any_ingest_the_api_and_the_pages_say_so_each_their_way(tmp_path: Path) -> None:
    client = create_app(Settings(data_dir=tmp_path / "data"), TESTING=True).test_client()
    answer = client.get("/api/passages/a.b")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "no-index"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    page = client.get("/passages/a.b")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "run `kb ingest`, then reload this page" in page.get_data(as_text=True)
