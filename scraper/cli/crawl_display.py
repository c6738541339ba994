"""How crawl commands show a run: a live line on a terminal, JSON lines on request, a summary."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from scraper.cli.counts import counted
from scraper.config import load_config
from scraper.output import json_line

if TYPE_CHECKING:
    # For annotations only: ``status`` and ``export`` use this module and need none of the
    # crawl's machinery, which loading these would import.
    from scraper.crawl import CrawlEvent, RunResult
    from scraper.store.protocol import RunStats

__all__ = ["Display", "rechecks_summary", "store_path", "summary_line", "warning_lines"]


class Display:
    """An observer of crawl events writing to ``stream`` (stderr by default)."""

    def __init__(self, *, log_json: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.log_json = log_json
        self.live = not log_json and self.stream.isatty()
        self.counts = {"sources": 0, "new": 0, "stored": 0, "duplicates": 0, "failed": 0}
        self._last_draw = 0.0

    def __call__(self, event: CrawlEvent) -> None:
        if self.log_json:
            record = {"event": event.kind, "time": round(time.time(), 3), **event.data}
            # A page's title may hold U+2028: one event stays one line to every reader.
            self.stream.write(json_line(record, default=str))
            return
        if event.kind == "source":
            self.counts["sources"] += 1
            self.counts["new"] += int(str(event.data.get("new", 0)))
        elif event.kind == "article":
            self.counts["stored"] += 1
            self.counts["duplicates"] += int(event.data.get("duplicate_of") is not None)
        elif event.kind == "failure":
            self.counts["failed"] += 1
        if self.live:
            self._draw(final=event.kind == "done")

    def _draw(self, *, final: bool) -> None:
        now = time.monotonic()
        if not final and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        c = self.counts
        line = (
            f"sources {c['sources']} · new URLs {c['new']} · stored {c['stored']}"
            f" · duplicates {c['duplicates']} · failed {c['failed']}"
        )
        self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        self.stream.flush()


def summary_line(result: RunResult) -> str:
    """The one-line summary of a run."""
    s = result.stats
    errors = sum(len(src.errors) for src in result.sources)
    warnings = sum(len(src.warnings) for src in result.sources)
    skipped = sum(src.skipped for src in result.sources)
    restamped = sum(src.restamped for src in result.sources)
    not_due = sum(src.not_due for src in result.sources)
    return (
        f"run {result.run_id}: {counted(s.discovered, 'new URL')}, {s.fetched} fetched,"
        f" {s.stored} stored ({counted(result.duplicates, 'duplicate')};"
        f" {s.duplicates} when placed), {counted(s.not_modified, 'listing')} not modified,"
        f" {s.failed} to retry, {s.gave_up} given up, {counted(errors, 'source error')}"
        + (f", {counted(warnings, 'source warning')}" if warnings else "")
        + (
            f", {counted(skipped, 'listed entry', 'listed entries')} skipped (not crawlable URLs)"
            if skipped
            else ""
        )
        + (f", {counted(not_due, 'listing')} not due (refresh_minutes)" if not_due else "")
        + (f", {counted(s.left, 'URL')} left for the next run (time budget)" if s.left else "")
        + (f", {counted(s.held, 'URL')} held until their host's Retry-After" if s.held else "")
        + (
            f", {counted(s.aliases, 'URL')} found to be an article stored under another URL"
            if s.aliases
            else ""
        )
        + rechecks_summary(s)
        + (
            f", {counted(restamped, 'listed date')} taken for stamps, not changes"
            if restamped
            else ""
        )
        + f" in {result.seconds:.1f}s"
    )


def rechecks_summary(s: RunStats) -> str:
    """What became of the stored articles listed as changed, when there were any."""
    out = (
        f", {counted(s.rechecked, 'stored article')} listed as changed fetched again"
        f" ({s.updated} updated)"
        if s.rechecked
        # Updated through another URL's page that landed on a story waiting for its recheck.
        else f", {counted(s.updated, 'stored article')} updated"
        if s.updated
        else ""
    )
    if s.recheck_failed:
        out += f", {counted(s.recheck_failed, 'recheck')} given up (stored versions kept)"
    return out


def warning_lines(result: RunResult) -> list[str]:
    """One line per source warning (a run that did not read everything, yet did not fail)."""
    return [f"scraper: warning: {src.source}: {w}" for src in result.sources for w in src.warnings]


def store_path(target: Path) -> Path:
    """The store of ``target``: a crawl config (``.toml``) or the SQLite file itself.

    A missing store is left to the store to refuse ("no store at", exit 4), as it is when a
    config names it: a usage error here gave the same missing store exit 2 when named directly.
    """
    if target.suffix == ".toml":
        return load_config(target).store
    return target
