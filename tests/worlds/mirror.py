"""The invented mirror world: a manifest, a mirror folder and a data folder, ingested.

Built by :func:`invented_world` under a temporary folder (:func:`make_world` wraps it in
a :class:`World` for the ingestion tests), from the files of ``tests/fixtures``; its
manifest is ``pipeline-sources.toml``. Three sources, in this order:

- ``pipeline-treaty`` (``TREATY``): an invented treaty in the mirror's Markdown layout
  (``pipeline-treaty.md``): a preamble and four articles, 5 passages;
- ``pipeline-proposal`` (``PROPOSAL``): the invented IGF proposal
  ``igf-proposal-sample.txt``, 8 passages;
- ``pipeline-declaration`` (``DECLARATION``): no mirror copy, so metadata only.

With ``hostile=True`` (the API, the pages and the browser tests) also ``hostile-treaty``
(``HOSTILE``; ``hostile-treaty.md``, its entry in ``hostile-sources.toml``): title,
headings, texts and citation carrying ``<script>``/``onerror``/``"><svg onload>``
payloads that set ``window.__pwned``, and entities; search "quillwort" (``HOSTILE_WORD``)
to find it. 4 documents, 18 passages.

:func:`referencing_world` adds ``lantern-protocol`` (``PROTOCOL``) to the hostile world:
an invented protocol to the Lantern Convention (``LANTERN_PROTOCOL``) whose articles cite
the Convention's Articles 3 and 4 and each other, so that cross-references, "Cited by"
and inherited definitions have something to show; its Article 3 wraps such references
in escaped markup. The worlds without it have no cross-reference at all.

In network mode (:func:`network_world`, :class:`NetWorld`) there is no mirror: the
treaty and the proposal are fetched from a local HTTP server (``tests/ingest/servers.py``)
and the declaration is left out.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kb.config import Settings
from kb.ingest.fetch import Fetcher
from kb.ingest.pipeline import IngestReport, ingest
from kb.search import SearchRequest, search
from kb.search.library import Library
from tests.pdfgen import SAMPLE_REPORT_TITLE
from tests.worlds import FIXTURES

if TYPE_CHECKING:
    from tests.ingest.servers import LocalServer

MANIFEST = FIXTURES / "pipeline-sources.toml"
HOSTILE_MANIFEST = FIXTURES / "hostile-sources.toml"
TREATY_MD = FIXTURES / "pipeline-treaty.md"
PROPOSAL_TXT = FIXTURES / "igf-proposal-sample.txt"
PROPOSAL_HTML = FIXTURES / "igf-proposal-sample.html"
HOSTILE_MD = FIXTURES / "hostile-treaty.md"

TREATY, PROPOSAL, DECLARATION = "pipeline-treaty", "pipeline-proposal", "pipeline-declaration"
IDS = (TREATY, PROPOSAL, DECLARATION)
HOSTILE = "hostile-treaty"
TREATY_PASSAGES = 5  # preamble, Articles 1-4
PROPOSAL_PASSAGES = 8

# What the manifest and the texts say (tests/fixtures/pipeline-*).
TREATY_TITLE = "Convention on Lantern Signals between Harbours"
TREATY_URL = "https://treaties.example.org/lantern-signals"
ARTICLE_3 = "Article 3 – Requests for signal logs"
ARTICLE_4 = "Article 4 – Conditions and safeguards"
PROPOSAL_CITATION = "IGF 2024 WS #321, Lighthouses in the fog"
PROPOSAL_URL = "https://igf.example.org/ws-321-lighthouses-in-the-fog"

# The world with its hostile treaty, and what the treaty carries (tests/fixtures/hostile-*).
HOSTILE_WORD = "quillwort"
WORLD_DOCUMENTS, WORLD_PASSAGES = 4, 18
HOSTILE_TITLE = (
    "Convention on Quillwort Meadows & Marsh Wardens <script>window.__pwned = 1</script>"
)
HOSTILE_SHORT_TITLE = 'Quillwort <img src=x onerror="window.__pwned=1"> Convention'
HOSTILE_CITATION = 'Quillwort Convention "><svg onload=window.__pwned=1> &amp; <b>Wardens</b>'
HOSTILE_IMG_TEXT = '<img src=x onerror="window.__pwned=1">'


def report_entry(source_id: str, citation: str, fetch_url: str) -> str:
    """A manifest entry for the invented explanatory report of ``tests/pdfgen.py``."""
    return f"""
[[source]]
id = "{source_id}"
title = "{SAMPLE_REPORT_TITLE}"
short_title = "Explanatory Report on Imaginary Matters"
kind = "explanatory-report"
year = 1999
url = "https://reports.example.org/imaginary-matters"
fetch_url = "{fetch_url}"
format = "pdf"
parser = "report"
citation = "{citation}"
"""


def invented_world(root: Path, *, hostile: bool = False) -> Settings:
    """Mirror, manifest and data folder of the invented world under ``root``.

    A treaty and a proposal with mirror copies, a declaration without one (metadata
    only); with ``hostile``, also a treaty whose title and texts carry markup and script.
    """
    mirror = root / "mirror"
    mirror.mkdir(parents=True)
    shutil.copyfile(TREATY_MD, mirror / f"{TREATY}.md")
    shutil.copyfile(PROPOSAL_TXT, mirror / f"{PROPOSAL}.txt")
    manifest_text = MANIFEST.read_text(encoding="utf-8")
    if hostile:
        shutil.copyfile(HOSTILE_MD, mirror / f"{HOSTILE}.md")
        manifest_text += "\n" + HOSTILE_MANIFEST.read_text(encoding="utf-8")
    manifest = root / "sources.toml"
    manifest.write_text(manifest_text, encoding="utf-8")
    return Settings(data_dir=root / "data", manifest=manifest, mirror=mirror)


# --- changes to the treaty's mirror file ----------------------------------------------

# An invented fifth article, appended to the treaty to change its mirror file.
EXTRA_ARTICLE = """
### Article  5

####Entry into force

This Convention shall enter into force on the first calm night after the second keeper
has lit the common lantern.
"""
DUTCH_PART = b"####Verdrag inzake"


def with_extra_article(treaty: bytes) -> bytes:
    """The treaty with a fifth article at the end of its English part."""
    assert treaty.count(DUTCH_PART) == 1
    return treaty.replace(DUTCH_PART, EXTRA_ARTICLE.encode() + b"\n" + DUTCH_PART)


# A longer invented treaty (preamble, Articles 1-12 in three chapters: 13 passages), and
# the stray heading that cut ETS 185 short: a level-4 heading after body text reads as
# the title of the translation, so the English part ends there (preamble, Articles 1-2).
LONG_TREATY_MD = FIXTURES / "pipeline-long-treaty.md"
LONG_TREATY_PASSAGES = 13
STRAY_NOTE = b"####Note\n\nThe keepers' note on the next chapter is kept in the harbour office.\n\n"
CUT_SHORT_PASSAGES = 3


def with_stray_heading(treaty: bytes) -> bytes:
    """The treaty with a stray ``####Note`` heading before its second chapter."""
    chapter = b"### CHAPTER  II\n"
    assert treaty.count(chapter) == 1
    return treaty.replace(chapter, STRAY_NOTE + chapter)


# A treaty file that parses to nothing: no articles at all.
GARBAGE_TREATY = "####Notes of a keeper\n\nThe lantern was cleaned on Tuesday. Nothing else.\n"


# --- the world with cross-references --------------------------------------------------

# The extra document: invented text, in the mirror's Markdown shape.
PROTOCOL = "lantern-protocol"
PROTOCOL_TITLE = "Additional Protocol to the Convention on Lantern Signals between Harbours"
PROTOCOL_CITATION = "Fog Horn Protocol to the Lantern Convention"
LANTERN_PROTOCOL = f"""\
<meta http-equiv='Content-Type' content='text/html; charset=utf-8' />

##Protocol inzake misthoorns

####{PROTOCOL_TITLE}

The Parties to this Protocol, being Parties to the Convention on Lantern Signals between \
Harbours, and wishing to add fog horns to the signals exchanged under Article 3 of the \
Convention, have agreed as follows:

### Article  1

####Fog horn logs

Each Party shall keep a fog horn log beside the signal logs that Article 4 of the Convention \
protects.

### Article  2

####Requests for fog horn logs

A request for a fog horn log shall be made as Article 1 of this Protocol and Article 3 of the \
Convention say.

### Article  3

####Keepers' notes &lt;i&gt;in markup&lt;/i&gt;

A keeper's note may carry &lt;img src=x onerror="window.__pwned=1"&gt; next to Article 2, or \
&lt;a href="javascript:window.__pwned=1"&gt;Article 1&lt;/a&gt;, and \
"&gt;&lt;svg onload=window.__pwned=1&gt; before the Convention; all of it is read as fog \
horn text.
"""
PROTOCOL_SOURCE = f"""
[[source]]
id = "{PROTOCOL}"
title = "{PROTOCOL_TITLE}"
short_title = "Fog Horn Protocol"
kind = "treaty"
year = 2003
url = "https://treaties.example.org/lantern-signals-fog-horns"
fetch_url = "http://127.0.0.1:9/{PROTOCOL}.md"
format = "markdown"
parser = "treaty"
citation = "{PROTOCOL_CITATION}"
"""
REF_WORLD_DOCUMENTS, REF_WORLD_PASSAGES = 5, 22


def referencing_world(root: Path) -> Settings:
    """The invented world, hostile source included, plus the protocol citing it."""
    settings = invented_world(root, hostile=True)
    assert settings.mirror is not None
    (settings.mirror / f"{PROTOCOL}.md").write_text(LANTERN_PROTOCOL, encoding="utf-8")
    with settings.manifest.open("a", encoding="utf-8") as manifest:
        manifest.write(PROTOCOL_SOURCE)
    return settings


# --- the world for the ingestion tests ------------------------------------------------


@dataclass
class World:
    """A manifest, a mirror folder and a data folder under one temporary folder."""

    root: Path
    settings: Settings

    @property
    def mirror(self) -> Path:
        assert self.settings.mirror is not None
        return self.settings.mirror

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def index_root(self) -> Path:
        return self.settings.index_root

    @property
    def manifest(self) -> Path:
        return self.settings.manifest

    def ingest(self, **options: object) -> IngestReport:
        return ingest(self.settings, **options)  # type: ignore[arg-type]

    def write(self, name: str, text: str) -> None:
        (self.mirror / name).write_text(text, encoding="utf-8")

    def add_article(self) -> None:
        """Change the treaty's mirror file: a fifth article (6 passages)."""
        path = self.mirror / f"{TREATY}.md"
        path.write_bytes(with_extra_article(path.read_bytes()))

    def lengthen_treaty(self) -> None:
        """Make the treaty's mirror file the longer treaty (13 passages)."""
        shutil.copyfile(LONG_TREATY_MD, self.mirror / f"{TREATY}.md")

    def cut_treaty_short(self) -> None:
        """Put a stray heading into the treaty's mirror file (the long one: 3 passages left)."""
        path = self.mirror / f"{TREATY}.md"
        path.write_bytes(with_stray_heading(path.read_bytes()))

    def break_treaty(self) -> None:
        """Replace the treaty's mirror file by text that parses to no passages."""
        self.write(f"{TREATY}.md", GARBAGE_TREATY)

    def library(self) -> Library:
        return Library(self.index_root)


def make_world(root: Path) -> World:
    """The mirror world under ``root`` (a fresh temporary folder), as a :class:`World`."""
    return World(root, invented_world(root))


def network_world(root: Path, url: str) -> Settings:
    """The world without a mirror: the treaty and the proposal fetched from ``url``.

    The declaration is left out of the manifest: its fetch would be a 404 on every run.
    """
    manifest_text = MANIFEST.read_text(encoding="utf-8")
    manifest_text = manifest_text.split('[[source]]\nid = "pipeline-declaration"')[0]
    manifest_text = manifest_text.replace("http://127.0.0.1:9", url)
    manifest = root / "sources.toml"
    manifest.write_text(manifest_text, encoding="utf-8")
    return Settings(data_dir=root / "data", manifest=manifest, mirror=None)


@dataclass
class NetWorld(World):
    """The world in network mode: no mirror, the sources served by ``server``."""

    server: LocalServer
    fetcher: Fetcher

    def ingest(self, **options: object) -> IngestReport:
        return ingest(self.settings, fetcher=self.fetcher, **options)  # type: ignore[arg-type]


# --- what a world holds ---------------------------------------------------------------


def served_passages(index_root: Path) -> dict[str, list[str]]:
    """Every passage id the published index serves, by source, found through kb.search."""
    snapshot = Library(index_root).snapshot()
    return {
        source_id: [
            hit.id
            for hit in search(snapshot, SearchRequest(sources=(source_id,), per_page=100)).hits
        ]
        for source_id in snapshot.documents
    }


def raw_files(settings: Settings, source_id: str) -> dict[str, bytes]:
    """The raw cache folder of a source, file by file: its meta.json and body."""
    folder = settings.cache_dir / source_id
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
