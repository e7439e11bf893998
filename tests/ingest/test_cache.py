"""The raw cache: the last good copy of each source's body, with its metadata."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb.ingest.cache import RawCache, RawCopy


def copy_of(body: bytes, source_id: str = "demo-a", **changes: object) -> RawCopy:
    data: dict[str, object] = {
        "source_id": source_id,
        "url": "https://example.org/bells.md",
        "format": "markdown",
        "content_type": "text/markdown",
        "retrieved_at": "2026-01-02T03:04:05Z",
        "sha256": hashlib.sha256(body).hexdigest(),
        "size": 0,  # put() records the real size
        "origin": "network",
        "path": Path(),
        "status": 200,
        "etag": '"v1"',
        "last_modified": "Fri, 02 Jan 2026 03:04:05 GMT",
    }
    data.update(changes)
    return RawCopy(**data)  # type: ignore[arg-type]


def test_put_get_round_trip(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    body = b"### Article 1\n\nBells shall ring at noon.\n"
    stored = cache.put(copy_of(body), body)
    assert stored.path == tmp_path / "raw" / "demo-a" / f"{stored.sha256}.md"
    assert stored.size == len(body)

    got = cache.get("demo-a")
    assert got is not None
    assert got == stored
    assert got.read() == body
    assert got.url == "https://example.org/bells.md"
    assert got.status == 200
    assert got.content_type == "text/markdown"
    assert got.retrieved_at == "2026-01-02T03:04:05Z"
    assert got.sha256 == hashlib.sha256(body).hexdigest()
    assert got.etag == '"v1"'
    assert got.origin == "network"


def test_get_of_an_unknown_source_is_none(tmp_path: Path) -> None:
    assert RawCache(tmp_path / "raw").get("nothing-here") is None


def test_a_second_put_replaces_and_removes_the_old_body(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    first = cache.put(copy_of(b"first body"), b"first body")
    second = cache.put(copy_of(b"second body", retrieved_at="2026-02-01T00:00:00Z"), b"second body")
    assert not first.path.exists()
    got = cache.get("demo-a")
    assert got is not None
    assert got.read() == b"second body"
    assert got.retrieved_at == "2026-02-01T00:00:00Z"
    assert sorted(p.name for p in second.path.parent.iterdir()) == sorted(
        ["meta.json", second.path.name]
    )


def test_touch_keeps_the_body_and_records_the_time(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    stored = cache.put(copy_of(b"body"), b"body")
    cache.touch(stored, "2026-03-03T00:00:00Z")
    got = cache.get("demo-a")
    assert got is not None
    assert got.retrieved_at == "2026-03-03T00:00:00Z"
    assert got.path == stored.path
    assert got.read() == b"body"


def test_clean_removes_temporary_files_and_orphan_bodies(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    stored = cache.put(copy_of(b"kept body"), b"kept body")
    folder = stored.path.parent
    (folder / ".tmp-abc123").write_bytes(b"half a bo")
    (folder / f"{'0' * 64}.md").write_bytes(b"an orphan body")
    other = tmp_path / "raw" / "demo-b"  # a folder whose meta.json never got written
    other.mkdir()
    (other / ".tmp-zzz").write_bytes(b"x")
    (other / f"{'1' * 64}.md").write_bytes(b"never named")

    cache.clean()

    assert sorted(p.name for p in folder.iterdir()) == sorted(["meta.json", stored.path.name])
    assert list(other.iterdir()) == []
    got = cache.get("demo-a")
    assert got is not None
    assert got.read() == b"kept body"


def test_clean_of_a_missing_cache_does_nothing(tmp_path: Path) -> None:
    RawCache(tmp_path / "raw").clean()
    assert not (tmp_path / "raw").exists()


def test_corrupt_meta_gives_none(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    stored = cache.put(copy_of(b"body"), b"body")
    meta = stored.path.parent / "meta.json"
    for corrupt in ("{not json", "[]", '{"source_id": "demo-a"}', ""):
        meta.write_text(corrupt, encoding="utf-8")
        assert cache.get("demo-a") is None, corrupt


def test_meta_naming_a_missing_body_gives_none(tmp_path: Path) -> None:
    cache = RawCache(tmp_path / "raw")
    stored = cache.put(copy_of(b"body"), b"body")
    stored.path.unlink()
    assert cache.get("demo-a") is None
