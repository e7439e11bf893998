"""The per-passage values of one index, kept in memory as arrays indexed by docnum.

Read once when a generation is opened (:func:`read_columns`): each record's id,
source, kind, year, document order, whether it is alive and known only by its
metadata, its speakers, and each weighted field's length, for BM25F. Matching,
filters, facets and ranking are then vector operations over these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from whoosh.searching import Searcher as WhooshSearcher

from kb.ingest.index import FIELD_WEIGHTS


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


def read_columns(searcher: WhooshSearcher, source_order: list[str]) -> Columns:
    """Load the per-passage arrays of an index (once per published generation)."""
    reader = searcher.reader()
    n = reader.doc_count_all()
    stored = [reader.stored_fields(d) if not reader.is_deleted(d) else {} for d in range(n)]
    ranks = {source: i for i, source in enumerate(source_order)}
    sources = [s.get("source", "") for s in stored]
    source_names = [s for s in source_order if s in set(sources)]
    source_names += sorted(set(sources) - set(source_names))
    kinds = [s.get("kind", "") for s in stored]
    kind_names = sorted(set(kinds))
    order_keys = [
        (ranks.get(sources[d], len(ranks)), stored[d].get("position", 0)) for d in range(n)
    ]
    order = np.empty(n, dtype=np.int64)
    order[sorted(range(n), key=order_keys.__getitem__)] = np.arange(n)
    years = np.array([s.get("year", 0) for s in stored], dtype=np.int32)
    year_names = sorted({int(y) for y in years})
    lengths = {
        field: np.array([reader.doc_field_length(d, field, 0) for d in range(n)], dtype=np.float64)
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
        average_length={f: searcher.avg_field_length(f) or 1.0 for f in FIELD_WEIGHTS},
    )


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
