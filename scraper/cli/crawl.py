"""``scraper crawl``: one scheduled run over the sources of a TOML config."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.crawl_display import Display, summary_line
from scraper.config import ExportSpec, load_config
from scraper.crawl import RunResult, run_crawl
from scraper.errors import ConfigError, CrawlStopped, StoreError, StoreLocked
from scraper.export import ExportFormat, Since, export_articles
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_STORE",
    "EXIT_TERMINATED",
    "crawl",
]

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_STORE = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _exporter(spec: ExportSpec) -> Callable[[SQLiteCrawlStore, RunResult], None]:
    def after(store: SQLiteCrawlStore, result: RunResult) -> None:
        del result
        fmt = ExportFormat(spec.format)
        if spec.path is None:
            count = export_articles(store, since=Since(last=True), fmt=fmt, stream=sys.stdout)
        else:
            try:
                with spec.path.open("w", encoding="utf-8", newline="") as stream:
                    count = export_articles(store, since=Since(last=True), fmt=fmt, stream=stream)
            except OSError as exc:
                raise StoreError(f"cannot write the export {spec.path}: {exc.strerror}") from exc
        typer.echo(f"exported {count} articles", err=True)

    return after


def crawl(
    config_path: Annotated[Path, typer.Argument(help="The crawl config (TOML).")],
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for a running crawl instead of exiting (3).")
    ] = False,
    export: Annotated[
        ExportFormat | None,
        typer.Option("--export", help="After the run, export the new articles in this format."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Export to this file, not stdout.")
    ] = None,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log every event as a JSON line on stderr.")
    ] = False,
) -> None:
    """Crawl the sources of a TOML config: fetch only new articles, deduplicate, store them.

    Feeds and sitemaps are revalidated with conditional GET; article URLs already stored are
    never fetched again; failed URLs are retried on later runs with backoff. Exit codes: 0 all
    went well, 1 some URLs or sources failed (recorded; see `scraper status`), 2 invalid config,
    3 another crawl holds the store's lock, 4 the store cannot be used, 130 interrupted
    (Ctrl-C), 143 stopped by SIGTERM (as by `timeout` or a service manager). An interrupted or
    stopped run keeps every article it had extracted; the next run fetches the rest.

    Example: scraper crawl news.toml --export jsonl -o new-articles.jsonl
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from exc
    spec = ExportSpec(format=export.value, path=output) if export else config.export
    display = Display(log_json=log_json)
    try:
        result = run_crawl(
            config,
            wait=wait,
            observer=display,
            after=_exporter(spec) if spec else None,
            stop_on=(signal.SIGTERM,),
        )
    except KeyboardInterrupt as exc:
        # Everything stored so far is committed; the next run resumes with the rest.
        typer.echo("scraper: interrupted; the next run resumes where this one stopped", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from exc
    except CrawlStopped as exc:
        typer.echo(f"scraper: {exc}; the next run resumes where this one stopped", err=True)
        raise typer.Exit(EXIT_TERMINATED) from exc
    except StoreLocked as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_LOCKED) from exc
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_CONFIG) from exc
    except StoreError as exc:
        typer.echo(f"scraper: store error: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    if not log_json:
        typer.echo(summary_line(result), err=True)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)
