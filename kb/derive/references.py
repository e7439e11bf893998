"""Cross-references: the articles and instruments a passage points to, made into links.

Treaties refer to each other all the time - "subject to Articles 14 and 15",
"Article 3 of the Convention", "ETS No. 30" - and a reader wants to follow such a
reference and, the other way round, to see which passages point at the article in
front of them. References are only links when they resolve: the named document is
in the manifest and, for an article, that document has a passage ``art-N``.

How a reference is read:

- ``Article N`` / ``Art. N`` (with lists "Articles 14 and 15", ranges "Articles 2
  through 11" and paragraph qualifiers "Article 22, paragraph 2,") names an article
  of the passage's own instrument, unless an ``of ...`` follows: "of this
  Convention" is the same instrument, "of the Convention" in a protocol is the
  convention it supplements, "of the Budapest Convention" / "of ETS No. 185" the
  instrument so named, and any other "of the Statute ..." an instrument outside the
  corpus (no link). A qualifier at the end of a chain applies to the articles before
  it ("Article 22, paragraph 2, and Article 41, paragraph 1, of the Convention").
  Workshop texts are not instruments: there an article links only when a name
  follows ("Article 32 of the Budapest Convention", "Article 18 Budapest Convention").
- Any manifest name of a source (title, short title, alias), and in a protocol "the
  Convention", is a reference to that document as a whole; "the Second Additional
  Protocol to this Convention" is the protocol of that rank that supplements it.
  A document naming itself is no link.

Every pattern is anchored and bounded (no nested unbounded repetition), so hostile
text - 20,000-character words, markup - is scanned in linear time.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from kb.derive.names import Names, is_commentary, is_instrument, names_of
from kb.models import Document, Passage, passage_id

_KEYWORD = re.compile(r"(?<!\w)(?:articles?|arts?\.)\s*(?=\d)", re.IGNORECASE)
# An article number with what may hang on it: "9.1.a", "20.d", "32b", "18(1)".
_NUMBER = re.compile(
    r"(\d{1,4})(?!\d)(?:[a-z](?![a-z]))?(?:\.(?:\d{1,4}|[a-z])(?!\w))*(?:\((?:\d{1,3}|[a-z]{1,4})\))*"
)
_LIST = re.compile(r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)(?=\d)", re.IGNORECASE)
_RANGE = re.compile(r"\s*(?:-|–|—|to|through|until)\s*(?=\d)", re.IGNORECASE)
_PARAGRAPH = re.compile(
    r"\s*[,\-–]?\s*(?:sub-?)?(?:(paragraphs)|paragraph|para\.)\s*"
    r"((?:\d{1,3}|[a-z](?!\w))(?:\.(?:\d{1,3}|[a-z])(?!\w))*)",
    re.IGNORECASE,
)
_PARAGRAPH_MORE = re.compile(
    r"(?:\s*,\s*(?:(?:and|or)\s+)?|\s+(?:and|or)\s+)"
    r"(?:\d{1,3}|[a-z](?!\w))(?:\.(?:\d{1,3}|[a-z])(?!\w))*",
    re.IGNORECASE,
)
_NEXT_ARTICLE = re.compile(
    r"\s*,?\s*(?:(?:and|or)\s+)?(?P<keyword>articles?|arts?\.)\s*(?=\d)", re.IGNORECASE
)
_OF = re.compile(r"\.?\s*,?\s*of\s+")  # lower case: "Article 3. Of the Parties" is no "of"
_COMMA = re.compile(r"\s*,?\s*")
_SELF = re.compile(
    r"(?:this|the\s+present)\s+(?:convention|covenant|protocol|declaration|treaty|agreement)"
    r"(?![\w+])",
    re.IGNORECASE,
)
_THE_CONVENTION = re.compile(
    r"(?<!\w)the\s+convention(?![\w+])(?!\s+(?:on|for)\s)(?!\s*\d)", re.IGNORECASE
)
_ORDINALS = {"1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth"}
_PROTOCOL = re.compile(
    r"(?<!\w)(?:the\s+)?(?P<phrase>(?:(?P<ordinal>first|second|third|fourth|1st|2nd|3rd|4th)\s+)?"
    r"additional\s+protocol\s+(?:to|thereto)\s+)",
    re.IGNORECASE,
)
_FOREIGN = re.compile(r"(?:the\s+)?[A-Z]")
_TO = re.compile(r"\s+to\s+", re.IGNORECASE)

# What an "of ..." after an article says about the instrument: the one the passage is
# in ("of this Protocol"), the document it is in (its own name), the convention a
# protocol supplements, or one outside the corpus.
_OWN, _SAME, _PARENT, _ELSEWHERE = "own", "same", "parent", "elsewhere"


@dataclass(frozen=True)
class Reference:
    """A span of a passage's text that points to a document or one of its articles."""

    start: int  # offsets in passage.text
    end: int
    text: str  # passage.text[start:end]: "Article 29", "the Convention", "ETS No. 108"
    source_id: str  # the document referred to
    anchor: str | None  # the passage referred to, or None for the document as a whole

    @property
    def target(self) -> str:
        """The passage id ("coe-ets-185.art-29"), or the document id."""
        return passage_id(self.source_id, self.anchor) if self.anchor else self.source_id


@dataclass
class _Item:
    """One "Article(s) ..." of a chain: its numbered spans and its own "of ..." if any."""

    spans: list[tuple[int, int, int]]  # start, end, article number
    scope: str | None = None  # a source id, _SAME, _PARENT, _ELSEWHERE; None: not said


class References:
    """The cross-references of every passage of a corpus, both ways."""

    def __init__(
        self,
        documents: dict[str, Document],
        names: Names | None = None,
        stored: dict[str, list[Reference]] | None = None,
        unstored: frozenset[str] = frozenset(),
    ) -> None:
        """Read every passage's references, or take ``stored`` ones: what :attr:`found`
        gave for the same documents (kb/derive/stored.py keeps it with the generation),
        except for the documents in ``unstored``, which are read."""
        self.documents = documents
        self.names = names if names is not None else Names(documents)
        self.parents = self.names.parents
        self._citing: dict[str, list[str]] = {}
        self._citing_document: dict[str, list[str]] = {}
        self._anchors = {d.id: {p.anchor for p in d.passages} for d in documents.values()}
        self._of: dict[str, list[Reference]] = {}
        for document in documents.values():
            for passage in document.passages:
                pid = document.passage_id(passage)
                if stored is None or document.id in unstored:
                    found = self._resolve(document, passage.text, _instrument_prefix(passage))
                else:
                    found = stored.get(pid, [])
                if found:
                    self._of[pid] = found
                    self._index(pid, document.id, found)

    @property
    def found(self) -> dict[str, list[Reference]]:
        """Each passage's references in text order, by passage id in document order; a
        passage without any is left out. Not to be changed."""
        return self._of

    def of(self, passage_id: str) -> list[Reference]:
        """The references in a passage's text, in text order; [] for an unknown id."""
        return list(self._of.get(passage_id, ()))

    def citing(self, passage_id: str) -> list[str]:
        """The other passages that refer to this one, in document order."""
        return list(self._citing.get(passage_id, ()))

    def citing_document(self, source_id: str) -> list[str]:
        """The passages of other documents that refer to this document as a whole."""
        return list(self._citing_document.get(source_id, ()))

    def _index(self, pid: str, source_id: str, found: list[Reference]) -> None:
        for reference in found:
            if reference.anchor is not None:
                if reference.target != pid:
                    citing = self._citing.setdefault(reference.target, [])
                    if pid not in citing:
                        citing.append(pid)
            elif reference.source_id != source_id:
                citing = self._citing_document.setdefault(reference.source_id, [])
                if pid not in citing:
                    citing.append(pid)

    # Reading one text ------------------------------------------------------------------

    def _resolve(self, document: Document, text: str, prefix: str = "") -> list[Reference]:
        """The references of one text; ``prefix`` that of its instrument's anchors."""
        found, claimed = self._articles(document, text, prefix)
        starts = [start for start, _ in claimed]
        for start, end, source_id in self._mentions(document, text):
            i = bisect.bisect_right(starts, start)
            if (i and claimed[i - 1][1] > start) or (i < len(claimed) and claimed[i][0] < end):
                continue  # part of an "Article N of ..." already read
            if source_id is not None:
                found.append(Reference(start, end, text[start:end], source_id, None))
        found.sort(key=lambda r: r.start)
        return found

    def _articles(
        self, document: Document, text: str, prefix: str
    ) -> tuple[list[Reference], list[tuple[int, int]]]:
        """The article references, and the spans of the chains they were read from.

        An article of the passage's own instrument is looked for under ``prefix``: in
        the Optional Protocol that a Covenant's file also holds, "article 1" is the
        Protocol's (``op1-art-1``), "article 1 of the Covenant" the Covenant's.
        """
        found: list[Reference] = []
        claimed: list[tuple[int, int]] = []
        pos = 0
        while (keyword := _KEYWORD.search(text, pos)) is not None:
            items, end = self._chain(document, text, keyword.start(), keyword.end())
            before = len(found)
            scope: str | None = None
            for item in reversed(items):  # an "of ..." at the end covers the chain
                scope = item.scope or scope
                target = self._scope_target(document, scope)
                if target is None:
                    continue
                own = prefix if scope in (None, _OWN) and target == document.id else ""
                for start, stop, number in reversed(item.spans):
                    anchor = f"{own}art-{number}"
                    if anchor in self._anchors.get(target, ()):
                        found.append(Reference(start, stop, text[start:stop], target, anchor))
            if len(found) > before:  # a name in it is part of the article reference
                claimed.append((keyword.start(), end))
            pos = max(end, keyword.end())
        found.reverse()
        return found, claimed

    def _chain(
        self, document: Document, text: str, start: int, pos: int
    ) -> tuple[list[_Item], int]:
        """Read "Article(s) ..." items joined by "and"/"or"/commas from ``pos``."""
        items: list[_Item] = []
        while True:
            item, pos = self._item(document, text, start, pos)
            items.append(item)
            following = _NEXT_ARTICLE.match(text, pos)
            if following is None:
                return items, pos
            start, pos = following.start("keyword"), following.end()

    def _item(self, document: Document, text: str, start: int, pos: int) -> tuple[_Item, int]:
        """One "Article(s) N[, M][ to K][, paragraph P][ of ...]" from the number at ``pos``."""
        spans: list[tuple[int, int, int]] = []
        while True:
            number = _NUMBER.match(text, pos)
            if number is None:
                break
            spans.append((start, number.end(1), int(number.group(1))))
            pos = _paragraph_end(text, number.end())
            joined = _RANGE.match(text, pos) or _LIST.match(text, pos)
            if joined is None:
                break
            pos = start = joined.end()
        scope, pos = self._scope(document, text, pos)
        return _Item(spans, scope), pos

    def _scope(self, document: Document, text: str, pos: int) -> tuple[str | None, int]:
        """The instrument an "of ..." (or a name right after the number) points to."""
        of = _OF.match(text, pos)
        if of is not None:
            after = of.end()
            if (own := _SELF.match(text, after)) is not None:
                return _OWN, own.end()
            if (convention := _THE_CONVENTION.match(text, after)) is not None:
                return _PARENT, convention.end()
        at = of.end() if of is not None else _skip(_COMMA, text, pos)
        named = self._named_at(document, text, at)
        if named is not None:
            source_id, end = named
            return source_id or _ELSEWHERE, end
        if of is not None and _FOREIGN.match(text, of.end()):
            return _ELSEWHERE, of.end()
        return None, pos

    def _scope_target(self, document: Document, scope: str | None) -> str | None:
        """The document an article reference points into; in a commentary, the instrument
        it explains ("Article 2", "Article 2 of the Convention" in the Explanatory Report)."""
        if scope == _ELSEWHERE:
            return None
        if is_commentary(document):
            return self.parents.get(document.id) if scope in (None, _OWN, _PARENT) else scope
        if scope in (None, _OWN, _SAME):
            return document.id if is_instrument(document) else None
        if scope == _PARENT:
            if not is_instrument(document):
                return None
            return self.parents.get(document.id, document.id)
        return scope

    def _named_at(self, document: Document, text: str, pos: int) -> tuple[str | None, int] | None:
        """A name (or "the ... Additional Protocol to ...") starting at ``pos``: (id, end)."""
        protocol = self._protocol_at(document, text, pos)
        if protocol is not None:
            return protocol
        match = self.names.match(text, pos)
        return (self._name_target(document, match.group()), match.end()) if match else None

    def _protocol_at(
        self, document: Document, text: str, pos: int
    ) -> tuple[str | None, int] | None:
        match = _PROTOCOL.match(text, pos)
        if match is None:
            return None
        after = match.end()
        base: str | None
        if (same := _SELF.match(text, after)) is not None:
            base, end = document.id, same.end()
        elif (convention := _THE_CONVENTION.match(text, after)) is not None:
            base, end = self.parents.get(document.id, document.id), convention.end()
        else:
            named = self._named_name(text, after)
            if named is None:
                return None
            base, end = named
        return self._protocol_of(base, match.group("ordinal")), end

    def _named_name(self, text: str, pos: int) -> tuple[str | None, int] | None:
        """The source a name at ``pos`` (after an optional "the") stands for, and its end."""
        match = self.names.match(text, pos)
        if match is None:
            return None
        ids = self.names.named(match.group())
        return (next(iter(ids)) if len(ids) == 1 else None), match.end()

    def _protocol_of(self, base: str | None, ordinal: str | None) -> str | None:
        """The protocol to ``base`` whose names start with "<ordinal> Additional Protocol"."""
        if base is None:
            return None
        prefixes = {"additional protocol"}
        if ordinal:
            word = ordinal.lower()
            prefixes = {
                f"{word} additional protocol",
                f"{_ORDINALS.get(word, word)} additional protocol",
            }
        matching = [
            child
            for child, parent in self.parents.items()
            if parent == base
            and any(n.startswith(p) for n in names_of(self.documents[child]) for p in prefixes)
        ]
        return matching[0] if len(matching) == 1 else None

    def _name_target(self, document: Document, name: str) -> str | None:
        """The source a name stands for, seen from ``document``: itself counts as "same"."""
        ids = self.names.named(name)
        if document.id in ids:
            return _SAME
        return next(iter(ids)) if len(ids) == 1 else None

    def _mentions(self, document: Document, text: str) -> list[tuple[int, int, str | None]]:
        """Names, protocol phrases and "the Convention": leftmost, longest, not overlapping.

        A mention of the document itself is kept with no target, so that it hides any
        shorter name inside it.
        """
        candidates: list[tuple[int, int, str | None]] = []
        lowered = text.lower()  # the patterns below are costly to run where they cannot match
        for match in self.names.finditer(text):
            target = self._name_target(document, match.group())
            end = self._extend(document, text, target, match.end())
            candidates.append((match.start(), end, None if target == _SAME else target))
        for match in _PROTOCOL.finditer(text) if "protocol" in lowered else ():
            protocol = self._protocol_at(document, text, match.start())
            if protocol is not None:
                target, end = protocol
                own = target == document.id
                candidates.append((match.start("phrase"), end, None if own else target))
        if document.id in self.parents and "convention" in lowered:
            for match in _THE_CONVENTION.finditer(text):
                candidates.append((match.start(), match.end(), self.parents[document.id]))
        candidates.sort(key=lambda c: (c[0], -c[1]))
        kept: list[tuple[int, int, str | None]] = []
        for candidate in candidates:
            if not kept or candidate[0] >= kept[-1][1]:
                kept.append(candidate)
        return kept

    def _extend(self, document: Document, text: str, target: str | None, end: int) -> int:
        """ "2nd Additional Protocol" + " to the Budapest Convention", its parent: one mention."""
        parent = self.parents.get(target or "")
        if parent is None:
            return end
        joined = _TO.match(text, end)
        if joined is None:
            return end
        named = self._named_name(text, joined.end())
        return named[1] if named is not None and named[0] == parent else end


def _paragraph_end(text: str, pos: int) -> int:
    """Past a ", paragraph 2" / " - paragraphs 3 and 4" qualifier at ``pos``, if any."""
    paragraph = _PARAGRAPH.match(text, pos)
    if paragraph is None:
        return pos
    pos = paragraph.end()
    if paragraph.group(1):  # "paragraphs": a list of them
        while (more := _PARAGRAPH_MORE.match(text, pos)) is not None:
            pos = more.end()
    return pos


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Past what ``pattern`` matches at ``pos``, if anything."""
    match = pattern.match(text, pos)
    return match.end() if match is not None else pos


def _instrument_prefix(passage: Passage) -> str:
    """The anchor prefix of a second instrument's passages ("op1-" of "op1-art-3"), or ""."""
    return passage.anchor.partition("-")[0] + "-" if passage.instrument else ""
