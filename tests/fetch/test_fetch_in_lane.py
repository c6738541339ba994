"""A fetch kept to one host's lane stops before a redirect to another host, and goes on later."""

from __future__ import annotations

import asyncio

import pytest
from fetch_server import (
    STORY,
    LocalServer,
    Request,
    html_page,
    local_options,
    loopback_resolver,
    respond,
    run,
)

from scraper.errors import RedirectError
from scraper.fetch import Fetcher, HostPace, Limits, Politeness
from scraper.fetch.onward import Onward
from scraper.models import Page


def test_a_redirect_to_another_host_stops_before_its_request_and_goes_on_later(
    server: LocalServer,
) -> None:
    target = server.url("/page/landed", "b.test")
    start = server.url(f"/to?u={target}", "a.test")

    async def scenario() -> tuple[Page | Onward, Page | Onward]:
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            lane = fetcher.lane(start)[0]
            stopped = await fetcher.fetch_in_lane(start, lane)
            assert not server.requests(host="b.test")  # not asked before the worker moves
            assert isinstance(stopped, Onward)
            return stopped, await fetcher.fetch_in_lane(start, fetcher.lane(target)[0], stopped)

    stopped, page = run(scenario())
    assert stopped == Onward(target, (start,))
    assert isinstance(page, Page)
    assert (page.url, page.final_url, page.redirects) == (start, target, (start,))
    assert b"/page/landed" in page.body
    # Each URL of the chain asked once.
    assert [r.path for r in server.requests(host="a.test")] == ["/to"]
    assert [r.path for r in server.requests(host="b.test")] == ["/page/landed"]


def test_hops_within_one_lane_go_on_in_the_same_call(server: LocalServer) -> None:
    # A [hosts] entry's hosts are one lane: a.test's covers www.a.test.
    pace = HostPace(min_interval=0.0, concurrency=2)
    polite = Politeness(min_interval=0.0, per_host_concurrency=4, hosts={"a.test": pace})
    target = server.url("/page/here", "www.a.test")
    start = server.url(f"/to?u={target}", "a.test")

    async def scenario() -> Page | Onward:
        options = local_options(politeness=polite)
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            assert fetcher.lane(target) == fetcher.lane(start) == ("a.test", 2)
            return await fetcher.fetch_in_lane(start, "a.test")

    page = run(scenario())
    assert isinstance(page, Page)
    assert (page.final_url, page.redirects) == (target, (start,))


def test_the_redirect_limit_counts_the_hops_before_the_stop(server: LocalServer) -> None:
    # One redirect from a.test, then three on b.test: four, over the limit of three (which
    # the three on b.test alone keep to).
    start = server.url(f"/to?u={server.url('/chain/3', 'b.test')}", "a.test")

    async def scenario() -> None:
        options = local_options(limits=Limits(max_redirects=3))
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            stopped = await fetcher.fetch_in_lane(start, fetcher.lane(start)[0])
            assert isinstance(stopped, Onward)
            await fetcher.fetch_in_lane(start, fetcher.lane(stopped.to)[0], stopped)

    with pytest.raises(RedirectError, match="more than 3 redirects"):
        run(scenario())


def test_a_hop_within_the_lane_the_caller_refuses_stops_before_its_request(
    server: LocalServer,
) -> None:
    target = server.url("/page/landed", "a.test")
    start = server.url(f"/to?u={target}", "a.test")
    offered: list[str] = []

    def refuse(url: str) -> bool:
        offered.append(url)
        return False

    async def scenario() -> tuple[Page | Onward, Page | Onward]:
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            lane = fetcher.lane(start)[0]
            stopped = await fetcher.fetch_in_lane(start, lane, may_ask=refuse)
            assert isinstance(stopped, Onward)
            return stopped, await fetcher.fetch_in_lane(start, lane, stopped)

    stopped, page = run(scenario())
    assert offered == [target]
    assert stopped == Onward(target, (start,))
    assert isinstance(page, Page)
    assert (page.final_url, page.redirects) == (target, (start,))
    assert [r.path for r in server.requests(host="a.test")] == ["/to", "/page/landed"]


def test_a_page_that_sets_a_cookie_and_comes_back_through_another_host_is_fetched(
    server: LocalServer,
) -> None:
    # a.test sets its cookie and sends the reader through b.test (a sign-on host), which
    # sends them back: a.test asked again, now with its cookie, is no loop.
    start = server.url("/signed", "a.test")

    @server.route("/signed")
    async def signed(request: Request, writer: asyncio.StreamWriter) -> bool:
        if "sid=1" in request.headers.get("cookie", ""):
            return await respond(writer, 200, html_page("Ferry stays", STORY))
        through = server.url(f"/to?u={start}", "b.test")
        return await respond(writer, 302, b"", {"Location": through, "Set-Cookie": "sid=1"})

    async def scenario() -> list[Page | Onward]:
        got: list[Page | Onward] = []
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            onward = None
            while not got or isinstance(got[-1], Onward):
                lane = fetcher.lane(onward.to if onward else start)[0]
                got.append(await fetcher.fetch_in_lane(start, lane, onward))
                onward = got[-1] if isinstance(got[-1], Onward) else None
        return got

    *stops, page = run(scenario())
    assert [stop.to for stop in stops if isinstance(stop, Onward)] == [
        server.url(f"/to?u={start}", "b.test"),
        start,
    ]
    assert isinstance(page, Page) and b"Brackwater" in page.body
    assert [r.headers.get("cookie") for r in server.requests(host="a.test")] == [None, "sid=1"]
