"""Politeness seen from the server's log: robots.txt, Crawl-delay, intervals, concurrency caps."""

from __future__ import annotations

import asyncio
import itertools

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


@pytest.mark.parametrize(("redirects", "outcome"), [(5, "robots"), (6, None)])
def test_robots_txt_is_obeyed_within_five_redirects_and_past_them_allows_all(
    server: LocalServer, redirects: int, outcome: str | None
) -> None:
    # RFC 9309 section 2.3.1.2: at least five redirects followed, across hosts; past them
    # the file may be taken as unavailable, as a 404 (section 2.3.1.3: allow all), even
    # though a Disallow lies further down the chain.
    hosts = [f"r{n}.test" for n in range(redirects + 1)]
    for host, onward in itertools.pairwise(hosts):
        server.robots[host] = (301, "")
        server.robots_headers[host] = {"Location": server.url("/robots.txt", onward)}
    server.robots[hosts[-1]] = (200, "User-agent: *\nDisallow: /page/\n")
    url = server.url("/page/1", hosts[0])
    assert run(_fetch_all([url], local_options())) == {url: outcome}
    # The sixth redirect is not followed: the file at its end is never asked for.
    assert [r.host for r in server.requests(path="/robots.txt")] == hosts[:6]
    assert len(server.requests(path="/page/1")) == (1 if outcome is None else 0)


@pytest.mark.parametrize(
    "location",
    [
        "/robots.txt",  # to itself
        "/loop/a",  # /loop/a and /loop/b, each to the other
        "/chain/9",  # nine more redirects before an answer
    ],
)
def test_robots_txt_redirecting_without_end_allows_all_and_is_kept_as_a_404(
    server: LocalServer, location: str
) -> None:
    server.robots["a.test"] = (302, "")
    server.robots_headers["a.test"] = {"Location": location}
    # An error answer is asked again at once: only an answer kept as a 404 is asked once.
    polite = Politeness(min_interval=0.0, robots_error_ttl=0.0)
    urls = [server.url(f"/page/{n}", "a.test") for n in range(3)]

    async def one_by_one() -> list[str | None]:
        async with Fetcher(local_options(politeness=polite), resolver=loopback_resolver) as f:
            return [(await f.fetch(url)).encoding for url in urls]

    assert run(one_by_one()) == ["utf-8"] * 3
    assert len(server.requests(path="/robots.txt")) == 1
    pages = [r.path for r in server.requests(host="a.test") if r.path.startswith("/page/")]
    assert pages == ["/page/0", "/page/1", "/page/2"]


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
