"""The httpx transport of the fetcher's clients: httpcore's connection pool on asyncio directly.

It does what ``httpx.AsyncHTTPTransport`` does (the same httpcore pool, HTTP/1.1 keep-alive and
optional HTTP/2, the same errors) but with :class:`~scraper.fetch.network.AsyncioBackend` as the
pool's network layer, which ``httpx.AsyncHTTPTransport`` has no setting for.
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


class PoolTransport(httpx.AsyncBaseTransport):
    """One origin's connections (a client per host uses one of these).

    Over HTTP/1.1 each connection is a pool of its own, lent to one request at a time (the most
    recently returned first, whose connection is the likeliest to be alive): httpcore's pool
    looks over all its connections, and for every idle one over all of them again, each time
    a request starts or ends, which with a host's 8 connections was a tenth of a crawl's CPU
    outside extraction. HTTP/2 multiplexes requests on one connection and keeps one pool.
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, limits: httpx.Limits, http2: bool) -> None:
        if http2 and importlib.util.find_spec("h2") is None:
            raise ImportError("HTTP/2 needs the h2 package")
        size = limits.max_connections or 100  # None: httpx's "no limit"; 100 is plenty per host
        self._ssl_context = ssl_context
        self._limits = limits
        self._http2 = http2
        self._shared = self._pool() if http2 else None
        self._idle: list[httpcore.AsyncConnectionPool] = []
        self._pools: list[httpcore.AsyncConnectionPool] = []
        self._lent = asyncio.Semaphore(size)

    def _pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._limits.max_connections if self._http2 else 1,
            max_keepalive_connections=self._limits.max_keepalive_connections,
            keepalive_expiry=self._limits.keepalive_expiry,
            http1=True,
            http2=self._http2,
            network_backend=AsyncioBackend(),
        )

    async def _borrow(self) -> tuple[httpcore.AsyncConnectionPool, Callable[[], None]]:
        if self._shared is not None:
            return self._shared, lambda: None
        await self._lent.acquire()
        if self._idle:
            pool = self._idle.pop()
        else:
            pool = self._pool()
            self._pools.append(pool)

        def give_back() -> None:
            self._idle.append(pool)
            self._lent.release()

        return pool, give_back

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
        pool, give_back = await self._borrow()
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
        pools = [*self._pools, *([self._shared] if self._shared is not None else [])]
        self._pools, self._idle = [], []
        for pool in pools:
            await pool.aclose()
