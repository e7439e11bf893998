"""The query language (kb/search/query.py): reading a query into a tree, and writing it back."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.search import query
from kb.search.query import (
    MAX_NESTING,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    All,
    Any,
    Filter,
    Not,
    ParsedQuery,
    Phrase,
    Prefix,
    Word,
    Years,
    clean,
    filters_in_force,
    parse,
    render,
)
from kb.search.request import SearchRequest

FALLBACK = "the query was read as plain words"


def words(*texts: str) -> All:
    return All(tuple(Word(t) for t in texts))


def leaves(node: object) -> int:
    if node is None:
        return 0
    if isinstance(node, Not):
        return leaves(node.node)
    if isinstance(node, All | Any):
        return sum(leaves(n) for n in node.nodes)
    return 1


def depth(node: object) -> int:
    if isinstance(node, Not):
        return depth(node.node)
    if isinstance(node, All | Any):
        return 1 + max(depth(n) for n in node.nodes)
    return 0


# --- well-formed queries ------------------------------------------------------------------


def test_plain_words() -> None:
    parsed = parse("lantern keepers")
    assert parsed.node == words("lantern", "keepers")
    assert parsed.plain
    assert parsed.notes == ()
    assert parsed.text == "lantern keepers"


def test_one_word_is_plain() -> None:
    parsed = parse("lantern")
    assert parsed.node == Word("lantern")
    assert parsed.plain and parsed.notes == ()


def test_empty_and_blank_queries_have_no_tree() -> None:
    for text in ("", "   ", "\t\n"):
        parsed = parse(text)
        assert parsed.node is None
        assert parsed.notes == ()


def test_phrase() -> None:
    parsed = parse('"signal flags"')
    assert parsed.node == Phrase("signal flags")
    assert not parsed.plain
    assert render(parsed.node) == '"signal flags"'


def test_phrase_among_words() -> None:
    parsed = parse('keepers "signal flags" night')
    assert parsed.node == All((Word("keepers"), Phrase("signal flags"), Word("night")))
    assert not parsed.plain


def test_curly_and_guillemet_quotes_make_phrases() -> None:
    assert parse("“signal flags”").node == Phrase("signal flags")
    assert parse("«signal flags»").node == Phrase("signal flags")
    assert parse("„signal flags”").node == Phrase("signal flags")


def test_explicit_and_is_the_same_as_juxtaposition() -> None:
    assert parse("lantern AND keepers").node == parse("lantern keepers").node
    assert parse("lantern AND keepers").plain


def test_or() -> None:
    parsed = parse('MLA OR "mutual assistance"')
    assert parsed.node == Any((Word("MLA"), Phrase("mutual assistance")))
    assert not parsed.plain
    assert render(parsed.node) == 'MLA OR "mutual assistance"'


def test_and_binds_tighter_than_or() -> None:
    parsed = parse("a b OR c")
    assert parsed.node == Any((words("a", "b"), Word("c")))
    assert render(parsed.node) == "(a AND b) OR c"


def test_parentheses_group() -> None:
    parsed = parse("flags (lantern OR beacon)")
    assert parsed.node == All((Word("flags"), Any((Word("lantern"), Word("beacon")))))
    assert render(parsed.node) == "flags AND (lantern OR beacon)"


def test_not_and_minus() -> None:
    assert parse("keepers NOT lantern").node == All((Word("keepers"), Not(Word("lantern"))))
    assert parse("keepers -lantern").node == All((Word("keepers"), Not(Word("lantern"))))
    assert parse("NOT (a OR b)").node == Not(Any((Word("a"), Word("b"))))
    assert render(parse("NOT (a OR b)").node) == "NOT (a OR b)"
    assert not parse("-lantern").plain


def test_double_negation_and_double_minus() -> None:
    assert parse("NOT NOT x").node == Not(Not(Word("x")))
    assert parse("--x").node == Not(Word("x"))


def test_lone_minus_and_plus_are_words() -> None:
    assert parse("-").node == Word("-")
    assert parse("+lantern").node == Word("lantern")


def test_lower_case_operators_are_words() -> None:
    parsed = parse("and or not")
    assert parsed.node == words("and", "or", "not")
    assert parsed.plain and parsed.notes == ()


def test_prefix() -> None:
    parsed = parse("preserv*")
    assert parsed.node == Prefix("preserv")
    assert not parsed.plain
    assert render(parsed.node) == "preserv*"
    assert parse("preserv**").node == Prefix("preserv")


@pytest.mark.parametrize("text", ["*", "x*y", "*lantern"])
def test_stars_that_are_not_a_prefix_are_words(text: str) -> None:
    assert parse(text).node == Word(text)


def test_field_filters() -> None:
    parsed = parse('kind:treaty source:harbour-treaty speaker:"Ada Quill" year:2016..2021')
    assert parsed.node == All(
        (
            Filter("kind", "treaty"),
            Filter("source", "harbour-treaty"),
            Filter("speaker", "ada quill"),
            Years(2016, 2021),
        )
    )
    assert not parsed.plain
    assert parsed.notes == ()
    assert render(parsed.node) == (
        'kind:treaty AND source:harbour-treaty AND speaker:"ada quill" AND year:2016..2021'
    )


def test_years_given_backwards_are_read_in_order_with_a_note() -> None:
    parsed = parse("year:2021..2016 keepers")
    assert parsed.node == All((Years(2016, 2021), Word("keepers")))
    assert parsed.notes == ("year '2021..2016' gives the later year first: read as 2016-2021",)
    assert parse("year:2016..2021 keepers").notes == ()
    assert parse('YEAR:"2021 to 2016"').notes == (
        "year '2021 to 2016' gives the later year first: read as 2016-2021",
    )


@pytest.mark.parametrize(
    ("q", "given", "filters"),
    [
        ("", {}, {}),
        ("keepers", {"kinds": ("treaty",)}, {"kind": ["treaty"]}),
        ("kind:treaty keepers", {}, {"kind": ["treaty"]}),
        ("keepers AND source:harbour-treaty", {}, {"source": ["harbour-treaty"]}),
        ('speaker:"Ada Quill"', {}, {"speaker": ["ada quill"]}),
        ("year:2016..2021 keepers", {}, {"year": [2016, 2021]}),
        ("(kind:treaty OR kind:declaration) x", {}, {"kind": ["treaty", "declaration"]}),
        ("kind:treaty x", {"kinds": ("declaration", "treaty")}, {"kind": ["treaty"]}),
        ("kind:treaty x", {"kinds": ("declaration",)}, {"kind": []}),  # nothing can match
        ("year:2016..2021", {"years": (2019, 2030)}, {"year": [2019, 2021]}),
        ("speaker:quill", {"speakers": ("otter",)}, {"speaker": ["otter", "quill"]}),
        ("kind:treaty x", {"theme": "mla"}, {"theme": "mla", "kind": ["treaty"]}),
        # part of the query, not a filter of all of it: read_as shows them
        ("keepers OR kind:treaty", {}, {}),
        ("keepers -kind:treaty", {}, {}),
        ("(kind:treaty OR source:harbour-treaty) x", {}, {}),
        ("kind:treaty OR keepers", {}, {}),
    ],
)
def test_the_filters_in_force_are_the_parameters_and_those_typed(
    q: str, given: dict[str, object], filters: dict[str, object]
) -> None:
    request = SearchRequest(q=q, **given)  # type: ignore[arg-type]
    assert filters_in_force(request) == filters


def test_field_names_and_values_are_case_insensitive() -> None:
    assert parse("KIND:Treaty").node == Filter("kind", "treaty")
    assert parse("Source:HARBOUR-Treaty").node == Filter("source", "harbour-treaty")


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("year:2019", Years(2019, 2019)),
        ("year:2016..2021", Years(2016, 2021)),
        ("year:2016-2021", Years(2016, 2021)),
        ("year:2016–2021", Years(2016, 2021)),
        ('year:"2016 to 2021"', Years(2016, 2021)),
    ],
)
def test_years(text: str, years: Years) -> None:
    parsed = parse(text)
    assert parsed.node == years
    assert parsed.notes == ()


def test_single_year_renders_without_range() -> None:
    assert render(parse("year:2019").node) == "year:2019"
    assert render(parse("year:2016-2021").node) == "year:2016..2021"


@pytest.mark.parametrize("text", ["year:abc", "year:19", "year:2016..", "foo:bar", "kind:"])
def test_fields_that_cannot_be_read_are_words(text: str) -> None:
    parsed = parse(text)
    assert parsed.node == Word(text)
    assert parsed.notes == ()


def test_unknown_field_is_a_word_among_others() -> None:
    parsed = parse("foo:bar lantern")
    assert parsed.node == words("foo:bar", "lantern")
    assert parsed.plain


def test_empty_field_value_is_the_field_name_as_a_word() -> None:
    assert parse('speaker:""').node == Word("speaker")


def test_field_inside_a_group() -> None:
    parsed = parse("(kind:treaty OR kind:declaration) lantern")
    assert parsed.node == All(
        (Any((Filter("kind", "treaty"), Filter("kind", "declaration"))), Word("lantern"))
    )


# --- malformed queries fall back to plain words ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "node", "why"),
    [
        ('"signal flags', words("signal", "flags"), "a quotation mark is not closed"),
        ('flags "', Word("flags"), "a quotation mark is not closed"),
        ("(lantern keepers", words("lantern", "keepers"), "a parenthesis is not closed"),
        ("lantern keepers)", words("lantern", "keepers"), "a closing parenthesis has no opening"),
        (")(", None, "a closing parenthesis has no opening"),
        ("()", None, "a parenthesis is empty or not closed"),
        ("AND", None, "AND has nothing before it"),
        ("OR b", Word("b"), "OR has nothing before it"),
        ("a AND", Word("a"), "an operator has nothing after it"),
        ("a NOT", Word("a"), "an operator has nothing after it"),
        ("NOT", None, "an operator has nothing after it"),
        ("a OR OR b", words("a", "b"), "OR has nothing before it"),
    ],
)
def test_malformed_queries_are_read_as_plain_words(text: str, node: object, why: str) -> None:
    parsed = parse(text)
    assert parsed.node == node
    assert parsed.plain
    assert len(parsed.notes) == 1
    assert why in parsed.notes[0]
    assert FALLBACK in parsed.notes[0]
    assert parsed.text == text


def test_operator_before_a_closing_parenthesis_is_named_in_the_note() -> None:
    parsed = parse("(a OR) b")
    assert parsed.node == words("a", "b")
    assert parsed.notes == ("an operator has nothing after it; the query was read as plain words",)


def test_fallback_keeps_words_of_fields_and_drops_operators() -> None:
    parsed = parse('kind:treaty OR "flags (')
    assert parsed.node == words("kind", "treaty", "flags")
    assert parsed.plain
    assert parsed.notes


def test_nesting_up_to_the_limit_is_read() -> None:
    text = "(" * MAX_NESTING + "a OR b" + ")" * MAX_NESTING
    parsed = parse(text)
    assert parsed.node == Any((Word("a"), Word("b")))
    assert parsed.notes == ()


def test_nesting_beyond_the_limit_falls_back() -> None:
    text = "(" * (MAX_NESTING + 1) + "a OR b" + ")" * (MAX_NESTING + 1)
    parsed = parse(text)
    assert parsed.node == words("a", "b")
    assert parsed.notes == (
        f"parentheses are nested more than {MAX_NESTING} deep; the query was read as plain words",
    )


def test_500_nested_parentheses() -> None:
    text = "(" * 500 + "lantern" + ")" * 500
    parsed = parse(text)
    assert parsed.node == Word("lantern")
    assert parsed.plain
    assert any("nested more than" in note for note in parsed.notes)
    # 1007 characters: the closing parentheses beyond the limit were cut off too
    assert any(f"first {MAX_QUERY_CHARS} characters" in note for note in parsed.notes)


def test_deep_nesting_within_the_length_limit() -> None:
    text = "(" * 400 + "lantern" + ")" * 400
    parsed = parse(text)
    assert parsed.node == Word("lantern")
    assert len(parsed.notes) == 1 and "nested more than" in parsed.notes[0]


def test_terms_up_to_the_limit_are_read() -> None:
    typed = [f"w{i}" for i in range(MAX_TERMS)]
    parsed = parse(" OR ".join(typed))
    assert parsed.node == Any(tuple(Word(w) for w in typed))
    assert parsed.notes == ()


def test_more_terms_than_the_limit_fall_back_to_the_first_words() -> None:
    typed = [f"w{i}" for i in range(MAX_TERMS + 6)]
    parsed = parse(" OR ".join(typed))
    assert parsed.node == words(*typed[:MAX_TERMS])
    assert parsed.plain
    assert parsed.notes == (
        f"the query has more than {MAX_TERMS} terms; the query was read as plain words",
        f"only the first {MAX_TERMS} words were searched",
    )


def test_too_many_plain_words() -> None:
    parsed = parse(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))
    assert leaves(parsed.node) == MAX_TERMS
    assert parsed.plain
    assert len(parsed.notes) == 2


def test_ten_thousand_characters_are_truncated_with_a_note() -> None:
    text = "lantern " * 1250
    assert len(text) == 10_000
    parsed = parse(text)
    assert parsed.notes[0] == f"only the first {MAX_QUERY_CHARS} characters of the query were read"
    assert leaves(parsed.node) == MAX_TERMS
    assert parsed.plain


def test_one_long_word_is_cut_to_the_limit() -> None:
    parsed = parse("x" * 10_000)
    assert parsed.node == Word("x" * MAX_QUERY_CHARS)
    assert parsed.notes == (f"only the first {MAX_QUERY_CHARS} characters of the query were read",)


def test_truncation_inside_a_phrase_falls_back() -> None:
    text = "a " * (MAX_QUERY_CHARS // 2 - 2) + '"signal flags"'
    parsed = parse(text)
    assert parsed.plain
    assert any("quotation mark" in note for note in parsed.notes)


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\u200b", "\ufeff", "\u2028"])
def test_control_characters_separate_words(control: str) -> None:
    parsed = parse(f"lantern{control}keepers")
    assert parsed.node == words("lantern", "keepers")
    assert parsed.notes == ()


def test_nul_only() -> None:
    parsed = parse("\x00\x00")
    assert parsed.node is None


def test_emoji_and_symbols_are_dropped() -> None:
    parsed = parse("lantern 🏮 keepers ☃")
    assert parsed.node == words("lantern", "keepers")
    assert parsed.notes == ()
    assert parse("🏮").node is None


def test_odd_spaces_are_spaces() -> None:
    assert parse("lantern\u00a0keepers\u3000flags").node == words("lantern", "keepers", "flags")


def test_clean() -> None:
    assert clean("  a\tb\n\x00c  ") == "a b c"
    assert clean("“x”") == '"x"'
    assert clean("ﬁre") == "fire"  # NFKC
    assert clean("$5 + 10% #3 §2 & a-b a:b it's") == "$5 + 10% #3 §2 & a-b a:b it's"


def test_render_of_nothing_is_empty() -> None:
    assert render(None) == ""


def test_render_quotes_speakers_with_spaces_only() -> None:
    assert render(Filter("speaker", "ada quill")) == 'speaker:"ada quill"'
    assert render(Filter("speaker", "quill")) == "speaker:quill"


def test_render_of_a_filter_value_with_a_parenthesis_reads_back() -> None:
    parsed = parse('speaker:"o\'neil(un)"')
    assert parsed.node == Filter("speaker", "o'neil(un)")
    assert parse(render(parsed.node)).node == parsed.node


def test_render_groups_nested_compounds() -> None:
    node = Any((All((Word("a"), Not(Any((Word("b"), Word("c")))))), Word("d")))
    assert render(node) == "(a AND NOT (b OR c)) OR d"
    assert parse(render(node)).node == node


# --- properties ---------------------------------------------------------------------------

QUERYISH = st.lists(
    st.sampled_from(
        [*' ()"-*:+abcxyz', "AND", "OR", "NOT", "kind:", "year:", "2019", "..", "“", "\x00"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), QUERYISH))
def test_parse_never_raises(text: str) -> None:
    parsed = parse(text)
    shown = render(parsed.node)
    assert isinstance(shown, str)
    assert parsed.text == text
    assert leaves(parsed.node) <= MAX_TERMS
    assert depth(parsed.node) <= MAX_NESTING + 1
    if any(FALLBACK in note for note in parsed.notes):
        assert parsed.plain
    # what is shown can itself be read
    again = parse(shown)
    assert isinstance(render(again.node), str)


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=MAX_QUERY_CHARS + 1, max_size=3 * MAX_QUERY_CHARS))
def test_long_texts_never_raise(text: str) -> None:
    parsed = parse(text)
    assert isinstance(render(parsed.node), str)
    assert leaves(parsed.node) <= MAX_TERMS


# A grammar of valid queries: (text, terms, depth).
_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_SLUG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("-")
)
_YEAR = st.integers(1990, 2030)
_ATOM = st.one_of(
    _WORD,
    _WORD.map(lambda w: f"-{w}"),
    _WORD.map(lambda w: f"{w}*"),
    st.lists(_WORD, min_size=1, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.tuples(st.sampled_from(["kind", "source", "speaker"]), _SLUG).map(":".join),
    st.lists(_WORD, min_size=2, max_size=3).map(lambda ws: 'speaker:"' + " ".join(ws) + '"'),
    _YEAR.map(lambda y: f"year:{y}"),
    st.tuples(_YEAR, _YEAR, st.sampled_from(["..", "-"])).map(lambda t: f"year:{t[0]}{t[2]}{t[1]}"),
).map(lambda text: (text, 1, 0))


def _extend(inner: st.SearchStrategy) -> st.SearchStrategy:
    def joined(separator: str):  # type: ignore[no-untyped-def]
        return st.tuples(inner, inner).map(
            lambda p: (p[0][0] + separator + p[1][0], p[0][1] + p[1][1], max(p[0][2], p[1][2]))
        )

    return st.one_of(
        joined(" "),
        joined(" AND "),
        joined(" OR "),
        inner.map(lambda e: ("NOT " + e[0], e[1], e[2])),
        inner.map(lambda e: ("(" + e[0] + ")", e[1], e[2] + 1)),
    )


VALID = st.recursive(_ATOM, _extend, max_leaves=MAX_TERMS).filter(
    lambda e: e[1] <= MAX_TERMS and e[2] <= MAX_NESTING and len(e[0]) <= MAX_QUERY_CHARS
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALID)
def test_valid_queries_are_read_without_falling_back(query: tuple[str, int, int]) -> None:
    text, terms, _ = query
    parsed = parse(text)
    assert all("gives the later year first" in note for note in parsed.notes)  # only that
    assert parsed.node is not None
    assert leaves(parsed.node) == terms


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VALID.filter(lambda e: e[2] <= MAX_NESTING // 3))
def test_rendering_a_valid_query_reads_back_the_same(query: tuple[str, int, int]) -> None:
    parsed = parse(query[0])
    again = parse(render(parsed.node))
    assert again.notes == ()
    assert again.node == parsed.node


WORDS_ALONE = st.lists(
    st.one_of(
        st.sampled_from(["data", "AND", "OR", "NOT", "2016", "accès", "Überwachung", "e1"]),
        st.text(st.characters(categories=("L", "Nd")), min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=MAX_TERMS + 3,
)


@given(WORDS_ALONE)
def test_words_alone_are_read_as_the_parser_reads_them(words: list[str]) -> None:
    """Queries of letters and digits skip the parser: the reading must be the parser's
    (operators and too many words included), or its fallback's."""
    text = " ".join(words)
    assert parse(text) == _through_parser(text)


def _through_parser(text: str) -> ParsedQuery:
    """What ``parse`` makes of ``text`` by way of the tokens and the parser."""
    cleaned = clean(text)
    try:
        parser = query._Parser(query._tokens(cleaned))
        node = parser.parse()
    except query.QuerySyntaxError as error:
        return query._plain_words(text, cleaned, [f"{error}; {FALLBACK}"])
    return ParsedQuery(text, node, query._is_plain(node), tuple(parser.notes))
