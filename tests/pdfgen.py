"""A minimal PDF writer for tests: pages of plain text lines, standard library only.

Each page is one content stream that sets Helvetica 11 pt and shows one line per
``Tj``, moving down with ``T*``; a line that is ``None`` leaves a blank line. The
file has a correct cross-reference table, so any PDF reader opens it without repair.
Text is encoded as Windows-1252 (the font's ``/WinAnsiEncoding``), which covers the
en dash and curly quotes.
"""

from __future__ import annotations

from collections.abc import Sequence

LEADING = 14
TOP = 720
LEFT = 72


def pdf_string(text: str) -> bytes:
    """A PDF literal string, ``(...)``, with its special characters escaped."""
    out = bytearray(b"(")
    for byte in text.encode("cp1252"):
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += f"\\{byte:03o}".encode("ascii")
    return bytes(out + b")")


def page_stream(lines: Sequence[str | None]) -> bytes:
    """The content stream of one page showing ``lines`` from the top down."""
    ops = [b"BT", b"/F1 11 Tf", f"{LEADING} TL".encode(), f"{LEFT} {TOP} Td".encode()]
    for n, line in enumerate(lines):
        if n:
            ops.append(b"T*")
        if line:
            ops.append(pdf_string(line) + b" Tj")
    ops.append(b"ET")
    return b"\n".join(ops)


def make_pdf(pages: Sequence[Sequence[str | None]]) -> bytes:
    """A valid PDF 1.4 file with one page per item of ``pages`` (each a list of lines)."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    # Objects: 1 catalog, 2 page tree, 3 font, then a page and its stream per page.
    page_ids = [4 + 2 * n for n in range(len(pages))]
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{pid} 0 R".encode() for pid in page_ids)
        + f"] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for pid, lines in zip(page_ids, pages, strict=True):
        stream = page_stream(lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            + f"/Resources << /Font << /F1 3 0 R >> >> /Contents {pid + 1} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")

    body = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref_at = len(body)
    body += f"xref\n0 {len(objects) + 1}\n".encode()
    body += b"0000000000 65535 f \n"
    for offset in offsets:
        body += f"{offset:010d} 00000 n \n".encode()
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    body += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(body)


# An invented treaty, laid out as a printed PDF: a title, a "Preamble" line, headings
# on lines of their own, wrapped paragraphs, a word hyphenated across a line break
# and a page number at the foot of each page.
SAMPLE_TREATY_PAGES: list[list[str | None]] = [
    [
        "Convention on Imaginary Matters",
        None,
        "Preamble",
        "The member States of the Imaginary Union, having signed below,",
        "Noting that imaginary matters deserve one shared policy and",
        "that their communication should be prompt;",
        "Agree on what follows:",
        None,
        "Chapter I – Opening provisions",
        "Article 1 – Definitions",
        "In this Convention, “imaginary matter” means any matter (whatever its",
        "kind) that lives only in the minds of the Parties.",
        "Article 2",
        "Lantern keepers",
        "Each Party shall name a lantern keeper to see to the com-",
        "munication of requests to the other Parties.",
        None,
        "1",
    ],
    [
        "Chapter II – Closing provisions",
        "Article 3 – Cross-border daydreams",
        "1. Each Party shall permit cross-border daydreams without delay.",
        "Article 3 of the Charter of Invented Affairs shall not apply to",
        "daydreams that begin after sunset.",
        "Article 4 – Leaving",
        "Any Party may leave this Convention by a notice written on a",
        "paper lantern.",
        None,
        "Page 2",
    ],
]


def sample_treaty_pdf() -> bytes:
    """The invented treaty of :data:`SAMPLE_TREATY_PAGES` as a two-page PDF."""
    return make_pdf(SAMPLE_TREATY_PAGES)


# An invented explanatory report, laid out as a printed PDF: a title page (title and
# place and date), two front-matter paragraphs numbered I and II, then numbered
# paragraphs under plain, chapter, section, title and article headings, the article's in
# both forms ("Article 2" over its name line, "Lantern theft (Article 3)"). Paragraph 3 goes on in
# a line that begins "Article 3 of ...", paragraph 44 quotes a list numbered 1 and 2,
# paragraph 45 wraps over a line beginning with a year and runs on over a page break;
# the numbering skips from 4 to 43, as in an excerpt.
SAMPLE_REPORT_TITLE = "Explanatory Report to the Convention on Imaginary Matters"
SAMPLE_REPORT_PAGES: list[list[str | None]] = [
    [
        SAMPLE_REPORT_TITLE,
        "Lanternport, 14.III.1999",
        None,
        "I. The Convention and this report were adopted by the Council of Invented",
        "States at its twelfth meeting.",
        "II. This report does not give an authoritative reading of the Convention,",
        "although it may help those who apply it.",
        None,
        "Introduction",
        "1. The Parties have long kept lanterns lit along their shared coasts, and",
        "their keepers asked for one set of rules.",
        "2. The drafters met in the harbour office over three winters.",
        "Commentary on the articles of the Convention",
        "Chapter I – Use of terms",
        "Article 1 – Definitions",
        "3. The definitions follow the Charter of Invented Affairs, in so far as",
        "Article 3 of the Charter speaks of lanterns at all.",
        "4. For the purposes of the Convention:",
        "a. “lantern” means any light kept for ships;",
        "b. “keeper” means the person who tends it.",
        None,
        "1",
    ],
    [
        "Chapter II – Measures to be taken at home",
        "Section 1 – Substantive imagination",
        "Title 1 – Wrongs against lanterns",
        "Article 2",
        "Unlawful dimming",
        "43. Unlawful dimming is the basic wrong: putting out a lantern without",
        "right, whoever owns it.",
        "44. The text of Article 2 leaves each Party free to require that the",
        "dimming be done on purpose. It names two cases:",
        "1. the lantern is out for a whole night;",
        "2. the keeper was warned and did nothing.",
        "Lantern theft (Article 3)",
        "45. Taking a lantern away is theft only where its keeper did not agree to",
        "it, as the harbours already held in",
        "1998. The drafters kept that rule for lanterns lit at",
        None,
        "Page 2",
    ],
    [
        "dusk and for those lit at dawn.",
        None,
        "Page 3",
    ],
]


def sample_report_pdf() -> bytes:
    """The invented report of :data:`SAMPLE_REPORT_PAGES` as a three-page PDF."""
    return make_pdf(SAMPLE_REPORT_PAGES)
