"""Snippets (kb/search/snippets.py): fragments of a passage with the matched words marked."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.search.snippets import (
    CONTEXT_WORDS,
    ELLIPSIS,
    FRAGMENT_WORDS,
    LEAD_CHARS,
    MAX_FRAGMENTS,
    SNIPPET_WORDS,
    AnalysedText,
    highlight,
    snippet,
    snippet_and_positions,
)
from kb.search.terms import stem, stems, words

MARK = re.compile(r"<mark>(.*?)</mark>")


def filler(count: int, start: int = 0) -> list[str]:
    """``count`` distinct invented words (wordaa, wordba, ...), none of them a stop word."""
    return [f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(start, start + count)]


def marked(html_snippet: str) -> list[str]:
    return MARK.findall(html_snippet)


def mark(analysed: AnalysedText, *words: str) -> str:
    """The snippet of ``analysed`` for the index terms of ``words``."""
    terms = {t for t in map(stem, words) if t}
    return snippet(analysed, terms)


# --- AnalysedText ----------------------------------------------------------------------------


def test_analysed_text_spans_and_terms() -> None:
    analysed = AnalysedText.of("The Keepers keep lanterns.")
    assert analysed.spans == [
        (0, 3, None),  # a stop word: no index term
        (4, 11, "keeper"),
        (12, 16, "keep"),
        (17, 25, "lantern"),
    ]
    assert analysed.where == {"keeper": [1], "keep": [2], "lantern": [3]}


def test_positions_are_sorted_and_ignore_unknown_terms() -> None:
    analysed = AnalysedText.of("Lanterns, keepers and lanterns again; a keeper.")
    assert analysed.positions({"lantern", "keeper", "tide"}) == [0, 1, 3, 6]
    assert analysed.positions({"tide"}) == []
    assert analysed.positions(set()) == []


def test_matched_words_are_lower_cased_unique_and_in_text_order() -> None:
    analysed = AnalysedText.of("Keepers watch the Lantern, LANTERN and lanterns")
    assert analysed.matched_words({"lantern", "keeper"}) == ["keepers", "lantern", "lanterns"]
    assert analysed.matched_words({"tide"}) == []
    assert analysed.matched_words(set()) == []


def test_a_common_word_in_a_long_text_still_leaves_a_rare_one_marked() -> None:
    text = " ".join(["keeper"] * 300 + ["driftwood"] + ["keeper"] * 300)
    analysed = AnalysedText.of(text)
    html = snippet(analysed, {"keeper", "driftwood"})
    assert "<mark>driftwood</mark>" in html
    assert html.count("<mark>keeper</mark>") > 10


def test_accented_words_meet_their_folded_terms() -> None:
    analysed = AnalysedText.of("Le phare côtier")
    assert analysed.positions({stem("cotier") or ""}) == [2]


def test_empty_text() -> None:
    analysed = AnalysedText.of("")
    assert analysed.spans == [] and analysed.where == {}
    assert snippet(analysed, []) == ""


# --- the lead, when no word of the text matched ------------------------------------------


def test_short_text_is_shown_whole_and_escaped() -> None:
    text = 'Keepers & pilots <b>agree</b> "today"'
    assert snippet(AnalysedText.of(text), []) == (
        'Keepers &amp; pilots &lt;b&gt;agree&lt;/b&gt; "today"'
    )


def test_long_text_is_cut_at_a_space() -> None:
    text = " ".join(filler(100))
    lead = snippet(AnalysedText.of(text), [])
    assert lead.endswith(ELLIPSIS)
    body = lead[: -len(ELLIPSIS)]
    assert len(body) <= LEAD_CHARS
    assert text.startswith(body + " ")


def test_long_text_without_spaces_is_cut_at_the_limit() -> None:
    text = "x" * (LEAD_CHARS * 2)
    assert snippet(AnalysedText.of(text), []) == "x" * LEAD_CHARS + ELLIPSIS


# --- marking -----------------------------------------------------------------------------------


def test_matched_words_are_marked_as_written() -> None:
    analysed = AnalysedText.of("The Keepers keep their LANTERNS lit.")
    result = mark(analysed, "keeper", "lantern")
    assert result == "The <mark>Keepers</mark> keep their <mark>LANTERNS</mark> lit."


def test_text_and_marked_words_are_escaped() -> None:
    analysed = AnalysedText.of("<script>alert(1)</script> & lantern <mark>x</mark>")
    result = mark(analysed, "lantern", "script")
    assert "<script" not in result
    assert result == (
        "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; &amp; "
        "<mark>lantern</mark> &lt;mark&gt;x&lt;/mark&gt;"
    )


def test_quotes_are_left_as_they_are() -> None:
    # snippets go into element content, never attributes
    assert mark(AnalysedText.of('say "lantern"'), "lantern") == 'say "<mark>lantern</mark>"'


def test_a_match_near_the_end_of_a_long_text() -> None:
    words = filler(8000)
    words[7990] = "driftwood"
    text = " ".join(words)
    assert len(text) > 40_000
    result = mark(AnalysedText.of(text), "driftwood")
    assert marked(result) == ["driftwood"]
    assert result.startswith(ELLIPSIS)
    assert not result.endswith(ELLIPSIS)  # the fragment reaches the end of the text
    assert result.endswith(" ".join(words[-9:]))
    # CONTEXT_WORDS words of context before the mark
    before = result[len(ELLIPSIS) : result.index("<mark>")].split()
    assert before == words[7990 - CONTEXT_WORDS : 7990]


def test_a_match_at_the_start_has_no_leading_ellipsis() -> None:
    words = ["lantern", *filler(200)]
    result = mark(AnalysedText.of(" ".join(words)), "lantern")
    assert result.startswith("<mark>lantern</mark> wordaa")
    assert result.endswith(ELLIPSIS)
    assert len(result[: -len(ELLIPSIS)].split()) == FRAGMENT_WORDS + CONTEXT_WORDS


def test_two_distant_matches_make_two_fragments() -> None:
    words = filler(400)
    words[100], words[300] = "lantern", "keeper"
    result = mark(AnalysedText.of(" ".join(words)), "lantern", "keeper")
    assert result.count(f" {ELLIPSIS} ") == 1
    assert result.startswith(ELLIPSIS) and result.endswith(ELLIPSIS)
    assert marked(result) == ["lantern", "keeper"]  # in text order


def test_fragments_that_touch_become_one() -> None:
    words = filler(120)
    words[0], words[60] = "lantern", "keeper"  # windows [0, 48) and [48, 96)
    result = mark(AnalysedText.of(" ".join(words)), "lantern", "keeper")
    assert marked(result) == ["lantern", "keeper"]
    assert f" {ELLIPSIS} " not in result
    assert result.endswith(ELLIPSIS) and not result.startswith(ELLIPSIS)


def test_the_densest_fragments_are_chosen() -> None:
    words = filler(600)
    words[10] = "lantern"  # one term alone
    words[200], words[203] = "lantern", "keeper"  # two distinct terms
    words[400], words[402], words[404] = "lantern", "keeper", "pilot"  # three
    result = mark(AnalysedText.of(" ".join(words)), "lantern", "keeper", "pilot")
    assert result.count(f" {ELLIPSIS} ") == MAX_FRAGMENTS - 1
    assert marked(result) == ["lantern", "keeper", "lantern", "keeper", "pilot"]
    assert words[11] not in result  # the lone match at word 10 is left out


def test_distinct_terms_count_more_than_repeats() -> None:
    words = filler(600)
    for i in (100, 101, 102, 103):
        words[i] = "lantern"  # four matches of one term
    words[300], words[301] = "keeper", "pilot"  # two matches of two terms
    words[500], words[501], words[502] = "lantern", "keeper", "pilot"  # three of three
    result = mark(AnalysedText.of(" ".join(words)), "lantern", "keeper", "pilot")
    fragments = result.split(f" {ELLIPSIS} ")
    assert len(fragments) == 2
    assert marked(fragments[0]) == ["keeper", "pilot"]
    assert marked(fragments[1]) == ["lantern", "keeper", "pilot"]


def test_a_match_in_a_short_text_shows_it_all() -> None:
    text = "Each port keeps a lantern & a bell."
    assert mark(AnalysedText.of(text), "bell") == (
        "Each port keeps a lantern &amp; a <mark>bell</mark>."
    )


def test_overlapping_windows_show_both_matches() -> None:
    words = filler(200)
    words[0], words[50] = "lantern", "keeper"
    result = mark(AnalysedText.of(" ".join(words)), "lantern", "keeper")
    assert marked(result) == ["lantern", "keeper"]


# --- the paragraph shown: the one holding the most distinct marks -----------------------------


def numbered(number: int, count: int, placed: dict[int, str] | None = None) -> str:
    """Paragraph ``number``: "N." and ``count`` filler words of its own, ending with a full
    stop, the ``placed`` words put at their places."""
    words = filler(count, 100 * number)
    for place, word in (placed or {}).items():
        words[place] = word
    return f"{number}. " + " ".join(words) + "."


def shown(paragraph: str, *words: str) -> str:
    """``paragraph`` as a snippet shows it, ``words`` marked."""
    return re.sub(rf"\b({'|'.join(words)})\b", r"<mark>\1</mark>", paragraph)


def test_the_paragraph_with_the_most_distinct_marks_is_shown_not_the_first() -> None:
    paragraphs = [numbered(n, 40) for n in range(1, 7)]
    paragraphs[0] = numbered(1, 40, {2: "lantern", 10: "lantern", 25: "lantern"})  # one mark
    paragraphs[4] = numbered(5, 40, {20: "lantern", 30: "keeper"})  # two distinct marks
    paragraphs[5] = numbered(6, 60)  # too long to follow the fifth within the snippet
    result = snippet(AnalysedText.of("\n\n".join(paragraphs)), {"lantern", "keeper"})
    assert result == ELLIPSIS + shown(paragraphs[4], "lantern", "keeper") + ELLIPSIS


def test_equal_paragraphs_go_to_more_occurrences() -> None:
    paragraphs = [numbered(n, 40) for n in range(1, 6)]
    paragraphs[1] = numbered(2, 40, {5: "lantern", 9: "keeper"})
    paragraphs[3] = numbered(4, 40, {5: "lantern", 9: "keeper", 12: "lantern"})
    paragraphs[4] = numbered(5, 60)
    result = snippet(AnalysedText.of("\n\n".join(paragraphs)), {"lantern", "keeper"})
    assert result == ELLIPSIS + shown(paragraphs[3], "lantern", "keeper") + ELLIPSIS


def test_equal_paragraphs_in_every_way_go_to_the_first() -> None:
    paragraphs = [numbered(n, 40) for n in range(1, 6)]
    paragraphs[1] = numbered(2, 40, {5: "lantern", 9: "keeper"})
    paragraphs[2] = numbered(3, 60)
    paragraphs[3] = numbered(4, 40, {5: "keeper", 9: "lantern"})
    result = snippet(AnalysedText.of("\n\n".join(paragraphs)), {"lantern", "keeper"})
    assert result == ELLIPSIS + shown(paragraphs[1], "lantern", "keeper") + ELLIPSIS


def test_equal_paragraphs_go_to_the_one_holding_what_the_others_do_not() -> None:
    # "keeper" is in three paragraphs, "lantern" in two, "pilot" only in the fourth: the
    # fourth has two distinct marks like the others, fewer occurrences, and is shown
    paragraphs = [numbered(n, 40) for n in range(1, 6)]
    paragraphs[1] = numbered(2, 40, {5: "lantern", 9: "keeper"})
    paragraphs[2] = numbered(3, 40, {5: "lantern", 9: "keeper", 20: "keeper"})
    paragraphs[3] = numbered(4, 40, {5: "pilot", 9: "keeper"})
    paragraphs[4] = numbered(5, 60)
    result = snippet(AnalysedText.of("\n\n".join(paragraphs)), {"lantern", "keeper", "pilot"})
    assert result == ELLIPSIS + shown(paragraphs[3], "pilot", "keeper") + ELLIPSIS


def test_a_phrase_counts_where_it_stands_whole() -> None:
    # the marks of a phrase typed as words: the phrase, and each of its words
    marks = {stems("tide table"), *((term,) for term in stems("tide table"))}
    paragraphs = [numbered(n, 40) for n in range(1, 6)]
    paragraphs[1] = numbered(2, 40, {5: "tide", 6: "table"})  # the phrase whole: three marks
    paragraphs[2] = numbered(3, 60)
    paragraphs[3] = numbered(4, 40, {3: "tides", 8: "tables", 20: "tide", 30: "table"})  # two
    paragraphs[4] = numbered(5, 60)
    result = snippet(AnalysedText.of("\n\n".join(paragraphs)), marks)
    assert result == ELLIPSIS + shown(paragraphs[1], "tide", "table") + ELLIPSIS


def test_a_short_best_paragraph_brings_the_whole_paragraphs_after_it_that_fit() -> None:
    lead_in = 'c) "lantern keeper" means:'
    first = "(i) " + " ".join(filler(25, 100)) + ";"
    second = "(ii) " + " ".join(filler(25, 200)) + "."
    third = "(iii) " + " ".join(filler(50, 300)) + "."
    text = "\n\n".join([" ".join(filler(60)), lead_in, first, second, third])
    result = snippet(AnalysedText.of(text), {"lantern", "keeper"})
    marked_lead_in = 'c) "<mark>lantern</mark> <mark>keeper</mark>" means:'
    # the lead-in and the first item are shorter than a fragment: the second follows
    # (the third would pass the snippet's length)
    assert result == ELLIPSIS + "\n\n".join([marked_lead_in, first, second]) + ELLIPSIS


def test_a_long_paragraph_shows_its_windows_and_nothing_of_its_neighbours() -> None:
    before = numbered(1, 30, {20: "keeper"})
    words = filler(300, 100)
    for place, word in {3: "lantern", 8: "pilot", 200: "keeper", 203: "lantern"}.items():
        words[place] = word
    long = "(2) " + " ".join(words) + "."
    after = numbered(3, 30, {1: "pilot"})
    text = "\n\n".join([before, long, after])
    result = snippet(AnalysedText.of(text), {"lantern", "keeper", "pilot"})
    fragments = result.split(f" {ELLIPSIS} ")
    assert len(fragments) == MAX_FRAGMENTS
    # the first window starts with the paragraph, its bracket included, not before it
    assert fragments[0].startswith(ELLIPSIS + "(2) wordwd wordxd wordyd <mark>lantern</mark>")
    assert len(fragments[0].split()) == FRAGMENT_WORDS + CONTEXT_WORDS  # "(2)" is a word
    assert marked(fragments[1]) == ["keeper", "lantern"]
    assert fragments[1].endswith(ELLIPSIS) and "3." not in fragments[1]


def test_the_window_of_a_long_paragraph_holds_the_most_distinct_marks() -> None:
    words = filler(600)
    words[100], words[101] = "tide", "table"  # one mark: the phrase, whole
    words[300], words[303] = "keeper", "pilot"  # two marks
    words[500], words[502], words[504] = "lantern", "keeper", "pilot"  # three
    marks = {stems("tide table"), ("keeper",), ("pilot",), ("lantern",)}
    result = snippet(AnalysedText.of(" ".join(words)), marks)
    assert marked(result) == ["keeper", "pilot", "lantern", "keeper", "pilot"]
    assert "tide" not in result


def test_a_text_within_the_snippet_length_is_shown_whole() -> None:
    paragraphs = [numbered(1, 30), numbered(2, 30), numbered(3, 30, {28: "lantern"})]
    text = "\n\n".join(paragraphs)
    assert len(AnalysedText.of(text).spans) == SNIPPET_WORDS - 3  # and "1", "2", "3"
    assert snippet(AnalysedText.of(text), {"lantern"}) == text.replace(
        "lantern", "<mark>lantern</mark>"
    )


def test_paragraphs_are_separated_by_blank_lines() -> None:
    text = 'One line\nand its next.\n \t\n"Second" here.\n\n--\n\n(third) and last.\n\n'
    analysed = AnalysedText.of(text)
    assert analysed.paragraphs.firsts == [0, 5, 7]
    begins, ends = analysed.paragraphs.begins, analysed.paragraphs.ends
    assert [text[b:e] for b, e in zip(begins, ends, strict=True)] == [
        "One line\nand its next.",
        '"Second" here.',
        "--\n\n(third) and last.\n\n",  # signs alone join the next paragraph
    ]


# --- properties ------------------------------------------------------------------------------

TEXTS = st.lists(
    st.one_of(
        st.sampled_from(["lantern", "Keepers", "keeper", "pilot", "the", "a", "tide", "3.1"]),
        st.sampled_from(["<", ">", "&", '"', "'", "<mark>", "</mark>", "…", "&amp;", "\n", "\n\n"]),
        st.text(alphabet="abcé<&> ", max_size=6),
    ),
    max_size=300,
).map(" ".join)
TERMS = st.sets(st.sampled_from(["lantern", "keeper", "pilot", "tide", "abc", "mark"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, TERMS)
def test_snippets_are_safe_html_made_of_the_text(text: str, terms: set[str]) -> None:
    analysed = AnalysedText.of(text)
    positions = analysed.positions(terms)
    result = snippet(analysed, terms)
    bare = result.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    for word in marked(result):
        assert stem(html.unescape(word)) in terms
    if positions:
        assert 1 <= len(marked(result)) <= len(positions)
        assert len(words(html.unescape(bare))) <= SNIPPET_WORDS
    else:
        assert "<mark>" not in result
    for part in html.unescape(bare).split(ELLIPSIS):
        assert part.strip() in text


# --- occurrences: the words a mark matches, as written ---------------------------------------


def test_occurrences_of_a_term_are_the_words_lower_cased_each_once() -> None:
    analysed = AnalysedText.of("Keepers keep. The KEEPERS, a keeper and keepers.")
    assert list(analysed.occurrences(("keeper",))) == ["keepers", "keeper"]
    assert list(analysed.occurrences(("keep",))) == ["keep"]
    assert list(analysed.occurrences(("tide",))) == []


def test_occurrences_of_a_phrase_run_over_stop_words_between() -> None:
    analysed = AnalysedText.of("Mutual and the assistance; mutual\n\n   assistance; mutual aid.")
    assert list(analysed.occurrences(("mutual", "assist"))) == [
        "mutual and the assistance",
        "mutual assistance",  # the line break and spaces squeezed to one space
    ]


def test_occurrences_of_a_phrase_need_the_whole_phrase() -> None:
    analysed = AnalysedText.of("Mutual aid, then assistance; at the end, mutual")
    assert list(analysed.occurrences(("mutual", "assist"))) == []
    assert list(analysed.occurrences(("mutual",))) == ["mutual"]


def test_occurrences_keep_the_characters_between_the_words() -> None:
    analysed = AnalysedText.of("Harbour crews & keepers alike; cross-border lights.")
    assert list(analysed.occurrences(("crew", "keeper"))) == ["crews & keepers"]
    assert list(analysed.occurrences(("cross", "border"))) == ["cross-border"]


def test_occurrences_are_limited_and_remembered() -> None:
    analysed = AnalysedText.of(
        "signal Signals SIGNAL signalled signalling signaller signallers signal"
    )
    first = analysed.occurrences(("signal",))
    assert first == ("signal", "signals", "signalled", "signalling")  # four, in text order
    assert analysed.occurrences(("signal",)) is first  # worked out once per text


def test_occurrences_of_a_phrase_are_limited_too() -> None:
    analysed = AnalysedText.of("Tide table, tide tables, TIDE TABLES, tides tabled, tide of tables")
    phrase = stems("tide tables")
    assert phrase == ("tide", "tabl")
    assert analysed.occurrences(phrase) == (
        "tide table",
        "tide tables",
        "tides tabled",
        "tide of tables",
    )


# --- highlight: the whole text, marked, with links -----------------------------------------------


def whole(text: str, *words: str, links: tuple[tuple[int, int, str], ...] = ()) -> str:
    """``text`` highlighted for the index terms of ``words``, with ``links``."""
    analysed = AnalysedText.of(text)
    terms = {t for t in map(stem, words) if t}
    return highlight(analysed, analysed.positions(terms), links)


def test_highlight_marks_every_match_in_the_whole_text() -> None:
    text = " ".join(filler(200)) + " keepers " + " ".join(filler(200, 200)) + " keeper"
    shown = whole(text, "keepers")
    assert marked(shown) == ["keepers", "keeper"]
    assert MARK.sub(r"\1", shown) == text  # nothing cut, no ellipsis


def test_highlight_escapes_the_text() -> None:
    shown = whole('A <b>keeper</b> & "his" lamp', "keeper")
    assert shown == 'A &lt;b&gt;<mark>keeper</mark>&lt;/b&gt; &amp; "his" lamp'


def test_highlight_without_marks_or_links_is_the_escaped_text() -> None:
    assert whole("Tides & <currents>") == "Tides &amp; &lt;currents&gt;"
    assert whole("") == ""


def test_a_link_keeps_the_marks_inside_it() -> None:
    text = "As Article 5 says, keepers watch."
    start = text.index("Article 5")
    shown = whole(text, "article", "keepers", links=((start, start + 9, "/p/lantern.art-5"),))
    assert shown == (
        'As <a class="ref" href="/p/lantern.art-5"><mark>Article</mark> 5</a> says, '
        "<mark>keepers</mark> watch."
    )


def test_link_text_is_escaped() -> None:
    text = "See <Article 5> & more."
    start = text.index("<")
    shown = whole(text, links=((start, start + len("<Article 5>"), "/p/x"),))
    assert shown == 'See <a class="ref" href="/p/x">&lt;Article 5&gt;</a> &amp; more.'


@pytest.mark.parametrize(
    ("href", "escaped"),
    [
        ('/p/x" onmouseover="alert(1)', "/p/x&quot; onmouseover=&quot;alert(1)"),
        ("/p/x' onclick='alert(1)", "/p/x&#x27; onclick=&#x27;alert(1)"),
        ('"><script>alert(1)</script>', "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("/search?q=a&b=c", "/search?q=a&amp;b=c"),
    ],
)
def test_a_hostile_href_cannot_leave_its_attribute(href: str, escaped: str) -> None:
    shown = whole("Article 5 applies.", links=((0, 9, href),))
    assert shown == f'<a class="ref" href="{escaped}">Article 5</a> applies.'
    assert shown.count('"') == 4  # the attribute's own quotes and class's only
    assert "<script" not in shown


def test_several_links_in_any_order() -> None:
    text = "Article 2 and Article 5 apply."
    first, second = (0, 9, "/a2"), (14, 23, "/a5")
    expected = (
        '<a class="ref" href="/a2">Article 2</a> and <a class="ref" href="/a5">Article 5</a> apply.'
    )
    assert whole(text, links=(first, second)) == expected
    assert whole(text, links=(second, first)) == expected


def test_links_that_touch_are_both_made() -> None:
    shown = whole("Art5Art6", links=((0, 4, "/5"), (4, 8, "/6")))
    assert shown == '<a class="ref" href="/5">Art5</a><a class="ref" href="/6">Art6</a>'


def test_an_overlapping_link_is_ignored() -> None:
    text = "Articles 5 and 6 apply."
    links = ((0, 10, "/a5"), (5, 16, "/overlap"), (15, 16, "/a6"))
    shown = whole(text, links=links)
    assert shown == (
        '<a class="ref" href="/a5">Articles 5</a> and <a class="ref" href="/a6">6</a> apply.'
    )
    assert "/overlap" not in shown


@pytest.mark.parametrize(
    "link", [(5, 500, "/far"), (5, 5, "/empty"), (9, 3, "/backwards"), (-3, 4, "/before")]
)
def test_a_link_out_of_range_is_ignored(link: tuple[int, int, str]) -> None:
    text = "A keeper watches."
    assert whole(text, "keeper", links=(link,)) == "A <mark>keeper</mark> watches."


def test_a_link_across_part_of_a_marked_word_loses_no_text() -> None:
    text = "Lanterns burn."
    shown = whole(text, "lanterns", links=((0, 4, "/lan"),))
    assert html.unescape(re.sub(r"<[^>]+>", "", shown)) == text
    # tags stay nested: no mark opened in the link is closed outside it
    inside = re.fullmatch(r'<a class="ref" href="/lan">(.*?)</a>(.*)', shown)
    assert inside is not None
    for part in inside.groups():
        assert part.count("<mark>") == part.count("</mark>")


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet=st.sampled_from("ab <>&\"' keepr"), max_size=40),
    cuts=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=4),
)
def test_highlight_is_the_text_whatever_the_links(text: str, cuts: list[tuple[int, int]]) -> None:
    links = [(min(a, b), max(a, b), f'/x"{a}') for a, b in cuts]
    shown = whole(text, "keeper", links=tuple(links))
    bare = re.sub(r"</?mark>|<a [^>]*>|</a>", "", shown)
    assert html.unescape(bare) == text
    assert "<" not in bare and ">" not in bare
    assert shown.count("<a ") == shown.count("</a>")


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Conditions and safeguards apply to the powers and procedures.", "safeguards powers"),
        ("A preservation order.\n\nThe order of preservation.\n\n" + "Other words. " * 80, "order"),
        ("Nothing here matches.", "lantern"),
        ("mutual assistance in criminal matters; mutual help", "mutual assistance"),
    ],
)
def test_a_snippet_and_its_positions_are_found_once_for_both(text: str, query: str) -> None:
    analysed = AnalysedText.of(text)
    marks = {stems(query), *((t,) for t in stems(query))}
    shown, positions = snippet_and_positions(analysed, marks)
    assert shown == snippet(analysed, marks)
    assert positions == analysed.positions(marks)
    assert analysed.words_at(positions) == analysed.matched_words(marks)
