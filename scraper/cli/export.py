"""``scraper export``: stored articles, with their cluster ids, as JSONL, CSV or Markdown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, TextIO

import typer

from scraper.cli.crawl_display import store_path
from scraper.cli.exits import EXIT_FAILED, EXIT_STORE, EXIT_USAGE
from scraper.cli.outputs import open_output, report_export
from scraper.errors import ConfigError, StoreError
from scraper.export import ExportFormat, ExportResult, Since, export_articles, parse_since
from scraper.export_file import check_not_store
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = ["export"]


def export(
    target: Annotated[Path, typer.Argument(help="A crawl config (.toml) or its SQLite store.")],
    since: Annotated[
        str,
        typer.Option(help="LAST (not yet exported), ALL, or an ISO date such as 2026-11-28."),
    ] = "LAST",
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")] = (
        ExportFormat.JSONL
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    unique: Annotated[
        bool, typer.Option("--unique", help="Leave out articles that duplicate another.")
    ] = False,
) -> None:
    """Export stored articles with their cluster id and the representative they duplicate.

    A `--since LAST` export remembers the last article it wrote, so each article is handed on
    once; ALL and dated exports leave that mark alone. A stored article whose record cannot be
    read back is skipped with a line naming it. Exit codes: 0 ok, 1 the output could not be
    written in full (the next `--since LAST` export writes those articles again) or some
    articles were skipped as unreadable (the others are written and the mark moves on), 2 bad
    option or config, or an output file that cannot be opened or is the store itself, 4 the
    store cannot be read.

    Example: scraper export news.toml --since 2026-11-28 --format csv -o today.csv
    """
    try:
        chosen = parse_since(since)
        db = store_path(target)
        if output is not None:
            check_not_store(output, db, key="--output")
    except ConfigError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    # A write that fails ends the command (1); a LAST export moves its cursor only after a
    # complete write, so the next one hands these articles on.
    with open_output(output) as stream:
        result = _export(db, chosen, fmt, stream, unique)
    report_export(result)
    if result.skipped:
        raise typer.Exit(EXIT_FAILED)


def _export(
    db: Path, since: Since, fmt: ExportFormat, stream: TextIO, unique: bool
) -> ExportResult:
    """What was written; a store that cannot be used ends the command (4)."""
    try:
        store = SQLiteCrawlStore(db)
        try:
            return export_articles(store, since=since, fmt=fmt, stream=stream, unique=unique)
        finally:
            store.close()
    except StoreError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
