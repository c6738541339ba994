"""A source's listing settings changed between runs: its listings are read in full again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.crawl.discovery import listing_settings
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

HERALD = next(site for site in load_sites() if site.slug == "herald")


@pytest.fixture
def herald() -> Iterator[SiteServer]:
    with SiteServer() as server:
        server.publish(render_site(HERALD, server.base_url))
        yield server


def _config(store: Path, source: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=(source,),
        store=store,
        politeness=Politeness(min_interval=0.0),
        retry=RetryPolicy(per_request=1, backoff=0.0),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def test_widened_follow_patterns_read_the_section_page_in_full(
    herald: SiteServer, tmp_path: Path
) -> None:
    store = tmp_path / "crawl.db"
    narrow = Source(
        name="sec",
        kind=SourceKind.SECTION,
        urls=(herald.base_url + "/news/",),
        follow=(r"/news/2026/harbour-",),
        refresh_minutes=60.0,
    )
    first = run_crawl(_config(store, narrow))
    assert first.stats.stored == 1
    # Unchanged settings: the page rests (refresh_minutes), then answers 304.
    assert run_crawl(_config(store, narrow)).sources[0].not_due == 1
    assert run_crawl(_config(store, replace(narrow, refresh_minutes=None))).stats.not_modified
    wide = replace(narrow, follow=(r"/news/\d{4}/",))
    second = run_crawl(_config(store, wide))
    assert second.stats.not_modified == 0 and second.sources[0].not_due == 0
    assert second.stats.discovered == second.stats.stored == len(HERALD.articles) - 1
    # Read under the new settings, the page is revalidated as usual from then on.
    assert run_crawl(_config(store, replace(wide, refresh_minutes=None))).stats.not_modified == 1


def test_a_widened_age_window_reads_the_feed_in_full(herald: SiteServer, tmp_path: Path) -> None:
    store = tmp_path / "crawl.db"
    feed = Source(name="f", kind=SourceKind.FEED, urls=(herald.base_url + "/feed.xml",))
    tiny = replace(_config(store, feed), max_age_days=1e-6)  # every entry is older
    assert run_crawl(tiny).stats.discovered == 0
    wider = run_crawl(_config(store, feed))
    assert wider.stats.not_modified == 0 and wider.stats.stored == len(HERALD.articles)


def test_the_settings_follow_name_type_patterns_and_age_window() -> None:
    base = Source(name="s", kind=SourceKind.FEED, urls=("https://n.test/rss",))
    variants = [
        base,
        replace(base, name="t"),
        replace(base, kind=SourceKind.SITEMAP),
        replace(base, follow=("/a/",)),
    ]
    settings = {listing_settings(s, None) for s in variants} | {listing_settings(base, 2.0)}
    assert len(settings) == len(variants) + 1
    rested = replace(base, refresh_minutes=5.0)  # not a listing setting
    assert listing_settings(rested, None) == listing_settings(base, None)
