"""Search results as terminal text, for ``kb search``."""

from __future__ import annotations

import html
import re
import textwrap

import click

from kb.search.searcher import Hit, SearchResult

_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


def render_hits(result: SearchResult, *, color: bool = False) -> str:
    """A header (total, reading, notes), then each hit: citation, link, snippet."""
    lines = [_header(result)]
    for rank, hit in enumerate(
        result.hits, start=(result.request.page - 1) * result.request.per_page + 1
    ):
        lines += ["", *_hit(rank, hit, color)]
    return "\n".join(lines)


def _header(result: SearchResult) -> str:
    parts = [f"{result.total} passage{'s' if result.total != 1 else ''}"]
    if result.read_as:
        parts.append(f"for {result.read_as}")
    parts.append(f"({result.took_ms:.1f} ms)")
    lines = [" ".join(parts)]
    if result.suggestion and not result.searched_instead:
        lines.append(f"Did you mean: {result.suggestion}")
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines)


def _hit(rank: int, hit: Hit, color: bool) -> list[str]:
    passage = hit.passage
    citation, url = hit.document.citation(passage), hit.document.url(passage)
    title = click.style(citation, bold=True) if color else citation
    lines = [f"{rank:>3}. {title}", f"     {url}"]
    if passage is None:
        lines.append("     (known by its metadata only: the text is not held offline)")
    elif hit.snippet:
        snippet = _MARK.sub(
            lambda m: click.style(m.group(1), bold=True) if color else m.group(1), hit.snippet
        )
        text = html.unescape(" ".join(snippet.split()))
        lines += textwrap.wrap(text, width=96, initial_indent="     ", subsequent_indent="     ")
    if hit.explanation.reasons:
        why = f"Why: {hit.explanation.summary}"
        lines += textwrap.wrap(why, width=96, initial_indent="     ", subsequent_indent="       ")
    return lines
