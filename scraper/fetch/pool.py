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
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import httpx

from scraper.errors import ConfigError
from scraper.fetch.options import FetchOptions
from scraper.fetch.target import Target
from scraper.fetch.transport import PoolTransport

__all__ = ["MOST_COOKIES", "MOST_COOKIE_BYTES", "HostClient", "HostClients", "Reply", "sendable"]


#: The most cookies a host's jar keeps, and the longest one (name and value, in bytes): the
#: least RFC 6265 (section 6.1) asks a client to hold. Unbounded, a host that set 500 new
#: cookies on every page had each request carry all of them (an 11 MB Cookie header after
#: 200 pages), and the crawl's memory grow with them.
MOST_COOKIES = 50
MOST_COOKIE_BYTES = 4096


def sendable(value: str) -> bool:
    """Whether ``value`` can go out in a request header as it is."""
    # Header values go out as ASCII; a control character would end the header line.
    return value.isascii() and value.isprintable()


class Reply(Protocol):
    """A response whose body is not read yet (close it when done)."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """As httpx decodes them: names lower-cased, values in their order."""

    @property
    def whole(self) -> bytes | None:
        """The body, when it arrived whole (``chunks`` is then not to be used)."""

    def chunks(self) -> AsyncIterable[bytes]:
        """The body as received, Content-Encoding not undone."""

    async def aclose(self) -> None:
        """Release the response and its connection."""


class _HttpxReply:
    """A response from an httpx transport (a test's), as a :class:`Reply`."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = tuple(response.headers.multi_items())
        # Built from bytes (httpx.MockTransport): already read, nothing to stream.
        self.whole = response.content if response.is_stream_consumed else None
        self._response = response

    def chunks(self) -> AsyncIterable[bytes]:
        return self._response.aiter_raw()

    async def aclose(self) -> None:
        await self._response.aclose()


def _at(url: httpx.URL, address: str) -> httpx.URL:
    """``url`` with the checked address for host."""
    return url if url.host == address else url.copy_with(host=address)


class HostClient:
    """One origin's transport, its cookies and the request timeouts.

    The fetcher's own transport is sent httpcore requests directly: an ``httpx.Request`` and
    ``httpx.Response`` per request (URL and header objects, a stream wrapper, the reading
    layers of ``Response.aiter_raw``) cost about a tenth of the fetcher's CPU and add nothing
    it uses; they are built only for cookies, when the host has set any. Any other transport
    (a test's) gets httpx's objects.
    """

    def __init__(self, transport: httpx.AsyncBaseTransport, timeout: httpx.Timeout) -> None:
        self.transport = transport
        self.cookies = httpx.Cookies()
        self._timeout = timeout.as_dict()

    async def get(
        self, url: Target, address: str, headers: dict[str, str], extensions: dict[str, Any]
    ) -> Reply:
        """Send a GET for ``url`` to the IP ``address`` (``headers`` name the host); the
        response's body is left to stream (close it when done).

        Raises:
            httpx.HTTPError, httpcore's errors (from the fetcher's own transport), OSError.
        """
        extensions = {"timeout": self._timeout, **extensions}
        if not isinstance(self.transport, PoolTransport):
            return _HttpxReply(await self._send_httpx(url, address, headers, extensions))
        # Cookies go by the name asked for, never the address the request is sent to: the jar
        # rejects a cookie set for the whole domain (Domain=...) when it sees an IP.
        request: httpx.Request | None = None
        raw: list[tuple[bytes, bytes]]
        if self.cookies.jar:
            request = httpx.Request("GET", url.url, headers=headers)
            self.cookies.set_cookie_header(request)
            raw = request.headers.raw
        else:
            # What httpx.Headers would make of them: names as given, both sides in ASCII.
            raw = [(k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()]
        # The address as httpx's ``url.copy_with(host=address).raw_host`` gives it (IPv6
        # without brackets), without parsing the whole URL again.
        reply = await self.transport.get(
            url.scheme.encode("ascii"),
            address.encode("ascii"),
            url.port,
            url.path.encode("ascii"),
            raw,
            extensions,
        )
        if any(name == "set-cookie" for name, _ in reply.headers):
            request = request or httpx.Request("GET", url.url, headers=headers)
            self._keep_cookies(
                httpx.Response(reply.status, headers=reply.raw_headers, request=request)
            )
        return reply

    async def _send_httpx(
        self, url: Target, address: str, headers: dict[str, str], extensions: dict[str, Any]
    ) -> httpx.Response:
        named = httpx.Request("GET", url.url, headers=headers)
        if self.cookies.jar:
            self.cookies.set_cookie_header(named)
        request = httpx.Request(
            "GET", _at(named.url, address), headers=named.headers, extensions=extensions
        )
        response = await self.transport.handle_async_request(request)
        response.request = request
        if "set-cookie" in response.headers:
            self._keep_cookies(
                httpx.Response(response.status_code, headers=response.headers, request=named)
            )
        return response

    def _keep_cookies(self, answer: httpx.Response) -> None:
        """Keep the cookies ``answer`` sets, but those that cannot be sent back.

        Header values arrive decoded (UTF-8, else ISO-8859-1); a cookie holding other than
        printable ASCII would make every later request to the host fail to encode its
        ``Cookie`` header, so it is dropped: the host sees a client that did not keep it.

        A Set-Cookie the standard library's jar cannot read (a Max-Age of 400 digits
        overflows it) makes the jar keep none of the answer's cookies, which is kept as it
        is: the host sees a client that did not keep them.

        The jar holds ``MOST_COOKIES`` at most, each of ``MOST_COOKIE_BYTES`` at most (name
        and value): a new cookie past either is not kept, and those already held stay.
        """
        jar = self.cookies.jar
        held = {(cookie.domain, cookie.path, cookie.name) for cookie in jar}
        with warnings.catch_warnings():
            # The jar reports that failure as its own bug, a warning carrying a traceback:
            # printed on stderr at a server's will (a command's one-line errors among them),
            # and an exception where warnings are errors.
            warnings.filterwarnings("ignore", "http.cookiejar bug!", UserWarning)
            self.cookies.extract_cookies(answer)
        cookies = list(jar)
        room = MOST_COOKIES - sum((c.domain, c.path, c.name) in held for c in cookies)
        for cookie in cookies:
            name, value = cookie.name, cookie.value or ""
            if not sendable(name) or not sendable(value):
                jar.clear(cookie.domain, cookie.path, name)
            elif (cookie.domain, cookie.path, name) in held:
                continue  # a cookie held already, set again: a new value in its place
            elif len(name) + len(value) > MOST_COOKIE_BYTES or room <= 0:
                jar.clear(cookie.domain, cookie.path, name)
            else:
                room -= 1

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

    def use(self, origin: str) -> AbstractAsyncContextManager[HostClient]:
        """The client of ``origin``, made on first use; it is not closed while in use."""
        return _InUse(self, "*" if self._transport is not None else origin, origin)

    async def _take(self, key: str, origin: str) -> HostClient:
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._make(origin)
            await self._close_idle()
        else:
            self._clients.move_to_end(key)
        self._busy[key] = self._busy.get(key, 0) + 1
        return client

    def _put_back(self, key: str) -> None:
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


class _InUse:
    """A client held inside ``async with`` (a class: an ``asynccontextmanager``'s generator
    and wrapper cost more than the bookkeeping, once per request)."""

    __slots__ = ("_clients", "_key", "_origin")

    def __init__(self, clients: HostClients, key: str, origin: str) -> None:
        self._clients = clients
        self._key = key
        self._origin = origin

    async def __aenter__(self) -> HostClient:
        return await self._clients._take(self._key, self._origin)

    async def __aexit__(self, *exc_info: object) -> None:
        self._clients._put_back(self._key)
