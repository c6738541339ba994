"""``scraper crawl CONFIG --check``: what a config sets, read without crawling.

For an operator who edits the TOML that cron runs: the config is parsed and validated as a
run would (a bad key is exit 2, named), and a few lines say what the next run will do, so that
a source that parsed into something other than meant (a sitemap written as a feed, a store
path relative to another folder) shows before cron meets it. Nothing is fetched, the store is
neither opened nor created, and no lock is taken: a check may run beside a crawl.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from scraper.cli.counts import counted
from scraper.config import CrawlConfig
from scraper.errors import StoreError
from scraper.store.sqlite import refuse_unwritable

__all__ = ["config_lines", "store_problem"]


def config_lines(config: CrawlConfig, config_file: Path) -> list[str]:
    """The lines ``--check`` prints for a valid ``config``."""
    kinds = Counter(source.kind.value for source in config.sources)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    store = config.store
    if store.exists():
        state = "exists"
    else:
        state = "to be created" if store.parent.is_dir() else "to be created, with its folder"
    lines = [
        f"{config_file}: config valid",
        f"  store: {store.absolute()} ({state})",
        f"  sources: {len(config.sources)} ({listed})",
    ]
    lines += [
        f"    {source.name}: {source.kind.value}, {counted(len(source.urls), 'URL')}"
        + (f", follows {counted(len(source.follow), 'pattern')}" if source.follow else "")
        for source in config.sources
    ]
    p = config.politeness
    lines.append(
        f"  politeness: {p.min_interval:g} s between requests to a host, {p.per_host} at once"
        f" per host, {p.concurrency} in all"
        + (f"; {counted(len(config.hosts), 'host')} with a pace of its own" if config.hosts else "")
    )
    if config.sites:
        lines.append(f"  site rules: {', '.join(sorted(config.sites))}")
    budget = config.max_run_seconds
    lines.append(
        f"  time budget: {'none' if budget is None else f'{budget:g} s a run'};"
        f" {counted(config.workers, 'extraction worker')}"
    )
    if config.export is not None:
        target = config.export.path if config.export.path is not None else "stdout"
        lines.append(f"  export after each run: {config.export.format} to {target}")
    return lines


def store_problem(config: CrawlConfig) -> str | None:
    """Why a run could not open or create ``config``'s store file, as far as the file system
    tells without touching it; None when nothing is seen in the way. (The run makes missing
    folders; what it cannot get past is a file where a folder should be, a folder where the
    store should be, or a place it may not write.)"""
    store = config.store.absolute()
    if store.exists():
        if not store.is_file():
            return f"{store} is not a file"
        try:
            # The store's own refusal, as a run would meet it (the file or a side file that
            # this user may read but not write).
            refuse_unwritable(str(store), create=True)
        except StoreError as exc:
            return str(exc)
        return None
    ancestor = store.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"cannot create {store}: {ancestor} is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot create {store}: {ancestor} is not writable"
    return None
