"""Politeness seen from the server's log: robots.txt, Crawl-delay, intervals, concurrency caps."""

from __future__ import annotations

import asyncio

import pytest
from fetch_server import LocalServer, local_options, loopback_resolver, run

from scraper.fetch import Fetcher, FetchOptions, Politeness, fetch_each

# Timing checks: no garbage-collector pause may land between a request and its log entry.
pytestmark = pytest.mark.usefixtures("no_gc_pauses")

#: The server thread logs a request when it has read it, which on a busy two-core machine can
#: lag the client's start by tens of milliseconds (more on a new connection than on a reused
#: one). Unpaced requests would be about a millisecond apart, so the checks keep their teeth.
SKEW = 0.05


async def _fetch_all(urls: list[str], options: FetchOptions) -> dict[str, str | None]:
    """Each URL's error kind (None when fetched), fetching all concurrently."""
    async with Fetcher(options, resolver=loopback_resolver) as fetcher:
        return {r.url: (r.error.kind if r.error else None) async for r in fetch_each(fetcher, urls)}


def test_disallowed_paths_are_never_requested_and_crawl_delay_holds(server: LocalServer) -> None:
    server.robots["a.test"] = (
        200,
        "User-agent: *\nDisallow: /page/private\nCrawl-delay: 0.25\n",
    )
    urls = [server.url(p, "a.test") for p in ("/page/1", "/page/private/x", "/page/2", "/page/3")]
    outcome = run(_fetch_all(urls, local_options()))
    assert outcome == {urls[0]: None, urls[1]: "robots", urls[2]: None, urls[3]: None}
    assert not [r for r in server.log if r.path.startswith("/page/private")]
    assert len(server.requests(path="/robots.txt")) == 1
    gaps = server.start_gaps(host="a.test")  # robots.txt included: the delay applies after it too
    assert len(gaps) == 3
    assert min(gaps) >= 0.25 - SKEW


def test_robots_rules_for_our_agent_win_over_the_wildcard(server: LocalServer) -> None:
    server.robots["a.test"] = (200, "User-agent: scraper\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    outcome = run(_fetch_all([server.url("/page/x", "a.test")], local_options()))
    assert outcome == {server.url("/page/x", "a.test"): "robots"}
    assert server.requests(host="a.test") == []


def test_robots_503_disallows_everything_until_it_recovers(server: LocalServer) -> None:
    server.robots["a.test"] = (503, "down")
    polite = Politeness(min_interval=0.0, robots_error_ttl=0.3)
    options = local_options(politeness=polite)
    urls = [server.url("/page/1", "a.test"), server.url("/page/2", "a.test")]

    async def scenario() -> tuple[dict[str, str | None], int, str | None]:
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            first = {
                r.url: (r.error.kind if r.error else None) async for r in fetch_each(fetcher, urls)
            }
            asked = len(server.requests(path="/robots.txt"))
            server.robots["a.test"] = (200, "User-agent: *\nAllow: /\n")
            await asyncio.sleep(0.35)
            page = await fetcher.fetch(urls[0])
            return first, asked, page.encoding

    first, asked, encoding = run(scenario())
    assert first == {urls[0]: "robots_unavailable", urls[1]: "robots_unavailable"}
    assert asked == 3  # one robots.txt fetch (with its retries) for both URLs
    assert encoding == "utf-8"
    assert [r.path for r in server.requests(host="a.test")] == ["/page/1"]


def test_robots_404_allows_everything_and_is_fetched_once(server: LocalServer) -> None:
    urls = [server.url(f"/page/{n}", "a.test") for n in range(5)]
    outcome = run(_fetch_all(urls, local_options()))
    assert set(outcome.values()) == {None}
    assert len(server.requests(path="/robots.txt")) == 1


def test_robots_can_be_switched_off(server: LocalServer) -> None:
    server.robots["a.test"] = (200, "User-agent: *\nDisallow: /\n")
    options = local_options(politeness=Politeness(min_interval=0.0, respect_robots=False))
    outcome = run(_fetch_all([server.url("/page/1", "a.test")], options))
    assert outcome == {server.url("/page/1", "a.test"): None}
    assert server.requests(path="/robots.txt") == []


def test_per_host_concurrency_cap_holds(server: LocalServer) -> None:
    polite = Politeness(min_interval=0.0, per_host_concurrency=2, global_concurrency=10)
    urls = [server.url(f"/page/{n}?delay=0.1", h) for h in ("a.test", "b.test") for n in range(6)]
    outcome = run(_fetch_all(urls, local_options(politeness=polite)))
    assert set(outcome.values()) == {None}
    assert server.stats.peak["a.test"] == 2
    assert server.stats.peak["b.test"] == 2


def test_global_concurrency_cap_holds(server: LocalServer) -> None:
    polite = Politeness(min_interval=0.0, per_host_concurrency=4, global_concurrency=3)
    hosts = ("a.test", "b.test", "c.test")
    urls = [server.url(f"/page/{n}?delay=0.1", h) for h in hosts for n in range(4)]
    outcome = run(_fetch_all(urls, local_options(politeness=polite)))
    assert set(outcome.values()) == {None}
    assert server.stats.total_peak == 3


def test_minimum_interval_per_host_holds_and_hosts_do_not_wait_for_each_other(
    server: LocalServer,
) -> None:
    polite = Politeness(min_interval=0.2, per_host_concurrency=4)
    urls = [server.url(f"/page/{n}", h) for n in range(4) for h in ("a.test", "b.test")]

    run(_fetch_all(urls, local_options(politeness=polite)))
    for host in ("a.test", "b.test"):
        gaps = server.start_gaps(host=host)  # robots.txt and four pages
        assert len(gaps) == 4
        assert min(gaps) >= 0.2 - SKEW
    # The hosts run side by side: each starts its pages before the other has finished.
    a_starts = [r.start for r in server.requests(host="a.test")]
    b_starts = [r.start for r in server.requests(host="b.test")]
    assert min(b_starts) < max(a_starts)
    assert min(a_starts) < max(b_starts)


def test_robots_of_a_redirect_target_are_obeyed_too(server: LocalServer) -> None:
    server.robots["b.test"] = (200, "User-agent: *\nDisallow: /page/\n")
    start = server.url(f"/to?u={server.url('/page/x', 'b.test')}", "a.test")
    outcome = run(_fetch_all([start], local_options()))
    assert outcome == {start: "robots"}
    assert [r.path for r in server.requests()] == ["/to"]
    assert [r.host for r in server.requests(path="/robots.txt")] == ["a.test", "b.test"]
