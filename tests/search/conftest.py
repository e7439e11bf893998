"""Fixtures of the search tests: the invented corpus of ``tests/worlds/published.py``,
published once per test module into a temporary folder, with its invented themes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kb.models import Document
from kb.search import Library, Snapshot
from kb.search.themes import Vocabulary
from tests.worlds.published import (
    make_documents,
    reef_protocol,
    tide_charter,
    write_generation,
    write_themes,
    write_thesaurus,
)


@pytest.fixture(scope="module")
def vocabulary(tmp_path_factory: pytest.TempPathFactory) -> Vocabulary:
    return write_themes(tmp_path_factory.mktemp("themes"))


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {d.id: d for d in make_documents()}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("index")
    write_generation(root, make_documents())
    yield Library(root, vocabulary, thesaurus=write_thesaurus(root.parent / "thesaurus"))


@pytest.fixture(scope="module")
def snapshot(library: Library) -> Snapshot:
    return library.snapshot()


@pytest.fixture(scope="module")
def definitions_snapshot(
    tmp_path_factory: pytest.TempPathFactory, vocabulary: Vocabulary
) -> Snapshot:
    """The Tide Charter and the Reef Protocol, published with the invented themes."""
    root = tmp_path_factory.mktemp("definitions")
    write_generation(root, [tide_charter(), reef_protocol()])
    return Library(root, vocabulary).snapshot()
