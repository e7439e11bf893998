"""Mirror files (kb/ingest/mirror.py): found by source id, read only up to the size cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.config import MAX_BODY_BYTES
from kb.ingest.fetch import Fetcher
from kb.ingest.mirror import MirrorCopyTooLarge, find_in_mirror, read_mirror_file


def test_a_file_at_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_bytes(b"a" * 1000)
    assert read_mirror_file(path, max_bytes=1000) == b"a" * 1000


def test_a_file_over_the_cap_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "t.md"
    path.write_bytes(b"a" * 1001)
    with pytest.raises(
        MirrorCopyTooLarge, match=r"^the mirror copy is 1,001 bytes, over the 1,000 bytes limit$"
    ):
        read_mirror_file(path, max_bytes=1000)


def test_a_file_whose_size_says_nothing_is_read_no_further_than_the_cap() -> None:
    # /dev/zero has a size of 0 and no end: a plain read would never return.
    with pytest.raises(MirrorCopyTooLarge, match=r"^the mirror copy is over the 1 MB limit$"):
        read_mirror_file(Path("/dev/zero"), max_bytes=1024 * 1024)


def test_the_mirror_and_the_network_share_one_cap() -> None:
    with Fetcher() as fetcher:
        assert fetcher.max_bytes == MAX_BODY_BYTES == 20 * 1024 * 1024


def test_find_in_mirror_names_the_format(tmp_path: Path) -> None:
    (tmp_path / "a-treaty.md").write_text("x")
    (tmp_path / "a-session.txt").write_text("x")
    assert find_in_mirror(tmp_path, "a-treaty") == (
        tmp_path / "a-treaty.md",
        "markdown",
        "text/markdown",
    )
    assert find_in_mirror(tmp_path, "a-session")[1:] == ("text", "text/plain")  # type: ignore[index]
    assert find_in_mirror(tmp_path, "nothing") is None
