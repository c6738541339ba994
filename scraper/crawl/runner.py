"""Running a crawl from a config: the lock, the store, the real fetcher, the process pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from scraper.config import CrawlConfig
from scraper.crawl.extraction import Extractor
from scraper.crawl.fetching import fetch_options
from scraper.crawl.hosts import GatedFetcher
from scraper.crawl.identity import open_index
from scraper.crawl.lock import RunLock
from scraper.crawl.run import Observer, RunParts, RunResult, crawl_once
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore

__all__ = ["run_crawl"]


def _ignore(event: object) -> None:
    del event


def run_crawl(
    config: CrawlConfig,
    *,
    wait: bool = False,
    observer: Observer | None = None,
    after: Callable[[SQLiteCrawlStore, RunResult], None] | None = None,
) -> RunResult:
    """Run one crawl of ``config`` under the store's run lock.

    Args:
        config: the crawl configuration.
        wait: wait for another run holding the lock instead of failing at once.
        observer: receives progress events.
        after: called with the open store and the result while the lock is still held (the
            CLI exports there, so an export sees exactly this run's articles).

    Returns:
        The run's counters, per-source reports and failures.

    Raises:
        StoreLocked: another run holds the lock and ``wait`` is false.
        StoreError: the store cannot be opened or written.
        ConfigError: the fetcher rejects a setting.
    """
    with RunLock(config.store, wait=wait):
        store = SQLiteCrawlStore(config.store)
        try:
            result = asyncio.run(_crawl(config, store, observer or _ignore))
            if after is not None:
                after(store, result)
            return result
        finally:
            store.close()


async def _crawl(config: CrawlConfig, store: SQLiteCrawlStore, observer: Observer) -> RunResult:
    async with (
        Fetcher(fetch_options(config)) as fetcher,
        Extractor(config.workers) as extractor,
    ):
        parts = RunParts(
            store=store,
            fetcher=GatedFetcher(fetcher, config.hosts) if config.hosts else fetcher,
            extractor=extractor,
            dedup=open_index(store),
            normalise=normalise_url,
            observer=observer,
        )
        return await crawl_once(config, parts)
