"""The per-passage values of one index, kept in memory as arrays indexed by docnum.

Read once when a generation is opened (:func:`read_columns`): each record's id,
source, kind, year, document order, whether it is alive and known only by its
metadata, its speakers, and each weighted field's length, for BM25F. Matching,
filters, facets and ranking are then vector operations over these arrays.

They are read from the columns sidecars the ingest writes beside each segment
(:func:`read_sidecars`, ``kb/ingest/sidecar.py``): a few arrays a segment, put
together with numpy, in milliseconds. A generation whose segments lack them (written
before) is read from Whoosh, record by record (seconds at 100,000 passages); the two
readings give the same columns (``tests/search/test_columns.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.index import Index
from whoosh.reading import IndexReader
from whoosh.searching import Searcher as WhooshSearcher

from kb.ingest.index import FIELD_WEIGHTS
from kb.ingest.sidecar import Sidecar, sidecar_path


@dataclass(frozen=True)
class Pairs:
    """A many-valued column (a record has several speakers) as flat (record, value) pairs."""

    docnums: np.ndarray
    codes: np.ndarray  # the value of each pair, as its number in ``names``
    names: list[str]  # sorted

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """How many records under ``mask`` have each value."""
        return np.bincount(self.codes[mask[self.docnums]], minlength=len(self.names))


@dataclass
class Columns:
    """Per-passage values kept in memory as arrays, indexed by docnum."""

    n: int
    ids: list[str]
    sources: list[str]  # source id per docnum
    source_names: list[str]  # distinct, in document (manifest) order
    source_codes: np.ndarray
    kind_names: list[str]
    kind_codes: np.ndarray
    years: np.ndarray
    year_names: list[int]  # distinct years, ascending
    year_codes: np.ndarray
    order: np.ndarray  # document order: rank of (source order, position)
    alive: np.ndarray
    metadata_only: np.ndarray
    speakers: list[tuple[str, ...]]
    lengths: dict[str, np.ndarray]
    average_length: dict[str, float]

    @cached_property
    def live(self) -> int:
        return int(self.alive.sum())

    @cached_property
    def has_speakers(self) -> bool:
        return any(self.speakers)

    @cached_property
    def speaker_pairs(self) -> Pairs:
        """Each (record, speaker) pair as arrays: the speaker facet is one count over them."""
        names = sorted({name for names in self.speakers for name in names})
        code = {name: i for i, name in enumerate(names)}
        docnums = [d for d, found in enumerate(self.speakers) for _ in found]
        codes = [code[name] for found in self.speakers for name in found]
        return Pairs(np.array(docnums, dtype=np.int64), np.array(codes, dtype=np.int64), names)

    def kind_mask(self, value: str) -> np.ndarray:
        if value not in self.kind_names:
            return np.zeros(self.n, dtype=bool)
        return self.kind_codes == self.kind_names.index(value)

    def source_mask(self, value: str) -> np.ndarray:
        if value not in self.source_names:
            return np.zeros(self.n, dtype=bool)
        return self.source_codes == self.source_names.index(value)

    def speaker_mask(self, value: str) -> np.ndarray:
        wanted = value.lower()
        mask = np.zeros(self.n, dtype=bool)
        for docnum, names in enumerate(self.speakers):
            if names and any(wanted in name.lower() for name in names):
                mask[docnum] = True
        return mask


def read_sidecars(index: Index, reader: IndexReader) -> list[Sidecar] | None:
    """The columns sidecar of each segment of ``reader`` (an open reader of ``index``), in
    docnum order; None unless every segment has a readable one of its size and no
    deleted record (the ingest deletes none: a segment with deletions is no segment
    it wrote)."""
    folder = getattr(getattr(index, "storage", None), "folder", None)
    if folder is None:
        return None
    found = []
    for leaf, _ in reader.leaf_readers():
        segment = leaf.segment() if hasattr(leaf, "segment") else None
        if segment is None or leaf.has_deletions():
            return None
        sidecar = Sidecar.read(sidecar_path(Path(folder), segment.segment_id()), FIELD_WEIGHTS)
        if sidecar is None or sidecar.n != leaf.doc_count_all():
            return None
        found.append(sidecar)
    return found


def read_columns(
    searcher: WhooshSearcher, source_order: list[str], sidecars: Sequence[Sidecar] | None = None
) -> Columns:
    """Load the per-passage arrays of an index (once per published generation): from the
    segments' ``sidecars`` (:func:`read_sidecars`) when given, from Whoosh otherwise."""
    average_length = {f: searcher.avg_field_length(f) or 1.0 for f in FIELD_WEIGHTS}
    if sidecars is not None:
        return _from_sidecars(sidecars, source_order, average_length)
    reader = searcher.reader()
    n = reader.doc_count_all()
    stored = [reader.stored_fields(d) if not reader.is_deleted(d) else {} for d in range(n)]
    ranks = {source: i for i, source in enumerate(source_order)}
    sources = [s.get("source", "") for s in stored]
    source_names = _in_order(set(sources), source_order)
    kinds = [s.get("kind", "") for s in stored]
    kind_names = sorted(set(kinds))
    order_keys = [
        (ranks.get(sources[d], len(ranks)), stored[d].get("position", 0)) for d in range(n)
    ]
    order = np.empty(n, dtype=np.int64)
    order[sorted(range(n), key=order_keys.__getitem__)] = np.arange(n)
    years = np.array([s.get("year", 0) for s in stored], dtype=np.int32)
    year_names = sorted({int(y) for y in years})
    # (Whoosh gives None for a record without the field in a segment where others have
    # it, 0 where none has: both are 0 here, as in the sidecar)
    lengths = {
        field: np.array(
            [reader.doc_field_length(d, field, 0) or 0 for d in range(n)], dtype=np.float64
        )
        for field in FIELD_WEIGHTS
    }
    return Columns(
        n=n,
        ids=[s.get("id", "") for s in stored],
        sources=sources,
        source_names=source_names,
        source_codes=np.array([source_names.index(s) for s in sources], dtype=np.int32),
        kind_names=kind_names,
        kind_codes=np.array([kind_names.index(k) for k in kinds], dtype=np.int32),
        years=years,
        year_names=year_names,
        year_codes=np.searchsorted(np.array(year_names), years).astype(np.int32),
        order=order,
        alive=np.array([bool(s) for s in stored], dtype=bool),
        metadata_only=np.array([bool(s.get("metadata_only")) for s in stored], dtype=bool),
        speakers=_speakers(stored, sources),
        lengths=lengths,
        average_length=average_length,
    )


def _from_sidecars(
    sidecars: Sequence[Sidecar], source_order: list[str], average_length: dict[str, float]
) -> Columns:
    """The columns of the segments' sidecars, concatenated in docnum order: what reading
    Whoosh's stored fields and lengths gives, as arrays from the start."""
    n = sum(sidecar.n for sidecar in sidecars)
    ids = np.concatenate([s.ids for s in sidecars]) if sidecars else np.zeros(0, dtype="<U1")
    tables = {name: _table(sidecars, name) for name in ("source", "kind", "speaker", "people")}
    names, codes = tables["source"]  # distinct sources, each record's
    ranks = {source: i for i, source in enumerate(source_order)}
    source_names = _in_order(set(names), source_order)
    at = {source: i for i, source in enumerate(source_names)}
    source_codes = np.array([at[s] for s in names], dtype=np.int32)[codes]
    sources = np.array(names, dtype=object)[codes].tolist()
    kinds, kind_codes = tables["kind"]
    kind_names = sorted(set(kinds))
    kind_codes = np.array([kind_names.index(k) for k in kinds], dtype=np.int32)[kind_codes]
    positions = _concatenated(sidecars, "positions", np.int64)
    source_ranks = np.array([ranks.get(s, len(ranks)) for s in names], dtype=np.int64)[codes]
    order = np.empty(n, dtype=np.int64)
    # by source order, then position; as equal, by docnum (lexsort is stable)
    order[np.lexsort((positions, source_ranks))] = np.arange(n)
    years = _concatenated(sidecars, "years", np.int32)
    year_names = sorted({int(y) for y in np.unique(years)})
    return Columns(
        n=n,
        ids=ids.tolist(),
        sources=sources,
        source_names=source_names,
        source_codes=source_codes,
        kind_names=kind_names,
        kind_codes=kind_codes,
        years=years,
        year_names=year_names,
        year_codes=np.searchsorted(np.array(year_names), years).astype(np.int32),
        order=order,
        alive=np.ones(n, dtype=bool),
        metadata_only=_concatenated(sidecars, "metadata_only", np.bool_),
        speakers=_sidecar_speakers(tables, n),
        lengths={
            field: np.concatenate([s.lengths[field] for s in sidecars]).astype(np.float64)
            if sidecars
            else np.zeros(0)
            for field in FIELD_WEIGHTS
        },
        average_length=average_length,
    )


def _in_order(sources: set[str], source_order: list[str]) -> list[str]:
    """The sources present, in the manifest's order; any it does not name after, sorted."""
    named = [source for source in source_order if source in sources]
    return named + sorted(sources - set(named))


def _concatenated(sidecars: Sequence[Sidecar], name: str, dtype: type) -> np.ndarray:
    arrays = [getattr(s, name) for s in sidecars]
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)


def _table(sidecars: Sequence[Sidecar], name: str) -> tuple[list[str], np.ndarray]:
    """A string column of the sidecars as its distinct values and each record's code."""
    values: dict[str, int] = {}
    codes = []
    for sidecar in sidecars:
        table = sidecar.tables[name]
        local = [values.setdefault(value, len(values)) for value in table.names.tolist()]
        codes.append(np.array(local, dtype=np.int32)[table.codes])
    return list(values), np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32)


def _sidecar_speakers(
    tables: dict[str, tuple[list[str], np.ndarray]], n: int
) -> list[tuple[str, ...]]:
    """``_speakers`` over the distinct values of the speaker and people columns."""
    speaker_names, speaker_codes = tables["speaker"]
    people_names, people_codes = tables["people"]
    _, source_codes = tables["source"]
    own = _objects([tuple(filter(None, value.split(","))) for value in speaker_names])
    people = _objects([_people({"people": value}) for value in people_names])
    turns = np.array([bool(names) for names in own], dtype=bool)[speaker_codes]
    with_turns = np.zeros(int(source_codes.max()) + 1 if n else 0, dtype=bool)
    with_turns[source_codes[turns]] = True
    found = np.where(with_turns[source_codes], own[speaker_codes], people[people_codes])
    return list(found.tolist())


def _objects(values: list[tuple[str, ...]]) -> np.ndarray:
    """Tuples as a one-dimensional array of objects (never read as rows)."""
    found = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        found[i] = value
    return found


def _speakers(stored: list[dict[str, Any]], sources: list[str]) -> list[tuple[str, ...]]:
    """Who speaks in each record: a transcript's turns name their speakers; a document
    with no turns (a proposal) lists its people (organisers, speakers, moderators,
    rapporteurs) for the whole of it, so each of its passages is theirs."""
    own = [tuple(filter(None, s.get("speaker", "").split(","))) for s in stored]
    with_turns = {source for source, names in zip(sources, own, strict=True) if names}
    return [
        names if source in with_turns else _people(record)
        for record, source, names in zip(stored, sources, own, strict=True)
    ]


def _people(record: dict[str, Any]) -> tuple[str, ...]:
    """The names of a record's ``people`` field ("A ; B ; A"), each once."""
    names = (name.strip() for name in record.get("people", "").split(";"))
    return tuple(dict.fromkeys(name for name in names if name))
