"""The ``kb`` command: ingest the sources, list them, serve the web app.

Exit status: 0 when all went well, 1 when a source failed or its new copy was held
back as suspicious (the index is still published from the others and the last good
copies), 2 for usage or
configuration errors (bad manifest, unknown source id, unreadable mirror, another
ingest running).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from kb.config import DEFAULT_WORKERS, Settings
from kb.ingest.errors import ConfigError
from kb.ingest.manifest import load_manifest
from kb.ingest.pipeline import IngestReport, check_known_ids, ingest, select_sources
from kb.ingest.publish import IngestLocked
from kb.ingest.report import render_report, render_sources
from kb.search.render import render_hits
from kb.search.request import read_years, year_notes

EXIT_CONFIG = 2

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the raw cache and the index [env KB_DATA_DIR; default ./data].",
)
manifest_option = click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The sources manifest [env KB_MANIFEST; default corpus/sources.toml].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kb")
def cli() -> None:
    """kb: a knowledge base of internet-governance sessions and the instruments they debate."""


@cli.command("ingest")
@data_dir_option
@manifest_option
@click.option(
    "--mirror",
    type=click.Path(path_type=Path),
    help="Read each source from DIR/<id>.* instead of the network [env KB_MIRROR].",
)
@click.option("--refresh", is_flag=True, help="Fetch again even when a cached copy exists.")
@click.option("--only", "only", multiple=True, metavar="ID", help="Ingest only this source.")
@click.option(
    "--accept-shrink",
    "accept_shrink",
    multiple=True,
    metavar="ID",
    help="Take this source's new copy even if it holds much less than the last good one.",
)
def ingest_command(
    data_dir: Path | None,
    manifest: Path | None,
    mirror: Path | None,
    refresh: bool,
    only: Sequence[str],
    accept_shrink: Sequence[str],
) -> None:
    """Fetch, parse and index the sources, then publish the new index."""
    settings = Settings.from_env().with_options(data_dir=data_dir, manifest=manifest, mirror=mirror)
    try:
        report = _ingest_with_progress(settings, only, refresh, accept_shrink)
    except (ConfigError, IngestLocked) as error:
        click.echo(f"kb ingest: {error}", err=True)
        sys.exit(EXIT_CONFIG)
    click.echo(render_report(report))
    sys.exit(report.exit_code)


def _ingest_with_progress(
    settings: Settings, only: Sequence[str], refresh: bool, accept_shrink: Sequence[str]
) -> IngestReport:
    sources = load_manifest(settings.manifest)
    total = len(select_sources(sources, only))
    check_known_ids(sources, accept_shrink, "--accept-shrink: ")
    with click.progressbar(
        length=total,
        label="Ingesting",
        file=sys.stderr,
        show_pos=True,
        item_show_func=lambda name: name,
    ) as bar:
        started = False

        def progress(source: object) -> None:
            nonlocal started
            if started:
                bar.update(1)
            started = True
            bar.update(0, getattr(source, "id", None))

        report = ingest(
            settings,
            only=only,
            refresh=refresh,
            progress=progress,
            sources=sources,
            accept_shrink=accept_shrink,
        )
        bar.update(1, "index")
    return report


@cli.command("sources")
@data_dir_option
@manifest_option
def sources_command(data_dir: Path | None, manifest: Path | None) -> None:
    """List the manifest's sources with what the knowledge base holds of each."""
    settings = Settings.from_env().with_options(data_dir=data_dir, manifest=manifest)
    try:
        click.echo(render_sources(settings))
    except ConfigError as error:
        click.echo(f"kb sources: {error}", err=True)
        sys.exit(EXIT_CONFIG)


@cli.command("search")
@click.argument("query", nargs=-1)
@data_dir_option
@click.option("--kind", "kinds", multiple=True, help="Only this kind (repeatable).")
@click.option("--source", "sources", multiple=True, metavar="ID", help="Only this source.")
@click.option("--theme", help="Filter by and boost a theme (see corpus/themes.toml).")
@click.option("--year", help="A year (2019) or a range (2016-2021).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="The API's JSON instead of text.")
def search_command(
    query: Sequence[str],
    data_dir: Path | None,
    kinds: Sequence[str],
    sources: Sequence[str],
    theme: str | None,
    year: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Search the published index and print ranked hits with their citations."""
    from kb.search import InvalidRequest, Library, NoIndex, QueryTimeout, SearchRequest, search
    from kb.web.shapes import search_json

    settings = Settings.from_env().with_options(data_dir=data_dir)
    try:
        wanted = SearchRequest(
            q=" ".join(query),
            kinds=tuple(kinds),
            sources=tuple(sources),
            years=_years(year),
            theme=theme,
            per_page=limit,
            notes=year_notes("--year", year),
        )
        library = Library.of(settings)
        result = search(library.snapshot(), wanted)
    except (NoIndex, InvalidRequest, QueryTimeout, ConfigError, click.BadParameter) as error:
        click.echo(f"kb search: {getattr(error, 'message', error)}", err=True)
        sys.exit(EXIT_CONFIG)
    if as_json:
        click.echo(
            json.dumps(search_json(result, None, explain=True), ensure_ascii=False, indent=2)
        )
    else:
        click.echo(render_hits(result, color=sys.stdout.isatty()))


def _years(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    found = read_years(value)
    if found is None:
        raise click.BadParameter(f"year: give 2019 or 2016-2021, not {value!r}")
    return found


@cli.command("serve")
@data_dir_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=DEFAULT_WORKERS, show_default=True, type=click.IntRange(1, 32))
@click.option("--debug", is_flag=True, help="Flask's development server, reloading on change.")
def serve_command(data_dir: Path | None, host: str, port: int, workers: int, debug: bool) -> None:
    """Serve the search page and the JSON API."""
    from kb.web import create_app
    from kb.web.server import serve

    settings = Settings.from_env().with_options(data_dir=data_dir)
    app = create_app(settings)
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        serve(app, host=host, port=port, workers=workers)


def main() -> None:
    cli(prog_name="kb")
