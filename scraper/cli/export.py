"""``scraper export``: stored articles, with their cluster ids, as JSONL, CSV or Markdown."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.crawl_display import store_path
from scraper.errors import ConfigError, StoreError
from scraper.export import ExportFormat, export_articles, parse_since
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
    once; ALL and dated exports leave that mark alone. Exit codes: 0 ok, 2 bad option or
    config, 4 the store cannot be read.

    Example: scraper export news.toml --since 2026-11-28 --format csv -o today.csv
    """
    try:
        chosen = parse_since(since)
        db = store_path(target)
    except ConfigError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        store = SQLiteCrawlStore(db)
        try:
            if output is None:
                count = export_articles(
                    store, since=chosen, fmt=fmt, stream=sys.stdout, unique=unique
                )
            else:
                with output.open("w", encoding="utf-8", newline="") as stream:
                    count = export_articles(
                        store, since=chosen, fmt=fmt, stream=stream, unique=unique
                    )
        finally:
            store.close()
    except (StoreError, OSError) as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(4) from exc
    typer.echo(f"exported {count} articles", err=True)
