"""Sitemaps through discovery and a real local server: dates and the age window (feeds' too),
what robots.txt names."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import scraper.crawl.discovery as discovery_module
from scraper.config import Source, parse_config
from scraper.crawl.discovery import Discovery, SourceReport
from scraper.crawl.fetching import fetch_options
from scraper.demo.server import Resource, SiteServer
from scraper.discover.entry import Listing
from scraper.discover.feeds import LenientFeed
from scraper.discover.links import HeavySection
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore

NOW = datetime.now(UTC).replace(microsecond=0)
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _xml(body: str) -> Resource:
    return Resource("application/xml", f'<?xml version="1.0"?>{body}'.encode(), NOW)


def _today() -> datetime:
    # The day the crawl counts its window from, read when the test runs: from NOW, taken when
    # the module was imported, "yesterday" was two days back for a test run past midnight (UTC)
    # in a suite begun before it.
    return datetime.now(UTC)


def _day(days_ago: int) -> str:
    return (_today() - timedelta(days=days_ago)).strftime("%Y-%m-%d")


def _discover(
    tmp_path: Path, index_url: str, max_age_days: float, kind: str = "sitemap"
) -> SourceReport:
    config = parse_config(
        {
            "store": str(tmp_path / "c.db"),
            "allow_networks": ["127.0.0.0/8"],
            "politeness": {"min_interval": 0.0},
            "source": [{"name": "sm", kind: index_url}],
        }
    )
    store = SQLiteCrawlStore(config.store)

    async def discover() -> Any:
        async with Fetcher(fetch_options(config)) as fetcher:
            discovery = Discovery(fetcher, store, normalise_url, run_id=1)
            return await discovery.discover(config.sources[0], max_age_days)

    try:
        report: SourceReport = asyncio.run(discover())
    finally:
        store.close()
    return report


def test_a_day_without_a_time_is_in_the_window_until_its_end(tmp_path: Path) -> None:
    # max_age_days = 1: yesterday's daily sitemap, dated by its day alone, may list an
    # article of yesterday evening; a day three days ago cannot be in the window.
    with SiteServer() as server:
        base = server.base_url
        children = f"<sitemap><loc>{base}/day.xml</loc><lastmod>{_day(1)}</lastmod></sitemap>"
        children += f"<sitemap><loc>{base}/old.xml</loc><lastmod>{_day(3)}</lastmod></sitemap>"
        news = f"<news:news><news:publication_date>{_day(1)}</news:publication_date></news:news>"
        urls = (
            f"<url><loc>{base}/a</loc><lastmod>{_day(1)}</lastmod></url>"
            f"<url><loc>{base}/b</loc>{news}</url>"
            f"<url><loc>{base}/c</loc><lastmod>{_day(3)}</lastmod></url>"
        )
        server.publish(
            {
                "/index.xml": _xml(f"<sitemapindex {_NS}>{children}</sitemapindex>"),
                "/day.xml": _xml(f"<urlset {_NS} {_NEWS}>{urls}</urlset>"),
                "/old.xml": _xml(f"<urlset {_NS}><url><loc>{base}/d</loc></url></urlset>"),
            }
        )
        report = _discover(tmp_path, f"{base}/index.xml", 1.0)
        paths = [r.path for r in server.log]
    assert "/day.xml" in paths and "/old.xml" not in paths
    assert (report.documents, report.unchanged, report.listed, report.new) == (2, 1, 3, 2)


def test_a_feed_s_day_without_a_time_is_in_the_window_until_its_end(tmp_path: Path) -> None:
    # As for sitemaps: an item dated yesterday by its day alone may be from yesterday evening.
    def rfc822_day(days_ago: int) -> str:
        return (_today() - timedelta(days=days_ago)).strftime("%a, %d %b %Y")

    items = "".join(
        f"<item><link>{{base}}/{name}</link><pubDate>{rfc822_day(days)}</pubDate></item>"
        for name, days in (("a", 1), ("b", 3))
    )
    atom = "".join(
        f'<entry><link href="{{base}}/{name}"/><updated>{_day(days)}</updated></entry>'
        for name, days in (("c", 1), ("d", 3))
    )
    with SiteServer() as server:
        base = server.base_url
        rss = f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
        feed = f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{atom}</feed>'
        server.publish(
            {
                "/rss.xml": _xml(rss.format(base=base)),
                "/atom.xml": _xml(feed.format(base=base)),
            }
        )
        reports = [
            _discover(tmp_path / name, f"{base}/{name}.xml", 1.0, kind="feed")
            for name in ("rss", "atom")
        ]
    assert [(r.listed, r.new, r.errors) for r in reports] == [(2, 1, ()), (2, 1, ())]


def test_an_index_s_newest_child_is_read_whatever_its_lastmod(tmp_path: Path) -> None:
    # Some generators date a child by its file's creation: a news sitemap from 2019 listing
    # today's articles. The newest of an index's children is read all the same; older ones
    # out of the window are not.
    with SiteServer() as server:
        base = server.base_url
        children = (
            f"<sitemap><loc>{base}/archive.xml</loc><lastmod>2018-01-01</lastmod></sitemap>"
            f"<sitemap><loc>{base}/news.xml</loc><lastmod>2019-03-01</lastmod></sitemap>"
        )
        news = f"<news:news><news:publication_date>{NOW.isoformat()}</news:publication_date>"
        server.publish(
            {
                "/index.xml": _xml(f"<sitemapindex {_NS}>{children}</sitemapindex>"),
                "/news.xml": _xml(
                    f"<urlset {_NS} {_NEWS}><url><loc>{base}/today</loc>{news}</news:news>"
                    "</url></urlset>"
                ),
                "/archive.xml": _xml(f"<urlset {_NS}><url><loc>{base}/x</loc></url></urlset>"),
            }
        )
        report = _discover(tmp_path, f"{base}/index.xml", 3.0)
        paths = [r.path for r in server.log]
    assert "/news.xml" in paths and "/archive.xml" not in paths
    assert (report.documents, report.unchanged, report.new) == (2, 1, 1)


def test_robots_txt_may_name_a_feed_a_text_sitemap_or_a_soft_404(tmp_path: Path) -> None:
    with SiteServer() as server:
        base = server.base_url
        robots = f"User-agent: *\nSitemap: {base}/feed/\nSitemap: {base}/urls.txt\n"
        robots += f"Sitemap: {base}/gone.xml\n"
        feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>e</title><link>{base}/f</link></item></channel></rss>"
        )
        server.publish(
            {
                "/robots.txt": Resource("text/plain", robots.encode(), NOW),
                "/feed/": Resource("application/rss+xml", feed.encode(), NOW),
                "/urls.txt": Resource("text/plain", f"{base}/t1\n{base}/t2\n".encode(), NOW),
                # An error page answered with a 200, as many sites do.
                "/gone.xml": Resource("text/html", b"<!DOCTYPE html><html><h1>Not found", NOW),
            }
        )
        report = _discover(tmp_path, f"{base}/robots.txt", 3.0)
    assert (report.documents, report.listed, report.new) == (4, 3, 3)
    assert report.errors == (f"input: not a sitemap: an HTML page ({base}/gone.xml)",)


def test_listings_are_read_in_the_charset_their_server_declares(tmp_path: Path) -> None:
    # Neither document declares its encoding in XML (a sitemap) or declares the wrong one (a
    # feed, from a template still saying ISO-8859-1): the Content-Type charset says it.
    with SiteServer() as server:
        base = server.base_url
        sitemap = f"<urlset {_NS}><url><loc>{base}/café</loc></url></urlset>"
        feed = (
            '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
            f"<title>t</title><item><link>{base}/новости</link></item></channel></rss>"
        )
        server.publish(
            {
                "/sm.xml": Resource(
                    "application/xml; charset=iso-8859-1", sitemap.encode("latin-1"), NOW
                ),
                "/feed.xml": Resource(
                    "application/rss+xml; charset=windows-1251", feed.encode("cp1251"), NOW
                ),
            }
        )
        found = []
        for name, kind in (("sm", "sitemap"), ("feed", "feed")):
            report = _discover(tmp_path / name, f"{base}/{name}.xml", 30.0, kind=kind)
            with sqlite3.connect(tmp_path / name / "c.db") as db:
                found.append(([raw for (raw,) in db.execute("SELECT raw FROM urls")], report))
            db.close()
    assert [(urls, r.errors) for urls, r in found] == [
        ([f"{base}/café"], ()),
        ([f"{base}/новости"], ()),
    ]


def test_a_bug_on_one_nested_sitemap_leaves_its_siblings_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An exception of our own on odd input (a parser bug) in one child was the whole source's
    # error: no URL of the index was found, and nothing was recorded for status to show.
    real_parse = discovery_module._parse

    def parse(
        source: Source, body: bytes, base: str, charset: str | None, cap: int
    ) -> Listing | LenientFeed | HeavySection:
        if base.endswith("/broken.xml"):
            raise ValueError("a bug")
        return real_parse(source, body, base, charset, cap)

    monkeypatch.setattr(discovery_module, "_parse", parse)
    with SiteServer() as server:
        base = server.base_url
        children = "".join(
            f"<sitemap><loc>{base}/{name}.xml</loc><lastmod>{_day(0)}</lastmod></sitemap>"
            for name in ("broken", "good")
        )
        server.publish(
            {
                "/index.xml": _xml(f"<sitemapindex {_NS}>{children}</sitemapindex>"),
                "/good.xml": _xml(
                    f"<urlset {_NS}><url><loc>{base}/today</loc>"
                    f"<lastmod>{_day(0)}</lastmod></url></urlset>"
                ),
                "/broken.xml": _xml(f"<urlset {_NS}></urlset>"),
            }
        )
        report = _discover(tmp_path, f"{base}/index.xml", 3.0)
        broken = f"{base}/broken.xml"
    assert report.new == 1
    assert report.errors == ("internal: ValueError: a bug",)
    with sqlite3.connect(tmp_path / "c.db") as conn:
        recorded = conn.execute(
            "SELECT last_error FROM documents WHERE url = ?", (broken,)
        ).fetchall()
    conn.close()
    assert recorded == [("ValueError: a bug",)]
