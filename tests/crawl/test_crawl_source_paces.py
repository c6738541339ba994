"""A source's own pace holds for the hosts of the articles it lists, not only its listing's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, HostLimit, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import article_path, load_sites, render_site

HERALD = next(site for site in load_sites() if site.slug == "herald")
INTERVAL = 0.25
SKEW = 0.05  # the server thread may log a request a little after it was sent


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer]]:
    """The herald's feed on one server, its articles on another."""
    with ExitStack() as stack:
        feeds = stack.enter_context(SiteServer())
        www = stack.enter_context(SiteServer())
        pages = render_site(HERALD, www.base_url)
        feeds.publish({"/feed.xml": pages.pop("/feed.xml")})
        www.publish(pages)
        yield feeds, www


def _config(tmp_path: Path, *sources: Source) -> CrawlConfig:
    return CrawlConfig(
        sources=sources,
        store=tmp_path / "crawl.db",
        politeness=Politeness(min_interval=0.0, per_host=4, concurrency=4),
        retry=RetryPolicy(per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )


def _article_starts(server: SiteServer) -> dict[str, float]:
    return {r.path: r.at for r in server.log if r.path.startswith("/news/")}


def test_a_feeds_pace_holds_for_the_host_of_its_articles(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    feeds, www = servers
    limit = HostLimit(min_interval=INTERVAL, per_host=1)
    feed = Source(name="f", kind=SourceKind.FEED, urls=(feeds.base_url + "/feed.xml",), limit=limit)
    assert run_crawl(_config(tmp_path, feed)).stats.stored == len(HERALD.articles)
    starts = sorted(_article_starts(www).values())
    assert len(starts) == len(HERALD.articles)
    assert min(b - a for a, b in pairwise(starts)) >= INTERVAL - SKEW


def test_the_strictest_of_the_paces_of_the_sources_listing_a_host_wins(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    feeds, www = servers
    paths = [article_path(HERALD, a) for a in HERALD.articles]
    lenient = Source(
        name="picked",
        kind=SourceKind.URLS,
        urls=tuple(www.base_url + p for p in paths[:2]),
        limit=HostLimit(min_interval=0.0, per_host=4),
    )
    # Lists all five; the two the first source stored before are counted (and paced) for it.
    strict = Source(
        name="feed",
        kind=SourceKind.FEED,
        urls=(feeds.base_url + "/feed.xml",),
        limit=HostLimit(min_interval=INTERVAL, per_host=1),
    )
    assert run_crawl(_config(tmp_path, lenient, strict)).stats.stored == len(paths)
    starts = _article_starts(www)
    assert set(starts) == set(paths)
    order = sorted(starts, key=starts.__getitem__)
    # From the moment the strict source's URLs are in hand, the host keeps its pace: each of
    # them starts INTERVAL after the request before it, whoever listed that one.
    gaps = {b: starts[b] - starts[a] for a, b in pairwise(order)}
    assert min(gaps[p] for p in paths[2:] if p in gaps) >= INTERVAL - SKEW
