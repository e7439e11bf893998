"""Shared fixtures: the offline mirror of the real sources, and the repository's fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MIRROR = ROOT.parent / "shared" / "corpus"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def mirror_dir() -> Path:
    """``../shared/corpus``, the real texts; tests that need it skip where it is absent."""
    if not (MIRROR / "README.md").is_file():
        pytest.skip(f"no offline mirror of the real sources at {MIRROR}")
    return MIRROR
