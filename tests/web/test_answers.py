"""kb/web/answers.py: finished answers served again before Flask sees the request."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from kb.config import SearchLimits, Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from kb.web.answers import AnswerCache
from tests.worlds.mirror import PROPOSAL, TREATY, invented_world, with_extra_article

TOOK = re.compile(rb'"took_ms":[0-9.e+-]+')

REUSABLE = [
    "/api/search?q=lantern",
    "/api/search?q=keeper&page=1&per_page=2",
    "/api/search?q=lantren",  # corrected
    "/api/search?q=lantern&explain=true",
    "/api/search?q=",
    f"/api/documents/{TREATY}",
    f"/api/passages/{TREATY}.art-1",
    "/api/compare?q=lantern",
    "/api/themes",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = invented_world(tmp_path_factory.mktemp("answers"))
    ingest(settings)
    return settings


def app_for(settings: Settings, answers_bytes: int = SearchLimits().answers_bytes) -> Flask:
    limits = SearchLimits(answers_bytes=answers_bytes)
    app = create_app(Settings(data_dir=settings.data_dir, limits=limits))
    app.testing = True
    return app


def counted(app: Flask) -> list[str]:
    """The requests that reach the app behind the answers cache, from now on."""
    answers: AnswerCache = app.extensions["kb.answers"]
    inner, calls = answers.app, []

    def counting(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = environ["QUERY_STRING"]
        calls.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
        return inner(environ, start_response)

    answers.app = counting
    return calls


def headers_of(response: TestResponse) -> list[tuple[str, str]]:
    """The headers but Content-Length (checked apart) and the value of Date (the time)."""
    return [
        (k, "(a date)" if k == "Date" else v)
        for k, v in response.headers.items()
        if k != "Content-Length"
    ]


def without_took(body: bytes) -> bytes:
    return TOOK.sub(b'"took_ms":0', body)


@pytest.mark.parametrize("url", REUSABLE)
def test_a_kept_answer_is_the_uncached_one_byte_for_byte_apart_from_took_ms(
    world: Settings, url: str
) -> None:
    uncached = app_for(world, answers_bytes=0).test_client()  # keeps nothing
    cached_app = app_for(world)
    cached = cached_app.test_client()
    calls = counted(cached_app)
    expected = uncached.get(url)
    assert expected.status_code == 200
    first, second, again = cached.get(url), cached.get(url), cached.get(url)
    assert calls == [url, url]  # the second was kept, the third answered from it
    for response in (first, second, again):
        assert response.status_code == 200
        assert without_took(response.data) == without_took(expected.data)
        assert headers_of(response) == headers_of(expected)
        assert response.headers["Content-Length"] == str(len(response.data))
    assert len(uncached.application.extensions["kb.answers"]) == 0


def test_a_kept_search_answer_reports_the_time_of_its_own_request(world: Settings) -> None:
    client = app_for(world).test_client()
    client.get("/api/search?q=lantern")
    client.get("/api/search?q=lantern")
    again = client.get("/api/search?q=lantern").get_json()
    assert 0 <= again["took_ms"] < 50
    assert again["results"]  # the rest of the answer around it


def test_if_none_match_gets_a_304_from_the_cache(world: Settings) -> None:
    uncached = app_for(world, answers_bytes=0).test_client()
    app = app_for(world)
    client = app.test_client()
    for url in ("/api/search?q=lantern", f"/api/documents/{TREATY}"):
        client.get(url)
        etag = client.get(url).headers["ETag"]  # asked again: kept
        calls = counted(app)
        expected = uncached.get(url, headers={"If-None-Match": etag})
        assert expected.status_code == 304
        for asked in (etag, etag.removeprefix("W/"), f'"other", {etag}', "*"):
            response = client.get(url, headers={"If-None-Match": asked})
            assert response.status_code == 304
            assert response.data == b""
            assert headers_of(response) == headers_of(expected)
        assert len(calls) == 1  # the first 304 was the app's; the others were kept
        other = client.get(url, headers={"If-None-Match": 'W/"other"'})
        assert other.status_code == 200 and other.headers["ETag"] == etag
        assert len(calls) == 1


def test_a_new_generation_is_never_answered_from_the_old_ones_answers(tmp_path: Path) -> None:
    settings = invented_world(tmp_path)
    first = ingest(settings)
    client = app_for(settings).test_client()
    url = "/api/search?q=calm+night"
    before = client.get(url)
    document = client.get(f"/api/documents/{TREATY}")
    assert client.get(url).get_json() | {"took_ms": 0} == before.get_json() | {"took_ms": 0}

    treaty = settings.mirror / f"{TREATY}.md"  # type: ignore[operator]
    treaty.write_bytes(with_extra_article(treaty.read_bytes()))
    second = ingest(settings)
    assert second.generation != first.generation

    after = client.get(url)
    assert after.get_json()["total"] > before.get_json()["total"]
    assert after.headers["ETag"] != before.headers["ETag"]
    newer = client.get(
        f"/api/documents/{TREATY}", headers={"If-None-Match": document.headers["ETag"]}
    )
    assert newer.status_code == 200  # the ETag of the old generation names nothing now
    assert len(newer.get_json()["passages"]) == len(document.get_json()["passages"]) + 1


def test_the_cache_is_bounded_by_bytes(world: Settings) -> None:
    budget = 40_000
    app = app_for(world, answers_bytes=budget)
    client = app.test_client()
    answers: AnswerCache = app.extensions["kb.answers"]
    sizes = []
    for i in range(60):
        for _ in range(2):  # asked twice: kept
            response = client.get(f"/api/search?q=lantern+keeper{i}&per_page={i % 20 + 1}")
        if response.status_code == 200:
            sizes.append(len(response.data))
        assert answers.held_bytes <= budget
    assert sum(sizes) > 2 * budget  # more was answered than could be kept
    assert 0 < len(answers) < 60


def test_an_answer_asked_once_is_not_kept(world: Settings) -> None:
    """Distinct queries come once: keeping them would push out the ones asked again."""
    app = app_for(world)
    client = app.test_client()
    calls = counted(app)
    once = [f"/api/search?q=lantern+keeper{i}" for i in range(20)]
    for url in once:
        client.get(url)
    assert len(app.extensions["kb.answers"]) == 0
    for url in [*once, *once]:
        client.get(url)
    assert calls == [*once, *once]  # the second time kept each, the third was answered
    assert len(app.extensions["kb.answers"]) == len(once)


def test_what_is_not_a_function_of_the_index_and_request_is_not_kept(world: Settings) -> None:
    app = app_for(world)
    client = app.test_client()
    calls = counted(app)
    urls = [
        "/api/sources",  # statuses change with every ingest
        "/api/health",
        "/api/search?q=lantern&page=0",  # an error
        f"/api/documents/{PROPOSAL}x",  # a 404
        f"/api/brief?ids={TREATY}.art-1",  # dated today
        "/api/export?q=lantern&format=csv",
        "/",
    ]
    for url in urls:
        client.get(url)
        client.get(url)
    assert len(calls) == 2 * len(urls)
    assert len(app.extensions["kb.answers"]) == 0
    client.head("/api/search?q=lantern")  # not kept, and not answered from a kept GET
    client.get("/api/search?q=lantern")
    client.get("/api/search?q=lantern", headers={"Range": "bytes=0-10"})
    assert len(calls) == 2 * len(urls) + 3


def test_before_any_publish_requests_go_to_the_app(tmp_path: Path) -> None:
    client = app_for(invented_world(tmp_path)).test_client()
    for _ in range(2):
        response = client.get("/api/search?q=lantern")
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "no-index"


def test_threads_share_the_answers_safely(world: Settings) -> None:
    expected = {
        url: without_took(app_for(world, 0).test_client().get(url).data) for url in REUSABLE
    }
    app = app_for(world, answers_bytes=30_000)  # small: answers are dropped while read
    failures: list[str] = []

    def work(offset: int) -> None:
        client = app.test_client()
        for i in range(120):
            url = REUSABLE[(offset + i) % len(REUSABLE)]
            response = client.get(url)
            if response.status_code != 200 or without_took(response.data) != expected[url]:
                failures.append(url)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert app.extensions["kb.answers"].held_bytes <= 30_000


def test_a_request_reads_the_generation_its_answer_was_looked_up_in(world: Settings) -> None:
    """The cache's lookup takes the snapshot the route then reads: a publish between
    the two cannot give an answer of one generation under the other's version."""
    app = app_for(world)
    library = app.extensions["kb.library"]
    taken, looking = [], library.snapshot

    def snapshot() -> Any:
        found = looking()
        if threading.get_ident() == here:  # not the Library's own watcher
            taken.append(found)
        return found

    here = threading.get_ident()
    library.snapshot = snapshot
    client = app.test_client()
    for url in ("/api/search?q=calm+night", f"/api/documents/{TREATY}"):
        taken.clear()
        assert client.get(url).status_code == 200
        assert len(taken) == 1, url
