"""The names of a corpus's instruments, and which one supplements which: one index.

A panelist types "Budapest Convention" or "ETS No. 108"; a treaty writes "the European
Convention on Extradition (ETS No. 24)". Both are read against the same names: every
source's title, its title without a trailing bracket ("... of Personal Data" for "...
of Personal Data (ETS No. 108)"), its short title and its aliases, as the manifest
gives them. A protocol supplements the instrument its title names, and an
explanatory report explains it (:attr:`Names.parents`).

Names are compared squeezed (lower case, single spaces) and matched whole: "Convention
108" is no name inside "Convention 108+", nor "Budapest Convention" inside "Second
Additional Protocol to the Budapest Convention" (the longest name at a place wins).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from kb.models import COMMENTARY_KINDS, INSTRUMENT_KINDS, Document


class Names:
    """Every name of every source of a corpus; immutable once built."""

    def __init__(self, documents: dict[str, Document]) -> None:
        self.documents = documents
        self.sources: dict[str, frozenset[str]] = _sources_by_name(documents)
        self.pattern = _name_pattern(self.sources) if self.sources else None
        self.parents: dict[str, str] = _parents(documents)

    def named(self, name: str) -> frozenset[str]:
        """The ids of the sources a name (as written) stands for."""
        return self.sources.get(squeeze(name), frozenset())

    def match(self, text: str, pos: int) -> re.Match[str] | None:
        """The longest name starting at ``pos``, after an optional "the"."""
        if self.pattern is None:
            return None
        the = _THE.match(text, pos)
        for at in (pos, the.end()) if the else (pos,):
            found = self.pattern.match(text, at)
            if found is not None:
                return found
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """Every name in ``text``, leftmost and longest, not overlapping."""
        return self.pattern.finditer(text) if self.pattern is not None else iter(())

    def whole(self, text: str) -> frozenset[str]:
        """The sources whose name is the whole of ``text`` ("Budapest Convention")."""
        found = self.pattern.fullmatch(text.strip()) if self.pattern is not None else None
        return self.named(found.group()) if found else frozenset()

    def within(self, text: str) -> frozenset[str]:
        """The sources named anywhere in ``text``, the longest name winning at each place."""
        return frozenset(source for m in self.finditer(text) for source in self.named(m.group()))


def names_of(document: Document) -> list[str]:
    """A source's names, squeezed: title, bare title, short title, aliases."""
    source = document.source
    bare = re.sub(r"\s*\([^()]*\)\s*$", "", source.title)
    found = (source.title, bare, source.short_title, *source.aliases)
    return [n for n in dict.fromkeys(squeeze(name) for name in found) if n]


def squeeze(name: str) -> str:
    """A name as names are compared: lower case, single spaces."""
    return " ".join(name.lower().split())


def is_instrument(document: Document) -> bool:
    return document.source.kind in INSTRUMENT_KINDS


def is_commentary(document: Document) -> bool:
    return document.source.kind in COMMENTARY_KINDS


def is_protocol(document: Document) -> bool:
    return holds(squeeze(document.source.title), "protocol")


def holds(text: str, name: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole name (not inside a word, nor "108+")."""
    at = text.find(name)
    while at >= 0:
        before = text[at - 1] if at else " "
        after = text[at + len(name)] if at + len(name) < len(text) else " "
        if not before.isalnum() and before != "_" and not (after.isalnum() or after in "_+"):
            return True
        at = text.find(name, at + 1)
    return False


_THE = re.compile(r"the\s+", re.IGNORECASE)


def _sources_by_name(documents: dict[str, Document]) -> dict[str, frozenset[str]]:
    named: dict[str, set[str]] = {}
    for document in documents.values():
        for name in names_of(document):
            named.setdefault(name, set()).add(document.id)
    return {name: frozenset(ids) for name, ids in named.items()}


def _parents(documents: dict[str, Document]) -> dict[str, str]:
    """Protocol id -> id of the instrument it supplements, the one its title names.

    A document whose title says "Protocol" supplements the other document whose
    longest name occurs in that title ("Additional Protocol to Convention 108 ..."
    -> ETS 108; "Convention 108+" is not "Convention 108"); an explanatory report
    explains the one its title names. Only an instrument that is not itself a
    protocol can be supplemented: the title of the Second Additional Protocol to a
    convention holds the whole title of the (first) Additional Protocol.
    """
    protocols = {d.id for d in documents.values() if is_protocol(d)}
    candidates = {
        document.id: names_of(document)
        for document in documents.values()
        if document.id not in protocols and is_instrument(document)
    }
    found: dict[str, str] = {}
    for document in documents.values():
        if document.id not in protocols and not is_commentary(document):
            continue
        title = squeeze(document.source.title)
        best = max(
            (
                (len(name), other)
                for other, names in candidates.items()
                if other != document.id
                for name in names
                if holds(title, name)
            ),
            default=None,
            key=lambda found: found[0],
        )
        if best is not None:
            found[document.id] = best[1]
    return found


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
        for char in squeeze(name):
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
