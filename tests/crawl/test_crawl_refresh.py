"""A source's refresh interval: its listings are read again only once it has passed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind, parse_config
from scraper.crawl import run_crawl
from scraper.demo.server import Resource, SiteServer
from scraper.demo.site import load_sites, render_site
from scraper.errors import ConfigError, UnreadableListing
from scraper.store.crawl_store import SQLiteCrawlStore
from scraper.store.protocol import ChildDoc, FetchRecord, ListingRecord

SITES = {site.slug: site for site in load_sites()}


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer]]:
    with ExitStack() as stack:
        rested = stack.enter_context(SiteServer())
        busy = stack.enter_context(SiteServer())
        rested.publish(render_site(SITES["herald"], rested.base_url))
        busy.publish(render_site(SITES["courier"], busy.base_url))
        yield rested, busy


def _config(servers: tuple[SiteServer, SiteServer], store: Path, refresh: float) -> CrawlConfig:
    rested, busy = servers
    return CrawlConfig(
        sources=(
            Source(
                name="rested",
                kind=SourceKind.FEED,
                urls=(rested.base_url + "/feed.xml",),
                refresh_minutes=refresh,
            ),
            Source(name="busy", kind=SourceKind.FEED, urls=(busy.base_url + "/feed.xml",)),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0),
        retry=RetryPolicy(per_request=1, backoff=0.0),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _feed_reads(server: SiteServer) -> int:
    return sum(1 for r in server.log if r.path == "/feed.xml")


def test_a_listing_read_within_its_refresh_interval_is_not_read_again(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    rested, busy = servers
    store = tmp_path / "crawl.db"
    first = run_crawl(_config(servers, store, refresh=60.0))
    assert first.stats.stored > 0 and _feed_reads(rested) == _feed_reads(busy) == 1
    second = run_crawl(_config(servers, store, refresh=60.0))
    assert _feed_reads(rested) == 1 and _feed_reads(busy) == 2  # the other source as usual
    reports = {r.source: r for r in second.sources}
    assert reports["rested"].not_due == 1 and reports["rested"].documents == 0
    assert reports["busy"].not_due == 0 and reports["busy"].not_modified == 1
    assert second.ok
    # Once the interval has passed, the listing is read again (and answered 304).
    time.sleep(0.35)
    third = run_crawl(_config(servers, store, refresh=0.005))
    assert _feed_reads(rested) == 2
    assert {r.source: r.not_modified for r in third.sources}["rested"] == 1


def test_a_listing_whose_last_read_failed_is_read_again_at_once(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    rested, _ = servers
    store = tmp_path / "crawl.db"
    rested.fail("/feed.xml", 500)
    failed = run_crawl(_config(servers, store, refresh=60.0))
    assert not failed.ok
    rested.restore("/feed.xml")
    again = run_crawl(_config(servers, store, refresh=60.0))
    assert _feed_reads(rested) == 2
    assert {r.source: r.new for r in again.sources}["rested"] > 0


def test_refresh_minutes_is_read_per_source_with_a_crawl_wide_default() -> None:
    base = {
        "store": "c.db",
        "refresh_minutes": 30,
        "source": [
            {"name": "a", "feed": "https://example.com/rss"},
            {"name": "b", "feed": "https://example.org/rss", "refresh_minutes": 0},
        ],
    }
    config = parse_config(base)
    assert config.refresh_minutes == 30.0
    assert [s.refresh_minutes for s in config.sources] == [None, 0.0]
    with pytest.raises(ConfigError) as raised:
        parse_config({**base, "source": [{"feed": "https://e.com/rss", "refresh_minutes": -1}]})
    assert raised.value.key == "source[0].refresh_minutes"


def _xml(body: str) -> Resource:
    return Resource("application/xml", body.encode(), datetime.now(UTC))


def _sitemaps(base: str) -> dict[str, Resource]:
    """An index of two urlsets, each listing two of the herald's articles."""
    site = render_site(SITES["herald"], base)
    paths = [f"/news/2026/{a.slug}" for a in SITES["herald"].articles][:4]
    pages = {p: site[p] for p in paths}
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    for n in range(2):
        locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths[2 * n : 2 * n + 2])
        pages[f"/sm{n}.xml"] = _xml(f'<urlset xmlns="{ns}">{locs}</urlset>')
    children = "".join(f"<sitemap><loc>{base}/sm{n}.xml</loc></sitemap>" for n in range(2))
    pages["/index.xml"] = _xml(f'<sitemapindex xmlns="{ns}">{children}</sitemapindex>')
    return pages


def _index_config(server: SiteServer, store: Path, refresh: float | None) -> CrawlConfig:
    """A crawl of the sitemap index of ``_sitemaps`` on ``server``."""
    return CrawlConfig(
        sources=(
            Source(
                name="index",
                kind=SourceKind.SITEMAP,
                urls=(server.base_url + "/index.xml",),
                refresh_minutes=refresh,
            ),
        ),
        store=store,
        politeness=Politeness(min_interval=0.0),
        retry=RetryPolicy(per_request=1, backoff=0.0),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def test_an_index_whose_nested_sitemap_failed_is_read_again_at_once(tmp_path: Path) -> None:
    with SiteServer() as server:
        server.publish(_sitemaps(server.base_url))
        server.fail("/sm1.xml", 500)
        config = _index_config(server, tmp_path / "crawl.db", refresh=60.0)
        assert run_crawl(config).stats.stored == 2
        server.restore("/sm1.xml")
        second = run_crawl(config)
        # The index was read without error, but one of its sitemaps was not: its articles
        # would otherwise wait for the whole interval.
        assert second.sources[0].not_due == 0 and second.stats.stored == 2
        third = run_crawl(config)
        assert third.sources[0].not_due == 1  # everything read: now it rests
        assert [r.status for r in server.log if r.path == "/sm1.xml"] == [500, 200]


@pytest.mark.parametrize("damage", ["[damaged", '{"url": 1}', '[["/sm0.xml", "today"]]', "[1]"])
@pytest.mark.parametrize("refresh", [None, 60.0])
@pytest.mark.parametrize("damaged", ["/index.xml", "/sm0.xml"])
def test_a_damaged_stored_list_of_nested_sitemaps_is_mended_by_reading_the_document_again(
    tmp_path: Path, damaged: str, refresh: float | None, damage: str
) -> None:
    # A 304 (or a rest) leaves what a document named to its stored list. Read from a damaged
    # row, that raised on every run, and the document, answered 304 each time, never mended it.
    with SiteServer() as server:
        server.publish(_sitemaps(server.base_url))
        config = _index_config(server, tmp_path / "crawl.db", refresh=refresh)
        assert run_crawl(config).stats.stored == 4
        conn = sqlite3.connect(tmp_path / "crawl.db")
        with conn:
            conn.execute(
                "UPDATE documents SET children = ? WHERE url = ?",
                (damage, server.base_url + damaged),
            )
        conn.close()
        second = run_crawl(config)
        assert second.ok and not second.sources[0].errors and second.stats.fetched == 0
        statuses = [r.status for r in server.log if r.path == damaged]
        assert statuses == [200, 304, 200]  # asked unconditionally once the list was found damaged
        store = SQLiteCrawlStore(tmp_path / "crawl.db", create=False)
        try:
            nested = [c.url for c in store.children(server.base_url + "/index.xml")]
            assert nested == [f"{server.base_url}/sm{n}.xml" for n in range(2)]
            assert store.children(server.base_url + "/sm0.xml") == ()
        finally:
            store.close()
        third = run_crawl(config)
        assert third.ok and third.stats.fetched == 0
        assert [r.status for r in server.log if r.path == damaged][3:] in ([], [304])
        articles = [r.path for r in server.log if r.path.startswith("/news/")]
        assert sorted(articles) == sorted(set(articles))  # none fetched again


def test_a_damaged_stored_list_raises_its_own_error(tmp_path: Path) -> None:
    store = SQLiteCrawlStore(tmp_path / "crawl.db")
    try:
        store.ensure_source("s", "sitemap")
        fetch = FetchRecord(url="https://a.example/index.xml", status=200)
        listing = ListingRecord(fetch=fetch, children=(ChildDoc("https://a.example/sm.xml"),))
        store.record_listing("s", listing, store.begin_run())
        assert store.children(fetch.url) == (ChildDoc("https://a.example/sm.xml"),)
        # Two lists of the wrong shape, and one nested past what json reads (RecursionError).
        for damaged in ('[["x"]]', "[" * 100_000 + "]" * 100_000):
            store.conn.execute("UPDATE documents SET children = ?", (damaged,))
            with pytest.raises(UnreadableListing) as raised:
                store.children(fetch.url)
            assert raised.value.url == fetch.url and "a.example/index.xml" in str(raised.value)
    finally:
        store.close()
