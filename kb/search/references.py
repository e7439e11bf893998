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
from collections.abc import Iterable
from dataclasses import dataclass

from kb.models import Document, Passage, passage_id

INSTRUMENT_KINDS = ("treaty", "declaration")
COMMENTARY_KINDS = ("explanatory-report",)  # explain one instrument: its articles by number

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
_THE = re.compile(r"the\s+", re.IGNORECASE)
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


def _all_names(documents: dict[str, Document]) -> dict[str, set[str]]:
    """Every manifest name (squeezed, lower case) and the ids of the sources it names.

    A source's names are its title, its title without a trailing bracket ("... of
    Personal Data" for "... of Personal Data (ETS No. 108)"), its short title and
    its aliases.
    """
    named: dict[str, set[str]] = {}
    for document in documents.values():
        for name in _names_of(document):
            named.setdefault(name, set()).add(document.id)
    return named


def _names_of(document: Document) -> list[str]:
    source = document.source
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", source.title)
    found = (source.title, bare, source.short_title, *source.aliases)
    return [n for n in dict.fromkeys(_squeeze(name) for name in found) if n]


def parents(documents: dict[str, Document]) -> dict[str, str]:
    """Protocol id -> id of the instrument it supplements, the one its title names.

    A document whose title says "Protocol" supplements the other document whose
    longest name occurs in that title ("Additional Protocol to Convention 108 ..."
    -> ETS 108; "Convention 108+" is not "Convention 108"); an explanatory report
    explains the one its title names. Only an instrument that is not itself a
    protocol can be supplemented: the title of the Second Additional Protocol to a
    convention holds the whole title of the (first) Additional Protocol.
    """
    protocols = {d.id for d in documents.values() if _is_protocol(d)}
    named = {
        document.id: _names_of(document)
        for document in documents.values()
        if document.id not in protocols and _is_instrument(document)
    }
    found: dict[str, str] = {}
    for document in documents.values():
        title = _squeeze(document.source.title)
        if document.id not in protocols and not _is_commentary(document):
            continue
        best = max(
            (
                (len(name), other)
                for other, names in named.items()
                if other != document.id
                for name in names
                if _holds(title, name)
            ),
            default=None,
            key=lambda found: found[0],
        )
        if best is not None:
            found[document.id] = best[1]
    return found


def _is_protocol(document: Document) -> bool:
    return _holds(_squeeze(document.source.title), "protocol")


def _holds(text: str, name: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole name (not inside a word, nor "108+")."""
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(name)] if at + len(name) < len(text) else " "
        if not before.isalnum() and before != "_" and not (after.isalnum() or after in "_+"):
            return True
        at = text.find(name, at + 1)
    return False


def _squeeze(name: str) -> str:
    return " ".join(name.lower().split())


def _name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """One pattern for the names: whole names only, the longest at each place, any spacing.

    The names are folded into a trie ("convention 108" and "convention 108+" share
    their path), so the pattern tries each character once instead of each name in
    turn: four times faster than an alternation of the names, longest first, on the
    real corpus. "Convention 108" does not match inside "Convention 108+".
    """
    trie: dict[str, dict] = {}
    for name in names:
        node = trie
        for char in _squeeze(name):
            node = node.setdefault(char, {})
        node[""] = {}
    initials = "".join(sorted({re.escape(char) for char in trie if char}))
    return re.compile(rf"(?<!\w)(?=[{initials}]){_trie_pattern(trie)}(?![\w+])", re.IGNORECASE)


def _trie_pattern(node: dict[str, dict]) -> str:
    """The trie below ``node`` as a pattern; an optional tail where a name may end.

    A run of single characters is written out in a loop, so the recursion only goes
    as deep as the names branch, not as long as they are.
    """
    parts = []
    for char, child in sorted(node.items()):
        if not char:
            continue
        run = [char]
        while len(child) == 1 and "" not in child:
            (char, child), *_ = child.items()
            run.append(char)
        literal = "".join(r"\s+" if c == " " else re.escape(c) for c in run)
        parts.append(literal + _trie_pattern(child))
    if not parts:
        return ""
    body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?:{body})?" if "" in node else body


@dataclass
class _Item:
    """One "Article(s) ..." of a chain: its numbered spans and its own "of ..." if any."""

    spans: list[tuple[int, int, int]]  # start, end, article number
    scope: str | None = None  # a source id, _SAME, _PARENT, _ELSEWHERE; None: not said


class References:
    """The cross-references of every passage of a corpus, both ways."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.documents = documents
        self.parents = parents(documents)
        self._names = _all_names(documents)
        self._pattern = _name_pattern(self._names) if self._names else None
        self._anchors = {d.id: {p.anchor for p in d.passages} for d in documents.values()}
        self._of: dict[str, list[Reference]] = {}
        self._citing: dict[str, list[str]] = {}
        self._citing_document: dict[str, list[str]] = {}
        for document in documents.values():
            for passage in document.passages:
                pid = document.passage_id(passage)
                found = self._resolve(document, passage.text, _instrument_prefix(passage))
                self._of[pid] = found
                self._index(pid, document.id, found)

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
        if _is_commentary(document):
            return self.parents.get(document.id) if scope in (None, _OWN, _PARENT) else scope
        if scope in (None, _OWN, _SAME):
            return document.id if _is_instrument(document) else None
        if scope == _PARENT:
            if not _is_instrument(document):
                return None
            return self.parents.get(document.id, document.id)
        return scope

    def _named_at(self, document: Document, text: str, pos: int) -> tuple[str | None, int] | None:
        """A name (or "the ... Additional Protocol to ...") starting at ``pos``: (id, end)."""
        protocol = self._protocol_at(document, text, pos)
        if protocol is not None:
            return protocol
        match = self._name_match(text, pos)
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
        match = self._name_match(text, pos)
        if match is None:
            return None
        ids = self._names.get(_squeeze(match.group()), set())
        return (next(iter(ids)) if len(ids) == 1 else None), match.end()

    def _name_match(self, text: str, pos: int) -> re.Match[str] | None:
        """A manifest name at ``pos``, after an optional "the"."""
        if self._pattern is None:
            return None
        the = _THE.match(text, pos)
        for at in (pos, the.end()) if the else (pos,):
            match = self._pattern.match(text, at)
            if match is not None:
                return match
        return None

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
            and any(n.startswith(p) for n in _names_of(self.documents[child]) for p in prefixes)
        ]
        return matching[0] if len(matching) == 1 else None

    def _name_target(self, document: Document, name: str) -> str | None:
        """The source a name stands for, seen from ``document``: itself counts as "same"."""
        ids = self._names.get(_squeeze(name), set())
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
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
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


def _is_instrument(document: Document) -> bool:
    return document.source.kind in INSTRUMENT_KINDS


def _is_commentary(document: Document) -> bool:
    return document.source.kind in COMMENTARY_KINDS


def _instrument_prefix(passage: Passage) -> str:
    """The anchor prefix of a second instrument's passages ("op1-" of "op1-art-3"), or ""."""
    return passage.anchor.partition("-")[0] + "-" if passage.instrument else ""
