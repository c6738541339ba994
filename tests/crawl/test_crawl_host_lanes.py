"""A slow host listed first does not hold the fetch workers up for the other hosts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from scraper.config import CrawlConfig, HostLimit, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

SITES = {site.slug: site for site in load_sites()}
# A pace of its own for the slow host: its five articles take two seconds at least.
INTERVAL = 0.5


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer]]:
    with ExitStack() as stack:
        slow = stack.enter_context(SiteServer())
        fast = stack.enter_context(SiteServer())
        slow.publish(render_site(SITES["herald"], slow.base_url))
        fast.publish(render_site(SITES["courier"], fast.base_url))
        yield slow, fast


def test_a_slow_host_listed_first_leaves_the_other_workers_to_other_hosts(
    servers: tuple[SiteServer, SiteServer], tmp_path: Path
) -> None:
    slow, fast = servers
    articles = [f"{slow.base_url}/news/2026/{a.slug}" for a in SITES["herald"].articles]
    config = CrawlConfig(
        sources=(
            # Listed in the config: stored (and queued) before the other source's feed is read.
            Source(name="slow", kind=SourceKind.URLS, urls=tuple(articles)),
            Source(name="fast", kind=SourceKind.FEED, urls=(fast.base_url + "/feed.xml",)),
        ),
        store=tmp_path / "crawl.db",
        politeness=Politeness(min_interval=0.0, per_host=2, concurrency=2),
        hosts={slow.base_url.removeprefix("http://"): HostLimit(min_interval=INTERVAL, per_host=1)},
        retry=RetryPolicy(per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )
    result = run_crawl(config)
    assert result.stats.stored == len(articles) + len(SITES["courier"].articles)
    slow_times = sorted(r.at for r in slow.log if r.path.startswith("/news/2026/"))
    fast_times = sorted(r.at for r in fast.log if r.path.startswith("/stories/"))
    assert len(slow_times) == len(articles) and fast_times
    # Taking URLs in the order they were found, both workers waited for the slow host's turns
    # and the fast host's articles came after the slow host's fourth; one worker now takes
    # them meanwhile.
    assert fast_times[-1] < slow_times[2]
