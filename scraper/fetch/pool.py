"""One client per host (an httpx transport and its cookies), sharing one SSL context, idle ones
closed past a cap.

Each client's transport is :class:`~scraper.fetch.transport.PoolTransport` (httpcore's pool on
asyncio directly), unless a test hands in a transport of its own. A :class:`HostClient` sends an
``httpx.Request`` straight to its transport: ``httpx.AsyncClient``'s layers (request building
from client defaults, auth and redirect flows, a cookie jar pass on every response, the
response's stream wrapper) cost about a fifth of the fetcher's CPU per page, and the fetcher
uses none of them (it builds its own headers and follows redirects itself).

httpx's pool scans every connection of a client on each request, so one client shared by many
hosts costs more per request than one client per host. Each new client would load the CA
bundle (~45 ms); they share one SSL context instead. A long crawl meets thousands of hosts, so
past ``Limits.max_host_clients`` the least recently used client that is not in use is closed,
with its keep-alive connections.
"""

from __future__ import annotations

import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from scraper.errors import ConfigError
from scraper.fetch.options import FetchOptions
from scraper.fetch.transport import PoolTransport

__all__ = ["HostClient", "HostClients"]


class HostClient:
    """One origin's transport, its cookies and the request timeouts."""

    def __init__(self, transport: httpx.AsyncBaseTransport, timeout: httpx.Timeout) -> None:
        self.transport = transport
        self.cookies = httpx.Cookies()
        self._timeout = timeout.as_dict()

    async def get(
        self, url: httpx.URL, headers: dict[str, str], extensions: dict[str, Any]
    ) -> httpx.Response:
        """Send a GET; the response's body is left to stream (close it when done)."""
        request = httpx.Request(
            "GET", url, headers=headers, extensions={"timeout": self._timeout, **extensions}
        )
        if self.cookies.jar:
            self.cookies.set_cookie_header(request)
        response = await self.transport.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            self.cookies.extract_cookies(response)
        return response

    async def aclose(self) -> None:
        """Close the transport's connections."""
        await self.transport.aclose()


class HostClients:
    """The clients of a fetcher, by origin (``scheme://host:port``)."""

    def __init__(
        self, options: FetchOptions, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._options = options
        # A test transport stands for the whole network: one client then serves every host.
        self._transport = transport
        self._clients: OrderedDict[str, HostClient] = OrderedDict()
        self._busy: dict[str, int] = {}
        self._ssl: ssl.SSLContext | None = None
        self._plain: ssl.SSLContext | None = None

    def __len__(self) -> int:
        return len(self._clients)

    @asynccontextmanager
    async def use(self, origin: str) -> AsyncIterator[HostClient]:
        """The client of ``origin``, made on first use; it is not closed while in use."""
        key = "*" if self._transport is not None else origin
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._make(origin)
            await self._close_idle()
        else:
            self._clients.move_to_end(key)
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            yield client
        finally:
            self._busy[key] -= 1
            if not self._busy[key]:
                del self._busy[key]

    async def aclose(self) -> None:
        """Close every client and its connections."""
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            await client.aclose()

    async def _close_idle(self) -> None:
        excess = len(self._clients) - self._options.limits.max_host_clients
        for key in [k for k in self._clients if k not in self._busy]:  # oldest first
            if excess <= 0:
                return
            # The newest client (being handed out) is last, so it goes only if all else is busy.
            client = self._clients.pop(key)
            excess -= 1
            await client.aclose()

    def _make(self, origin: str) -> HostClient:
        timeouts = self._options.timeouts
        per_host = self._options.politeness.per_host_concurrency
        limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        try:
            transport = self._transport or PoolTransport(
                ssl_context=self._verify(origin), limits=limits, http2=self._options.http2
            )
        except ImportError as exc:
            raise ConfigError("HTTP/2 needs the 'http2' extra (h2)", key="http2") from exc
        # No proxy from the environment (the guard checks the target): the transport connects
        # to the checked address itself.
        return HostClient(transport, httpx.Timeout(timeouts.read, connect=timeouts.connect))

    def _verify(self, origin: str) -> ssl.SSLContext:
        """The shared verifying context for https; for plain http, one that never loads CAs.

        httpx builds a transport's SSL context even when it will never speak TLS; a client
        serves one origin, so an http client never needs the CA bundle. Should it ever be
        asked for TLS, the bare context still verifies, and with no CA it fails closed.
        """
        if self._transport is None and origin.startswith("http:"):
            if self._plain is None:
                self._plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            return self._plain
        if self._ssl is None:
            self._ssl = self._ssl_context()
        return self._ssl

    def _ssl_context(self) -> ssl.SSLContext:
        context = httpx.create_ssl_context()
        if self._options.ca_file:
            try:
                context.load_verify_locations(cafile=self._options.ca_file)
            except (OSError, ssl.SSLError) as exc:
                message = f"cannot load {self._options.ca_file}: {exc}"
                raise ConfigError(message, key="ca_file") from exc
        return context
