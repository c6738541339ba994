"""Discovery stores one URL for the IDN and punycode spellings of a host, and skips a host
name that has no IDNA form instead of queueing a URL no fetch can send."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from scraper.config import Source, SourceKind
from scraper.crawl.discovery import Discovery
from scraper.demo.listings import Item, rss_feed
from scraper.discover.urls import normalise_url
from scraper.models import Page
from scraper.store.crawl_store import SQLiteCrawlStore

FEED = "https://n.test/feed.xml"


class OneFeed:
    """A fetcher that serves one feed (discovery fetches nothing else)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        document: bool = False,
    ) -> Page:
        assert (url, document) == (FEED, True)
        return Page(url=url, body=self.body)


def test_a_feed_listing_both_spellings_of_a_host_queues_one_url(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    links = [
        "http://bücher.example/a",
        "http://XN--BCHER-KVA.example./a",
        "http://xn--bcher-kva.example/a",
        "http://\u2603.example/b",
    ]
    body = rss_feed("f", "https://n.test/", [Item(link, "t", now) for link in links])
    store = SQLiteCrawlStore(tmp_path / "d.db")
    try:
        discovery = Discovery(OneFeed(body), store, normalise_url, run_id=1)
        source = Source(name="f", kind=SourceKind.FEED, urls=(FEED,))
        report = asyncio.run(discovery.discover(source, None))
        rows = store.conn.execute("SELECT url, raw FROM urls").fetchall()
    finally:
        store.close()
    assert (report.listed, report.new, report.skipped, report.errors) == (4, 1, 1, ())
    assert [(r[0], r[1]) for r in rows] == [("http://xn--bcher-kva.example/a", links[0])]
