"""``scraper status``: per-source counts, the last run, the latest errors."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from scraper.cli.counts import counted
from scraper.cli.crawl_display import rechecks_summary, store_path
from scraper.cli.exits import EXIT_STORE, EXIT_USAGE
from scraper.cli.source_option import check_source
from scraper.config import load_config
from scraper.crawl.holds import current_holds
from scraper.crawl.lock import lock_holder
from scraper.errors import ConfigError, StoreError
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import RECHECK_GAVE_UP, RunRecord, SourceStats, UrlFailure

__all__ = ["status", "when_shown"]

#: How ``status`` shows a run that never ended and whose process is gone (a killed run; the
#: store still says "running").
INTERRUPTED = "interrupted"


def when_shown(stamp: float | None) -> str:
    """A stored time as status shows it, in UTC ("-" for none)."""
    if stamp is None:
        return "-"
    try:
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, OSError, ValueError):
        # A time no calendar date holds (an older version's retry after years of backoff).
        return "after 9999" if stamp > 0 else "before 1970"


def _run_line(run: RunRecord | None, holder: int | None) -> str:
    if run is None:
        return "last run: none yet"
    s = run.stats
    if run.finished_at is None:
        if run.status == INTERRUPTED:
            how = " (its process is gone: the next crawl resumes its work)"
        else:  # going on: by which process, when that can be known
            how = "" if holder is None else f" (pid {holder})"
        return (
            f"last run: #{run.id} {run.status}{how},"
            f" started {when_shown(run.started_at)}: {s.stored} stored so far"
            + (f", {counted(s.updated, 'stored article')} updated" if s.updated else "")
            + " (its other counters are written when it ends)"
        )
    return (
        f"last run: #{run.id} {run.status}, started {when_shown(run.started_at)},"
        f" finished {when_shown(run.finished_at)}: {s.stored} stored"
        f" ({counted(s.duplicates, 'duplicate')} when placed),"
        f" {s.fetched} fetched, {s.not_modified} not modified, {s.failed} to retry,"
        f" {s.gave_up} given up"
        # A run that read every URL yet not a listing is "ok" (it ended as it should) but
        # exited 1: say why.
        + (f", {counted(s.source_errors, 'source error')}" if s.source_errors else "")
        + (f", {s.unread} nested sitemaps left unread (document cap)" if s.unread else "")
        + (f", {s.left} URLs left for the next run (time budget)" if s.left else "")
        + (f", {s.held} URLs held until their host's Retry-After" if s.held else "")
        + (f", {s.aliases} URLs were articles stored under another URL" if s.aliases else "")
        + rechecks_summary(s)
    )


def _as_found(run: RunRecord | None, store: Path) -> tuple[RunRecord | None, int | None]:
    """``run``, shown as interrupted when it never ended and its process is gone (killed); and,
    while it goes on, the pid of the process holding the store's lock, when that is known."""
    if run is None or run.finished_at is not None:
        return run, None
    held, pid = lock_holder(store)
    if not held:
        return replace(run, status=INTERRUPTED), None
    return run, pid


def _json(
    sources: list[SourceStats],
    run: RunRecord | None,
    holder: int | None,
    waiting: Mapping[str, float],
    failed: list[UrlFailure] | None,
    configured: frozenset[str] | None,
) -> str:
    shown: dict[str, object] = {
        "sources": [
            {**asdict(s), "in_config": None if configured is None else s.name in configured}
            for s in sources
        ],
        "last_run": {**asdict(run), "holder_pid": holder} if run is not None else None,
        "waiting_hosts": dict(waiting),
    }
    if failed is not None:
        shown["failed"] = [asdict(f) for f in failed]
    return json.dumps(shown, indent=2)


def _failure_line(failure: UrlFailure) -> str:
    if failure.state == RECHECK_GAVE_UP:
        when = "stored, its recheck given up (the stored version stands)"
    elif failure.next_attempt_at is None:
        when = "given up"
    else:
        when = f"retry after {when_shown(failure.next_attempt_at)}"
    return (
        f"{failure.url}  [{failure.source}] {when}, {failure.attempts} attempts:"
        f" {failure.error or '-'}"
    )


def _table(
    sources: list[SourceStats],
    run: RunRecord | None,
    holder: int | None,
    waiting: Mapping[str, float],
    configured: frozenset[str] | None,
) -> str:
    lines = [
        f"{'source':<24} {'urls':>6} {'stored':>6} {'dups':>5} {'pending':>7}"
        f" {'retry':>5} {'gave up':>7}"
    ]
    # Removed or renamed in the config (or another config's): no run of this one takes its
    # URLs, which stay in the store, nor meets its errors again.
    gone = {s.name for s in sources if configured is not None and s.name not in configured}
    lines.extend(
        f"{s.name:<24} {s.urls:>6} {s.stored:>6} {s.duplicates:>5} {s.pending:>7}"
        f" {s.failing:>5} {s.gave_up:>7}"
        + ("  (not in config)" if s.name in gone else "")
        + (f"  ({counted(s.recheck_gave_up, 'recheck')} given up)" if s.recheck_gave_up else "")
        for s in sources
    )
    lines.append(_run_line(run, holder))
    lines.extend(
        f"{_named(s, gone)}: {counted(s.rechecks, 'stored article')} listed as changed,"
        " waiting to be fetched again"
        for s in sources
        if s.rechecks
    )
    lines.extend(
        f"host {host} asked not to be asked before {when_shown(until)} (Retry-After)"
        for host, until in sorted(waiting.items())
    )
    lines.extend(
        f"latest error in {_named(s, gone)}: {s.last_error}" for s in sources if s.last_error
    )
    lines.extend(line for s in sources for line in _source_error_lines(s, _named(s, gone)))
    return "\n".join(lines)


def _named(source: SourceStats, gone: set[str]) -> str:
    return f"{source.name} (not in config)" if source.name in gone else source.name


def _source_error_lines(source: SourceStats, name: str) -> list[str]:
    """The errors a run met in ``source`` (shown as ``name``) outside its listings, which the
    summary line and the exit code of that run only counted."""
    since = "" if source.clean_run is None else f" (not met again by run #{source.clean_run})"
    return [
        f"source error in {name}, run #{e.run_id} at {when_shown(e.at)}{since}: {e.error}"
        for e in source.source_errors
    ]


def _configured(target: Path) -> frozenset[str] | None:
    """The config's source names; None for a store given as such."""
    if target.suffix != ".toml":
        return None
    return frozenset(s.name for s in load_config(target).sources)


def status(
    target: Annotated[Path, typer.Argument(help="A crawl config (.toml) or its SQLite store.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the same as one JSON object (for monitoring).")
    ] = False,
    failed: Annotated[
        bool,
        typer.Option(
            "--failed",
            help="Also list the failed URLs with their latest error: given up first, then"
            " stored articles whose recheck was given up (a story taken down, say: the stored"
            " version stands), then those waiting for a retry (see `scraper retry`).",
        ),
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="List at most this many failed URLs.")
    ] = 50,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            help="Only this source (one the config or the store knows): its row, its errors"
            " and, with --failed, its failed URLs; the last run and the waiting hosts are the"
            " store's.",
        ),
    ] = None,
) -> None:
    """Show what a crawl store holds: per-source counts, the last run, the latest errors.

    A run that never ended and whose process is gone (killed) is shown as "interrupted", with
    the articles it stored; the next crawl resumes its work. One going on is shown as "running",
    with the pid of the process holding the store's lock when it can be known. An error a run
    met in a source outside its listings (a config URL no run can crawl, a bug on odd input) is
    shown as "source error in NAME, run #N at TIME", with the run that last read the source
    without meeting one, if any. A source marked "(not in config)" (in JSON: "in_config":
    false) was removed or renamed in the config: its URLs stay in the store, and no run of
    this config takes them (its kept errors are marked so too: no run will meet them again).
    Exit codes:
    0 shown, 2 invalid config or option (a `--source` neither the config nor the store knows:
    the message lists those it knows), 4 the store cannot be read.

    Example: scraper status news.toml --failed

    Example (one source's counts, errors and failed URLs): scraper status news.toml --source
    herald --failed
    """
    try:
        configured = _configured(target)
        store = SQLiteCrawlStore(store_path(target), create=False)
    except ConfigError as exc:
        # As crawl and retry say it: a cron mail's one line tells what to fix.
        typer.echo(f"scraper: config error: {exc}", err=True)
        raise typer.Exit(EXIT_USAGE) from exc
    except StoreError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    try:
        if source is not None:
            check_source(source, target, configured=configured or (), stored=store.source_names())
        sources = store.source_stats(source=source)
        run, holder = _as_found(store.last_run(), store_path(target))
        waiting = current_holds(store, time.time())
        failures = store.failures(source=source, limit=limit) if failed else None
    except StoreError as exc:
        typer.echo(f"scraper: {exc}", err=True)
        raise typer.Exit(EXIT_STORE) from exc
    finally:
        store.close()
    if as_json:
        typer.echo(_json(sources, run, holder, waiting, failures, configured))
        return
    typer.echo(_table(sources, run, holder, waiting, configured))
    if failures is not None:
        # The per-source counts hold the total, so the list needs no count query of its own.
        total = sum(s.failing + s.gave_up + s.recheck_gave_up for s in sources)
        typer.echo(
            f"failed URLs ({len(failures)} of {total} shown):" if failures else "no failed URLs"
        )
        for failure in failures:
            typer.echo(_failure_line(failure))
