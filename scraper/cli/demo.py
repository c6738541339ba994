"""``scraper demo``: crawl invented local news sites, offline, and show what scraper does."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.crawl_display import Display
from scraper.cli.exits import (
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_STORE,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
)
from scraper.cli.outputs import writing_stdout
from scraper.demo.runner import DemoReport, run_demo
from scraper.errors import StoreError, StoreLocked, WorkerUnavailable

__all__ = ["demo"]


def _print_report(report: DemoReport) -> None:
    first, second = report.first, report.second
    unique = first.stats.discovered
    typer.echo(
        f"Discovered {report.listed} links in feeds, sitemaps and section pages:"
        f" {unique} distinct articles ({report.listed - unique} URL variants collapsed:"
        " tracking parameters, fragments, AMP copies)."
    )
    typer.echo(
        f"Stored {first.stats.stored} articles in {report.clusters} clusters"
        f" ({sum(1 for a in report.articles if a.duplicate_of)} duplicate content collapsed):"
    )
    for item in report.articles:
        mark = f"  = duplicate of {item.duplicate_of}" if item.duplicate_of else ""
        title = item.article.title or "(no title)"
        typer.echo(f"  [{item.cluster[:10]}] {title} ({item.article.word_count} words)")
        typer.echo(f"      {item.article.url}{mark}")
    typer.echo(
        f"Second run: {second.stats.fetched} articles fetched, {second.stats.not_modified}"
        f" feeds/sitemaps/sections answered 304 Not Modified, {second.stats.stored} stored."
    )
    typer.echo(f"Store: {report.store}  (try: scraper status {report.store})")


def demo(
    db: Annotated[
        Path | None,
        typer.Option(
            help="Crawl into this new SQLite file (default: one in a new temporary folder)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, help="Extraction processes (default: one per CPU, less one)."),
    ] = None,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log every event as a JSON line on stderr.")
    ] = False,
) -> None:
    """Serve invented news sites on 127.0.0.1, crawl them twice, and show the result.

    No network is used. The sites have RSS, Atom and JSON feeds, a sitemap index, a section
    page, tracking-parameter and AMP variants of each URL, a page that carries its story twice
    and a syndicated copy on a second site. The second run shows the incremental crawl:
    nothing is fetched again.

    Example: scraper demo --db demo.db
    """
    if db is not None and db.exists() and (not db.is_file() or db.stat().st_size > 0):
        # The demo's sites get new ports on every run: crawled into an earlier run's store,
        # its pages were new articles, and the report mixed both runs' under one count.
        typer.echo(
            f"scraper: --db: {db} already exists; the demo crawls into a new file (its sites"
            " change address on every run)",
            err=True,
        )
        raise typer.Exit(EXIT_USAGE)
    store = db if db is not None else Path(tempfile.mkdtemp(prefix="scraper-demo-")) / "demo.db"
    display = Display(log_json=log_json)
    try:
        report = run_demo(store, observer=display, workers=workers)
    except StoreError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_LOCKED if isinstance(exc, StoreLocked) else EXIT_STORE) from exc
    except WorkerUnavailable as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_UNAVAILABLE) from exc
    with writing_stdout():
        _print_report(report)
    if not (report.first.ok and report.second.ok):
        raise typer.Exit(EXIT_FAILED)
