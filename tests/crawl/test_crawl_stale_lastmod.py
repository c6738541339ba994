"""Nested sitemaps whose index ``lastmod`` is stale, against a real local server: a current
sitemap is read all the same, an archive is left alone, and a rerun costs a 304."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scraper.config import parse_config
from scraper.crawl.discovery import Discovery, SourceReport
from scraper.crawl.fetching import fetch_options
from scraper.demo.server import LoggedRequest, Resource, SiteServer
from scraper.discover.urls import normalise_url
from scraper.fetch.client import Fetcher
from scraper.store.crawl_store import SQLiteCrawlStore

NOW = datetime.now(UTC).replace(microsecond=0)
_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
_NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def _xml(body: str) -> Resource:
    return Resource("application/xml", f'<?xml version="1.0"?>{body}'.encode(), NOW)


def _index(children: list[tuple[str, datetime]]) -> Resource:
    entries = "".join(
        f"<sitemap><loc>{url}</loc><lastmod>{when.isoformat()}</lastmod></sitemap>"
        for url, when in children
    )
    return _xml(f"<sitemapindex {_NS}>{entries}</sitemapindex>")


def _urlset(urls: list[tuple[str, datetime]]) -> Resource:
    """A news sitemap: each article with its publication time."""
    entries = "".join(
        f"<url><loc>{url}</loc><news:news><news:publication_date>{when.isoformat()}"
        "</news:publication_date></news:news></url>"
        for url, when in urls
    )
    return _xml(f"<urlset {_NS} {_NEWS}>{entries}</urlset>")


def _discover(db: Path, index_url: str, max_age_days: float | None, run: int) -> SourceReport:
    config = parse_config(
        {
            "store": str(db),
            "allow_networks": ["127.0.0.0/8"],
            "politeness": {"min_interval": 0.0},
            "source": [{"name": "sm", "sitemap": index_url}],
        }
    )
    store = SQLiteCrawlStore(config.store)

    async def discover() -> Any:
        async with Fetcher(fetch_options(config)) as fetcher:
            discovery = Discovery(fetcher, store, normalise_url, run_id=run)
            return await discovery.discover(config.sources[0], max_age_days)

    try:
        report: SourceReport = asyncio.run(discover())
    finally:
        store.close()
    return report


def _queued(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute("SELECT url FROM urls")}


def _asked(log: list[LoggedRequest], since: int) -> dict[str, int]:
    """The listings asked for since the ``since``-th request (each run asks robots.txt anew)."""
    return {r.path: r.status for r in log[since:] if r.path != "/robots.txt"}


def test_a_current_sitemap_with_a_stale_lastmod_is_read_by_what_its_name_says(
    tmp_path: Path,
) -> None:
    # A news sitemap dated by its file's creation (2019) and this month's sitemap dated by the
    # day it was created, neither the index's newest: both list today's articles. A monthly
    # archive and an undated name out of the window stay unread, as before.
    month = NOW.strftime("%Y-%m")
    with SiteServer() as server:
        base = server.base_url
        server.publish(
            {
                "/index.xml": _index(
                    [
                        (f"{base}/sitemap-2019-02.xml", datetime(2019, 3, 1, tzinfo=UTC)),
                        (f"{base}/archive.xml", datetime(2018, 1, 1, tzinfo=UTC)),
                        (f"{base}/sitemap-news.xml", datetime(2019, 3, 1, tzinfo=UTC)),
                        (f"{base}/sitemap-{month}.xml", NOW - timedelta(days=40)),
                        (f"{base}/pages.xml", NOW),
                    ]
                ),
                "/pages.xml": _urlset([(f"{base}/about", NOW)]),
                "/sitemap-news.xml": _urlset([(f"{base}/breaking", NOW)]),
                f"/sitemap-{month}.xml": _urlset([(f"{base}/monthly-story", NOW)]),
                "/sitemap-2019-02.xml": _urlset([(f"{base}/old", NOW)]),
                "/archive.xml": _urlset([(f"{base}/older", NOW)]),
            }
        )
        report = _discover(tmp_path / "c.db", f"{base}/index.xml", 2.0, run=1)
        asked = _asked(server.log, 0)
    assert f"{base}/breaking" in _queued(tmp_path / "c.db")
    assert f"{base}/monthly-story" in _queued(tmp_path / "c.db")
    assert "/sitemap-2019-02.xml" not in asked and "/archive.xml" not in asked
    assert (report.documents, report.unchanged, report.new) == (4, 2, 3)


@pytest.mark.parametrize("max_age_days", [4.0, None])
def test_a_sitemap_whose_lastmod_was_shown_stale_is_asked_on_every_run(
    tmp_path: Path, max_age_days: float | None
) -> None:
    # live.xml's lastmod is three days old, yet it listed an article of today when read: its
    # index's date for it is stale, and it is asked on the next runs (a 304 when unchanged).
    # honest.xml listed nothing later than its lastmod (an article dated by the day of its
    # lastmod, which may mean as late as a day and a half after it): left alone.
    db = tmp_path / "c.db"
    three_days = NOW - timedelta(days=3)
    midnight = three_days.replace(hour=0, minute=0, second=0)
    with SiteServer() as server:
        base = server.base_url
        index = _index(
            [
                (f"{base}/honest.xml", midnight),
                (f"{base}/live.xml", three_days),
                (f"{base}/front.xml", NOW),
            ]
        )
        pages = {
            "/index.xml": index,
            "/front.xml": _urlset([(f"{base}/front", NOW)]),
            "/honest.xml": _xml(
                f"<urlset {_NS}><url><loc>{base}/honest</loc>"
                f"<lastmod>{midnight:%Y-%m-%d}</lastmod></url></urlset>"
            ),
            "/live.xml": _urlset([(f"{base}/first", NOW - timedelta(hours=1))]),
        }
        server.publish(pages)
        first = _discover(db, f"{base}/index.xml", max_age_days, run=1)
        assert (first.documents, first.new) == (4, 3)

        # A new article in live.xml; its index's lastmod for it does not move.
        pages["/live.xml"] = _urlset(
            [(f"{base}/first", NOW - timedelta(hours=1)), (f"{base}/second", NOW)]
        )
        server.publish(pages)
        seen = len(server.log)
        second = _discover(db, f"{base}/index.xml", max_age_days, run=2)
        asked = _asked(server.log, seen)
        assert f"{base}/second" in _queued(db)
        assert asked == {"/index.xml": 304, "/front.xml": 304, "/live.xml": 200}
        assert (second.new, second.unchanged) == (1, 1)

        # Nothing new: the same three requests, all answered 304.
        seen = len(server.log)
        third = _discover(db, f"{base}/index.xml", max_age_days, run=3)
        asked = _asked(server.log, seen)
    assert asked == {"/index.xml": 304, "/front.xml": 304, "/live.xml": 304}
    assert (third.new, third.not_modified, third.unchanged) == (0, 3, 1)


def test_a_sitemap_left_unread_by_its_lastmod_is_asked_again_after_a_share_of_its_quiet(
    tmp_path: Path,
) -> None:
    # quiet.xml dates none of its entries, so nothing it lists can show its lastmod (ten
    # days old) stale: it is asked again once a tenth of the time it had been quiet when read
    # has passed. archive.xml's lastmod is shown stale by entries of 2025, but they are old
    # too: an archive, left alone.
    db = tmp_path / "c.db"
    ten_days = NOW - timedelta(days=10)
    with SiteServer() as server:
        base = server.base_url
        pages = {
            "/index.xml": _index(
                [
                    (f"{base}/archive.xml", datetime(2019, 3, 1, tzinfo=UTC)),
                    (f"{base}/quiet.xml", ten_days),
                    (f"{base}/front.xml", NOW),
                ]
            ),
            "/front.xml": _urlset([(f"{base}/front", NOW)]),
            "/archive.xml": _urlset([(f"{base}/2025", datetime(2025, 1, 1, tzinfo=UTC))]),
            "/quiet.xml": _xml(f"<urlset {_NS}><url><loc>{base}/q1</loc></url></urlset>"),
        }
        server.publish(pages)
        first = _discover(db, f"{base}/index.xml", None, run=1)
        assert (first.documents, first.new) == (4, 3)
        pages["/quiet.xml"] = _xml(
            f"<urlset {_NS}><url><loc>{base}/q1</loc></url><url><loc>{base}/q2</loc></url></urlset>"
        )
        server.publish(pages)

        # Read a minute ago: a day of waiting is not over.
        seen = len(server.log)
        second = _discover(db, f"{base}/index.xml", None, run=2)
        assert _asked(server.log, seen) == {"/index.xml": 304, "/front.xml": 304}
        assert (second.new, second.unchanged) == (0, 2)

        # Read two days ago, eight days after its lastmod: the 0.8 days are over.
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE documents SET fetched_at = fetched_at - 2 * 86400 WHERE url LIKE ?",
                ("%/quiet.xml",),
            )
        seen = len(server.log)
        third = _discover(db, f"{base}/index.xml", None, run=3)
        asked = _asked(server.log, seen)
    assert asked == {"/index.xml": 304, "/front.xml": 304, "/quiet.xml": 200}
    assert f"{base}/q2" in _queued(db)
    assert (third.new, third.unchanged) == (1, 1)
