"""The fetcher against a real local server: pages, charsets, types, caps, redirects, 304."""

from __future__ import annotations

import asyncio
import gzip
import time
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fetch_server import (
    MB,
    STORY,
    LocalServer,
    Request,
    gzip_bomb_body,
    html_page,
    local_options,
    loopback_resolver,
    respond,
    run,
)

from scraper.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    NotHTML,
    RedirectError,
    TooLarge,
    UnsupportedEncoding,
)
from scraper.fetch import (
    FEED_TYPES,
    NOT_MODIFIED,
    Fetcher,
    FetchOptions,
    Limits,
    SyncFetcher,
    Timeouts,
    fetch_each,
)
from scraper.models import Page

#: A page the extractor takes as an article.
FERRY = html_page("Ferry stays", STORY)


def _answering(
    status: int, body: bytes, headers: dict[str, str]
) -> Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]:
    """A route answering every request alike."""

    async def answer(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await respond(writer, status, body, headers)

    return answer


async def _fetch(url: str, options: FetchOptions | None = None, **kw: Any) -> Page:
    async with Fetcher(options or local_options(), resolver=loopback_resolver) as fetcher:
        return await fetcher.fetch(url, **kw)


def test_a_page_comes_back_with_body_headers_and_encoding(server: LocalServer) -> None:
    page = run(_fetch(server.url("/page/one")))
    assert page.status == 200
    assert page.url == server.url("/page/one")
    assert page.final_url is None
    assert b"<title>/page/one</title>" in page.body
    assert page.header("content-type") == "text/html; charset=utf-8"
    assert page.encoding == "utf-8"
    assert page.fetched_at is not None and page.fetched_at.tzinfo is not None


def test_the_user_agent_is_descriptive_and_carries_the_contact(server: LocalServer) -> None:
    run(_fetch(server.url("/page/ua"), local_options(contact="https://example.org/bot")))
    (request,) = server.requests(path="/page/ua")
    agent = request.headers["user-agent"]
    assert agent.startswith("scraper/")
    assert "contact: https://example.org/bot" in agent


def test_a_latin1_header_on_utf8_bytes_is_overruled(server: LocalServer) -> None:
    page = run(_fetch(server.url("/charset/latin1-header-utf8-body")))
    assert page.encoding == "utf-8"


def test_a_utf8_header_on_windows_1252_bytes_yields_to_the_meta(server: LocalServer) -> None:
    page = run(_fetch(server.url("/charset/utf8-header-cp1252-body")))
    assert page.encoding == "cp1252"
    assert "Café crème" in page.body.decode(page.encoding)


def test_binary_bytes_served_as_html_are_not_html(server: LocalServer) -> None:
    with pytest.raises(NotHTML, match="binary") as caught:
        run(_fetch(server.url("/binary")))
    assert caught.value.url == server.url("/binary")


def test_without_a_charset_decision_the_page_is_left_to_its_reader(server: LocalServer) -> None:
    options = local_options(decide_charset=False)
    page = run(_fetch(server.url("/charset/utf8-header-cp1252-body"), options))
    assert page.encoding is None
    assert page.header("content-type") == "text/html; charset=utf-8"
    # Nothing decoded, so nothing judged binary either: the reader's own decode fails it.
    binary = run(_fetch(server.url("/binary"), options))
    assert binary.status == 200 and binary.encoding is None


def test_a_feed_is_refused_by_default_and_accepted_when_asked(server: LocalServer) -> None:
    with pytest.raises(NotHTML, match="application/rss"):
        run(_fetch(server.url("/feed.xml")))
    page = run(_fetch(server.url("/feed.xml"), local_options(accept=FEED_TYPES)))
    assert page.body.startswith(b"<?xml")


def test_a_304_to_a_plain_get_is_an_error_not_an_empty_page(server: LocalServer) -> None:
    with pytest.raises(HTTPStatusError, match="not conditional") as caught:
        run(_fetch(server.url("/always-304")))
    assert caught.value.status == NOT_MODIFIED
    held = run(_fetch(server.url("/always-304"), etag='"v1"'))
    assert (held.status, held.body) == (NOT_MODIFIED, b"")


def test_a_known_etag_is_sent_and_304_reported_as_not_modified(server: LocalServer) -> None:
    first = run(_fetch(server.url("/etag")))
    assert first.status == 200
    etag = first.header("etag")
    assert etag == '"v1"'
    since = "Sun, 01 Nov 2026 10:00:00 GMT"
    again = run(_fetch(server.url("/etag"), etag=etag, last_modified=since))
    assert again.status == NOT_MODIFIED
    assert again.body == b""
    last = server.requests(path="/etag")[-1]
    assert last.headers["if-none-match"] == '"v1"'
    assert last.headers["if-modified-since"] == since


def test_a_validator_that_cannot_be_sent_back_gives_a_plain_get(server: LocalServer) -> None:
    # A server may send other bytes in an ETag; they arrive decoded, and a conditional GET
    # must not fail on them: the page is fetched whole instead.
    page = run(_fetch(server.url("/etag"), etag='"v\u00e9"', last_modified="Sun,\r\nX: 1"))
    assert page.status == 200
    last = server.requests(path="/etag")[-1]
    assert "if-none-match" not in last.headers
    assert "if-modified-since" not in last.headers


def test_redirects_are_followed_and_recorded(server: LocalServer) -> None:
    page = run(_fetch(server.url("/chain/2")))
    assert page.final_url == server.url("/chain/0")
    assert page.redirects == (server.url("/chain/2"), server.url("/chain/1"))
    assert b"end of chain" in page.body


def test_a_redirect_loop_is_detected(server: LocalServer) -> None:
    with pytest.raises(RedirectError, match="loop"):
        run(_fetch(server.url("/loop/a")))
    assert [r.path for r in server.requests()] == ["/loop/a", "/loop/b"]


def test_a_page_whose_content_encoding_names_no_coding_is_read_as_sent(
    server: LocalServer,
) -> None:
    server.route("/encoding-none")(_answering(200, FERRY, {"Content-Encoding": "none"}))
    assert run(_fetch(server.url("/encoding-none"))).body == FERRY
    assert len(server.requests()) == 1


def test_a_raw_deflate_body_whose_first_chunk_is_one_byte_is_read(server: LocalServer) -> None:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    packed = packer.compress(html_page("Ferry stays", STORY)) + packer.flush()

    @server.route("/deflate-chunked")
    async def deflate_chunked(request: Request, writer: asyncio.StreamWriter) -> bool:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: deflate\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode() + b"1\r\n" + packed[:1] + b"\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)  # the first byte arrives alone
        rest = packed[1:]
        writer.write(f"{len(rest):x}\r\n".encode() + rest + b"\r\n0\r\n\r\n")
        await writer.drain()
        return True

    page = run(_fetch(server.url("/deflate-chunked")))
    assert page.body == html_page("Ferry stays", STORY)


def test_a_cookie_that_cannot_be_sent_back_is_dropped_and_the_host_still_served(
    server: LocalServer,
) -> None:
    # A value beyond ASCII (a region name, sent as ISO-8859-1 bytes) beside a plain one.
    @server.route("/region")
    async def region(request: Request, writer: asyncio.StreamWriter) -> bool:
        body = html_page("Ferry stays", STORY)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
            b"Set-Cookie: region=Z\xfcrich; Path=/\r\nSet-Cookie: session=abc; Path=/\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        return True

    async def twice() -> Page:
        async with Fetcher(local_options()) as fetcher:
            await fetcher.fetch(server.url("/region"))
            return await fetcher.fetch(server.url("/story"))

    assert b"Brackwater" in run(twice()).body
    assert [r.headers.get("cookie") for r in server.requests()] == [None, "session=abc"]


def test_a_redirect_to_itself_that_sets_a_cookie_is_followed_once_with_it(
    server: LocalServer,
) -> None:
    # A "cookie check": the page sets a cookie and sends the reader back to itself.
    @server.route("/cookie-check")
    async def cookie_check(request: Request, writer: asyncio.StreamWriter) -> bool:
        if "seen=1" in request.headers.get("cookie", ""):
            return await respond(writer, 200, html_page("Ferry stays", STORY))
        headers = {"Location": "/cookie-check", "Set-Cookie": "seen=1; Path=/"}
        return await respond(writer, 302, b"", headers)

    page = run(_fetch(server.url("/cookie-check")))
    assert b"Ferry stays" in page.body
    assert page.redirects == (server.url("/cookie-check"),)
    assert [r.headers.get("cookie") for r in server.requests()] == [None, "seen=1"]


def test_a_redirect_to_itself_setting_cookies_forever_stops_at_the_limit(
    server: LocalServer,
) -> None:
    @server.route("/cookie-loop")
    async def cookie_loop(request: Request, writer: asyncio.StreamWriter) -> bool:
        headers = {"Location": "/cookie-loop", "Set-Cookie": f"n={len(server.log)}; Path=/"}
        return await respond(writer, 302, b"", headers)

    options = local_options(limits=Limits(max_redirects=3))
    with pytest.raises(RedirectError, match="more than 3 redirects"):
        run(_fetch(server.url("/cookie-loop"), options))
    assert len(server.requests()) == 4


def test_the_redirect_limit_holds(server: LocalServer) -> None:
    options = local_options(limits=Limits(max_redirects=3))
    with pytest.raises(RedirectError, match="more than 3 redirects"):
        run(_fetch(server.url("/chain/10"), options))
    assert len(server.requests()) == 4


def test_a_redirect_to_another_scheme_is_refused(server: LocalServer) -> None:
    with pytest.raises(RedirectError, match="not an http"):
        run(_fetch(server.url("/to?u=file:///etc/passwd")))


def test_a_gzipped_page_arrives_decompressed(server: LocalServer) -> None:
    page = run(_fetch(server.url("/gzipped")))
    assert page.body == html_page("Ferry stays", STORY)
    assert page.header("content-encoding") == "gzip"
    assert "gzip" in server.requests(path="/gzipped")[0].headers["accept-encoding"]


def test_a_gzipped_body_cut_short_is_a_network_error_and_retried(server: LocalServer) -> None:
    whole = gzip.compress(html_page("Ferry stays", STORY))

    @server.route("/cut")
    async def cut(request: Request, writer: asyncio.StreamWriter) -> bool:
        # A complete HTTP answer (its Content-Length right) whose gzip stream never ends.
        return await respond(writer, 200, whole[: len(whole) // 2], {"Content-Encoding": "gzip"})

    with pytest.raises(NetworkError, match="ends before its end of stream"):
        run(_fetch(server.url("/cut")))
    assert len(server.requests(path="/cut")) == 3


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("zstd", "unsupported Content-Encoding 'zstd'"),
        ("compress", "unsupported Content-Encoding 'compress'"),
        ("gzip, br", "stacked Content-Encoding 'gzip, br' is not supported"),
    ],
)
def test_a_body_in_a_coding_not_decoded_fails_for_good_without_a_retry(
    server: LocalServer, header: str, reason: str
) -> None:
    # Never offered in Accept-Encoding: a server sending it will send it on every attempt.
    body = b"(\xb5/\xfd not a page this fetcher can read"
    server.route("/coded")(_answering(200, body, {"Content-Encoding": header}))
    with pytest.raises(UnsupportedEncoding) as caught:
        run(_fetch(server.url("/coded")))
    assert not isinstance(caught.value, NetworkError)
    assert caught.value.kind == "content_encoding"
    assert reason in str(caught.value)
    assert caught.value.url == server.url("/coded")
    assert len(server.requests(path="/coded")) == 1


def test_a_declared_50mb_body_is_refused_before_reading(server: LocalServer) -> None:
    with pytest.raises(TooLarge, match="Content-Length 52428800"):
        run(_fetch(server.url("/big")))
    assert server.stats.sent.get("/big", 0) < 10 * MB


def _peak_memory_of_failing_fetch(url: str, options: FetchOptions) -> tuple[FetchError, int]:
    """The error the fetch raised and the peak of Python memory while it ran."""
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as caught:
            run(_fetch(url, options))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak


def test_a_streamed_50mb_body_stops_at_the_cap(server: LocalServer) -> None:
    options = local_options(limits=Limits(max_body=1 * MB))
    error, peak = _peak_memory_of_failing_fetch(server.url("/big?chunked=1"), options)
    assert isinstance(error, TooLarge)
    assert "body is over the 1048576-byte cap" in str(error)
    assert peak < 8 * MB
    # The server stops when the client hangs up; socket buffers hold a few MB at most.
    assert server.stats.sent.get("/big", 0) < 16 * MB


def test_a_gzip_bomb_stops_at_the_decompressed_cap(server: LocalServer) -> None:
    options = local_options(limits=Limits(max_decoded=2 * MB))
    gzip_bomb_body()  # built before measuring: the server's copy is not the client's memory
    error, peak = _peak_memory_of_failing_fetch(server.url("/bomb"), options)
    assert isinstance(error, TooLarge)
    assert "decompressed body is over the 2097152-byte cap" in str(error)
    # 64 MB of zeros behind the gzip; the client holds the 2 MB cap plus one 64 KiB piece.
    assert peak < 6 * MB


def test_a_slow_drip_hits_the_total_deadline(server: LocalServer) -> None:
    options = local_options(timeouts=Timeouts(connect=1.0, read=1.0, total=0.3))
    # The message says how often and how long: "timed out (TimeoutError)" said neither.
    message = r"timed out after 3 attempts of at most 0\.3 s each \(answer incomplete at"
    with pytest.raises(FetchTimeout, match=message):
        run(_fetch(server.url("/drip"), options))
    # Timeouts are retried: three attempts, then the error.
    assert len(server.requests(path="/drip")) == 3


def test_a_reset_mid_body_is_a_network_error(server: LocalServer) -> None:
    with pytest.raises(NetworkError) as caught:
        run(_fetch(server.url("/reset")))
    assert caught.value.url == server.url("/reset")
    assert len(server.requests(path="/reset")) == 3


def test_a_refused_connection_is_a_network_error() -> None:
    with pytest.raises(NetworkError, match="network failure"):
        run(_fetch("http://127.0.0.1:9/page/x", local_options()))


def test_a_bad_start_url_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="not an http"):
        run(_fetch("ftp://example.org/x"))


def test_fetch_each_keeps_input_order_and_goes_on_after_failures(server: LocalServer) -> None:
    urls = [server.url("/page/a"), server.url("/status/404"), server.url("/page/b?delay=0.05")]

    async def scenario() -> list[tuple[str, str | None]]:
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            return [
                (r.url, r.error.kind if r.error else None) async for r in fetch_each(fetcher, urls)
            ]

    assert run(scenario()) == [(urls[0], None), (urls[1], "http_status"), (urls[2], None)]


def test_the_sync_wrapper_fetches(server: LocalServer) -> None:
    with SyncFetcher(local_options()) as fetcher:
        page = fetcher.fetch(server.url("/page/sync"))
        results = fetcher.fetch_all([server.url("/page/s1"), server.url("/status/404")])
    assert page.status == 200
    assert [r.page is not None for r in results] == [True, False]


def test_the_sync_wrapper_fetches_a_document_under_its_own_caps(server: LocalServer) -> None:
    # The feed (84 bytes) is over a page's cap and within a document's, as a sitemap can be.
    limits = Limits(max_body=50, max_decoded=50, max_document_body=500, max_document_decoded=500)
    options = local_options(limits=limits, accept=FEED_TYPES, document_accept=FEED_TYPES)
    with SyncFetcher(options) as fetcher:
        feed = fetcher.fetch(server.url("/feed.xml"), document=True)
        with pytest.raises(TooLarge):
            fetcher.fetch(server.url("/feed.xml"))
    assert feed.body.startswith(b"<?xml")


def test_http2_can_be_offered_to_an_http1_server(server: LocalServer) -> None:
    page = run(_fetch(server.url("/page/h2"), local_options(http2=True)))
    assert page.status == 200


async def _open_connections(server: LocalServer, expected: int) -> int:
    """The server's open connections once they are ``expected``, or as they are after 5 s.

    The server thread notices a connection closed when it next runs, which a fixed wait
    (0.1 s) need not cover on a loaded machine; the 5 s are a safety net.
    """
    deadline = time.monotonic() + 5.0
    while server.open_connections() != expected and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return server.open_connections()


def test_idle_hosts_beyond_the_cap_are_closed(server: LocalServer) -> None:
    options = local_options(limits=Limits(max_host_clients=2))

    async def scenario() -> tuple[int, int]:
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            for host in ("a.test", "b.test", "c.test", "d.test"):
                await fetcher.fetch(server.url("/page/x", host))
            during = await _open_connections(server, 2)
        return during, await _open_connections(server, 0)

    during, after = run(scenario())
    # Each host used one keep-alive connection (robots.txt, then the page); two stay open.
    assert during == 2
    assert after == 0
    assert len(server.requests()) == 4


def test_fetch_each_unordered_yields_as_pages_complete(server: LocalServer) -> None:
    slow, fast = server.url("/page/slow?delay=0.3"), server.url("/page/fast")

    async def scenario() -> list[str]:
        async with Fetcher(local_options(), resolver=loopback_resolver) as fetcher:
            return [r.url async for r in fetch_each(fetcher, [slow, fast], ordered=False)]

    assert run(scenario()) == [fast, slow]
