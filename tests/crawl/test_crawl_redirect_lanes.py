"""A slow host reached through redirectors does not take the fetch workers from other hosts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import pairwise
from pathlib import Path

import pytest
from redirector import Redirector, serving

from scraper.config import CrawlConfig, HostLimit, Politeness, RetryPolicy, Source, SourceKind
from scraper.crawl import run_crawl
from scraper.demo.server import SiteServer
from scraper.demo.site import load_sites, render_site

SITES = {site.slug: site for site in load_sites()}
#: Seconds the slow host takes to answer each request (its robots.txt's too).
DELAY = 0.4


@pytest.fixture
def servers() -> Iterator[tuple[SiteServer, SiteServer, Redirector, Redirector]]:
    with ExitStack() as stack:
        slow = stack.enter_context(SiteServer(delay=DELAY))
        fast = stack.enter_context(SiteServer())
        slow.publish(render_site(SITES["herald"], slow.base_url))
        fast.publish(render_site(SITES["courier"], fast.base_url))
        # Two redirectors in front of the slow host, as feedburner and a link shortener can be.
        first = stack.enter_context(serving(slow.base_url))
        second = stack.enter_context(serving(slow.base_url))
        yield slow, fast, first, second


def test_a_slow_host_behind_redirectors_leaves_the_other_workers_to_other_hosts(
    servers: tuple[SiteServer, SiteServer, Redirector, Redirector], tmp_path: Path
) -> None:
    slow, fast, first, second = servers
    paths = [f"/news/2026/{a.slug}" for a in SITES["herald"].articles]
    redirectors = (first, second)
    listed = [redirectors[i % 2].base_url + path for i, path in enumerate(paths)]
    config = CrawlConfig(
        sources=(
            # Listed in the config: queued before the other source's feed is read, and every
            # one under a redirector's host, each of which may have both workers.
            Source(name="slow", kind=SourceKind.URLS, urls=tuple(listed)),
            Source(name="fast", kind=SourceKind.FEED, urls=(fast.base_url + "/feed.xml",)),
        ),
        store=tmp_path / "crawl.db",
        politeness=Politeness(min_interval=0.0, per_host=2, concurrency=2),
        # One request at a time to the slow host, whichever redirector sent the crawl there.
        hosts={slow.base_url.removeprefix("http://"): HostLimit(min_interval=0.0, per_host=1)},
        retry=RetryPolicy(per_request=1),
        workers=0,
        allow_networks=("127.0.0.0/8",),
    )
    began = time.monotonic()
    result = run_crawl(config)
    took = time.monotonic() - began
    courier = SITES["courier"].articles
    assert result.stats.stored == len(paths) + len(courier)
    assert not result.failures
    # Each redirector was asked once for each URL it was listed under, and the slow host once
    # for each article: a URL that changed lanes was not fetched again from its start.
    asked = sorted(p for r in redirectors for p in r.log if p.startswith("/news/"))
    assert asked == sorted(paths)
    slow_times = sorted(r.at for r in slow.log if r.path.startswith("/news/2026/"))
    assert len(slow_times) == len(paths)
    # The slow host's own pace held across both redirectors: one request at a time.
    assert min(b - a for a, b in pairwise(slow_times)) >= DELAY - 0.05
    fast_times = sorted(r.at for r in fast.log if r.path.startswith("/stories/"))
    assert len(fast_times) == len(courier)
    # Lanes chosen by the URL as listed put both workers on the redirectors' URLs, both then
    # waiting for the slow host, and the fast host's articles came after the slow host's
    # fourth. The worker that finds the slow host taken puts its URL aside for the one there.
    assert fast_times[-1] < slow_times[2], (fast_times, slow_times, took)


def test_a_worker_carrying_a_redirect_on_goes_back_to_its_own_hosts_urls(
    tmp_path: Path,
) -> None:
    # A redirect on host A leads to the slow host C while A's own URLs wait: the worker
    # carries that one URL on and comes back to A. Taking C's one place instead made the
    # feed's C articles, put aside for it meanwhile, wait for it too, and it worked through
    # them all before A's own articles, while the other workers had nothing to do.
    with ExitStack() as stack:
        a = stack.enter_context(SiteServer(delay=0.15))
        c = stack.enter_context(SiteServer(delay=0.3))
        g = stack.enter_context(SiteServer(delay=0.2))
        herald = render_site(SITES["herald"], c.base_url)
        c.publish(herald)
        g.publish({"/feed.xml": herald["/feed.xml"]})
        a.publish(render_site(SITES["courier"], a.base_url))
        target = f"{c.base_url}/news/2026/{SITES['herald'].articles[0].slug}"
        a.fail("/r/x", 301, {"Location": target})
        own = [f"{a.base_url}/stories/2026/{article.slug}" for article in SITES["courier"].articles]
        config = CrawlConfig(
            sources=(
                Source(name="a", kind=SourceKind.URLS, urls=(a.base_url + "/r/x", *own)),
                Source(name="g", kind=SourceKind.FEED, urls=(g.base_url + "/feed.xml",)),
            ),
            store=tmp_path / "crawl.db",
            politeness=Politeness(min_interval=0.0, per_host=1, concurrency=3),
            retry=RetryPolicy(per_request=2),
            workers=0,
            allow_networks=("127.0.0.0/8",),
        )
        result = run_crawl(config)
        own_times = [r.at for r in a.log if r.path.startswith("/stories/")]
        c_times = [r.at for r in c.log if r.path.startswith("/news/")]
    assert not result.failures
    assert len(own_times) == len(own)
    # A's own articles were not left until the slow host's were all done.
    assert max(own_times) < max(c_times) - 0.3, (own_times, c_times)
