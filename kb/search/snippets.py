"""Snippets: the best part of a passage with the matched words marked.

A text of up to SNIPPET_WORDS words is shown whole. A longer one is shown from its
best paragraph (text between blank lines): the one holding the most distinct marks
(the query's terms and phrases, a phrase only where it stands whole), so that the
paragraph that answers the query is shown rather than the first one. A short
paragraph brings the whole paragraphs after it while they fit; a paragraph too long
to show is cut to its best windows of words.

Everything is worked out from the whole text (Whoosh's highlighter looks only at the
first 32K characters and re-analyses the text on every call); each passage's words,
their index terms and its paragraphs are worked out once and cached. The output is
HTML: the text is escaped and only ``<mark>`` is added, so it is safe to insert as
it is.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import itemgetter
from typing import NamedTuple

from kb.search.caching import text_bytes
from kb.search.terms import spans

CONTEXT_WORDS = 12  # words of context before the first mark of a fragment
FRAGMENT_WORDS = 36
MAX_FRAGMENTS = 2
WINDOW_WORDS = CONTEXT_WORDS + FRAGMENT_WORDS  # the words of one fragment, at most
SNIPPET_WORDS = MAX_FRAGMENTS * WINDOW_WORDS  # the words of a snippet: a text this short is whole
BLANK_LINE = re.compile(r"\n[^\S\n]*\n")  # what separates paragraphs
LEAD_CHARS = 240  # shown when no word of the text matched (a title or heading match)
ELLIPSIS = "…"
Mark = str | tuple[str, ...]  # a term, or a phrase of terms
THIN_ABOVE = 48  # marks in a paragraph, above which window starts are sampled
PLACES_PER_MARK = 8
OCCURRENCES = 4  # distinct words a mark is found as, at most, for explanations
SPAN_BYTES = 160  # a word's span tuple, its offsets and its place in ``where`` (measured)
escape = partial(html.escape, quote=False)  # snippets go into element content, never attributes
Place = tuple[int, int]  # the word where a mark's run starts, and the mark's number
Words = tuple[int, int]  # a range [start, end) of a text's words


class Paragraphs(NamedTuple):
    """A text's paragraphs holding words, in order: where each starts and ends."""

    firsts: list[int]  # each paragraph's first word
    begins: list[int]  # its first character (a quote or a bracket before the word)
    ends: list[int]  # the character after its last (its full stop)


@dataclass(frozen=True)
class AnalysedText:
    """A text's word spans, and where each index term occurs."""

    text: str
    spans: list[tuple[int, int, str | None]]
    where: dict[str, list[int]]
    # occurrences() per mark: a passage's texts are analysed once and asked again and
    # again; bounded by the terms the text holds (a mark is looked for only when it does)
    _occurrences: dict[tuple[str, ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def bytes(self) -> int:
        """What the analysis holds, for the caches' budgets (occurrences, paragraphs apart)."""
        return text_bytes(self.text) + SPAN_BYTES * len(self.spans)

    @classmethod
    def of(cls, text: str) -> AnalysedText:
        found = spans(text)
        where: dict[str, list[int]] = defaultdict(list)
        for i, (_, _, term) in enumerate(found):
            if term:
                where[term].append(i)
        return cls(text, found, dict(where))

    @cached_property
    def plain(self) -> bool:
        """Whether the text holds nothing that HTML escapes: then its parts need no escaping."""
        return not any(sign in self.text for sign in "&<>")

    @cached_property
    def paragraphs(self) -> Paragraphs:
        """The paragraphs (text between blank lines); signs alone between two blank
        lines join the next one. Worked out when first asked, for long texts only."""
        firsts, begins, ends = [0], [0], []
        for gap in BLANK_LINE.finditer(self.text):
            word = bisect_left(self.spans, gap.end(), key=itemgetter(0))
            if word == len(self.spans):
                break
            if word > firsts[-1]:
                firsts.append(word)
                begins.append(gap.end())
                ends.append(gap.start())
        ends.append(len(self.text))
        return Paragraphs(firsts, begins, ends)

    def positions(self, marks: Iterable[Mark]) -> list[int]:
        """Where the marks occur: a term anywhere, a phrase only as a whole.

        A mark is a term ("safeguard") or a phrase of terms ("condit", "safeguard");
        a phrase's words may stand apart by stop words, as in the index.
        """
        return self.places(marks)[1]

    def places(self, marks: Iterable[Mark]) -> tuple[list[Place], list[int]]:
        """Where each mark stands whole (by its number, in no order), and the words to mark."""
        return self.places_of(_distinct(marks))

    def places_of(self, marks: Collection[tuple[str, ...]]) -> tuple[list[Place], list[int]]:
        """:meth:`places` of marks that are already distinct tuples of terms (a search's)."""
        if len(marks) == 1:  # most often one term: its places are its positions, in order
            (terms,) = marks
            starts = self.where.get(terms[0])
            if not starts:
                return [], []
            if len(terms) == 1:
                return [(start, 0) for start in starts], starts.copy()
        places: list[Place] = []
        words: set[int] = set()
        for number, terms in enumerate(marks):
            starts = self.where.get(terms[0])
            if not starts:
                continue
            if len(terms) == 1:  # a term: each of its places is a run of one word
                places += [(start, number) for start in starts]
                words.update(starts)
                continue
            for start in starts:
                run = self._run(start, terms)
                if run:
                    places.append((start, number))
                    words.update(run)
        return places, sorted(words)

    def _run(self, start: int, terms: tuple[str, ...]) -> list[int]:
        run, at = [start], start
        for term in terms[1:]:
            at += 1
            while at < len(self.spans) and self.spans[at][2] is None:  # a stop word
                at += 1
            if at == len(self.spans) or self.spans[at][2] != term:
                return []
            run.append(at)
        return run

    def occurrences(self, mark: tuple[str, ...]) -> tuple[str, ...]:
        """The text's words (or runs of words, for a phrase) that ``mark`` matches,
        lower-cased, each once, at most OCCURRENCES of them."""
        found = self._occurrences.get(mark)
        if found is None:
            found = self._occurrences[mark] = self._find(mark)
        return found

    def _find(self, mark: tuple[str, ...]) -> tuple[str, ...]:
        found: dict[str, None] = {}
        for start in self.where.get(mark[0], ()):
            run = self._run(start, mark)
            if run:
                text = self.text[self.spans[run[0]][0] : self.spans[run[-1]][1]]
                found[" ".join(text.lower().split())] = None
                if len(found) == OCCURRENCES:
                    break
        return tuple(found)

    def matched_words(self, marks: Iterable[Mark], limit: int = 12) -> list[str]:
        """The words of the text that the marks match, lower-cased, each once, in text order."""
        return self.words_at(self.positions(marks), limit) if self.where else []

    def words_at(self, positions: list[int], limit: int = 12) -> list[str]:
        """The words at ``positions`` (sorted), lower-cased, each once, at most ``limit``."""
        text, spans = self.text, self.spans
        found: dict[str, None] = {}
        for i in positions:
            start, end, _ = spans[i]
            found[text[start:end].lower()] = None
            if len(found) == limit:
                break
        return list(found)


def _distinct(marks: Iterable[Mark]) -> dict[tuple[str, ...], None]:
    """Each mark once, as a tuple of terms."""
    return dict.fromkeys((m,) if isinstance(m, str) else m for m in marks)


def snippet(analysed: AnalysedText, marks: Iterable[Mark]) -> str:
    """The best part of the text, the ``marks`` in it marked, as HTML (see the module)."""
    return snippet_and_positions(analysed, marks)[0]


def snippet_and_positions(analysed: AnalysedText, marks: Iterable[Mark]) -> tuple[str, list[int]]:
    """The snippet, and where the marks occur in the whole text (``positions(marks)``):
    found once for both."""
    places, positions = analysed.places(marks)
    return snippet_at(analysed, places, positions), positions


def snippet_at(analysed: AnalysedText, places: list[Place], positions: list[int]) -> str:
    """The snippet of a text whose marks stand at ``places`` (see ``places``)."""
    if not places:
        return _lead(analysed.text)
    shown = _shown(analysed, places)
    parts = [_render(analysed, start, end, positions) for start, end in shown]
    lead = ELLIPSIS if shown[0][0] > 0 else ""
    tail = ELLIPSIS if shown[-1][1] < len(analysed.spans) else ""
    return lead + f" {ELLIPSIS} ".join(parts) + tail


Link = tuple[int, int, str]  # characters [start, end) of a text, and where they lead


def highlight(analysed: AnalysedText, positions: list[int], links: Iterable[Link] = ()) -> str:
    """The whole text as safe HTML, the words at ``positions`` marked.

    ``links`` (non-overlapping) become ``<a class="ref">`` around their characters;
    the marks inside a link stay marks.
    """
    text = analysed.text
    marked = [analysed.spans[i][:2] for i in positions]
    out, cursor = [], 0
    for start, end, href in sorted(links):
        if start < cursor or end > len(text) or start >= end:
            continue  # overlapping or out of range: left as text
        out.append(_marked(text, cursor, start, marked))
        inner = _marked(text, start, end, marked)
        out.append(f'<a class="ref" href="{html.escape(href, quote=True)}">{inner}</a>')
        cursor = end
    out.append(_marked(text, cursor, len(text), marked))
    return "".join(out)


def _marked(text: str, begin: int, end: int, marked: list[tuple[int, int]]) -> str:
    """``text[begin:end]`` escaped, the marked word spans inside it in ``<mark>``."""
    out, cursor = [], begin
    for s, e in marked[bisect_left(marked, (begin, begin)) :]:
        if e > end:
            break
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    return "".join(out)


def _shown(analysed: AnalysedText, places: list[Place]) -> list[Words]:
    """The word ranges to show: the whole text, the best paragraph, or its best windows."""
    total = len(analysed.spans)
    if total <= SNIPPET_WORDS:
        return [(0, total)]
    firsts = analysed.paragraphs.firsts
    places = sorted(places)
    best = _best_paragraph(firsts, places)
    first, last = _words(firsts, best, total)
    if last - first <= SNIPPET_WORDS:
        return [(first, _following(firsts, best, total))]
    inside = places[bisect_left(places, (first, 0)) : bisect_left(places, (last, 0))]
    return _merge(_best_windows(_thinned(inside), first, last))


def _best_paragraph(firsts: list[int], places: list[Place]) -> int:
    """The paragraph holding the most distinct marks.

    Ties go to the paragraph whose marks fewer other paragraphs hold (the one saying
    what the others do not: "confidential" beside "preserve" rather than "preserve"
    and "order" again), then to more occurrences, then to the first.
    """
    held: dict[int, dict[int, int]] = {}  # paragraph -> mark -> occurrences
    for word, number in places:
        numbers = held.setdefault(bisect_right(firsts, word) - 1, {})
        numbers[number] = numbers.get(number, 0) + 1
    if len(held) == 1:
        return next(iter(held))
    spread: dict[int, int] = {}  # mark -> paragraphs holding it
    for numbers in held.values():
        for number in numbers:
            spread[number] = spread.get(number, 0) + 1
    if len(spread) == 1:  # one mark, as most often: where it occurs most, then the first
        return max(held, key=lambda index: (sum(held[index].values()), -index))

    most = max(map(len, held.values()))
    candidates = [index for index, numbers in held.items() if len(numbers) == most]

    def score(index: int) -> tuple[float, int, int]:
        numbers = held[index]
        rarity = sum(sorted(1 / spread[number] for number in numbers))  # sorted: equal sets tie
        return rarity, sum(numbers.values()), -index

    return candidates[0] if len(candidates) == 1 else max(candidates, key=score)


def _words(firsts: list[int], index: int, total: int) -> Words:
    """The words of a paragraph."""
    return firsts[index], firsts[index + 1] if index + 1 < len(firsts) else total


def _following(firsts: list[int], index: int, total: int) -> int:
    """Where the shown text ends: a paragraph shorter than a fragment brings the whole
    paragraphs after it (a list's first item after its lead-in) while they fit."""
    first, end = _words(firsts, index, total)
    for after in range(index + 1, len(firsts)):
        last = _words(firsts, after, total)[1]
        if end - first >= WINDOW_WORDS or last - first > SNIPPET_WORDS:
            break
        end = last
    return end


def _thinned(places: list[Place]) -> list[Place]:
    """At most a few places per mark to start a window from, spread over the paragraph.

    A common word can occur dozens of times in a long passage; windows need only a
    sample of its places, while every place of a rarer mark is kept.
    """
    if len(places) <= THIN_ABOVE:
        return places
    by_mark: dict[int, list[Place]] = defaultdict(list)
    for place in places:
        by_mark[place[1]].append(place)
    kept = []
    for found in by_mark.values():
        step = max(1, len(found) // PLACES_PER_MARK)
        kept += found[::step]
    return sorted(kept)


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows that touch become one."""
    merged = [windows[0]]
    for start, end in windows[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _best_windows(places: list[Place], first: int, last: int) -> list[Words]:
    """Ranges of the words [first, last) that hold the most distinct marks, in text order.

    A window starts at each mark and spans FRAGMENT_WORDS words; ties go to more
    occurrences, then to the first. One pass with two pointers counts the marks
    inside each, so long passages with many matches stay cheap.
    """
    inside: Counter[int] = Counter()
    scored = []
    right = 0
    for left, (word, number) in enumerate(places):
        while right < len(places) and places[right][0] < word + FRAGMENT_WORDS:
            inside[places[right][1]] += 1
            right += 1
        scored.append((len(inside), right - left, -word))
        inside[number] -= 1
        if not inside[number]:
            del inside[number]
    chosen: list[Words] = []
    for _, _, negative_word in sorted(scored, reverse=True):
        word = -negative_word
        start = max(first, word - CONTEXT_WORDS)
        if not any(s <= word < e for s, e in chosen):
            chosen.append((start, min(last, start + WINDOW_WORDS)))
        if len(chosen) == MAX_FRAGMENTS:
            break
    return sorted(chosen)


def _render(analysed: AnalysedText, start: int, end: int, positions: list[int]) -> str:
    text, found = analysed.text, analysed.spans
    begin, finish = _characters(analysed, start, end)
    out: list[str] = []
    cursor = begin
    safe = str if analysed.plain else escape  # nothing to escape: the text's own slices
    for i in positions[bisect_left(positions, start) : bisect_left(positions, end)]:
        s, e, _ = found[i]
        out += (safe(text[cursor:s]), "<mark>", safe(text[s:e]), "</mark>")
        cursor = e
    out.append(safe(text[cursor:finish]))
    return "".join(out).strip()


def _characters(analysed: AnalysedText, start: int, end: int) -> tuple[int, int]:
    """The characters of the words [start, end): with a paragraph's opening quote or
    bracket when they start it, and its full stop when they end it."""
    found = analysed.spans
    begin, finish = found[start][0], found[end - 1][1]
    if start == 0:
        begin = 0
    elif (starts := _starting(analysed.paragraphs.firsts, start)) is not None:
        begin = analysed.paragraphs.begins[starts]
    if end >= len(found):
        finish = len(analysed.text)
    elif (following := _starting(analysed.paragraphs.firsts, end)) is not None:
        finish = analysed.paragraphs.ends[following - 1]
    return begin, finish


def _starting(firsts: list[int], word: int) -> int | None:
    """The paragraph that starts at ``word``, if one does."""
    index = bisect_left(firsts, word)
    return index if index < len(firsts) and firsts[index] == word else None


def _lead(text: str) -> str:
    if len(text) <= LEAD_CHARS:
        return escape(text)
    cut = text.rfind(" ", 0, LEAD_CHARS)
    return escape(text[: cut if cut > 0 else LEAD_CHARS]) + ELLIPSIS
