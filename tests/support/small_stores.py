"""A crawl store with one source and one listed URL, closed (its -wal folded back)."""

from __future__ import annotations

from pathlib import Path

from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ListingRecord, NewURL


def store_with_a_url(path: Path, url: str = "https://n.test/a") -> None:
    """``path`` made a store whose source ``s`` lists ``url``."""
    store = SQLiteCrawlStore(path)
    store.ensure_source("s", "feed")
    store.record_listing("s", ListingRecord(fetch=None, entries=[NewURL(url=url, raw=url)]), 1)
    store.close()  # the last connection: SQLite folds the -wal file back and deletes it
