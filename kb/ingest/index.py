"""The Whoosh index: its schema, its analysis, and writing documents into it.

One record per passage. A metadata-only document (no text to be had) becomes one
record too, carrying its title, so it is still found by its name.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.codec import default_codec
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.support.charset import accent_map
from whoosh.util.numeric import byte_to_length, length_to_byte

from kb.ingest.sidecar import SidecarWriter, sidecar_path
from kb.ingest.stemming import stem
from kb.models import (
    METADATA_ANCHOR,
    STATUS_METADATA_ONLY,
    Document,
    Passage,
    anchored_url,
    passage_id,
)

# Bump when the schema or the analysis changes: a new version forces a rebuild.
# 2: Snowball with exceptions (kb/ingest/stemming.py) instead of Porter.
SCHEMA_VERSION = 2

# A segment holds whole documents, about this many records; a change to one document
# rewrites its segment alone (kb/ingest/publish.py). Past PARALLEL_RECORDS, the segments
# are written by one process per core (at most MAX_WORKERS).
SEGMENT_RECORDS = 10_000
PARALLEL_RECORDS = 4_000
MAX_WORKERS = 4


def folding_analyzer() -> Analyzer:
    """Words, lower-cased, with accents and odd letters folded ("offıcials" is "officials")."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def stemming_analyzer(*, whoosh_cache: bool = True) -> Analyzer:
    """Folded words without stop words, stemmed: "safeguards" and "safeguard" meet,
    "accession" and "access" do not (``kb/ingest/stemming.py``).

    ``whoosh_cache=False`` leaves out Whoosh's cache of stems, which is not
    thread-safe: an analyser shared by request threads must do without it
    (``kb/search/terms.py`` keeps a cache of its own).
    """
    stemmer = StemFilter(stem) if whoosh_cache else StemFilter(stem, cachesize=None)
    return folding_analyzer() | StopFilter() | stemmer


# The weighted text fields and their weights (BM25F at search time, kb/search/matching.py):
# the section label weighs most, then the document's title and aliases.
FIELD_WEIGHTS = {
    "section": 3.0,
    "title": 2.0,
    "aliases": 2.0,
    "path": 1.0,
    "text": 1.0,
    "people": 1.0,
}


def build_schema() -> Schema:
    stemmed = stemming_analyzer()
    weight = FIELD_WEIGHTS
    return Schema(
        id=ID(stored=True, unique=True),
        source=ID(stored=True, sortable=True),
        kind=ID(stored=True),
        year=NUMERIC(int, stored=True, sortable=True),
        position=NUMERIC(int, stored=True, sortable=True),
        title=TEXT(analyzer=stemmed, stored=True, field_boost=weight["title"]),
        aliases=TEXT(analyzer=stemmed, field_boost=weight["aliases"]),
        section=TEXT(analyzer=stemmed, stored=True, field_boost=weight["section"]),
        path=TEXT(analyzer=stemmed, stored=True, field_boost=weight["path"]),
        text=TEXT(analyzer=stemmed, stored=True, field_boost=weight["text"]),
        speaker=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        people=TEXT(analyzer=folding_analyzer(), stored=True, field_boost=weight["people"]),
        spell=TEXT(analyzer=folding_analyzer()),
        url=STORED(),
        metadata_only=BOOLEAN(stored=True),
    )


def passage_records(document: Document) -> Iterable[dict[str, object]]:
    """The index records of one document, in document order."""
    if document.status == STATUS_METADATA_ONLY or not document.passages:
        yield _metadata_record(document)
        return
    people = " ; ".join(p.name for p in document.people)
    records = [
        _record(document, passage, position, people)
        for position, passage in enumerate(document.passages)
    ]
    # Spelling reads the words of ``spell`` and how often the corpus uses each, never
    # which passage: the document's first record holds the words of them all (a tenth
    # of the postings that one ``spell`` a passage makes).
    records[0]["spell"] = " ".join(str(r["spell"]) for r in records)
    for record in records[1:]:
        record["spell"] = ""
    yield from records


def _record(document: Document, passage: Passage, position: int, people: str) -> dict[str, object]:
    source = document.source
    path = " › ".join(passage.path)
    return {
        "id": document.passage_id(passage),
        "source": source.id,
        "kind": source.kind,
        "year": source.year,
        "position": position,
        "title": source.title,
        "aliases": " ; ".join((source.short_title, *source.aliases)),
        "section": passage.label,
        "path": path,
        "text": passage.text,
        "speaker": ",".join(passage.speakers),
        "people": people,
        "spell": " ".join((source.title, passage.label, path, passage.text, people)),
        "url": anchored_url(source.url, passage.anchor),
        "metadata_only": False,
    }


def _metadata_record(document: Document) -> dict[str, object]:
    source = document.source
    return {
        "id": passage_id(source.id, METADATA_ANCHOR),
        "source": source.id,
        "kind": source.kind,
        "year": source.year,
        "position": 0,
        "title": source.title,
        "aliases": " ; ".join((source.short_title, *source.aliases)),
        "section": source.short_title,
        "path": "",
        "text": "",
        "speaker": "",
        "people": "",
        "spell": f"{source.title} {source.short_title}",
        "url": source.url,
        "metadata_only": True,
    }


def write_index(documents: Iterable[Document], directory: Path) -> int:
    """Create a new index in ``directory`` holding every passage; returns the record count."""
    parts = write_segments(group_documents(list(documents)), directory)
    write_toc(directory, [part.segment for part in parts])
    return sum(part.records for part in parts)


# --- writing segments ------------------------------------------------------------------
#
# Whoosh's own writer analyses every field through its filter chain (a Token object per
# word), pools every posting, sorts the pool through pickled runs on disk, and reads each
# posting's field length back from a column: about 4 ms a passage. The segment writer
# below writes the same segment through Whoosh's codec (the same files, terms, postings,
# stored fields, columns and lengths; tests/ingest/test_index.py compares the two) with
# the analysis worked out once per distinct word, the document-wide fields (title,
# aliases, people) analysed once per document, and the postings sorted in memory.

INDEX_NAME = "MAIN"  # Whoosh's default index name, as ``index.create_in`` uses it
_WORDS = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")  # RegexTokenizer's default expression
_DOCUMENT_FIELDS = ("title", "aliases", "people")  # the same in every record of a document
_STEMMED = object()
_FOLDED = object()


@dataclass(frozen=True)
class Part:
    """A segment written, with what it holds."""

    segment: Any  # whoosh.codec.base.Segment
    records: int
    sources: tuple[str, ...]


class _Analysis:
    """The index terms of a text as Whoosh's analysers give them, one lookup a word."""

    def __init__(self) -> None:
        self._stems: dict[str, str | None] = {}
        self._folds: dict[str, str] = {}

    def _stem(self, word: str) -> str | None:
        folded = word.lower().translate(accent_map)
        if len(folded) < 2 or folded in STOP_WORDS:
            self._stems[word] = None
            return None
        found = self._stems[word] = stem(folded)
        return found

    def stemmed(self, text: str) -> dict[str, list[int]]:
        """Term -> positions, as ``stemming_analyzer`` gives them (stop words dropped,
        the words after the first kept one renumbered)."""
        stems = self._stems
        terms: dict[str, list[int]] = {}
        pos = -1
        for i, word in enumerate(_WORDS.findall(text)):
            term = stems[word] if word in stems else self._stem(word)
            if term is None:
                continue
            pos = i if pos < 0 else pos + 1
            found = terms.get(term)
            if found is None:
                terms[term] = [pos]
            else:
                found.append(pos)
        return terms

    def folded(self, text: str) -> dict[str, list[int]]:
        """Term -> positions, as ``folding_analyzer`` gives them."""
        folds = self._folds
        terms: dict[str, list[int]] = {}
        for i, word in enumerate(_WORDS.findall(text)):
            term = folds.get(word)
            if term is None:
                term = folds[word] = word.lower().translate(accent_map)
            found = terms.get(term)
            if found is None:
                terms[term] = [i]
            else:
                found.append(i)
        return terms


class _SegmentWriter:
    """One Whoosh segment written straight through the codec."""

    def __init__(self, storage: FileStorage, schema: Schema) -> None:
        self.storage = storage
        self.schema = schema
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, INDEX_NAME)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.analysis = _Analysis()
        self.postings: dict[str, dict[bytes, list[tuple[int, float, bytes, int]]]] = {
            name: {} for name in schema.names()
        }
        self.docnum = 0
        self.fields = sorted(
            (name, schema[name], self._analyser(name, schema[name])) for name in schema.names()
        )
        self._document_items: dict[tuple[str, str], tuple[list[Any], int]] = {}
        self._document: object = None
        self.sidecar = SidecarWriter(FIELD_WEIGHTS)

    @staticmethod
    def _analyser(name: str, field: Any) -> object:
        if not isinstance(field, TEXT):
            return None
        return _FOLDED if name in ("people", "spell") else _STEMMED

    def _items(self, name: str, field: Any, kind: object, value: Any) -> tuple[list[Any], int]:
        """(term bytes, frequency, weight, value bytes) of a field's value, and its length."""
        if kind is None:
            items = list(field.index(value))
            length = sum(freq for _, freq, _, _ in items) if field.scorable else 0
            return items, length
        analysis = self.analysis
        terms = analysis.stemmed(value) if kind is _STEMMED else analysis.folded(value)
        fmt = field.format
        boost = fmt.field_boost
        encode = fmt.encode
        items = [
            (term.encode("utf-8"), len(poses), len(poses) * boost, encode(poses))
            for term, poses in terms.items()
        ]
        return items, sum(len(poses) for poses in terms.values())

    def add(self, record: dict[str, Any]) -> None:
        perdoc = self.perdoc
        postings = self.postings
        docnum = self.docnum
        if record["source"] != self._document:
            self._document = record["source"]
            self._document_items = {}
        perdoc.start_doc(docnum)
        lengths: dict[str, int] = {}
        for name, field, kind in self.fields:
            value = record.get(name)
            if value is None:
                continue
            length = 0
            if field.indexed:
                if name in _DOCUMENT_FIELDS:
                    key = (name, value)
                    found = self._document_items.get(key)
                    if found is None:
                        found = self._document_items[key] = self._items(name, field, kind, value)
                    items, length = found
                else:
                    items, length = self._items(name, field, kind, value)
                if not field.scorable:
                    length = 0
                lengths[name] = length
                # Whoosh's codec hands each posting the length as its lengths column
                # keeps it (one byte, approximate)
                stored_length = byte_to_length(length_to_byte(length)) if length else 0
                terms = postings[name]
                for tbytes, _, weight, vbytes in items:
                    posting = (docnum, weight, vbytes if vbytes is not None else b"", stored_length)
                    found_postings = terms.get(tbytes)
                    if found_postings is None:
                        terms[tbytes] = [posting]
                    else:
                        found_postings.append(posting)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.sidecar.add(record, lengths)
        self.docnum += 1

    def finish(self) -> Any:
        """Write the postings and assemble the segment's one compound file, and its
        columns sidecar (``kb/ingest/sidecar.py``) beside it."""
        self.perdoc.close()
        spelling = {
            term.decode("utf-8"): int(sum(posting[1] for posting in postings))
            for term, postings in self.postings["spell"].items()
        }
        writer = self.codec.field_writer(self.storage, self.segment)
        for name, field, _ in self.fields:
            terms = self.postings[name]
            if not terms:
                continue
            writer.start_field(name, field)
            for tbytes in sorted(terms):
                writer.start_term(tbytes)
                for docnum, weight, vbytes, length in terms[tbytes]:
                    writer.add(docnum, weight, vbytes, length)
                writer.finish_term()
            writer.finish_field()
        writer.close()
        self.postings = {}
        segment = self.segment
        segment.set_doc_count(self.docnum)
        if segment.should_assemble():
            segment.create_compound_file(self.storage)
            segment.compound = True
        self.sidecar.write(sidecar_path(Path(self.storage.folder), segment.segment_id()), spelling)
        return segment


def write_part(documents: Sequence[Document], directory: Path) -> Part:
    """Write the records of ``documents`` as one segment into the index folder ``directory``.

    The segment is written in a folder of its own beside the index (its temporary files
    too) and its compound file moved in, so that several processes may write parts of
    one index at once.
    """
    work = Path(tempfile.mkdtemp(prefix=".part-", dir=directory))
    try:
        writer = _SegmentWriter(FileStorage(str(work)), build_schema())
        for document in documents:
            for record in passage_records(document):
                writer.add(record)
        segment = writer.finish()
        for file in work.iterdir():
            if file.is_file() and file.name.startswith(f"{INDEX_NAME}_"):
                os.replace(file, directory / file.name)
        return Part(segment, writer.docnum, tuple(d.source.id for d in documents))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_segments(groups: Sequence[Sequence[Document]], directory: Path) -> list[Part]:
    """One segment per group of documents, written by up to ``workers()`` processes."""
    directory.mkdir(parents=True, exist_ok=True)
    groups = [g for g in groups if g]
    if len(groups) <= 1 or workers() <= 1:
        return [write_part(group, directory) for group in groups]
    # the largest first, so that the last to finish is a small one
    order = sorted(range(len(groups)), key=lambda i: -passage_count(groups[i]))
    with ThreadPoolExecutor(min(workers(), len(groups))) as pool:
        futures = {i: pool.submit(_write_part_in_child, groups[i], directory) for i in order}
        return [futures[i].result() for i in range(len(groups))]


_CHILD = "from kb.ingest.index import _child_main; _child_main()"


def _write_part_in_child(documents: Sequence[Document], directory: Path) -> Part:
    """``write_part`` in a fresh interpreter: it inherits no open file (the ingest lock
    stays with this process) and imports no caller's main module. It reads the
    documents pickled on stdin and writes the Part pickled on stdout."""
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=pickle.dumps((list(documents), str(directory)), pickle.HIGHEST_PROTOCOL),
        capture_output=True,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"writing a segment failed (exit {done.returncode}): "
            f"{done.stderr.decode(errors='replace')[-2000:]}"
        )
    part = pickle.loads(done.stdout)
    assert isinstance(part, Part)
    return part


def _child_main() -> None:
    documents, directory = pickle.load(sys.stdin.buffer)
    part = write_part(documents, Path(directory))
    sys.stdout.buffer.write(pickle.dumps(part, pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()


def write_toc(directory: Path, segments: Sequence[Any]) -> None:
    """Make ``directory`` an index of ``segments`` (their files already in it)."""
    storage = FileStorage(str(directory))
    TOC(build_schema(), list(segments), 0).write(storage, INDEX_NAME)


def workers() -> int:
    """How many processes write segments: one per core, up to ``MAX_WORKERS``."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def passage_count(documents: Iterable[Document]) -> int:
    """The index records of ``documents``: one per passage, one for a document without."""
    return sum(max(1, len(d.passages)) for d in documents)


def group_documents(
    documents: Sequence[Document], parts: int | None = None
) -> list[list[Document]]:
    """Whole documents, in order, in groups of about ``SEGMENT_RECORDS`` records (and at
    least one group per worker once there are ``PARALLEL_RECORDS``)."""
    total = passage_count(documents)
    wanted = -(-total // SEGMENT_RECORDS)
    if parts is None and total >= PARALLEL_RECORDS:
        wanted = max(wanted, workers())
    wanted = max(1, parts or wanted)
    target = total / wanted
    groups: list[list[Document]] = [[]]
    size = 0
    for document in documents:
        count = passage_count([document])
        if groups[-1] and size + count / 2 > target and len(groups) < wanted:
            groups.append([])
            size = 0
        groups[-1].append(document)
        size += count
    return groups
