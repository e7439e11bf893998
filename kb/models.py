"""The one data shape that flows through kb.

A :class:`Source` from the manifest is fetched into the raw cache, extracted to
:class:`Block` s of text, parsed into :class:`Parsed` passages and people, and
assembled into a :class:`Document`, which is what the index, the search and the
web layer see.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

KIND_LABELS: dict[str, str] = {
    "igf-proposal": "IGF workshop proposal",
    "igf-transcript": "IGF workshop transcript",
    "treaty": "Treaty",
    "declaration": "Declaration",
    "explanatory-report": "Explanatory report",
}
# Instruments have articles that others cite; a commentary explains one instrument.
INSTRUMENT_KINDS = ("treaty", "declaration")
COMMENTARY_KINDS = ("explanatory-report",)
FORMATS = ("markdown", "html", "pdf", "text")

# Document status: what the knowledge base holds of a source.
STATUS_TEXT = "text"
STATUS_METADATA_ONLY = "metadata-only"
# The anchor of the one index record of a document without passages (``<id>.about``).
METADATA_ANCHOR = "about"
METADATA_NOTE = "Only this document's metadata is held: its text is not in the knowledge base."


@dataclass(frozen=True)
class Source:
    """One entry of ``corpus/sources.toml``: facts about a document, never its text."""

    id: str
    title: str
    short_title: str
    kind: str
    year: int
    url: str
    fetch_url: str
    format: str
    parser: str
    citation: str
    date: str | None = None
    aliases: tuple[str, ...] = ()
    text_note: str | None = None  # what the text is, if not as signed: "Text as amended by ..."

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(**{**data, "aliases": tuple(data.get("aliases", ()))})


@dataclass(frozen=True)
class Block:
    """A unit of extracted text: a heading (level 1-6) or a paragraph (level 0)."""

    text: str
    heading: int = 0

    @property
    def is_heading(self) -> bool:
        return self.heading > 0


@dataclass(frozen=True)
class Person:
    """Someone named by a source: an organiser, speaker, moderator or rapporteur."""

    name: str
    role: str
    organisation: str | None = None
    stakeholder_group: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Passage:
    """The unit of the index: one article, one proposal section, a few speaker turns.

    ``anchor`` is unique within its document and URL-safe (``art-15``,
    ``preamble``, ``policy-questions``, ``turns-3``); ``label`` is what a citation
    names ("Article 15 – Conditions and safeguards"); ``path`` the headings above
    it (chapter, section, title). ``text_available`` is false where the source
    gives only a heading (ETS 182, Articles 1-6). ``instrument`` is the title of the
    instrument the passage belongs to when a file holds a second one after the
    source's own (the ICCPR's Optional Protocol): it is what the passage's citation
    names; None for the source's own passages.
    """

    anchor: str
    label: str
    text: str
    path: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    text_available: bool = True
    note: str | None = None
    instrument: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = list(self.path)
        data["speakers"] = list(self.speakers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(
            **{
                **data,
                "path": tuple(data.get("path", ())),
                "speakers": tuple(data.get("speakers", ())),
            }
        )


@dataclass
class Parsed:
    """What a parser makes of a source's text.

    ``notes`` are what the parser found worth telling the maintainer (a second
    instrument in the file); the ingest report shows them with the source.
    """

    passages: list[Passage]
    people: list[Person] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    """A source as the knowledge base holds it: its metadata and its passages."""

    source: Source
    status: str
    passages: list[Passage] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    retrieved_at: str | None = None
    sha256: str | None = None

    @property
    def id(self) -> str:
        return self.source.id

    def passage_id(self, passage: Passage) -> str:
        return passage_id(self.source.id, passage.anchor)

    @property
    def about(self) -> Passage | None:
        """What stands in a passage's place for a document without passages (known only
        by its metadata): its index record ``<id>.about``, opened like a passage, with
        the short title as its label, no text and a note saying why; None otherwise."""
        if self.passages:
            return None
        label = self.source.short_title
        return Passage(METADATA_ANCHOR, label, "", text_available=False, note=METADATA_NOTE)

    def citation(self, passage: Passage | None = None) -> str:
        """Ready to paste: "Convention on Cybercrime (ETS No. 185), Article 15 – ..."."""
        if passage is None or not self.passages:  # none, or what stands for none (``about``)
            return self.source.citation
        return f"{passage.instrument or self.source.citation}, {passage.label}"

    def url(self, passage: Passage | None = None) -> str:
        """The canonical page, at the passage's anchor when there is one."""
        if passage is None or not self.passages:  # none, or what stands for none (``about``)
            return self.source.url
        return anchored_url(self.source.url, passage.anchor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "status": self.status,
            "passages": [p.to_dict() for p in self.passages],
            "people": [asdict(p) for p in self.people],
            "details": self.details,
            "retrieved_at": self.retrieved_at,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        return cls(
            source=Source.from_dict(data["source"]),
            status=data["status"],
            passages=[Passage.from_dict(p) for p in data["passages"]],
            people=[Person(**p) for p in data["people"]],
            details=data["details"],
            retrieved_at=data["retrieved_at"],
            sha256=data["sha256"],
        )


def anchored_url(url: str, anchor: str) -> str:
    return f"{url.split('#', 1)[0]}#{anchor}"


def passage_id(source_id: str, anchor: str) -> str:
    """The stable, URL-safe id of a passage: ``coe-ets-185.art-15``."""
    return f"{source_id}.{anchor}"
