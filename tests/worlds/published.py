"""Invented documents published straight into an index: the search tests' corpus.

Five sources, in this order (the order is the document order of browsing):

- ``lantern-convention`` (treaty, 2001, "Lantern Convention", alias "Convention 77"):
  a preamble and Articles 1-8;
- ``harbour-treaty`` (treaty, 2016, "Harbour Treaty", aliases "Tidewater Treaty" and
  "HT-16"): Articles 1-9, Article 9 a long annex whose only "driftwood" is near its end;
- ``lights-proposal`` (igf-proposal, 2019): three sections, one holding HTML-like text;
- ``harbour-transcript`` (igf-transcript, 2021): three runs of turns with speakers;
- ``beacon-declaration`` (declaration, 2012): metadata only, no passages.

Every sentence is invented. The themes vocabulary is invented too (``THEMES``), and so is
the thesaurus (``THESAURUS``): everyday words for what the Lantern Convention says. A second
corpus, of instruments that define their terms (the Tide Charter and the Reef Protocol),
is kept apart so that the first one's passages stay as they are.

:func:`write_generation` builds and publishes a generation of any documents; the fixtures
of ``tests/search/conftest.py`` publish these corpora once per test module.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kb.ingest.publish import Generation, build_generation, publish
from kb.models import STATUS_METADATA_ONLY, STATUS_TEXT, Document, Passage, Person
from kb.search import Library, SearchRequest, search
from kb.search.themes import Vocabulary, load_themes
from kb.search.thesaurus import Thesaurus, load_thesaurus
from tests.worlds import make_source

LANTERN, HARBOUR, PROPOSAL, TRANSCRIPT, DECLARATION = (
    "lantern-convention",
    "harbour-treaty",
    "lights-proposal",
    "harbour-transcript",
    "beacon-declaration",
)
SOURCE_IDS = (LANTERN, HARBOUR, PROPOSAL, TRANSCRIPT, DECLARATION)
YEARS = {LANTERN: 2001, HARBOUR: 2016, PROPOSAL: 2019, TRANSCRIPT: 2021, DECLARATION: 2012}
KINDS = {
    LANTERN: "treaty",
    HARBOUR: "treaty",
    PROPOSAL: "igf-proposal",
    TRANSCRIPT: "igf-transcript",
    DECLARATION: "declaration",
}

THEMES = """
version = 1

[[theme]]
id = "mla"
label = "Mutual legal assistance"
description = "Keepers helping each other across harbours."
synonyms = [["mutual legal assistance", "mutual assistance", "MLA"]]
related = ["letters rogatory"]

[[theme]]
id = "cross-border"
label = "Cross-border access"
description = "Lights seen from the other side of a border."
synonyms = [["cross-border", "trans-border", "transborder"]]
related = ["publicly visible"]
"""

THESAURUS = """
version = 1

[[concept]]
id = "calm"
area = "human-rights"
pref = "calm at night"
alt = ["hush", "noise curfew"]
related = ["logbook-preservation"]
instrument_terms = ["quietude", "quiet hours"]
articles = ["lantern-convention.art-2"]
note = "Lantern Convention Art. 2 keeps the towers calm; the Harbour Treaty sets quiet hours"

[[concept]]
id = "logbook-preservation"
area = "powers"
pref = "preservation of logbooks"
alt = ["log freeze", "logbook hold"]
related = ["calm"]
instrument_terms = ["preserve their logbooks"]
articles = ["lantern-convention.art-3"]
note = "Lantern Convention Art. 3 has keepers preserve their logbooks for ninety days"

[[concept]]
id = "night-watch"
area = "powers"
pref = "night watch"
alt = ["staying awake"]
instrument_terms = ["stays awake"]
articles = ["harbour-treaty.art-6", "lantern-convention.art-6"]
note = "Harbour Treaty Art. 6 keeps keepers awake in fog; Lantern Convention Art. 6 sets conditions"
"""

FILLER = "The tide rose and fell by the old pier while gulls argued over nothing. "
LONG_TEXT = FILLER * 700 + "At last a single piece of driftwood reached the shore."
HTML_TEXT = (
    "Pilots warned that a page showing <script>alert(1)</script> could mislead "
    "harbour crews & keepers alike."
)


def _article(number: int, heading: str, text: str, chapter: str = "Chapter I") -> Passage:
    return Passage(
        anchor=f"art-{number}",
        label=f"Article {number} – {heading}",
        text=text,
        path=(chapter,),
    )


def lantern_convention() -> Document:
    source = make_source(
        LANTERN,
        title="Convention on Lantern Keeping",
        short_title="Lantern Convention",
        aliases=("Convention 77",),
        year=YEARS[LANTERN],
    )
    passages = [
        Passage(
            "preamble",
            "Preamble",
            "The keepers of the coastal lights, mindful that ships rely on a steady flame, "
            "have agreed as follows.",
        ),
        _article(
            1,
            "Use of terms",
            "For the purposes of this Convention, a lantern means any lamp kept on a tower "
            "and a keeper means the person who tends it.",
        ),
        _article(
            2,
            "Quietude",
            "Each Party shall adopt such measures as may be necessary to keep the towers "
            "calm during storms.",
        ),
        _article(
            3,
            "Preservation of logbooks",
            "Each Party shall ensure that keepers preserve their logbooks for ninety days. "
            "A logbook records every flame lit and every ship seen.",
        ),
        _article(
            4,
            "Mutual assistance",
            "The Parties shall afford one another mutual assistance to the widest extent "
            "possible when a lantern fails.",
            "Chapter II",
        ),
        _article(
            5,
            "Lights beyond the line",
            "A keeper may, without the consent of another Party, observe a transborder "
            "light that is publicly visible.",
            "Chapter II",
        ),
        _article(
            6,
            "Conditions",
            "The powers in this Convention are subject to conditions. The quietude of "
            "keepers shall be respected at all hours.",
            "Chapter II",
        ),
        _article(
            7,
            "Expedited repair",
            "Each Party shall repair a broken wick without delay.",
            "Chapter III",
        ),
        _article(
            8,
            "Entry into force",
            "This Convention shall enter into force when three keepers have signed it.",
            "Chapter III",
        ),
    ]
    return Document(source, STATUS_TEXT, passages)


def harbour_treaty() -> Document:
    source = make_source(
        HARBOUR,
        title="Treaty on Harbour Signals",
        short_title="Harbour Treaty",
        aliases=("Tidewater Treaty", "HT-16"),
        year=YEARS[HARBOUR],
        citation="Treaty on Harbour Signals",
    )
    passages = [
        _article(1, "Purpose", "This instrument sets out how ports exchange signals at night."),
        _article(
            2,
            "Signal flags",
            "Each port shall keep a full set of flags and pennants. A lantern may replace "
            "a flag after sunset.",
        ),
        _article(3, "Quiet hours", "No bell shall ring between midnight and dawn."),
        _article(4, "Pilots", "Pilots shall answer every signal within the hour."),
        _article(5, "Buoys", "Buoys shall be painted red and green."),
        _article(6, "Fog", "In fog the horn replaces the lantern and the keeper stays awake."),
        _article(
            7,
            "Requests between ports",
            "Ports shall answer requests for copies of logbooks from other ports.",
        ),
        _article(8, "Amendments", "Any port may propose an amendment to the keepers."),
        _article(9, "Annex of soundings", LONG_TEXT, "Annex"),
    ]
    return Document(source, STATUS_TEXT, passages)


def lights_proposal() -> Document:
    source = make_source(
        PROPOSAL,
        kind="igf-proposal",
        title="Workshop proposal: Lights across borders",
        short_title="IGF 2019 WS 12",
        year=YEARS[PROPOSAL],
    )
    passages = [
        Passage(
            "policy-questions",
            "Cross-border questions",
            "How can cross-border requests for logbooks respect the quietude of keepers? "
            "Who keeps the lantern when the tower stands on a border?",
        ),
        Passage("description", "Description", HTML_TEXT),
        Passage(
            "expected-outcomes",
            "Expected outcomes",
            "A shared list of lantern keepers and a calendar of storms.",
        ),
    ]
    people = [Person("Ada Quill", "organiser"), Person("Bram Otter", "speaker")]
    return Document(source, STATUS_TEXT, passages, people)


def harbour_transcript() -> Document:
    source = make_source(
        TRANSCRIPT,
        kind="igf-transcript",
        title="Transcript: Harbours at night",
        short_title="IGF 2021 WS 34",
        year=YEARS[TRANSCRIPT],
    )
    passages = [
        Passage(
            "turns-1",
            "Turns 1-2",
            "ADA QUILL: Welcome. Today we talk about flags and mutual legal assistance "
            "between keepers. BRAM OTTER: Thank you.",
            speakers=("Ada Quill", "Bram Otter"),
        ),
        Passage(
            "turns-2",
            "Turns 3-4",
            "BRAM OTTER: Logbooks must be kept. CORA VANE: Trans-border requests need care.",
            speakers=("Bram Otter", "Cora Vane"),
        ),
        Passage(
            "turns-3",
            "Turns 5",
            "BRAM OTTER: The old convention still burns like a good wick.",
            speakers=("Bram Otter",),
        ),
    ]
    people = [Person("Ada Quill", "moderator"), Person("Bram Otter", "speaker")]
    return Document(source, STATUS_TEXT, passages, people)


def beacon_declaration() -> Document:
    source = make_source(
        DECLARATION,
        kind="declaration",
        title="Declaration on Beacon Lights",
        short_title="Beacon Declaration",
        year=YEARS[DECLARATION],
    )
    return Document(source, STATUS_METADATA_ONLY, [])


def make_documents() -> list[Document]:
    return [
        lantern_convention(),
        harbour_treaty(),
        lights_proposal(),
        harbour_transcript(),
        beacon_declaration(),
    ]


def passage_ids(document: Document) -> list[str]:
    """The ids of a document's records in document order (one "about" record if no text)."""
    if not document.passages:
        return [f"{document.id}.about"]
    return [document.passage_id(p) for p in document.passages]


def write_generation(root: Path, documents: list[Document], key: object = 1) -> Generation:
    """Build and publish a generation of ``documents`` under ``root``."""
    generation = build_generation(root, documents, key={"test": key})
    publish(root, generation)
    return generation


# Queries touching every stage: browsing, words, phrases, operators, articles, spelling,
# filters, a long page, sorting, and a word no passage uses.
PROBES = (
    SearchRequest(q=""),
    SearchRequest(q="lantern"),
    SearchRequest(q="keeper light"),
    SearchRequest(q="driftwood"),
    SearchRequest(q="harbour OR tide"),
    SearchRequest(q='"mutual assistance"'),
    SearchRequest(q="article 3"),
    SearchRequest(q="lantrn"),  # corrected by spelling
    SearchRequest(q="convention", kinds=("treaty",)),
    SearchRequest(q="light", per_page=50),
    SearchRequest(q="", speakers=("ada",)),
    SearchRequest(q="light", sort="year_asc"),
    SearchRequest(q="light", sources=(LANTERN,), years=(1990, 2020)),
    SearchRequest(q="zzyzx"),  # a word no passage uses
)


def answers(root: Path, queries: Iterable[SearchRequest] = PROBES) -> list[tuple[object, ...]]:
    """What the index under ``root`` answers each query: the total, the hits (ids, scores,
    snippets) in order, the facets, the suggestion, the notes and what the first page
    collapsed; for comparing two indexes that must answer alike."""
    snapshot = Library(root).snapshot()
    found: list[tuple[object, ...]] = []
    for request in queries:
        result = search(snapshot, request)
        hits = [(hit.id, round(hit.score, 9), hit.snippet) for hit in result.hits]
        found.append(
            (result.total, hits, result.facets, result.suggestion, result.notes, result.collapsed)
        )
    return found


def write_themes(folder: Path) -> Vocabulary:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "themes.toml"
    path.write_text(THEMES, encoding="utf-8")
    return load_themes(path)


def write_thesaurus(folder: Path) -> Thesaurus:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "thesaurus.toml"
    path.write_text(THESAURUS, encoding="utf-8")
    return load_thesaurus(path)


# --- a second world: instruments that define their terms ------------------------------------
#
# Kept apart from the corpus above so that its passages stay as they are. The "Tide
# Charter" defines "tide table", "harbour master" and, in brackets, "port warden" in its
# Article 1, then uses "tide table" more often in Article 2 (which a plain ranking puts
# first); the "Reef Protocol" defines "tide table" again with another verb and quotes.

CHARTER, REEF = "tide-charter", "reef-protocol"
CHARTER_DEFINITIONS = (
    "For the purposes of this Charter:\n\n"
    'a) "tide table" means a list of the hours of high and low water at a pier;\n\n'
    'b) "harbour master" means the officer who keeps the records of a port '
    '("port warden").'
)


def tide_charter() -> Document:
    source = make_source(
        CHARTER,
        title="Charter on Tide Tables",
        short_title="Tide Charter",
        year=2005,
    )
    passages = [
        _article(1, "Use of terms", CHARTER_DEFINITIONS),
        _article(
            2,
            "Tide tables",
            "Each port shall publish its tide table. A tide table shall be posted at the "
            "pier, and every tide table shall be renewed yearly.",
        ),
        _article(3, "Harbour masters", "The harbour master shall check the tide table at dawn."),
        _article(4, "Tables of tides", "Old tables of tides are kept in the archive."),
    ]
    return Document(source, STATUS_TEXT, passages)


def reef_protocol() -> Document:
    source = make_source(
        REEF,
        title="Protocol on Reef Markers",
        short_title="Reef Protocol",
        year=2010,
    )
    passages = [
        _article(1, "Terms", "In this Protocol the term “tide table” shall include any almanac."),
        _article(2, "Markers", "Markers shall be checked against the tide table."),
    ]
    return Document(source, STATUS_TEXT, passages)
