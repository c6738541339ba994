"""The fetcher's network layer (httpcore's pool on asyncio): keep-alive, closed idle
connections, bodies larger than the receive buffer, errors."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable

import h11
import httpcore
import httpx
import pytest
from fetch_server import local_options, loopback_resolver
from h11._receivebuffer import ReceiveBuffer

from scraper.errors import (
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    NetworkError,
    RobotsDisallowed,
)
from scraper.fetch import Fetcher, Politeness, RetryPolicy, Timeouts
from scraper.fetch.network import BUFFER, AsyncioBackend, _Receiver
from scraper.fetch.transport import CHECKED_H11, PoolTransport, _Connection, _Received

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _answer(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


async def _with_server(handler: Handler, client: Callable[[str], Awaitable[None]]) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client closed the connection
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await client(f"http://127.0.0.1:{port}")
    finally:
        server.close()


def _fetcher() -> Fetcher:
    options = local_options(
        politeness=Politeness(respect_robots=False, min_interval=0.0),
        timeouts=Timeouts(connect=2.0, read=0.3, total=5.0),
        retry=RetryPolicy(attempts=1),
    )
    return Fetcher(options, resolver=loopback_resolver)


def _keep_alive(body: bytes, delay: float, connections: list[int]) -> Handler:
    """A handler answering every request of a connection, after ``delay`` seconds; counts
    connections in ``connections``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await reader.readuntil(b"\r\n\r\n"):
            await asyncio.sleep(delay)
            writer.write(_answer(body))
            await writer.drain()

    return handle


def test_pages_of_one_host_share_a_kept_alive_connection() -> None:
    connections: list[int] = []
    handle = _keep_alive(b"<p>kept alive</p>", 0.0, connections)

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            for n in range(5):
                page = await fetcher.fetch(f"{base}/{n}")
                assert page.body == b"<p>kept alive</p>"

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_answer(b"<p>once</p>"))  # keep-alive announced, then closed anyway
        await writer.drain()  # and the connection is closed on return

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            for n in range(3):
                assert (await fetcher.fetch(f"{base}/{n}")).body == b"<p>once</p>"
                await asyncio.sleep(0.05)  # the close reaches the idle connection

    asyncio.run(_with_server(handle, client))
    assert connections == 3


def test_the_request_is_sent_as_given_and_a_cookie_the_host_set_comes_back() -> None:
    heads: list[bytes] = []
    base_host: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            heads.append(await reader.readuntil(b"\r\n\r\n"))
            cookie = b"Set-Cookie: session=abc; Path=/\r\n" if len(heads) == 1 else b""
            body = b"<p>hi</p>"
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n%sContent-Length: %d\r\n\r\n%s"
                % (cookie, len(body), body)
            )
            await writer.drain()

    async def client(base: str) -> None:
        base_host.append(base.removeprefix("http://"))
        async with _fetcher() as fetcher:
            first = await fetcher.fetch(f"{base}/a?x=1#frag")
            assert ("set-cookie", "session=abc; Path=/") in first.headers
            await fetcher.fetch(f"{base}/b", etag='"v1"')

    asyncio.run(_with_server(handle, client))
    first, second = (head.decode("ascii").split("\r\n") for head in heads)
    assert first[0] == "GET /a?x=1 HTTP/1.1"
    # h11 writes Host first, the others in the fetcher's order.
    assert [line.split(":")[0] for line in first[1:] if line] == [
        "Host",
        "User-Agent",
        "Accept",
        "Accept-Encoding",
    ]
    assert first[1] == f"Host: {base_host[0]}"
    assert second[0] == "GET /b HTTP/1.1"
    assert 'If-None-Match: "v1"' in second
    assert "Cookie: session=abc" in second


def test_a_cookie_for_the_whole_domain_comes_back_to_the_name_not_the_address() -> None:
    # The request goes to the checked address, but cookies belong to names: one set for the
    # whole domain (a consent or region cookie, say) must come back, and the jar must not
    # file it under 127.0.0.1.
    heads: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            heads.append(await reader.readuntil(b"\r\n\r\n"))
            cookie = (
                b"Set-Cookie: consent=yes; Domain=news.test; Path=/\r\n" if len(heads) == 1 else b""
            )
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n%sContent-Length: 4\r\n\r\n<p/>"
                % cookie
            )
            await writer.drain()

    async def client(base: str) -> None:
        port = base.rsplit(":", 1)[1]
        async with _fetcher() as fetcher:
            await fetcher.fetch(f"http://www.news.test:{port}/a")
            await fetcher.fetch(f"http://www.news.test:{port}/b")

    asyncio.run(_with_server(handle, client))
    second = heads[1].decode("ascii").split("\r\n")
    assert "Cookie: consent=yes" in second


def test_a_body_many_times_the_receive_buffer_arrives_whole() -> None:
    body = b"".join(b"<p>paragraph %d</p>\n" % n for n in range(BUFFER * 6 // 16))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(_answer(body))
        await writer.drain()

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            page = await fetcher.fetch(f"{base}/big")
            assert page.body == body

    asyncio.run(_with_server(handle, client))


def test_a_silent_server_is_a_timeout() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(2)

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            with pytest.raises(FetchTimeout):
                await fetcher.fetch(f"{base}/silent")

    asyncio.run(_with_server(handle, client))


def _http1(limits: httpx.Limits) -> PoolTransport:
    return PoolTransport(ssl_context=httpx.create_ssl_context(), limits=limits, http2=False)


def test_transport_errors_come_out_as_httpx_errors() -> None:
    async def refused() -> None:
        async with httpx.AsyncClient(transport=_http1(httpx.Limits())) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get("http://127.0.0.1:9/")  # discard port: nobody listens

    asyncio.run(refused())


def test_concurrent_requests_use_at_most_the_limit_of_connections_and_reuse_them() -> None:
    connections: list[int] = []
    # Each answer waits long enough for the other requests to pile up.
    handle = _keep_alive(b"<p>busy</p>", 0.02, connections)

    async def client(base: str) -> None:
        transport = _http1(httpx.Limits(max_connections=2, max_keepalive_connections=2))
        async with httpx.AsyncClient(transport=transport) as http:
            answers = await asyncio.gather(*(http.get(f"{base}/{n}") for n in range(8)))
            assert [a.content for a in answers] == [b"<p>busy</p>"] * 8
            assert (await http.get(f"{base}/again")).status_code == 200

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 2


def test_idle_connections_to_other_addresses_are_closed_at_the_limit() -> None:
    first: list[int] = []
    second: list[int] = []

    async def client(base: str) -> None:
        async def both(other: str) -> None:
            transport = _http1(httpx.Limits(max_connections=1, max_keepalive_connections=1))
            async with httpx.AsyncClient(transport=transport) as http:
                for url in (f"{base}/1", f"{other}/1", f"{base}/2"):
                    assert (await http.get(url)).status_code == 200

        await _with_server(_keep_alive(b"<p>other</p>", 0.0, second), both)

    asyncio.run(_with_server(_keep_alive(b"<p>first</p>", 0.0, first), client))
    # One connection at most: the idle one to the first address was closed for the second.
    assert (len(first), len(second)) == (2, 1)


def test_the_connection_replaces_h11_s_receive_buffer_by_the_name_h11_gives_it() -> None:
    # Were h11's attribute renamed, the swap would silently stop saving anything.
    assert isinstance(vars(h11.Connection(h11.CLIENT))["_receive_buffer"], ReceiveBuffer)
    ours = _Connection(httpcore.AsyncNetworkStream(), None)
    assert isinstance(ours._h11._receive_buffer, _Received)


def test_the_installed_h11_is_one_the_receive_buffer_was_checked_against() -> None:
    # Failing here means a new h11: compare its _receivebuffer.py with transport._Received
    # (the private names and state it keeps), then add the release to CHECKED_H11.
    version = getattr(h11, "__version__", "")
    assert version.startswith(CHECKED_H11), version


def test_an_unchecked_h11_keeps_its_own_receive_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(h11, "__version__", "9.0.0")
    ours = _Connection(httpcore.AsyncNetworkStream(), None)
    buffer = ours._h11._receive_buffer
    assert isinstance(buffer, ReceiveBuffer) and not isinstance(buffer, _Received)


#: Server behaviours, in turn for the requests of a connection: bytes to answer one with,
#: b"" to read one and close the connection, None to close it at once.
_SERVED: dict[str, list[bytes | None]] = {
    "kept alive": [_answer(b"<p>one</p>"), _answer(b"<p>two</p>")],
    "closed before any answer": [b""],
    "closed after one answer": [_answer(b"<p>one</p>"), b""],
    "closed after the answer": [_answer(b"<p>one</p>"), None],
    "not HTTP": [b"SSH-2.0-OpenSSH_9.6\r\n\r\n"],
    "body cut short": [b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", None],
    "body to the end": [b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil closed", None],
    "chunked": [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        _answer(b"<p>two</p>"),
    ],
    "bad chunk": [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", None],
    "informational first": [b"HTTP/1.1 100 Continue\r\n\r\n" + _answer(b"<p>one</p>")],
    "HTTP/1.0": [b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", _answer(b"new")],
    "head too large": [b"HTTP/1.1 200 OK\r\nX-Big: " + b"x" * 200_000 + b"\r\n\r\n"],
    "two answers at once": [_answer(b"<p>one</p>") + _answer(b"<p>stray</p>"), _answer(b"3")],
}


def _serving(answers: list[bytes | None], connections: list[int]) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        for answer in answers:
            if answer is None:
                return
            await reader.readuntil(b"\r\n\r\n")
            if not answer:
                return
            writer.write(answer)
            await writer.drain()
        await reader.read()

    return handle


async def _outcomes(transport: httpx.AsyncBaseTransport, base: str) -> list[object]:
    """Three requests, each as status and body or as the httpx error's name and message."""
    seen: list[object] = []
    async with httpx.AsyncClient(transport=transport, timeout=2.0) as client:
        for n in range(3):
            try:
                async with client.stream("GET", f"{base}/{n}") as response:
                    body = await response.aread()
                    seen.append((response.status_code, response.http_version, body))
            except httpx.HTTPError as exc:
                seen.append((type(exc).__name__, str(exc)))
            # A close after an answer reaches the idle connection before it is reused (else
            # whether it is seen in time is a race, each transport taking its own turns).
            await asyncio.sleep(0.02)
    return seen


def _httpcore_s(network: httpcore.AsyncNetworkBackend) -> httpx.AsyncHTTPTransport:
    """httpx's own transport, its pool (httpcore's connections) on ``network``."""
    transport = httpx.AsyncHTTPTransport()
    transport._pool = httpcore.AsyncConnectionPool(network_backend=network)
    return transport


#: Where the transport parts from httpcore on purpose: bytes past an answer's end close the
#: connection (httpcore reads them as the next request's answer: the second request gets the
#: stray copy), and a kept-alive connection the server closes as a request arrives is asked
#: again once on a new one (httpcore fails the request). Answers and connections opened.
_ONE = (200, "HTTP/1.1", b"<p>one</p>")
_OURS: dict[str, tuple[list[object], int]] = {
    "two answers at once": ([_ONE] * 3, 3),
    "closed after one answer": ([_ONE] * 3, 3),
}
_HTTPCORE_S: dict[str, tuple[list[object], int]] = {
    "two answers at once": ([_ONE, (200, "HTTP/1.1", b"<p>stray</p>"), _ONE], 2),
    "closed after one answer": (
        [_ONE, ("RemoteProtocolError", "Server disconnected without sending a response."), _ONE],
        2,
    ),
}


@pytest.mark.parametrize("case", sorted(_SERVED))
def test_the_transport_answers_and_fails_as_httpx_s_own(case: str) -> None:
    # The transport drives h11 itself: every answer, error and reuse of a connection must be
    # what httpcore's connections give for the same server, on the same network layer, but
    # where it does better on purpose (_OURS).
    results: list[tuple[list[object], int]] = []
    for transport in (_httpcore_s(AsyncioBackend()), _http1(httpx.Limits())):
        connections: list[int] = []

        async def client(base: str, transport: httpx.AsyncBaseTransport = transport) -> None:
            results.append((await _outcomes(transport, base), 0))

        asyncio.run(_with_server(_serving(_SERVED[case], connections), client))
        results[-1] = (results[-1][0], len(connections))
    if case in _OURS:
        assert results == [_HTTPCORE_S[case], _OURS[case]]
    else:
        assert results[0] == results[1]


def test_reads_give_the_received_bytes_in_order_within_the_size_asked() -> None:
    rng = random.Random(4)
    for _ in range(300):
        receiver, expected, got = _Receiver(), bytearray(), bytearray()
        for _ in range(40):
            if rng.random() < 0.5 or not receiver.size:
                piece = rng.randbytes(rng.randrange(1, 40))
                receiver.data_received(piece)
                expected += piece
            else:
                most = rng.randrange(1, 50)
                waiting = receiver.size
                data = receiver.take(most)
                assert len(data) == min(most, waiting)  # pieces joined up to the size asked
                got += data
            assert receiver.size == len(expected) - len(got)
        assert expected.startswith(got)


def test_the_receive_buffer_gives_what_h11_s_own_gives() -> None:
    rng = random.Random(6)
    alphabet = [b"a", b"b", b"\r\n", b"\n", b"\r\n\r\n", b"xyz", b" "]
    for _ in range(1500):
        theirs: ReceiveBuffer = ReceiveBuffer()
        ours: ReceiveBuffer = _Received()
        for _ in range(30):
            step = rng.randrange(5)
            if step == 0:
                data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 8)))
                theirs += data
                ours += data if rng.random() < 0.8 else bytearray(data)
            elif step == 1:
                count = rng.randrange(1, 12)
                assert theirs.maybe_extract_at_most(count) == ours.maybe_extract_at_most(count)
            elif step == 2:
                assert theirs.maybe_extract_next_line() == ours.maybe_extract_next_line()
            elif step == 3:
                assert theirs.maybe_extract_lines() == ours.maybe_extract_lines()
            else:
                assert (
                    theirs.is_next_line_obviously_invalid_request_line()
                    == ours.is_next_line_obviously_invalid_request_line()
                )
            assert bytes(theirs) == bytes(ours)
            assert (len(theirs), bool(theirs)) == (len(ours), bool(ours))


def test_each_wait_times_out_by_its_own_deadline() -> None:
    # One timer serves every wait of a connection: a later wait with a shorter timeout, or a
    # longer one after a shorter, still times out when its own time is up, and not before.
    async def scenario() -> list[float]:
        receiver = _Receiver()
        loop = asyncio.get_running_loop()
        loop.call_later(0.02, receiver.data_received, b"x")
        await receiver.until("read", 0.5)  # answered; the timer stays set for 0.5 s
        assert receiver.take(1) == b"x"
        spent = []
        for timeout in (0.05, 0.02, 0.12):
            began = loop.time()
            with pytest.raises(TimeoutError):
                await receiver.until("read", timeout)
            spent.append(loop.time() - began)
        return spent

    for timeout, spent in zip((0.05, 0.02, 0.12), asyncio.run(scenario()), strict=True):
        assert timeout <= spent < timeout + 0.1


def test_headers_h11_accepted_before_make_the_same_request_event() -> None:
    sent: set[tuple[bytes, bytes]] = set()
    ours = _Connection(httpcore.AsyncNetworkStream(), None, sent)
    headers = [(b"Host", b"example.com"), (b"User-Agent", b"scraper"), (b"Accept", b"*/*")]
    for _ in range(2):  # validated by h11 the first time, known the second
        event = ours._request_event(b"GET", b"/a?b=1", headers)
        theirs = h11.Request(method=b"GET", target=b"/a?b=1", headers=headers)
        assert (event.method, event.target, event.http_version) == (b"GET", b"/a?b=1", b"1.1")
        assert list(event.headers.raw_items()) == list(theirs.headers.raw_items())
        assert list(event.headers) == list(theirs.headers)
    assert sent == set(headers)


@pytest.mark.parametrize(
    "bad",
    [
        (b"If-None-Match", b' "x" '),
        (b"Bad Name", b"x"),
        (b"Host", b"second.example"),
        (b"Host", b"example.com"),  # known, but a second Host header
    ],
)
def test_a_header_h11_refuses_is_refused_after_accepted_ones(bad: tuple[bytes, bytes]) -> None:
    sent: set[tuple[bytes, bytes]] = set()
    ours = _Connection(httpcore.AsyncNetworkStream(), None, sent)
    headers = [(b"Host", b"example.com"), (b"Accept", b"*/*")]
    ours._request_event(b"GET", b"/", headers)
    for _ in range(2):
        with pytest.raises(h11.LocalProtocolError):
            ours._request_event(b"GET", b"/", [*headers, bad])
    with pytest.raises(h11.LocalProtocolError):  # the method and target are still checked
        ours._request_event(b"GET", b"/a b", headers)
    assert bad not in sent or bad == headers[0]


def test_an_unchecked_h11_validates_every_request_s_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(h11, "__version__", "9.0.0")
    sent: set[tuple[bytes, bytes]] = set()
    ours = _Connection(httpcore.AsyncNetworkStream(), None, sent)
    ours._request_event(b"GET", b"/", [(b"Host", b"example.com")])
    assert not sent


def test_answers_whose_bodies_nobody_reads_keep_the_connection_when_they_came_whole() -> None:
    # A redirect's, a 304's and an error page's bodies are not read by the fetcher; when they
    # arrived with their heads, the connection stays (each answer cost a new one, and on
    # https a handshake).
    connections: list[int] = []
    answers = {
        b"/moved": b"HTTP/1.1 301 Moved\r\nLocation: /page\r\nContent-Length: 9\r\n\r\nmoved on!",
        b"/page": _answer(b"<p>page</p>"),
        b"/same": b'HTTP/1.1 304 Not Modified\r\nETag: "1"\r\n\r\n',
        b"/gone": b"HTTP/1.1 404 Not Found\r\nContent-Length: 14\r\n\r\n<p>no such</p>",
        b"/busy": b"HTTP/1.1 503 Busy\r\nContent-Length: 9\r\n\r\ntoo busy.",
    }

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while head := await reader.readuntil(b"\r\n\r\n"):
            writer.write(answers[head.split(b" ")[1]])
            await writer.drain()

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            assert (await fetcher.fetch(f"{base}/moved")).body == b"<p>page</p>"
            assert (await fetcher.fetch(f"{base}/same", etag='"1"')).status == 304
            for path, status in (("/gone", 404), ("/busy", 503)):
                with pytest.raises(HTTPStatusError) as caught:
                    await fetcher.fetch(f"{base}{path}")
                assert caught.value.status == status
            assert (await fetcher.fetch(f"{base}/page")).body == b"<p>page</p>"

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 1


def test_bytes_past_an_answer_s_end_are_never_the_next_request_s_answer() -> None:
    # A Content-Length shorter than the body, a 204 with a body: what follows the answer is
    # no answer to the next request (which got an error, or that stray text as its page).
    for first in (
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n<p>first p" + _answer(b"<p>stray</p>"),
        b"HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n<p>body!</p>",
    ):
        connections: list[int] = []

        async def handle(
            reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter,
            first: bytes = first,
            connections: list[int] = connections,
        ) -> None:
            connections.append(1)
            head = await reader.readuntil(b"\r\n\r\n")
            while head:
                path = head.split(b" ")[1]
                writer.write(
                    first if path == b"/first" else _answer(b"<p>this is " + path + b"</p>")
                )
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")

        async def client(base: str) -> None:
            async with _fetcher() as fetcher:
                with contextlib.suppress(FetchError):  # a 204 is no page
                    await fetcher.fetch(f"{base}/first")
                assert (await fetcher.fetch(f"{base}/other")).body == b"<p>this is /other</p>"

        asyncio.run(_with_server(handle, client))
        assert len(connections) == 2


def test_an_answer_framed_by_both_lengths_is_read_by_its_chunks_and_ends_its_connection() -> None:
    # RFC 9112 section 6.3: Transfer-Encoding wins over Content-Length, and the disagreement
    # is how answers are smuggled: the connection is not trusted with the next request.
    connections: list[int] = []
    split = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 3\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nc\r\n<p>split</p>\r\n0\r\n\r\n"
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while head := await reader.readuntil(b"\r\n\r\n"):
            path = head.split(b" ")[1]
            writer.write(split if path == b"/split" else _answer(b"<p>plain</p>"))
            await writer.drain()

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            assert (await fetcher.fetch(f"{base}/split")).body == b"<p>split</p>"
            assert (await fetcher.fetch(f"{base}/plain")).body == b"<p>plain</p>"
            assert (await fetcher.fetch(f"{base}/again")).body == b"<p>plain</p>"

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 2  # a new one after the split answer, kept for the third


def test_a_kept_alive_connection_closed_as_the_request_arrives_is_asked_again_once() -> None:
    # A server's idle timeout meeting ours: it reads the request and closes without a word.
    # With one attempt, the page still comes, on a new connection; a new connection that does
    # the same fails (no second try: the server, not the connection's age, is at fault).
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        head = await reader.readuntil(b"\r\n\r\n")
        if b"/mute" in head:
            return
        writer.write(_answer(b"<p>once</p>"))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request: closed unanswered

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            for n in range(3):
                assert (await fetcher.fetch(f"{base}/{n}")).body == b"<p>once</p>"
            with pytest.raises(NetworkError, match="without sending a response"):
                await fetcher.fetch(f"{base}/mute")

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 4


def test_an_endless_run_of_informational_answers_is_a_broken_server() -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" * 11)
        writer.write(_answer(b"<p>late</p>"))
        await writer.drain()
        await reader.read()

    async def client(base: str) -> None:
        async with _fetcher() as fetcher:
            with pytest.raises(NetworkError, match="informational"):
                await fetcher.fetch(f"{base}/hints")

    asyncio.run(_with_server(handle, client))


def test_requests_waiting_for_a_connection_when_the_transport_closes_open_none() -> None:
    connections: list[int] = []
    handle = _keep_alive(b"<p>slow</p>", 0.2, connections)

    async def client(base: str) -> None:
        transport = _http1(httpx.Limits(max_connections=1, max_keepalive_connections=1))
        async with httpx.AsyncClient(transport=transport) as http:
            asked = [asyncio.ensure_future(http.get(f"{base}/{n}")) for n in range(3)]
            await asyncio.sleep(0.05)  # the first is being answered, two wait for its connection
            await transport.aclose()
            done = await asyncio.gather(*asked, return_exceptions=True)
        assert all(isinstance(d, httpx.HTTPError) for d in done[1:]), done
        assert not transport._open and not transport._idle

    asyncio.run(_with_server(handle, client))
    assert len(connections) == 1


def _robots_served(body: bytes, split_at: int | None = None) -> Handler:
    """A server of ``body`` as /robots.txt (in two runs, cut at ``split_at``), of a page
    at any other path."""
    runs = (body,) if split_at is None else (body[:split_at], body[split_at:])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            if b"/robots.txt" in head:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
                for n, run in enumerate(runs):
                    if n:
                        await writer.drain()
                        await asyncio.sleep(0.05)
                    writer.write(run)
            else:
                writer.write(_answer(b"<p>open</p>"))
            await writer.drain()

    return handle


def _allowed_then_disallowed(allowed: str) -> Callable[[str], Awaitable[None]]:
    """A client that fetches ``allowed`` and is refused /secret by robots.txt."""

    async def client(base: str) -> None:
        options = local_options(
            politeness=Politeness(min_interval=0.0), retry=RetryPolicy(attempts=1)
        )
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            assert (await fetcher.fetch(f"{base}{allowed}")).body == b"<p>open</p>"
            with pytest.raises(RobotsDisallowed):
                await fetcher.fetch(f"{base}/secret")

    return client


def test_a_robots_txt_over_the_cap_is_read_up_to_the_cap() -> None:
    # RFC 9309: at least the first 500 KiB. The piece that crossed the cap (pieces run to
    # 256 KiB) was dropped whole, and with it the rules up to 200 KiB before the cap.
    pad = b"# " + b"x" * 97 + b"\n"
    rules = b"User-agent: *\n" + pad * 4_500 + b"Disallow: /secret\n"  # about 450 KB in
    body = rules + pad * 2_500  # about 700 KB, over the 512 KiB cap
    assert len(rules) < 512 * 1024 < len(body)
    # Two writes: the body comes in two runs.
    asyncio.run(_with_server(_robots_served(body, 300_000), _allowed_then_disallowed("/open")))


def test_a_rule_the_robots_txt_cap_cuts_in_half_is_not_read() -> None:
    # "Disallow: /private/" cut to "Disallow: /p" shut out /public too.
    cap = 512 * 1024
    head = b"User-agent: *\nDisallow: /secret\n"
    room = cap - len(head) - len(b"Disallow: /p")  # what comment lines fill before the rule
    filler = (b"#" * 99 + b"\n") * (room // 100 - 1)
    filler += b"#" * (room - len(filler) - 1) + b"\n"
    body = head + filler + b"Disallow: /private/\n"
    assert body[:cap].endswith(b"Disallow: /p") and len(body) > cap
    asyncio.run(_with_server(_robots_served(body), _allowed_then_disallowed("/public")))


def test_a_tls_handshake_the_server_never_answers_is_a_timeout() -> None:
    # asyncio's own handshake timeout ends it with a ConnectionAbortedError, which read as a
    # network error: the connect deadline is the fetcher's, and it is a timeout.
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the ClientHello, answers nothing

    async def client(base: str) -> None:
        options = local_options(
            politeness=Politeness(respect_robots=False, min_interval=0.0),
            timeouts=Timeouts(connect=0.3, read=2.0, total=5.0),
            retry=RetryPolicy(attempts=1),
        )
        async with Fetcher(options, resolver=loopback_resolver) as fetcher:
            with pytest.raises(FetchTimeout):
                await fetcher.fetch(base.replace("http://127.0.0.1", "https://site.test"))

    asyncio.run(_with_server(handle, client))
