"""Pacing keys: one pace per host name (and port, when not the scheme's default)."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise

import httpx
import pytest
from fetch_server import local_options, loopback_resolver, run

from scraper.fetch import Fetcher, Politeness
from scraper.fetch.politeness import Pacer, pace_key

INTERVAL = 0.3


def _start_gaps(urls: list[str]) -> list[float]:
    """Seconds between the starts of the requests for ``urls``, fetched concurrently."""
    starts: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        starts.append(time.monotonic())
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=b"<p>x</p>")

    polite = Politeness(min_interval=INTERVAL, per_host_concurrency=4, respect_robots=False)

    async def fetch_all() -> None:
        async with Fetcher(
            local_options(politeness=polite),
            resolver=loopback_resolver,
            transport=httpx.MockTransport(handler),
        ) as fetcher:
            await asyncio.gather(*(fetcher.fetch(url) for url in urls))

    run(fetch_all())
    return [b - a for a, b in pairwise(sorted(starts))]


def test_http_and_https_of_one_host_share_its_pace() -> None:
    gaps = _start_gaps(["http://a.test/one", "https://a.test/two", "https://a.test:443/three"])
    assert len(gaps) == 2
    assert min(gaps) >= INTERVAL - 0.02


def test_other_ports_of_one_address_keep_paces_of_their_own() -> None:
    (gap,) = _start_gaps(["http://a.test:8001/one", "http://a.test:8002/two"])
    assert gap < INTERVAL / 2


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("http://Example.COM/a", "example.com"),
        ("https://example.com:443/a", "example.com"),
        ("http://example.com:443/a", "example.com:443"),
        ("http://127.0.0.1:8001/a", "127.0.0.1:8001"),
        ("http://[::1]:8080/a", "[::1]:8080"),
        ("not a url", "not a url"),
    ],
)
def test_the_pace_key_is_the_host_and_a_port_not_the_schemes_default(url: str, key: str) -> None:
    assert pace_key(url) == key


def test_the_longest_crawl_delay_of_a_hosts_origins_applies() -> None:
    pacer = Pacer(per_host=1, global_cap=1, interval=0.5)
    pacer.set_crawl_delay("a.test", "http://a.test", 3.0)
    pacer.set_crawl_delay("a.test", "https://a.test", 2.0)
    assert pacer.gate("a.test").interval == 3.0
    pacer.set_crawl_delay("a.test", "http://a.test", 0.1)  # its robots.txt changed
    assert pacer.gate("a.test").interval == 2.0
    pacer.set_crawl_delay("a.test", "https://a.test", 0.0)
    assert pacer.gate("a.test").interval == 0.5  # never below the least interval
