"""The per-passage columns of a generation: read from the segments' sidecars as they are
read from Whoosh, record by record, and from Whoosh when the sidecars are missing."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.index import Index

from kb.ingest import index
from kb.ingest.publish import Generation
from kb.ingest.sidecar import SUFFIX, Sidecar
from kb.models import Document
from kb.search import Library
from kb.search.columns import Columns, read_columns, read_sidecars
from kb.search.spelling import corpus_frequencies
from tests.worlds.published import (
    DECLARATION,
    HARBOUR,
    LANTERN,
    PROPOSAL,
    TRANSCRIPT,
    answers,
    make_documents,
    reef_protocol,
    tide_charter,
    write_generation,
)


def corpus() -> list[Document]:
    """The invented world (a transcript's speakers, a proposal's people, a document known
    by its metadata alone) and the instruments that define their terms."""
    return [*make_documents(), tide_charter(), reef_protocol()]


SOURCE_ORDERS = [
    [d.id for d in corpus()],
    [TRANSCRIPT, DECLARATION, LANTERN],  # the others unknown to the order: after, by name
    [],
]


@pytest.fixture(scope="module", params=["segment-a-document", "one-segment"])
def generation(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Generation:
    """A generation of several segments (each document its own), and one of one segment
    (where the declaration, without text, shares the segment of documents with text)."""
    with pytest.MonkeyPatch.context() as patch:
        if request.param == "segment-a-document":
            patch.setattr(index, "SEGMENT_RECORDS", 1)
        return write_generation(tmp_path_factory.mktemp("columns"), corpus())


@pytest.fixture(scope="module")
def opened(generation: Generation) -> Iterator[tuple[Index, object]]:
    ix = whoosh_index.open_dir(str(generation.whoosh_dir))
    searcher = ix.searcher()
    yield ix, searcher
    searcher.close()


def sidecars_of(opened: tuple[Index, object]) -> list[Sidecar]:
    ix, searcher = opened
    found = read_sidecars(ix, searcher.reader())  # type: ignore[attr-defined]
    assert found is not None
    return found


def assert_same(found: Columns, expected: Columns) -> None:
    """Every column equal, arrays in value and type (lengths exactly)."""
    for field in dataclasses.fields(Columns):
        mine, theirs = getattr(found, field.name), getattr(expected, field.name)
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype, field.name
            assert np.array_equal(mine, theirs), field.name
        elif field.name == "lengths":
            assert mine.keys() == theirs.keys()
            for name, lengths in theirs.items():
                assert mine[name].dtype == lengths.dtype, name
                assert np.array_equal(mine[name], lengths), name
        else:
            assert mine == theirs, field.name


def test_each_segment_has_its_sidecar(generation: Generation, opened: tuple[Index, object]) -> None:
    segments = list(generation.whoosh_dir.glob("*.seg"))
    assert len(segments) in (1, len(corpus()))
    assert sorted(generation.whoosh_dir.glob(f"*{SUFFIX}")) == sorted(
        segment.with_suffix(SUFFIX) for segment in segments
    )
    assert len(sidecars_of(opened)) == len(segments)


@pytest.mark.parametrize("order", SOURCE_ORDERS)
def test_columns_from_sidecars_are_those_read_from_whoosh(
    opened: tuple[Index, object], order: list[str]
) -> None:
    _, searcher = opened
    from_whoosh = read_columns(searcher, order)  # type: ignore[arg-type]
    from_sidecars = read_columns(searcher, order, sidecars_of(opened))  # type: ignore[arg-type]
    assert_same(from_sidecars, from_whoosh)
    # what the comparison covers: speakers of turns and people of a proposal, a record
    # without text, a document order that is not the docnums'
    assert ("Ada Quill", "Bram Otter") in from_sidecars.speakers
    proposal = from_sidecars.sources.index(PROPOSAL)
    assert len(from_sidecars.speakers[proposal]) > 1
    assert from_sidecars.metadata_only.sum() == 1
    assert (from_sidecars.lengths["text"] == 0).sum() == 1
    assert not np.isnan(from_whoosh.lengths["text"]).any()
    if order != SOURCE_ORDERS[0]:
        assert not np.array_equal(from_sidecars.order, np.arange(from_sidecars.n))


def test_lengths_are_those_whoosh_keeps(opened: tuple[Index, object]) -> None:
    """A length is Whoosh's one-byte approximation: the long annex's is not its count."""
    _, searcher = opened
    reader = searcher.reader()  # type: ignore[attr-defined]
    columns = read_columns(searcher, [], sidecars_of(opened))  # type: ignore[arg-type]
    annex = columns.ids.index(f"{HARBOUR}.art-9")
    assert columns.lengths["text"][annex] == reader.doc_field_length(annex, "text")
    assert columns.lengths["text"][annex] != len(columns.ids)  # (a length, not a count)


def test_spelling_frequencies_from_sidecars_are_whooshs(opened: tuple[Index, object]) -> None:
    _, searcher = opened
    reader = searcher.reader()  # type: ignore[attr-defined]
    from_whoosh = corpus_frequencies(reader)
    from_sidecars = corpus_frequencies(reader, sidecars_of(opened))
    assert from_sidecars == from_whoosh
    assert list(from_sidecars) == list(from_whoosh)  # in the same order
    assert from_whoosh["lantern"] > 1 and len(from_whoosh) > 100


def test_a_generation_without_sidecars_is_read_from_whoosh_and_answers_the_same(
    generation: Generation, tmp_path: Path
) -> None:
    """As a generation written before the sidecars: every segment lacks one."""
    older = tmp_path / "index"
    shutil.copytree(generation.path.parent, older)
    for sidecar in older.glob(f"*/whoosh/*{SUFFIX}"):
        sidecar.unlink()
    snapshot = Library(older).snapshot()
    assert read_sidecars(snapshot.index, snapshot.searcher.whoosh.reader()) is None
    current = Library(generation.path.parent).snapshot()
    assert_same(snapshot.searcher.columns, current.searcher.columns)
    assert snapshot.searcher.spelling.frequencies == current.searcher.spelling.frequencies
    assert answers(older) == answers(generation.path.parent)


def break_one(root: Path, how: str) -> None:
    sidecar = sorted(root.glob(f"*/whoosh/*{SUFFIX}"))[0]
    if how == "missing":
        sidecar.unlink()
    elif how == "garbage":
        sidecar.write_bytes(b"not a zip file at all")
    elif how == "truncated":
        sidecar.write_bytes(sidecar.read_bytes()[:200])
    elif how == "lone-array":
        with sidecar.open("wb") as file:
            np.save(file, np.arange(3))
    else:
        with np.load(sidecar) as data:
            arrays = {name: data[name] for name in data.files}
        if how == "years-cut-short":  # not one a record
            arrays["years"] = arrays["years"][:-1]
        elif how == "codes-out-of-range":
            arrays["kind_codes"] = arrays["kind_codes"] + len(arrays["kind_names"])
        else:  # pickled objects, as a hostile copy could hold: never loaded
            arrays[how] = np.array([object(), ("a", "b")], dtype=object)
        sidecar.unlink()
        with sidecar.open("wb") as file:
            np.savez(file, **arrays)


@pytest.mark.parametrize(
    "how",
    [
        "missing",
        "garbage",
        "truncated",
        "lone-array",
        "years-cut-short",
        "codes-out-of-range",
        "ids",
    ],
)
def test_one_segment_without_a_good_sidecar_reads_the_generation_from_whoosh(
    generation: Generation, tmp_path: Path, how: str
) -> None:
    root = tmp_path / "index"
    shutil.copytree(generation.path.parent, root)
    break_one(root, how)
    snapshot = Library(root).snapshot()
    assert read_sidecars(snapshot.index, snapshot.searcher.whoosh.reader()) is None
    expected = Library(generation.path.parent).snapshot()
    assert_same(snapshot.searcher.columns, expected.searcher.columns)
    assert answers(root) == answers(generation.path.parent)
