"""The httpx transport of the fetcher's clients: httpcore's connections on asyncio directly.

It does what ``httpx.AsyncHTTPTransport`` does (httpcore's connections, HTTP/1.1 keep-alive and
optional HTTP/2, the same errors) but with :class:`~scraper.fetch.network.AsyncioBackend` as the
connections' network layer, which ``httpx.AsyncHTTPTransport`` has no setting for, and with the
HTTP/1.1 connections kept by the transport itself rather than by httpcore's pool.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Protocol, cast

import h11
import httpcore
import httpx
from h11._receivebuffer import ReceiveBuffer, blank_line_regex

from scraper.fetch.network import BUFFER, AsyncioBackend

__all__ = ["PoolTransport", "Reply"]

# Most specific first: the first match names the httpx error.
_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for theirs, ours in _ERRORS:
            if isinstance(exc, theirs):
                raise ours(str(exc), request=request) from exc
        raise


class _BodyStream(Protocol):
    """What httpcore's connections and pool give as a response's stream."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


class Reply:
    """An answer from one of the transport's connections, its body not read yet.

    ``headers`` are decoded as httpx decodes them (names lower-cased). The connection goes
    back to the transport when the reply is closed, so close it when done.
    """

    __slots__ = ("_done", "_response", "_stream", "headers", "status")

    def __init__(self, response: httpcore.Response, done: Callable[[], None]) -> None:
        self.status = response.status
        self.headers = _decoded(response.headers)
        self._response = response
        # httpcore's own stream, used directly: Response.aiter_stream would add a generator
        # around every read, and Response.aclose a check of its type against typing's ABCs.
        self._stream = cast(_BodyStream, response.stream)
        self._done: Callable[[], None] | None = done

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The headers as received."""
        return self._response.headers

    @property
    def extensions(self) -> MutableMapping[str, Any]:
        """httpcore's extensions of the response (HTTP version, reason phrase)."""
        return self._response.extensions

    @property
    def whole(self) -> bytes | None:
        """Always None: the body is streamed (see ``chunks``)."""
        return None

    def chunks(self) -> AsyncIterable[bytes]:
        """The body's bytes as received (Content-Encoding not undone); httpcore's errors."""
        return self._stream

    async def aclose(self) -> None:
        """Close the body and give the connection back (or drop it, if unfinished)."""
        try:
            await self._stream.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


def _decoded(raw: list[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Headers as ``httpx.Headers(raw).multi_items()`` gives them: names lower-cased, every
    name and value decoded as ASCII, else as UTF-8 if all of them are, else as ISO-8859-1.

    Without the Headers object, its ABC checks and a property read per name and value.
    """
    for encoding in ("ascii", "utf-8"):
        try:
            return tuple((k.lower().decode(encoding), v.decode(encoding)) for k, v in raw)
        except UnicodeDecodeError:
            continue
    return tuple((k.lower().decode("iso-8859-1"), v.decode("iso-8859-1")) for k, v in raw)


class _Body(httpx.AsyncByteStream):
    """A reply as an httpx stream, for the httpx transport interface."""

    def __init__(self, reply: Reply, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request):
            async for part in self._reply.chunks():
                yield part

    async def aclose(self) -> None:
        await self._reply.aclose()


#: The h11 releases ``_Received`` was checked against. It overrides private methods of h11's
#: buffer and keeps their private state right, which another release may lay out otherwise:
#: a connection under any other release keeps h11's own buffer (and a test fails, asking for
#: the check).
CHECKED_H11 = ("0.16.",)


def _checked(version: str) -> bool:
    return version.startswith(CHECKED_H11)


class _Received(ReceiveBuffer):
    """h11's receive buffer, copying a response's bytes once at most instead of three times.

    h11 appended each piece read to a bytearray, and took a body's bytes out of it by slicing
    them once only to see whether there were any and again to take them; httpcore then made
    bytes of them. Here a piece that arrives while nothing is held is kept as it came, and a
    body taking all of it gets that very object (bytes, which httpcore passes on as they are);
    a header block at its start is read by h11's own code from a copy of the block alone,
    the rest kept as bytes. Anything else first moves the piece into h11's bytearray, and
    taking the whole of that hands over the bytearray itself.
    """

    def __init__(self) -> None:
        super().__init__()
        # The piece held as it arrived, only ever while the bytearray is empty.
        self._piece: bytes | None = None

    def _settle(self) -> None:
        if self._piece is not None:
            self._data += self._piece
            self._piece = None

    def __iadd__(self, byteslike: bytes | bytearray) -> ReceiveBuffer:
        if self._piece is None and not self._data and type(byteslike) is bytes:
            self._piece = byteslike
            return self
        self._settle()
        self._data += byteslike
        return self

    def __len__(self) -> int:
        return len(self._data) if self._piece is None else len(self._piece)

    def __bytes__(self) -> bytes:
        return bytes(self._data) if self._piece is None else self._piece

    def maybe_extract_at_most(self, count: int) -> bytearray | None:
        piece = self._piece
        if piece is not None and count >= len(piece):
            self._piece = None
            self._next_line_search = self._multiple_lines_search = 0
            return piece  # type: ignore[return-value]  # h11 takes any bytes-like data
        self._settle()
        if not self._data:
            return None
        return self._extract(count)

    def maybe_extract_next_line(self) -> bytearray | None:
        self._settle()
        return super().maybe_extract_next_line()

    def maybe_extract_lines(self) -> list[bytearray] | None:
        piece = self._piece
        if piece is not None and not piece.startswith((b"\n", b"\r\n")):
            found = blank_line_regex.search(piece)
            if found is not None:
                end = found.end()
                self._piece = None
                self._data = bytearray(piece[:end])
                lines = super().maybe_extract_lines()  # the whole block: the bytearray empties
                self._piece = piece[end:] or None
                return lines
        self._settle()
        return super().maybe_extract_lines()

    def is_next_line_obviously_invalid_request_line(self) -> bool:
        self._settle()
        return super().is_next_line_obviously_invalid_request_line()

    def _extract(self, count: int) -> bytearray:
        if count < len(self._data):
            return super()._extract(count)
        out, self._data = self._data, bytearray()
        self._next_line_search = self._multiple_lines_search = 0
        return out


class _Connection(httpcore.AsyncHTTP11Connection):
    """httpcore's HTTP/1.1 connection, its state guarded by an asyncio lock.

    httpcore's own lock goes through anyio, whose acquire yields to the event loop even when
    nobody holds it; it is taken twice a request (when the request starts and when its body is
    closed), about an eighth of the fetcher's instructions. The transport lends a connection to
    one request at a time, so the lock is never contended, and asyncio's gives the same
    exclusion without the turn of the loop. Should httpcore rename the attribute, this only adds
    an unused one and the connection keeps its own lock (a test checks the name). The same
    goes for h11's receive buffer, replaced by one that copies less (see ``_Received``).

    It reads as much as the network layer holds at most (asyncio hands over up to 256 KiB at
    once) rather than httpcore's 64 KiB: a piece received whole is passed on whole, not cut
    into copies, and a body takes fewer turns through h11.
    """

    READ_NUM_BYTES = BUFFER

    def __init__(
        self,
        origin: httpcore.Origin,
        stream: httpcore.AsyncNetworkStream,
        keepalive_expiry: float | None,
    ) -> None:
        super().__init__(origin, stream, keepalive_expiry=keepalive_expiry)
        self._state_lock = asyncio.Lock()  # type: ignore[assignment]
        state: h11.Connection = self._h11_state
        if _checked(getattr(h11, "__version__", "")) and isinstance(
            getattr(state, "_receive_buffer", None), ReceiveBuffer
        ):
            state._receive_buffer = _Received()


_Lender = httpcore.AsyncConnectionPool | httpcore.AsyncHTTP11Connection


def _nothing() -> None:
    pass


class PoolTransport(httpx.AsyncBaseTransport):
    """One origin's connections (a client per host uses one of these).

    Over HTTP/1.1 the transport keeps the connections itself, each lent to one request at a
    time (the most recently returned first, whose connection is the likeliest to be alive), and
    a connection that is no longer available (closed, past its keep-alive, or closed by the
    server while idle) is replaced: httpcore's pool looks over all its connections, and for
    every idle one over all of them again, each time a request starts or ends, which with a
    host's 8 connections was a tenth of a crawl's CPU outside extraction; even a pool of one
    connection cost a lock, an event and a cancellation shield (each a turn of the event loop
    through anyio) per request. The transport opens the connections itself too (TCP, then TLS
    for https) and hands them to httpcore's HTTP/1.1 connection: ``httpcore.AsyncHTTPConnection``
    would only add a lock (another turn of the loop) per request around it. HTTP/2 multiplexes
    requests on one connection and keeps httpcore's pool.

    ``send`` takes and gives httpcore's objects, with httpcore's errors; as an httpx transport
    (``handle_async_request``) it speaks httpx, errors included.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits, http2: bool) -> None:
        if http2 and importlib.util.find_spec("h2") is None:
            raise ImportError("HTTP/2 needs the h2 package")
        size = limits.max_connections or 100  # None: httpx's "no limit"; 100 is plenty per host
        self._ssl_context = ssl_context
        self._limits = limits
        self._size = size
        self._network = AsyncioBackend()
        self._shared = self._pool() if http2 else None
        # Idle connections by origin (the address asked for can change between attempts).
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTP11Connection]] = {}
        self._open: set[httpcore.AsyncHTTP11Connection] = set()
        self._lent = asyncio.Semaphore(size)

    def _pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._limits.max_connections,
            max_keepalive_connections=self._limits.max_keepalive_connections,
            keepalive_expiry=self._limits.keepalive_expiry,
            http1=True,
            http2=True,
            network_backend=self._network,
        )

    async def _borrow(self, request: httpcore.Request) -> tuple[_Lender, Callable[[], None]]:
        if self._shared is not None:
            return self._shared, _nothing
        await self._lent.acquire()
        origin = request.url.origin
        key = (origin.scheme, origin.host, origin.port)  # httpcore's Origin is not hashable
        try:
            connection = await self._idle_connection(key)
            if connection is None:
                if len(self._open) >= self._size:
                    # Idle connections to other addresses of the host go first: no more than
                    # ``size`` connections are ever open.
                    await self._close_idle()
                connection = await self._connect(request)
                self._open.add(connection)
        except BaseException:
            self._lent.release()
            raise

        def give_back() -> None:
            self._idle.setdefault(key, []).append(connection)
            self._lent.release()

        return connection, give_back

    async def _connect(self, request: httpcore.Request) -> httpcore.AsyncHTTP11Connection:
        """A new HTTP/1.1 connection to the request's origin (TLS for https, with the
        request's ``sni_hostname`` when it has one)."""
        origin = request.url.origin
        timeout = request.extensions.get("timeout", {}).get("connect")
        host = origin.host.decode("ascii")
        stream = await self._network.connect_tcp(host, origin.port, timeout=timeout)
        if origin.scheme == b"https":
            self._ssl_context.set_alpn_protocols(["http/1.1"])
            server_name = request.extensions.get("sni_hostname") or host
            stream = await stream.start_tls(self._ssl_context, server_name, timeout)
        return _Connection(origin, stream, self._limits.keepalive_expiry)

    async def _idle_connection(
        self, key: tuple[bytes, bytes, int]
    ) -> httpcore.AsyncHTTP11Connection | None:
        """The most recently returned connection to the origin still fit for a request."""
        idle = self._idle.get(key, [])
        while idle:
            connection = idle.pop()
            if connection.is_available() and not connection.has_expired():
                return connection
            self._open.discard(connection)
            await connection.aclose()
        return None

    async def _close_idle(self) -> None:
        idle = [connection for group in self._idle.values() for connection in group]
        self._idle = {}
        for connection in idle:
            self._open.discard(connection)
            await connection.aclose()

    async def send(self, request: httpcore.Request) -> Reply:
        """Send ``request`` on a pooled connection; the body is left to stream (close the
        reply when done). Errors are httpcore's."""
        pool, give_back = await self._borrow(request)
        try:
            response = await pool.handle_async_request(request)
        except BaseException:
            give_back()
            raise
        return Reply(response, give_back)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """``send`` for httpx: an httpx request and response, httpx's errors."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx(request):
            reply = await self.send(core)
        return httpx.Response(
            status_code=reply.status,
            headers=reply.raw_headers,
            stream=_Body(reply, request),
            extensions=reply.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        connections: list[_Lender] = [*self._open]
        if self._shared is not None:
            connections.append(self._shared)
        self._open, self._idle = set(), {}
        for connection in connections:
            await connection.aclose()
