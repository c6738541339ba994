"""A feed only feedparser reads is read in a child process with a time limit and a memory cap:
a hostile one fails alone, as its listing's error, and the rest of the run goes on."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from article_pages import article_page
from child_processes import children

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.lenient_feeds import LenientLimits
from scraper.demo.listings import Item, rss_feed
from scraper.demo.server import Resource, SiteServer
from scraper.discover.feeds import parse_feed

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

NOW = datetime.now(UTC).replace(microsecond=0)
_MODULE = "scraper.discover.lenient"
#: Unclosed tags by the hundred thousand: seconds of feedparser's CPU (a minute for 4 MB).
_SLOW = b"<rss><channel><item><title>" + b"<b>" * 200_000
#: Items opened by the hundred thousand: feedparser's memory grows by some 50 MB a second.
_GREEDY = b"<rss><channel>" + b"<item>" * 200_000


def _article(title: str) -> Resource:
    return article_page(title, NOW, 6)


def _feed(body: bytes) -> Resource:
    return Resource("application/rss+xml", body, NOW)


def _config(store: Path, *feeds: tuple[str, str], budget: float | None = None) -> CrawlConfig:
    return CrawlConfig(
        sources=tuple(Source(name=n, kind=SourceKind.FEED, urls=(url,)) for n, url in feeds),
        store=store,
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(max_attempts=2, backoff=0.0, per_request=1),
        max_run_seconds=budget,
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _listing_errors(store: Path, url: str) -> list[tuple[str | None, str | None]]:
    conn = sqlite3.connect(store)
    try:
        query = "SELECT error_kind, error FROM fetches WHERE url = ? ORDER BY id"
        return conn.execute(query, (url,)).fetchall()
    finally:
        conn.close()


def _stored(store: Path) -> list[str]:
    conn = sqlite3.connect(store)
    try:
        return [url for (url,) in conn.execute("SELECT url FROM articles ORDER BY id")]
    finally:
        conn.close()


def _no_child_left() -> None:
    # Neither running nor a zombie: killed and reaped.
    assert [c for c in children() if _MODULE in c.command or c.state == "Z"] == []


def _limits(monkeypatch: pytest.MonkeyPatch, limits: LenientLimits) -> None:
    monkeypatch.setattr("scraper.crawl.discovery.LENIENT_LIMITS", limits)


@pytest.mark.parametrize(
    ("hostile", "limits", "reason"),
    [
        (
            _SLOW,
            LenientLimits(seconds=0.5),
            "feed took longer than 0.5 s to parse in the lenient parser",
        ),
        (
            _GREEDY,
            LenientLimits(seconds=30.0, memory_mb=48),
            "feed needed more than 48 MB to parse in the lenient parser",
        ),
    ],
    ids=["time", "memory"],
)
def test_a_hostile_feed_fails_alone_at_its_limit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hostile: bytes,
    limits: LenientLimits,
    reason: str,
) -> None:
    _limits(monkeypatch, limits)
    store = tmp_path / "c.db"
    with SiteServer() as site:
        base = site.base_url
        site.publish(
            {
                "/hostile.xml": _feed(hostile),
                "/feed.xml": _feed(rss_feed("news", base, [Item(f"{base}/a", "a", NOW)])),
                "/a": _article("Library plans"),
            }
        )
        config = _config(store, ("hostile", f"{base}/hostile.xml"), ("news", f"{base}/feed.xml"))
        started = time.monotonic()
        results = [run_crawl(config) for _ in range(2)]
        took = time.monotonic() - started
        asked = [r.path for r in site.log if r.path == "/hostile.xml"]
    for result in results:
        failed, news = result.sources
        (error,) = failed.errors
        assert error.startswith(f"parse_limit: {reason} ({base}/hostile.xml)"), error
        assert news.errors == ()
    assert (results[0].sources[1].listed, results[1].sources[1].not_modified) == (1, 1)
    assert results[0].stats.stored == 1 and _stored(store) == [f"{base}/a"]
    # Read once a run, and its failure kept with the listing each time: no retry in a loop.
    assert asked == ["/hostile.xml", "/hostile.xml"]
    recorded = _listing_errors(store, f"{base}/hostile.xml")
    assert [kind for kind, _ in recorded] == ["parse_limit", "parse_limit"]
    assert all(reason in (message or "") for _, message in recorded)
    assert took < 15
    _no_child_left()


def test_a_feed_only_feedparser_reads_lists_in_the_child_what_it_lists_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "c.db"
    with SiteServer() as site:
        base = site.base_url
        # A bare "&" in the title: not well-formed, so feedparser reads it.
        body = (
            f'<rss version="2.0"><channel><title>Q & A</title>'
            f"<item><link>{base}/a</link><pubDate>{NOW:%a, %d %b %Y %H:%M:%S} GMT</pubDate>"
            "</item><item><link>/b</link></item><item><guid>7f3a9c2e-0001</guid></item>"
            "</channel></rss>"
        ).encode()
        expected = parse_feed(body, f"{base}/feed.xml")
        assert [e.url for e in expected.entries] == [f"{base}/a", f"{base}/b"]
        site.publish(
            {"/feed.xml": _feed(body), "/a": _article("Library plans"), "/b": _article("Roads")}
        )

        # feedparser is not run in this process.
        def not_here(body: bytes, base_url: str) -> None:
            raise AssertionError("feedparser ran in the crawl process")

        monkeypatch.setattr("scraper.discover.feeds.read_with_feedparser", not_here)
        result = run_crawl(_config(store, ("news", f"{base}/feed.xml")))
    assert (result.sources[0].errors, result.sources[0].listed) == ((), 2)
    assert sorted(_stored(store)) == [f"{base}/a", f"{base}/b"]
    conn = sqlite3.connect(store)
    try:
        listed = conn.execute("SELECT url, published FROM urls ORDER BY url").fetchall()
    finally:
        conn.close()
    assert listed == [
        (e.url, e.published.timestamp() if e.published else None) for e in expected.entries
    ]
    _no_child_left()


def test_the_run_s_time_budget_ends_the_lenient_parse_and_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _limits(monkeypatch, LenientLimits(seconds=60.0))
    with SiteServer() as site:
        site.publish({"/hostile.xml": _feed(_SLOW * 3)})  # some ten seconds of feedparser
        config = _config(tmp_path / "c.db", ("hostile", f"{site.base_url}/hostile.xml"), budget=1)
        started = time.monotonic()
        result = run_crawl(config)
        took = time.monotonic() - started
    assert result.sources[0].warnings == (
        "the run's time budget ran out before its listing was read",
    )
    assert took < 4
    _no_child_left()
    # Nothing of the parse goes on in this process after the run either.
    cpu = time.process_time()
    time.sleep(0.5)
    assert time.process_time() - cpu < 0.2


def test_a_hostile_feed_served_for_a_sitemap_is_bounded_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sitemaps.org lets a sitemap be a feed: read by the sitemap reader, feedparser ran in
    # the crawl process.
    _limits(monkeypatch, LenientLimits(seconds=0.5))
    store = tmp_path / "c.db"
    with SiteServer() as site:
        base = site.base_url
        site.publish({"/sitemap.xml": _feed(_SLOW)})
        config = replace(
            _config(store),
            sources=(Source(name="map", kind=SourceKind.SITEMAP, urls=(f"{base}/sitemap.xml",)),),
        )
        started = time.monotonic()
        result = run_crawl(config)
        took = time.monotonic() - started
    (error,) = result.sources[0].errors
    assert error.startswith("parse_limit: feed took longer than 0.5 s"), error
    assert took < 15
    _no_child_left()
