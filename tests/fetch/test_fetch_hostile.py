"""Answers of hostile servers on 127.0.0.1 that once escaped the fetcher's error tree or
printed past its one-line errors (found by a hostile-server run)."""

from __future__ import annotations

import asyncio
import gzip
import warnings

import pytest
from fetch_server import LocalServer, Request, html_page, local_options, respond, run

from scraper.errors import FetchError, HTTPStatusError, UnsupportedEncoding
from scraper.fetch import Fetcher
from scraper.fetch.pool import MOST_COOKIE_BYTES, MOST_COOKIES
from scraper.models import Page


def test_a_cookie_the_jar_cannot_read_is_not_kept_and_prints_nothing(server: LocalServer) -> None:
    @server.route("/overflowing-cookie")
    async def overflowing(request: Request, writer: asyncio.StreamWriter) -> bool:
        # http.cookiejar turns Max-Age into a float: 400 digits overflow it.
        cookie = "session=1; Max-Age=" + "9" * 400
        return await respond(writer, 200, html_page("cookie"), {"Set-Cookie": cookie})

    async def scenario() -> list[Page]:
        async with Fetcher(local_options()) as fetcher:
            return [await fetcher.fetch(server.url(p)) for p in ("/overflowing-cookie", "/page/2")]

    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        pages = run(scenario())
    # Before, the jar's "http.cookiejar bug!" warning printed its traceback on stderr (and
    # escaped the fetch as an exception where warnings are errors).
    assert [str(w.message) for w in shown] == []
    assert [page.status for page in pages] == [200, 200]
    assert "cookie" not in server.requests(path="/page/2")[0].headers


def _two_coding_lines(first: str, second: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: {first}\r\n"
        f"Content-Encoding: {second}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def test_content_encoding_on_two_lines_is_one_list(server: LocalServer) -> None:
    page = html_page("coded")

    @server.route("/coded/*")
    async def coded(request: Request, writer: asyncio.StreamWriter) -> bool:
        if request.path == "/coded/twice":
            writer.write(_two_coding_lines("gzip", "gzip", gzip.compress(gzip.compress(page))))
        else:  # "identity" first: the coding of the bytes is on the second line
            writer.write(_two_coding_lines("identity", "gzip", gzip.compress(page)))
        await writer.drain()
        return True

    async def scenario() -> tuple[Page, FetchError]:
        async with Fetcher(local_options()) as fetcher:
            read = await fetcher.fetch(server.url("/coded/identity-then-gzip"))
            with pytest.raises(UnsupportedEncoding) as refused:
                await fetcher.fetch(server.url("/coded/twice"))
            return read, refused.value

    # Before, only the first line was read: the page "identity" came as gzip bytes, and
    # gzip twice was undone once; both were refused as binary (NotHTML).
    read, refused = run(scenario())
    assert read.body == page
    assert "stacked Content-Encoding 'gzip, gzip'" in str(refused)


def test_a_host_setting_cookies_on_every_page_fills_its_jar_up_to_a_cap(
    server: LocalServer,
) -> None:
    @server.route("/flood/*")
    async def flood(request: Request, writer: asyncio.StreamWriter) -> bool:
        batch = request.path.rsplit("/", 1)[1]
        lines = [f"Set-Cookie: c{batch}-{i}=v; Path=/\r\n" for i in range(MOST_COOKIES)]
        lines.append(f"Set-Cookie: big{batch}={'x' * MOST_COOKIE_BYTES}; Path=/\r\n")
        body = html_page("flood")
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            + "".join(lines).encode()
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        return True

    async def scenario() -> None:
        async with Fetcher(local_options()) as fetcher:
            for path in ("/flood/1", "/flood/2", "/page/after"):
                await fetcher.fetch(server.url(path))

    run(scenario())
    # Before, every cookie of every page was kept and sent back: 102 here, and a host that
    # set 500 a page made an 11 MB Cookie header after 200 pages.
    sent = [
        pair.split("=", 1)[0]
        for pair in server.requests(path="/page/after")[0].headers["cookie"].split("; ")
    ]
    assert sorted(sent) == sorted(f"c1-{i}" for i in range(MOST_COOKIES))


@pytest.mark.parametrize("location", [None, "", "   "], ids=["none", "empty", "blank"])
def test_a_redirect_with_nowhere_to_go_says_so(server: LocalServer, location: str | None) -> None:
    @server.route("/nowhere")
    async def nowhere(request: Request, writer: asyncio.StreamWriter) -> bool:
        headers = {} if location is None else {"Location": location}
        return await respond(writer, 302, b"", headers)

    async def scenario() -> HTTPStatusError:
        async with Fetcher(local_options()) as fetcher:
            with pytest.raises(HTTPStatusError) as caught:
                await fetcher.fetch(server.url("/nowhere"))
            return caught.value

    error = run(scenario())
    assert error.status == 302
    assert str(error).startswith("HTTP 302 without a Location to follow")
