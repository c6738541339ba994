"""A malformed link in a feed or a page is that entry's problem, never the source's or the run's."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer

NOW = datetime.now(UTC).replace(microsecond=0)


def _article(title: str, head: str = "") -> Resource:
    text = "".join(
        f"<p>{title}, part {i}: the council met on Tuesday to debate the budget for schools,"
        " roads and a new library in the northern district.</p>"
        for i in range(6)
    )
    html = f"<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
    return Resource(
        "text/html; charset=utf-8", f"{html}{text}</article></body></html>".encode(), NOW
    )


def _config(store: Path, source: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=(source,),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _urls(store: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT url, state FROM urls ORDER BY id").fetchall()
    finally:
        conn.close()


def test_a_malformed_feed_entry_is_skipped_and_the_rest_crawled(tmp_path: Path) -> None:
    with SiteServer() as site:
        base = site.base_url
        items = [Item(link, "t", NOW) for link in ("http://[::1/x", f"{base}/a")]
        site.publish(
            {
                "/a": _article("Library plans"),
                "/feed.xml": Resource("application/rss+xml", rss_feed("f", base, items), NOW),
            }
        )
        source = Source(name="f", kind=SourceKind.FEED, urls=(f"{base}/feed.xml",))
        result = run_crawl(_config(tmp_path / "c.db", source))
    report = result.sources[0]
    assert (report.skipped, report.errors) == (1, ())
    assert result.stats.stored == 1
    assert _urls(tmp_path / "c.db") == [(f"{base}/a", "done")]


def test_a_page_with_a_malformed_canonical_link_is_stored(tmp_path: Path) -> None:
    head = '<link rel="canonical" href="http://[oops/a">'
    with SiteServer() as site:
        site.publish({"/b": _article("Budget vote", head)})
        url = f"{site.base_url}/b"
        result = run_crawl(
            _config(tmp_path / "c.db", Source(name="u", kind=SourceKind.URLS, urls=(url,)))
        )
    assert result.stats.stored == 1
    assert _urls(tmp_path / "c.db") == [(url, "done")]
