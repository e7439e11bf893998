"""Snippets: the best fragments of a passage with the matched words marked.

Fragments are chosen from the whole text (Whoosh's highlighter looks only at the
first 32K characters and re-analyses the text on every call); each passage's words
and their index terms are worked out once and cached. The output is HTML: the
text is escaped and only ``<mark>`` is added, so it is safe to insert as it is.
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from kb.search.caching import text_bytes
from kb.search.terms import spans

CONTEXT_WORDS = 12  # words of context before the first mark of a fragment
FRAGMENT_WORDS = 36
MAX_FRAGMENTS = 2
LEAD_CHARS = 240  # shown when no word of the text matched (a title or heading match)
ELLIPSIS = "…"
Mark = str | tuple[str, ...]  # a term, or a phrase of terms
THIN_ABOVE = 48  # matched words in a passage, above which window starts are sampled
PLACES_PER_TERM = 8
OCCURRENCES = 4  # distinct words a mark is found as, at most, for explanations
SPAN_BYTES = 160  # a word's span tuple, its offsets and its place in ``where`` (measured)
escape = partial(html.escape, quote=False)  # snippets go into element content, never attributes


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
        """What the analysis holds, for the caches' budgets (its occurrences apart)."""
        return text_bytes(self.text) + SPAN_BYTES * len(self.spans)

    @classmethod
    def of(cls, text: str) -> AnalysedText:
        found = spans(text)
        where: dict[str, list[int]] = defaultdict(list)
        for i, (_, _, term) in enumerate(found):
            if term:
                where[term].append(i)
        return cls(text, found, dict(where))

    def positions(self, marks: Iterable[Mark]) -> list[int]:
        """Where the marks occur: a term anywhere, a phrase only as a whole.

        A mark is a term ("safeguard") or a phrase of terms ("condit", "safeguard");
        a phrase's words may stand apart by stop words, as in the index.
        """
        hits: set[int] = set()
        for mark in marks:
            terms = (mark,) if isinstance(mark, str) else mark
            for start in self.where.get(terms[0], ()):
                run = self._run(start, terms)
                if run:
                    hits.update(run)
        return sorted(hits)

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
        found: dict[str, None] = {}
        for i in self.positions(marks):
            found[self.text[self.spans[i][0] : self.spans[i][1]].lower()] = None
            if len(found) == limit:
                break
        return list(found)


def snippet(analysed: AnalysedText, positions: list[int]) -> str:
    """Up to MAX_FRAGMENTS fragments around the densest of the matched ``positions``, as HTML."""
    if not positions:
        return _lead(analysed.text)
    windows = _merge(_best_windows(analysed, _thinned(analysed, positions)))
    parts = [_render(analysed, start, end, positions) for start, end in windows]
    lead = ELLIPSIS if windows[0][0] > 0 else ""
    tail = ELLIPSIS if windows[-1][1] < len(analysed.spans) else ""
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


def _thinned(analysed: AnalysedText, positions: list[int]) -> list[int]:
    """At most a few places per term to start a window from, spread over the whole text.

    A common word can occur dozens of times in a long passage; windows need only a
    sample of its places, while every place of a rarer term is kept.
    """
    if len(positions) <= THIN_ABOVE:
        return positions
    by_term: dict[str | None, list[int]] = defaultdict(list)
    for i in positions:
        by_term[analysed.spans[i][2]].append(i)
    kept = []
    for places in by_term.values():
        step = max(1, len(places) // PLACES_PER_TERM)
        kept += places[::step]
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


def _best_windows(analysed: AnalysedText, positions: list[int]) -> list[tuple[int, int]]:
    """Word ranges [start, end) that hold the most distinct matched terms, in text order.

    A window starts at each match and spans FRAGMENT_WORDS words; one pass with two
    pointers counts the terms inside each, so long passages with many matches stay cheap.
    """
    terms = [analysed.spans[i][2] for i in positions]
    inside: dict[str | None, int] = defaultdict(int)
    scored = []
    right = 0
    for left, first in enumerate(positions):
        while right < len(positions) and positions[right] < first + FRAGMENT_WORDS:
            inside[terms[right]] += 1
            right += 1
        scored.append((len(inside), right - left, -first))
        inside[terms[left]] -= 1
        if not inside[terms[left]]:
            del inside[terms[left]]
    chosen: list[tuple[int, int]] = []
    for _, _, negative_first in sorted(scored, reverse=True):
        first = -negative_first
        start = max(0, first - CONTEXT_WORDS)
        end = min(len(analysed.spans), start + FRAGMENT_WORDS + CONTEXT_WORDS)
        if not any(s <= first < e for s, e in chosen):
            chosen.append((start, end))
        if len(chosen) == MAX_FRAGMENTS:
            break
    return sorted(chosen)


def _render(analysed: AnalysedText, start: int, end: int, positions: list[int]) -> str:
    text, found = analysed.text, analysed.spans
    begin = 0 if start == 0 else found[start][0]
    finish = len(text) if end >= len(found) else found[end - 1][1]
    out = []
    cursor = begin
    for i in positions[bisect_left(positions, start) : bisect_left(positions, end)]:
        s, e, _ = found[i]
        out.append(escape(text[cursor:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        cursor = e
    out.append(escape(text[cursor:finish]))
    return "".join(out).strip()


def _lead(text: str) -> str:
    if len(text) <= LEAD_CHARS:
        return escape(text)
    cut = text.rfind(" ", 0, LEAD_CHARS)
    return escape(text[: cut if cut > 0 else LEAD_CHARS]) + ELLIPSIS
