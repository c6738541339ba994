"""The address guard: internal addresses are refused before any connection is attempted.

The transport and resolver used here fail the test loudly when asked for anything but the
local server, so a refused host provably sends no packet.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import Sequence

import httpx
import pytest
from fetch_server import LocalServer, local_options, loopback_resolver, run

from scraper.errors import AddressRefused, FetchTimeout, NetworkError
from scraper.fetch import Fetcher, FetchOptions, Timeouts
from scraper.fetch.guard import AddressGuard, literal_address
from scraper.models import Page


class LoopbackOnlyTransport(httpx.AsyncBaseTransport):
    """A real transport that raises if a request is about to go anywhere but 127.0.0.1."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        if request.url.host != "127.0.0.1":
            raise AssertionError(f"a connection to {request.url.host} was attempted")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _inside_resolver(host: str, port: int) -> Sequence[str]:
    """Names that resolve to internal addresses (DNS pointing inside), else the test resolver."""
    inside = {
        "metadata.evil.example": ["169.254.169.254"],
        "mixed.example": ["8.8.8.8", "10.1.1.1"],
        "nat64.evil.example": ["64:ff9b::a9fe:a9fe"],
    }
    if host in inside:
        return inside[host]
    return await loopback_resolver(host, port)


async def _fetch(url: str, options: FetchOptions | None = None) -> tuple[Page, list[str]]:
    transport = LoopbackOnlyTransport()
    async with Fetcher(
        options or local_options(), resolver=_inside_resolver, transport=transport
    ) as fetcher:
        return await fetcher.fetch(url), transport.hosts


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://2852039166/",
        "http://[::ffff:169.254.169.254]/",
        "http://0xA9.0xFE.0xA9.0xFE/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://metadata.evil.example/",
        "http://mixed.example/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[::a9fe:a9fe]/",
        "http://[::ffff:0:a00:1]/",
        "http://[64:ff9b:1::a00:1]/",
        "http://nat64.evil.example/",
    ],
)
def test_a_redirect_to_an_internal_address_is_refused(server: LocalServer, target: str) -> None:
    start = server.url(f"/to?u={target}")
    with pytest.raises(AddressRefused, match="refused to connect") as caught:
        run(_fetch(start))
    assert caught.value.url == start
    assert [r.path for r in server.log] == ["/robots.txt", "/to"]


def test_loopback_itself_is_refused_by_default(server: LocalServer) -> None:
    options = local_options(allow_networks=())
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is loopback"):
        run(_fetch(server.url("/page/x"), options))
    assert server.log == []


def test_an_allowed_network_lets_the_local_server_through(server: LocalServer) -> None:
    page, hosts = run(_fetch(server.url("/page/x", "site.test")))
    assert page.status == 200
    # Connected to the checked address, with the name kept in the Host header.
    assert set(hosts) == {"127.0.0.1"}
    assert {r.host for r in server.log} == {"site.test"}


def test_a_name_that_does_not_resolve_is_a_network_error() -> None:
    async def nowhere(host: str, port: int) -> Sequence[str]:
        raise OSError(-2, "Name or service not known")

    async def scenario() -> None:
        guard = AddressGuard(resolver=nowhere)
        await guard.resolve("nowhere.example", 80, "http://nowhere.example/")

    with pytest.raises(NetworkError, match=r"cannot resolve nowhere\.example"):
        run(scenario())


def test_a_resolver_that_never_answers_is_a_timeout_of_the_connect_deadline() -> None:
    async def silent(host: str, port: int) -> Sequence[str]:
        await asyncio.Event().wait()  # a DNS server that never answers
        raise AssertionError("unreachable")

    async def scenario() -> float:
        options = local_options(timeouts=Timeouts(connect=0.2, read=2.0, total=5.0))
        started = time.monotonic()
        async with Fetcher(options, resolver=silent) as fetcher:
            with pytest.raises(FetchTimeout) as caught:
                await fetcher.fetch("http://silent.test/news/1")
        assert caught.value.url == "http://silent.test/news/1"
        assert "cannot resolve silent.test: no answer within 0.2 s" in str(caught.value)
        return time.monotonic() - started

    assert run(scenario(), seconds=3.0) < 2.0


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("127.1", "127.0.0.1"),
        ("[::ffff:169.254.169.254]", "::ffff:a9fe:a9fe"),
        ("example.org", None),
        ("1.example", None),
    ],
)
def test_literal_addresses_in_every_notation(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert found == (ipaddress.ip_address(address) if address else None)


def test_a_retry_moves_on_to_the_next_checked_address(server: LocalServer) -> None:
    async def two_addresses(host: str, port: int) -> Sequence[str]:
        return ["127.0.0.2", "127.0.0.1"]  # nothing listens on the first

    async def scenario() -> Page:
        async with Fetcher(local_options(), resolver=two_addresses) as fetcher:
            return await fetcher.fetch(server.url("/page/x", "dual.test"))

    page = run(scenario())
    assert page.status == 200
    assert [r.path for r in server.requests(host="dual.test")] == ["/page/x"]


def test_a_name_is_resolved_once_per_minute_not_per_request(server: LocalServer) -> None:
    asked: list[str] = []

    async def counting(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return await loopback_resolver(host, port)

    async def scenario() -> None:
        async with Fetcher(local_options(), resolver=counting) as fetcher:
            for path in ("/page/1", "/page/2", "/chain/1"):
                await fetcher.fetch(server.url(path, "cached.test"))

    run(scenario())
    assert asked == ["cached.test"]
    assert len(server.requests(host="cached.test")) == 4  # three pages and one redirect hop


def test_a_name_refused_once_stays_refused_without_asking_the_resolver_again() -> None:
    asked: list[str] = []

    async def mixed(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return ["93.184.216.34", "10.1.2.3"]  # one internal address refuses the host

    async def scenario() -> list[str]:
        guard = AddressGuard(resolver=mixed)
        messages = []
        for _ in range(3):
            with pytest.raises(AddressRefused) as refused:
                await guard.resolve("mixed.example", 443, "https://mixed.example/")
            messages.append(str(refused.value))
        return messages

    messages = run(scenario())
    assert asked == ["mixed.example"]
    assert len(set(messages)) == 1
    assert "10.1.2.3 is private" in messages[0]


@pytest.mark.parametrize(
    ("host", "allowed", "verdict"),
    [
        ("127.0.0.1", (), "127.0.0.1 is loopback"),
        ("2852039166", (), "169.254.169.254 is link-local"),
        ("127.0.0.1", ("127.0.0.0/8",), None),
        ("93.184.216.34", (), None),
    ],
)
def test_an_ip_literal_keeps_its_verdict_on_every_request(
    host: str, allowed: tuple[str, ...], verdict: str | None
) -> None:
    # Its verdict is kept after the first request: the later ones must get the same answer.
    async def nowhere(host: str, port: int) -> Sequence[str]:
        raise AssertionError("an IP literal is never looked up")

    async def scenario() -> list[object]:
        guard = AddressGuard([ipaddress.ip_network(n) for n in allowed], resolver=nowhere)
        answers: list[object] = []
        for _ in range(3):
            try:
                answers.append(await guard.resolve(host, 80, f"http://{host}/"))
            except AddressRefused as exc:
                answers.append(str(exc))
        return answers

    answers = run(scenario())
    address = str(literal_address(host))
    refused = f"refused to connect to {host}: {verdict} (http://{host}/)"
    expected = (address,) if verdict is None else refused
    assert answers == [expected] * 3


@pytest.mark.parametrize(
    ("host", "verdict"),
    [
        # NAT64 (RFC 6052), IPv4-translated (RFC 2765), IPv4-compatible (RFC 4291): the
        # IPv4 address in the last 32 bits is what a translator or tunnel connects to.
        ("64:ff9b::a9fe:a9fe", "169.254.169.254 is link-local"),
        ("64:ff9b::a00:1", "10.0.0.1 is private"),
        ("::ffff:0:7f00:1", "127.0.0.1 is loopback"),
        ("::a9fe:a9fe", "169.254.169.254 is link-local"),
        # NAT64's local-use prefix (RFC 8215) reaches a site's own IPv4 network.
        ("64:ff9b:1::a00:1", "64:ff9b:1::a00:1 is reserved or not globally routable"),
        # A public IPv4 address behind NAT64 stays reachable.
        ("64:ff9b::808:808", None),
    ],
)
def test_ipv4_inside_translated_ipv6_is_checked(host: str, verdict: str | None) -> None:
    async def scenario() -> tuple[str, ...]:
        return await AddressGuard().resolve(host, 80, f"http://[{host}]/")

    if verdict is None:
        assert run(scenario()) == (host,)
    else:
        with pytest.raises(AddressRefused, match=re.escape(verdict)):
            run(scenario())
