"""``scraper retry``: give failed URLs of a crawl store another chance at the next run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.counts import counted
from scraper.cli.crawl_display import store_path
from scraper.cli.exits import EXIT_LOCKED, EXIT_STORE, EXIT_USAGE
from scraper.cli.source_option import check_source
from scraper.config import load_config
from scraper.crawl.holds import host_urls
from scraper.crawl.requeue import check_kind, requeue_failed
from scraper.errors import FAILURE_KINDS, ConfigError, StoreError, StoreLocked
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = ["retry"]


def _check_source(target: Path, source: str | None) -> None:
    if source is None:
        return
    names = [s.name for s in load_config(target).sources] if target.suffix == ".toml" else []
    if source in names:
        return
    store = SQLiteCrawlStore(store_path(target), create=False)
    try:
        stored = store.source_names()
    finally:
        store.close()
    check_source(source, target, configured=names, stored=stored)


def _known_kind(kind: str | None) -> str | None:
    """A kind no failure is recorded under is a usage error: ``http-status`` for
    ``http_status`` would match no URL and read as "nothing to retry"."""
    try:
        check_kind(kind)
    except ConfigError as exc:
        raise typer.BadParameter(exc.detail) from exc
    return kind


def _check_host(target: Path, host: str | None) -> None:
    """A host neither waiting nor among the store's URLs is a usage error, not a silent 0."""
    if host is None:
        return
    store = SQLiteCrawlStore(store_path(target), create=False)
    try:
        if store.knows_host(host_urls(host)):
            return
        waiting = ", ".join(sorted(store.host_holds(time.time()))) or "none"
    finally:
        store.close()
    raise typer.BadParameter(
        f"no host {host!r} is waiting or has URLs in {target} (hosts waiting: {waiting})",
        param_hint="--host",
    )


def retry(
    target: Annotated[Path, typer.Argument(help="A crawl config (.toml) or its SQLite store.")],
    source: Annotated[
        str | None, typer.Option("--source", help="Only the URLs of this source.")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            callback=_known_kind,
            help="Only URLs whose latest failure was of this kind, as `scraper status --failed`"
            f" shows it: one of {', '.join(FAILURE_KINDS)}.",
        ),
    ] = None,
    waiting: Annotated[
        bool,
        typer.Option(
            "--waiting",
            help="Also the URLs waiting for a retry or for their host's Retry-After: due now,"
            " not later (and no host is held any more; with --host, only that one).",
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help="Only the URLs on this host, as `scraper status` names a waiting host"
            " (name, or name:port for another port than the default); with --waiting, only"
            " its wait is lifted.",
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for a running crawl instead of exiting (3).")
    ] = False,
) -> None:
    """Make the URLs a crawl gave up on due again at its next run, with a fresh count of attempts.

    For after a site's outage, or a fix to the config or the robots.txt that made them fail.
    Takes the crawl's lock, so it never changes a URL under a running crawl. Exit codes: 0 done
    (even when no URL matched), 2 invalid option (a source or host the store does not know, a
    kind no failure is recorded under: the message lists the kinds), 3 a crawl holds the
    store's lock, 4 the store cannot be used.

    Example: scraper retry news.toml --source example-rss --kind http_status

    Example (one host's Retry-After only): scraper retry news.toml --waiting --host example.com
    """
    try:
        _check_source(target, source)
        _check_host(target, host)
        count = requeue_failed(
            store_path(target), source=source, kind=kind, waiting=waiting, host=host, wait=wait
        )
    except ConfigError as exc:
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except StoreLocked as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_LOCKED) from exc
    except StoreError as exc:
        typer.echo(f"scraper: store error: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    typer.echo(f"{counted(count, 'URL')} due again at the next run", err=True)
