"""The development set: queries panelists typed in their own words, and the passages a
knowledgeable reader wants in the first three results.

``../shared/relevance/devset.json`` (skipped where it is absent) is read as it is, never
copied here: held-out sets of the same kind decide whether search quality holds, so
nothing in kb may know its answers. Each query is searched through the API, as the
pages and other clients do; the test prints every query's rank (``pytest -s`` shows
them) and requires at least REQUIRED of the queries to find what they want in time.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from tests.conftest import MIRROR

DEVSET = MIRROR.parent / "relevance" / "devset.json"
REQUIRED = 28  # of the 32 queries, the bar for hit@3


@pytest.fixture(scope="module")
def devset() -> list[dict[str, Any]]:
    if not DEVSET.is_file():
        pytest.skip(f"no development set at {DEVSET}")
    queries: list[dict[str, Any]] = json.loads(DEVSET.read_text(encoding="utf-8"))["queries"]
    return queries


def rank(client: FlaskClient, q: str, wanted: str) -> int | None:
    """The rank (from 1) of the first result whose id the pattern finds on the first page,
    as a panelist sees it (its size the default: a page shows two passages a document)."""
    answer = client.get(f"/api/search?{urlencode({'q': q})}").get_json()
    ids = [hit["id"] for hit in answer["results"]]
    return next((at for at, i in enumerate(ids, 1) if re.search(wanted, i)), None)


def test_the_development_set_finds_what_panelists_want_in_the_top_three(
    devset: list[dict[str, Any]], mirror_client: FlaskClient
) -> None:
    found = 0
    for entry in devset:
        at = rank(mirror_client, entry["q"], entry["expect_id"])
        hit = at is not None and at <= entry.get("k", 3)
        found += hit
        print(f"{'hit ' if hit else 'MISS'} rank {at or '-':>2}  {entry['q']}")
    print(f"hit@3: {found} of {len(devset)}")
    assert found >= min(REQUIRED, len(devset))
