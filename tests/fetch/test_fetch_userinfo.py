"""A URL's user information (``user:secret@``) is sent as Basic auth to its own origin, never
to another, and never printed in an error."""

from __future__ import annotations

import base64
from urllib.parse import quote

import httpx
import pytest
from fetch_server import LocalServer, html_page, local_options, loopback_resolver, run

from scraper.errors import HTTPStatusError
from scraper.fetch import Fetcher

GOOD = "Basic " + base64.b64encode("user:s3cret:é".encode()).decode()


def _fetch_logged(url: str) -> list[tuple[str, str | None]]:
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append((f"{request.headers['host']}{path}", request.headers.get("authorization")))
        if path == "/robots.txt":
            return httpx.Response(404)
        if path == "/elsewhere":
            return httpx.Response(302, headers={"Location": "http://b.test/page"})
        if path == "/here":
            return httpx.Response(302, headers={"Location": "/page"})
        if request.headers.get("authorization") not in (GOOD, None):
            return httpx.Response(401)
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=html_page("x"))

    async def fetch() -> None:
        transport = httpx.MockTransport(handler)
        async with Fetcher(local_options(), resolver=loopback_resolver, transport=transport) as f:
            await f.fetch(url)

    run(fetch())
    return [entry for entry in seen if not entry[0].endswith("/robots.txt")]


def test_the_credentials_of_a_url_are_sent_as_basic_auth() -> None:
    # Percent-escapes are decoded first, as httpx and curl do: "s3cret:%C3%A9" is "s3cret:é".
    assert _fetch_logged("http://user:s3cret:%C3%A9@a.test/page") == [("a.test/page", GOOD)]


def test_credentials_follow_a_redirect_on_their_origin_only() -> None:
    url = "http://user:s3cret:%C3%A9@a.test"
    assert _fetch_logged(f"{url}/here") == [("a.test/here", GOOD), ("a.test/page", GOOD)]
    assert _fetch_logged(f"{url}/elsewhere") == [("a.test/elsewhere", GOOD), ("b.test/page", None)]


def test_credentials_follow_an_absolute_redirect_to_their_origin_only(server: LocalServer) -> None:
    # A real server: an absolute Location drops the user information, but a hop back to the
    # credentials' origin (scheme, host, port) still carries them; another origin never does.
    here, other = server.url("/page/here", "a.test"), server.url("/page/there", "b.test")
    back = server.url(f"/to?u={quote(here)}", "b.test")
    start = server.url("/to?u=", "user:s3cret:%C3%A9@a.test")

    async def fetch(url: str) -> None:
        async with Fetcher(local_options(), resolver=loopback_resolver) as f:
            await f.fetch(url)

    for target in (here, other, back):
        run(fetch(start + quote(target)))
    sent = [(r.host, r.path, r.headers.get("authorization")) for r in server.requests()]
    assert sent == [
        ("a.test", "/to", GOOD),
        ("a.test", "/page/here", GOOD),
        ("a.test", "/to", GOOD),
        ("b.test", "/page/there", None),
        ("a.test", "/to", GOOD),
        ("b.test", "/to", None),
        ("a.test", "/page/here", GOOD),
    ]


def test_an_error_never_prints_the_password() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if request.url.path == "/robots.txt" else 401)

    async def fetch() -> None:
        transport = httpx.MockTransport(handler)
        async with Fetcher(local_options(), resolver=loopback_resolver, transport=transport) as f:
            await f.fetch("http://user:s3cret@a.test/page")

    with pytest.raises(HTTPStatusError) as caught:
        run(fetch())
    assert "s3cret" not in str(caught.value)
    assert "http://user:***@a.test/page" in str(caught.value)
