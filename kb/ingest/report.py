"""What ingestion tells maintainers: the run's summary table and the sources listing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kb.config import Settings
from kb.ingest.cache import RawCache
from kb.ingest.manifest import load_manifest
from kb.ingest.pipeline import FAILED, SUSPICIOUS, IngestReport, SourceResult
from kb.ingest.publish import current_generation
from kb.ingest.statuses import read_last_statuses
from kb.models import STATUS_TEXT, Document


def table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], right: Sequence[int] = ()
) -> str:
    """A plain-text table with aligned columns; ``right`` lists right-aligned columns."""
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def human_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def render_report(report: IngestReport) -> str:
    rows = [
        (
            r.source.id,
            r.status,
            "text" if r.document.status == STATUS_TEXT else "metadata-only",
            r.passages,
            human_bytes(r.size) if r.size else "-",
        )
        for r in report.results
    ]
    parts = [table(("source", "status", "holds", "passages", "bytes"), rows, right=(3, 4))]
    with_text = sum(r.document.status == STATUS_TEXT for r in report.results)
    total_bytes = sum(r.size for r in report.results)
    suspicious = f", {len(report.suspicious)} suspicious" if report.suspicious else ""
    parts.append(
        f"\n{len(report.results)} sources: {with_text} with text, "
        f"{len(report.results) - with_text} metadata-only, {len(report.failed)} failed"
        f"{suspicious}; "
        f"{sum(r.passages for r in report.results)} passages, {human_bytes(total_bytes)}."
    )
    if report.rebuilt:
        parts.append(
            f"Published index {report.generation}: "
            f"{report.documents} documents, {report.passages} passages."
        )
    else:
        parts.append(f"Nothing changed: index {report.generation} kept, nothing rebuilt.")
    if report.cleaned:
        parts.append(f"Removed {len(report.cleaned)} old or unfinished index folders.")
    parts += [_message_line(r) for r in report.results if r.message]
    return "\n".join(parts)


def _message_line(result: SourceResult) -> str:
    """``FAILED id: ...``, ``SUSPICIOUS id: ...``, or ``NOTE id: ...`` (a source that went well)."""
    kind = result.status.upper() if result.status in (FAILED, SUSPICIOUS) else "NOTE"
    return f"{kind} {result.source.id}: {result.message}"


def source_statuses(
    settings: Settings, documents: Mapping[str, Document] | None = None
) -> list[dict[str, Any]]:
    """Every source of the manifest with its last ingest status and what the index holds.

    ``documents`` are the published ones when the caller has them (a server does);
    otherwise they are read from the published generation.
    """
    sources = load_manifest(settings.manifest)
    cache = RawCache(settings.cache_dir)
    if documents is None:
        generation = current_generation(settings.index_root)
        documents = {d.id: d for d in generation.documents()} if generation else {}
    last = read_last_statuses(settings)
    rows = []
    for source in sources:
        copy = cache.get(source.id)
        document = documents.get(source.id)
        status = last.get(source.id, {})
        rows.append(
            {
                "source": source,
                "last_status": status.get("status", "never ingested"),
                "message": status.get("message"),
                "holds": document.status if document else "not indexed",
                "passages": len(document.passages) if document else 0,
                "retrieved_at": copy.retrieved_at if copy else None,
                "origin": copy.origin if copy else None,
            }
        )
    return rows


def render_sources(settings: Settings) -> str:
    """Every source of the manifest with its last fetch and what the index holds of it."""
    rows, messages = [], []
    for entry in source_statuses(settings):
        source = entry["source"]
        retrieved = f"{entry['retrieved_at']} ({entry['origin']})" if entry["origin"] else "never"
        rows.append(
            (
                source.id,
                source.kind,
                source.year,
                entry["last_status"],
                entry["holds"],
                entry["passages"],
                retrieved,
            )
        )
        if entry["message"]:
            messages.append(f"{source.id}: {entry['message']}")
    generation = current_generation(settings.index_root)
    headers = ("source", "kind", "year", "last status", "holds", "passages", "last retrieved")
    note = f"Index: {generation.name}" if generation else "Index: none published yet"
    return "\n".join([table(headers, rows, right=(2, 5)), "", note, *messages])
