"""The ingest run: every source from the manifest through fetch, extract, parse, index, publish.

Each source gets the last good copy of its body (from the mirror, the network or the
raw cache), a parsed document (re-parsed only when the body or the parsing code
changed), and a status for the report. A new index is built and published only when
what it would hold differs from the published one.

A new copy that parses into much less than the last good one (a stray heading that
cuts a treaty short) is held back as ``suspicious`` until ``accept_shrink`` names it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.config import Settings
from kb.ingest import (
    extract,
    index,
)
from kb.ingest.cache import RawCache, RawCopy, remove_temporary_files
from kb.ingest.errors import ConfigError, ParseError
from kb.ingest.fetch import Fetcher, FetchError
from kb.ingest.manifest import load_manifest
from kb.ingest.mirror import MirrorCopyTooLarge, check_mirror, find_in_mirror, read_mirror_file
from kb.ingest.parsed import ParsedCache, ParsedCopy
from kb.ingest.parsers import PARSERS, PARSING_MODULES
from kb.ingest.publish import (
    build_generation,
    clean_generations,
    current_generation,
    ingest_lock,
    publish,
)
from kb.ingest.statuses import now_utc, record_statuses
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Source

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
METADATA_ONLY, NO_MIRROR_COPY, FAILED = "metadata-only", "no mirror copy", "failed"
SUSPICIOUS = "suspicious"  # a new copy that lost most of the last good one, held back

Progress = Callable[[Source], None]

TITLE_SHARE = (
    0.8  # of the title's words a text must carry to be taken for the document (real ones: all)
)
_ANALYZER = index.stemming_analyzer()
# A new parse keeping less than this share of the last good document's passages, or of
# its characters of text, is suspicious (ETS 185 cut short by a stray heading: 2 of 49).
SHRINK_SHARE = 0.5


@dataclass
class SourceResult:
    """What one source came to in this run."""

    source: Source
    status: str
    document: Document
    size: int = 0
    message: str = ""

    @property
    def passages(self) -> int:
        return len(self.document.passages)


@dataclass
class IngestReport:
    results: list[SourceResult]
    generation: str
    rebuilt: bool
    documents: int = 0
    passages: int = 0
    cleaned: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status == FAILED]

    @property
    def suspicious(self) -> list[SourceResult]:
        return [r for r in self.results if r.status == SUSPICIOUS]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.suspicious else 0


def ingest(
    settings: Settings,
    *,
    only: Sequence[str] = (),
    refresh: bool = False,
    fetcher: Fetcher | None = None,
    progress: Progress | None = None,
    sources: list[Source] | None = None,
    accept_shrink: Sequence[str] = (),
) -> IngestReport:
    """Run ingestion; raises ConfigError (or IngestLocked) before touching anything.

    ``sources`` is the manifest when the caller has loaded it already;
    ``accept_shrink`` names sources whose new copy is taken even when it holds much
    less than the last good one.
    """
    sources = load_manifest(settings.manifest) if sources is None else sources
    selected = select_sources(sources, only)
    check_known_ids(sources, accept_shrink, "--accept-shrink: ")
    if settings.mirror is not None:
        check_mirror(settings.mirror)
    with ingest_lock(settings.index_root), contextlib.ExitStack() as stack:
        if fetcher is None and settings.mirror is None:
            fetcher = stack.enter_context(Fetcher())
        run = _Run(settings, refresh, fetcher, frozenset(accept_shrink))
        return run.execute(sources, selected, progress)


def select_sources(sources: list[Source], only: Sequence[str]) -> list[Source]:
    """The sources named by ``--only``, in manifest order (all when none are named)."""
    check_known_ids(sources, only)
    return [s for s in sources if not only or s.id in only]


def check_known_ids(sources: list[Source], ids: Iterable[str], option: str = "") -> None:
    """ConfigError unless every id is a source of the manifest."""
    known = {s.id for s in sources}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ConfigError(
            f"{option}unknown source id {', '.join(map(repr, unknown))}; `kb sources` lists the ids"
        )


def shrinkage(last_good: Document, new: Document) -> list[str]:
    """How a new parse fell short of the last good one, where it lost most of it ([] if not).

    Measured in passages and in characters of passage text: a stray heading that ends
    a treaty early loses both, a cut-short copy at least the second.
    """
    lost = []
    measures = (
        (len(last_good.passages), len(new.passages), "passage", "", "fewer"),
        (text_size(last_good), text_size(new), "character", " of text", "less"),
    )
    for before, after, unit, of_what, smaller in measures:
        if after < SHRINK_SHARE * before:
            drop = f"{(before - after) / before:.0%} {smaller}"
            lost.append(f"{_count(after, unit)}{of_what} instead of {before:,} ({drop})")
    return lost


def text_size(document: Document) -> int:
    """Characters of passage text in a document."""
    return sum(len(p.text) for p in document.passages)


def _count(n: int, unit: str) -> str:
    return f"{n:,} {unit}" + ("" if n == 1 else "s")


def invalid_bytes_note(count: int) -> str:
    if count == 1:
        return "1 byte was not valid UTF-8 and was replaced"
    return f"{_count(count, 'byte')} were not valid UTF-8 and were replaced"


def parsing_fingerprint() -> str:
    """A hash of the parsing code: a change to it re-parses every source."""
    digest = hashlib.sha256()
    for module in PARSING_MODULES:
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(str(index.SCHEMA_VERSION).encode())
    return digest.hexdigest()[:16]


def carries_its_title(source: Source, texts: Iterable[str]) -> bool:
    """Whether most words of the source's title occur in its text (headings included).

    An error page served with status 200 ("Page not found", a site search) can parse
    into passages, above all where an HTML page is what is expected; it does not name
    the document it stands in for, and must not replace the last good copy.
    """
    wanted = _title_words(source.title)
    if not wanted:
        return True
    found: set[str] = set()
    for text in texts:
        found |= _title_words(text)
        if len(wanted & found) >= TITLE_SHARE * len(wanted):
            return True
    return False


def _title_words(text: str) -> set[str]:
    """Stemmed words of three letters or more (numbers and "ETS" vary between title and text)."""
    return {t.text for t in _ANALYZER(text) if len(t.text) >= 3 and t.text.isalpha()}


def manifest_hash(source: Source) -> str:
    """A hash of a source's manifest entry: a change to it changes the index."""
    entry = json.dumps(source.to_dict(), sort_keys=True).encode()
    return hashlib.sha256(entry).hexdigest()[:16]


def metadata_only(source: Source) -> Document:
    return Document(source=source, status=STATUS_METADATA_ONLY)


class _Run:
    def __init__(
        self,
        settings: Settings,
        refresh: bool,
        fetcher: Fetcher | None,
        accept_shrink: frozenset[str] = frozenset(),
    ) -> None:
        self.settings = settings
        self.refresh = refresh
        self.accept_shrink = accept_shrink
        self.cache = RawCache(settings.cache_dir)
        self.fingerprint = parsing_fingerprint()
        self.parsed = ParsedCache(settings.parsed_dir, self.fingerprint)
        self.fetcher = fetcher
        self.previous = current_generation(settings.index_root)
        self.previous_key: dict[str, Any] = self.previous.build["key"] if self.previous else {}

    def execute(
        self, sources: list[Source], selected: list[Source], progress: Progress | None
    ) -> IngestReport:
        root = self.settings.index_root
        cleaned = clean_generations(root)
        self.cache.clean()
        remove_temporary_files(self.settings.parsed_dir)
        results = []
        for source in selected:
            if progress:
                progress(source)
            results.append(self.ingest_source(source))
        chosen = {r.source.id: r.document for r in results}
        documents = [
            chosen.get(s.id) or self.stored_document(s, self.cache.get(s.id)) for s in sources
        ]
        key = self.build_key(documents)
        generation = self.previous
        rebuilt = self.refresh or generation is None or generation.build["key"] != key
        if rebuilt:
            generation = build_generation(root, documents, key, self.previous)
            publish(root, generation)
            cleaned += clean_generations(root)
        assert generation is not None
        report = IngestReport(
            results=results,
            generation=generation.name,
            rebuilt=rebuilt,
            documents=len(documents),
            passages=sum(len(d.passages) for d in documents),
            cleaned=cleaned,
        )
        record_statuses(self.settings, ((r.source.id, r.status, r.message) for r in results))
        return report

    # --- one source -------------------------------------------------------

    def ingest_source(self, source: Source) -> SourceResult:
        cached = self.cache.get(source.id)
        try:
            copy, body = self.obtain(source, cached)
        except (FetchError, MirrorCopyTooLarge) as error:
            return self.keep_last_good(source, cached, str(error))
        except OSError as error:  # an unreadable mirror file
            return self.keep_last_good(source, cached, f"cannot read the mirror copy: {error}")
        if copy is None:
            return self.result(source, metadata_only(source))
        if body is None:  # the cached copy is still current
            return self.current_copy(source, copy)
        return self.new_copy(source, cached, copy, body)

    def current_copy(self, source: Source, copy: RawCopy) -> SourceResult:
        reading = self.stored_reading(source, copy)
        if reading.document.status == STATUS_METADATA_ONLY:
            return self.keep_last_good(source, None, "the cached copy cannot be parsed")
        return self.result(source, reading.document, copy.size, reading.notes)

    def new_copy(
        self, source: Source, cached: RawCopy | None, copy: RawCopy, body: bytes
    ) -> SourceResult:
        """A new body becomes the last good copy if it parses, into not much less than that."""
        try:
            reading = self.parse(source, copy, body)
        except ParseError as error:
            return self.keep_last_good(source, cached, f"{error} (a new copy of {len(body)} bytes)")
        notes = reading.notes
        last_good = self.stored_document(source, cached)
        lost = shrinkage(last_good, reading.document)
        if lost and source.id not in self.accept_shrink:
            return self.hold_back(source, last_good, lost)
        if lost:
            notes = [f"accepted a new copy that gives {' and '.join(lost)}", *notes]
        stored = self.cache.put(copy, body)
        self.parsed.put(stored, reading)
        return self.result(source, reading.document, stored.size, notes)

    def obtain(self, source: Source, cached: RawCopy | None) -> tuple[RawCopy | None, bytes | None]:
        """The copy to use and, when it is new, its body (None: the cached copy is current)."""
        if self.settings.mirror is not None:
            return self.from_mirror(source, cached)
        if cached is not None and not self.refresh:
            return cached, None
        assert self.fetcher is not None, "network mode needs a fetcher"
        fetched = self.fetcher.fetch(
            source.fetch_url,
            source.format,
            etag=cached.etag if cached else None,
            last_modified=cached.last_modified if cached else None,
        )
        if cached is not None and (fetched.not_modified or fetched.sha256 == cached.sha256):
            return self.cache.touch(cached, fetched.retrieved_at), None
        assert fetched.body is not None and fetched.sha256 is not None
        copy = RawCopy(
            source_id=source.id,
            url=fetched.url,
            format=source.format,
            content_type=fetched.content_type,
            retrieved_at=fetched.retrieved_at,
            sha256=fetched.sha256,
            size=len(fetched.body),
            origin="network",
            path=Path(),
            status=fetched.status,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
        )
        return copy, fetched.body

    def from_mirror(
        self, source: Source, cached: RawCopy | None
    ) -> tuple[RawCopy | None, bytes | None]:
        found = find_in_mirror(self.settings.mirror, source.id)  # type: ignore[arg-type]
        if found is None:
            return cached, None
        path, fmt, content_type = found
        body = read_mirror_file(path)
        sha256 = hashlib.sha256(body).hexdigest()
        if cached is not None and cached.sha256 == sha256 and cached.format == fmt:
            return cached, None
        copy = RawCopy(
            source_id=source.id,
            url=path.resolve().as_uri(),
            format=fmt,
            content_type=content_type,
            retrieved_at=now_utc(),
            sha256=sha256,
            size=len(body),
            origin="mirror",
            path=path,
        )
        return copy, body

    def parse(self, source: Source, copy: RawCopy, body: bytes) -> ParsedCopy:
        """The document a body gives; ParseError for anything short of passages."""
        try:
            extraction = extract.extract_body(body, copy.format)
            blocks = extraction.blocks
            parsed = PARSERS[source.parser](blocks, source)
        except ParseError:
            raise
        except Exception as error:  # a bug on odd input must not stop the other sources
            raise ParseError(
                f"{source.id}: reading the {copy.format} body as a {source.parser} failed "
                f"({type(error).__name__}: {error})"
            ) from error
        if not parsed.passages:
            raise ParseError(f"{source.id}: the text gave no passages")
        if not carries_its_title(source, (block.text for block in blocks)):
            raise ParseError(
                f"{source.id}: the text does not carry the source's title "
                f"({source.title!r}): an error or placeholder page?"
            )
        document = Document(
            source=source,
            status=STATUS_TEXT,
            passages=parsed.passages,
            people=parsed.people,
            details=parsed.details,
            retrieved_at=copy.retrieved_at,
            sha256=copy.sha256,
        )
        replaced = extraction.replaced_bytes
        notes = [invalid_bytes_note(replaced)] if replaced else []
        return ParsedCopy(document, [*notes, *parsed.notes])

    def keep_last_good(self, source: Source, cached: RawCopy | None, message: str) -> SourceResult:
        """A failed source: its last good document stays in the index, or its metadata."""
        document = self.stored_document(source, cached)
        kept = "no earlier copy to keep" if cached is None else "kept the last good copy"
        return SourceResult(source, FAILED, document, message=f"{message.rstrip('.')}; {kept}")

    @staticmethod
    def hold_back(source: Source, last_good: Document, lost: list[str]) -> SourceResult:
        """A new copy that lost most of the last good one: the last good one stays."""
        message = (
            f"the new copy gives {' and '.join(lost)}: a stray heading, or a copy cut short? "
            "Kept the last good copy; if the new copy is right, take it with "
            f"`kb ingest --accept-shrink {source.id}`"
        )
        return SourceResult(source, SUSPICIOUS, last_good, message=message)

    def result(
        self, source: Source, document: Document, size: int = 0, notes: Sequence[str] = ()
    ) -> SourceResult:
        """The status of a source that did not fail, against the published index."""
        previous = self.previous_key.get("sources", {}).get(source.id)
        if previous is not None and previous == self.key_entry(document):
            status = UNCHANGED
        elif document.sha256 is None:
            status = NO_MIRROR_COPY if self.settings.mirror else METADATA_ONLY
        else:
            status = NEW if previous is None or previous["sha256"] is None else UPDATED
        return SourceResult(source, status, document, size, message="; ".join(notes))

    # --- parsed documents and the index key --------------------------------

    def stored_reading(self, source: Source, copy: RawCopy | None) -> ParsedCopy:
        """A source's document as its cached copy gives it (parsed again if the code changed)."""
        if copy is None:
            return ParsedCopy(metadata_only(source))
        reading = self.parsed.get(source, copy)
        if reading is None:
            try:
                reading = self.parse(source, copy, copy.read())
            except (ParseError, OSError):
                return ParsedCopy(metadata_only(source))
            self.parsed.put(copy, reading)
        return reading

    def stored_document(self, source: Source, copy: RawCopy | None) -> Document:
        return self.stored_reading(source, copy).document

    @staticmethod
    def key_entry(document: Document) -> dict[str, Any]:
        return {"sha256": document.sha256, "manifest": manifest_hash(document.source)}

    def build_key(self, documents: list[Document]) -> dict[str, Any]:
        """What the index holds, in brief: equal keys mean an equal index."""
        return {
            "schema": index.SCHEMA_VERSION,
            "parsing": self.fingerprint,
            "sources": {d.source.id: self.key_entry(d) for d in documents},
        }
