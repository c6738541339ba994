"""The fetcher over ``httpx.MockTransport``, as other components' unit tests use it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fetch_server import local_options, loopback_resolver, run

from scraper.errors import TooLarge
from scraper.fetch import Fetcher, FetchOptions, Limits
from scraper.models import Page

BODY = b"<html><head><title>Mocked</title></head><body><p>Text.</p></body></html>"


def _handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/robots.txt":
        return httpx.Response(404)
    return httpx.Response(200, headers={"Content-Type": "text/html"}, content=BODY)


async def _fetch(url: str, options: FetchOptions) -> Page:
    async with Fetcher(options, transport=httpx.MockTransport(_handler)) as fetcher:
        return await fetcher.fetch(url)


def test_a_mock_response_built_from_bytes_is_a_page() -> None:
    page = run(_fetch("http://127.0.0.1/news/1", local_options()))
    assert page.body == BODY
    assert page.encoding == "utf-8"


def test_the_cap_holds_for_a_mock_response_too() -> None:
    options = local_options(limits=Limits(max_body=10, max_decoded=10))
    with pytest.raises(TooLarge, match="10-byte cap"):
        run(_fetch("http://127.0.0.1/news/1", options))


def _fetch_twice(handler: Callable[[httpx.Request], httpx.Response]) -> None:
    """Two pages of one host through ``handler``, by one fetcher (cookies carry over)."""

    async def twice() -> None:
        async with Fetcher(local_options(), transport=httpx.MockTransport(handler)) as fetcher:
            await fetcher.fetch("http://127.0.0.1/news/1")
            await fetcher.fetch("http://127.0.0.1/news/2")

    run(twice())


def test_a_host_gets_back_the_cookie_it_set_and_requests_carry_the_read_timeout() -> None:
    seen: list[tuple[str | None, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        seen.append((request.headers.get("cookie"), request.extensions.get("timeout")))
        headers = {"Content-Type": "text/html", "Set-Cookie": "session=abc; Path=/"}
        return httpx.Response(200, headers=headers, content=BODY)

    _fetch_twice(handler)
    assert [cookie for cookie, _ in seen] == [None, "session=abc"]
    timeout = seen[0][1]
    assert isinstance(timeout, dict)
    assert timeout["read"] == local_options().timeouts.read


def test_a_cookie_for_the_whole_domain_comes_back_through_a_test_transport_too() -> None:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        seen.append((request.url.host, request.headers.get("cookie")))
        headers = {"Content-Type": "text/html", "Set-Cookie": "consent=yes; Domain=news.test"}
        return httpx.Response(200, headers=headers, content=BODY)

    async def twice() -> None:
        transport = httpx.MockTransport(handler)
        async with Fetcher(local_options(), transport=transport, resolver=loopback_resolver) as f:
            await f.fetch("http://www.news.test/news/1")
            await f.fetch("http://www.news.test/news/2")

    run(twice())
    # Sent to the checked address, with the cookie the name was given.
    assert seen == [("127.0.0.1", None), ("127.0.0.1", "consent=yes")]


def test_a_cookie_that_cannot_be_sent_back_is_dropped_through_a_test_transport_too() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        seen.append(request.headers.get("cookie"))
        headers = [
            (b"Content-Type", b"text/html"),
            (b"Set-Cookie", "city=K\u00f8benhavn; Path=/".encode()),
            (b"Set-Cookie", b"session=abc; Path=/"),
        ]
        return httpx.Response(200, headers=headers, content=BODY)

    _fetch_twice(handler)
    assert seen == [None, "session=abc"]
