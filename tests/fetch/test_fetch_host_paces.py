"""Stricter paces for some hosts (``Politeness.hosts``), held by every request to them."""

from __future__ import annotations

import asyncio

import pytest
from fetch_server import LocalServer, local_options, loopback_resolver, run

from scraper.errors import ConfigError
from scraper.fetch import Fetcher, HostPace, Politeness, fetch_each
from scraper.fetch.politeness import HostGate, Pacer

pytestmark = pytest.mark.usefixtures("no_gc_pauses")

SKEW = 0.05  # the server thread logs a request a little after the client started it


def _pacer(per_host: int, interval: float, key: str, pace: HostPace) -> Pacer:
    """A pacer with one ``hosts`` entry."""
    return Pacer(per_host=per_host, global_cap=8, interval=interval, hosts={key: pace})


def test_an_entry_covers_its_names_www_form_and_other_ports_with_one_gate() -> None:
    pacer = _pacer(4, 0.1, "Example.com", HostPace(min_interval=2.0, concurrency=1))
    gate = pacer.gate("example.com")
    assert pacer.gate("www.example.com") is gate
    assert pacer.gate("example.com:8080") is gate
    assert (gate.key, gate.interval, gate.concurrency) == ("example.com", 2.0, 1)
    other = pacer.gate("example.org")
    assert (other.key, other.interval, other.concurrency) == ("example.org", 0.1, 4)


def test_an_entry_never_loosens_the_pace_every_host_gets() -> None:
    pacer = _pacer(2, 1.0, "a.test", HostPace(min_interval=0.0, concurrency=9))
    gate = pacer.gate("a.test")
    assert (gate.interval, gate.concurrency) == (1.0, 2)


def test_a_redirect_hop_waits_for_its_own_hosts_pace(server: LocalServer) -> None:
    pace = HostPace(min_interval=0.3, concurrency=1)
    polite = Politeness(min_interval=0.0, per_host_concurrency=4, hosts={"b.test": pace})
    urls = [server.url(f"/to?u={server.url(f'/page/{n}', 'b.test')}", "a.test") for n in range(2)]
    urls.append(server.url("/page/2", "b.test"))

    async def fetch_all() -> list[str | None]:
        async with Fetcher(local_options(politeness=polite), resolver=loopback_resolver) as f:
            assert f.lane(urls[2]) == ("b.test", 1)
            return [r.error.kind if r.error else None async for r in fetch_each(f, urls)]

    assert run(fetch_all()) == [None, None, None]
    gaps = server.start_gaps(host="b.test")  # robots.txt and three pages
    assert len(gaps) == 3
    assert min(gaps) >= 0.3 - SKEW
    assert max(server.start_gaps(host="a.test")) < 0.3 - SKEW  # a.test keeps its own pace


def test_a_lowered_concurrency_holds_while_requests_hold_slots() -> None:
    async def scenario() -> list[str]:
        slots = asyncio.Semaphore(8)
        gate = HostGate("a.test", 2, 0.0)
        await gate.acquire(slots)
        await gate.acquire(slots)
        gate.tighten(HostPace(min_interval=0.0, concurrency=1))
        events: list[str] = []

        async def third() -> None:
            await gate.acquire(slots)
            events.append("third started")

        waiting = asyncio.create_task(third())
        await asyncio.sleep(0.01)
        gate.release(slots)
        await asyncio.sleep(0.01)
        events.append("one released")  # one still runs: the third must still wait
        gate.release(slots)
        await waiting
        return events

    assert run(scenario()) == ["one released", "third started"]


def test_a_host_pace_must_allow_requests() -> None:
    with pytest.raises(ConfigError, match="concurrency"):
        local_options(
            politeness=Politeness(hosts={"a.test": HostPace(min_interval=1.0, concurrency=0)})
        )


def test_the_strictest_pace_given_to_a_host_wins() -> None:
    pacer = _pacer(4, 0.1, "a.test", HostPace(min_interval=1.0, concurrency=3))
    gate = pacer.gate("www.a.test")
    gate.tighten(HostPace(min_interval=2.0, concurrency=4))
    gate.tighten(HostPace(min_interval=0.5, concurrency=2))
    assert (gate.interval, gate.concurrency) == (2.0, 2)
    gate.crawl_delay("http://www.a.test", 3.0)
    gate.tighten(HostPace(min_interval=2.5, concurrency=2))
    assert gate.interval == 3.0  # the Crawl-delay, longer still


def test_a_fetcher_tightens_a_hosts_pace_and_its_lane_says_so() -> None:
    async def scenario() -> tuple[tuple[str, int], tuple[str, int], tuple[str, int]]:
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            before = fetcher.lane("https://a.test/x")
            fetcher.tighten("http://a.test/y", HostPace(min_interval=1.0, concurrency=1))
            return before, fetcher.lane("https://a.test/x"), fetcher.lane("http://b.test/")

    before, after, other = run(scenario())
    assert before == ("a.test", 4)
    assert after == ("a.test", 1)
    assert other == ("b.test", 4)
