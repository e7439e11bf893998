"""The published knowledge base as readers see it, reopened when ingestion publishes anew.

A :class:`Library` is opened once per worker and shared by its requests. Each call
to :meth:`Library.snapshot` costs one ``stat`` of the ``CURRENT`` pointer; when
ingestion has switched it to a new generation, the next snapshot opens that one,
so a running server follows new indexes without a restart, and a request that
holds a snapshot keeps reading the generation it started with.

A served Library also watches the pointer (``watch``, a daemon thread per process,
started by the first snapshot in that process): a new generation is opened within
``watch`` seconds of its publication whether or not requests come, so an idle worker
or replica is on it at once, and the first page after a publish rarely finds the
opening still to do. A request that comes while the opening is under way waits for
it, as it always did: once one request was answered from the new generation, every
later one is. The opening is kept short: the per-passage columns and the spelling words
come from the segments' sidecars (``kb/ingest/sidecar.py``), the documents whose entry
did not change are taken from the open generation rather than read again
(``Generation.documents``), and the garbage collector waits until it is done.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from kb.config import SearchLimits, Settings
from kb.derive import stored
from kb.ingest.publish import CURRENT, Generation, current_generation
from kb.models import Document
from kb.search.corpus import Corpus
from kb.search.searcher import Searcher
from kb.search.themes import Vocabulary, load_themes
from kb.search.thesaurus import Thesaurus, load_thesaurus

WATCH_SECONDS = 0.2  # how often a served Library looks at CURRENT between requests


class NoIndex(LookupError):
    """Nothing has been published yet (run ``kb ingest``)."""


@dataclass(frozen=True)
class Snapshot:
    """One published generation: its Whoosh index, what its corpus knows, its searcher."""

    generation: Generation
    index: Index
    corpus: Corpus
    searcher: Searcher

    @property
    def documents(self) -> dict[str, Document]:
        return self.corpus.documents

    @property
    def version(self) -> str:
        return self.generation.name

    @property
    def built_at(self) -> str:
        return self.generation.build["built_at"]


class Library:
    """Hands out the current :class:`Snapshot` of the index under ``index_root``."""

    def __init__(
        self,
        index_root: Path,
        vocabulary: Vocabulary | None = None,
        limits: SearchLimits | None = None,
        thesaurus: Thesaurus | None = None,
        watch: float | None = None,
    ) -> None:
        """``watch``: the seconds between looks at ``CURRENT`` between requests; None:
        only requests look (a CLI search, the tests)."""
        self.index_root = index_root
        self._pointer = str(index_root / CURRENT)  # stat'ed on every request: kept ready
        self.limits = limits or SearchLimits()
        self.thesaurus = thesaurus or load_thesaurus(Settings.from_env().thesaurus)
        themes = vocabulary or load_themes(Settings.from_env().themes)
        self.vocabulary = themes.with_concepts(self.thesaurus)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot: Snapshot | None = None
        self._watch = watch
        self._watching: int | None = None  # the pid whose watcher runs
        # the open generation's documents by the hash of their entry: a new generation's
        # unchanged documents are taken from here rather than read again
        self._known: dict[str, Document] = {}

    @classmethod
    def of(cls, settings: Settings, watch: float | None = WATCH_SECONDS) -> Library:
        """The library of ``settings``: their index, themes, limits and thesaurus."""
        themes, thesaurus = load_themes(settings.themes), load_thesaurus(settings.thesaurus)
        return cls(settings.index_root, themes, settings.limits, thesaurus, watch)

    def snapshot(self) -> Snapshot:
        """The current generation; raises NoIndex before the first publish.

        Should the pointer ever be unreadable after a snapshot was opened, the open
        one goes on serving rather than the service failing.
        """
        if self._watch is not None and self._watching != os.getpid():
            self._start_watching(self._watch)
        stamp = self._pointer_stamp()
        if stamp is None and self._snapshot is not None:
            return self._snapshot
        if stamp != self._stamp or self._snapshot is None:
            with self._lock:
                if stamp != self._stamp or self._snapshot is None:
                    self._snapshot = self._open()
                    self._stamp = stamp
        return self._snapshot

    def published_documents(self) -> dict[str, Document]:
        """The current generation's documents; none before the first publish."""
        try:
            return self.snapshot().documents
        except NoIndex:
            return {}

    def _start_watching(self, seconds: float) -> None:
        """Watch ``CURRENT`` from a daemon thread of this process (a fork has none)."""
        with self._lock:
            if self._watching == os.getpid():
                return
            self._watching = os.getpid()
        thread = threading.Thread(
            target=_watch, args=(weakref.ref(self), seconds), name="kb-library", daemon=True
        )
        thread.start()

    def _pointer_stamp(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self._pointer)
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def _open(self) -> Snapshot:
        generation = current_generation(self.index_root)
        if generation is None:
            raise NoIndex(f"no index has been published in {self.index_root}; run `kb ingest`")
        with _collector_paused():
            ix = whoosh_index.open_dir(str(generation.whoosh_dir))
            documents = generation.documents(self._known)
            corpus = Corpus({d.id: d for d in documents}, stored.read(generation.path))
            searcher = Searcher(ix, corpus, self.vocabulary, self.limits, self.thesaurus)
        hashes = generation.document_hashes() or []
        known = len(hashes) == len(documents)
        self._known = dict(zip(hashes, documents, strict=True)) if known else {}
        return Snapshot(generation, ix, corpus, searcher)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a generation is opened: it allocates a million
    objects that live as long as the generation (the documents, their passages, the
    tables by passage), and the collector went over all of them, and all the worker
    held, again and again as they came (0.5-0.7 s of a 1.3 s opening at 100,000
    passages). Once resumed, it goes over them once (under 0.1 s)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _watch(library: weakref.ref[Library], seconds: float) -> None:
    """Open each new generation as it is published, until the Library is gone."""
    while True:
        time.sleep(seconds)
        found = library()
        if found is None:
            return
        # Nothing published yet, or a broken generation: a request meets the same
        # error and reports it.
        with contextlib.suppress(Exception):
            found.snapshot()
        del found
