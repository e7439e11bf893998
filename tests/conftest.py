"""Shared fixtures: the offline mirror of the real sources, and the repository's fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from kb.config import DEFAULT_MANIFEST, Settings
from kb.ingest.pipeline import ingest
from kb.web import create_app
from tests.worlds import FIXTURES, MIRROR


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def mirror_dir() -> Path:
    """``../shared/corpus``, the real texts; tests that need it skip where it is absent."""
    if not (MIRROR / "README.md").is_file():
        pytest.skip(f"no offline mirror of the real sources at {MIRROR}")
    return MIRROR


@pytest.fixture(scope="session")
def mirror_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real mirror ingested once per test session (skips where the mirror is absent)."""
    if not (MIRROR / "README.md").is_file():
        pytest.skip(f"no offline mirror of the real sources at {MIRROR}")
    root = tmp_path_factory.mktemp("mirror-index")
    settings = Settings(data_dir=root / "data", manifest=DEFAULT_MANIFEST, mirror=MIRROR)
    assert ingest(settings).exit_code == 0
    return settings


@pytest.fixture(scope="session")
def mirror_client(mirror_settings: Settings) -> FlaskClient:
    """The JSON API over the real mirror's index."""
    return create_app(mirror_settings, TESTING=True).test_client()
