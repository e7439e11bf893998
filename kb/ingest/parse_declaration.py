"""Declaration parser: one passage per headed section, for instruments without articles.

The OECD Declaration on Government Access is set out as numbered sections
("I. Legal basis", "II. Legitimate aims" ...) after an opening part. Headings come
as heading blocks (HTML) or as short numbered lines (PDF); the text before the
first heading is the preamble. Long sections are split at paragraph boundaries.
"""

from __future__ import annotations

import re

from kb.ingest.anchors import AnchorSet, slugify
from kb.ingest.chunk import split_paragraphs
from kb.ingest.errors import ParseError
from kb.models import Block, Parsed, Passage, Source

_NUMBERED_HEADING = re.compile(r"^([IVXLC]+|[A-Z]|\d+)\.\s+\S.{0,100}$")


def parse_declaration(blocks: list[Block], source: Source) -> Parsed:
    """Passages ``preamble`` and one per section, each labelled by its heading."""
    sections: list[tuple[str, list[str]]] = [("Preamble", [])]
    for block in blocks:
        if block.heading == 1:
            continue  # the page's title, not a section
        if _is_heading(block):
            sections.append((block.text.strip(), []))
        else:
            sections[-1][1].append(block.text)
    if not any(text.strip() for _, paragraphs in sections[1:] for text in paragraphs):
        raise ParseError(f"{source.id}: no sections found in the declaration text")
    passages: list[Passage] = []
    anchors = AnchorSet()
    for label, paragraphs in sections:
        for part, chunk in enumerate(split_paragraphs(paragraphs), 1):
            anchor = anchors.unique(slugify(label) + (f"-{part}" if part > 1 else ""))
            shown = label if part == 1 else f"{label} (part {part})"
            passages.append(Passage(anchor=anchor, label=shown, text="\n\n".join(chunk)))
    return Parsed(passages=passages)


def _is_heading(block: Block) -> bool:
    if block.is_heading:
        return block.heading >= 2
    return bool(_NUMBERED_HEADING.match(block.text)) and block.text[-1] not in ".;:,"
