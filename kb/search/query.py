"""The query language: what a user types, read into a small tree.

    safeguards jurisdiction        plain words (all of them first, else any)
    "production order"             a phrase
    MLA OR "mutual assistance"     AND / OR / NOT, parentheses, -word
    preserv*                       a prefix
    kind:treaty source:coe-ets-185 speaker:"jane doe" year:2016..2021   field filters

Reading never fails: unbalanced quotes or parentheses, lone operators, too deep a
nesting or too many terms make the whole query read as plain words instead, and
:class:`ParsedQuery.notes` says so. Control characters and symbols are dropped.
Only the tree is built here; what its words mean (stems, synonyms) is the
matcher's business.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from kb.search.request import SearchRequest, read_years, reversed_years_note
from kb.search.terms import WORD

MAX_QUERY_CHARS = 1000
MAX_TERMS = 24
MAX_NESTING = 12
FIELDS = ("kind", "source", "year", "speaker")
OPERATORS = {"AND", "OR", "NOT"}

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<field>(?i:kind|source|year|speaker):(?:"[^"]*"|[^\s()"]+))
    | (?P<phrase>"[^"]*")
    | (?P<quote>")
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


# The tree ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A word as typed; one that analyses into several terms ("cross-border") is a phrase."""

    text: str


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Prefix:
    text: str


@dataclass(frozen=True)
class Filter:
    """``kind:``, ``source:`` or ``speaker:`` with its value, lower-cased."""

    field: str
    value: str


@dataclass(frozen=True)
class Years:
    start: int
    end: int


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class All:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    nodes: tuple[Node, ...]


Node = Word | Phrase | Prefix | Filter | Years | Not | All | Any


@dataclass(frozen=True)
class ParsedQuery:
    """The tree of a query (None when nothing searchable is left), and how it was read.

    ``plain`` means only words, with no operator, phrase, prefix or filter: the
    matcher then ranks passages with all the words first and falls back to any
    word, and expands synonyms.
    """

    text: str
    node: Node | None
    plain: bool
    notes: tuple[str, ...] = field(default=())


class QuerySyntaxError(ValueError):
    """Why a query cannot be read as written (it is then read as plain words)."""


# Reading --------------------------------------------------------------------------------


PARSED_KEPT = 256  # queries whose reading is kept: a search reads its query twice


@lru_cache(maxsize=PARSED_KEPT)
def parse(text: str) -> ParsedQuery:
    """Read ``text``; never raises. The tree is immutable, so the reading of a recent
    query is shared (the searcher and the answer's ``filters_in_force`` read the same
    text; ``functools.lru_cache`` is safe between threads, and a query is at most
    ``kb.web.limits``' 2,000 characters)."""
    notes: list[str] = []
    cleaned = clean(text)
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notes.append(f"only the first {MAX_QUERY_CHARS} characters of the query were read")
    words = cleaned.split(" ")
    if _LETTERS.fullmatch(cleaned) and len(words) <= MAX_TERMS and OPERATORS.isdisjoint(words):
        # words alone, as most queries are: what the parser would make of them, at once
        return ParsedQuery(text, _join([Word(w) for w in words]), True, tuple(notes))
    try:
        parser = _Parser(_tokens(cleaned))
        node = parser.parse()
    except QuerySyntaxError as error:
        notes.append(f"{error}; the query was read as plain words")
        return _plain_words(text, cleaned, notes)
    return ParsedQuery(text, node, _is_plain(node), (*notes, *parser.notes))


_LETTERS = re.compile(r"[^\W_]+(?: [^\W_]+)*")  # words of letters and digits, nothing else


def clean(text: str) -> str:
    """``text`` without control characters, symbols (emoji) or odd spaces; quotes made straight."""
    if text.isascii():  # the common case, without a look at each character
        return " ".join(text.translate(_ASCII_SPACES).split())
    kept = [
        " " if _is_space(char) else char
        for char in unicodedata.normalize("NFKC", text).translate(_QUOTES)
    ]
    return " ".join("".join(kept).split())


def _is_space(char: str) -> bool:
    """Control characters, symbols other than the query language's, and odd spaces."""
    category = unicodedata.category(char)
    return (category[0] in "CS" and char not in "\"'*-+:.$%#§&") or category[0] == "Z"


_ASCII_SPACES = str.maketrans({chr(i): " " for i in range(128) if _is_space(chr(i))})


def _plain_words(text: str, cleaned: str, notes: list[str]) -> ParsedQuery:
    found = [w for w in WORD.findall(cleaned) if w not in OPERATORS]
    if len(found) > MAX_TERMS:
        found = found[:MAX_TERMS]
        notes.append(f"only the first {MAX_TERMS} words were searched")
    node = _join([Word(w) for w in found])
    return ParsedQuery(text, node, True, tuple(notes))


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "space"
        if kind == "quote":
            raise QuerySyntaxError("a quotation mark is not closed")
        if kind != "space":
            tokens.append((kind, match.group()))
    return tokens


def _is_plain(node: Node | None) -> bool:
    if isinstance(node, Word):
        return True
    return isinstance(node, All) and all(isinstance(n, Word) for n in node.nodes)


def _join(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else All(tuple(nodes))


class _Parser:
    """Recursive descent over the tokens, bounded in depth and in terms.

    query := or ; or := and ("OR" and)* ; and := unary ("AND"? unary)*
    unary := "NOT" unary | "-" atom | atom ; atom := "(" or ")" | phrase | field | word
    """

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0
        self.terms = 0
        self.notes: list[str] = []  # what was read otherwise than typed (years backwards)

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_()
        if self.at < len(self.tokens):
            raise QuerySyntaxError("a closing parenthesis has no opening one")
        return node

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def is_operator(self, name: str) -> bool:
        token = self.peek()
        return token is not None and token == ("word", name)

    def or_(self) -> Node:
        nodes = [self.and_()]
        while self.is_operator("OR"):
            self.at += 1
            nodes.append(self.and_())
        return nodes[0] if len(nodes) == 1 else Any(tuple(nodes))

    def and_(self) -> Node:
        nodes = [self.unary()]
        while (token := self.peek()) is not None and token[0] != "close":
            if self.is_operator("OR"):
                break
            if self.is_operator("AND"):
                self.at += 1
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else All(tuple(nodes))

    def unary(self) -> Node:
        if self.is_operator("NOT"):
            self.at += 1
            return Not(self.unary())
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].startswith("-"):
            rest = token[1].lstrip("-")
            if rest:
                self.tokens[self.at] = ("word", rest)
                return Not(self.atom())
        return self.atom()

    def atom(self) -> Node:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("an operator has nothing after it")
        kind, text = token
        self.at += 1
        if kind == "open":
            return self.group()
        if kind == "close":
            previous = self.tokens[self.at - 2] if self.at >= 2 else None
            if previous is not None and previous[0] == "word" and previous[1] in OPERATORS:
                raise QuerySyntaxError("an operator has nothing after it")
            raise QuerySyntaxError("a closing parenthesis has no opening one")
        if kind == "word" and text in OPERATORS:
            raise QuerySyntaxError(f"{text} has nothing before it")
        self.count_term()
        if kind == "phrase":
            return Phrase(text.strip('"').strip())
        if kind == "field":
            note = _years_note(text)
            self.notes += [note] if note else []
            return _field(text)
        return _word(text)

    def group(self) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QuerySyntaxError(f"parentheses are nested more than {MAX_NESTING} deep")
        if self.peek() is None or self.peek()[0] == "close":  # type: ignore[index]
            raise QuerySyntaxError("a parenthesis is empty or not closed")
        node = self.or_()
        if self.peek() != ("close", ")"):
            raise QuerySyntaxError("a parenthesis is not closed")
        self.at += 1
        self.depth -= 1
        return node

    def count_term(self) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QuerySyntaxError(f"the query has more than {MAX_TERMS} terms")


def _word(text: str) -> Node:
    text = text.lstrip("+")
    if text.endswith("*") and WORD.fullmatch(text.rstrip("*")):
        return Prefix(text.rstrip("*"))
    return Word(text)


def _field(text: str) -> Node:
    name, _, value = text.partition(":")
    name, value = name.lower(), value.strip('"').strip()
    if name == "year":
        years = read_years(value)
        return Word(text) if years is None else Years(*years)
    if not value:
        return Word(name)
    return Filter(name, value.lower())


def _years_note(text: str) -> str | None:
    """The note of ``year:2021..2016``, a range given backwards; None for any other field."""
    name, _, value = text.partition(":")
    return reversed_years_note("year", value.strip('"')) if name.lower() == "year" else None


# The filters a search applies to every passage --------------------------------------------


def filters_in_force(
    request: SearchRequest, years_read: tuple[int, int] | None = None
) -> dict[str, object]:
    """The filters every passage a search finds satisfies, as its answer echoes them:
    its parameters' (``SearchRequest.filters``) and those typed at the top level of its
    query (``kind:treaty safeguards``, ``(kind:treaty OR kind:declaration) data``; one
    under NOT, or OR'ed with words, is part of the query and ``read_as`` shows it).

    Where both set one, what satisfies both: the kinds or sources in both (perhaps
    none), the years in both ranges (none if the first comes after the last), and every
    speaker named (a passage has one of the parameter's and each typed one).
    ``years_read`` are the years the reading took from the query's words ("in 2016").
    """
    found = dict(request.filters)
    years = request.years
    read = [Years(*years_read)] if years_read else []
    for typed in [*_typed_filters(parse(request.q).node), *read]:
        if isinstance(typed, Years):
            start, end = years or (typed.start, typed.end)
            years = max(start, typed.start), min(end, typed.end)
            found["year"] = list(years)
            continue
        name, values = typed
        given = found.get(name)
        if not isinstance(given, list):
            found[name] = list(values)
        elif name == "speaker":  # parts of names: two cannot be intersected
            found[name] = list(dict.fromkeys([*given, *values]))
        else:
            found[name] = [value for value in given if value in values]
    return found


def _typed_filters(node: Node | None) -> list[Years | tuple[str, tuple[str, ...]]]:
    """The filters that hold for the whole query: alone, one of a top-level AND, or an
    OR of one field's values (field and values)."""
    found: list[Years | tuple[str, tuple[str, ...]]] = []
    for part in node.nodes if isinstance(node, All) else (node,):
        if isinstance(part, Years):
            found.append(part)
        elif isinstance(part, Filter):
            found.append((part.field, (part.value,)))
        elif isinstance(part, Any) and all(isinstance(n, Filter) for n in part.nodes):
            filters = [n for n in part.nodes if isinstance(n, Filter)]
            if len({f.field for f in filters}) == 1:
                found.append((filters[0].field, tuple(f.value for f in filters)))
    return found


# Writing back -----------------------------------------------------------------------------


def render(node: Node | None) -> str:
    """The query as it was read, in the query language itself."""
    if node is None:
        return ""
    if isinstance(node, Word):
        return node.text
    if isinstance(node, Phrase):
        return f'"{node.text}"'
    if isinstance(node, Prefix):
        return f"{node.text}*"
    if isinstance(node, Filter):
        value = f'"{node.value}"' if re.search(r"[\s()]", node.value) else node.value
        return f"{node.field}:{value}"
    if isinstance(node, Years):
        span = str(node.start) if node.start == node.end else f"{node.start}..{node.end}"
        return f"year:{span}"
    if isinstance(node, Not):
        return f"NOT {_grouped(node.node)}"
    joint = " AND " if isinstance(node, All) else " OR "
    return joint.join(_grouped(n) for n in node.nodes)


def _grouped(node: Node) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, All | Any) else text
