"""A segment's columns sidecar: what a search worker reads of each record, kept as arrays.

Opening a generation needs, for every record, its id, source, kind, year, position,
speakers, people, whether it is known only by its metadata, and the length of each
weighted field (BM25F); and, for spelling, every ``spell`` word with its frequency.
Read from Whoosh, that is a stored-fields lookup (a zlib block and a pickle) and six
length lookups per record and a walk over the ``spell`` terms of every segment: about
seven seconds at 100,000 passages. The segment writer (``kb/ingest/index.py``) sees all
of it as it writes the segment, so it writes it beside the segment's files, in
``<segment id>.columns.npz`` (numpy arrays, strings as unicode arrays, no pickle: a data
directory may be synced from elsewhere, and loading it must not run code). Named after
its segment, the file goes wherever the segment goes: into the index folder with it, and
hard-linked with it into a new generation that keeps the segment
(``kb/ingest/publish.py``).

The search (``kb/search/columns.py``, ``kb/search/spelling.py``) reads these files when
every segment of a generation has one, and Whoosh otherwise (a generation written
before). The values are those Whoosh gives back: a missing stored value is left out,
as Whoosh leaves it out of the stored fields, and a length is the one-byte approximation
Whoosh keeps (``tests/search/test_columns.py`` compares the two readings).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.util.numeric import byte_to_length, length_to_byte

# Bump when what the file holds changes: a file of another format is not read.
FORMAT = 1
SUFFIX = ".columns.npz"

# the stored text fields read per record (a missing value reads as "")
_TEXTS = ("id", "source", "kind", "speaker", "people")
_TABLED = ("source", "kind", "speaker", "people")  # few distinct values: a table and codes


def sidecar_path(directory: Path, segment_id: str) -> Path:
    """Where the sidecar of segment ``segment_id`` lives, in the index folder ``directory``."""
    return directory / f"{segment_id}{SUFFIX}"


def stored_length(length: int) -> int:
    """A field's length as Whoosh keeps it (one byte) and gives it back."""
    return int(byte_to_length(length_to_byte(length))) if length else 0


@dataclass(frozen=True)
class Table:
    """A string column of few distinct values: the values, and each record's as a code."""

    names: np.ndarray  # str
    codes: np.ndarray  # int32, an index into ``names``


@dataclass(frozen=True)
class Sidecar:
    """The per-record values of one segment, by docnum within it, and its spelling words."""

    ids: np.ndarray  # str
    tables: dict[str, Table]  # source, kind, speaker (as stored: "A,B"), people ("A ; B")
    years: np.ndarray  # int64
    positions: np.ndarray  # int64
    metadata_only: np.ndarray  # bool
    lengths: dict[str, np.ndarray]  # field -> int64, as ``doc_field_length`` gives it (0 if none)
    spell_words: np.ndarray  # str, sorted
    spell_counts: np.ndarray  # int64: how often the segment uses each

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def read(cls, path: Path, fields: Iterable[str]) -> Sidecar | None:
        """The sidecar at ``path`` with the lengths of ``fields``; None when there is none,
        or it is of another format, incomplete or inconsistent (then Whoosh is read)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile):
            return None  # (TypeError: a lone array, not a set of them)
        try:
            return cls._checked(arrays, list(fields))
        except (KeyError, ValueError, TypeError):
            return None

    @classmethod
    def _checked(cls, arrays: dict[str, np.ndarray], fields: list[str]) -> Sidecar | None:
        if int(arrays["format"]) != FORMAT:
            return None
        ids = _strings(arrays["ids"])
        n = len(ids)
        tables = {}
        for name in _TABLED:
            names, codes = _strings(arrays[f"{name}_names"]), _integers(arrays[f"{name}_codes"])
            if len(codes) != n or (n and (codes.min() < 0 or codes.max() >= len(names))):
                raise ValueError(name)
            tables[name] = Table(names, codes.astype(np.int32, copy=False))
        per_record = {
            "years": _integers(arrays["years"]),
            "positions": _integers(arrays["positions"]),
            "metadata_only": arrays["metadata_only"],
            **{f"length_{field}": _integers(arrays[f"length_{field}"]) for field in fields},
        }
        if per_record["metadata_only"].dtype != np.bool_:
            raise TypeError("metadata_only")
        if any(array.ndim != 1 or len(array) != n for array in per_record.values()):
            raise ValueError("per-record arrays of another length")
        words, counts = _strings(arrays["spell_words"]), _integers(arrays["spell_counts"])
        if len(words) != len(counts):
            raise ValueError("spell")
        return cls(
            ids=ids,
            tables=tables,
            years=per_record["years"].astype(np.int64, copy=False),
            positions=per_record["positions"].astype(np.int64, copy=False),
            metadata_only=per_record["metadata_only"],
            lengths={f: per_record[f"length_{f}"].astype(np.int64, copy=False) for f in fields},
            spell_words=words,
            spell_counts=counts.astype(np.int64, copy=False),
        )


def _strings(array: np.ndarray) -> np.ndarray:
    if array.ndim != 1 or array.dtype.kind != "U":
        raise TypeError("not a column of strings")
    return array


def _integers(array: np.ndarray) -> np.ndarray:
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError("not a column of integers")
    return array


class SidecarWriter:
    """Gathers a segment's records as its writer adds them, and writes the sidecar."""

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = list(fields)
        self._texts: dict[str, list[str]] = {name: [] for name in _TEXTS}
        self._years: list[int] = []
        self._positions: list[int] = []
        self._metadata_only: list[bool] = []
        self._lengths: dict[str, list[int]] = {field: [] for field in self.fields}

    def add(self, record: Mapping[str, Any], lengths: Mapping[str, int]) -> None:
        """One record, as stored (None is no value), and its fields' lengths as written."""
        for name, found in self._texts.items():
            value = record.get(name)
            found.append("" if value is None else str(value))
        self._years.append(_number(record.get("year")))
        self._positions.append(_number(record.get("position")))
        self._metadata_only.append(bool(record.get("metadata_only")))
        for field, found_lengths in self._lengths.items():
            found_lengths.append(stored_length(lengths.get(field, 0)))

    def write(self, path: Path, spelling: Mapping[str, int]) -> bool:
        """Write the sidecar at ``path``, with the segment's ``spell`` words and frequencies.

        Not when a value ends in NUL, which a unicode array drops: False, and the segment
        has none (the search reads Whoosh for its generation, and it is not reused).
        """
        texts = (*self._texts.values(), spelling)
        if any(value.endswith("\0") for values in texts for value in values):
            return False
        arrays: dict[str, np.ndarray] = {
            "format": np.array(FORMAT, dtype=np.int64),
            "ids": _string_array(self._texts["id"]),
        }
        for name in _TABLED:
            values = self._texts[name]
            names = list(dict.fromkeys(values))
            code = {value: i for i, value in enumerate(names)}
            arrays[f"{name}_names"] = _string_array(names)
            arrays[f"{name}_codes"] = np.array([code[v] for v in values], dtype=np.int32)
        arrays["years"] = np.array(self._years, dtype=np.int64)
        arrays["positions"] = np.array(self._positions, dtype=np.int64)
        arrays["metadata_only"] = np.array(self._metadata_only, dtype=np.bool_)
        for field, found in self._lengths.items():
            arrays[f"length_{field}"] = np.array(found, dtype=np.int64)
        words = sorted(spelling)
        arrays["spell_words"] = _string_array(words)
        arrays["spell_counts"] = np.array([spelling[w] for w in words], dtype=np.int64)
        with path.open("wb") as file:
            np.savez(file, allow_pickle=False, **arrays)
        return True


def _number(value: object) -> int:
    """A stored number as the search reads it (0 when there is none)."""
    return 0 if value is None else int(value)  # type: ignore[call-overload]


def _string_array(values: list[str]) -> np.ndarray:
    """Strings as a unicode array (never an object array: it would need pickle)."""
    return np.array(values, dtype=np.str_) if values else np.zeros(0, dtype="<U1")
