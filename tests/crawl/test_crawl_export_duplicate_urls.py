"""An exported copy's ``duplicate_of`` is its representative's exported ``url``, as fetched."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

from article_pages import article_page

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.export import ExportFormat, Since, export_articles
from scraper.store.crawl_store import SQLiteCrawlStore

NOW = datetime.now(UTC).replace(microsecond=0)


def test_duplicate_of_names_the_representative_as_its_url_is_exported(tmp_path: Path) -> None:
    # WordPress paths end in "/", which the key drops: duplicate_of named the key
    # (".../harbour-works"), which no exported url equals (".../harbour-works/").
    store = tmp_path / "c.db"
    page = article_page("Harbour works", NOW, 6)
    with SiteServer() as first, SiteServer() as second:
        sources = []
        for name, site, path in (
            ("first", first, "/2026/12/03/harbour-works/"),
            ("second", second, "/wire/harbour-works/"),
        ):
            url = site.base_url + path
            feed = rss_feed(name, site.base_url, [Item(url, "Harbour works", NOW)])
            site.publish({"/feed.xml": Resource("application/rss+xml", feed, NOW), path: page})
            sources.append(
                Source(name=name, kind=SourceKind.FEED, urls=(site.base_url + "/feed.xml",))
            )
        config = CrawlConfig(
            sources=tuple(sources),
            store=store,
            politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
            retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1),
            workers=0,
            allow_networks=("127.0.0.0/8",),
        )
        assert run_crawl(config).stats.stored == 2
    db = SQLiteCrawlStore(store, create=False)
    try:
        out = io.StringIO()
        export_articles(db, since=Since(), fmt=ExportFormat.JSONL, stream=out)
    finally:
        db.close()
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    urls = {r["url"] for r in records}
    copies = [r for r in records if r["duplicate_of"] is not None]
    assert len(copies) == 1
    assert copies[0]["duplicate_of"] in urls - {copies[0]["url"]}
    assert copies[0]["duplicate_of"].endswith("/harbour-works/")
