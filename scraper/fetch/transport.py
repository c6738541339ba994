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
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from scraper.fetch.network import AsyncioBackend

__all__ = ["PoolTransport"]

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


class _Body(httpx.AsyncByteStream):
    def __init__(
        self, stream: httpcore.Response, request: httpx.Request, done: Callable[[], None]
    ) -> None:
        self._response = stream
        self._request = request
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx(self._request):
            async for part in self._response.aiter_stream():
                yield part

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


_Lender = httpcore.AsyncConnectionPool | httpcore.AsyncHTTPConnection


class PoolTransport(httpx.AsyncBaseTransport):
    """One origin's connections (a client per host uses one of these).

    Over HTTP/1.1 the transport keeps the connections itself, each lent to one request at a
    time (the most recently returned first, whose connection is the likeliest to be alive), and
    a connection that is no longer available (closed, past its keep-alive, or closed by the
    server while idle) is replaced: httpcore's pool looks over all its connections, and for
    every idle one over all of them again, each time a request starts or ends, which with a
    host's 8 connections was a tenth of a crawl's CPU outside extraction; even a pool of one
    connection cost a lock, an event and a cancellation shield (each a turn of the event loop
    through anyio) per request. HTTP/2 multiplexes requests on one connection and keeps
    httpcore's pool.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits, http2: bool) -> None:
        if http2 and importlib.util.find_spec("h2") is None:
            raise ImportError("HTTP/2 needs the h2 package")
        size = limits.max_connections or 100  # None: httpx's "no limit"; 100 is plenty per host
        self._ssl_context = ssl_context
        self._limits = limits
        self._size = size
        self._shared = self._pool() if http2 else None
        # Idle connections by origin (the address asked for can change between attempts).
        self._idle: dict[tuple[bytes, bytes, int], list[httpcore.AsyncHTTPConnection]] = {}
        self._open: set[httpcore.AsyncHTTPConnection] = set()
        self._lent = asyncio.Semaphore(size)

    def _pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._limits.max_connections,
            max_keepalive_connections=self._limits.max_keepalive_connections,
            keepalive_expiry=self._limits.keepalive_expiry,
            http1=True,
            http2=True,
            network_backend=AsyncioBackend(),
        )

    async def _borrow(self, origin: httpcore.Origin) -> tuple[_Lender, Callable[[], None]]:
        if self._shared is not None:
            return self._shared, lambda: None
        await self._lent.acquire()
        key = (origin.scheme, origin.host, origin.port)  # httpcore's Origin is not hashable
        try:
            connection = await self._idle_connection(key)
            if connection is None and len(self._open) >= self._size:
                # Idle connections to other addresses of the host go first: no more than
                # ``size`` connections are ever open.
                await self._close_idle()
        except BaseException:
            self._lent.release()
            raise
        if connection is None:
            connection = httpcore.AsyncHTTPConnection(
                origin,
                ssl_context=self._ssl_context,
                keepalive_expiry=self._limits.keepalive_expiry,
                network_backend=AsyncioBackend(),
            )
            self._open.add(connection)

        def give_back() -> None:
            self._idle.setdefault(key, []).append(connection)
            self._lent.release()

        return connection, give_back

    async def _idle_connection(
        self, key: tuple[bytes, bytes, int]
    ) -> httpcore.AsyncHTTPConnection | None:
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

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection; the body is streamed as it is read."""
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
        pool, give_back = await self._borrow(core.url.origin)
        try:
            with _as_httpx(request):
                response = await pool.handle_async_request(core)
        except BaseException:
            give_back()
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, request, give_back),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close every connection."""
        connections: list[_Lender] = [*self._open]
        if self._shared is not None:
            connections.append(self._shared)
        self._open, self._idle = set(), {}
        for connection in connections:
            await connection.aclose()
