"""``scraper export``: stored articles, with their cluster ids, as JSONL, CSV or Markdown."""

from __future__ import annotations

import signal
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.crawl_display import store_path
from scraper.cli.exits import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_STORE,
    EXIT_TERMINATED,
    EXIT_USAGE,
)
from scraper.cli.outputs import (
    check_not_config,
    check_not_over_store,
    file_named,
    open_export_output,
    report_export,
)
from scraper.crawl.lock import RunLock
from scraper.errors import ConfigError, StoreError, StoreLocked
from scraper.export import ExportFormat, ExportResult, Since, parse_since
from scraper.export_file import (
    ExportFile,
    Journal,
    check_placeholders,
    expand_path,
    has_placeholders,
)
from scraper.export_journal import hand_on
from scraper.stop_signals import held_back, interrupts
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
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write here instead of stdout (- for stdout); {time}, {date} (the export's"
            " start, UTC) and {run} (the store's latest run) in its name make a file per export.",
        ),
    ] = None,
    unique: Annotated[
        bool,
        typer.Option(
            "--unique",
            help="Leave out articles that duplicate another; with --since LAST also those of a"
            " story an earlier LAST export handed on (new versions of its pages still go).",
        ),
    ] = False,
    append: Annotated[
        bool,
        typer.Option("--append", help="Add to the -o file instead of replacing it."),
    ] = False,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="With LAST: wait for a running crawl instead of exiting (3)."),
    ] = False,
) -> None:
    """Export stored articles with their cluster id and the representative they duplicate.

    A `--since LAST` export remembers the last article it wrote, so each article is handed on
    once; it takes the crawl's run lock, so it never overlaps a `crawl --export` (exit 3, or
    wait with `--wait`). ALL and dated exports leave that mark alone and need no lock. A stored
    article whose record cannot be read back is skipped with a line naming it. The output file
    is opened only once the store is open; `{time}`, `{date}` and `{run}` in its name are
    filled in as for `crawl -o` (the time is the export's start, the run the store's latest).
    Exit codes: 0 ok, 1 the output could not be written in full (the next `--since LAST` export
    writes those articles again) or some articles were skipped as unreadable (the others are
    written and the mark moves on), 2 bad option or config, or an output file that cannot be
    opened or is the store itself, 3 a crawl holds the store's lock (LAST only), 4 the store
    cannot be read, 130/143 a LAST export stopped by Ctrl-C/SIGTERM (it finishes first).

    Example: scraper export news.toml --since 2026-11-28 --format csv -o today.csv
    """
    output = file_named(output)
    try:
        chosen = parse_since(since)
        db = store_path(target)
        if output is not None:
            check_placeholders(output, key="--output")
            if target.suffix == ".toml":
                check_not_config(output, target, key="--output")
        elif append:
            raise ConfigError("appends to a file: give -o FILE", key="--append")
    except ConfigError as exc:
        # parse_since names the config's key; here the value came from the option.
        said = f"--since: {exc.detail}" if exc.key == "since" else str(exc)
        typer.echo(f"scraper: {said}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    if output is not None:
        check_not_over_store(output, db, key="--output")
    options = _Options(fmt=fmt, output=output, unique=unique, append=append, wait=wait)
    try:
        result, held = _export(db, chosen, options)
    except KeyboardInterrupt as exc:  # before a LAST export began (waiting for the lock)
        typer.echo("scraper: interrupted; the LAST cursor did not move", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from exc
    report_export(result)
    if held:
        name = signal.Signals(held[0]).name
        typer.echo(f"scraper: stopped by {name} once the export was done", err=True)
        raise typer.Exit(EXIT_INTERRUPTED if held[0] == signal.SIGINT else EXIT_TERMINATED)
    if result.skipped:
        raise typer.Exit(EXIT_FAILED)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    fmt: ExportFormat
    output: Path | None
    unique: bool
    append: bool
    wait: bool


def _export(db: Path, since: Since, options: _Options) -> tuple[ExportResult, list[int]]:
    """What was written, and the stop signals held back meanwhile; a store that cannot be used
    ends the command (4), a crawl holding the lock a ``LAST`` export needs (3).

    The output is opened last, once the lock is held and the store open: an export that cannot
    run leaves the file there as it was.
    """
    # A LAST export moves the cursor a crawl's export moves too: under the run lock, so the two
    # never hand the same articles on.
    lock = RunLock(db, wait=options.wait) if since.last else nullcontext()
    try:
        # Opened before the lock is taken: a missing store is an error, not a lock file (and
        # folders) made for it.
        store = SQLiteCrawlStore(db, create=False)  # never a new store, nor a migration
        # A LAST export hands articles on: a stop signal or Ctrl-C lets it finish (the file
        # lands and the cursor moves, or a failed one is undone), then ends the command with
        # its code. Held only once the lock is: one that comes while --wait waits for it stops
        # the command then, with nothing begun (a held one let the export run once a crawl
        # ended, however long after, and `timeout` could not end the wait).
        stops = (signal.SIGTERM, *interrupts()) if since.last else ()
        try:
            with lock, held_back(stops) as held:
                output = _named(options.output, db, store)
                # A write that fails ends the command (1); a LAST export moves its cursor only
                # once the file is in place (renamed, or refused a name already taken), so the
                # next one hands these articles on.
                result = hand_on(
                    store,
                    since=since,
                    fmt=options.fmt,
                    unique=options.unique,
                    open_file=partial(_open, output, options),
                )
            return result, held
        finally:
            store.close()
    except OSError as exc:  # an earlier export a killed process left could not be undone
        typer.echo(f"scraper: cannot undo an unfinished export: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED) from exc
    except StoreLocked as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_LOCKED) from exc
    except StoreError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc


def _open(
    output: Path | None, options: _Options, journal: Journal | None
) -> AbstractContextManager[ExportFile]:
    return open_export_output(
        output, append=options.append, keep_existing=_per_export(options), journal=journal
    )


def _per_export(options: _Options) -> bool:
    """Whether the output names a file of its own for each export, which is never replaced:
    another export given the same name (within the same second) must not wipe one not yet
    read."""
    return options.output is not None and not options.append and has_placeholders(options.output)


def _named(output: Path | None, db: Path, store: SQLiteCrawlStore) -> Path | None:
    """``output`` with its placeholders filled in: the export's start and the store's latest
    run (0 before the first); a usage error (2) if that names the store."""
    if output is None:
        return None
    run = store.last_run()
    named = expand_path(output, started=time.time(), run_id=run.id if run is not None else 0)
    if named != output:
        check_not_over_store(named, db, key="--output")
    return named
