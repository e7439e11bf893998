"""The published knowledge base as readers see it, reopened when ingestion publishes anew.

A :class:`Library` is opened once per worker and shared by its requests. Each call
to :meth:`Library.snapshot` costs one ``stat`` of the ``CURRENT`` pointer; when
ingestion has switched it to a new generation, the next snapshot opens that one,
so a running server follows new indexes without a restart, and a request that
holds a snapshot keeps reading the generation it started with.
"""

from __future__ import annotations

import os
import threading
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
    ) -> None:
        self.index_root = index_root
        self._pointer = str(index_root / CURRENT)  # stat'ed on every request: kept ready
        self.limits = limits or SearchLimits()
        self.thesaurus = thesaurus or load_thesaurus(Settings.from_env().thesaurus)
        themes = vocabulary or load_themes(Settings.from_env().themes)
        self.vocabulary = themes.with_concepts(self.thesaurus)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot: Snapshot | None = None

    @classmethod
    def of(cls, settings: Settings) -> Library:
        """The library of ``settings``: their index, themes, limits and thesaurus."""
        themes, thesaurus = load_themes(settings.themes), load_thesaurus(settings.thesaurus)
        return cls(settings.index_root, themes, settings.limits, thesaurus)

    def snapshot(self) -> Snapshot:
        """The current generation; raises NoIndex before the first publish.

        Should the pointer ever be unreadable after a snapshot was opened, the open
        one goes on serving rather than the service failing.
        """
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
        ix = whoosh_index.open_dir(str(generation.whoosh_dir))
        corpus = Corpus({d.id: d for d in generation.documents()}, stored.read(generation.path))
        searcher = Searcher(ix, corpus, self.vocabulary, self.limits, self.thesaurus)
        return Snapshot(generation, ix, corpus, searcher)
